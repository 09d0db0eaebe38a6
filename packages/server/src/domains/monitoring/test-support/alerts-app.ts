import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { DialectName } from '../../../store/index.js';
import { createTestStore } from '../../../store/test-support/stores.js';
import { createApp } from '../../../http/app.js';
import { PredictionsRepository, servingMigrations } from '../../serving/index.js';
import { ActualsRepository } from '../actuals.repository.js';
import { ActualsService } from '../actuals.service.js';
import { monitoringMigrations } from '../monitoring.migrations.js';
import { PredictionsTableSource } from '../prediction-source.js';
import { alertsMigrations } from '../alerts.migrations.js';
import { AlertsRepository } from '../alerts.repository.js';
import { AlertsService } from '../alerts.service.js';
import { WebhooksService } from '../webhooks.service.js';
import { WebhookNotifier } from '../webhook-notifier.js';
import { LabelingRepository } from '../labeling.repository.js';
import { LabelingService } from '../labeling.service.js';
import { alertsRoutes } from '../alerts.routes.js';
import { labelingRoutes } from '../labeling.routes.js';
import { FunctionAlertAction } from '../alert-actions.js';
import { ManualClock, predictionRows, type PredictionSpec } from './actuals-fixtures.js';
import { InMemoryMetricSeries } from './alerts-fixtures.js';

/** The alerts, webhooks and labeling API over a fresh database, wired as main.ts would (a manual clock, an in-memory metric series). */
export async function createAlertsApp(dialect: DialectName): Promise<{
  app: FastifyInstance; clock: ManualClock; metrics: InMemoryMetricSeries; actuals: ActualsService; notifier: WebhookNotifier; rollbacks: string[];
  logPredictions(specs: readonly PredictionSpec[]): Promise<unknown>; dispose(): Promise<void>;
}> {
  const store = await createTestStore(dialect, [servingMigrations, monitoringMigrations, alertsMigrations]);
  const clock = new ManualClock();
  const metrics = new InMemoryMetricSeries();
  const source = new PredictionsTableSource(store.db, store.dialect);
  const actuals = new ActualsService({ repo: new ActualsRepository(store.tables(), store.dialect), predictions: source, clock });
  const alertsRepo = new AlertsRepository(store.tables(), store.dialect);
  const rollbacks: string[] = [];
  const alerts = new AlertsService({
    repo: alertsRepo, metrics, clock,
    actions: [new FunctionAlertAction('rollback_canary', async (_f, params) => {
      rollbacks.push(String(params.deployment));
      return { ok: true, message: `rolled ${String(params.deployment)} back` };
    })],
  });
  const webhooks = new WebhooksService({ repo: alertsRepo, clock });
  const notifier = new WebhookNotifier({ repo: alertsRepo, clock, policy: { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 3 } });
  const labeling = new LabelingService({ repo: new LabelingRepository(store.tables(), store.dialect), predictions: source, actuals, clock });
  const app = await createApp({ logger: pino({ level: process.env.FLYWHEEL_TEST_LOG ?? 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
  await app.register(async (scope) => alertsRoutes(scope, { alerts, webhooks }));
  await app.register(async (scope) => labelingRoutes(scope, { labeling }));
  await app.ready();
  const log = new PredictionsRepository(store.tables(), store.dialect);
  return {
    app, clock, metrics, actuals, notifier, rollbacks,
    logPredictions: (specs) => log.insertBatch(predictionRows(specs)),
    async dispose() {
      await app.close();
      await store.dispose();
    },
  };
}
