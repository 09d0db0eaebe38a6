import type { HttpTransport } from './http.js';

/** MLflow's log-batch limits: what one call may carry. */
const BATCH = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

export interface StartRunOptions {
  /** Experiment name (created if missing) or id (`{ experimentId }`). */
  experiment?: string;
  experimentId?: string;
  runName?: string;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  /** How often buffered metrics are sent, in ms (default 1000). */
  flushIntervalMs?: number;
}

interface PendingMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/**
 * A run being tracked. Metrics are buffered and sent in batches in the background (MLflow's
 * log-batch, up to 1000 per call), so a training loop never waits on the network; `end()` sends
 * what is left. A failed background send is kept and retried on the next flush; `end()` throws it.
 *
 * @example
 *   const run = await fw.tracking.startRun({ experiment: 'churn', params: { lr: 0.1 } });
 *   for (let epoch = 0; epoch < 10; epoch++) run.logMetric('loss', loss, epoch);
 *   await run.logArtifact('model.onnx', bytes);
 *   await run.end();
 */
export class ActiveRun {
  private pending: PendingMetric[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> | undefined;
  private lastError: unknown;
  private ended = false;

  constructor(
    private readonly http: HttpTransport,
    readonly runId: string,
    readonly experimentId: string,
    /** Where the run's artifacts live (`mlflow-artifacts:/…`). */
    readonly artifactUri: string,
    flushIntervalMs: number,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), flushIntervalMs);
    // A forgotten run must not keep a script alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Buffers one metric point (sent in the background). */
  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    if (this.ended) throw new Error(`run ${this.runId} has ended: logMetric('${key}') after end()`);
    this.pending.push({ key, value, timestamp, step });
    if (this.pending.length >= BATCH.metrics * 10) void this.flush().catch(() => undefined);
  }

  logMetrics(values: Record<string, number>, step = 0): void {
    const ts = Date.now();
    for (const [k, v] of Object.entries(values)) this.logMetric(k, v, step, ts);
  }

  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    const entries = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
    for (let i = 0; i < entries.length; i += BATCH.params) {
      await this.http.request('POST', '/api/2.0/mlflow/runs/log-batch', { json: { run_id: this.runId, params: entries.slice(i, i + BATCH.params) }, idempotent: true });
    }
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    const entries = Object.entries(tags).map(([key, value]) => ({ key, value }));
    for (let i = 0; i < entries.length; i += BATCH.tags) {
      await this.http.request('POST', '/api/2.0/mlflow/runs/log-batch', { json: { run_id: this.runId, tags: entries.slice(i, i + BATCH.tags) }, idempotent: true });
    }
  }

  /** Uploads an artifact under the run's artifact root, through the server's artifact proxy. */
  async logArtifact(path: string, data: Uint8Array | string): Promise<void> {
    const root = this.artifactUri.replace(/^mlflow-artifacts:\/?/, '').replace(/^\/+/, '');
    const clean = path.split('/').filter((s) => s && s !== '.' && s !== '..').map(encodeURIComponent).join('/');
    const body = typeof data === 'string' ? data : new Blob([data as Uint8Array<ArrayBuffer>]);
    await this.http.request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${root.split('/').map(encodeURIComponent).join('/')}/${clean}`, { body, headers: { 'content-type': 'application/octet-stream' } });
  }

  /** Sends buffered metrics now. Concurrent calls share one send. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = (async () => {
      let sent = 0;
      try {
        for (; sent < batch.length; sent += BATCH.metrics) {
          const metrics = batch.slice(sent, sent + BATCH.metrics);
          // Retrying log-batch is safe: MLflow (and Flywheel) keep identical metric points once.
          await this.http.request('POST', '/api/2.0/mlflow/runs/log-batch', { json: { run_id: this.runId, metrics }, idempotent: true });
        }
        this.lastError = undefined;
      } catch (e) {
        // Nothing acknowledged is lost: what was not sent goes back to the front of the queue.
        this.pending = batch.slice(sent).concat(this.pending);
        this.lastError = e;
        throw e;
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** Sends what is buffered and marks the run finished (or failed/killed). */
  async end(status: 'FINISHED' | 'FAILED' | 'KILLED' = 'FINISHED'): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    this.ended = true;
    await this.http.request('POST', '/api/2.0/mlflow/runs/update', { json: { run_id: this.runId, status, end_time: Date.now() }, idempotent: true });
  }

  /** The last background send's error, if it failed (the points are kept for the next flush). */
  get backgroundError(): unknown {
    return this.lastError;
  }
}

/** Tracking through the MLflow REST API (so runs look the same as a Python client's). */
export class Tracking {
  constructor(private readonly http: HttpTransport) {}

  /** The id of the experiment named `name`, created when it does not exist. */
  async experimentId(name: string): Promise<string> {
    try {
      const r = await this.http.request<{ experiment: { experiment_id: string } }>('GET', '/api/2.0/mlflow/experiments/get-by-name', { query: { experiment_name: name } });
      return r.experiment.experiment_id;
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e;
    }
    try {
      const r = await this.http.request<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { json: { name } });
      return r.experiment_id;
    } catch (e) {
      // Created meanwhile by someone else: read it again.
      if ((e as { code?: string }).code !== 'RESOURCE_ALREADY_EXISTS') throw e;
      const r = await this.http.request<{ experiment: { experiment_id: string } }>('GET', '/api/2.0/mlflow/experiments/get-by-name', { query: { experiment_name: name } });
      return r.experiment.experiment_id;
    }
  }

  async startRun(o: StartRunOptions = {}): Promise<ActiveRun> {
    const experimentId = o.experimentId ?? (o.experiment ? await this.experimentId(o.experiment) : '0');
    // No user tag: the server records the signed-in caller as the run's user.
    const tags = Object.entries({ 'mlflow.source.type': 'LOCAL', ...o.tags }).map(([key, value]) => ({ key, value }));
    const r = await this.http.request<{ run: { info: { run_id: string; artifact_uri: string } } }>('POST', '/api/2.0/mlflow/runs/create', {
      json: { experiment_id: experimentId, start_time: Date.now(), ...(o.runName ? { run_name: o.runName } : {}), tags },
    });
    const run = new ActiveRun(this.http, r.run.info.run_id, experimentId, r.run.info.artifact_uri, o.flushIntervalMs ?? 1000);
    if (o.params && Object.keys(o.params).length) await run.logParams(o.params);
    return run;
  }

  /**
   * An existing run to log into — e.g. the one a pipeline step is given as `MLFLOW_RUN_ID`.
   *
   * @example
   *   const run = await fw.tracking.attachRun(process.env.MLFLOW_RUN_ID!);
   */
  async attachRun(runId: string, o: { flushIntervalMs?: number } = {}): Promise<ActiveRun> {
    const r = await this.http.request<{ run: { info: { run_id: string; experiment_id: string; artifact_uri: string } } }>('GET', '/api/2.0/mlflow/runs/get', { query: { run_id: runId } });
    return new ActiveRun(this.http, r.run.info.run_id, r.run.info.experiment_id, r.run.info.artifact_uri, o.flushIntervalMs ?? 1000);
  }

  /**
   * Runs `fn` inside a run: FINISHED when it returns, FAILED when it throws (rethrown).
   *
   * @example
   *   await fw.tracking.withRun({ experiment: 'churn' }, async (run) => { run.logMetric('auc', 0.91); });
   */
  async withRun<T>(o: StartRunOptions, fn: (run: ActiveRun) => Promise<T>): Promise<T> {
    const run = await this.startRun(o);
    try {
      const out = await fn(run);
      await run.end('FINISHED');
      return out;
    } catch (e) {
      await run.end('FAILED').catch(() => undefined);
      throw e;
    }
  }
}
