import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { MIGRATIONS } from '../../main.js';
import { migrateToLatest } from '../../store/index.js';
import { createApp } from '../../http/app.js';
import { systemClock } from '../../lib/clock.js';
import { DeploymentsService } from './deployments.service.js';
import { ServingRepository } from './serving.repository.js';
import { servingMigrations } from './serving.migrations.js';
import { servingRoutes } from './serving.routes.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import { LOGISTIC_B, LOGISTIC_W, logisticJs, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

/** Weights of the registry's versions 1, 2 and 4 (3 has no ONNX file). */
const MODELS: Record<string, { w: number[]; b: number }> = {
  '1': { w: LOGISTIC_W, b: LOGISTIC_B },
  '2': { w: LOGISTIC_W.map((x) => -x), b: 0.4 },
  '4': { w: LOGISTIC_W.map((x, i) => x * 0.5 + i * 0.01), b: -0.1 },
};
const rows = Array.from({ length: 5 }, (_, r) => Array.from({ length: 10 }, (_, c) => ((r * 7 + c * 3) % 11) / 5 - 1));
const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
const expected = (version: string, row: number[]) => logisticJs(row, MODELS[version]!.w, MODELS[version]!.b);
const close = (got: unknown[], version: string) =>
  got.forEach((p, i) => assert.ok(Math.abs(Number(Array.isArray(p) ? p[0] : p) - expected(version, rows[i]!)) < 1e-5, `row ${i}: ${String(p)} vs v${version}`));

const variant = (name: string, version: string, weight: number, role = 'primary') => ({ name, model: { name: 'churn', version }, role, weight });
const infer = (app: FastifyInstance, name: string, headers: Record<string, string> = {}, body: unknown = { inputs: [{ name: 'x', shape: [rows.length, 10], datatype: 'FP32', data: rows }] }) =>
  app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers, payload: body as object });

