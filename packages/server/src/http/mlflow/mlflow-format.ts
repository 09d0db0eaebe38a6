import type { DatasetInput, Experiment, Metric, Run, RunInfo, Tag } from '@flywheel/contract';

// MLflow's responses are proto2 messages as JSON: snake_case names, int64 as numbers, unset
// fields and empty lists left out, and non-finite doubles as the strings protobuf uses.

export { jsonDouble as mlflowDouble } from '../../lib/json-double.js';
import { jsonDouble as mlflowDouble } from '../../lib/json-double.js';

const tagsOrOmit = (tags: Tag[]) => (tags.length ? { tags: tags.map((t) => ({ key: t.key, value: t.value })) } : {});

export function formatExperiment(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    ...tagsOrOmit(e.tags),
  };
}

export function formatRunInfo(i: RunInfo) {
  return {
    run_uuid: i.runId,
    run_id: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    ...(i.endTime ? { end_time: i.endTime } : {}),
    ...(i.artifactUri ? { artifact_uri: i.artifactUri } : {}),
    lifecycle_stage: i.lifecycleStage,
  };
}

export function formatMetric(m: Metric) {
  return { key: m.key, value: mlflowDouble(m.value), timestamp: m.timestamp, step: m.step };
}

function formatDatasetInput(d: DatasetInput) {
  return {
    ...tagsOrOmit(d.tags),
    dataset: {
      name: d.dataset.name,
      digest: d.dataset.digest,
      source_type: d.dataset.sourceType,
      source: d.dataset.source,
      ...(d.dataset.schema !== undefined ? { schema: d.dataset.schema } : {}),
      ...(d.dataset.profile !== undefined ? { profile: d.dataset.profile } : {}),
    },
  };
}

export function formatRun(r: Run) {
  const data: Record<string, unknown> = {};
  if (r.data.metrics.length) data.metrics = r.data.metrics.map(formatMetric);
  if (r.data.params.length) data.params = r.data.params;
  if (r.data.tags.length) data.tags = r.data.tags;
  return {
    info: formatRunInfo(r.info),
    data,
    inputs: r.inputs.datasetInputs.length ? { dataset_inputs: r.inputs.datasetInputs.map(formatDatasetInput) } : {},
  };
}
