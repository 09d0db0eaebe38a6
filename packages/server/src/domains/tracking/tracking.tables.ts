import type { Generated, Selectable } from 'kysely';

/** Row shapes of the tables tracking owns (see tracking.migrations.ts). */
export interface ExperimentTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  /** teams.id; null: shared (legacy, anonymous, Default) */
  owner_team: number | null;
  visibility: Generated<string>;
}
export type ExperimentRow = Selectable<ExperimentTable>;
export interface ExperimentTagRow { experiment_id: number; key: string; value: string }
export interface RunRow {
  run_uuid: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
}
export interface KeyValueRow { run_uuid: string; key: string; value: string }
export interface MetricRow { run_uuid: string; key: string; step: number; timestamp: number; value: number; is_nan: number }
export interface DatasetRow {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}
export interface RunInputRow { input_uuid: string; dataset_uuid: string; run_uuid: string }
export interface InputTagRow { input_uuid: string; name: string; value: string }

export interface TrackingTables {
  experiments: ExperimentTable;
  experiment_tags: ExperimentTagRow;
  runs: RunRow;
  params: KeyValueRow;
  tags: KeyValueRow;
  metrics: MetricRow;
  latest_metrics: MetricRow;
  datasets: DatasetRow;
  run_inputs: RunInputRow;
  input_tags: InputTagRow;
}
