import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { systemClock } from '../../lib/clock.js';
import { DeploymentsService } from './deployments.service.js';
import { ServingRepository } from './serving.repository.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import { LOGISTIC_B, LOGISTIC_W, logisticJs, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const MODELS = { '1': { w: LOGISTIC_W, b: LOGISTIC_B }, '2': { w: LOGISTIC_W.map((x) => -x), b: 0.4 } } as const;
const row = Array.from({ length: 10 }, (_, c) => (c % 4) / 3 - 0.5);
const variant = (name: string, version: string, weight = 100, role = 'primary') => ({ name, model: { name: 'churn', version }, role, weight });

/** One gateway process's view: its own runtime and routing tables over the shared store. */
function replica(platform: TestPlatform) {
  const runtime = new OnnxModelRuntime();
  const deployments = new DeploymentsService({ repo: new ServingRepository(platform.store.tables(), platform.store.dialect), registry: platform.services.registry, artifacts: platform.artifacts, runtime, clock: systemClock });
  return {
    deployments,
    /** The version the variant answers with, told apart by the model's numbers. */
    async versionOf(name: string, v: string): Promise<string> {
      const { variant: live } = deployments.route(name, { variant: v });
      const out = await live.loaded.run({ x: { type: 'float32', shape: [1, 10], data: Float32Array.from(row) } });
      const p = (out.p!.data as Float32Array)[0]!;
      const match = Object.entries(MODELS).find(([, m]) => Math.abs(p - logisticJs(row, m.w, m.b)) < 1e-5);
      assert.ok(match, `output ${p} is no known version`);
      return match[0];
    },
    async close() {
      await deployments.close();
      await runtime.close();
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`DeploymentsService.refresh across replicas (${dialect})`, () => {
    let platform: TestPlatform;
    let a: ReturnType<typeof replica>;
    let b: ReturnType<typeof replica>;

    before(async () => {
      platform = await createTestPlatform(dialect);
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      for (const [v, m] of Object.entries(MODELS)) {
        await platform.artifacts.put(`0/r${v}/artifacts/model/model.onnx`, Buffer.from(logisticModel(m.w, m.b)));
        await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/r${v}/artifacts/model` });
      }
      a = replica(platform);
      b = replica(platform);
      await a.deployments.start();
      await b.deployments.start();
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await platform?.dispose();
    });

    test('a deployment created, updated, rolled back and deleted through one replica is served so by the other after refresh()', async () => {
      await a.deployments.create({ name: 'shared', config: { variants: [variant('main', '1')] } });
      assert.throws(() => b.deployments.table('shared'), (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND');
      await b.deployments.refresh();
      assert.equal(await b.versionOf('shared', 'main'), '1');
      assert.equal(b.deployments.table('shared').revision, 1);

      await a.deployments.update('shared', { variants: [variant('main', '2', 90), variant('side', '1', 10, 'canary')] });
      assert.equal(await b.versionOf('shared', 'main'), '1', 'not before refresh');
      await b.deployments.refresh();
      assert.equal(b.deployments.table('shared').revision, 2);
      assert.equal(await b.versionOf('shared', 'main'), '2');
      assert.equal(await b.versionOf('shared', 'side'), '1');
      assert.deepEqual(b.deployments.table('shared').routed.map((v) => [v.name, v.weight]), [['main', 90], ['side', 10]]);

      // A change made by the other replica is picked up the other way round too.
      await b.deployments.rollback('shared');
      await a.deployments.refresh();
      assert.equal(a.deployments.table('shared').revision, 3);
      assert.equal(await a.versionOf('shared', 'main'), '1');
      assert.throws(() => a.deployments.route('shared', { variant: 'side' }), /no variant 'side'/);

      // Nothing changed: refresh keeps the very same table (no reload).
      const same = a.deployments.table('shared');
      await a.deployments.refresh();
      assert.equal(a.deployments.table('shared'), same);

      await a.deployments.delete('shared');
      await b.deployments.refresh();
      assert.throws(() => b.deployments.table('shared'), (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND');
      assert.equal(b.deployments.isReady('shared'), undefined);
    });

    test('requests keep being answered on a replica while refresh() swaps its table', async () => {
      await a.deployments.create({ name: 'busy', config: { variants: [variant('main', '1')] } });
      await b.deployments.refresh();
      let done = false;
      const seen = new Set<string>();
      let failures = 0;
      const worker = async () => {
        while (!done) {
          try {
            seen.add(await b.versionOf('busy', 'main'));
          } catch {
            failures++;
          }
          await new Promise((r) => setImmediate(r));
        }
      };
      const workers = Array.from({ length: 4 }, worker);
      await a.deployments.update('busy', { variants: [variant('main', '2')] });
      await b.deployments.refresh();
      await new Promise((r) => setTimeout(r, 20));
      done = true;
      await Promise.all(workers);
      assert.equal(failures, 0);
      assert.deepEqual(seen, new Set(['1', '2']));
    });
    test('a deployment another replica just created is loaded on the first request for it; changes are announced', async () => {
      const announced: string[] = [];
      a.deployments.onChange((name) => announced.push(name));
      await a.deployments.create({ name: 'fresh', config: { variants: [variant('main', '2')] } });
      assert.deepEqual(announced, ['fresh']);
      assert.throws(() => b.deployments.table('fresh'), (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND', 'not served before a refresh or a request');
      const table = await b.deployments.tableOrLoad('fresh');
      assert.equal(table.revision, 1);
      assert.equal(await b.versionOf('fresh', 'main'), '2');
      await assert.rejects(b.deployments.tableOrLoad('never-made'), (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND');
      await a.deployments.update('fresh', { variants: [variant('main', '1')] });
      await a.deployments.delete('fresh');
      assert.deepEqual(announced, ['fresh', 'fresh', 'fresh']);
    });
  });
}
