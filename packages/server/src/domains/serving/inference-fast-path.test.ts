/**
 * The inference fast path (raw node:http, ahead of Fastify) answers exactly as the Fastify routes
 * do: the same requests sent over a socket (fast path) and through `app.inject` (always the routes)
 * get the same status, body and headers, on the platform as built (auth, log, shadows, metrics).
 * The fast path's counts tell which path took each request.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { LOGISTIC_B, LOGISTIC_W, logisticModel } from './test-support/serving-models.js';
import { fastPathStats } from './inference-fast-path.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const row = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1];
const oip = (extra: Record<string, unknown> = {}, input: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row, ...input }], ...extra });

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | undefined>;
}
const SHOWN = ['content-type', 'x-flywheel-variant', 'x-flywheel-inference-id', 'www-authenticate'];

/** Which path took the request `send` makes: 'fast' (answered by it), 'replayed' (through Fastify by it) or 'routes'. */
async function via(p: TestPlatform, send: () => Promise<Answer>): Promise<Answer & { via: 'fast' | 'replayed' | 'routes' }> {
  const stats = fastPathStats(p.app)!;
  const [t0, r0] = [stats.taken, stats.replayed];
  const a = await send();
  const via = stats.replayed > r0 ? 'replayed' : stats.taken > t0 ? 'fast' : 'routes';
  return { ...a, via };
}

async function overSocket(url: string, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(SHOWN.map((h) => [h, res.headers.get(h) ?? undefined])) };
}
async function injected(p: TestPlatform, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await p.app.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': 'application/json', ...headers } });
  const h = res.headers as Record<string, string | undefined>;
  return { status: res.statusCode, body: res.body, headers: Object.fromEntries(SHOWN.map((k) => [k, h[k]])) };
}

async function setUp(p: TestPlatform): Promise<string> {
  const { registry, deployments } = p.services;
  await registry.createRegisteredModel({ name: 'lr' });
  for (const [v, w] of [['1', LOGISTIC_W], ['2', LOGISTIC_W.map((x) => -x)]] as const) {
    await p.artifacts.put(`0/fp${v}/artifacts/model.onnx`, Buffer.from(logisticModel(w, LOGISTIC_B)));
    await registry.createModelVersion({ name: 'lr', source: `mlflow-artifacts:/0/fp${v}/artifacts/model.onnx` });
  }
  await deployments.create({
    name: 'lr',
    config: {
      variants: [
        { name: 'a', model: { name: 'lr', version: '1' }, role: 'primary', weight: 90 },
        { name: 'b', model: { name: 'lr', version: '2' }, role: 'primary', weight: 10 },
        { name: 's', model: { name: 'lr', version: '2' }, role: 'shadow', weight: 0 },
      ],
      routingKey: { header: 'x-customer' },
    },
  });
  return p.app.listen({ port: 0, host: '127.0.0.1' });
}

