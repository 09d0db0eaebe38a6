import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Feedback events: business outcomes (revenue, click, conversion…) keyed by inference id and a
 * metric name, which A/B analysis joins to the prediction log's variants. Like actuals, no
 * foreign key to `predictions`: events may arrive before their prediction is logged.
 */
export const feedbackMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0530_monitoring_feedback': {
      async up(db: Kysely<unknown>) {
        // The primary key is the idempotency rule: one current value per (inference id, metric).
        // It also serves the A/B read: `name = ? AND inference_id IN (…page of predictions…)`.
        await sql`CREATE TABLE feedback_events (
          inference_id TEXT NOT NULL,
          name TEXT NOT NULL,
          value ${sql.raw(t.double)} NOT NULL,
          ts ${sql.raw(t.bigint)} NOT NULL,
          received_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          revision INTEGER NOT NULL,
          PRIMARY KEY (inference_id, name))`.execute(db);
      },
    },
  };
};
