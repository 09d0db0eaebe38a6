import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform } from '../../../test-support/platform.js';
import { migrateToLatest, type DialectName } from '../../../store/index.js';
import { createApp } from '../../../http/app.js';
import { MIGRATIONS } from '../../../main.js';
import { registerAuth } from '../../../http/auth.js';
import type { Clock } from '../../../lib/clock.js';
import { BudgetsService, PoliciesRepository, PoliciesService, PolicyGate, policiesMigrations, policiesRoutes } from '../index.js';

/**
 * The whole platform with policies and budgets attached as main.ts would (README.md, "Wiring"):
 * the gate on the registry and tracking services, the routes on an app of their own because the
 * platform's app is sealed once built.
 */
export async function createPoliciesPlatform(dialect: DialectName, clock?: Clock) {
  const p = await createTestPlatform(dialect, clock ? { clock } : {});
  const time = clock ?? { now: () => Date.now() };
  // Kysely checks the whole history: the platform's migrations and then this domain's.
  await migrateToLatest(p.store, [...MIGRATIONS, policiesMigrations]);
  const repo = new PoliciesRepository(p.store.tables());
  const policies = new PoliciesService({ repo, clock: time, audit: p.services.audit });
  const budgets = new BudgetsService({ repo, clock: time, audit: p.services.audit });
  const gate = new PolicyGate({ policies, budgets });
  p.services.registry.setActionGate(gate);
  p.services.tracking.setActionGate(gate);
  const api: FastifyInstance = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1 << 20, version: 'test', readinessChecks: {} });
  // The platform's own caller resolution (anonymous callers: full, as on loopback).
  registerAuth(api, { org: p.services.org, anonymous: 'full', clock: time });
  await api.register(async (scope) => policiesRoutes(scope, { policies, budgets }));
  await api.ready();
  return Object.assign(p, {
    policies,
    budgets,
    api,
    async disposeAll() {
      await api.close();
      await p.dispose();
    },
  });
}
