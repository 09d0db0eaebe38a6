import type { DatasetVersion, Experiment, PipelineDefinition, Run } from '@flywheel/contract';
import { HttpTransport, type ClientOptions, type Query } from './http.js';
import { Tracking } from './tracking.js';

/** A JSON object as the server returns it, for resources the shared contract does not type yet. */
export type Json = Record<string, unknown>;

const seg = encodeURIComponent;

/** One tensor of an Open Inference Protocol request or response. */
export interface InferTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/**
 * Flywheel's typed client for Node and the browser: the native API (`/api/v1`), the tracking API
 * and the inference protocols, with retries on transient failures and errors that carry the
 * server's code and message ({@link FlywheelError}).
 *
 * @example
 *   const fw = new FlywheelClient({ url: 'http://127.0.0.1:5000', token: process.env.FLYWHEEL_TOKEN });
 *   const run = await fw.tracking.startRun({ experiment: 'churn', params: { lr: 0.1 } });
 *   run.logMetric('loss', 0.3, 1);
 *   await run.end();
 *   const out = await fw.deployments.infer('churn', [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: [...] }]);
 */
export class FlywheelClient {
  readonly http: HttpTransport;
  readonly tracking: Tracking;

  constructor(opts: ClientOptions) {
    this.http = new HttpTransport(opts);
    this.tracking = new Tracking(this.http);
  }

  /** Any native route, for what the helpers below do not cover. */
  request<T = Json>(method: string, path: string, o: { query?: Query; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string>; idempotent?: boolean } = {}): Promise<T> {
    return this.http.request<T>(method, path, o);
  }

  readonly experiments = {
    list: async (): Promise<Experiment[]> => (await this.http.request<{ experiments: Experiment[] }>('GET', '/api/v1/experiments')).experiments,
    get: (id: string) => this.http.request<Experiment>('GET', `/api/v1/experiments/${seg(id)}`),
  };

  readonly runs = {
    get: (runId: string) => this.http.request<Run>('GET', `/api/v1/runs/${seg(runId)}`),
    /** Runs of experiments matching an MLflow filter (`metrics.auc > 0.8 and params.lr = '0.1'`). */
    search: (q: { experimentIds: string[]; filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string }) =>
      this.http.request<{ runs: Run[]; nextPageToken?: string }>('POST', '/api/v1/runs/search', { json: q, idempotent: true }),
    metricHistory: (runId: string, key: string) => this.http.request<{ metrics: { key: string; value: number; timestamp: number; step: number }[]; nextPageToken?: string }>('GET', `/api/v1/runs/${seg(runId)}/metrics/${seg(key)}/history`),
  };

