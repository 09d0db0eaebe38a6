import { hostname } from 'node:os';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';
import type { TrackingService } from '../tracking/index.js';
import type { JobQueue } from './job-queue.js';
import { LocalJobQueue } from './local-job-queue.js';
import { PipelineExecutor } from './local-executor.js';
import { PgBossJobQueue } from './pgboss-job-queue.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import type { DatasetResolver, ModelVersionsOfRun } from './step-io.js';
import { StepRunner } from './step-runner.js';

/** The `pipelines` section of the server's configuration (see config/config.ts). */
export interface PipelinesExecutorConfig {
  executor: 'local' | 'pgboss';
  concurrency: number;
  pollMs: number;
  heartbeatMs: number;
  leaseMs: number;
  trackingUri?: string | undefined;
}

export interface CreateExecutorDeps {
  config: PipelinesExecutorConfig;
  /** The store's URL: the pg-boss queue lives in the same PostgreSQL. */
  databaseUrl: string;
  repo: PipelinesRepository;
  tracking: TrackingService;
  clock: Clock;
  /** `server`: schedules (and runs steps unless concurrency is 0). `worker`: runs steps from the shared queue, never a full pass. */
  role: 'server' | 'worker';
  /** This server's own URL (a server's default MLFLOW_TRACKING_URI for its steps). */
  trackingUri?: () => string;
  trackingToken?: string;
  logger?: { warn(obj: object, msg: string): void };
  /** Artifact outputs and inputs; dataset resolution; model versions of a step's run (see StepRunnerOptions). */
  artifacts?: ArtifactStore;
  datasets?: DatasetResolver;
  models?: ModelVersionsOfRun;
}

/**
 * The executor the configuration asks for.
 *
 * @example
 *   const executor = createPipelineExecutor({ config: config.pipelines, databaseUrl, repo, tracking, clock, role: 'server', trackingUri: () => url });
 *   await executor.start();
 */
export function createPipelineExecutor(d: CreateExecutorDeps): PipelineExecutor & { workerId: string | undefined; queue: JobQueue } {
  const c = d.config;
  if (d.role === 'worker' && c.executor !== 'pgboss') throw new Error('a pipeline worker takes steps from the shared PostgreSQL queue: the executor must be pgboss');
  const queue: JobQueue =
    c.executor === 'pgboss'
      ? new PgBossJobQueue({ connectionString: d.databaseUrl, pollMs: c.pollMs, ...(d.logger ? { onError: (err) => d.logger!.warn({ err }, 'pipeline job queue error') } : {}) })
      : new LocalJobQueue();
  const runs = c.concurrency > 0 || d.role === 'worker';
  const ownUri = c.trackingUri ?? d.trackingUri;
  const runner = runs
    ? new StepRunner({
        repo: d.repo,
        tracking: d.tracking,
        clock: d.clock,
        flushMs: c.heartbeatMs,
        ...(d.role === 'worker' ? { workerId: `${hostname()}-${process.pid}` } : {}),
        // A worker passes on the URL the scheduling server put in the job, unless told otherwise.
        ...(d.role === 'worker' ? (c.trackingUri ? { trackingUri: c.trackingUri } : {}) : ownUri ? { trackingUri: ownUri } : {}),
        ...(d.trackingToken ? { trackingToken: d.trackingToken } : {}),
        ...(d.artifacts ? { artifacts: d.artifacts } : {}),
        ...(d.datasets ? { datasets: d.datasets } : {}),
        ...(d.models ? { models: d.models } : {}),
        ...(d.logger ? { logger: d.logger } : {}),
      })
    : undefined;
  const executor = new PipelineExecutor({
    repo: d.repo,
    clock: d.clock,
    queue,
    ...(runner ? { runner } : {}),
    concurrency: Math.max(1, c.concurrency),
    schedule: d.role === 'server',
    trackingUri: ownUri ?? (() => ''),
    pollMs: c.pollMs,
    staleAfterMs: c.leaseMs,
    ...(d.logger ? { logger: d.logger } : {}),
  });
  return Object.assign(executor, { workerId: runner?.workerId, queue });
}
