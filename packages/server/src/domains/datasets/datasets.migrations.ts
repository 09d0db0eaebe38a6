import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by datasets. Timestamps are ms since epoch; schema, profile and datasheet are JSON
 * text. (`datasets` itself is tracking's table of MLflow dataset inputs, hence `named_datasets`.)
 */
export const datasetsMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0200_datasets_init': {
      async up(db: Kysely<unknown>) {
        const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
        await sql`CREATE TABLE named_datasets (
          id ${pk},
          name TEXT NOT NULL UNIQUE,
          description TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE TABLE dataset_versions (
          dataset_id INTEGER NOT NULL REFERENCES named_datasets(id) ON DELETE CASCADE,
          version INTEGER NOT NULL,
          content_hash TEXT,
          source_uri TEXT,
          format TEXT NOT NULL,
          row_count ${sql.raw(t.bigint)},
          schema TEXT,
          profile TEXT,
          datasheet TEXT,
          artifact_path TEXT,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          created_by TEXT,
          PRIMARY KEY (dataset_id, version))`.execute(db);
        await sql`CREATE INDEX dataset_versions_content_hash ON dataset_versions (content_hash)`.execute(db);
      },
    },
    // Issue 6: a dataset is owned by a team and private to it or internal; its versions inherit.
    // No foreign key to teams: the domain's tables migrate (and test) without org's; teams are never deleted.
    '0612_datasets_ownership': {
      async up(db: Kysely<unknown>) {
        await sql`ALTER TABLE named_datasets ADD COLUMN owner_team INTEGER`.execute(db);
        await sql`ALTER TABLE named_datasets ADD COLUMN visibility TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('private', 'internal'))`.execute(db);
        await sql`CREATE INDEX named_datasets_owner_team ON named_datasets (owner_team)`.execute(db);
      },
    },
    // Issue 6, the seeds' data access modes: read grants to a team or user, and sandbox copies that
    // expire (named_datasets.expires_at) and whose destruction is kept on record. Stored sizes are
    // recorded from now on, for storage cost (null: registered before, or from a URI).
    '0613_datasets_access': {
      async up(db: Kysely<unknown>) {
        const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
        await sql`ALTER TABLE named_datasets ADD COLUMN expires_at ${sql.raw(t.bigint)}`.execute(db);
        await sql`ALTER TABLE dataset_versions ADD COLUMN size_bytes ${sql.raw(t.bigint)}`.execute(db);
        await sql`CREATE TABLE dataset_grants (
          id ${pk},
          dataset_id INTEGER NOT NULL REFERENCES named_datasets(id) ON DELETE CASCADE,
          grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('team', 'user')),
          grantee TEXT NOT NULL,
          granted_by TEXT NOT NULL,
          granted_at ${sql.raw(t.bigint)} NOT NULL,
          expires_at ${sql.raw(t.bigint)},
          UNIQUE (dataset_id, grantee_kind, grantee))`.execute(db);
        await sql`CREATE INDEX dataset_grants_grantee ON dataset_grants (grantee_kind, grantee)`.execute(db);
        await sql`CREATE TABLE dataset_sandboxes (
          id ${pk},
          sandbox TEXT NOT NULL UNIQUE,
          source_dataset TEXT NOT NULL,
          source_version INTEGER NOT NULL,
          owner_team INTEGER,
          requested_by TEXT NOT NULL,
          purpose TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          expires_at ${sql.raw(t.bigint)} NOT NULL,
          destroyed_at ${sql.raw(t.bigint)},
          destroyed_by TEXT,
          destroyed_reason TEXT)`.execute(db);
        await sql`CREATE INDEX dataset_sandboxes_due ON dataset_sandboxes (destroyed_at, expires_at)`.execute(db);
      },
    },
  };
};
