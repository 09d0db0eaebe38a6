/** Row shapes of the tables the model registry owns (see registry.migrations.ts). */
export interface RegisteredModelRow {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  /** The highest version number ever issued; deleted versions' numbers are not reused (as in MLflow). */
  max_version: number;
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

export interface RegistryTables {
  registered_models: RegisteredModelRow;
  registered_model_tags: RegisteredModelTagRow;
  registered_model_aliases: RegisteredModelAliasRow;
  model_versions: ModelVersionRow;
  model_version_tags: ModelVersionTagRow;
}
