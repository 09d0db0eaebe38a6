import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/** Hash every chain starts from: no entry precedes seq 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * `audit_log` is append-only: triggers refuse UPDATE and DELETE, so only someone who can drop a
 * trigger (a database owner) can rewrite history — and then `verify()` names the first broken seq.
 * `audit_head` is one row holding the last seq and hash: appends lock it (FOR UPDATE on
 * PostgreSQL; SQLite transactions are BEGIN IMMEDIATE already), so the chain never forks, and a
 * truncated tail is noticed because the head still names the lost entry.
 */
export const auditMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0900_audit_init': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE audit_log (
          seq ${sql.raw(t.bigint)} PRIMARY KEY,
          ts ${sql.raw(t.bigint)} NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          resource_type TEXT NOT NULL,
          resource_id TEXT NOT NULL,
          team TEXT,
          source TEXT,
          before_json TEXT,
          after_json TEXT,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL)`.execute(db);
        await sql`CREATE INDEX audit_log_actor ON audit_log (actor, seq)`.execute(db);
        await sql`CREATE INDEX audit_log_action ON audit_log (action, seq)`.execute(db);
        await sql`CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, seq)`.execute(db);
        await sql`CREATE INDEX audit_log_ts ON audit_log (ts)`.execute(db);
        await sql`CREATE TABLE audit_head (
          id INTEGER PRIMARY KEY,
          seq ${sql.raw(t.bigint)} NOT NULL,
          hash TEXT NOT NULL)`.execute(db);
        await sql`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ${GENESIS_HASH})`.execute(db);
        if (dialect === 'postgres') {
          await sql`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`.execute(db);
          await sql`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(db);
        } else {
          await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
          await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
        }
      },
    },
  };
};
