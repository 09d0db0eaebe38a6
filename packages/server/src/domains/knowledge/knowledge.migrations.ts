import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by knowledge. A postmortem's links to other domains' things are kept by name or id
 * (no foreign keys: those tables belong to other domains, and a postmortem outlives a deleted
 * deployment — that is often why it was written).
 */
export const knowledgeMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
  return {
    '0930_knowledge_postmortems': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE postmortems (
          id ${pk},
          kind TEXT NOT NULL CHECK (kind IN ('incident', 'success')),
          title TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
          team TEXT,
          occurred_at ${sql.raw(t.bigint)},
          body TEXT NOT NULL,
          created_by TEXT NOT NULL,
          created_at ${sql.raw(t.bigint)} NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE INDEX postmortems_kind ON postmortems (kind, id)`.execute(db);
        await sql`CREATE TABLE postmortem_links (
          postmortem_id INTEGER NOT NULL REFERENCES postmortems(id) ON DELETE CASCADE,
          kind TEXT NOT NULL CHECK (kind IN ('project', 'deployment', 'alert', 'alert_event', 'incident')),
          ref TEXT NOT NULL,
          PRIMARY KEY (postmortem_id, kind, ref))`.execute(db);
        await sql`CREATE INDEX postmortem_links_ref ON postmortem_links (kind, ref)`.execute(db);
      },
    },
  };
};
