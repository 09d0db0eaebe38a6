import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { DialectName } from '../../../store/index.js';
import { createTestStore } from '../../../store/test-support/stores.js';
import { createApp } from '../../../http/app.js';
import { PredictionsRepository, servingMigrations } from '../../serving/index.js';
import { AbService } from '../ab.service.js';
import { abRoutes } from '../ab.routes.js';
import { ActualsRepository } from '../actuals.repository.js';
import { ActualsService } from '../actuals.service.js';
import { feedbackMigrations } from '../feedback.migrations.js';
import { FeedbackRepository } from '../feedback.repository.js';
import { FeedbackService } from '../feedback.service.js';
import { monitoringMigrations } from '../monitoring.migrations.js';
import { PredictionsTableSource } from '../prediction-source.js';
import { ManualClock, predictionRows, type PredictionSpec } from './actuals-fixtures.js';

/** A prediction for the A/B tests: a spec of the actuals fixtures, optionally with its own first output. */
export type AbPrediction = PredictionSpec & { output?: { type: string; shape: number[]; data: unknown[] } };

/** Serving's prediction log, actuals, feedback and the A/B API over a fresh database (as main.ts would wire them). */
export async function createAbApp(dialect: DialectName) {
  const store = await createTestStore(dialect, [servingMigrations, monitoringMigrations, feedbackMigrations]);
  const clock = new ManualClock();
  const source = new PredictionsTableSource(store.db, store.dialect);
  const actuals = new ActualsService({ repo: new ActualsRepository(store.tables(), store.dialect), predictions: source, clock });
  const feedbackRepo = new FeedbackRepository(store.tables(), store.dialect);
  const feedback = new FeedbackService({ repo: feedbackRepo, clock });
  const ab = new AbService({ actuals, predictions: source, feedback: feedbackRepo, clock });
  const predictions = new PredictionsRepository(store.tables(), store.dialect);
  const app: FastifyInstance = await createApp({ logger: pino({ level: process.env.FLYWHEEL_TEST_LOG ?? 'silent' }), bodyLimitBytes: 64 * 1024 * 1024, version: 'test', readinessChecks: {} });
  await app.register(async (scope) => abRoutes(scope, { feedback, ab }));
  await app.ready();
  return {
    store, clock, app, actuals, feedback, feedbackRepo, ab,
    /** Logs predictions through serving's own repository (the real prediction log). */
    logPredictions: (specs: readonly AbPrediction[]) =>
      predictions.insertBatch(predictionRows(specs).map((row, i) => {
        const out = specs[i]!.output;
        return out ? { ...row, outputs: JSON.stringify({ y: out }) } : row;
      })),
    async dispose() {
      await app.close();
      await store.dispose();
    },
  };
}