  readonly models = {
    list: async (): Promise<Json[]> => (await this.http.request<{ models: Json[] }>('GET', '/api/v1/models')).models,
    get: (name: string) => this.http.request<Json>('GET', `/api/v1/models/${seg(name)}`),
    version: (name: string, version: string | number) => this.http.request<Json>('GET', `/api/v1/models/${seg(name)}/versions/${seg(String(version))}`),
    /** Registers a model version from a run's artifact (MLflow registry API: the model is created if missing). */
    register: async (name: string, source: string, opts: { runId?: string; description?: string; tags?: Record<string, string> } = {}): Promise<{ name: string; version: string }> => {
      try {
        await this.http.request('POST', '/api/2.0/mlflow/registered-models/create', { json: { name } });
      } catch (e) {
        if ((e as { code?: string }).code !== 'RESOURCE_ALREADY_EXISTS') throw e;
      }
      const r = await this.http.request<{ model_version: { name: string; version: string } }>('POST', '/api/2.0/mlflow/model-versions/create', {
        json: { name, source, ...(opts.runId ? { run_id: opts.runId } : {}), ...(opts.description ? { description: opts.description } : {}), tags: Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value })) },
      });
      return r.model_version;
    },
    setAlias: (name: string, alias: string, version: string | number) => this.http.request('POST', '/api/2.0/mlflow/registered-models/alias', { json: { name, alias, version: String(version) }, idempotent: true }),
    putCard: (name: string, version: string | number, card: Json) => this.http.request<Json>('PUT', `/api/v1/models/${seg(name)}/versions/${seg(String(version))}/card`, { json: card }),
    setCardStatus: (name: string, version: string | number, body: { status: string; comment?: string }) => this.http.request<Json>('POST', `/api/v1/models/${seg(name)}/versions/${seg(String(version))}/card/status`, { json: body }),
    approve: (name: string, version: string | number, body: Json) => this.http.request<Json>('POST', `/api/v1/models/${seg(name)}/versions/${seg(String(version))}/approval`, { json: body }),
  };

  readonly datasets = {
    list: async (): Promise<Json[]> => (await this.http.request<{ datasets: Json[] }>('GET', '/api/v1/datasets')).datasets,
    /** Registers CSV text (or Parquet bytes) as a new version; identical content returns the existing version. */
    register: (name: string, data: string | Uint8Array, opts: { format?: 'csv' | 'parquet'; filename?: string; sourceUri?: string } = {}) =>
      this.http.request<{ created: boolean; version: DatasetVersion }>('POST', `/api/v1/datasets/${seg(name)}/versions`, {
        query: { format: opts.format ?? 'csv', filename: opts.filename, sourceUri: opts.sourceUri },
        body: typeof data === 'string' ? data : new Blob([data as Uint8Array<ArrayBuffer>]),
        headers: { 'content-type': (opts.format ?? 'csv') === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet' },
        // Registration is idempotent on content: a retry finds the version it created.
        idempotent: true,
      }),
    version: (name: string, version: string | number) => this.http.request<DatasetVersion>('GET', `/api/v1/datasets/${seg(name)}/versions/${seg(String(version))}`),
  };

  readonly deployments = {
    list: async (): Promise<Json[]> => (await this.http.request<{ deployments: Json[] }>('GET', '/api/v1/deployments')).deployments,
    get: (name: string) => this.http.request<Json>('GET', `/api/v1/deployments/${seg(name)}`),
    create: (name: string, config: Json) => this.http.request<Json>('POST', '/api/v1/deployments', { json: { name, config } }),
    update: (name: string, config: Json) => this.http.request<Json>('PUT', `/api/v1/deployments/${seg(name)}`, { json: { config } }),
    rollback: (name: string) => this.http.request<Json>('POST', `/api/v1/deployments/${seg(name)}/rollback`),
    /** Open Inference Protocol v2 inference; `variant` pins the variant, `routingKey` keeps a caller on one. */
    infer: async (name: string, inputs: InferTensor[], o: { id?: string; variant?: string; headers?: Record<string, string> } = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      if (o.variant) headers['x-flywheel-variant'] = o.variant;
      return this.http.request<{ id?: string; model_name: string; outputs: InferTensor[] }>('POST', `/v2/models/${seg(name)}/infer`, { json: { ...(o.id ? { id: o.id } : {}), inputs }, headers });
    },
  };

  readonly monitoring = {
    /** Ground truth keyed by inference id; idempotent on re-send. */
    actuals: (rows: { inferenceId: string; value: unknown; timestamp?: number | string; deployment?: string }[]) => this.http.request<Json>('POST', '/api/v1/actuals', { json: { actuals: rows }, idempotent: true }),
    monitors: async (deployment?: string): Promise<Json[]> => (await this.http.request<{ monitors: Json[] }>('GET', '/api/v1/monitors', { query: { deployment } })).monitors,
    createMonitor: (body: Json) => this.http.request<Json>('POST', '/api/v1/monitors', { json: body }),
    evaluate: (id: string, body: Json = {}) => this.http.request<Json>('POST', `/api/v1/monitors/${seg(id)}/evaluate`, { json: body }),
  };

  readonly projects = {
    list: async (): Promise<Json[]> => (await this.http.request<{ projects: Json[] }>('GET', '/api/v1/projects')).projects,
    get: (name: string) => this.http.request<Json>('GET', `/api/v1/projects/${seg(name)}`),
    create: (body: Json) => this.http.request<Json>('POST', '/api/v1/projects', { json: body }),
    gate: (name: string, to?: string) => this.http.request<Json>('GET', `/api/v1/projects/${seg(name)}/gate`, { query: { to } }),
    moveTo: (name: string, to: string, reason?: string) => this.http.request<Json>('POST', `/api/v1/projects/${seg(name)}/stage`, { json: { to, ...(reason ? { reason } : {}) } }),
  };

  readonly pipelines = {
    list: async (): Promise<Json[]> => (await this.http.request<{ pipelines: Json[] }>('GET', '/api/v1/pipelines')).pipelines,
    /**
     * Registers a pipeline definition (a new version when it changed), e.g. from the builder:
     * `fw.pipelines.register(pipeline('train').step('fit', { command: ['python', 'fit.py'] }).build(), { ownerTeam: 'growth' })`.
     */
    register: (definition: PipelineDefinition | Json, o: { ownerTeam?: string; visibility?: 'private' | 'internal'; project?: string } = {}) =>
      this.http.request<{ pipeline: Json; created: boolean }>('POST', '/api/v1/pipelines', { json: definition, query: { ownerTeam: o.ownerTeam, visibility: o.visibility, project: o.project } }),
    run: (name: string, body: Json = {}) => this.http.request<Json>('POST', `/api/v1/pipelines/${seg(name)}/runs`, { json: body }),
    getRun: (id: string) => this.http.request<Json>('GET', `/api/v1/pipeline-runs/${seg(id)}`),
  };

  readonly audit = {
    list: (query: Query = {}) => this.http.request<Json>('GET', '/api/v1/audit', { query }),
    verify: () => this.http.request<Json>('GET', '/api/v1/audit/verify'),
  };
}
