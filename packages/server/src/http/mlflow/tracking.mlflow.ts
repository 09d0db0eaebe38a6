import { DomainError, RUN_STATUSES, isDomainError, type DatasetInput } from '@flywheel/contract';
import type { TrackingService } from '../../domains/tracking/index.js';
import type { ArtifactStore } from '../../artifacts/index.js';
import { formatExperiment, formatMetric, formatRun, formatRunInfo, mlflowDouble } from './mlflow-format.js';
import { MlflowRequest, tagsOf } from './mlflow-request.js';
import { listRunArtifacts } from './artifacts.mlflow.js';
import { VISIBILITY_TAG, type Access } from '../../domains/org/access.js';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;

export interface MlflowTrackingDeps {
  tracking: TrackingService;
  artifacts: ArtifactStore;
}

/** One MLflow endpoint: its path under `/mlflow`, the methods MLflow registers, and the handler. */
export interface MlflowEndpoint {
  path: string;
  methods: ('GET' | 'POST' | 'PATCH' | 'DELETE')[];
  /** `access`: the caller, resolved once per request (see domains/org/access.ts). */
  handle(req: MlflowRequest, access: Access): Promise<object>;
}

/** A double as Python prints it in MLflow's messages (1.0, nan, inf). */
const pyFloat = (v: number) => (Number.isNaN(v) ? 'nan' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : Number.isInteger(v) ? v.toFixed(1) : String(v));

