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
  };
};