for (const dialect of DIALECTS) {
  describe(`inference fast path (${dialect})`, () => {
    let p: TestPlatform;
    let url: string;

    before(async () => {
      p = await createTestPlatform(dialect, { config: { anonymous: 'full' } });
      url = await setUp(p);
    });
    after(async () => {
      await p?.dispose();
    });

    // [what, path, body, headers, taken by the fast path?]; a request that reaches a model names its
    // variant, so that both paths pick the same one.
    const cases: [string, string, string, Record<string, string>, boolean][] = [
      ['answered, explicit variant and body id', '/v2/models/lr/infer', oip({ id: 'fp-1' }), { 'x-flywheel-variant': 'b' }, true],
      ['answered, id from the header', '/v2/models/lr/infer', oip(), { 'x-flywheel-variant': 'a', 'x-flywheel-inference-id': 'fp-2' }, true],
      ['sticky routing key', '/v2/models/lr/infer', oip({ id: 'fp-3' }), { 'x-customer': 'cust-42' }, true],
      ['requested outputs', '/v2/models/lr/infer', oip({ id: 'fp-4', outputs: [{ name: 'p' }] }), { 'x-flywheel-variant': 'a' }, true],
      ['wrong shape', '/v2/models/lr/infer', oip({}, { shape: [1, 9], data: row.slice(0, 9) }), { 'x-flywheel-variant': 'a' }, true],
      ['wrong datatype', '/v2/models/lr/infer', oip({}, { datatype: 'INT32', data: row.map(() => 1) }), { 'x-flywheel-variant': 'a' }, true],
      ['unknown output', '/v2/models/lr/infer', oip({ outputs: [{ name: 'nope' }] }), { 'x-flywheel-variant': 'a' }, true],
      ['unknown variant', '/v2/models/lr/infer', oip(), { 'x-flywheel-variant': 'zz' }, true],
      ['no inputs', '/v2/models/lr/infer', '{"inputs":[]}', {}, true],
      ['empty body', '/v2/models/lr/infer', '', {}, true],
      ['malformed JSON (replayed through Fastify)', '/v2/models/lr/infer', '{"inputs": [', {}, true],
      ['a forbidden key (replayed)', '/v2/models/lr/infer', '{"inputs":[],"__proto__":{"x":1}}', {}, true],
      ['NaN token (replayed)', '/v2/models/lr/infer', '{"inputs":[{"name":"x","shape":[1,1],"datatype":"FP32","data":[NaN]}]}', {}, true],
      ['unknown deployment (Fastify)', '/v2/models/nope/infer', oip(), {}, false],
      ['MLflow dataframe_split', '/deployments/lr/invocations', JSON.stringify({ dataframe_split: { columns: row.map((_, i) => `f${i}`), data: [row] } }), { 'x-flywheel-variant': 'a', 'x-flywheel-inference-id': 'fp-m1' }, true],
      ['MLflow instances', '/deployments/lr/invocations', JSON.stringify({ instances: [row, row] }), { 'x-flywheel-variant': 'b', 'x-flywheel-inference-id': 'fp-m2' }, true],
      ['MLflow bad format', '/deployments/lr/invocations', JSON.stringify({ rows: [row] }), {}, true],
      ['MLflow wrong width', '/deployments/lr/invocations', JSON.stringify({ instances: [[1, 2]] }), { 'x-flywheel-variant': 'a' }, true],
      ['MLflow unknown deployment (Fastify)', '/deployments/nope/invocations', JSON.stringify({ instances: [row] }), {}, false],
    ];
    for (const [what, route, body, headers, fast] of cases) {
      test(`${what}: same answer over the socket as through the routes`, async () => {
        const a = await via(p, () => overSocket(url, route, body, headers));
        const b = await via(p, () => injected(p, route, body, headers));
        assert.equal(b.via, 'routes', 'app.inject always takes the routes');
        assert.equal(a.via, !fast ? 'routes' : /replayed/.test(what) ? 'replayed' : 'fast');
        assert.equal(a.status, b.status, a.body);
        const generatedId = a.status === 200 && headers['x-flywheel-inference-id'] === undefined && !/"id":"fp-/.test(body);
        if (generatedId) {
          // A fresh id each time: both are time-ordered UUIDs (version 7 layout) and the body names it.
          for (const x of [a, b]) assert.match(x.headers['x-flywheel-inference-id']!, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          assert.equal(a.body.replace(a.headers['x-flywheel-inference-id']!, 'ID'), b.body.replace(b.headers['x-flywheel-inference-id']!, 'ID'));
          assert.deepEqual({ ...a.headers, 'x-flywheel-inference-id': 'ID' }, { ...b.headers, 'x-flywheel-inference-id': 'ID' });
        } else {
          assert.equal(a.body, b.body);
          assert.deepEqual(a.headers, b.headers);
        }
        if (a.status === 200) assert.ok(a.headers['x-flywheel-variant'], 'the variant is named');
      });
    }

    test('answered fast-path requests are logged once, mirrored to the shadow, and counted in /metrics', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `fp-log-${i}`);
      const taken = fastPathStats(p.app)!.taken;
      const answers = await Promise.all(ids.map((id) => overSocket(url, '/v2/models/lr/infer', oip({ id }), {})));
      for (const a of answers) assert.equal(a.status, 200);
      assert.equal(fastPathStats(p.app)!.taken - taken, ids.length);
      for (const id of ids) {
        const rows = await p.app.inject({ method: 'GET', url: `/api/v1/predictions/${id}` });
        assert.equal(rows.statusCode, 200, id);
      }
      const repoRows = await p.store.db.selectFrom('predictions' as never).select(['inference_id' as never, 'variant' as never]).where('inference_id' as never, 'in', ids as never).execute() as { inference_id: string; variant: string }[];
      const answered = repoRows.filter((r) => r.variant !== 's');
      assert.equal(answered.length, ids.length, 'each answered request logged once');
      assert.equal(new Set(answered.map((r) => r.inference_id)).size, ids.length);
      // The shadow runs after the answer; wait for its rows.
      const deadline = Date.now() + 10_000;
      let shadowRows = 0;
      while (Date.now() < deadline) {
        const r = await p.store.db.selectFrom('predictions' as never).select('inference_id' as never).where('inference_id' as never, 'in', ids as never).where('variant' as never, '=', 's' as never).execute();
        shadowRows = r.length;
        if (shadowRows === ids.length) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(shadowRows, ids.length, 'the shadow saw every fast-path request');
      const metrics = (await p.app.inject({ method: 'GET', url: '/metrics' })).body;
      const served = [...metrics.matchAll(/flywheel_serving_requests_total\{deployment="lr",variant="(\w+)",code="2xx"\} (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
      assert.ok(served >= ids.length, `metrics count the fast path (${served})`);
    });
  });

  describe(`inference fast path with authentication (${dialect})`, () => {
    let p: TestPlatform;
    let url: string;
    let token: string;

    before(async () => {
      p = await createTestPlatform(dialect, { config: { anonymous: 'off' } });
      await p.services.org.bootstrapUser({ username: 'ada', password: 'ada-password-1' });
      const ada = await p.services.org.checkPassword('ada', 'ada-password-1', 'test');
      token = (await p.services.org.issueToken(ada.id, { name: 'test' })).token;
      url = await setUp(p);
    });
    after(async () => {
      await p?.dispose();
    });

    const body = oip({ id: 'auth-1' });
    test('no credentials: refused exactly as the routes refuse', async () => {
      const a = await via(p, () => overSocket(url, '/v2/models/lr/infer', body, {}));
      assert.equal(a.via, 'routes');
      const b = await injected(p, '/v2/models/lr/infer', body, {});
      assert.equal(a.status, 401);
      assert.deepEqual([a.status, a.body, a.headers], [b.status, b.body, b.headers]);
    });
    test('a valid API token: answered by the fast path', async () => {
      const a = await via(p, () => overSocket(url, '/v2/models/lr/infer', body, { authorization: `Bearer ${token}`, 'x-flywheel-variant': 'a' }));
      assert.equal(a.status, 200, a.body);
      assert.equal(a.via, 'fast');
      const b = await injected(p, '/v2/models/lr/infer', body, { authorization: `Bearer ${token}`, 'x-flywheel-variant': 'a' });
      assert.deepEqual([a.status, a.body, a.headers], [b.status, b.body, b.headers]);
    });
    test('a wrong token or wrong basic credentials: refused exactly as the routes refuse', async () => {
      for (const authorization of [`Bearer ${token}x`, 'Bearer fw_nope', `Basic ${Buffer.from('ada:wrong').toString('base64')}`, 'Digest x']) {
        const a = await via(p, () => overSocket(url, '/deployments/lr/invocations', JSON.stringify({ instances: [row] }), { authorization }));
        assert.equal(a.via, 'routes', 'a refused caller is answered by the routes');
        const b = await injected(p, '/deployments/lr/invocations', JSON.stringify({ instances: [row] }), { authorization });
        assert.equal(a.status, 401, authorization);
        assert.deepEqual([a.status, a.body, a.headers], [b.status, b.body, b.headers], authorization);
      }
    });
    test('valid basic credentials: answered (by the routes: their failed-attempt count runs once)', async () => {
      const a = await via(p, () => overSocket(url, '/v2/models/lr/infer', body, { authorization: `Basic ${Buffer.from('ada:ada-password-1').toString('base64')}` }));
      assert.equal(a.status, 200, a.body);
      assert.equal(a.via, 'routes');
    });
  });
}
