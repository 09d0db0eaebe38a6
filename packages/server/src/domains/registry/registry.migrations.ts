import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/**
 * Tables owned by the model registry. Timestamps are ms since epoch. Children reference their
 * model by name with ON UPDATE CASCADE, so a rename is one UPDATE of registered_models, and
 * ON DELETE CASCADE, so deleting a model (or a version) takes its tags and aliases with it.
 */
export const registryMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const bigint = sql.raw(t.bigint);
  const serialPk = sql.raw(t.serialPk);
  return {
    '0100_registry_init': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE registered_models (
          name TEXT PRIMARY KEY,
          creation_time ${bigint} NOT NULL,
          last_updated_time ${bigint} NOT NULL,
          description TEXT,
          max_version INTEGER NOT NULL DEFAULT 0)`.execute(db);
        await sql`CREATE TABLE registered_model_tags (
          name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (name, key))`.execute(db);
        await sql`CREATE TABLE model_versions (
          name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
          version INTEGER NOT NULL,
          creation_time ${bigint} NOT NULL,
          last_updated_time ${bigint} NOT NULL,
          description TEXT,
          user_id TEXT,
          current_stage TEXT NOT NULL,
          source TEXT,
          run_id TEXT,
          run_link TEXT,
          status TEXT NOT NULL,
          status_message TEXT,
          storage_location TEXT,
          PRIMARY KEY (name, version))`.execute(db);
        await sql`CREATE INDEX model_versions_run_id ON model_versions (run_id)`.execute(db);
        await sql`CREATE TABLE model_version_tags (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (name, version, key),
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE)`.execute(db);
        // An alias points at one version; deleting that version deletes the alias, as MLflow does.
        await sql`CREATE TABLE registered_model_aliases (
          name TEXT NOT NULL,
          alias TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (name, alias),
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE)`.execute(db);
      },
    },
    // Signatures, model cards and approval decisions of model versions. JSON documents are TEXT
    // on both dialects (they are read whole, never queried into). Renames and deletes of a
    // version follow through the foreign keys, as for tags.
    '0101_registry_signatures_cards_approvals': {
      async up(db: Kysely<unknown>) {
        await sql`CREATE TABLE model_version_signatures (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          inputs TEXT NOT NULL,
          outputs TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('onnx', 'mlflow', 'manual')),
          extracted_at ${bigint} NOT NULL,
          PRIMARY KEY (name, version),
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE)`.execute(db);
        await sql`CREATE TABLE model_cards (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          card TEXT NOT NULL,
          risk_rating TEXT CHECK (risk_rating IN ('low', 'medium', 'high', 'critical')),
          status TEXT NOT NULL CHECK (status IN ('Draft', 'PendingReview', 'Approved', 'Archived')),
          updated_at ${bigint} NOT NULL,
          updated_by TEXT,
          PRIMARY KEY (name, version),
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE)`.execute(db);
        // The history of decisions; the current one is the row with the highest id. No row: pending.
        await sql`CREATE TABLE model_version_approvals (
          id ${serialPk} PRIMARY KEY,
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
          decided_by TEXT,
          decided_at ${bigint} NOT NULL,
          reason TEXT,
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE)`.execute(db);
        await sql`CREATE INDEX model_version_approvals_version ON model_version_approvals (name, version, id)`.execute(db);
      },
    },
    // Issue 6: registered models are owned by a team and private to it or internal; versions inherit.
    // No foreign key to teams: the domain's tables migrate (and test) without org's; teams are never deleted.
    '0611_registry_ownership': {
      async up(db: Kysely<unknown>) {
        await sql`ALTER TABLE registered_models ADD COLUMN owner_team INTEGER`.execute(db);
        await sql`ALTER TABLE registered_models ADD COLUMN visibility TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('private', 'internal'))`.execute(db);
        await sql`CREATE INDEX registered_models_owner_team ON registered_models (owner_team)`.execute(db);
      },
    },
  };
};
