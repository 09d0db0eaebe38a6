import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import { jsonTensor, mlflowOutputs, mlflowRequest } from './http-runtime.js';
import { logisticJs, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const rows = Array.from({ length: 4 }, (_, r) => Array.from({ length: 10 }, (_, c) => ((r * 5 + c * 3) % 7) / 4 - 0.8));

/**
 * A model server for the failure cases, speaking OIP (model names pick a behaviour) and MLflow
 * scoring (`/invocations` answers each row's sum). Counts the TCP connections it accepts.
 */
async function fakeModelServer() {
  const bodies: unknown[] = [];
  const held: ServerResponse[] = [];
  let connections = 0;
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url === '/ping') return json(res, 200, {});
      if (url === '/invocations') {
        const body = JSON.parse(text) as { dataframe_split?: { data: number[][] }; inputs?: number[][] };
        bodies.push(body);
        const data = body.dataframe_split?.data ?? body.inputs ?? [];
        return json(res, 200, { predictions: data.map((r) => r.reduce((a, b) => a + b, 0)) });
      }
      const m = /^\/v2\/models\/([^/]+)(\/ready|\/infer)?$/.exec(url);
      if (!m) return json(res, 404, { error: 'no such path' });
      const [, model, action] = m;
      if (action === '/ready') return json(res, model === 'notready' ? 503 : 200, {});
      if (!action) return json(res, 200, { name: model, versions: ['7'], platform: 'fake', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }] });
      const body = JSON.parse(text) as { inputs: { data: number[]; shape: number[] }[] };
      switch (model) {
        case 'slow':
          held.push(res);
          return;
        case 'broken':
          return json(res, 500, { error: 'model exploded' });
        case 'picky':
          return json(res, 422, { error: 'x must be positive' });
        case 'garbage':
          return json(res, 200, 'this is not json');
        default:
          return json(res, 200, { model_name: model, outputs: [{ name: 'y', datatype: 'FP32', shape: body.inputs[0]!.shape, data: body.inputs[0]!.data.map((v) => v * 2) }] });
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    connections: () => connections,
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function gateway(platform: TestPlatform) {
  const runtime = new OnnxModelRuntime();
  const deployments = new DeploymentsService({ repo: new ServingRepository(platform.store.tables(), platform.store.dialect), registry: platform.services.registry, artifacts: platform.artifacts, runtime, clock: systemClock });
  await deployments.start();
  const repo = new PredictionsRepository(platform.store.tables<PredictionTables>(), platform.store.dialect);
  const log = new GroupCommitPredictionLog(repo);
  const app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 8 * 1024 * 1024, version: 'test', readinessChecks: {} });
  await app.register(async (scope) => servingRoutes(scope, { deployments, predictions: { log, repo } }));
  await app.ready();
  return {
    app,
    repo,
    deployments,
    async close() {
      await app.close();
      await log.close();
      await deployments.close();
      await runtime.close();
    },
  };
}

const http = (name: string, url: string, protocol: 'oip' | 'mlflow', model?: string, extra: Record<string, unknown> = {}, role = 'primary', weight = 100) => ({
  name, role, weight, runtime: 'http', endpoint: { url, protocol, ...(model ? { model } : {}), ...extra },
});
const oipBody = (data: number[][]) => ({ inputs: [{ name: 'x', shape: [data.length, data[0]!.length], datatype: 'FP32', data }] });

