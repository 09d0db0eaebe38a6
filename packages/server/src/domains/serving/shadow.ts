import { isDomainError } from '@flywheel/contract';
import type { DeploymentsService, LiveVariant, RoutingTable, ServingLogger } from './deployments.service.js';
import { UpstreamError } from './http-runtime.js';
import type { Tensor } from './model-runtime.js';
import type { ServingObserver } from './observer.js';
import { payloadJson, type PredictionLog } from './prediction-log.js';

export interface ShadowOptions {
  /** Shadow model calls in flight at once, per deployment. Default 16: a call waits at least one event-loop turn (micro-batching), so fewer would cap shadows at a few per turn; the queue bound still caps memory. */
  concurrency?: number;
  /**
   * Copies held per deployment — waiting, running, or waiting for their log commit; a copy
   * arriving when this many are held is shed and counted. Default 1000.
   */
  maxQueue?: number;
  /** For tests: the sampling draw, uniform in [0, 1). */
  random?: () => number;
}

export interface ShadowDeps {
  deployments: DeploymentsService;
  /** Where shadow outputs go (under the mirrored request's inference id); none: runs are only counted. */
  log?: PredictionLog | undefined;
  observer?: ServingObserver | undefined;
  logger?: ServingLogger | undefined;
}

/** Since the process started, per deployment and shadow variant. */
export interface ShadowCounts {
  /** Copies sampled for this shadow (run, waiting, or shed). */
  mirrored: number;
  /** Runs whose model answered (and whose log write did not fail). */
  completed: number;
  /** Runs whose model failed, or whose log write failed. */
  failed: number;
  /** Copies not run: the deployment's queue was full, the variant was gone by its turn, or the mirror was closed. */
  shed: number;
}

/** The inputs a shadow variant gets: the caller's tensors, or (MLflow tables) tensors built for its own signature. */
export type ShadowInputs = (variant: LiveVariant) => Record<string, Tensor>;

interface Job {
  variant: LiveVariant;
  id: string;
  ts: number;
  inputs: ShadowInputs;
}

interface Queue {
  jobs: Job[];
  head: number;
  /** Model calls in flight (bounded by `concurrency`). */
  running: number;
  /** Runs done, their log rows not yet committed (they count against `maxQueue`, not `concurrency`). */
  logging: number;
  scheduled: boolean;
}

export const DEFAULT_SHADOW_CONCURRENCY = 16;
export const DEFAULT_SHADOW_MAX_QUEUE = 1000;

const failureStatus = (e: unknown): number => (isDomainError(e) ? e.status : e instanceof UpstreamError ? e.status : 500);

/**
 * Mirrors requests to a deployment's shadow variants off the caller's path. `mirror` only samples
 * and enqueues (no await, no model call); runs start on a later turn of the event loop, after the
 * caller's response has been written, at most `concurrency` at a time per deployment. A full
 * queue sheds the copy and counts it (`shadowShed`), so overload never grows memory or latency
 * unboundedly. A shadow's failure is logged and counted, never surfaced to the caller.
 *
 * @example
 *   reply.send(body);
 *   if (table.shadows.length > 0) mirror.mirror(table, id, ts, () => inputs, variant.name);
 */
