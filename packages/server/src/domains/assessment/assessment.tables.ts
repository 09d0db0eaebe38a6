import type { Generated } from 'kysely';

/** Row shapes of the tables assessment owns (see assessment.migrations.ts). */
export interface AssessmentSnapshotTable {
  id: Generated<number>;
  /** model | project | team | organization */
  scope: string;
  /** the model, project or team name; '' for the organization */
  subject: string;
  at: number;
  assessed_by: string;
  /** the headline figure: the final ML Test Score (of a model; of a project's weakest model), a team's mean, or the maturity level's index (0 Initial … 3 Mature) */
  score: number;
  /** JSON text of the whole report */
  report: string;
}

export interface AssessmentAttestationTable {
  id: Generated<number>;
  model: string;
  test_id: string;
  statement: string;
  artifact_uri: string | null;
  attested_by: string;
  attested_at: number;
}

export interface AssessmentQuestionnaireTable {
  /** organization | team */
  scope: string;
  subject: string;
  /** JSON text of the answers */
  answers: string;
  updated_by: string;
  updated_at: number;
}

export interface AssessmentTables {
  assessment_snapshots: AssessmentSnapshotTable;
  assessment_attestations: AssessmentAttestationTable;
  assessment_questionnaires: AssessmentQuestionnaireTable;
}
