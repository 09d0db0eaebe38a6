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

const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`pipelines owned by a team, their compute attributed to it (${dialect})`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    const token: Record<string, string> = {};
    const call = (method: 'GET' | 'POST', url: string, who: string, payload?: object) =>
      fw.app.inject({ method, url, ...(payload === undefined ? {} : { payload }), headers: { authorization: `Bearer ${token[who]}` } });
    type Run = { id: string; state: string; ownerTeam: number | null; project: string | null; cause: { kind: string; by?: string }; steps: { cached: boolean; computeSeconds: number }[] };
    const wait = async (id: string, who: string): Promise<Run> => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
        const run = (await call('GET', `/api/v1/pipeline-runs/${id}`, who)).json<Run>();
        if (['succeeded', 'failed', 'cancelled'].includes(run.state)) return run;
      }
      throw new Error(`run ${id} did not end`);
    };

    before(async () => {
      fw = await createTestPlatform(dialect);
      await fw.app.listen({ host: '127.0.0.1', port: 0 });
      const { org, teams } = fw.services;
      for (const u of ['alice', 'bob']) {
        await org.bootstrapUser({ username: u, password: `${u}-password` });
        token[u] = (await org.issueToken((await org.checkPassword(u, `${u}-password`)).id, { name: 't' })).token;
      }
      await teams.createTeam(ROOT, { name: 'growth' });
      await teams.createTeam(ROOT, { name: 'risk' });
      await teams.setMember(ROOT, 'growth', 'alice', 'maintainer');
      await teams.setMember(ROOT, 'risk', 'bob', 'member');
    });
    after(() => fw?.dispose());

    test("the creator's team owns a pipeline; others neither see nor run it; its compute is summed per pipeline and team and counts in the team's spend", async () => {
      const def = { name: 'churn', steps: [{ name: 'fit', command: [process.execPath, '-e', 'setTimeout(()=>{},300)'] }] };
      const reg = await call('POST', '/api/v1/pipelines?project=churn-model', 'alice', def);
      assert.equal(reg.statusCode, 201, reg.body);
      const growth = (await fw.services.pipelines.teamTree()).find((t) => t.name === 'growth')!.id;
      assert.deepEqual(reg.json<{ pipeline: { ownerTeam: number; visibility: string; project: string } }>().pipeline, { ...reg.json<{ pipeline: object }>().pipeline, ownerTeam: growth, visibility: 'private', project: 'churn-model' });

      assert.deepEqual((await call('GET', '/api/v1/pipelines', 'bob')).json<{ pipelines: unknown[] }>().pipelines, []);
      assert.equal((await call('GET', '/api/v1/pipelines/churn', 'bob')).statusCode, 404);
      assert.equal((await call('POST', '/api/v1/pipelines/churn/runs', 'bob', {})).statusCode, 404);
      assert.equal((await call('POST', '/api/v1/pipelines', 'bob', { ...def, description: 'hijack' })).statusCode, 404, 'a new version needs write access');

      const first = await wait((await call('POST', '/api/v1/pipelines/churn/runs', 'alice', {})).json<{ id: string }>().id, 'alice');
      assert.equal(first.state, 'succeeded');
      assert.equal(first.ownerTeam, growth);
      assert.equal(first.project, 'churn-model');
      assert.deepEqual(first.cause, { kind: 'manual', by: 'alice' });
      assert.equal((await call('GET', `/api/v1/pipeline-runs/${first.id}`, 'bob')).statusCode, 404);
      const second = await wait((await call('POST', '/api/v1/pipelines/churn/runs', 'alice', {})).json<{ id: string }>().id, 'alice');
      assert.equal(second.steps[0]!.cached, true);

      const cost = (await call('GET', '/api/v1/pipelines/churn/cost', 'alice')).json<{ costs: { pipeline: string; ownerTeam: number; project: string; computeSeconds: number; stepsRun: number; stepsCached: number }[] }>().costs;
      assert.equal(cost.length, 1);
      assert.equal(cost[0]!.computeSeconds, first.steps[0]!.computeSeconds, 'the cached run cost nothing');
      assert.ok(cost[0]!.computeSeconds >= 0.3);
      assert.deepEqual({ ...cost[0], computeSeconds: 0 }, { pipeline: 'churn', ownerTeam: growth, project: 'churn-model', computeSeconds: 0, stepsRun: 1, stepsCached: 1 });
      const team = await call('GET', '/api/v1/pipeline-costs?team=growth', 'alice');
      assert.deepEqual(team.json<{ costs: { pipeline: string }[] }>().costs.map((c) => c.pipeline), ['churn']);
      assert.equal((await call('GET', '/api/v1/pipeline-costs?team=growth', 'bob')).statusCode, 403);
      assert.equal((await call('GET', '/api/v1/pipeline-costs', 'bob')).statusCode, 400);
      // The step's MLflow run is in an experiment the team owns: the budgets' compute spend includes it.
      const spend = await fw.services.budgets.teamSpend('growth');
      assert.ok(spend.computeSeconds >= 0.3, JSON.stringify(spend));

      // An enforced budget of the team, spent: new runs are refused before anything is written.
      await fw.services.budgets.setRates({ compute_second: 1 }, { actor: 'root' });
      await fw.services.budgets.put({ name: 'growth-month', team: 'growth', amount: 0.1, period: 'month', enforce: true }, { actor: 'root' });
      const refused = await call('POST', '/api/v1/pipelines/churn/runs', 'alice', {});
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json<{ error: { code: string } }>().error.code, 'BUDGET_EXCEEDED');
      assert.match(refused.json<{ error: { message: string } }>().error.message, /New runs of pipeline 'churn' are refused/);
      assert.equal((await call('GET', '/api/v1/pipelines/churn/runs', 'alice')).json<{ runs: unknown[] }>().runs.length, 2);
    });
  });
}
