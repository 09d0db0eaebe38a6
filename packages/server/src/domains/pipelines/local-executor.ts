import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { TrackingService } from '../tracking/index.js';
import type { PipelineDefinition, StepDefinition } from './pipeline.model.js';
import { isTerminalStep, paramEnvName, upstreamOf } from './pipeline.model.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import type { PipelineRunRow, StepRunRow } from './pipelines.tables.js';

/**
 * The port every executor implements: it takes pending steps whose upstream succeeded, runs them
 * and records their end through the repository's conditional updates. The local executor runs
 * them as child processes of the server; a queue-backed worker fleet will replace it behind this.
 */
export interface StepExecutor {
  start(): Promise<void>;
  /** New work may be ready: look now rather than at the next poll. */
  wake(): void;
  /** Stops taking work and kills running steps; they go back to pending (an interruption, not a failure). */
  stop(): Promise<void>;
}

export interface LocalExecutorOptions {
  repo: PipelinesRepository;
  tracking: TrackingService;
  clock: Clock;
  /** The server's URL, given to steps as MLFLOW_TRACKING_URI; a function when it is known only once the server listens. */
  trackingUri: string | (() => string);
  /** Given to steps as MLFLOW_TRACKING_TOKEN when set (a placeholder until per-run tokens exist). */
  trackingToken?: string;
  /** Steps running at once in this process (default: the number of cores). */
  concurrency?: number;
  /** How often to look for ready steps without being woken (default 1000 ms). */
  pollMs?: number;
  /** How often a running step's log is written, its heartbeat recorded and its run checked for a cancel (default 500 ms). */
  flushMs?: number;
  /** A running step whose executor has been silent this long is presumed dead and re-queued (default 30 s). */
  staleAfterMs?: number;
  /** Between SIGTERM and SIGKILL of a step's process group (default 5 s). */
  killGraceMs?: number;
  /** Environment variables of the server passed on to steps (default: PATH, HOME, locale and Python/virtualenv basics; never its secrets). */
  inheritEnv?: readonly string[];
  cwd?: string;
  /** Caps the stored log of one attempt (default 8 MiB); the rest is dropped with a note. */
  maxLogBytesPerAttempt?: number;
  logger?: { warn(obj: object, msg: string): void };
}

const DEFAULT_INHERIT = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'PYTHONPATH', 'VIRTUAL_ENV', 'CONDA_PREFIX'];
/** Attempts lost to a stopped or dead executor granted on top of the step's retries. */
const MAX_INTERRUPTIONS = 3;

interface Active {
  child?: ChildProcess;
  reason?: 'timeout' | 'cancelled' | 'shutdown';
  done: Promise<void>;
}

const backoffMs = (step: StepDefinition, attempt: number) => (step.retries?.backoffMs ?? 0) * 2 ** Math.max(0, attempt - 1);

/** The embedded executor: a pool of child processes in the server process (see README.md). */
export class LocalExecutor implements StepExecutor {
  readonly workerId = `local-${randomUUID().slice(0, 8)}`;
  private readonly o: Required<Omit<LocalExecutorOptions, 'trackingToken' | 'logger' | 'cwd'>> & Pick<LocalExecutorOptions, 'trackingToken' | 'logger' | 'cwd'>;
  private readonly active = new Map<string, Active>();
  private readonly definitions = new Map<string, PipelineDefinition>();
  private readonly experiments = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopping = false;

  constructor(opts: LocalExecutorOptions) {
    this.o = {
      concurrency: availableParallelism(),
      pollMs: 1000,
      flushMs: 500,
      staleAfterMs: 30_000,
      killGraceMs: 5000,
      inheritEnv: DEFAULT_INHERIT,
      maxLogBytesPerAttempt: 8 * 1024 * 1024,
      ...opts,
    };
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.timer = setInterval(() => this.wake(), this.o.pollMs);
    this.timer.unref();
    await this.tick();
  }

