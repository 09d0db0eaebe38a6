import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by projects. Timestamps are ms since epoch; the business case, model links and
 * deployments are JSON text (read and written whole). The owner team is kept by name: team names
 * are stable and the org tables belong to another domain.
 */
export const projectsMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
  return {
    '0910_projects_init': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE projects (
          id ${pk},
          name TEXT NOT NULL UNIQUE,
          description TEXT NOT NULL,
          owner_team TEXT,
          stage TEXT NOT NULL CHECK (stage IN ('idea', 'poc', 'pilot', 'production', 'retired')),
          business_case TEXT NOT NULL,
          poc_end_date ${sql.raw(t.bigint)},
          models TEXT NOT NULL,
          deployments TEXT NOT NULL,
          created_by TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          stage_changed_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE INDEX projects_stage ON projects (stage, poc_end_date)`.execute(db);
        await sql`CREATE TABLE project_stage_changes (
          id ${pk},
          project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
          from_stage TEXT NOT NULL,
          to_stage TEXT NOT NULL,
          reason TEXT,
          actor TEXT NOT NULL,
          at ${sql.raw(t.bigint)} NOT NULL,
          checklist TEXT NOT NULL)`.execute(db);
        await sql`CREATE INDEX project_stage_changes_project ON project_stage_changes (project_id, id)`.execute(db);
        await sql`CREATE TABLE project_outcomes (
          id ${pk},
          project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
          metric TEXT NOT NULL,
          value ${sql.raw(t.double)} NOT NULL,
          ts ${sql.raw(t.bigint)} NOT NULL,
          recorded_by TEXT NOT NULL,
          recorded_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE INDEX project_outcomes_series ON project_outcomes (project_id, metric, ts)`.execute(db);
      },
    },
  };
};
