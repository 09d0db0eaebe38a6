import { FlywheelClient, logisticRegressionOnnx } from '@flywheel/sdk';
import { trainLogistic } from './train.js';
import { FEATURES, shoppers, type Shopper } from './yarnit-data.js';

/** Orders as the demo writes them (the features, then `reordered`). */
export function fromCsv(text: string): Shopper[] {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const cols = head!.split(',');
  const idx = FEATURES.map((f) => cols.indexOf(f));
  const label = cols.indexOf('reordered');
  if (idx.some((i) => i < 0) || label < 0) throw new Error(`the dataset lacks columns: needs ${[...FEATURES, 'reordered'].join(', ')}; has ${cols.join(', ')}`);
  return lines.map((l) => {
    const v = l.split(',').map(Number);
    return { x: idx.map((i) => v[i]!), y: v[label] === 1 ? 1 : 0 };
  });
}

export interface RetrainResult {
  runId: string;
  version: string;
  auc: number;
}

/**
 * YarnIt's retraining step, as a pipeline runs it: recent orders (the new shoppers and the
 * returning ones), the same training code, logged into the step's own MLflow run
 * (`MLFLOW_RUN_ID`), exported to ONNX and registered as a new version of the model.
 */
export async function retrainYarnIt(o: { url: string; token?: string; runId?: string; model: string; seed?: number; dataset?: { name: string; version: number }; baselineRunId?: string }): Promise<RetrainResult> {
  const fw = new FlywheelClient({ url: o.url, ...(o.token ? { token: o.token } : {}) });
  const run = o.runId ? await fw.tracking.attachRun(o.runId) : await fw.tracking.startRun({ experiment: o.model, runName: 'retrained' });
  const seed = o.seed ?? 41;
  // The step's dataset input (the pipeline resolved `latest`), else freshly generated recent orders.
  const input = o.dataset ? await fw.http.request<Response>('GET', `/api/v1/datasets/${encodeURIComponent(o.dataset.name)}/versions/${o.dataset.version}/download`, { raw: true }) : undefined;
  const all = input ? fromCsv(await input.text()) : [...shoppers(2500, seed, { drift: true }), ...shoppers(2500, seed + 1)];
  // A fixed holdout: every fifth order.
  const recent = all.filter((_, i) => i % 5 !== 0);
  const valid = all.filter((_, i) => i % 5 === 0);
  await run.logParams({ algorithm: 'logistic_regression', epochs: 120, l2: 0.001, learning_rate: 0.5, data: o.dataset ? `${o.dataset.name}@${o.dataset.version}` : `generated (seed ${seed})`, rows: all.length });
  // The simpler model it must beat (the four-feature challenger): the ML Test Score's baseline comparison.
  await run.setTags({ role: 'retrained', ...(o.baselineRunId ? { 'flywheel.baseline_run_id': o.baselineRunId } : {}) });
  const m = trainLogistic(recent, valid, { epochs: 120, learningRate: 0.5, l2: 0.001, onEpoch: (e, x) => run.logMetrics({ train_loss: x.loss, val_auc: x.auc }, e) });
  run.logMetrics(m.metrics, 120);
  await run.logArtifact('model/model.onnx', logisticRegressionOnnx({ weights: m.weights, bias: m.bias, featureNames: [...FEATURES] }));
  await run.end();
  const mv = await fw.models.register(o.model, `${run.artifactUri}/model`, { runId: run.runId, description: `retrained after drift: logistic regression, AUC ${m.metrics.auc.toFixed(3)}` });
  return { runId: run.runId, version: mv.version, auc: m.metrics.auc };
}
