import { Type, type Static } from 'typebox';
import { Tag } from './common.js';

export const LifecycleStage = Type.Union([Type.Literal('active'), Type.Literal('deleted')]);
export type LifecycleStage = Static<typeof LifecycleStage>;

export const RunStatus = Type.Union([
  Type.Literal('RUNNING'),
  Type.Literal('SCHEDULED'),
  Type.Literal('FINISHED'),
  Type.Literal('FAILED'),
  Type.Literal('KILLED'),
]);
export type RunStatus = Static<typeof RunStatus>;
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export const ViewType = Type.Union([Type.Literal('ACTIVE_ONLY'), Type.Literal('DELETED_ONLY'), Type.Literal('ALL')]);
export type ViewType = Static<typeof ViewType>;

export const Experiment = Type.Object(
  {
    experimentId: Type.String(),
    name: Type.String(),
    artifactLocation: Type.String(),
    lifecycleStage: LifecycleStage,
    creationTime: Type.Number({ description: 'ms since epoch' }),
    lastUpdateTime: Type.Number({ description: 'ms since epoch' }),
    tags: Type.Array(Tag),
  },
  { $id: 'Experiment' },
);
export type Experiment = Static<typeof Experiment>;

/** A metric value; NaN and ±Infinity are legal (a diverging loss is data, not an error). */
export const Metric = Type.Object({
  key: Type.String(),
  value: Type.Number(),
  timestamp: Type.Number({ description: 'ms since epoch' }),
  step: Type.Number(),
});
export type Metric = Static<typeof Metric>;

export const Param = Type.Object({ key: Type.String(), value: Type.String() });
export type Param = Static<typeof Param>;

export const RunInfo = Type.Object({
  runId: Type.String(),
  runName: Type.String(),
  experimentId: Type.String(),
  userId: Type.String(),
  status: RunStatus,
  startTime: Type.Number(),
  endTime: Type.Union([Type.Number(), Type.Null()]),
  artifactUri: Type.String(),
  lifecycleStage: LifecycleStage,
});
export type RunInfo = Static<typeof RunInfo>;

export const DatasetRef = Type.Object({
  name: Type.String(),
  digest: Type.String(),
  sourceType: Type.String(),
  source: Type.String(),
  schema: Type.Optional(Type.String()),
  profile: Type.Optional(Type.String()),
});
export type DatasetRef = Static<typeof DatasetRef>;

export const DatasetInput = Type.Object({ tags: Type.Array(Tag), dataset: DatasetRef });
export type DatasetInput = Static<typeof DatasetInput>;

export const Run = Type.Object(
  {
    info: RunInfo,
    data: Type.Object({ metrics: Type.Array(Metric), params: Type.Array(Param), tags: Type.Array(Tag) }),
    inputs: Type.Object({ datasetInputs: Type.Array(DatasetInput) }),
  },
  { $id: 'Run' },
);
export type Run = Static<typeof Run>;

/** MLflow's limits, matched on purpose so that what MLflow accepts Flywheel accepts, and no more. */
export const TRACKING_LIMITS = {
  maxMetricsPerBatch: 1000,
  maxParamsTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  maxEntityKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 5000,
  maxExperimentTagKeyLength: 250,
  maxExperimentTagValueLength: 5000,
  maxExperimentNameLength: 500,
  maxRunNameLength: 250,
  maxSearchResults: 50000,
  defaultSearchResults: 1000,
  maxDatasetNameLength: 500,
  maxDatasetDigestLength: 36,
  maxDatasetSourceLength: 65535,
  maxDatasetSchemaLength: 1048575,
  maxDatasetProfileLength: 16777215,
  maxInputTagKeyLength: 255,
  maxInputTagValueLength: 500,
} as const;
