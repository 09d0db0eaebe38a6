import type { Clock } from '../../lib/clock.js';
import type { JobQueue, StepJob } from './job-queue.js';
import { jobKey } from './job-queue.js';
import type { PipelineDefinition } from './pipeline.model.js';
import { isTerminalStep, upstreamOf } from './pipeline.model.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import type { PipelineRunRow } from './pipelines.tables.js';
import { interrupted } from './step-runner.js';

export interface SchedulerOptions {
  repo: PipelinesRepository;
  clock: Clock;
  queue: JobQueue;
  definition(name: string, version: number): Promise<PipelineDefinition>;
  /** A running step whose executor has been silent this long is presumed dead and re-queued (default 30 s). */
  staleAfterMs?: number;
  /** Steps held by this process: never reclaimed by its own pass, however late their heartbeat. */
  holds?: (runId: string, step: string) => boolean;
  /** A job queued by this scheduler is queued again only after this long (a lost or dropped job; default 10 s). */
  requeueAfterMs?: number;
}

/**
 * One scheduling pass over the store: re-queues steps of dead executors, settles runs (skips
 * ripple down the DAG after a failure; a run whose steps all ended ends), and queues every ready
 * step (pending, wait over, upstream all succeeded) as a job. Every change is a conditional
 * update, so any number of servers may run passes at once.
 */
export class Scheduler {
  private readonly sent = new Map<string, number>();
  private readonly staleAfterMs: number;
  private readonly requeueAfterMs: number;

  constructor(private readonly o: SchedulerOptions) {
    this.staleAfterMs = o.staleAfterMs ?? 30_000;
    this.requeueAfterMs = o.requeueAfterMs ?? 10_000;
  }

  /** Forgets what was queued (a restarted in-process queue starts empty). */
  reset(): void {
    this.sent.clear();
  }

  /** A whole pass: stale steps, then every active run. */
  async pass(trackingUri: string): Promise<void> {
    await this.reclaimStale();
    const jobs: StepJob[] = [];
    for (const run of await this.o.repo.activeRuns()) jobs.push(...(await this.settle(run, trackingUri)));
    await this.enqueue(jobs);
  }

  /** Settles one run and queues its ready steps (a worker does this after a step of the run ended). */
  async advance(runId: string, trackingUri: string): Promise<void> {
    const run = await this.o.repo.getRun(runId);
    if (run && (run.state === 'queued' || run.state === 'running')) await this.enqueue(await this.settle(run, trackingUri));
  }

  private async enqueue(jobs: StepJob[]): Promise<void> {
    const now = this.o.clock.now();
    for (const [k, at] of this.sent) if (now - at > this.requeueAfterMs) this.sent.delete(k);
    const fresh = jobs.filter((j) => !this.sent.has(jobKey(j)));
    if (!fresh.length) return;
    await this.o.queue.enqueue(fresh);
    for (const j of fresh) this.sent.set(jobKey(j), now);
  }

  /**
   * Running steps nobody has heard from in `staleAfterMs` belonged to an executor that died (a
   * crash, a killed worker, a preempted machine): the attempt is recorded as interrupted and the
   * step re-queued.
   */
  private async reclaimStale(): Promise<void> {
    const now = this.o.clock.now();
    for (const row of await this.o.repo.staleRunning(now - this.staleAfterMs)) {
      if (this.o.holds?.(row.run_id, row.step)) continue;
      await this.o.repo.reclaimStale(row, interrupted(row, now, `attempt ${row.attempt}: its executor (${row.worker_id ?? '?'}) stopped answering`));
    }
  }

  private async settle(run: PipelineRunRow, trackingUri: string): Promise<StepJob[]> {
    const { repo, clock } = this.o;
    const def = await this.o.definition(run.pipeline_name, run.pipeline_version);
    const rows = new Map((await repo.stepRuns(run.id)).map((r) => [r.step, r]));
    const now = clock.now();
    // Skips ripple down the DAG: settle until a pass changes nothing.
    for (let changed = true; changed; ) {
      changed = false;
      for (const step of def.steps) {
        const row = rows.get(step.name);
        if (row?.state !== 'pending') continue;
        const blocked = upstreamOf(step).find((u) => ['failed', 'skipped', 'cancelled'].includes(rows.get(u)?.state ?? ''));
        if (blocked) {
          const why = `upstream step '${blocked}' ${rows.get(blocked)!.state}`;
          await repo.endPending(run.id, [step.name], 'skipped', now, why);
          rows.set(step.name, { ...row, state: 'skipped', finished_at: now, error: why });
          changed = true;
        }
      }
    }
    const all = [...rows.values()];
    if (all.every((r) => isTerminalStep(r.state))) {
      const failed = all.find((r) => r.state !== 'succeeded' && r.state !== 'skipped') ?? all.find((r) => r.state !== 'succeeded');
      await repo.finishRun(run.id, failed ? 'failed' : 'succeeded', now, failed ? `step '${failed.step}' ${failed.state}${failed.error ? `: ${failed.error}` : ''}` : null);
      return [];
    }
    const jobs: StepJob[] = [];
    for (const step of def.steps) {
      const row = rows.get(step.name)!;
      if (row.state === 'pending' && row.not_before <= now && upstreamOf(step).every((u) => rows.get(u)?.state === 'succeeded')) {
        jobs.push({ runId: run.id, step: step.name, attempt: row.attempt + 1, trackingUri });
      }
    }
    return jobs;
  }
}
