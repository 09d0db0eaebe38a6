/**
 * The JobQueue port: how a scheduling pass hands ready steps to whoever runs them. The embedded
 * implementation is an in-process pool (LocalJobQueue); the scale one is a queue in the shared
 * PostgreSQL (PgBossJobQueue) that any number of `flywheel worker` processes take from.
 *
 * A job names one attempt of one step. The store, not the queue, is the source of truth: a worker
 * claims the step with a conditional update before running it, so a duplicate or stale job (the
 * step moved on meanwhile) is simply dropped.
 */
export interface StepJob {
  runId: string;
  step: string;
  /** The attempt this job is for: the step's attempt count when it was queued, plus one. */
  attempt: number;
  /** Where the step reports back (MLFLOW_TRACKING_URI), as the scheduling server sees itself. */
  trackingUri: string;
}

export interface JobQueue {
  /** 'local' (in this process) or 'pgboss' (shared PostgreSQL). */
  readonly kind: 'local' | 'pgboss';
  start(): Promise<void>;
  /** Queues jobs; a job already queued for the same step and attempt is not queued twice. */
  enqueue(jobs: readonly StepJob[]): Promise<void>;
  /** Starts taking jobs: `handler` runs at most `concurrency` jobs at once in this process. */
  work(handler: (job: StepJob) => Promise<void>, concurrency: number): void;
  /** Takes no more jobs; resolves once the handlers running have returned. */
  stop(): Promise<void>;
}

/** The key deduplicating jobs: one per step attempt. */
export const jobKey = (j: Pick<StepJob, 'runId' | 'step' | 'attempt'>): string => `${j.runId}/${j.step}/${j.attempt}`;
