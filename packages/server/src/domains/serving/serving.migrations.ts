import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by serving. A deployment points at its current revision; every change writes a new
 * revision (configs are never edited in place), so a rollback is one more revision. Timestamps are
 * ms since epoch; `config` is the deployment config as JSON text.
 */
export const servingMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0300_serving_init': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE deployments (
          name TEXT PRIMARY KEY,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          current_revision INTEGER NOT NULL)`.execute(db);
        await sql`CREATE TABLE deployment_revisions (
          deployment TEXT NOT NULL REFERENCES deployments(name) ON DELETE CASCADE,
          revision INTEGER NOT NULL,
          config TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          created_by TEXT,
          PRIMARY KEY (deployment, revision))`.execute(db);
      },
    },
    // The prediction log. On SQLite `id INTEGER PRIMARY KEY` is the rowid itself (a plain rowid
    // table: no separate key index, unlike a TEXT/UUID key); on PostgreSQL a bigserial. Secondary
    // indexes: (deployment, ts, id) for "a day of one deployment, newest first" scans and keyset
    // paging (SQLite appends the rowid to every index anyway), (inference_id) for joining actuals.
    '0301_serving_predictions': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE predictions (
          id ${sql.raw(dialect === 'postgres' ? 'bigserial' : 'INTEGER')} PRIMARY KEY,
          inference_id TEXT NOT NULL,
          deployment TEXT NOT NULL,
          variant TEXT NOT NULL,
          model_name TEXT NOT NULL,
          model_version TEXT NOT NULL,
          ts ${sql.raw(t.bigint)} NOT NULL,
          latency_us ${sql.raw(t.bigint)} NOT NULL,
          inputs TEXT NOT NULL,
          outputs TEXT NOT NULL,
          status SMALLINT NOT NULL)`.execute(db);
        await sql`CREATE INDEX predictions_deployment_ts ON predictions (deployment, ts${sql.raw(dialect === 'postgres' ? ', id' : '')})`.execute(db);
        await sql`CREATE INDEX predictions_inference_id ON predictions (inference_id)`.execute(db);
      },
    },
  };
};
