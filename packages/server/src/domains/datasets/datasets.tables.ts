import type { Generated, Selectable } from 'kysely';

/** Row shapes of the tables datasets owns (see datasets.migrations.ts). */
export interface NamedDatasetTable {
  id: Generated<number>;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  /** teams.id; null: shared (legacy, anonymous) */
  owner_team: number | null;
  visibility: Generated<string>;
  /** sandbox copies: when the copy is destroyed (null: never) */
  expires_at: Generated<number | null>;
}
export type NamedDatasetRow = Selectable<NamedDatasetTable>;

export interface DatasetVersionRow {
  dataset_id: number;
  version: number;
  content_hash: string | null;
  source_uri: string | null;
  format: string;
  row_count: number | null;
  /** JSON text of SchemaColumn[] */
  schema: string | null;
  /** JSON text of DatasetProfile */
  profile: string | null;
  /** JSON text of Datasheet */
  datasheet: string | null;
  artifact_path: string | null;
  created_at: number;
  created_by: string | null;
  /** bytes of the stored file; null: registered before sizes were recorded, or from a URI */
  size_bytes?: number | null;
}

export interface DatasetGrantTable {
  id: Generated<number>;
  dataset_id: number;
  grantee_kind: 'team' | 'user';
  grantee: string;
  granted_by: string;
  granted_at: number;
  expires_at: number | null;
}
export type DatasetGrantRow = Selectable<DatasetGrantTable>;

export interface DatasetSandboxTable {
  id: Generated<number>;
  sandbox: string;
  source_dataset: string;
  source_version: number;
  owner_team: number | null;
  requested_by: string;
  purpose: string;
  created_at: number;
  expires_at: number;
  destroyed_at: number | null;
  destroyed_by: string | null;
  destroyed_reason: string | null;
}
export type DatasetSandboxRow = Selectable<DatasetSandboxTable>;

export interface DatasetsTables {
  named_datasets: NamedDatasetTable;
  dataset_versions: DatasetVersionRow;
  dataset_grants: DatasetGrantTable;
  dataset_sandboxes: DatasetSandboxTable;
}
