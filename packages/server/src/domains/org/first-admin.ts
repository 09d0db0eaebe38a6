import type { Config } from '../../config/index.js';
import { systemClock } from '../../lib/clock.js';
import { migrateToLatest, openStore, type DomainMigrations } from '../../store/index.js';
import { orgMigrations } from './org.migrations.js';
import { OrgRepository } from './org.repository.js';
import { OrgService } from './org.service.js';
import type { User } from './org.types.js';

/**
 * Creates a platform admin directly in the store `config` names (what `flywheel admin create`
 * runs): there is no default password and no API call, because before the first admin nobody can
 * log in. `migrations` are the platform's (main.ts's MIGRATIONS), run first like the server does,
 * so the command works on a brand-new data directory.
 *
 * @example
 *   await createFirstAdmin(loadConfig({ dataDir }), MIGRATIONS, { username: 'ada', password });
 */
export async function createFirstAdmin(
  config: Config,
  migrations: DomainMigrations[],
  input: { username: string; password: string; displayName?: string },
): Promise<User & { migrated: string[] }> {
  const store = await openStore({ databaseUrl: config.store.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    const all = migrations.includes(orgMigrations) ? migrations : [...migrations, orgMigrations];
    const migrated = await migrateToLatest(store, all);
    const org = new OrgService({ repo: new OrgRepository(store.tables(), store.dialect), clock: systemClock });
    const user = await org.bootstrapUser({ ...input, isAdmin: true });
    return { ...user, migrated };
  } finally {
    await store.close();
  }
}