  wake(): void {
    if (this.stopping) return;
    void this.tick().catch((err: unknown) => this.o.logger?.warn({ err }, 'pipeline executor tick failed'));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    for (const a of this.active.values()) this.kill(a, 'shutdown');
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** One scheduling pass; a wake during a pass runs one more pass after it rather than a second one beside it. */
  private tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        do {
          this.again = false;
          await this.schedule();
        } while (this.again && !this.stopping);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private async definition(run: PipelineRunRow): Promise<PipelineDefinition> {
    const key = `${run.pipeline_name}@${run.pipeline_version}`;
    let def = this.definitions.get(key);
    if (!def) {
      const row = await this.o.repo.getVersion(run.pipeline_name, run.pipeline_version);
      if (!row) throw new Error(`pipeline ${key} is missing`);
      def = JSON.parse(row.definition) as PipelineDefinition;
      this.definitions.set(key, def); // versions are immutable
    }
    return def;
  }

  private async schedule(): Promise<void> {
    const { repo, clock } = this.o;
    await this.reclaimStale();
    const ready: { run: PipelineRunRow; def: PipelineDefinition; step: StepDefinition }[] = [];
    for (const run of await repo.activeRuns()) {
      const def = await this.definition(run);
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
        continue;
      }
      for (const step of def.steps) {
        const row = rows.get(step.name)!;
        if (row.state === 'pending' && row.not_before <= now && upstreamOf(step).every((u) => rows.get(u)?.state === 'succeeded')) ready.push({ run, def, step });
      }
    }
    for (const r of ready) {
      if (this.stopping || this.active.size >= this.o.concurrency) break;
      const claimed = await repo.claimStep(r.run.id, r.step.name, this.workerId, clock.now());
      if (!claimed) continue; // another executor took it, or it was cancelled
      await repo.markRunRunning(r.run.id, claimed.started_at ?? clock.now());
      const a: Active = { done: Promise.resolve() };
      this.active.set(`${r.run.id}/${r.step.name}`, a);
      a.done = this.runAttempt(r.run, r.def, r.step, claimed, a)
        .catch((err: unknown) => this.o.logger?.warn({ err, run: r.run.id, step: r.step.name }, 'pipeline step bookkeeping failed'))
        .finally(() => {
          this.active.delete(`${r.run.id}/${r.step.name}`);
          this.wake();
        });
    }
  }

  /**
   * Running steps nobody has heard from in `staleAfterMs` belonged to an executor that died (a
   * crash, a killed server): the attempt is recorded as interrupted and the step re-queued.
   */
  private async reclaimStale(): Promise<void> {
    const now = this.o.clock.now();
    for (const row of await this.o.repo.staleRunning(now - this.o.staleAfterMs)) {
      if (row.worker_id === this.workerId && this.active.has(`${row.run_id}/${row.step}`)) continue;
      await this.o.repo.reclaimStale(row, this.interrupted(row, now, `attempt ${row.attempt}: its executor (${row.worker_id ?? '?'}) stopped answering`));
    }
  }

  private interrupted(row: StepRunRow, now: number, why: string) {
    return row.interruptions < MAX_INTERRUPTIONS
      ? { state: 'pending', not_before: now, max_attempts: row.max_attempts + 1, interruptions: row.interruptions + 1, error: `${why}; re-queued` }
      : { state: 'failed', finished_at: now, error: `${why}; interrupted ${row.interruptions + 1} times, giving up` };
  }

