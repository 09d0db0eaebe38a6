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
  /** JSON text of RunCause: what started the run (manual, schedule, a dataset version, an alert, a model version, a resume) */
  cause: string | null;
  /** The failed run this one resumes (its succeeded steps were carried over) */
  resumed_from: string | null;
  /** The pipeline's owner team and project when the run started: its compute is theirs */
  owner_team: number | null;
  project: string | null;
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
  /** sha256 of the step's definition, parameters and resolved inputs; a succeeded step with the same key is reused */
  cache_key: string | null;
  /** The run whose succeeded step this one reused (cache hit or resume); null when it ran */
  cached_from: string | null;
  /** JSON text: the step's inputs as resolved (upstream outputs, dataset versions, artifact URIs) — lineage in */
  inputs: string | null;
  /** JSON text: the step's declared outputs as produced (artifact paths and digests, metric values, model versions) — lineage out */
  outputs: string | null;
}

export interface StepLogRow {
  id: Generated<number>;
  run_id: string;
  step: string;
  attempt: number;
  created_at: number;
  text: string;
}

export interface PipelineOwnerRow {
  name: string;
  /** The owning team's id (issue 6's ownership); null: unowned */
  owner_team: number | null;
  /** private | internal, as for experiments, models and datasets */
  visibility: string;
  /** The project the pipeline's compute is attributed to (a name, free-form) */
  project: string | null;
  created_at: number;
}

export interface TriggerTable {
  id: Generated<number>;
  pipeline: string;
  name: string;
  kind: string;
  /** JSON text: the kind's settings (cron expression, dataset name, alert rule, model name) */
  spec: string;
  /** JSON text: the run parameters a firing passes */
  params: string;
  enabled: number;
  created_at: number;
  /** Schedules: the next due time */
  next_at: number | null;
}

export interface TriggerFiringTable {
  id: Generated<number>;
  trigger_id: number;
  /** What fired it (a due time, a dataset version, an alert firing, a model version): unique per trigger, so a firing is recorded once */
  event_key: string;
  fired_at: number;
  run_id: string | null;
  outcome: string;
}

export interface PipelinesTables {
  pipeline_versions: PipelineVersionRow;
  pipeline_runs: PipelineRunRow;
  pipeline_step_runs: StepRunTable;
  pipeline_step_logs: StepLogRow;
  pipeline_owners: PipelineOwnerRow;
  pipeline_triggers: TriggerTable;
  pipeline_trigger_firings: TriggerFiringTable;
}

export type TriggerRow = Selectable<TriggerTable>;
export type TriggerFiringRow = Selectable<TriggerFiringTable>;

export type StepRunRow = Selectable<StepRunTable>;
export type NewStepRun = Insertable<StepRunTable>;