export class ShadowMirror {
  private readonly queues = new Map<string, Queue>();
  private readonly counts = new Map<string, Map<string, ShadowCounts>>();
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly random: () => number;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly deps: ShadowDeps,
    opts: ShadowOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? DEFAULT_SHADOW_CONCURRENCY);
    this.maxQueue = Math.max(0, opts.maxQueue ?? DEFAULT_SHADOW_MAX_QUEUE);
    this.random = opts.random ?? Math.random;
  }

  /**
   * Samples and enqueues a copy of one answered request for each of the table's shadows (but the
   * one that answered it, when a caller named a shadow explicitly). Never throws, never waits.
   */
  mirror(table: RoutingTable, id: string, ts: number, inputs: ShadowInputs, answeredBy?: string): void {
    for (const variant of table.shadows) {
      if (variant.name === answeredBy) continue;
      if (variant.sample < 1 && !(this.random() < variant.sample)) continue;
      const counts = this.countsOf(table.name, variant.name);
      counts.mirrored++;
      const q = this.queueOf(table.name);
      if (this.closed || q.jobs.length - q.head + q.running + q.logging >= this.maxQueue) {
        this.shed(table.name, variant.name, counts);
        continue;
      }
      q.jobs.push({ variant, id, ts, inputs });
      if (!q.scheduled) {
        q.scheduled = true;
        // A later turn: the caller's response is written before any shadow work starts.
        setImmediate(() => {
          q.scheduled = false;
          this.pump(table.name, q);
        });
      }
    }
  }

  /** The counters of one deployment's shadows (variants mirrored to since start), by variant. */
  countsFor(deployment: string): Map<string, ShadowCounts> {
    return new Map([...(this.counts.get(deployment) ?? new Map<string, ShadowCounts>())].map(([k, v]) => [k, { ...v }]));
  }

  /** One deployment's queue now, with the bounds. */
  queueStats(deployment: string): { queued: number; running: number; concurrency: number; maxQueue: number } {
    const q = this.queues.get(deployment);
    return { queued: q ? q.jobs.length - q.head : 0, running: q ? q.running + q.logging : 0, concurrency: this.concurrency, maxQueue: this.maxQueue };
  }

  /** Resolves once every queued and running shadow run has finished (its log row written, in sync mode). */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Sheds (and counts) what is mirrored from now on and waits for what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private idle(): boolean {
    for (const q of this.queues.values()) if (q.running > 0 || q.logging > 0 || q.jobs.length > q.head || q.scheduled) return false;
    return true;
  }

  private countsOf(deployment: string, variant: string): ShadowCounts {
    let byVariant = this.counts.get(deployment);
    if (!byVariant) this.counts.set(deployment, (byVariant = new Map()));
    let c = byVariant.get(variant);
    if (!c) byVariant.set(variant, (c = { mirrored: 0, completed: 0, failed: 0, shed: 0 }));
    return c;
  }

  private queueOf(deployment: string): Queue {
    let q = this.queues.get(deployment);
    if (!q) this.queues.set(deployment, (q = { jobs: [], head: 0, running: 0, logging: 0, scheduled: false }));
    return q;
  }

  private shed(deployment: string, variant: string, counts: ShadowCounts): void {
    counts.shed++;
    this.deps.observer?.shadowShed?.(deployment, variant);
  }

  private pump(deployment: string, q: Queue): void {
    while (q.running < this.concurrency && q.head < q.jobs.length) {
      const job = q.jobs[q.head]!;
      q.jobs[q.head++] = undefined as unknown as Job;
      if (q.head === q.jobs.length) {
        q.jobs = [];
        q.head = 0;
      } else if (q.head > 1024 && q.head * 2 > q.jobs.length) {
        q.jobs = q.jobs.slice(q.head);
        q.head = 0;
      }
      q.running++;
      void this.run(deployment, job, q).finally(() => {
        q.running--;
        this.pump(deployment, q);
      });
    }
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length > 0 && this.idle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The model call, under a concurrency slot; the log write continues after the slot is freed. */
  private async run(deployment: string, job: Job, q: Queue): Promise<void> {
    const counts = this.countsOf(deployment, job.variant.name);
    // The shadow as configured now: after an update its old model may be unloaded.
    let variant: LiveVariant | undefined;
    try {
      variant = this.deps.deployments.table(deployment).shadows.find((v) => v.name === job.variant.name);
    } catch {
      variant = undefined;
    }
    if (!variant) {
      this.shed(deployment, job.variant.name, counts);
      return;
    }
    const t0 = process.hrtime.bigint();
    let inputs: Record<string, Tensor> = {};
    let outputs: Record<string, Tensor> | undefined;
    let failure: unknown;
    try {
      inputs = job.inputs(variant);
      outputs = await variant.loaded.run(inputs);
    } catch (e) {
      failure = e;
    }
    const latencyUs = Number((process.hrtime.bigint() - t0) / 1000n);
    q.logging++;
    const live = variant;
    void this.record(deployment, job, live, counts, { inputs, outputs, failure, latencyUs }).finally(() => {
      q.logging--;
      this.notifyIfIdle();
    });
  }

  private async record(
    deployment: string,
    job: Job,
    variant: LiveVariant,
    counts: ShadowCounts,
    r: { inputs: Record<string, Tensor>; outputs: Record<string, Tensor> | undefined; failure: unknown; latencyUs: number },
  ): Promise<void> {
    const { failure, latencyUs } = r;
    let logFailure: unknown;
    if (this.deps.log) {
      try {
        const payload = payloadJson(r.inputs, r.outputs);
        await this.deps.log.append({
          inference_id: job.id,
          deployment,
          variant: variant.name,
          model_name: variant.model.name,
          model_version: variant.model.version,
          ts: job.ts,
          latency_us: latencyUs,
          inputs: payload.inputs,
          outputs: payload.outputs,
          status: failure === undefined ? 0 : failureStatus(failure),
        });
      } catch (e) {
        logFailure = e;
      }
    }
    const ok = failure === undefined && logFailure === undefined;
    if (ok) counts.completed++;
    else {
      counts.failed++;
      // 1st, 2nd, 4th, 8th… failure: a shadow that always fails must not flood the log.
      if ((counts.failed & (counts.failed - 1)) === 0) {
        this.deps.logger?.warn(
          { err: failure ?? logFailure, deployment, variant: variant.name, inferenceId: job.id, failed: counts.failed },
          failure ? 'shadow run failed' : 'shadow prediction could not be logged',
        );
      }
    }
    this.deps.observer?.shadowDone?.(deployment, variant.name, ok, latencyUs / 1e6);
  }
}
