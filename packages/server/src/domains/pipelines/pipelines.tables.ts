import type { Generated, Insertable, Selectable } from 'kysely';

/** Row shapes of the tables pipelines owns (see pipelines.migrations.ts). Times are ms since epoch. */
export interface PipelineVersionRow {
  name: string;
  version: number;
  /** JSON text of PipelineDefinition */
  definition: string;
  /** sha256 of the canonical definition: registering the same definition again is not a new version */
  definition_hash: string;
  created_at: number;
}

export interface PipelineRunRow {
  id: string;
  pipeline_name: string;
  pipeline_version: number;
  state: string;
  /** JSON text: the resolved parameter values per step */
  params: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
}

export interface StepRunTable {
  run_id: string;
  step: string;
  /** The step's place in the definition: steps are listed in the order they were written */
  position: number;
  state: string;
  attempt: number;
  max_attempts: number;
  /** Attempts lost to a stopped or dead executor rather than to the step itself (each grants one more attempt, up to a cap) */
  interruptions: Generated<number>;
  exit_code: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** Summed over attempts */
  compute_ms: number;
  mlflow_run_id: string | null;
  /** A retry waits until then */
  not_before: number;
  /** Which executor holds the running attempt, and when it last said so (a stale one is presumed dead) */
  worker_id: string | null;
  heartbeat_at: number | null;
  error: string | null;
}

export interface StepLogRow {
  id: Generated<number>;
  run_id: string;
  step: string;
  attempt: number;
  created_at: number;
  text: string;
}

export interface PipelinesTables {
  pipeline_versions: PipelineVersionRow;
  pipeline_runs: PipelineRunRow;
  pipeline_step_runs: StepRunTable;
  pipeline_step_logs: StepLogRow;
}

export type StepRunRow = Selectable<StepRunTable>;
export type NewStepRun = Insertable<StepRunTable>;
