import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createPipelinesFixture } from './test-support/pipelines-fixture.js';

const js = (script: string) => [process.execPath, '-e', script];

for (const dialect of DIALECTS) {
  describe(`pipelines HTTP API on ${dialect}`, () => {
    let fx: Awaited<ReturnType<typeof createPipelinesFixture>>;
    before(async () => {
      fx = await createPipelinesFixture(dialect);
    });
    after(() => fx.dispose());
    const call = (method: 'GET' | 'POST', url: string, payload?: unknown) => fx.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });

    test('validation errors are 400 naming the step and the field, and nothing is registered', async () => {
      const res = await call('POST', '/api/v1/pipelines', {
        name: 'bad',
        steps: [
          { name: 'prep', command: ['x'] },
          { name: 'fit', command: ['y'], inputs: [{ from: 'prepp.data' }], retries: { max: 'two' } },
        ],
      });
      assert.equal(res.statusCode, 400);
      const err = res.json<{ error: { code: string; message: string; details: { problems: string[] } } }>().error;
      assert.equal(err.code, 'INVALID_INPUT');
      assert.deepEqual(err.details.problems, ["steps.fit.retries.max: expected an integer from 0 to 20, got 'two'", "steps.fit.inputs[0].from: step 'prepp' does not exist"]);
      assert.match(err.message, /steps\.fit\.inputs\[0\]\.from: step 'prepp' does not exist/);
      assert.equal((await call('GET', '/api/v1/pipelines/bad')).statusCode, 404);
      const notObject = await call('POST', '/api/v1/pipelines', [1, 2]);
      assert.equal(notObject.statusCode, 400);
      assert.match(notObject.json<{ error: { message: string } }>().error.message, /expected a JSON object/);
      const cyc = await call('POST', '/api/v1/pipelines', { name: 'cyc', steps: [{ name: 'a', command: ['x'], dependsOn: ['b'] }, { name: 'b', command: ['x'], dependsOn: ['a'] }] });
      assert.equal(cyc.statusCode, 400);
      assert.match(cyc.json<{ error: { message: string } }>().error.message, /cycle (a → b → a|b → a → b)/);
    });

    test('register, version, run, watch, read logs and cancel over HTTP', async () => {
      const def = { name: 'web', description: 'over http', steps: [{ name: 'hello', command: js("console.log('hi', process.env.FLYWHEEL_PARAM_WHO)"), params: { who: { type: 'string', default: 'there' } } }] };
      const r1 = await call('POST', '/api/v1/pipelines', def);
      assert.equal(r1.statusCode, 201);
      assert.deepEqual(r1.json<{ pipeline: { version: number }; created: boolean }>().created, true);
      const again = await call('POST', '/api/v1/pipelines', JSON.parse(JSON.stringify(def)));
      assert.equal(again.statusCode, 200, 'the same definition is not a new version');
      const r2 = await call('POST', '/api/v1/pipelines', { ...def, description: 'changed' });
      assert.equal(r2.json<{ pipeline: { version: number } }>().pipeline.version, 2);
      const list = (await call('GET', '/api/v1/pipelines')).json<{ pipelines: { name: string; version: number }[] }>();
      assert.deepEqual(list.pipelines.filter((p) => p.name === 'web').map((p) => p.version), [2]);
      assert.equal((await call('GET', '/api/v1/pipelines/web?version=1')).json<{ description: string }>().description, 'over http');

      const badParam = await call('POST', '/api/v1/pipelines/web/runs', { params: { whom: 'x' } });
      assert.equal(badParam.statusCode, 400);
      assert.match(badParam.json<{ error: { message: string } }>().error.message, /params\.whom: no step declares this parameter/);
      assert.equal((await call('POST', '/api/v1/pipelines/nope/runs', {})).statusCode, 404);

      const started = await call('POST', '/api/v1/pipelines/web/runs', { params: { who: 'world' } });
      assert.equal(started.statusCode, 201);
      const id = started.json<{ id: string }>().id;
      await fx.waitForRun(id);
      const run = (await call('GET', `/api/v1/pipelines/web/runs/${id}`)).json<{ state: string; version: number; steps: { name: string; state: string; mlflowRunId: string }[] }>();
      assert.equal(run.state, 'succeeded');
      assert.equal(run.version, 2);
      assert.equal(run.steps[0]!.state, 'succeeded');
      assert.match(run.steps[0]!.mlflowRunId, /^[0-9a-f]{32}$/);
      const logs = await call('GET', `/api/v1/pipelines/web/runs/${id}/steps/hello/logs`);
      assert.equal(logs.statusCode, 200);
      assert.match(logs.headers['content-type'] as string, /^text\/plain/);
      assert.equal(logs.body, 'hi world\n[flywheel] succeeded\n');
      assert.equal((await call('GET', `/api/v1/pipelines/web/runs/${id}/steps/nope/logs`)).statusCode, 404);
      assert.equal((await call('GET', `/api/v1/pipelines/other/runs/${id}`)).statusCode, 404);
      const finished = await call('POST', `/api/v1/pipelines/web/runs/${id}/cancel`);
      assert.equal(finished.statusCode, 409);
      assert.equal(finished.json<{ error: { code: string } }>().error.code, 'INVALID_STATE');
      const runs = (await call('GET', '/api/v1/pipelines/web/runs')).json<{ runs: { id: string }[] }>();
      assert.deepEqual(runs.runs.map((r) => r.id), [id]);
    });
  });
}
