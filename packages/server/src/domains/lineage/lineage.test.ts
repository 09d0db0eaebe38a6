import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import type { Platform } from '../../main.js';
import { parseLineageRef, type LineageGraph } from './lineage.service.js';
import { logisticModel } from '../serving/test-support/serving-models.js';

const CSV = 'sku,price,colour\nA1,3.5,red\nA2,4.0,blue\nA3,,red\n';

test('lineage references parse, and bad ones name the expected forms', () => {
  assert.deepEqual(parseLineageRef('model:churn/3'), { kind: 'model_version', name: 'churn', version: '3' });
  assert.deepEqual(parseLineageRef('dataset:team/sales/latest'), { kind: 'dataset_version', name: 'team/sales', version: 'latest' });
  assert.deepEqual(parseLineageRef('run:abc'), { kind: 'run', runId: 'abc' });
  assert.deepEqual(parseLineageRef('deployment:churn-live'), { kind: 'deployment', name: 'churn-live' });
  for (const bad of ['churn/3', 'model:churn', 'model:/3', 'dataset:x/', 'thing:x/1']) {
    assert.throws(() => parseLineageRef(bad), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && e.message.includes(bad));
  }
});

for (const dialect of DIALECTS) {
  describe(`lineage on ${dialect}`, () => {
    let p: Platform & { dispose(): Promise<void> };
    before(async () => {
      p = await createTestPlatform(dialect);
    });
    after(async () => p.dispose());

    test('dataset version → run → model version, both ways, over the API', async () => {
      const { tracking, registry, datasets } = p.services;
      const { version: dv } = await datasets.registerVersion({ name: 'yarn-sales', file: { buffer: Buffer.from(CSV), filename: 'sales.csv' } });
      assert.ok(dv.contentHash);
      const other = await datasets.registerVersionFromUri({ name: 'weather', uri: 's3://lake/weather.parquet' });

      const run = await tracking.createRun({ tags: [{ key: 'mlflow.source.git.commit', value: 'c0ffee' }] });
      const runId = run.info.runId;
      // How a client logs a registered version: its hash (MLflow caps digests at 36 characters),
      // or its source URI; a third input is known only to MLflow.
      await tracking.logInputs(runId, [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'yarn-sales', digest: dv.contentHash!.slice(0, 36), sourceType: 'local', source: 'sales.csv' } },
        { tags: [], dataset: { name: 'weather', digest: 'deadbeef', sourceType: 's3', source: 's3://lake/weather.parquet' } },
        { tags: [], dataset: { name: 'adhoc', digest: '0badc0de', sourceType: 'code', source: 'notebook' } },
      ]);
      await registry.createRegisteredModel({ name: 'demand' });
      await registry.createModelVersion({ name: 'demand', source: `mlflow-artifacts:/0/${runId}/artifacts/model`, runId });
      // An unrelated run and model version must not show up.
      const unrelated = await tracking.createRun({});
      await registry.createModelVersion({ name: 'demand', source: 'x', runId: unrelated.info.runId });

      const lineage = async (ref: string, direction: string) => {
        const res = await p.app.inject({ method: 'GET', url: `/api/v1/lineage?ref=${encodeURIComponent(ref)}&direction=${direction}` });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as LineageGraph;
      };
      const edges = (g: LineageGraph) => g.edges.map((e) => `${e.from} -${e.relation}-> ${e.to}`).sort();

      const up = await lineage('model:demand/1', 'upstream');
      assert.equal(up.root, 'model_version:demand/1');
      assert.deepEqual(edges(up), [
        `dataset_input:adhoc@0badc0de -trained_on-> run:${runId}`,
        `dataset_version:weather/${other.version.version} -trained_on-> run:${runId}`,
        `dataset_version:yarn-sales/1 -trained_on-> run:${runId}`,
        `run:${runId} -registered_from-> model_version:demand/1`,
      ].sort());
      assert.equal(up.nodes.find((n) => n.kind === 'run')?.attributes.gitCommit, 'c0ffee');

      const down = await lineage('dataset:yarn-sales/latest', 'downstream');
      assert.deepEqual(edges(down), [
        `dataset_version:yarn-sales/1 -trained_on-> run:${runId}`,
        `run:${runId} -registered_from-> model_version:demand/1`,
      ]);
      const fromRun = await lineage(`run:${runId}`, 'downstream');
      assert.deepEqual(edges(fromRun), [`run:${runId} -registered_from-> model_version:demand/1`]);

      const missing = await p.app.inject({ method: 'GET', url: '/api/v1/lineage?ref=model:nope/1' });
      assert.equal(missing.statusCode, 404);
      const bad = await p.app.inject({ method: 'GET', url: '/api/v1/lineage?ref=nope:x/1' });
      assert.equal(bad.statusCode, 400);
      assert.match((bad.json() as { error: { message: string } }).error.message, /Invalid lineage reference 'nope:x\/1'/);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`lineage reaches deployments on ${dialect}`, () => {
    let p: Platform & { dispose(): Promise<void> };
    before(async () => {
      p = await createTestPlatform(dialect);
    });
    after(async () => p.dispose());

    test('dataset version → run → model version → deployment downstream, and a deployment upstream to its data', async () => {
      const { tracking, registry, datasets, deployments } = p.services;
      const { version: dv } = await datasets.registerVersion({ name: 'orders', file: { buffer: Buffer.from(CSV), filename: 'orders.csv' } });
      const run = await tracking.createRun({});
      const runId = run.info.runId;
      await tracking.logInputs(runId, [{ tags: [], dataset: { name: 'orders', digest: dv.contentHash!.slice(0, 36), sourceType: 'local', source: 'orders.csv' } }]);
      await p.artifacts.put(`0/${runId}/artifacts/model/model.onnx`, Buffer.from(logisticModel()));
      await registry.createRegisteredModel({ name: 'reorder' });
      await registry.createModelVersion({ name: 'reorder', source: `mlflow-artifacts:/0/${runId}/artifacts/model`, runId });
      await deployments.create({ name: 'reorder-live', config: { variants: [{ name: 'a', role: 'primary', weight: 100, model: { name: 'reorder', version: '1' } }] } });
      const lineage = async (ref: string, direction: string) => {
        const res = await p.app.inject({ method: 'GET', url: `/api/v1/lineage?ref=${encodeURIComponent(ref)}&direction=${direction}` });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as LineageGraph;
      };
      const edges = (g: LineageGraph) => g.edges.map((e) => `${e.from} -${e.relation}-> ${e.to}`).sort();
      const down = await lineage('dataset:orders/1', 'downstream');
      assert.deepEqual(edges(down), [
        `dataset_version:orders/1 -trained_on-> run:${runId}`,
        'model_version:reorder/1 -deployed_as-> deployment:reorder-live',
        `run:${runId} -registered_from-> model_version:reorder/1`,
      ]);
      const fromModel = await lineage('model:reorder/1', 'downstream');
      assert.deepEqual(edges(fromModel), ['model_version:reorder/1 -deployed_as-> deployment:reorder-live']);
      const up = await lineage('deployment:reorder-live', 'upstream');
      assert.equal(up.root, 'deployment:reorder-live');
      assert.deepEqual(edges(up), [
        `dataset_version:orders/1 -trained_on-> run:${runId}`,
        'model_version:reorder/1 -deployed_as-> deployment:reorder-live',
        `run:${runId} -registered_from-> model_version:reorder/1`,
      ]);
      const missing = await p.app.inject({ method: 'GET', url: '/api/v1/lineage?ref=deployment:nope&direction=upstream' });
      assert.equal(missing.statusCode, 404);
    });
  });
}
