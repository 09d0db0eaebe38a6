import { availableParallelism } from 'node:os';
import type { Clock } from '../../lib/clock.js';
import type { JobQueue } from './job-queue.js';
import type { PipelineDefinition } from './pipeline.model.js';
import { LocalJobQueue } from './local-job-queue.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import { Scheduler } from './scheduler.js';
import { StepRunner, type StepRunnerOptions } from './step-runner.js';

/**
 * The port every executor implements: it takes pending steps whose upstream succeeded, runs them
 * and records their end through the repository's conditional updates.
 */
export interface StepExecutor {
  start(): Promise<void>;
  /** New work may be ready: look now rather than at the next poll. */
  wake(): void;
  /** Stops taking work and kills running steps; they go back to pending (an interruption, not a failure). */
  stop(): Promise<void>;
}

export interface PipelineExecutorOptions {
  repo: PipelinesRepository;
  clock: Clock;
  queue: JobQueue;
  /** Runs jobs in this process; absent, this process only schedules (a server in front of a worker fleet). */
  runner?: StepRunner;
  /** Jobs the runner runs at once (default: the number of cores). */
  concurrency?: number;
  /** Run scheduling passes here (default true). A worker of a fleet only advances the runs of the steps it ran. */
  schedule?: boolean;
  /** Where steps report back (MLFLOW_TRACKING_URI): this server's URL; a function when it is known only once the server listens. */
  trackingUri: string | (() => string);
  /** How often to look for ready steps without being woken (default 1000 ms). */
  pollMs?: number;
  /** A running step whose executor has been silent this long is presumed dead and re-queued (default 30 s). */
  staleAfterMs?: number;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * A scheduler, a job queue and (optionally) a step runner in one process. With a LocalJobQueue it
 * is the embedded executor; with a PgBossJobQueue, a server's scheduler in front of a fleet (no
 * runner) or a `flywheel worker` (runner, no scheduling passes).
 */
export class PipelineExecutor implements StepExecutor {
  private readonly scheduler: Scheduler | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopping = false;

  constructor(protected readonly x: PipelineExecutorOptions) {
    const runner = x.runner;
    this.scheduler = new Scheduler({
      repo: x.repo,
      clock: x.clock,
      queue: x.queue,
      definition: (name, version) => this.definition(name, version),
      ...(x.staleAfterMs !== undefined ? { staleAfterMs: x.staleAfterMs } : {}),
      ...(runner ? { holds: (r: string, s: string) => runner.holds(r, s) } : {}),
    });
  }

  private readonly defs = new Map<string, Promise<PipelineDefinition>>();
  private definition(name: string, version: number) {
    if (this.x.runner) return this.x.runner.definition(name, version);
    const key = `${name}@${version}`;
    let d = this.defs.get(key);
    if (!d) {
      d = this.x.repo.getVersion(name, version).then((row) => {
        if (!row) throw new Error(`pipeline ${key} is missing`);
        return JSON.parse(row.definition) as PipelineDefinition;
      });
      d.catch(() => this.defs.delete(key));
      this.defs.set(key, d);
    }
    return d;
  }

  private uri(): string {
    return typeof this.x.trackingUri === 'function' ? this.x.trackingUri() : this.x.trackingUri;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.scheduler?.reset();
    await this.x.queue.start();
    const runner = this.x.runner;
    if (runner) {
      runner.resume();
      const scheduling = this.x.schedule !== false;
      runner.onAttemptEnded = scheduling ? () => this.wake() : () => undefined;
      this.x.queue.work(async (job) => {
        await runner.run(job);
        // A fleet worker moves the run on itself rather than waiting for a server's next pass.
        if (!scheduling && !this.stopping) await this.scheduler?.advance(job.runId, job.trackingUri).catch((err: unknown) => this.x.logger?.warn({ err }, 'pipeline run advance failed'));
      }, this.x.concurrency ?? availableParallelism());
    }
    if (this.x.schedule !== false) {
      this.timer = setInterval(() => this.wake(), this.x.pollMs ?? 1000);
      this.timer.unref();
      await this.tick();
    }
  }

  wake(): void {
    if (this.stopping || this.x.schedule === false) return;
    void this.tick().catch((err: unknown) => this.x.logger?.warn({ err }, 'pipeline scheduling pass failed'));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    await this.x.runner?.stop();
    await this.x.queue.stop();
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
          await this.scheduler!.pass(this.uri());
        } while (this.again && !this.stopping);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }
}

export interface LocalExecutorOptions extends Omit<StepRunnerOptions, 'trackingUri'> {
  /** The server's URL, given to steps as MLFLOW_TRACKING_URI; a function when it is known only once the server listens. */
  trackingUri: string | (() => string);
  /** Steps running at once in this process (default: the number of cores). */
  concurrency?: number;
  /** How often to look for ready steps without being woken (default 1000 ms). */
  pollMs?: number;
  /** A running step whose executor has been silent this long is presumed dead and re-queued (default 30 s). */
  staleAfterMs?: number;
}

/** The embedded executor: scheduling passes and a pool of child processes in the server process (see README.md). */
export class LocalExecutor extends PipelineExecutor {
  readonly workerId: string;
  constructor(opts: LocalExecutorOptions) {
    const { trackingUri, concurrency, pollMs, staleAfterMs, ...runnerOpts } = opts;
    const runner = new StepRunner(runnerOpts);
    super({
      repo: opts.repo,
      clock: opts.clock,
      queue: new LocalJobQueue(),
      runner,
      trackingUri,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(pollMs !== undefined ? { pollMs } : {}),
      ...(staleAfterMs !== undefined ? { staleAfterMs } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    this.workerId = runner.workerId;
  }
}
