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
    '0501_monitoring_monitors': {
      async up(db: Kysely<unknown>) {
        // A monitor's definition is one JSON document (validated by monitors.validation.ts): it is
        // read whole, and its shape grows without migrations.
        await sql`CREATE TABLE monitors (
          id TEXT PRIMARY KEY,
          deployment TEXT NOT NULL,
          name TEXT NOT NULL,
          config TEXT NOT NULL,
          window_ms ${sql.raw(t.bigint)} NOT NULL,
          created_by TEXT,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          revision INTEGER NOT NULL)`.execute(db);
        await sql`CREATE INDEX monitors_deployment ON monitors (deployment)`.execute(db);
        // One row per (monitor, window) the scheduler claimed: the primary key is the claim, so two
        // processes cannot both evaluate a window.
        await sql`CREATE TABLE monitor_windows (
          monitor_id TEXT NOT NULL,
          window_start ${sql.raw(t.bigint)} NOT NULL,
          window_end ${sql.raw(t.bigint)} NOT NULL,
          state TEXT NOT NULL,
          claimed_by TEXT NOT NULL,
          claimed_at ${sql.raw(t.bigint)} NOT NULL,
          finished_at ${sql.raw(t.bigint)},
          error TEXT,
          PRIMARY KEY (monitor_id, window_start))`.execute(db);
        // MetricPoints. "column" and "group" are SQL keywords: column_name, group_value.
        await sql`CREATE TABLE monitor_metrics (
          monitor_id TEXT NOT NULL,
          deployment TEXT NOT NULL,
          metric TEXT NOT NULL,
          column_name TEXT,
          variant TEXT,
          group_value TEXT,
          window_start ${sql.raw(t.bigint)} NOT NULL,
          window_end ${sql.raw(t.bigint)} NOT NULL,
          value ${sql.raw(t.double)} NOT NULL,
          sample_size ${sql.raw(t.bigint)} NOT NULL,
          estimated INTEGER NOT NULL)`.execute(db);
        // MetricReader: one metric of a monitor (alerts) or of a deployment (dashboards) over time.
        await sql`CREATE INDEX monitor_metrics_monitor ON monitor_metrics (monitor_id, metric, window_end)`.execute(db);
        await sql`CREATE INDEX monitor_metrics_deployment ON monitor_metrics (deployment, metric, window_end)`.execute(db);
        // Re-evaluating a window replaces its points.
        await sql`CREATE INDEX monitor_metrics_window ON monitor_metrics (monitor_id, window_start, window_end)`.execute(db);
      },
    },
  };
};
