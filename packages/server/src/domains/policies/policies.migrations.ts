import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Policies are append-only: every change (create, edit, delete) is a new row of `policy_versions`,
 * so any past decision can be explained by the version in force then. Teams are kept by name
 * (stable; the org tables belong to another domain). Money is a double in the rates' currency.
 */
export const policiesMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
  return {
    '0920_policies_init': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE policy_versions (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          scope_team TEXT,
          action TEXT NOT NULL,
          alias_pattern TEXT,
          conditions TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          created_by TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          PRIMARY KEY (name, version))`.execute(db);
        await sql`CREATE TABLE cost_rates (
          key TEXT PRIMARY KEY,
          price ${sql.raw(t.double)} NOT NULL,
          updated_by TEXT NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE TABLE budgets (
          id ${pk},
          name TEXT NOT NULL UNIQUE,
          team TEXT NOT NULL,
          period TEXT NOT NULL CHECK (period IN ('month')),
          amount ${sql.raw(t.double)} NOT NULL,
          enforce INTEGER NOT NULL,
          created_by TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE TABLE budget_alerts (
          id ${pk},
          budget_id INTEGER NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
          period_start ${sql.raw(t.bigint)} NOT NULL,
          threshold INTEGER NOT NULL,
          spend ${sql.raw(t.double)} NOT NULL,
          amount ${sql.raw(t.double)} NOT NULL,
          at ${sql.raw(t.bigint)} NOT NULL,
          UNIQUE (budget_id, period_start, threshold))`.execute(db);
      },
    },
    // Budgets of a project (beside a team's): `team` keeps the project's owner team when it was set ('' without one).
    '0921_policies_project_budgets': {
      async up(db: Kysely<unknown>) {
        await sql`ALTER TABLE budgets ADD COLUMN project TEXT`.execute(db);
        await sql`CREATE INDEX budgets_project ON budgets (project)`.execute(db);
      },
    },
  };
};