/** One metric of log-metric or log-batch; the timestamp is required and, as in MLflow, not negative. */
function metricOf(m: MlflowRequest) {
  const key = m.string('key', { required: true });
  const value = m.double('value', { required: true })!;
  const timestamp = m.int64('timestamp', { required: true })!;
  if (timestamp < 0) {
    throw new DomainError(
      'INVALID_INPUT',
      `Got invalid timestamp ${timestamp} for metric '${key}' (value=${pyFloat(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
    );
  }
  return { key, value, timestamp, step: m.int64('step') };
}

/** The MLflow tracking REST API (service.proto) over the tracking service. */
export function trackingEndpoints({ tracking, artifacts }: MlflowTrackingDeps): MlflowEndpoint[] {
  const runId = (r: MlflowRequest) => r.string('run_id', { required: true, alias: 'run_uuid' });
  const empty = {};
  return [
    // ---- experiments
    {
      path: '/experiments/create',
      methods: ['POST'],
      async handle(r, access) {
        const name = r.string('name', { required: true });
        try {
          // The owner team and visibility come as the tags flywheel.owner_team and flywheel.visibility.
          const id = await tracking.createExperiment({ name, artifactLocation: r.string('artifact_location'), tags: tagsOf(r), access });
          return { experiment_id: id };
        } catch (e) {
          // Two creates of one name racing: the loser may only learn of the winner from the
          // database's unique constraint. MLflow's client expects RESOURCE_ALREADY_EXISTS then
          // (set_experiment falls back to get-by-name), not a 500 it would retry for minutes.
          if (!isDomainError(e) && (await tracking.getExperimentByName(name, access).then(() => true, () => false))) {
            throw new DomainError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
          }
          throw e;
        }
      },
    },
    {
      path: '/experiments/get',
      methods: ['GET'],
      async handle(r, access) {
        return { experiment: formatExperiment(await tracking.getExperiment(r.string('experiment_id', { required: true }), access)) };
      },
    },
    {
      path: '/experiments/get-by-name',
      methods: ['GET'],
      async handle(r, access) {
        return { experiment: formatExperiment(await tracking.getExperimentByName(r.string('experiment_name', { required: true }), access)) };
      },
    },
    {
      path: '/experiments/search',
      methods: ['POST', 'GET'],
      async handle(r, access) {
        const page = await tracking.searchExperiments({
          access,
          maxResults: r.int64('max_results'),
          pageToken: r.string('page_token'),
          filter: r.string('filter'),
          orderBy: r.strings('order_by'),
          viewType: r.enumOf('view_type', VIEW_TYPES),
        });
        return {
          ...(page.items.length ? { experiments: page.items.map(formatExperiment) } : {}),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      },
    },
    {
      path: '/experiments/update',
      methods: ['POST'],
      async handle(r, access) {
        // MLflow's schema: new_name is required (an empty string counts as missing).
        const id = r.string('experiment_id', { required: true });
        const newName = r.string('new_name', { required: true });
        await tracking.guardExperiment(access, id, 'write');
        await tracking.updateExperiment(id, newName);
        return empty;
      },
    },
    {
      path: '/experiments/delete',
      methods: ['POST'],
      async handle(r, access) {
        const id = r.string('experiment_id', { required: true });
        await tracking.guardExperiment(access, id, 'delete');
        await tracking.deleteExperiment(id);
        return empty;
      },
    },
    {
      path: '/experiments/restore',
      methods: ['POST'],
      async handle(r, access) {
        const id = r.string('experiment_id', { required: true });
        await tracking.guardExperiment(access, id, 'delete');
        await tracking.restoreExperiment(id);
        return empty;
      },
    },
    {
      path: '/experiments/set-experiment-tag',
      methods: ['POST'],
      async handle(r, access) {
        const id = r.string('experiment_id', { required: true });
        const key = r.string('key', { required: true });
        // Changing who may read the experiment is a maintainer's decision, like deleting it.
        await tracking.guardExperiment(access, id, key === VISIBILITY_TAG ? 'delete' : 'write');
        await tracking.setExperimentTag(id, key, r.string('value') ?? '');
        return empty;
      },
    },
    {
      path: '/experiments/delete-experiment-tag',
      methods: ['POST'],
      async handle(r, access) {
        const id = r.string('experiment_id', { required: true });
        const key = r.string('key', { required: true });
        await tracking.guardExperiment(access, id, 'write');
        await tracking.deleteExperimentTag(id, key);
        return empty;
      },
    },
    // ---- runs
    {
      path: '/runs/create',
      methods: ['POST'],
      async handle(r, access) {
        await tracking.guardExperiment(access, r.string('experiment_id') || '0', 'write');
        const tags = tagsOf(r);
        const run = await tracking.createRun({
          experimentId: r.string('experiment_id') || undefined,
          // A client that names no user (nor an mlflow.user tag) ran as the signed-in caller.
          userId: r.string('user_id') || (tags.some((t) => t.key === 'mlflow.user') ? undefined : access.principal?.username),
          runName: r.string('run_name') || undefined,
          startTime: r.int64('start_time'),
          tags,
          actor: { actor: access.principal?.username ?? 'anonymous' },
        });
        return { run: formatRun(run) };
      },
    },
    {
      path: '/runs/get',
      methods: ['GET'],
      async handle(r, access) {
        const id = runId(r);
        await tracking.guardRun(access, id, 'read');
        return { run: formatRun(await tracking.getRun(id)) };
      },
    },
    {
      path: '/runs/update',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        await tracking.guardRun(access, id, 'write');
        const info = await tracking.updateRun({
          runId: id,
          status: r.enumOf('status', RUN_STATUSES),
          endTime: r.int64('end_time'),
          runName: r.string('run_name') || undefined,
        });
        return { run_info: formatRunInfo(info) };
      },
    },
    {
      path: '/runs/delete',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        await tracking.guardRun(access, id, 'write');
        await tracking.deleteRun(id);
        return empty;
      },
    },
    {
      path: '/runs/restore',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        await tracking.guardRun(access, id, 'write');
        await tracking.restoreRun(id);
        return empty;
      },
    },
    {
      path: '/runs/log-metric',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const metric = metricOf(r);
        await tracking.guardRun(access, id, 'write');
        await tracking.logMetric(id, metric);
        return empty;
      },
    },
    {
      path: '/runs/log-parameter',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const key = r.string('key', { required: true });
        await tracking.guardRun(access, id, 'write');
        await tracking.logParam(id, key, r.string('value') ?? '');
        return empty;
      },
    },
    {
      path: '/runs/set-tag',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const key = r.string('key', { required: true });
        await tracking.guardRun(access, id, 'write');
        await tracking.setTag(id, key, r.string('value') ?? '');
        return empty;
      },
    },
    {
      path: '/runs/delete-tag',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const key = r.string('key', { required: true });
        await tracking.guardRun(access, id, 'write');
        await tracking.deleteTag(id, key);
        return empty;
      },
    },
    {
      path: '/runs/log-batch',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const metrics = r.messages('metrics').map(metricOf);
        const params = r.messages('params').map((p) => ({ key: p.string('key', { required: true }), value: p.string('value') ?? '' }));
        await tracking.guardRun(access, id, 'write');
        await tracking.logBatch({ runId: id, metrics, params, tags: tagsOf(r) });
        return empty;
      },
    },
    {
      path: '/runs/log-inputs',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const datasets: DatasetInput[] = r.messages('datasets').map((d) => {
          const ds = d.message('dataset');
          if (!ds) throw new DomainError('INVALID_INPUT', 'Dataset cannot be None');
          const schema = ds.string('schema');
          const profile = ds.string('profile');
          return {
            tags: tagsOf(d),
            dataset: {
              name: ds.string('name', { required: true }),
              digest: ds.string('digest', { required: true }),
              sourceType: ds.string('source_type', { required: true }),
              source: ds.string('source', { required: true }),
              ...(schema !== undefined ? { schema } : {}),
              ...(profile !== undefined ? { profile } : {}),
            },
          };
        });
        await tracking.guardRun(access, id, 'write');
        await tracking.logInputs(id, datasets);
        return empty;
      },
    },
    {
      path: '/runs/log-model',
      methods: ['POST'],
      async handle(r, access) {
        const id = runId(r);
        const modelJson = r.string('model_json', { required: true });
        await tracking.guardRun(access, id, 'write');
        await tracking.recordLoggedModel(id, modelJson);
        return empty;
      },
    },
    {
      path: '/runs/search',
      methods: ['POST', 'GET'],
      async handle(r, access) {
        const page = await tracking.searchRuns({
          access,
          experimentIds: r.strings('experiment_ids'),
          filter: r.string('filter'),
          runViewType: r.enumOf('run_view_type', VIEW_TYPES),
          maxResults: r.int64('max_results'),
          orderBy: r.strings('order_by'),
          pageToken: r.string('page_token'),
        });
        return {
          ...(page.items.length ? { runs: page.items.map(formatRun) } : {}),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      },
    },
    // ---- metrics
    {
      path: '/metrics/get-history',
      methods: ['GET'],
      async handle(r, access) {
        const id = runId(r);
        await tracking.guardRun(access, id, 'read');
        const page = await tracking.getMetricHistory({
          runId: id,
          key: r.string('metric_key', { required: true }),
          maxResults: r.int64('max_results'),
          pageToken: r.string('page_token'),
        });
        return {
          ...(page.items.length ? { metrics: page.items.map(formatMetric) } : {}),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      },
    },
    {
      path: '/metrics/get-history-bulk-interval',
      methods: ['GET'],
      async handle(r, access) {
        const runIds = r.strings('run_ids');
        if (runIds.length === 0) throw new DomainError('INVALID_INPUT', `Missing value for required parameter 'run_ids'. See the API docs for more information about request parameters.`);
        await tracking.guardRuns(access, runIds.slice(0, 1000), 'read');
        const points = await tracking.getMetricHistoryBulkInterval({
          runIds,
          key: r.string('metric_key', { required: true }),
          startStep: r.int64('start_step'),
          endStep: r.int64('end_step'),
          maxResults: r.int64('max_results'),
        });
        return { metrics: points.map((m) => ({ key: m.key, value: mlflowDouble(m.value), timestamp: m.timestamp, step: m.step, run_id: m.runId })) };
      },
    },
    // ---- artifacts of a run
    {
      path: '/artifacts/list',
      methods: ['GET'],
      async handle(r, access) {
        const id = runId(r);
        await tracking.guardRun(access, id, 'read');
        const run = await tracking.getRun(id);
        return listRunArtifacts(artifacts, run.info.artifactUri, r.string('path') ?? '');
      },
    },
  ];
}
