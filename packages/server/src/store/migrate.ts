import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName, Store } from './store.js';

/**
 * A domain's migrations. Names are global and sort in the order they must run, so each domain
 * prefixes its own: `0001_tracking_init`, `0100_registry_init`, …
 */
export type DomainMigrations = (dialect: DialectName) => Record<string, Migration>;

export async function migrateToLatest(store: Store, domains: DomainMigrations[]): Promise<string[]> {
  const all: Record<string, Migration> = {};
  for (const d of domains) {
    for (const [name, m] of Object.entries(d(store.dialect))) {
      if (all[name]) throw new Error(`Two migrations are named ${name}`);
      all[name] = m;
    }
  }
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({ db: store.db as Kysely<unknown>, provider, migrationTableName: 'fw_migration', migrationLockTableName: 'fw_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
