import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName, Store } from './store.js';

/**
 * A domain's migrations. Names are global and each domain has its own prefix range
 * (`0001_tracking_init`, `0100_registry_init`, `0610_tracking_ownership`, …); within a domain they
 * sort in the order they must run. A domain may add a migration after other domains' later-named
 * ones have run on a database (a later release): unordered migrations are allowed, so each pending
 * one runs, in name order.
 */
export type DomainMigrations = (dialect: DialectName) => Record<string, Migration>;

function migratorFor(store: Store, domains: DomainMigrations[]): Migrator {
  const all: Record<string, Migration> = {};
  for (const d of domains) {
    for (const [name, m] of Object.entries(d(store.dialect))) {
      if (all[name]) throw new Error(`Two migrations are named ${name}`);
      all[name] = m;
    }
  }
  const provider: MigrationProvider = { getMigrations: async () => all };
  return new Migrator({ db: store.db as Kysely<unknown>, provider, migrationTableName: 'fw_migration', migrationLockTableName: 'fw_migration_lock', allowUnorderedMigrations: true });
}

/** Migrations the store has not run yet (none when the schema is current). */
export async function pendingMigrations(store: Store, domains: DomainMigrations[]): Promise<string[]> {
  return (await migratorFor(store, domains).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function migrateToLatest(store: Store, domains: DomainMigrations[]): Promise<string[]> {
  const migrator = migratorFor(store, domains);
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
