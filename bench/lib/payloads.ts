/**
 * Request bodies exactly as the MLflow 2.17 Python client builds them (`message_to_json` of the
 * request proto: snake_case fields, int64 as JSON numbers, empty repeated fields left out).
 */

export const METRIC_KEYS = Array.from({ length: 10 }, (_, i) => `metric_${i}`);

/** One log-batch of `keys × steps` points; call `call` logs steps call*steps … call*steps+steps-1. */
export function metricPoints(call: number, keys = METRIC_KEYS, steps = 100): { key: string; value: number; timestamp: number; step: number }[] {
  const now = Date.now();
  const out: { key: string; value: number; timestamp: number; step: number }[] = [];
  for (let s = 0; s < steps; s++) {
    const step = call * steps + s;
    for (const key of keys) out.push({ key, value: Math.random(), timestamp: now, step });
  }
  return out;
}

/** `POST /api/2.0/mlflow/runs/log-batch` with metrics only (what `mlflow.log_metrics` sends). */
export function logBatchMetricsBody(runId: string, call: number): string {
  return JSON.stringify({ run_id: runId, metrics: metricPoints(call) });
}

/** The context tags the MLflow client sets on every run it creates. */
export const CLIENT_TAGS = [
  { key: 'mlflow.user', value: 'bench' },
  { key: 'mlflow.source.name', value: 'bench/tracking/run.ts' },
  { key: 'mlflow.source.type', value: 'LOCAL' },
];

/** `POST /api/2.0/mlflow/runs/create` as `mlflow.start_run()` sends it. */
export function createRunBody(experimentId: string, runName?: string): object {
  return {
    experiment_id: experimentId,
    user_id: 'bench',
    start_time: Date.now(),
    tags: [
      ...CLIENT_TAGS,
      ...(runName ? [{ key: 'mlflow.runName', value: runName }] : []),
    ],
    ...(runName ? { run_name: runName } : {}),
  };
}

/** `POST /api/2.0/mlflow/runs/update` as `mlflow.end_run()` sends it (both id fields, as MLflow does). */
export function finishRunBody(runId: string): object {
  return { run_uuid: runId, run_id: runId, status: 'FINISHED', end_time: Date.now() };
}

/** Ten params, as `mlflow.log_params({...})` sends them in one log-batch. */
export function tenParams(i: number): { key: string; value: string }[] {
  return [
    { key: 'model', value: ['rf', 'gbm', 'lr', 'svm'][i % 4]! },
    { key: 'depth', value: String(2 + (i % 11)) },
    { key: 'learning_rate', value: String(0.001 * (1 + (i % 100))) },
    { key: 'n_estimators', value: String(100 + (i % 50) * 10) },
    { key: 'optimizer', value: i % 2 ? 'adam' : 'sgd' },
    { key: 'batch_size', value: String(32 << (i % 4)) },
    { key: 'dropout', value: String((i % 5) / 10) },
    { key: 'seed', value: String(i) },
    { key: 'dataset', value: 'iris-v3' },
    { key: 'features', value: 'all' },
  ];
}
