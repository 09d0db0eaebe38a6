import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { DialectName } from '../../../store/index.js';
import { createApp } from '../../../http/app.js';
import { monitoringRoutes } from '../monitoring.routes.js';
import { createActualsFixture } from './actuals-fixtures.js';

/** The actuals API over a fresh database, in its own Fastify app (as main.ts would register it). */
export async function createActualsApp(dialect: DialectName): Promise<Awaited<ReturnType<typeof createActualsFixture>> & { app: FastifyInstance }> {
  const f = await createActualsFixture(dialect);
  const app = await createApp({ logger: pino({ level: process.env.FLYWHEEL_TEST_LOG ?? 'silent' }), bodyLimitBytes: 64 * 1024 * 1024, version: 'test', readinessChecks: {} });
  await app.register(async (scope) => monitoringRoutes(scope, { actuals: f.service }));
  await app.ready();
  const disposeStore = f.dispose;
  return Object.assign(f, {
    app,
    async dispose() {
      await app.close();
      await disposeStore();
    },
  });
}
