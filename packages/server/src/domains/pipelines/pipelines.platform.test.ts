import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';

// A step that reports back the way an MLflow client does: to MLFLOW_TRACKING_URI, into MLFLOW_RUN_ID.
const step = `
const base = process.env.MLFLOW_TRACKING_URI + '/api/2.0/mlflow';
const post = (path, body) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  .then((r) => { if (!r.ok) throw new Error(path + ' ' + r.status); });
(async () => {
  await post('/runs/log-metric', { run_id: process.env.MLFLOW_RUN_ID, key: 'rmse', value: Number(process.env.FLYWHEEL_PARAM_SCALE) * 0.5, timestamp: Date.now(), step: 0 });
  await post('/runs/log-parameter', { run_id: process.env.MLFLOW_RUN_ID, key: 'step', value: process.env.FLYWHEEL_STEP });
})().catch((e) => { console.error(e); process.exit(1); });
`;

for (const dialect of DIALECTS) {
  describe(`pipelines on the server as flywheel server wires them (${dialect})`, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    before(async () => {
      platform = await createTestPlatform(dialect);
      await platform.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(() => platform?.dispose());

    test('a step logs into its own MLflow run on this server with no configuration', async () => {
      const { app } = platform;
      const registered = await app.inject({
        method: 'POST',
        url: '/api/v1/pipelines',
        payload: { name: 'nightly', steps: [{ name: 'fit', command: [process.execPath, '-e', step], params: { scale: { type: 'number', default: 1 } } }] },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const started = await app.inject({ method: 'POST', url: '/api/v1/pipelines/nightly/runs', payload: { params: { scale: 4 } } });
      assert.equal(started.statusCode, 201, started.body);
      const id = started.json<{ id: string }>().id;
      type Run = { state: string; steps: { name: string; state: string; mlflowRunId?: string | null }[] };
      let run: Run | undefined;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
        run = (await app.inject({ url: `/api/v1/pipeline-runs/${id}` })).json<Run>();
        if (['succeeded', 'failed', 'cancelled'].includes(run.state)) break;
      }
      assert.equal(run?.state, 'succeeded', JSON.stringify(run));
      const mlflowRunId = run!.steps[0]!.mlflowRunId;
      assert.ok(mlflowRunId, JSON.stringify(run));
      const got = (await app.inject({ url: `/api/2.0/mlflow/runs/get?run_id=${mlflowRunId}` })).json<{ run: { data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[] }; info: { status: string } } }>().run;
      assert.deepEqual(got.data.metrics?.map((m) => [m.key, m.value]), [['rmse', 2]]);
      assert.ok(got.data.params?.some((p) => p.key === 'step' && p.value === 'fit'));
      assert.equal(got.info.status, 'FINISHED');
    });
  });
}
