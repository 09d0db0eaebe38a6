import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by monitoring. Timestamps are ms since epoch; values are JSON text.
 *
 * `actuals` holds the current outcome per inference id (the key the gateway logs predictions
 * under). No foreign key to `predictions`: actuals may arrive before their prediction is logged,
 * or for predictions that are never logged, and both tables are written independently.
 * `actual_revisions` keeps every value a correction replaced, so a changed label stays auditable.
 */
export const monitoringMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0500_monitoring_actuals': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE actuals (
          inference_id TEXT PRIMARY KEY,
          deployment TEXT,
          value TEXT NOT NULL,
          ts ${sql.raw(t.bigint)} NOT NULL,
          received_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          revision INTEGER NOT NULL)`.execute(db);
        // "Unmatched actuals of a deployment in a window": actuals named for it, by outcome time.
        await sql`CREATE INDEX actuals_deployment_ts ON actuals (deployment, ts)`.execute(db);
        await sql`CREATE TABLE actual_revisions (
          inference_id TEXT NOT NULL,
          revision INTEGER NOT NULL,
          value TEXT NOT NULL,
          ts ${sql.raw(t.bigint)} NOT NULL,
          replaced_at ${sql.raw(t.bigint)} NOT NULL,
          PRIMARY KEY (inference_id, revision))`.execute(db);
      },
    },
  };
};
