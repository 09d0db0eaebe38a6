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
}

export interface DatasetsTables {
  named_datasets: NamedDatasetTable;
  dataset_versions: DatasetVersionRow;
}
