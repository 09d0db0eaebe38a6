import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from './config/index.js';
import { buildPlatform, type Platform } from './main.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './store/test-support/stores.js';
import { LOGISTIC_B, LOGISTIC_W, logisticJs, logisticModel } from './domains/serving/test-support/serving-models.js';

const silent = () => pino({ level: process.env.FLYWHEEL_TEST_LOG ?? 'silent' });
const row = Array.from({ length: 10 }, (_, i) => (i % 4) / 3 - 0.5);
const W2 = LOGISTIC_W.map((w) => -w);
const infer = (app: FastifyInstance) =>
  app.inject({ method: 'POST', url: '/v2/models/lr/infer', payload: { inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row }] } });

/** Polls `check` until it returns true (the gateway's refresh timer is asynchronous). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not seen within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const dialect of DIALECTS) {
  describe(`gateway role beside a full server on one ${dialect} store`, () => {
    let db: TestDatabase;
    let full: Platform | undefined;
    let gateway: Platform | undefined;
    const config = (role: 'all' | 'gateway') => loadConfig({ dataDir: db.dataDir, databaseUrl: db.url, port: 0, poolSize: 4, role, refreshMs: 50 }, {});

    before(async () => {
      db = await createTestDatabase(dialect);
    });
    after(async () => {
      await gateway?.close();
      await full?.close();
      await db?.drop();
    });

    test('a gateway refuses an unmigrated store and changes nothing in it', async () => {
      await assert.rejects(buildPlatform(config('gateway'), { logger: silent() }), /not migrated: \d+ migration\(s\) pending .*--role all/);
      // Still unmigrated: the full server below applies every migration.
      full = await buildPlatform(config('all'), { logger: silent() });
      gateway = await buildPlatform(config('gateway'), { logger: silent() });
    });

    test('a deployment created through the full server is served by the gateway after refresh, and follows updates', async () => {
      const { registry } = full!.services;
      await registry.createRegisteredModel({ name: 'lr' });
      for (const [v, w, b] of [['1', LOGISTIC_W, LOGISTIC_B], ['2', W2, 0.3]] as const) {
        await full!.artifacts.put(`0/r${v}/artifacts/model/model.onnx`, Buffer.from(logisticModel([...w], b)));
        await registry.createModelVersion({ name: 'lr', source: `mlflow-artifacts:/0/r${v}/artifacts/model` });
      }
      const variants = (version: string) => [{ name: 'a', model: { name: 'lr', version }, role: 'primary', weight: 100 }];
      const created = await full!.app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'lr', config: { variants: variants('1') } } });
      assert.equal(created.statusCode, 201, created.body);

      await eventually('the gateway serves lr', async () => (await infer(gateway!.app)).statusCode === 200);
      const res = await infer(gateway!.app);
      const p = res.json().outputs[0].data[0] as number;
      assert.ok(Math.abs(p - logisticJs(row)) < 1e-5, `v1 prediction ${p}`);

      // What the gateway answered is in the shared log, readable through the full server.
      const id = res.headers['x-flywheel-inference-id'] as string;
      const logged = await full!.app.inject({ url: `/api/v1/predictions/${id}` });
      assert.equal(logged.statusCode, 200, logged.body);
      assert.equal(logged.json().variant, 'a');

      const updated = await full!.app.inject({ method: 'PUT', url: '/api/v1/deployments/lr', payload: { config: { variants: variants('2') } } });
      assert.equal(updated.statusCode, 200, updated.body);
      await eventually('the gateway serves revision 2', async () => (await gateway!.app.inject({ url: '/deployments/lr/version' })).json().revision === 2);
      const p2 = (await infer(gateway!.app)).json().outputs[0].data[0] as number;
      assert.ok(Math.abs(p2 - logisticJs(row, W2, 0.3)) < 1e-5, `v2 prediction ${p2}`);

      const deleted = await full!.app.inject({ method: 'DELETE', url: '/api/v1/deployments/lr' });
      assert.equal(deleted.statusCode, 204);
      await eventually('the gateway drops the deleted deployment', async () => (await infer(gateway!.app)).statusCode === 404);
    });

    test('the gateway answers health, metrics and inference only', async () => {
      const g = gateway!.app;
      for (const url of ['/health', '/ready', '/version', '/v2/health/live']) assert.equal((await g.inject({ url })).statusCode, 200, url);
      const metrics = await g.inject({ url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
      assert.match(metrics.body, /flywheel_serving_requests_total\{deployment="lr",variant="a",code="2xx"\} [1-9]/);
      assert.match(metrics.body, /flywheel_serving_request_duration_seconds_bucket\{deployment="lr",variant="a",le="0.0005"\}/);
      assert.match(metrics.body, /flywheel_prediction_log_queue_depth \d+/);
      assert.match(metrics.body, /process_cpu_user_seconds_total/);

      const refused = [
        { method: 'POST' as const, url: '/api/2.0/mlflow/experiments/create', payload: { name: 'x' } },
        { method: 'GET' as const, url: '/api/v1/experiments' },
        { method: 'GET' as const, url: '/api/v1/deployments' },
        { method: 'POST' as const, url: '/api/v1/deployments', payload: { name: 'x', config: { variants: [] } } },
        { method: 'GET' as const, url: '/api/v1/datasets' },
        { method: 'GET' as const, url: '/api/2.0/mlflow-artifacts/artifacts/0/x' },
      ];
      for (const r of refused) assert.equal((await g.inject(r)).statusCode, 404, `${r.method} ${r.url}`);
      // The full server still answers them.
      assert.equal((await full!.app.inject({ url: '/api/v1/deployments' })).statusCode, 200);
      assert.equal((await full!.app.inject(refused[0]!)).statusCode, 200);
    });
  });
}
