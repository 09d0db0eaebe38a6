import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by org: people, their credentials, teams and memberships. Timestamps are ms since
 * epoch; booleans are integers 0/1 on both dialects. Secrets are never stored: passwords as
 * scrypt hashes, session and API tokens as SHA-256 digests.
 */
export const orgMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const big = sql.raw(t.bigint);
  return {
    '0600_org_init': {
      async up(db: Kysely<unknown>) {
        const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('SERIAL PRIMARY KEY');
        await sql`CREATE TABLE users (
          id ${pk},
          username TEXT NOT NULL UNIQUE,
          display_name TEXT NOT NULL,
          email TEXT,
          password_hash TEXT NOT NULL,
          is_admin INTEGER NOT NULL DEFAULT 0,
          disabled_at ${big},
          created_at ${big} NOT NULL,
          updated_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE TABLE sessions (
          token_hash TEXT PRIMARY KEY,
          user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          created_at ${big} NOT NULL,
          expires_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE INDEX sessions_user ON sessions (user_id)`.execute(db);
        await sql`CREATE TABLE api_tokens (
          id ${pk},
          user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          prefix TEXT NOT NULL UNIQUE,
          token_hash TEXT NOT NULL,
          created_at ${big} NOT NULL,
          last_used_at ${big},
          expires_at ${big},
          revoked_at ${big})`.execute(db);
        await sql`CREATE INDEX api_tokens_user ON api_tokens (user_id)`.execute(db);
        await sql`CREATE TABLE teams (
          id ${pk},
          name TEXT NOT NULL UNIQUE,
          parent_id INTEGER REFERENCES teams(id) ON DELETE RESTRICT,
          description TEXT NOT NULL,
          created_at ${big} NOT NULL,
          updated_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE INDEX teams_parent ON teams (parent_id)`.execute(db);
        await sql`CREATE TABLE memberships (
          team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
          user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('admin', 'maintainer', 'member', 'viewer')),
          created_at ${big} NOT NULL,
          PRIMARY KEY (team_id, user_id))`.execute(db);
        await sql`CREATE INDEX memberships_user ON memberships (user_id)`.execute(db);
        await sql`CREATE TABLE user_skills (
          user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          skill TEXT NOT NULL,
          PRIMARY KEY (user_id, skill))`.execute(db);
      },
    },
  };
};
