import type { DialectName } from '../../../store/index.js';
import { createTestStore } from '../../../store/test-support/stores.js';
import { PredictionsRepository, servingMigrations } from '../../serving/index.js';
import { ActualsRepository } from '../actuals.repository.js';
import { ActualsService } from '../actuals.service.js';
import { monitoringMigrations } from '../monitoring.migrations.js';
import { alertsMigrations } from '../alerts.migrations.js';
import { PredictionsTableSource } from '../prediction-source.js';
import { LabelingRepository } from '../labeling.repository.js';
import { LabelingService } from '../labeling.service.js';
import { ManualClock, predictionRows, type PredictionSpec } from './actuals-fixtures.js';

/** A fresh database with serving's log, actuals and the labeling queue; services as main.ts wires them. */
export async function createLabelingFixture(dialect: DialectName) {
  const store = await createTestStore(dialect, [servingMigrations, monitoringMigrations, alertsMigrations]);
  const clock = new ManualClock();
  const source = new PredictionsTableSource(store.db, store.dialect);
  const actuals = new ActualsService({ repo: new ActualsRepository(store.tables(), store.dialect), predictions: source, clock });
  const labeling = new LabelingService({ repo: new LabelingRepository(store.tables(), store.dialect), predictions: source, actuals, clock });
  const log = new PredictionsRepository(store.tables(), store.dialect);
  return {
    store,
    clock,
    actuals,
    labeling,
    logPredictions: (specs: readonly PredictionSpec[]) => log.insertBatch(predictionRows(specs)),
    /** Multiclass: `probs` written as a [1, k] `probabilities` output. */
    logMulticlass: (specs: readonly (PredictionSpec & { probs: number[] })[]) =>
      log.insertBatch(predictionRows(specs).map((r, i) => ({ ...r, outputs: JSON.stringify({ probabilities: { type: 'float32', shape: [1, specs[i]!.probs.length], data: specs[i]!.probs } }) }))),
    dispose: () => store.dispose(),
  };
}
