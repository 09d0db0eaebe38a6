import pino from 'pino';
import { loadConfig, type ConfigOverrides } from '../config/index.js';
import { buildPlatform, type Platform } from '../main.js';
import { createTestDatabase, DIALECTS } from '../store/test-support/stores.js';
import type { DialectName } from '../store/index.js';
import type { Clock } from '../lib/clock.js';

export { DIALECTS };

/**
 * The whole platform on a fresh database of `dialect` (SQLite file or a new PostgreSQL database)
 * with its own artifact folder. `dispose()` closes it and drops the database.
 */
export async function createTestPlatform(dialect: DialectName, opts: { clock?: Clock; config?: ConfigOverrides } = {}): Promise<Platform & { dispose(): Promise<void> }> {
  const db = await createTestDatabase(dialect);
  // The platform's own rollout controller, monitor and alert schedulers stay out of the way (an
  // hour between ticks): tests that step them drive their own by hand.
  const config = loadConfig({ dataDir: db.dataDir, databaseUrl: db.url, port: 0, poolSize: 4, rolloutIntervalMs: 3_600_000, monitorIntervalMs: 3_600_000, alertIntervalMs: 3_600_000, ...opts.config }, {});
  const platform = await buildPlatform(config, { logger: pino({ level: process.env.FLYWHEEL_TEST_LOG ?? 'silent' }), ...(opts.clock ? { clock: opts.clock } : {}) });
  return Object.assign(platform, {
    async dispose() {
      await platform.close();
      await db.drop();
    },
  });
}