/** The serving pieces over a test platform's store, artifacts and registry, as main.ts wires them. */
async function harness(platform: TestPlatform) {
  const runtime = new OnnxModelRuntime();
  const deployments = new DeploymentsService({
    repo: new ServingRepository(platform.store.tables(), platform.store.dialect),
    registry: platform.services.registry,
    artifacts: platform.artifacts,
    runtime,
    clock: systemClock,
  });
  await deployments.start();
  const app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 8 * 1024 * 1024, version: 'test', readinessChecks: {} });
  await app.register(async (scope) => servingRoutes(scope, { deployments }));
  await app.ready();
  return {
    app,
    deployments,
    async close() {
      await app.close();
      await deployments.close();
      await runtime.close();
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`serving gateway (${dialect})`, () => {
    let platform: TestPlatform;
    let h: Awaited<ReturnType<typeof harness>>;
    let app: FastifyInstance;

    before(async () => {
      platform = await createTestPlatform(dialect);
      await migrateToLatest(platform.store, MIGRATIONS.includes(servingMigrations) ? MIGRATIONS : [...MIGRATIONS, servingMigrations]);
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      for (const v of ['1', '2', '3', '4']) {
        const m = MODELS[v];
        if (m) await platform.artifacts.put(`0/run${v}/artifacts/model/model.onnx`, Buffer.from(logisticModel(m.w, m.b)));
        else await platform.artifacts.put(`0/run${v}/artifacts/model/README.txt`, 'no model here');
        const mv = await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/run${v}/artifacts/model` });
        assert.equal(mv.version, v);
      }
      h = await harness(platform);
      app = h.app;
    });
    after(async () => {
      await h?.close();
      await platform?.dispose();
    });

    test('create a 50/50 deployment; list and get it', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'churn-ab', config: { variants: [variant('a', '1', 50), variant('b', '2', 50, 'canary')] } } });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().revision, 1);
      assert.equal((await app.inject({ url: '/api/v1/deployments' })).json().deployments.length, 1);
      const got = (await app.inject({ url: '/api/v1/deployments/churn-ab' })).json();
      assert.deepEqual(got.config.variants.map((v: { name: string }) => v.name), ['a', 'b']);
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'churn-ab', config: { variants: [variant('a', '1', 100)] } } })).statusCode, 409);
    });

    test('OIP infer: correct numbers, names the variant, carries the inference id', async () => {
      const res = await infer(app, 'churn-ab', {}, { id: 'req-1', inputs: [{ name: 'x', shape: [rows.length, 10], datatype: 'FP32', data: rows }] });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      const v = body.parameters.variant as string;
      assert.ok(v === 'a' || v === 'b');
      assert.equal(res.headers['x-flywheel-variant'], v);
      assert.equal(res.headers['x-flywheel-inference-id'], 'req-1');
      assert.equal(body.id, 'req-1');
      assert.equal(body.model_name, 'churn-ab');
      assert.equal(body.model_version, v === 'a' ? '1' : '2');
      assert.deepEqual(body.outputs[0].shape, [rows.length, 1]);
      close(body.outputs[0].data, body.model_version);
      const anon = await infer(app, 'churn-ab');
      assert.match(String(anon.headers['x-flywheel-inference-id']), /^[0-9a-f-]{36}$/);
    });

    test('sticky routing: 20 keys × 10 requests each stay on one variant; 50/50 → 80/20 moves keys only from the shrinking variant', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `customer-${i}`);
      const assign = async () => {
        const seen = new Map<string, string>();
        for (let i = 0; i < 200; i++) {
          const key = keys[i % keys.length]!;
          const res = await infer(app, 'churn-ab', { 'x-flywheel-routing-key': key });
          assert.equal(res.statusCode, 200);
          const v = res.headers['x-flywheel-variant'] as string;
          assert.equal(v, res.json().parameters.variant);
          if (seen.has(key)) assert.equal(v, seen.get(key), `key ${key} switched variants`);
          seen.set(key, v);
        }
        return seen;
      };
      const first = await assign();
      assert.deepEqual(new Set(first.values()), new Set(['a', 'b']), 'both variants serve');
      const put = await app.inject({ method: 'PUT', url: '/api/v1/deployments/churn-ab', payload: { config: { variants: [variant('a', '1', 80), variant('b', '2', 20, 'canary')] } } });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal(put.json().revision, 2);
      const second = await assign();
      for (const [key, v] of first) if (v === 'a') assert.equal(second.get(key), 'a', `key ${key} moved away from the growing variant`);
      // A configured routing-key header works as well as the default one.
      await app.inject({ method: 'PUT', url: '/api/v1/deployments/churn-ab', payload: { config: { variants: [variant('a', '1', 80), variant('b', '2', 20, 'canary')], routingKey: { header: 'X-Customer' } } } });
      for (const key of keys.slice(0, 5)) {
        const res = await infer(app, 'churn-ab', { 'x-customer': key });
        assert.equal(res.headers['x-flywheel-variant'], second.get(key));
      }
    });

    test('explicit variant header; an unknown variant is 400', async () => {
      for (const v of ['a', 'b', 'b', 'a']) {
        const res = await infer(app, 'churn-ab', { 'x-flywheel-variant': v });
        assert.equal(res.headers['x-flywheel-variant'], v);
        close(res.json().outputs[0].data, v === 'a' ? '1' : '2');
      }
      const bad = await infer(app, 'churn-ab', { 'x-flywheel-variant': 'zzz' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error, /no variant 'zzz'/);
    });

    test('MLflow invocations: dataframe_split, dataframe_records, instances, inputs, CSV; ping and version', async () => {
      const bodies: [string, string][] = [
        ['application/json', JSON.stringify({ dataframe_split: { columns: features, data: rows } })],
        ['application/json', JSON.stringify({ dataframe_records: rows.map((r) => Object.fromEntries(r.map((v, i) => [features[i], v]))) })],
        ['application/json', JSON.stringify({ instances: rows })],
        ['application/json', JSON.stringify({ inputs: { x: rows } })],
        ['text/csv', [features.join(','), ...rows.map((r) => r.join(','))].join('\n')],
      ];
      for (const [type, payload] of bodies) {
        const res = await app.inject({ method: 'POST', url: '/deployments/churn-ab/invocations', headers: { 'content-type': type, 'x-flywheel-variant': 'b' }, payload });
        assert.equal(res.statusCode, 200, `${payload.slice(0, 30)}: ${res.body}`);
        assert.equal(res.headers['x-flywheel-variant'], 'b');
        assert.ok(res.headers['x-flywheel-inference-id']);
        close(res.json().predictions, '2');
      }
      assert.equal((await app.inject({ url: '/deployments/churn-ab/ping' })).statusCode, 200);
      const version = (await app.inject({ url: '/deployments/churn-ab/version' })).json();
      assert.equal(version.deployment, 'churn-ab');
      assert.deepEqual(version.variants.map((v: { model: { version: string } }) => v.model.version), ['1', '2']);
    });

    test('OIP metadata, readiness and health', async () => {
      assert.deepEqual((await app.inject({ url: '/v2/health/live' })).json(), { live: true });
      assert.equal((await app.inject({ url: '/v2/health/ready' })).statusCode, 200);
      const meta = (await app.inject({ url: '/v2/models/churn-ab' })).json();
      assert.deepEqual(meta, {
        name: 'churn-ab',
        versions: ['1', '2'],
        platform: 'onnxruntime',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 10] }],
        outputs: [{ name: 'p', datatype: 'FP32', shape: [-1, 1] }],
      });
      assert.deepEqual((await app.inject({ url: '/v2/models/churn-ab/ready' })).json(), { name: 'churn-ab', ready: true });
      assert.equal((await app.inject({ url: '/v2/models/nope/ready' })).statusCode, 404);
    });

    test('errors: unknown deployment 404, wrong shape 400 naming the input, malformed JSON 400', async () => {
      const missing = await infer(app, 'nope');
      assert.equal(missing.statusCode, 404);
      assert.match(missing.json().error, /Deployment 'nope' does not exist/);
      assert.equal((await app.inject({ url: '/v2/models/nope' })).statusCode, 404);
      const inv = await app.inject({ method: 'POST', url: '/deployments/nope/invocations', payload: { instances: rows } });
      assert.equal(inv.statusCode, 404);
      assert.equal(inv.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
      const shape = await infer(app, 'churn-ab', {}, { inputs: [{ name: 'x', shape: [1, 9], datatype: 'FP32', data: new Array(9).fill(0) }] });
      assert.equal(shape.statusCode, 400);
      assert.match(shape.json().error, /input 'x': expected shape \[batch, 10\], got \[1, 9\]/);
      const width = await app.inject({ method: 'POST', url: '/deployments/churn-ab/invocations', payload: { instances: [[1, 2, 3]] } });
      assert.equal(width.statusCode, 400);
      assert.equal(width.json().error_code, 'BAD_REQUEST');
      for (const url of ['/v2/models/churn-ab/infer', '/deployments/churn-ab/invocations']) {
        const bad = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"inputs": [' });
        assert.equal(bad.statusCode, 400, url);
        assert.match(JSON.stringify(bad.json()), /Malformed JSON/);
      }
    });

    test('bad configs are 400 naming the field or the variant', async () => {
      const create = (config: unknown) => app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'bad', config } });
      const cases: [unknown, RegExp][] = [
        [{ variants: [variant('a', '1', 50), variant('b', '2', 40)] }, /sum to 90, not 100/],
        [{ variants: [variant('a', '1', 50), variant('a', '2', 50)] }, /variants\[1\]\.name: variant 'a' is named twice/],
        [{ variants: [variant('a', '1', 100, 'canary')] }, /at least one variant with role 'primary'/],
        [{ variants: [variant('a', '1', 150)] }, /weight/],
        [{ variants: [variant('a', '1', 50), variant('nofile', '3', 50)] }, /variant 'nofile' \(model 'churn' version 3\): no ONNX file/],
        [{ variants: [variant('a', '1', 50), variant('ghost', '99', 50)] }, /variant 'ghost'/],
        [{ variants: [] }, /variants/],
      ];
      for (const [config, message] of cases) {
        const res = await create(config);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, message);
      }
      assert.equal((await app.inject({ url: '/api/v1/deployments/bad' })).statusCode, 404);
    });

    test('update under load: every request is answered 200 while traffic switches to a new version', async () => {
      let done = false;
      const statuses: number[] = [];
      const versions = new Set<string>();
      const worker = async () => {
        while (!done) {
          const res = await infer(app, 'churn-ab', { 'x-flywheel-variant': 'a' });
          statuses.push(res.statusCode);
          if (res.statusCode === 200) versions.add(res.json().model_version as string);
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      await new Promise((r) => setTimeout(r, 30));
      const put = await app.inject({ method: 'PUT', url: '/api/v1/deployments/churn-ab', payload: { config: { variants: [variant('a', '4', 80), variant('b', '2', 20, 'canary')] } } });
      assert.equal(put.statusCode, 200, put.body);
      await new Promise((r) => setTimeout(r, 30));
      done = true;
      await Promise.all(workers);
      assert.ok(statuses.length > 20, `only ${statuses.length} requests`);
      assert.deepEqual(statuses.filter((s) => s !== 200), []);
      assert.deepEqual(versions, new Set(['1', '4']));
      close((await infer(app, 'churn-ab', { 'x-flywheel-variant': 'a' })).json().outputs[0].data, '4');
    });

    test('rollback re-activates the previous revision as a new one; revisions are kept', async () => {
      const before = (await app.inject({ url: '/api/v1/deployments/churn-ab' })).json();
      const revs = (await app.inject({ url: '/api/v1/deployments/churn-ab/revisions' })).json().revisions;
      const previous = revs.find((r: { revision: number }) => r.revision === before.revision - 1);
      const res = await app.inject({ method: 'POST', url: '/api/v1/deployments/churn-ab/rollback' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().revision, before.revision + 1);
      assert.deepEqual(res.json().config, previous.config);
      close((await infer(app, 'churn-ab', { 'x-flywheel-variant': 'a' })).json().outputs[0].data, '1');
      assert.equal((await app.inject({ url: '/api/v1/deployments/churn-ab/revisions' })).json().revisions.length, before.revision + 1);
    });

    test('a new service over the same database rebuilds the routing tables at start', async () => {
      const second = await harness(platform);
      try {
        const res = await infer(second.app, 'churn-ab', { 'x-flywheel-variant': 'b' });
        assert.equal(res.statusCode, 200);
        close(res.json().outputs[0].data, '2');
      } finally {
        await second.close();
      }
    });

    test('delete unloads the deployment; rollback without history is 409', async () => {
      await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'solo', config: { variants: [variant('only', '1', 100)] } } });
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/deployments/solo/rollback' })).statusCode, 409);
      assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/deployments/solo' })).statusCode, 204);
      assert.equal((await infer(app, 'solo')).statusCode, 404);
      assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/deployments/solo' })).statusCode, 404);
      // churn-ab still serves version 1, which 'solo' shared.
      assert.equal((await infer(app, 'churn-ab', { 'x-flywheel-variant': 'a' })).statusCode, 200);
    });
  });
}
