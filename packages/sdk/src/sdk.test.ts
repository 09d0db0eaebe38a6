import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import { logisticModel } from '../../server/src/domains/serving/test-support/serving-models.js';
import { FlywheelClient, FlywheelError, FlywheelNetworkError, pipeline } from './index.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

for (const dialect of DIALECTS) {
  describe(`SDK against a real server (${dialect})`, () => {
    let p: TestPlatform;
    let fw: FlywheelClient;
    before(async () => {
      p = await createTestPlatform(dialect);
      fw = new FlywheelClient({ url: await p.app.listen({ host: '127.0.0.1', port: 0 }) });
    });
    after(() => p?.dispose());

    test('a run logs params, 2,500 metric points in background batches, an artifact, and ends FINISHED', async () => {
      const run = await fw.tracking.startRun({ experiment: 'sdk-churn', runName: 'first', params: { lr: 0.1, depth: 4 }, flushIntervalMs: 20 });
      for (let step = 0; step < 2500; step++) run.logMetric('loss', 1 / (step + 1), step);
      run.logMetrics({ auc: 0.91 }, 2500);
      await run.setTags({ team: 'growth' });
      await run.logArtifact('notes/readme.txt', 'trained by the SDK test');
      await run.end();
      const got = await fw.runs.get(run.runId);
      assert.equal(got.info.status, 'FINISHED');
      assert.deepEqual(Object.fromEntries(got.data.params.map((x) => [x.key, x.value])), { lr: '0.1', depth: '4' });
      assert.equal(got.data.tags.find((t) => t.key === 'team')?.value, 'growth');
      assert.equal(got.data.metrics.find((m) => m.key === 'auc')?.value, 0.91);
      let points = 0;
      let pageToken: string | undefined;
      do {
        const page = await fw.request<{ metrics: unknown[]; nextPageToken?: string }>('GET', `/api/v1/runs/${run.runId}/metrics/loss/history`, { query: { maxResults: 1000, pageToken } });
        points += page.metrics.length;
        pageToken = page.nextPageToken;
      } while (pageToken);
      assert.equal(points, 2500);
      const listed = await fw.request<{ files?: { path: string }[] }>('GET', '/api/2.0/mlflow/artifacts/list', { query: { run_id: run.runId, path: 'notes' } });
      assert.deepEqual(listed.files?.map((f) => f.path), ['notes/readme.txt']);
      assert.throws(() => run.logMetric('late', 1), /has ended/);
    });

    test('withRun marks a run FAILED when the training code throws, and rethrows', async () => {
      let id = '';
      await assert.rejects(
        fw.tracking.withRun({ experiment: 'sdk-churn' }, async (run) => {
          id = run.runId;
          run.logMetric('loss', 0.5, 0);
          throw new Error('diverged');
        }),
        /diverged/,
      );
      const got = await fw.runs.get(id);
      assert.equal(got.info.status, 'FAILED');
      assert.equal(got.data.metrics.find((m) => m.key === 'loss')?.value, 0.5);
    });

    test('register an ONNX model from a run, deploy it and infer through the Open Inference Protocol', async () => {
      const run = await fw.tracking.startRun({ experiment: 'sdk-churn' });
      await run.logArtifact('model/model.onnx', logisticModel());
      await run.end();
      const mv = await fw.models.register('sdk-churn', `${run.artifactUri}/model`, { runId: run.runId });
      assert.equal(mv.version, '1');
      await fw.deployments.create('sdk-churn', { variants: [{ name: 'a', role: 'primary', model: { name: 'sdk-churn', version: '1' }, weight: 100 }] });
      const out = await fw.deployments.infer('sdk-churn', [{ name: 'x', shape: [2, 10], datatype: 'FP32', data: Array.from({ length: 20 }, (_, i) => i / 20) }], { id: 'req-1' });
      assert.equal(out.id, 'req-1');
      assert.deepEqual(out.outputs[0]?.shape, [2, 1]);
      const ds = await fw.datasets.register('sdk-rows', 'a,b\n1,2\n3,4\n', { filename: 'rows.csv' });
      assert.equal(ds.created, true);
      const again = await fw.datasets.register('sdk-rows', 'a,b\n1,2\n3,4\n', { filename: 'rows.csv' });
      assert.equal(again.created, false);
    });

    test('a pipeline built with the typed builder is validated locally, registered and run', async () => {
      assert.throws(() => pipeline('bad').step('a', { command: ['true'], dependsOn: ['b'] }).step('b', { command: ['true'], dependsOn: ['a'] }).build(), /cycle/);
      const def = pipeline('sdk-hello', 'one step').step('hello', { command: [process.execPath, '-e', 'console.log("hello from a step")'] }).build();
      const r = await fw.pipelines.register(def);
      assert.equal(r.created, true);
      const run = await fw.pipelines.run('sdk-hello');
      let state = String(run.state);
      for (let i = 0; i < 100 && !['succeeded', 'failed'].includes(state); i++) {
        await new Promise((res) => setTimeout(res, 200));
        state = String((await fw.pipelines.getRun(String(run.id))).state);
      }
      assert.equal(state, 'succeeded');
    });

    test("errors carry the server's status, code and message", async () => {
      const e = await fw.models.get('no-such-model').catch((x: unknown) => x);
      assert.ok(e instanceof FlywheelError);
      assert.equal(e.status, 404);
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, /no-such-model/);
      const bad = await fw.runs.search({ experimentIds: ['0'], filter: 'metrics.auc >>> 1' }).catch((x: unknown) => x);
      assert.ok(bad instanceof FlywheelError);
      assert.equal(bad.status, 400);
    });
  });
}

