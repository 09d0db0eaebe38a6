import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/** Tables owned by tracking. Timestamps are ms since epoch; metric NaN is stored as is_nan=1. */
export const trackingMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const sqlite = dialect === 'sqlite';
  // SQLite clusters metric points by their key (WITHOUT ROWID): one write per point instead of
  // a row plus an index entry, and history reads become one range scan.
  const withoutRowid = sqlite ? sql.raw(' WITHOUT ROWID') : sql.raw('');
  return {
    '0001_tracking_init': {
      async up(db: Kysely<unknown>) {
        if (sqlite) {
          await sql`CREATE TABLE experiments (
            experiment_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            artifact_location TEXT NOT NULL,
            lifecycle_stage TEXT NOT NULL,
            creation_time INTEGER NOT NULL,
            last_update_time INTEGER NOT NULL)`.execute(db);
        } else {
          await sql`CREATE TABLE experiments (
            experiment_id SERIAL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            artifact_location TEXT NOT NULL,
            lifecycle_stage TEXT NOT NULL,
            creation_time BIGINT NOT NULL,
            last_update_time BIGINT NOT NULL)`.execute(db);
        }
        await sql`CREATE TABLE experiment_tags (
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (experiment_id, key))`.execute(db);
        await sql`CREATE TABLE runs (
          run_uuid TEXT PRIMARY KEY,
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
          run_name TEXT NOT NULL,
          user_id TEXT NOT NULL,
          status TEXT NOT NULL,
          start_time ${sql.raw(t.bigint)} NOT NULL,
          end_time ${sql.raw(t.bigint)},
          deleted_time ${sql.raw(t.bigint)},
          artifact_uri TEXT NOT NULL,
          lifecycle_stage TEXT NOT NULL)`.execute(db);
        await sql`CREATE INDEX runs_experiment_start ON runs (experiment_id, start_time DESC, run_uuid)`.execute(db);
        await sql`CREATE TABLE params (
          run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (run_uuid, key))${withoutRowid}`.execute(db);
        await sql`CREATE INDEX params_key_value ON params (key, value)`.execute(db);
        await sql`CREATE TABLE tags (
          run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (run_uuid, key))${withoutRowid}`.execute(db);
        // No foreign key on metric points: PostgreSQL would check the run once per inserted row
        // (a third of ingest time). The service checks the run inside the same transaction, runs
        // are never hard-deleted by the API, and latest_metrics keeps the key to runs.
        await sql`CREATE TABLE metrics (
          run_uuid TEXT NOT NULL,
          key TEXT NOT NULL,
          step ${sql.raw(t.bigint)} NOT NULL,
          timestamp ${sql.raw(t.bigint)} NOT NULL,
          value ${sql.raw(t.double)} NOT NULL,
          is_nan SMALLINT NOT NULL,
          PRIMARY KEY (run_uuid, key, step, timestamp, value, is_nan))${withoutRowid}`.execute(db);
        await sql`CREATE TABLE latest_metrics (
          run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
          key TEXT NOT NULL,
          step ${sql.raw(t.bigint)} NOT NULL,
          timestamp ${sql.raw(t.bigint)} NOT NULL,
          value ${sql.raw(t.double)} NOT NULL,
          is_nan SMALLINT NOT NULL,
          PRIMARY KEY (run_uuid, key))${withoutRowid}`.execute(db);
        await sql`CREATE TABLE datasets (
          dataset_uuid TEXT PRIMARY KEY,
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          digest TEXT NOT NULL,
          source_type TEXT NOT NULL,
          source TEXT NOT NULL,
          schema TEXT,
          profile TEXT,
          UNIQUE (experiment_id, name, digest))`.execute(db);
        await sql`CREATE TABLE run_inputs (
          input_uuid TEXT PRIMARY KEY,
          dataset_uuid TEXT NOT NULL REFERENCES datasets(dataset_uuid) ON DELETE CASCADE,
          run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
          UNIQUE (run_uuid, dataset_uuid))`.execute(db);
        await sql`CREATE TABLE input_tags (
          input_uuid TEXT NOT NULL REFERENCES run_inputs(input_uuid) ON DELETE CASCADE,
          name TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (input_uuid, name))`.execute(db);
        // MLflow's Default experiment, id 0, always exists (clients fall back to it).
        const now = Date.now();
        await sql`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
          VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ${now}, ${now})`.execute(db);
      },
    },
    // Issue 6: experiments are owned by a team (null: legacy, anonymous or Default — shared) and are
    // private to it or internal (readable by everyone logged in). Runs, metrics and artifacts inherit.
    // No foreign key to teams: the domain's tables migrate (and test) without org's; teams are never deleted.
    '0610_tracking_ownership': {
      async up(db: Kysely<unknown>) {
        await sql`ALTER TABLE experiments ADD COLUMN owner_team INTEGER`.execute(db);
        await sql`ALTER TABLE experiments ADD COLUMN visibility TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('private', 'internal'))`.execute(db);
        await sql`CREATE INDEX experiments_owner_team ON experiments (owner_team)`.execute(db);
      },
    },
  };
};
