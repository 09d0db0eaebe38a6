import type { Generated } from 'kysely';

/** Row shapes of the tables the model registry owns (see registry.migrations.ts). */
export interface RegisteredModelRow {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  /** The highest version number ever issued; deleted versions' numbers are not reused (as in MLflow). */
  max_version: number;
  /** teams.id; null: shared (legacy, anonymous) */
  owner_team?: number | null;
  visibility?: string;
}
export interface RegisteredModelTagRow { name: string; key: string; value: string }
export interface RegisteredModelAliasRow { name: string; alias: string; version: number }
export interface ModelVersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string | null;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  storage_location: string | null;
}
export interface ModelVersionTagRow { name: string; version: number; key: string; value: string }

export interface ModelVersionSignatureRow {
  name: string;
  version: number;
  /** JSON array of TensorSpec. */
  inputs: string;
  outputs: string;
  source: 'onnx' | 'mlflow' | 'manual';
  extracted_at: number;
}
export interface ModelCardRow {
  name: string;
  version: number;
  /** JSON of the card sections (everything but the risk rating, which has its own column). */
  card: string;
  risk_rating: 'low' | 'medium' | 'high' | 'critical' | null;
  status: 'Draft' | 'PendingReview' | 'Approved' | 'Archived';
  updated_at: number;
  updated_by: string | null;
}
export interface ModelVersionApprovalRow {
  id: Generated<number>;
  name: string;
  version: number;
  status: 'pending' | 'approved' | 'rejected';
  decided_by: string | null;
  decided_at: number;
  reason: string | null;
}

export interface RegistryTables {
  registered_models: RegisteredModelRow;
  registered_model_tags: RegisteredModelTagRow;
  registered_model_aliases: RegisteredModelAliasRow;
  model_versions: ModelVersionRow;
  model_version_tags: ModelVersionTagRow;
  model_version_signatures: ModelVersionSignatureRow;
  model_cards: ModelCardRow;
  model_version_approvals: ModelVersionApprovalRow;
}
