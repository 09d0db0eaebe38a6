import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { createApp } from '../../http/app.js';
import { systemClock } from '../../lib/clock.js';
import { DeploymentsService } from './deployments.service.js';
import { ServingRepository } from './serving.repository.js';
import { servingRoutes } from './serving.routes.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import { GroupCommitPredictionLog } from './prediction-log.js';
import { PredictionsRepository, type PredictionTables } from './predictions.repository.js';
import { ShadowMirror, type ShadowOptions } from './shadow.js';
import { ShadowRepository } from './shadow.repository.js';
import { AgreementCounter } from './shadow-agreement.js';
import type { ServingObserver } from './observer.js';
import { LOGISTIC_B, LOGISTIC_W, logisticJs, logisticModel, oneRowOnlyModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const NEG = { w: LOGISTIC_W.map((x) => -x * 0.9), b: 0.4 };
const rowsFor = (i: number, n = 5) => Array.from({ length: n }, (_, r) => Array.from({ length: 10 }, (_, c) => (((i * 13 + r * 7 + c * 3) % 17) / 8 - 1) * (1 + (i % 3))));
const oipBody = (data: number[][], id?: string) => ({ ...(id ? { id } : {}), inputs: [{ name: 'x', shape: [data.length, 10], datatype: 'FP32', data }] });
const variant = (name: string, version: string, role: string, extra: Record<string, unknown> = {}) => ({ name, model: { name: 'churn', version }, role, weight: role === 'shadow' ? 0 : 100, ...extra });

/** A ServingObserver that remembers what it was told. */
function recorder() {
  const seen = { observed: [] as [string, string, number][], shed: [] as string[], done: [] as [string, boolean][] };
  const observer: ServingObserver = {
    observe: (d, v, status, seconds) => {
      assert.ok(seconds >= 0 && seconds < 60);
      seen.observed.push([d, v, status]);
    },
    shadowShed: (d, v) => seen.shed.push(`${d}/${v}`),
    shadowDone: (d, v, ok) => seen.done.push([`${d}/${v}`, ok]),
  };
  return { seen, observer };
}

async function gateway(platform: TestPlatform, observer: ServingObserver, shadowOpts: ShadowOptions) {
  const runtime = new OnnxModelRuntime();
  const deployments = new DeploymentsService({ repo: new ServingRepository(platform.store.tables(), platform.store.dialect), registry: platform.services.registry, artifacts: platform.artifacts, runtime, clock: systemClock });
  await deployments.start();
  const repo = new PredictionsRepository(platform.store.tables<PredictionTables>(), platform.store.dialect);
  const log = new GroupCommitPredictionLog(repo);
  const shadows = new ShadowMirror({ deployments, log, observer }, shadowOpts);
  const app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 8 * 1024 * 1024, version: 'test', readinessChecks: {} });
  const shadow = new ShadowRepository(platform.store.tables<PredictionTables>(), platform.store.dialect);
  await app.register(async (scope) => servingRoutes(scope, { deployments, predictions: { log, repo, shadow }, metrics: observer, shadows }));
  await app.ready();
  return {
    app,
    deployments,
    shadows,
    log,
    repo,
    async close() {
      await app.close();
      await log.close();
      await deployments.close();
      await runtime.close();
    },
  };
}

