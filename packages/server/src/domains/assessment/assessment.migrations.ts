import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by assessment. Reports are kept whole as JSON text: a snapshot is read back as it
 * was, whatever the rules say later. Models and teams are named, not referenced: their tables
 * belong to other domains, and a snapshot outlives a deleted model.
 */
export const assessmentMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
  return {
    '1000_assessment_init': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE assessment_snapshots (
          id ${pk},
          scope TEXT NOT NULL CHECK (scope IN ('model', 'project', 'team', 'organization')),
          subject TEXT NOT NULL,
          at ${sql.raw(t.bigint)} NOT NULL,
          assessed_by TEXT NOT NULL,
          score ${sql.raw(t.double)} NOT NULL,
          report TEXT NOT NULL)`.execute(db);
        await sql`CREATE INDEX assessment_snapshots_subject ON assessment_snapshots (scope, subject, at)`.execute(db);
        await sql`CREATE TABLE assessment_attestations (
          id ${pk},
          model TEXT NOT NULL,
          test_id TEXT NOT NULL,
          statement TEXT NOT NULL,
          artifact_uri TEXT,
          attested_by TEXT NOT NULL,
          attested_at ${sql.raw(t.bigint)} NOT NULL)`.execute(db);
        await sql`CREATE INDEX assessment_attestations_model ON assessment_attestations (model, test_id)`.execute(db);
        await sql`CREATE TABLE assessment_questionnaires (
          scope TEXT NOT NULL CHECK (scope IN ('organization', 'team')),
          subject TEXT NOT NULL,
          answers TEXT NOT NULL,
          updated_by TEXT NOT NULL,
          updated_at ${sql.raw(t.bigint)} NOT NULL,
          PRIMARY KEY (scope, subject))`.execute(db);
      },
    },
  };
};
