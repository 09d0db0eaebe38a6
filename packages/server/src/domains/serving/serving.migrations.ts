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
    // Canary rollouts (rollout.repository.ts). `version` is the optimistic-concurrency counter every
    // transition checks, so one process wins each step when several controllers share the database;
    // the partial unique index makes "one active rollout per deployment" hold across processes.
    // No foreign key to deployments: deleting a deployment must not depend on this table (the
    // controller aborts a rollout whose deployment is gone).
    '0302_serving_rollouts': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE serving_rollouts (
          id TEXT PRIMARY KEY,
          deployment TEXT NOT NULL,
          canary TEXT NOT NULL,
          plan TEXT NOT NULL,
          base_weights TEXT NOT NULL,
          state TEXT NOT NULL,
          step INTEGER NOT NULL,
          step_started_at ${sql.raw(t.bigint)},
          applied_revision INTEGER,
          version INTEGER NOT NULL,
          last_evaluation TEXT,
          reason TEXT,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          created_by TEXT)`.execute(db);
        await sql`CREATE UNIQUE INDEX serving_rollouts_active ON serving_rollouts (deployment) WHERE state IN ('running', 'paused')`.execute(db);
        await sql`CREATE INDEX serving_rollouts_deployment ON serving_rollouts (deployment, created_at)`.execute(db);
        await sql`CREATE INDEX serving_rollouts_state ON serving_rollouts (state)`.execute(db);
        await sql`CREATE TABLE serving_rollout_events (
          rollout_id TEXT NOT NULL REFERENCES serving_rollouts(id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          ts ${sql.raw(t.bigint)} NOT NULL,
          type TEXT NOT NULL,
          actor TEXT,
          step INTEGER,
          detail TEXT,
          PRIMARY KEY (rollout_id, seq))`.execute(db);
      },
    },
  };
};
