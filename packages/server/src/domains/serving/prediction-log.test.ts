import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { MIGRATIONS } from '../../main.js';
import { migrateToLatest, openStore } from '../../store/index.js';
import { createApp } from '../../http/app.js';
import { systemClock } from '../../lib/clock.js';
import { DeploymentsService } from './deployments.service.js';
import { ServingRepository } from './serving.repository.js';
import { servingMigrations } from './serving.migrations.js';
import { servingRoutes } from './serving.routes.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import { GroupCommitPredictionLog, payloadJson, type PredictionEntry } from './prediction-log.js';
import { PredictionsRepository, type PredictionTables } from './predictions.repository.js';
import { LOGISTIC_B, LOGISTIC_W, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const ALL = MIGRATIONS.includes(servingMigrations) ? MIGRATIONS : [...MIGRATIONS, servingMigrations];
const rows = Array.from({ length: 3 }, (_, r) => Array.from({ length: 10 }, (_, c) => ((r * 7 + c * 3) % 11) / 5 - 1));
const entry = (i: number, over: Partial<PredictionEntry> = {}): PredictionEntry => ({
  inference_id: `id-${i}`, deployment: 'd', variant: 'a', model_name: 'm', model_version: '1', ts: 1_000 + i, latency_us: 5, inputs: '{}', outputs: '{}', status: 0, ...over,
});

for (const dialect of DIALECTS) {
  describe(`prediction log (${dialect})`, () => {
    let platform: TestPlatform;
    let app: FastifyInstance;
    let repo: PredictionsRepository;
    let log: GroupCommitPredictionLog;
    let cleanup: () => Promise<void>;

    before(async () => {
      platform = await createTestPlatform(dialect);
      await migrateToLatest(platform.store, ALL);
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      await platform.artifacts.put('0/r1/artifacts/model/model.onnx', Buffer.from(logisticModel(LOGISTIC_W, LOGISTIC_B)));
      await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/r1/artifacts/model' });
      const runtime = new OnnxModelRuntime();
      const deployments = new DeploymentsService({
        repo: new ServingRepository(platform.store.tables(), platform.store.dialect), registry, artifacts: platform.artifacts, runtime, clock: systemClock,
      });
      await deployments.start();
      repo = new PredictionsRepository(platform.store.tables<PredictionTables>(), platform.store.dialect);
      log = new GroupCommitPredictionLog(repo);
      app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 8 * 1024 * 1024, version: 'test', readinessChecks: {} });
      await app.register(async (scope) => servingRoutes(scope, { deployments, predictions: { log, repo } }));
      await app.ready();
      cleanup = async () => {
        await app.close();
        await log.close();
        await deployments.close();
        await runtime.close();
      };
      const res = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'churn', config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }] } } });
      assert.equal(res.statusCode, 201, res.body);
    });
    after(async () => {
      await cleanup?.();
      await platform?.dispose();
    });

    test('50 concurrent inferences: every answered prediction is logged with its fields, in fewer than 50 commits', async () => {
      const before = log.stats();
      const t0 = Date.now();
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? app.inject({ method: 'POST', url: '/v2/models/churn/infer', payload: { ...(i % 4 === 0 ? { id: `caller-${i}` } : {}), inputs: [{ name: 'x', shape: [rows.length, 10], datatype: 'FP32', data: rows }] } })
          : app.inject({ method: 'POST', url: '/deployments/churn/invocations', payload: { instances: rows } })));
      const ids = responses.map((r) => {
        assert.equal(r.statusCode, 200, r.body);
        return String(r.headers['x-flywheel-inference-id']);
      });
      assert.ok(ids.includes('caller-0') && ids.includes('caller-48'), 'caller-supplied ids are kept');
      const after = log.stats();
      assert.equal(after.written - before.written, 50);
      assert.ok(after.flushes - before.flushes < 50, `flushes: ${after.flushes - before.flushes}`);
      const logged = await repo.list('churn', { since: t0, limit: 1000 });
      assert.equal(logged.length, 50);
      assert.deepEqual(new Set(logged.map((r) => r.inference_id)), new Set(ids));
      for (const r of logged) {
        assert.equal(r.variant, 'a');
        assert.equal(r.model_name, 'churn');
        assert.equal(r.model_version, '1');
        assert.equal(Number(r.status), 0);
        assert.ok(Number(r.ts) >= t0 && Number(r.latency_us) >= 0);
        const inputs = JSON.parse(r.inputs) as Record<string, { shape: number[]; data: number[] }>;
        assert.deepEqual(inputs.x!.shape, [3, 10]);
        assert.ok(Math.abs(inputs.x!.data[1]! - rows[0]![1]!) < 1e-6);
        const outputs = JSON.parse(r.outputs) as Record<string, { shape: number[] }>;
        assert.deepEqual(outputs.p!.shape, [3, 1]);
      }
      // The read route by inference id.
      const one = await app.inject({ url: '/api/v1/predictions/caller-0' });
      assert.equal(one.statusCode, 200, one.body);
      assert.equal(one.json().inferenceId, 'caller-0');
      assert.equal(one.json().truncated, false);
      assert.equal((await app.inject({ url: '/api/v1/predictions/nope' })).statusCode, 404);
    });

    test('a failed model call is logged with its status; an oversized payload is logged truncated and flagged', async () => {
      const bad = await app.inject({ method: 'POST', url: '/v2/models/churn/infer', payload: { id: 'bad-1', inputs: [{ name: 'x', shape: [1, 9], datatype: 'FP32', data: new Array(9).fill(0) }] } });
      assert.equal(bad.statusCode, 400);
      const got = (await app.inject({ url: '/api/v1/predictions/bad-1' })).json();
      assert.equal(got.status, 400);
      assert.equal(got.outputs, null);
      const big = Array.from({ length: 30_000 }, () => Array.from({ length: 10 }, () => 0.123456));
      const res = await app.inject({ method: 'POST', url: '/v2/models/churn/infer', payload: { id: 'big-1', inputs: [{ name: 'x', shape: [big.length, 10], datatype: 'FP32', data: big }] } });
      assert.equal(res.statusCode, 200);
      const b = (await app.inject({ url: '/api/v1/predictions/big-1' })).json();
      assert.equal(b.truncated, true);
      assert.deepEqual(b.inputs.shapes.x.shape, [30_000, 10]);
    });

    test('the deployment predictions route pages newest first with since/until', async () => {
      const seed = new GroupCommitPredictionLog(repo);
      await Promise.all(Array.from({ length: 25 }, (_, i) => seed.append(entry(i, { deployment: 'paged', ts: 10_000 + Math.floor(i / 2) }))));
      await seed.close();
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await app.inject({ url: `/api/v1/deployments/paged/predictions?limit=7${token ? `&pageToken=${token}` : ''}` });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { predictions: { inferenceId: string; timestamp: number }[]; nextPageToken?: string };
        seen.push(...body.predictions.map((p) => p.inferenceId));
        token = body.nextPageToken;
        pages++;
      } while (token);
      assert.equal(pages, 4);
      assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `id-${24 - i}`), 'newest first, ties by insertion, no gaps or repeats');
      const window = (await app.inject({ url: '/api/v1/deployments/paged/predictions?since=10003&until=10005' })).json();
      assert.deepEqual(window.predictions.map((p: { inferenceId: string }) => p.inferenceId), ['id-9', 'id-8', 'id-7', 'id-6']);
      assert.equal((await app.inject({ url: '/api/v1/deployments/paged/predictions?pageToken=zzz' })).statusCode, 400);
      assert.equal((await app.inject({ url: '/api/v1/deployments/paged/predictions?limit=0' })).statusCode, 400);
    });

    test('fast mode with a tiny queue drops and counts under a burst; close() flushes the rest', async () => {
      const fast = new GroupCommitPredictionLog(repo, { durability: 'fast', maxQueue: 10 });
      for (let i = 0; i < 100; i++) await fast.append(entry(i, { deployment: 'fast' })); // resolves at once
      const s = fast.stats();
      assert.equal(s.dropped, 90);
      assert.equal(s.queued, 10);
      await fast.close();
      assert.equal(fast.stats().written, 10);
      assert.equal(await repo.count('fast'), 10);
      await fast.append(entry(0, { deployment: 'fast' }));
      assert.equal(fast.stats().dropped, 91, 'appends after close are dropped and counted');
    });

    test('sync close() flushes what is queued; appends after close are refused', async () => {
      const l = new GroupCommitPredictionLog(repo);
      const pending = Array.from({ length: 30 }, (_, i) => l.append(entry(i, { deployment: 'closing' })));
      await l.close();
      await Promise.all(pending);
      assert.equal(await repo.count('closing'), 30);
      await assert.rejects(l.append(entry(0)), /closed/);
    });
  });
}

