import PgBoss from 'pg-boss';
import type { JobQueue, StepJob } from './job-queue.js';
import { jobKey } from './job-queue.js';

export interface PgBossJobQueueOptions {
  /** The shared PostgreSQL (postgres://…): the same database as the store. */
  connectionString: string;
  /** pg-boss's own schema (default `pgboss`). */
  schema?: string;
  /** How often an idle worker looks for jobs (default 1000 ms); a finished job looks again at once. */
  pollMs?: number;
  /** Connections pg-boss may open (default 4). */
  poolSize?: number;
  onError?: (err: unknown) => void;
}

/** The one queue all pipeline steps go through. */
export const STEP_QUEUE = 'flywheel-pipeline-steps';
/** pg-boss caps job expiry below 24 h; the store's heartbeat lease is what detects a dead worker anyway. */
const JOB_EXPIRE_SECONDS = 23 * 3600;

/**
 * The scale JobQueue: pg-boss in the shared PostgreSQL. Jobs use the `short` policy, so a step
 * attempt queued twice (two servers scheduling, a pass racing another) is one job. A worker
 * fetches as many jobs as it has free slots (FOR UPDATE SKIP LOCKED in pg-boss), runs them and
 * completes them. A worker that dies leaves its job `active` until pg-boss expires it; the step
 * itself is re-queued much sooner, by the scheduling pass that finds its heartbeat stale, as a
 * new attempt (a new job). So pg-boss never retries on its own (`retryLimit: 0`).
 */
export class PgBossJobQueue implements JobQueue {
  readonly kind = 'pgboss' as const;
  private readonly boss: PgBoss;
  private readonly pollMs: number;
  private readonly running = new Set<Promise<void>>();
  private handler: ((job: StepJob) => Promise<void>) | undefined;
  private concurrency = 0;
  private timer: NodeJS.Timeout | undefined;
  private fetching = false;
  private stopped = true;

  constructor(private readonly o: PgBossJobQueueOptions) {
    this.pollMs = o.pollMs ?? 1000;
    this.boss = new PgBoss({
      connectionString: o.connectionString,
      schema: o.schema ?? 'pgboss',
      max: o.poolSize ?? 4,
      application_name: 'flywheel-pipelines',
      // Cron is not used (triggers are scheduled by Flywheel); maintenance expires abandoned jobs.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: 60,
    });
    this.boss.on('error', (err) => o.onError?.(err));
  }

  async start(): Promise<void> {
    await this.boss.start();
    // Idempotent across processes: each one creating the queue at start-up is fine.
    if (!(await this.boss.getQueue(STEP_QUEUE))) {
      await this.boss.createQueue(STEP_QUEUE, { name: STEP_QUEUE, policy: 'short', retryLimit: 0, expireInSeconds: JOB_EXPIRE_SECONDS }).catch(async (e: unknown) => {
        if (!(await this.boss.getQueue(STEP_QUEUE))) throw e;
      });
    }
    this.stopped = false;
  }

  async enqueue(jobs: readonly StepJob[]): Promise<void> {
    for (const j of jobs) {
      await this.boss.send(STEP_QUEUE, { ...j }, { singletonKey: jobKey(j), retryLimit: 0, expireInSeconds: JOB_EXPIRE_SECONDS });
    }
  }

  work(handler: (job: StepJob) => Promise<void>, concurrency: number): void {
    this.handler = handler;
    this.concurrency = concurrency;
    this.timer = setInterval(() => this.pump(), this.pollMs);
    this.timer.unref();
    this.pump();
  }

  /** Jobs running in this process. */
  get active(): number {
    return this.running.size;
  }

  private pump(): void {
    if (this.fetching || this.stopped || !this.handler) return;
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    this.fetching = true;
    void (async () => {
      let got = 0;
      try {
        const jobs = await this.boss.fetch<StepJob>(STEP_QUEUE, { batchSize: free });
        got = jobs.length;
        for (const job of jobs) {
          const p: Promise<void> = this.handler!(job.data)
            .catch(() => undefined) // the handler records its own failures in the store
            .then(() => this.boss.complete(STEP_QUEUE, job.id))
            .catch((err: unknown) => this.o.onError?.(err))
            .finally(() => {
              this.running.delete(p);
              this.pump();
            });
          this.running.add(p);
        }
      } catch (err) {
        this.o.onError?.(err);
      } finally {
        this.fetching = false;
      }
      // A full batch may mean more is waiting.
      if (got > 0 && got === free) this.pump();
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.running]);
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }
}