describe('http runtime codecs', () => {
  test('MLflow requests: columns as dataframe_split, one tensor as inputs, several as a dict', () => {
    const col = (data: number[]) => ({ type: 'float64' as const, shape: [data.length], data: Float64Array.from(data) });
    assert.deepEqual(mlflowRequest({ a: col([1, 2]), b: col([3, 4]) }), { dataframe_split: { columns: ['a', 'b'], data: [[1, 3], [2, 4]] } });
    assert.deepEqual(mlflowRequest({ x: { type: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } }), { inputs: [[1, 2], [3, 4]] });
    assert.deepEqual(mlflowRequest({ x: { type: 'float32', shape: [1, 2], data: Float32Array.from([1, 2]) }, y: col([5]) }), { inputs: { x: [[1, 2]], y: [5] } });
  });
  test('MLflow predictions: list, dict, records, bare list; mixed kinds are refused', () => {
    assert.deepEqual(mlflowOutputs({ predictions: [[1, 2], [3, 4]] }).predictions!.shape, [2, 2]);
    assert.deepEqual(Object.keys(mlflowOutputs({ predictions: { p: [1], label: ['a'] } })), ['p', 'label']);
    const records = mlflowOutputs({ predictions: [{ p: 0.5, label: 'a' }, { p: 0.7, label: 'b' }] });
    assert.deepEqual([...(records.label!.data as string[])], ['a', 'b']);
    assert.equal(mlflowOutputs([true, false]).predictions!.type, 'bool');
    assert.throws(() => jsonTensor([1, 'a'], 'p'), /mixes number and string/);
    assert.throws(() => jsonTensor([[1, 2], [3]], 'p'), /not rectangular/);
  });
});

