import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables of alerts, webhooks and the labeling queue. Timestamps are ms since epoch; JSON as text.
 *
 * `alert_rules` carries its evaluation state beside the definition (`state`, `next_eval_at`,
 * `revision`) so one conditional UPDATE both claims a tick and moves the state: several server
 * processes can run the scheduler and a rule is evaluated and fired once.
 * `webhook_deliveries` is an outbox: firing writes rows in the same transaction as the event,
 * a sender loop delivers them later, so a slow receiver never blocks evaluation and a restart
 * loses nothing.
 */
export const alertsMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const big = sql.raw(t.bigint);
  const pk = sql.raw(dialect === 'postgres' ? 'id bigserial PRIMARY KEY' : 'id INTEGER PRIMARY KEY AUTOINCREMENT');
  return {
    '0510_monitoring_alerts': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE alert_rules (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          definition TEXT NOT NULL,
          enabled INTEGER NOT NULL,
          state TEXT NOT NULL,
          revision INTEGER NOT NULL,
          next_eval_at ${big} NOT NULL,
          last_evaluated_at ${big},
          last_fired_at ${big},
          last_outcome TEXT,
          last_value ${sql.raw(t.double)},
          created_at ${big} NOT NULL,
          updated_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE INDEX alert_rules_due ON alert_rules (next_eval_at)`.execute(db);
        await sql`CREATE TABLE alert_events (
          ${pk},
          rule_id TEXT NOT NULL,
          ts ${big} NOT NULL,
          type TEXT NOT NULL,
          value ${sql.raw(t.double)},
          message TEXT NOT NULL,
          details TEXT)`.execute(db);
        await sql`CREATE INDEX alert_events_rule_ts ON alert_events (rule_id, ts)`.execute(db);
        await sql`CREATE TABLE webhooks (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          url TEXT NOT NULL,
          secret TEXT NOT NULL,
          enabled INTEGER NOT NULL,
          created_at ${big} NOT NULL,
          updated_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE TABLE webhook_deliveries (
          ${pk},
          webhook_id TEXT NOT NULL,
          rule_id TEXT,
          event_id ${big},
          payload TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          next_attempt_at ${big} NOT NULL,
          last_status_code INTEGER,
          last_error TEXT,
          created_at ${big} NOT NULL,
          delivered_at ${big})`.execute(db);
        await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)`.execute(db);
        await sql`CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)`.execute(db);
        await sql`CREATE TABLE webhook_attempts (
          delivery_id ${big} NOT NULL,
          attempt INTEGER NOT NULL,
          ts ${big} NOT NULL,
          status_code INTEGER,
          error TEXT,
          duration_ms INTEGER NOT NULL,
          PRIMARY KEY (delivery_id, attempt))`.execute(db);
      },
    },
    '0520_monitoring_labeling': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE labeling_policies (
          deployment TEXT PRIMARY KEY,
          definition TEXT NOT NULL,
          sampled_until ${big},
          updated_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE TABLE labeling_items (
          ${pk},
          deployment TEXT NOT NULL,
          inference_id TEXT NOT NULL,
          variant TEXT NOT NULL,
          prediction_ts ${big} NOT NULL,
          priority ${sql.raw(t.double)} NOT NULL,
          inputs TEXT,
          outputs TEXT,
          state TEXT NOT NULL,
          claimed_by TEXT,
          lease_until ${big},
          label TEXT,
          reviewer TEXT,
          reason TEXT,
          created_at ${big} NOT NULL,
          done_at ${big},
          UNIQUE (deployment, inference_id))`.execute(db);
        // "The next items to review": pending (or lease expired) by priority.
        await sql`CREATE INDEX labeling_items_queue ON labeling_items (deployment, state, priority, id)`.execute(db);
      },
    },
  };
};