test('payloadJson: int64 as strings, caps at the limit with a flag', () => {
  const p = payloadJson({ a: { type: 'int64', shape: [2], data: BigInt64Array.from([1n, 2n ** 62n]) } }, { p: { type: 'float32', shape: [1], data: Float32Array.from([0.5]) } });
  assert.equal(p.inputs, '{"a":{"type":"int64","shape":[2],"data":["1","4611686018427387904"]}}');
  assert.equal(p.truncated, false);
  const t = payloadJson({ s: { type: 'string', shape: [1], data: ['x'.repeat(500)] } }, undefined, 100);
  assert.equal(t.truncated, true);
  assert.deepEqual(JSON.parse(t.inputs), { $truncated: { chars: 547 }, shapes: { s: { type: 'string', shape: [1] } } });
});

test('durability (sqlite): every id acknowledged before a SIGKILL is in the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-plog-'));
  const file = join(dir, 'log.db');
  try {
    const script = fileURLToPath(new URL('./test-support/append-until-killed.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', script, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
    });
    const acked: string[] = [];
    let buf = '';
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l !== 'ready') acked.push(l);
      if (acked.length >= 2000 && !child.killed) child.kill('SIGKILL');
    });
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acked.length >= 2000, `only ${acked.length} acknowledged`);
    const store = await openStore({ databaseUrl: `sqlite:${file}`, dataDir: dir });
    try {
      const got = await store.db.selectFrom('predictions').select('inference_id').execute();
      const stored = new Set(got.map((r: { inference_id: string }) => r.inference_id));
      const missing = acked.filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged ids missing`);
      assert.ok(stored.size >= acked.length);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