describe('SDK retries', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  let failuresLeft = 0;
  let status = 503;
  before(async () => {
    // A stand-in for a proxy in front of Flywheel that is briefly unavailable: the failure mode under test.
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'try later' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"experiments":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('a GET is retried through 503s and succeeds', async () => {
    seen.length = 0;
    failuresLeft = 2;
    status = 503;
    const fw = new FlywheelClient({ url, backoffMs: 5 });
    assert.deepEqual(await fw.experiments.list(), []);
    assert.equal(seen.length, 3);
  });

  test('a POST is not retried after a 502 (it may have been applied), and the error is transient', async () => {
    seen.length = 0;
    failuresLeft = 1;
    status = 502;
    const fw = new FlywheelClient({ url, backoffMs: 5 });
    const e = await fw.projects.create({ name: 'x' }).catch((x: unknown) => x);
    assert.ok(e instanceof FlywheelError);
    assert.equal(e.status, 502);
    assert.equal(e.transient, true);
    assert.equal(seen.length, 1);
  });

  test('retries stop after the configured count', async () => {
    seen.length = 0;
    failuresLeft = 10;
    status = 503;
    const fw = new FlywheelClient({ url, backoffMs: 2, retries: 2 });
    const e = await fw.experiments.list().catch((x: unknown) => x);
    assert.ok(e instanceof FlywheelError);
    assert.equal(seen.length, 3);
    failuresLeft = 0;
  });

  test('an unreachable server is a FlywheelNetworkError after retries', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const fw = new FlywheelClient({ url: `http://127.0.0.1:${port}`, backoffMs: 2, retries: 1 });
    await assert.rejects(fw.experiments.list(), FlywheelNetworkError);
  });
});

describe('SDK runs belong to the signed-in caller', () => {
  let p: TestPlatform;
  let url: string;
  before(async () => {
    p = await createTestPlatform('sqlite', { config: { anonymous: 'off' } });
    url = await p.app.listen({ host: '127.0.0.1', port: 0 });
    await p.services.org.bootstrapUser({ username: 'ada', password: 'a long enough password', isAdmin: true });
  });
  after(() => p?.dispose());

  test("a run started with a token records the token's user, not a placeholder", async () => {
    const login = await new FlywheelClient({ url }).request<{ token: { token: string } }>('POST', '/api/v1/auth/login', { json: { username: 'ada', password: 'a long enough password', issue: 'token' } });
    const fw = new FlywheelClient({ url, token: login.token.token });
    const run = await fw.tracking.startRun({ experiment: 'owned' });
    await run.end();
    assert.equal((await fw.runs.get(run.runId)).info.userId, 'ada');
  });
});
