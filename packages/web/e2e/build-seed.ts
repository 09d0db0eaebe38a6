import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { logisticModel } from '../../server/src/domains/serving/test-support/serving-models.js';
import type { UiServer } from './harness.js';

/** A 1×1 PNG (a blue pixel): enough for the browser to decode an image artifact. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const CUSTOMERS_CSV = ['customer_id,age,plan,monthly_spend,churned']
  .concat(Array.from({ length: 60 }, (_, i) => `${i + 1},${20 + ((i * 7) % 50)},${['basic', 'pro', 'team'][i % 3]},${(10 + ((i * 13) % 90)).toFixed(2)},${i % 4 === 0 ? 'yes' : 'no'}`))
  .join('\n');

export interface BuildSeed {
  experimentId: string;
  runs: Record<'baseline' | 'tuned' | 'wide', string>;
  model: { name: string; version: string };
  dataset: { name: string; version: number };
  pipelineRunId: string;
}

/** Where the server's artifact store keeps a run's files (its artifact URI without the proxy scheme). */
export function storePath(artifactUri: string): string {
  assert.match(artifactUri, /^mlflow-artifacts:\//, 'runs of the test platform store artifacts behind the proxy');
  return artifactUri.replace(/^mlflow-artifacts:\/+/, '');
}

/**
 * What the Build pages show, seeded once per server through the platform's services as a user's
 * client would leave it: an experiment with three finished runs (params, a 100-step loss curve,
 * artifacts), a profiled dataset the tuned run trained on, an ONNX model version registered from
 * that run and deployed, and a two-step pipeline run that printed to its logs.
 */
export async function seedBuild(server: UiServer): Promise<BuildSeed> {
  const { tracking, registry, datasets, pipelines } = server.platform.services;
  const experimentId = await tracking.createExperiment({ name: 'churn-model' });
  const t0 = Date.UTC(2026, 10, 20, 9, 0, 0);
  const specs = [
    { name: 'baseline', lr: '0.1', model: 'logreg', depth: '1', floor: 0.42, acc: 0.81 },
    { name: 'tuned', lr: '0.01', model: 'xgb', depth: '6', floor: 0.21, acc: 0.9 },
    { name: 'wide', lr: '0.05', model: 'xgb', depth: '10', floor: 0.3, acc: 0.86 },
  ] as const;
  const runs = {} as BuildSeed['runs'];
  for (const [i, s] of specs.entries()) {
    const run = await tracking.createRun({ experimentId, runName: s.name, userId: 'ada', startTime: t0 + i * 60_000 });
    const id = run.info.runId;
    runs[s.name] = id;
    const loss = Array.from({ length: 100 }, (_, step) => ({ key: 'loss', value: s.floor + (1 - s.floor) * Math.exp(-step / (8 + i * 4)), timestamp: t0 + step * 1000, step }));
    await tracking.logBatch({
      runId: id,
      params: [{ key: 'lr', value: s.lr }, { key: 'model', value: s.model }, { key: 'max_depth', value: s.depth }],
      metrics: [...loss, { key: 'accuracy', value: s.acc, timestamp: t0 + 100_000, step: 99 }],
      tags: [{ key: 'team', value: 'growth' }],
    });
    await tracking.updateRun({ runId: id, status: 'FINISHED', endTime: t0 + i * 60_000 + 125_000 });
    const root = storePath(run.info.artifactUri);
    await server.platform.artifacts.put(`${root}/notes.txt`, Buffer.from(`Run ${s.name}: trained ${s.model} with lr=${s.lr}.\n`));
    await server.platform.artifacts.put(`${root}/eval/confusion.csv`, Buffer.from('label,predicted_no,predicted_yes\nno,412,38\nyes,29,121\n'));
    await server.platform.artifacts.put(`${root}/eval/roc.png`, PNG);
  }

  const registered = await datasets.registerVersion({ name: 'customers', file: { buffer: Buffer.from(CUSTOMERS_CSV), filename: 'customers.csv' }, createdBy: 'ada' });
  const dv = registered.version;
  await tracking.logInputs(runs.tuned, [
    { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'customers', digest: dv.contentHash!.slice(0, 36), sourceType: 'flywheel', source: `flywheel-datasets:/customers/${dv.version}` } },
  ]);

  await registry.createRegisteredModel({ name: 'churn' });
  const tuned = await tracking.getRun(runs.tuned);
  await server.platform.artifacts.put(`${storePath(tuned.info.artifactUri)}/model/model.onnx`, Buffer.from(logisticModel()));
  const mv = await registry.createModelVersion({ name: 'churn', source: `${tuned.info.artifactUri}/model`, runId: runs.tuned });
  await server.platform.services.deployments.create({ name: 'churn-live', config: { variants: [{ name: 'a', model: { name: 'churn', version: mv.version }, role: 'primary', weight: 100 }] } });

  await pipelines.register({
    name: 'nightly',
    description: 'Prepare the customers table, then fit.',
    steps: [
      { name: 'prep', command: [process.execPath, '-e', "console.log('prepared 60 rows')"] },
      { name: 'fit', command: [process.execPath, '-e', "console.log('fitting'); console.error('warning: small data')"], dependsOn: ['prep'] },
    ],
  });
  const started = await pipelines.startRun('nightly');
  let state = started.state;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !['succeeded', 'failed', 'cancelled'].includes(state); await sleep(100)) {
    state = (await pipelines.getRun(started.id)).state;
  }
  assert.equal(state, 'succeeded', 'the seeded pipeline run finishes');

  return { experimentId, runs, model: { name: 'churn', version: mv.version }, dataset: { name: 'customers', version: dv.version }, pipelineRunId: started.id };
}