/** An OIP model server (x [?, 10] → p [?, 1]) that holds every inference request until released. */
async function heldModelServer() {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url?.endsWith('/ready')) return json({});
      if (req.url?.endsWith('/infer')) return held.push(res);
      return json({ name: 'm', versions: ['1'], inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 10] }], outputs: [{ name: 'p', datatype: 'FP32', shape: [-1, 1] }] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    release() {
      for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model_name: 'm', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 1], data: [0.5] }] }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('shadow agreement', () => {
  const out = (type: string, shape: number[], data: unknown[]) => JSON.stringify({ y: { type, shape, data } });
  test('labels, argmax, numeric with tolerance; incomparable pairs are counted apart', () => {
    const c = new AgreementCounter(0.1);
    c.add(out('string', [2], ['a', 'b']), out('string', [2], ['a', 'c']));
    assert.deepEqual({ ...c.result() }, { compared: 2, agreed: 1, rate: 0.5, kind: 'label', meanAbsDiff: null, incomparable: 0, tolerance: 0.1 });
    const a = new AgreementCounter(0.1);
    a.add(out('float32', [2, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), out('float32', [2, 3], [0.2, 0.6, 0.2, 0.2, 0.5, 0.3]));
    const ar = a.result();
    assert.equal(ar.kind, 'argmax');
    assert.equal(ar.agreed, 1);
    assert.ok(Math.abs(ar.meanAbsDiff! - (0.1 + 0.1 + 0 + 0.3 + 0.2 + 0.1) / 6) < 1e-12);
    const n = new AgreementCounter(0.1);
    n.add(out('float64', [3, 1], [1, 2, 0]), out('float64', [3, 1], [1.05, 2.5, 0]));
    assert.deepEqual([n.result().kind, n.result().agreed, n.result().compared], ['numeric', 2, 3]);
    n.add(out('float64', [2], [1, 2]), out('float64', [3], [1, 2, 3]));
    n.add('{"$truncated": {"chars": 5}, "shapes": {}}', out('float64', [1], [1]));
    n.add(JSON.stringify({ a: { type: 'float64', shape: [1], data: [1] }, b: { type: 'float64', shape: [1], data: [1] } }), JSON.stringify({ c: { type: 'float64', shape: [1], data: [1] } }));
    assert.equal(n.result().incomparable, 3);
    n.add(out('string', [1], ['x']), out('string', [1], ['x']));
    assert.equal(n.result().kind, 'mixed');
  });
});

for (const dialect of DIALECTS) {
  describe(`shadow traffic (${dialect})`, () => {
    let platform: TestPlatform;
    let gw: Awaited<ReturnType<typeof gateway>>;
    let app: FastifyInstance;
    let rec: ReturnType<typeof recorder>;

    before(async () => {
      platform = await createTestPlatform(dialect);
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      const files = [logisticModel(LOGISTIC_W, LOGISTIC_B), logisticModel(NEG.w, NEG.b), oneRowOnlyModel(), logisticModel(LOGISTIC_W, LOGISTIC_B)];
      for (const [i, bytes] of files.entries()) {
        await platform.artifacts.put(`0/r${i + 1}/artifacts/model/model.onnx`, Buffer.from(bytes));
        await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/r${i + 1}/artifacts/model` });
      }
      rec = recorder();
      gw = await gateway(platform, rec.observer, { concurrency: 2, maxQueue: 5000 });
      app = gw.app;
    });
    after(async () => {
      await gw?.close();
      await platform?.dispose();
    });

    test('each shadow gets a copy of each answered request, logged under its inference id; a failing shadow never reaches the caller', async () => {
      const config = {
        variants: [variant('a', '1', 'primary'), variant('twin', '4', 'shadow'), variant('neg', '2', 'shadow', { sample: 1 }), variant('bad', '3', 'shadow'), variant('off', '1', 'shadow', { sample: 0 })],
      };
      const created = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'sh', config } });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().config.variants[4].sample, 0);
      const ids: string[] = [];
      const sent = new Map<string, number[][]>();
      await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const id = `sh-${i}`;
        const data = rowsFor(i);
        const res = await app.inject({ method: 'POST', url: '/v2/models/sh/infer', payload: oipBody(data, id) });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['x-flywheel-variant'], 'a');
        assert.equal(res.json().outputs[0].data.length, data.length, `${id}: one output per row`);
        res.json().outputs[0].data.forEach((p: number, r: number) => assert.ok(Math.abs(p - logisticJs(data[r]!)) < 1e-5));
        ids.push(id);
        sent.set(id, data);
      }));
      for (let i = 40; i < 50; i++) {
        const id = `sh-${i}`;
        const data = rowsFor(i);
        const res = await app.inject({ method: 'POST', url: '/deployments/sh/invocations', headers: { 'x-flywheel-inference-id': id }, payload: { instances: data } });
        assert.equal(res.statusCode, 200, res.body);
        ids.push(id);
        sent.set(id, data);
      }
      await gw.shadows.drain();
      for (const id of ids) {
        const logged = await gw.repo.getByInferenceId(id);
        const byVariant = Object.fromEntries(logged.map((r) => [r.variant, r]));
        assert.deepEqual(Object.keys(byVariant).sort(), ['a', 'bad', 'neg', 'twin'], id);
        assert.deepEqual([0, 0, 0, 400], ['a', 'twin', 'neg', 'bad'].map((v) => Number(byVariant[v]!.status)), id);
        for (const v of ['twin', 'neg', 'bad']) assert.equal(Number(byVariant[v]!.ts), Number(byVariant.a!.ts));
        assert.equal(byVariant.neg!.model_version, '2');
      }

      const report = (await app.inject({ url: '/api/v1/deployments/sh/shadow?since=0' })).json();
      assert.equal(report.deployment, 'sh');
      const by = Object.fromEntries(report.shadows.map((s: { variant: string }) => [s.variant, s]));
      assert.deepEqual(by.twin.counts, { mirrored: 50, completed: 50, failed: 0, shed: 0 });
      assert.deepEqual(by.bad.counts, { mirrored: 50, completed: 0, failed: 50, shed: 0 });
      assert.deepEqual(by.off.counts, { mirrored: 0, completed: 0, failed: 0, shed: 0 });
      assert.equal(by.off.sample, 0);
      assert.deepEqual({ ...by.twin.agreement, meanAbsDiff: by.twin.agreement.meanAbsDiff }, { compared: 250, agreed: 250, rate: 1, kind: 'numeric', meanAbsDiff: 0, incomparable: 0, tolerance: 0.01, truncated: false });
      assert.equal(by.bad.agreement.compared, 0);
      assert.equal(by.bad.agreement.rate, null);
      // The disagreeing shadow, against the same definition computed here from the inputs.
      let expected = 0;
      let ambiguous = 0;
      let diff = 0;
      for (const data of sent.values()) {
        for (const row of data) {
          const p = logisticJs(row);
          const q = logisticJs(row, NEG.w, NEG.b);
          const rel = Math.abs(p - q) / Math.max(p, q);
          if (rel <= 0.01) expected++;
          if (Math.abs(rel - 0.01) < 1e-4) ambiguous++;
          diff += Math.abs(p - q);
        }
      }
      assert.equal(by.neg.agreement.compared, 250);
      assert.ok(Math.abs(by.neg.agreement.agreed - expected) <= ambiguous, `agreed ${by.neg.agreement.agreed}, expected ${expected}`);
      assert.ok(by.neg.agreement.rate < 0.9, 'a model with other weights disagrees');
      assert.ok(Math.abs(by.neg.agreement.meanAbsDiff - diff / 250) < 1e-5);
      const loose = (await app.inject({ url: '/api/v1/deployments/sh/shadow?since=0&tolerance=1' })).json();
      assert.equal(loose.shadows.find((s: { variant: string }) => s.variant === 'neg').agreement.rate, 1);
      const empty = (await app.inject({ url: `/api/v1/deployments/sh/shadow?since=0&until=1` })).json();
      assert.equal(empty.shadows.find((s: { variant: string }) => s.variant === 'twin').agreement.compared, 0);
      assert.equal((await app.inject({ url: '/api/v1/deployments/sh/shadow?since=5&until=1' })).statusCode, 400);
      // A caller may name a shadow: it answers, and is not mirrored to itself.
      const named = await app.inject({ method: 'POST', url: '/v2/models/sh/infer', headers: { 'x-flywheel-variant': 'twin' }, payload: oipBody(rowsFor(1), 'named-1') });
      assert.equal(named.headers['x-flywheel-variant'], 'twin');
      await gw.shadows.drain();
      assert.deepEqual((await gw.repo.getByInferenceId('named-1')).map((r) => r.variant).sort(), ['bad', 'neg', 'twin']);
      assert.equal((await app.inject({ url: '/api/v1/deployments/ghost/shadow' })).statusCode, 404);

      // The observer heard every request and every shadow run.
      assert.equal(rec.seen.observed.filter(([d, v, s]) => d === 'sh' && v === 'a' && s === 200).length, 50);
      const done = (v: string, ok: boolean) => rec.seen.done.filter(([k, o]) => k === `sh/${v}` && o === ok).length;
      // 50 mirrored requests, plus the one 'twin' answered (mirrored to the other two).
      assert.deepEqual([done('twin', true), done('neg', true), done('bad', false), done('bad', true)], [50, 51, 51, 0]);
    });

    test('failed requests are observed with their status; requests to unknown deployments are not', async () => {
      rec.seen.observed.length = 0;
      assert.equal((await app.inject({ method: 'POST', url: '/v2/models/sh/infer', payload: { inputs: [{ name: 'x', shape: [1, 9], datatype: 'FP32', data: new Array(9).fill(0) }] } })).statusCode, 400);
      assert.equal((await app.inject({ method: 'POST', url: '/v2/models/sh/infer', payload: { inputs: 'nope' } })).statusCode, 400);
      assert.equal((await app.inject({ method: 'POST', url: '/deployments/sh/invocations', payload: { instances: [[1, 2]] } })).statusCode, 400);
      assert.equal((await app.inject({ method: 'POST', url: '/v2/models/ghost/infer', payload: oipBody(rowsFor(1)) })).statusCode, 404);
      assert.deepEqual(rec.seen.observed, [['sh', 'a', 400], ['sh', '', 400], ['sh', 'a', 400]]);
    });

    test('a full queue sheds copies and counts them; nothing is run for them', async () => {
      const mirror = new ShadowMirror({ deployments: gw.deployments, log: gw.log, observer: rec.observer }, { concurrency: 1, maxQueue: 3 });
      const table = gw.deployments.table('sh');
      rec.seen.shed.length = 0;
      const data = rowsFor(3, 1);
      const inputs = { x: { type: 'float32' as const, shape: [1, 10], data: Float32Array.from(data.flat()) } };
      for (let i = 0; i < 10; i++) mirror.mirror(table, `shed-${i}`, Date.now(), () => inputs);
      // Three shadows with sample 1 ('off' samples nothing) get 10 copies each; the queue holds 3 in all.
      const counts = mirror.countsFor('sh');
      const total = (k: 'mirrored' | 'shed') => [...counts.values()].reduce((s, c) => s + c[k], 0);
      assert.equal(total('mirrored'), 30);
      assert.equal(total('shed'), 27);
      assert.equal(rec.seen.shed.length, 27);
      assert.equal(mirror.queueStats('sh').queued, 3);
      await mirror.close();
      const c = mirror.countsFor('sh');
      assert.equal([...c.values()].reduce((s, x) => s + x.completed + x.failed, 0), 3);
      assert.equal((await gw.repo.getByInferenceId('shed-0')).length, 3, 'the first request reached all three shadows');
      assert.equal((await gw.repo.getByInferenceId('shed-1')).length, 0);
      mirror.mirror(table, 'after-close', Date.now(), () => inputs);
      assert.equal(mirror.countsFor('sh').get('twin')!.shed, 10, 'copies after close are shed');
    });

    test('the caller is answered while its shadow is still running; sampling mirrors a share', async () => {
      const server = await heldModelServer();
      try {
        const config = { variants: [variant('a', '1', 'primary'), { name: 'remote', runtime: 'http', endpoint: { url: server.url, protocol: 'oip', model: 'm', timeoutMs: 60_000 }, role: 'shadow', weight: 0 }, variant('half', '4', 'shadow', { sample: 0.5 })] };
        assert.equal((await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'lazy', config } })).statusCode, 201);
        const res = await app.inject({ method: 'POST', url: '/v2/models/lazy/infer', payload: oipBody(rowsFor(7, 1), 'lazy-1') });
        assert.equal(res.statusCode, 200);
        // Answered although the shadow's server has not answered (it answers only when released).
        for (let i = 0; i < 200 && server.held.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(server.held.length, 1, 'the shadow call reached its server after the caller was answered');
        assert.deepEqual((await gw.repo.getByInferenceId('lazy-1')).map((r) => r.variant).filter((v) => v !== 'half'), ['a']);
        server.release();
        for (let i = 0; i < 200; i++) {
          const res2 = await app.inject({ method: 'POST', url: '/v2/models/lazy/infer', payload: oipBody(rowsFor(i, 1)) });
          assert.equal(res2.statusCode, 200);
          server.release();
        }
        for (let i = 0; i < 50; i++) {
          server.release();
          await new Promise((r) => setTimeout(r, 5));
        }
        const stopReleasing = setInterval(() => server.release(), 5);
        await gw.shadows.drain();
        clearInterval(stopReleasing);
        const remote = (await gw.repo.getByInferenceId('lazy-1')).find((r) => r.variant === 'remote');
        assert.equal(Number(remote?.status), 0);
        const counts = gw.shadows.countsFor('lazy');
        assert.equal(counts.get('remote')!.completed, 201);
        // Binomial(201, 0.5): within 4.5 standard deviations of 100.5.
        const half = counts.get('half')!.mirrored;
        assert.ok(Math.abs(half - 100.5) < 4.5 * Math.sqrt(201 * 0.25), `sample 0.5 mirrored ${half} of 201`);
      } finally {
        await server.close();
      }
    });
  });
}