for (const dialect of DIALECTS) {
  describe(`http runtime variants (${dialect})`, () => {
    let platform: TestPlatform;
    let upstreamUrl: string;
    let fake: Awaited<ReturnType<typeof fakeModelServer>>;
    let gw: Awaited<ReturnType<typeof gateway>>;
    let app: FastifyInstance;

    before(async () => {
      platform = await createTestPlatform(dialect);
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      await platform.artifacts.put('0/r1/artifacts/model/model.onnx', Buffer.from(logisticModel()));
      await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/r1/artifacts/model' });
      // The upstream: the platform's own gateway (as main.ts wires it) on a real socket, serving over OIP.
      await platform.services.deployments.create({ name: 'remote', config: { variants: [{ name: 'only', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }] } });
      upstreamUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      fake = await fakeModelServer();
      gw = await gateway(platform);
      app = gw.app;
    });
    after(async () => {
      await gw?.close();
      await fake?.close();
      await platform?.dispose();
    });

    test('an OIP variant proxies to another Flywheel gateway: same numbers, its signature and version, logged', async () => {
      const created = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'proxy', config: { variants: [http('remote', upstreamUrl, 'oip', 'remote', { timeoutMs: 5000 })] } } });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(created.json().config.variants[0].endpoint, { url: upstreamUrl, protocol: 'oip', model: 'remote', timeoutMs: 5000 });
      const res = await app.inject({ method: 'POST', url: '/v2/models/proxy/infer', payload: { id: 'px-1', ...oipBody(rows) } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-flywheel-variant'], 'remote');
      assert.equal(res.json().model_version, '1');
      res.json().outputs[0].data.forEach((p: number, i: number) => assert.ok(Math.abs(p - logisticJs(rows[i]!)) < 1e-5, `row ${i}`));
      const meta = (await app.inject({ url: '/v2/models/proxy' })).json();
      assert.equal(meta.platform, 'http');
      assert.deepEqual(meta.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 10] }]);
      // The upstream's signature is checked here, before any upstream call.
      const bad = await app.inject({ method: 'POST', url: '/v2/models/proxy/infer', payload: oipBody([[1, 2, 3]]) });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error, /input 'x': expected shape \[\?, 10\], got \[1, 3\]/);
      // MLflow callers reach an OIP upstream too (the table is read by the upstream's signature).
      const inv = await app.inject({ method: 'POST', url: '/deployments/proxy/invocations', payload: { instances: rows } });
      assert.equal(inv.statusCode, 200, inv.body);
      inv.json().predictions.forEach((p: number[], i: number) => assert.ok(Math.abs(p[0]! - logisticJs(rows[i]!)) < 1e-5));
      const logged = await gw.repo.getByInferenceId('px-1');
      assert.deepEqual(logged.map((r) => [r.variant, r.model_name, r.model_version, Number(r.status)]), [['remote', 'remote', '1', 0]]);
    });

    test('per request: timeout → 504, upstream 5xx → 502, upstream 4xx → 400 with its message, unreadable → 502; the deployment keeps serving', async () => {
      const variants = [
        http('echo', fake.url, 'oip', 'echo'),
        http('slow', fake.url, 'oip', 'slow', { timeoutMs: 300 }, 'canary', 0),
        http('broken', fake.url, 'oip', 'broken', {}, 'canary', 0),
        http('picky', fake.url, 'oip', 'picky', {}, 'canary', 0),
        http('garbage', fake.url, 'oip', 'garbage', {}, 'canary', 0),
      ];
      const created = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'edge', config: { variants } } });
      assert.equal(created.statusCode, 201, created.body);
      const call = (variant: string, url = '/v2/models/edge/infer') =>
        app.inject({ method: 'POST', url, headers: { 'x-flywheel-variant': variant }, payload: url.endsWith('infer') ? oipBody([[1, 2]]) : { instances: [[1, 2]] } });
      const cases: [string, number, RegExp][] = [
        ['slow', 504, /did not answer within 300 ms/],
        ['broken', 502, /failed \(500\): model exploded/],
        ['picky', 400, /refused the request \(422\): x must be positive/],
        ['garbage', 502, /not JSON/],
      ];
      for (const [variant, status, message] of cases) {
        const res = await call(variant);
        assert.equal(res.statusCode, status, `${variant}: ${res.body}`);
        assert.match(res.json().error, message);
        const inv = await call(variant, '/deployments/edge/invocations');
        assert.equal(inv.statusCode, status, `${variant} (invocations): ${inv.body}`);
        assert.match(inv.json().message, message);
      }
      const ok = await call('echo');
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json().outputs[0].data, [2, 4]);
      assert.equal(ok.json().model_version, '7');
    });

    test('connections to a model server are reused across requests', async () => {
      const before = fake.connections();
      for (let i = 0; i < 30; i++) assert.equal((await app.inject({ method: 'POST', url: '/v2/models/edge/infer', payload: oipBody([[i, 1]]) })).statusCode, 200);
      const opened = fake.connections() - before;
      assert.ok(opened <= 1, `30 sequential requests opened ${opened} connections`);
    });

    test('an MLflow variant: named columns go as dataframe_split, OIP tensors as inputs; predictions come back', async () => {
      const created = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'mlf', config: { variants: [http('scorer', `${fake.url}/`, 'mlflow')] } } });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().config.variants[0].endpoint.url, fake.url, 'trailing slash dropped');
      fake.bodies.length = 0;
      const inv = await app.inject({ method: 'POST', url: '/deployments/mlf/invocations', payload: { dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4.5]] } } });
      assert.equal(inv.statusCode, 200, inv.body);
      assert.deepEqual(inv.json(), { predictions: [3, 7.5] });
      const csv = await app.inject({ method: 'POST', url: '/deployments/mlf/invocations', headers: { 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' });
      assert.deepEqual(csv.json(), { predictions: [3] });
      const oip = await app.inject({ method: 'POST', url: '/v2/models/mlf/infer', payload: oipBody([[1, 2, 3], [4, 5, 6]]) });
      assert.equal(oip.statusCode, 200, oip.body);
      assert.deepEqual(oip.json().outputs, [{ name: 'predictions', datatype: 'FP64', shape: [2], data: [6, 15] }]);
      assert.deepEqual(fake.bodies, [
        { dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4.5]] } },
        { dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } },
        { inputs: [[1, 2, 3], [4, 5, 6]] },
      ]);
    });

    test('an MLflow-server shadow of an ONNX deployment gets the caller\'s named columns', async () => {
      const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
      const config = { variants: [{ name: 'main', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }, http('scorer', fake.url, 'mlflow', 'sum', {}, 'shadow', 0)] };
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'mixed', config } })).statusCode, 201);
      fake.bodies.length = 0;
      const res = await app.inject({ method: 'POST', url: '/deployments/mixed/invocations', headers: { 'x-flywheel-inference-id': 'mixed-1' }, payload: { dataframe_split: { columns: features, data: rows.slice(0, 2) } } });
      assert.equal(res.statusCode, 200, res.body);
      res.json().predictions.forEach((p: number[], i: number) => assert.ok(Math.abs(p[0]! - logisticJs(rows[i]!)) < 1e-5));
      for (let i = 0; i < 200 && (await gw.repo.getByInferenceId('mixed-1')).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(fake.bodies, [{ dataframe_split: { columns: features, data: rows.slice(0, 2) } }]);
      const shadowRow = (await gw.repo.getByInferenceId('mixed-1')).find((r) => r.variant === 'scorer')!;
      assert.equal(Number(shadowRow.status), 0);
      assert.equal(shadowRow.model_name, 'sum');
      const sums = (JSON.parse(shadowRow.outputs) as { predictions: { data: number[] } }).predictions.data;
      sums.forEach((v, i) => assert.ok(Math.abs(v - rows[i]!.reduce((a, b) => a + b, 0)) < 1e-9));
    });

    test('a shadow whose server is down when a replica starts does not keep the deployment from serving', async () => {
      const doomed = await fakeModelServer();
      const config = { variants: [{ name: 'main', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }, http('s', doomed.url, 'oip', 'echo', {}, 'shadow', 0)] };
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'shady', config } })).statusCode, 201);
      await doomed.close();
      const replica = await gateway(platform);
      try {
        const table = replica.deployments.table('shady');
        assert.deepEqual(table.missingShadows.map((m) => m.name), ['s']);
        assert.match(table.missingShadows[0]!.why, /variant 's' .*could not be reached/);
        const res = await replica.app.inject({ method: 'POST', url: '/v2/models/shady/infer', payload: oipBody(rows) });
        assert.equal(res.statusCode, 200, res.body);
        const report = (await replica.app.inject({ url: '/api/v1/deployments/shady/shadow' })).json();
        assert.deepEqual(report.shadows.map((s: { variant: string; configured: boolean; loaded: boolean }) => [s.variant, s.configured, s.loaded]), [['s', true, false]]);
      } finally {
        await replica.close();
      }
      // Updating with a shadow that cannot load is refused: the operator is told at once.
      const update = { variants: [config.variants[0], http('s2', doomed.url, 'oip', 'other', {}, 'shadow', 0)] };
      const put = await app.inject({ method: 'PUT', url: '/api/v1/deployments/shady', payload: { config: update } });
      assert.equal(put.statusCode, 400);
      assert.match(put.json().error.message, /variant 's2'.*could not be reached/);
    });

    test('a variant whose server is not ready, unreachable or misconfigured is refused before it takes traffic', async () => {
      const create = (variant: unknown) => app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'nope', config: { variants: [variant] } } });
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise((r) => closed.close(r));
      const cases: [unknown, RegExp][] = [
        [http('a', fake.url, 'oip', 'notready'), /variant 'a' \(endpoint .*\/v2\/models\/notready\): .*cannot be used: GET .*\/notready\/ready failed \(503\)/],
        [http('a', deadUrl, 'mlflow'), /variant 'a' .*could not be reached/],
        [http('a', fake.url, 'oip'), /config\.variants\[0\]\.endpoint\.model is required for protocol 'oip'/],
        [{ ...http('a', fake.url, 'oip', 'echo'), model: { name: 'churn', version: '1' } }, /config\.variants\[0\]\.model: a variant with runtime 'http' names an endpoint/],
        [http('a', 'ftp://example.com', 'oip', 'echo'), /config\.variants\[0\]\.endpoint\.url must be an http\(s\) URL/],
        [{ name: 'a', role: 'primary', weight: 100, runtime: 'http' }, /config\.variants\[0\]\.endpoint is required for runtime 'http'/],
        [{ name: 'a', role: 'primary', weight: 100, model: { name: 'churn', version: '1' }, sample: 0.5 }, /config\.variants\[0\]\.sample applies only to shadow variants/],
      ];
      for (const [variant, message] of cases) {
        const res = await create(variant);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, message);
      }
      assert.equal((await app.inject({ url: '/api/v1/deployments/nope' })).statusCode, 404);
    });
  });
}