/**
 * An experiment of `count` runs written in bulk straight into the tracking tables (the service
 * would take a transaction per run: minutes instead of a second), each with two params and two
 * latest metrics as a hyper-parameter sweep leaves them.
 */
export async function seedManyRuns(server: UiServer, count: number): Promise<string> {
  const { tracking } = server.platform.services;
  const experimentId = await tracking.createExperiment({ name: 'sweep' });
  const exp = await tracking.getExperiment(experimentId);
  const t0 = Date.UTC(2026, 10, 1);
  const CHUNK = 500;
  await server.platform.store.transaction(async (trx) => {
    for (let base = 0; base < count; base += CHUNK) {
      const ids = Array.from({ length: Math.min(CHUNK, count - base) }, (_, k) => (base + k).toString(16).padStart(32, '0'));
      await trx.insertInto('runs').values(ids.map((id, k) => ({
        run_uuid: id, experiment_id: Number(experimentId), run_name: `trial-${base + k}`, user_id: 'sweeper', status: 'FINISHED',
        start_time: t0 + (base + k) * 1000, end_time: t0 + (base + k) * 1000 + 30_000, deleted_time: null,
        artifact_uri: `${exp.artifactLocation}/${id}/artifacts`, lifecycle_stage: 'active',
      }))).execute();
      await trx.insertInto('tags').values(ids.map((id, k) => ({ run_uuid: id, key: 'mlflow.runName', value: `trial-${base + k}` }))).execute();
      await trx.insertInto('params').values(ids.flatMap((id, k) => [
        { run_uuid: id, key: 'lr', value: String(((base + k) % 100) / 1000) },
        { run_uuid: id, key: 'layers', value: String(1 + ((base + k) % 8)) },
      ])).execute();
      const metric = (id: string, key: string, value: number) => ({ run_uuid: id, key, value, step: 0, timestamp: t0, is_nan: 0 });
      const points = ids.flatMap((id, k) => [metric(id, 'loss', 1 / (1 + ((base + k) % 97))), metric(id, 'accuracy', ((base + k) % 89) / 100)]);
      await trx.insertInto('metrics').values(points).execute();
      await trx.insertInto('latest_metrics').values(points).execute();
    }
  });
  return experimentId;
}

/** A run whose metric `loss` has `points` steps: the history a long training leaves. */
export async function seedLongHistory(server: UiServer, experimentId: string, points: number): Promise<string> {
  const run = await server.platform.services.tracking.createRun({ experimentId, runName: 'long-training', startTime: Date.UTC(2026, 10, 2) });
  const id = run.info.runId;
  const CHUNK = 5000;
  await server.platform.store.transaction(async (trx) => {
    for (let base = 0; base < points; base += CHUNK) {
      const rows = Array.from({ length: Math.min(CHUNK, points - base) }, (_, k) => {
        const step = base + k;
        return { run_uuid: id, key: 'loss', step, timestamp: Date.UTC(2026, 10, 2) + step, value: 0.2 + Math.exp(-step / 20000) + 0.05 * Math.sin(step / 500), is_nan: 0 };
      });
      await trx.insertInto('metrics').values(rows).execute();
    }
    const last = points - 1;
    await trx.insertInto('latest_metrics').values({ run_uuid: id, key: 'loss', step: last, timestamp: Date.UTC(2026, 10, 2) + last, value: 0.2 + Math.exp(-last / 20000) + 0.05 * Math.sin(last / 500), is_nan: 0 }).execute();
  });
  return id;
}