  private async experimentFor(pipeline: string): Promise<string> {
    const cached = this.experiments.get(pipeline);
    if (cached) return cached;
    const { tracking } = this.o;
    let id: string;
    try {
      id = (await tracking.getExperimentByName(pipeline)).experimentId;
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'NOT_FOUND')) throw e;
      try {
        id = await tracking.createExperiment({ name: pipeline, tags: [{ key: 'flywheel.pipeline', value: pipeline }] });
      } catch (e2) {
        if (!(e2 instanceof DomainError && e2.code === 'ALREADY_EXISTS')) throw e2;
        id = (await tracking.getExperimentByName(pipeline)).experimentId; // created concurrently
      }
    }
    this.experiments.set(pipeline, id);
    return id;
  }

  private env(run: PipelineRunRow, step: StepDefinition, mlflowRunId: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of this.o.inheritEnv) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, step.env ?? {});
    const params = (JSON.parse(run.params) as Record<string, Record<string, unknown>>)[step.name] ?? {};
    for (const [k, v] of Object.entries(params)) env[paramEnvName(k)] = String(v);
    env.MLFLOW_TRACKING_URI = typeof this.o.trackingUri === 'function' ? this.o.trackingUri() : this.o.trackingUri;
    env.MLFLOW_RUN_ID = mlflowRunId;
    if (this.o.trackingToken) env.MLFLOW_TRACKING_TOKEN = this.o.trackingToken;
    env.FLYWHEEL_PIPELINE = run.pipeline_name;
    env.FLYWHEEL_PIPELINE_RUN_ID = run.id;
    env.FLYWHEEL_STEP = step.name;
    env.FLYWHEEL_INPUTS = JSON.stringify(step.inputs ?? []);
    return env;
  }

  private kill(a: Active, reason: NonNullable<Active['reason']>): void {
    a.reason ??= reason;
    const pid = a.child?.pid;
    if (pid === undefined || a.child!.exitCode !== null || a.child!.signalCode !== null) return;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig); // the whole process group: a step's own children die with it
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    setTimeout(() => signal('SIGKILL'), this.o.killGraceMs).unref();
  }

  private async runAttempt(run: PipelineRunRow, def: PipelineDefinition, step: StepDefinition, claimed: StepRunRow, a: Active): Promise<void> {
    const { repo, tracking, clock } = this.o;
    const attempt = claimed.attempt;
    const started = clock.now();
    let pendingLog: string[] = [];
    let logBytes = 0;
    let truncated = false;
    const log = (text: string) => {
      if (truncated) return;
      logBytes += Buffer.byteLength(text);
      if (logBytes > this.o.maxLogBytesPerAttempt) {
        truncated = true;
        pendingLog.push(`\n[flywheel] log truncated at ${this.o.maxLogBytesPerAttempt} bytes\n`);
        return;
      }
      pendingLog.push(text);
    };
    const flush = async () => {
      if (!pendingLog.length) return;
      const text = pendingLog.join('');
      pendingLog = [];
      await repo.appendLogs([{ run_id: run.id, step: step.name, attempt, created_at: clock.now(), text }]);
    };

    let mlflowRunId: string | undefined;
    let exitCode: number | null = null;
    let failure: string | undefined;
    try {
      const experimentId = await this.experimentFor(def.name);
      const mlrun = await tracking.createRun({
        experimentId,
        runName: `${step.name}${attempt > 1 ? `-attempt-${attempt}` : ''}`,
        tags: [
          { key: 'flywheel.pipeline', value: def.name },
          { key: 'flywheel.pipeline_run_id', value: run.id },
          { key: 'flywheel.step', value: step.name },
          { key: 'flywheel.attempt', value: String(attempt) },
        ],
      });
      mlflowRunId = mlrun.info.runId;
      await repo.setMlflowRunId(run.id, step.name, mlflowRunId);
    } catch (e) {
      failure = `could not create the step's MLflow run: ${(e as Error).message}`;
    }

    if (mlflowRunId && !this.stopping) {
      const [program, ...args] = step.command;
      const child = spawn(program!, args, { env: this.env(run, step, mlflowRunId), cwd: this.o.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      a.child = child;
      child.stdout!.setEncoding('utf8').on('data', log);
      child.stderr!.setEncoding('utf8').on('data', log);
      const timeout = step.timeoutSeconds ? setTimeout(() => this.kill(a, 'timeout'), step.timeoutSeconds * 1000) : undefined;
      let watching = false;
      const watch = setInterval(() => {
        if (watching) return;
        watching = true;
        void (async () => {
          await flush();
          await repo.heartbeat(run.id, step.name, this.workerId, clock.now());
          if ((await repo.getRun(run.id))?.state === 'cancelled') this.kill(a, 'cancelled');
        })()
          .catch((err: unknown) => this.o.logger?.warn({ err }, 'pipeline step log flush failed'))
          .finally(() => (watching = false));
      }, this.o.flushMs);
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      exitCode = await new Promise<number | null>((resolve) => {
        child.once('error', (e) => {
          failure = `could not start '${program}': ${e.message}`;
          resolve(null);
        });
        child.once('exit', (code) => resolve(code));
      });
      // Output still buffered in the pipes is wanted; a grandchild holding them open is not waited for.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
      clearTimeout(timeout);
      clearInterval(watch);
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL'); // leftovers of the step's process group
        } catch {
          // none
        }
      }
    } else if (this.stopping && !failure) {
      a.reason = 'shutdown';
    }

    const now = clock.now();
    const computeMs = claimed.compute_ms + (now - started);
    let state: string;
    let error: string | null = null;
    const extra: { not_before?: number; max_attempts?: number; interruptions?: number } = {};
    if (a.reason === 'cancelled') {
      state = 'cancelled';
      error = 'the run was cancelled; the process group was killed';
    } else if (a.reason === 'shutdown') {
      const i = this.interrupted(claimed, now, `attempt ${attempt}: the executor stopped`);
      state = i.state;
      error = i.error;
      Object.assign(extra, i);
    } else if (!failure && a.reason === undefined && exitCode === 0) {
      state = 'succeeded';
    } else {
      const why = failure ?? (a.reason === 'timeout' ? `timed out after ${step.timeoutSeconds}s; the process group was killed` : `exited with code ${exitCode ?? 'none (killed by a signal)'}`);
      if (attempt < claimed.max_attempts) {
        const wait = backoffMs(step, attempt);
        state = 'pending';
        extra.not_before = now + wait;
        error = `attempt ${attempt} of ${claimed.max_attempts} ${why}; retrying in ${wait} ms`;
      } else {
        state = 'failed';
        error = claimed.max_attempts > 1 ? `attempt ${attempt} of ${claimed.max_attempts} ${why}` : why;
      }
    }
    log(`[flywheel] ${state === 'succeeded' ? 'succeeded' : error}\n`);
    await flush();
    const ended = await repo.endAttempt(run.id, step.name, attempt, this.workerId, {
      state,
      exit_code: exitCode,
      finished_at: state === 'pending' ? null : now,
      compute_ms: computeMs,
      error,
      ...extra,
    });
    if (!ended) this.o.logger?.warn({ run: run.id, step: step.name, attempt }, 'a step attempt ended after it was taken from this executor');
    if (mlflowRunId) {
      const status = state === 'succeeded' ? 'FINISHED' : state === 'cancelled' || a.reason === 'shutdown' ? 'KILLED' : 'FAILED';
      await tracking.updateRun({ runId: mlflowRunId, status, endTime: now }).catch(() => undefined); // the step may have ended or deleted it itself
    }
  }
}
