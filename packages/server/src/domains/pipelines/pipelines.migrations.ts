import { sql, type Kysely } from 'kysely';
import type { DomainMigrations } from '../../store/index.js';
import { columnTypes } from '../../store/index.js';

/** Tables owned by pipelines (issue 7). Definitions are immutable versions; runs and step runs hold the state machine. */
export const pipelinesMigrations: DomainMigrations = (dialect) => {
  const t = columnTypes(dialect);
  const big = sql.raw(t.bigint);
  return {
    '0700_pipelines_init': {
      async up(db: Kysely<unknown>) {
        const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('BIGSERIAL PRIMARY KEY');
        await sql`CREATE TABLE pipeline_versions (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          definition TEXT NOT NULL,
          definition_hash TEXT NOT NULL,
          created_at ${big} NOT NULL,
          PRIMARY KEY (name, version))`.execute(db);
        await sql`CREATE TABLE pipeline_runs (
          id TEXT PRIMARY KEY,
          pipeline_name TEXT NOT NULL,
          pipeline_version INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
          params TEXT NOT NULL,
          created_at ${big} NOT NULL,
          started_at ${big},
          finished_at ${big},
          error TEXT,
          FOREIGN KEY (pipeline_name, pipeline_version) REFERENCES pipeline_versions(name, version))`.execute(db);
        await sql`CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs (pipeline_name, created_at)`.execute(db);
        await sql`CREATE INDEX pipeline_runs_active ON pipeline_runs (state)`.execute(db);
        await sql`CREATE TABLE pipeline_step_runs (
          run_id TEXT NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
          step TEXT NOT NULL,
          position INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
          attempt INTEGER NOT NULL,
          max_attempts INTEGER NOT NULL,
          interruptions INTEGER NOT NULL DEFAULT 0,
          exit_code INTEGER,
          created_at ${big} NOT NULL,
          started_at ${big},
          finished_at ${big},
          compute_ms ${big} NOT NULL,
          mlflow_run_id TEXT,
          not_before ${big} NOT NULL,
          worker_id TEXT,
          heartbeat_at ${big},
          error TEXT,
          PRIMARY KEY (run_id, step))`.execute(db);
        await sql`CREATE INDEX pipeline_step_runs_state ON pipeline_step_runs (state)`.execute(db);
        await sql`CREATE TABLE pipeline_step_logs (
          id ${pk},
          run_id TEXT NOT NULL,
          step TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          created_at ${big} NOT NULL,
          text TEXT NOT NULL,
          FOREIGN KEY (run_id, step) REFERENCES pipeline_step_runs(run_id, step) ON DELETE CASCADE)`.execute(db);
        await sql`CREATE INDEX pipeline_step_logs_by_step ON pipeline_step_logs (run_id, step, id)`.execute(db);
      },
    },
    // Caching, artifacts between steps, resume, causes, ownership and triggers (issue 7, second slice).
    '0701_pipelines_cache_lineage_triggers': {
      async up(db: Kysely<unknown>) {
        const pk = dialect === 'sqlite' ? sql.raw('INTEGER PRIMARY KEY AUTOINCREMENT') : sql.raw('BIGSERIAL PRIMARY KEY');
        await sql`ALTER TABLE pipeline_step_runs ADD COLUMN cache_key TEXT`.execute(db);
        await sql`ALTER TABLE pipeline_step_runs ADD COLUMN cached_from TEXT`.execute(db);
        await sql`ALTER TABLE pipeline_step_runs ADD COLUMN inputs TEXT`.execute(db);
        await sql`ALTER TABLE pipeline_step_runs ADD COLUMN outputs TEXT`.execute(db);
        await sql`CREATE INDEX pipeline_step_runs_cache ON pipeline_step_runs (cache_key)`.execute(db);
        await sql`ALTER TABLE pipeline_runs ADD COLUMN cause TEXT`.execute(db);
        await sql`ALTER TABLE pipeline_runs ADD COLUMN resumed_from TEXT`.execute(db);
        await sql`ALTER TABLE pipeline_runs ADD COLUMN owner_team ${big}`.execute(db);
        await sql`ALTER TABLE pipeline_runs ADD COLUMN project TEXT`.execute(db);
        await sql`CREATE TABLE pipeline_owners (
          name TEXT PRIMARY KEY,
          owner_team ${big},
          project TEXT,
          created_at ${big} NOT NULL)`.execute(db);
        await sql`CREATE TABLE pipeline_triggers (
          id ${pk},
          pipeline TEXT NOT NULL,
          name TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('schedule', 'dataset_version', 'alert', 'model_version')),
          spec TEXT NOT NULL,
          params TEXT NOT NULL,
          enabled INTEGER NOT NULL,
          created_at ${big} NOT NULL,
          next_at ${big},
          UNIQUE (pipeline, name))`.execute(db);
        await sql`CREATE TABLE pipeline_trigger_firings (
          id ${pk},
          trigger_id ${big} NOT NULL REFERENCES pipeline_triggers(id) ON DELETE CASCADE,
          event_key TEXT NOT NULL,
          fired_at ${big} NOT NULL,
          run_id TEXT,
          outcome TEXT NOT NULL,
          UNIQUE (trigger_id, event_key))`.execute(db);
      },
    },
    '0702_pipelines_visibility': {
      async up(db: Kysely<unknown>) {
        await sql`ALTER TABLE pipeline_owners ADD COLUMN visibility TEXT NOT NULL DEFAULT 'internal'`.execute(db);
        await sql`CREATE INDEX pipeline_runs_by_team ON pipeline_runs (owner_team, created_at)`.execute(db);
      },
    },
  };
};
