import type { DialectName } from '../../../store/index.js';
import { createTestStore } from '../../../store/test-support/stores.js';
import { PredictionsRepository, servingMigrations } from '../../serving/index.js';
import { ActualsRepository } from '../actuals.repository.js';
import { ActualsService } from '../actuals.service.js';
import { monitoringMigrations } from '../monitoring.migrations.js';
import { PredictionsTableSource } from '../prediction-source.js';

/** A clock a test moves by hand. */
export class ManualClock {
  constructor(public t = 1_763_900_000_000) {}
  now(): number {
    return this.t;
  }
}

export interface PredictionSpec {
  id: string;
  deployment?: string;
  variant?: string;
  ts: number;
  /** P(class 1) written as the `probability` output. */
  p?: number;
  status?: number;
  modelVersion?: string;
}

/** Logged prediction rows in the prediction log's own format (via serving's repository). */
export function predictionRows(specs: readonly PredictionSpec[]) {
  return specs.map((s) => ({
    inference_id: s.id,
    deployment: s.deployment ?? 'churn',
    variant: s.variant ?? 'a',
    model_name: 'churn',
    model_version: s.modelVersion ?? '1',
    ts: s.ts,
    latency_us: 120,
    inputs: JSON.stringify({ x: { type: 'float32', shape: [1, 2], data: [0.5, 1.5] } }),
    outputs: (s.status ?? 0) === 0 ? JSON.stringify({ probability: { type: 'float32', shape: [1], data: [s.p ?? 0.5] } }) : 'null',
    status: s.status ?? 0,
  }));
}

/** A fresh database with serving's and monitoring's tables, the actuals service over it, and serving's log repository to add predictions. */
export async function createActualsFixture(dialect: DialectName) {
  const store = await createTestStore(dialect, [servingMigrations, monitoringMigrations]);
  const clock = new ManualClock();
  const repo = new ActualsRepository(store.tables(), store.dialect);
  const predictions = new PredictionsRepository(store.tables(), store.dialect);
  const service = new ActualsService({ repo, predictions: new PredictionsTableSource(store.db, store.dialect), clock });
  return {
    store,
    clock,
    repo,
    service,
    predictions,
    logPredictions: (specs: readonly PredictionSpec[]) => predictions.insertBatch(predictionRows(specs)),
    dispose: () => store.dispose(),
  };
}
