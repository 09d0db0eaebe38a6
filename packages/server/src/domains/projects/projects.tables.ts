import type { Generated } from 'kysely';

/** Row shapes of the tables projects owns (see projects.migrations.ts). */
export interface ProjectTable {
  id: Generated<number>;
  name: string;
  description: string;
  owner_team: string | null;
  stage: string;
  /** JSON text of BusinessCase */
  business_case: string;
  poc_end_date: number | null;
  /** JSON text of ModelLink[] */
  models: string;
  /** JSON text of string[] */
  deployments: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  stage_changed_at: number;
}

export interface ProjectStageChangeTable {
  id: Generated<number>;
  project_id: number;
  from_stage: string;
  to_stage: string;
  reason: string | null;
  actor: string;
  at: number;
  /** JSON text of GateCondition[] */
  checklist: string;
}

export interface ProjectOutcomeTable {
  id: Generated<number>;
  project_id: number;
  metric: string;
  value: number;
  ts: number;
  recorded_by: string;
  recorded_at: number;
}

export interface ProjectsTables {
  projects: ProjectTable;
  project_stage_changes: ProjectStageChangeTable;
  project_outcomes: ProjectOutcomeTable;
}
