import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createAccessFixture, type AccessFixture } from './test-support/access-fixture.js';

// Issue 6, "Done when": two teams on one server cannot see each other's private experiments
// through the MLflow client (bearer token = MLFLOW_TRACKING_TOKEN, basic = USERNAME/PASSWORD)
// or the native API. Internal is readable by all, writable by the owner team only.

const M = '/api/2.0/mlflow';

for (const dialect of DIALECTS) {
  describe(`experiment and run access on ${dialect}`, () => {
    let f: AccessFixture;
    let privateExp: string;
    let internalExp: string;
    let runA: string;
    let runInternal: string;
    before(async () => {
      f = await createAccessFixture(dialect);
    });
    after(async () => f?.dispose());

    const expect = (r: { status: number; body: any }, status: number, code?: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(r.status, status, JSON.stringify(r.body));
      if (code) assert.equal(r.body.error_code, code);
    };

    test('a member creates a private experiment of their only team; an internal one with the tag', async () => {
      const a = await f.call('alice', 'POST', `${M}/experiments/create`, { name: 'a-private' });
      expect(a, 200);
      privateExp = a.body.experiment_id;
      const got = await f.call('alice', 'GET', `${M}/experiments/get?experiment_id=${privateExp}`);
      expect(got, 200);
      const tags = Object.fromEntries(got.body.experiment.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
      assert.deepEqual(tags, { 'flywheel.owner_team': String(f.teamIds['team-a']), 'flywheel.visibility': 'private' });
      const i = await f.call('alice', 'POST', `${M}/experiments/create`, { name: 'a-internal', tags: [{ key: 'flywheel.visibility', value: 'internal' }] });
      expect(i, 200);
      internalExp = i.body.experiment_id;
      const r1 = await f.call('alice', 'POST', `${M}/runs/create`, { experiment_id: privateExp, start_time: 1 });
      expect(r1, 200);
      runA = r1.body.run.info.run_id;
      const r2 = await f.call('alice', 'POST', `${M}/runs/create`, { experiment_id: internalExp, start_time: 1 });
      expect(r2, 200);
      runInternal = r2.body.run.info.run_id;
      expect(await f.call('alice', 'POST', `${M}/runs/log-batch`, { run_id: runA, metrics: [{ key: 'auc', value: 0.9, timestamp: 1, step: 0 }] }), 200);
      // Uploads through the artifact proxy land under the run's experiment.
      expect(await f.call('alice', 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${privateExp}/${runA}/artifacts/model.txt`, 'weights'), 200);
    });

    test('another team cannot see the private experiment: get, get-by-name, search, runs, log-batch, artifacts', async () => {
      for (const who of ['bob', 'basic:bob'] as const) {
        expect(await f.call(who, 'GET', `${M}/experiments/get?experiment_id=${privateExp}`), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'GET', `${M}/experiments/get-by-name?experiment_name=a-private`), 404, 'RESOURCE_DOES_NOT_EXIST');
        const s = await f.call(who, 'POST', `${M}/experiments/search`, { max_results: 100 });
        expect(s, 200);
        const names = (s.body.experiments ?? []).map((e: { name: string }) => e.name);
        assert.ok(!names.includes('a-private'), names.join());
        assert.ok(names.includes('a-internal') && names.includes('Default'), names.join());
        expect(await f.call(who, 'GET', `${M}/runs/get?run_id=${runA}`), 404, 'RESOURCE_DOES_NOT_EXIST');
        const runs = await f.call(who, 'POST', `${M}/runs/search`, { experiment_ids: [privateExp, internalExp] });
        expect(runs, 200);
        assert.deepEqual(runs.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id), [runInternal]);
        expect(await f.call(who, 'POST', `${M}/runs/log-batch`, { run_id: runA, metrics: [{ key: 'auc', value: 0.1, timestamp: 2, step: 1 }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'POST', `${M}/runs/create`, { experiment_id: privateExp }), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'GET', `${M}/metrics/get-history?run_id=${runA}&metric_key=auc`), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'GET', `${M}/artifacts/list?run_id=${runA}`), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'GET', `/api/2.0/mlflow-artifacts/artifacts/${privateExp}/${runA}/artifacts/model.txt`), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${privateExp}/${runA}/artifacts/evil.txt`, 'x'), 404, 'RESOURCE_DOES_NOT_EXIST');
        const root = await f.call(who, 'GET', `/api/2.0/mlflow-artifacts/artifacts`);
        expect(root, 200);
        assert.ok(!(root.body.files ?? []).some((e: { path: string }) => e.path === privateExp));
        expect(await f.call(who, 'POST', `${M}/experiments/delete`, { experiment_id: privateExp }), 404, 'RESOURCE_DOES_NOT_EXIST');
      }
      // Nothing of bob's reached the run.
      const hist = await f.call('alice', 'GET', `${M}/metrics/get-history?run_id=${runA}&metric_key=auc`);
      assert.deepEqual(hist.body.metrics.map((m: { value: number }) => m.value), [0.9]);
      // The owner team still sees everything.
      const mine = await f.call('alice', 'GET', `/api/2.0/mlflow-artifacts/artifacts/${privateExp}/${runA}/artifacts/model.txt`);
      expect(mine, 200);
    });

    test('the native API hides it the same way', async () => {
      expect(await f.call('bob', 'GET', `/api/v1/experiments/${privateExp}`), 404);
      expect(await f.call('bob', 'GET', `/api/v1/runs/${runA}`), 404);
      expect(await f.call('bob', 'GET', `/api/v1/runs/${runA}/metrics/auc/history`), 404);
      const list = await f.call('bob', 'GET', `/api/v1/experiments`);
      assert.ok(!list.body.experiments.some((e: { name: string }) => e.name === 'a-private'));
      const runs = await f.call('bob', 'POST', `/api/v1/runs/search`, { experimentIds: [privateExp] });
      assert.deepEqual(runs.body.runs, []);
      expect(await f.call('alice', 'GET', `/api/v1/runs/${runA}`), 200);
      // The native create takes the owner and visibility as fields.
      const created = await f.call('bob', 'POST', '/api/v1/experiments', { name: 'b-open', visibility: 'internal' });
      expect(created, 201);
      const tags = Object.fromEntries(created.body.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
      assert.equal(tags['flywheel.owner_team'], String(f.teamIds['team-b']));
      assert.equal(tags['flywheel.visibility'], 'internal');
    });

    test('internal: readable by another team, not writable (403)', async () => {
      expect(await f.call('bob', 'GET', `${M}/experiments/get?experiment_id=${internalExp}`), 200);
      expect(await f.call('bob', 'GET', `${M}/runs/get?run_id=${runInternal}`), 200);
      expect(await f.call('bob', 'POST', `${M}/runs/create`, { experiment_id: internalExp }), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'POST', `${M}/runs/log-batch`, { run_id: runInternal, params: [{ key: 'p', value: '1' }] }), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'POST', `${M}/runs/set-tag`, { run_id: runInternal, key: 'k', value: 'v' }), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'POST', `${M}/experiments/set-experiment-tag`, { experiment_id: internalExp, key: 'k', value: 'v' }), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${internalExp}/${runInternal}/artifacts/x.txt`, 'x'), 403, 'PERMISSION_DENIED');
    });

    test('a viewer reads, never writes; a maintainer of the parent team reads the child team\'s private work', async () => {
      expect(await f.call('vera', 'GET', `${M}/experiments/get?experiment_id=${privateExp}`), 200);
      expect(await f.call('vera', 'POST', `${M}/runs/log-batch`, { run_id: runA, params: [{ key: 'p', value: '1' }] }), 403, 'PERMISSION_DENIED');
      expect(await f.call('vera', 'POST', `${M}/experiments/create`, { name: 'v-exp' }), 200); // no writable team: unowned, internal
      expect(await f.call('paul', 'GET', `${M}/runs/get?run_id=${runA}`), 200);
      const s = await f.call('paul', 'POST', `${M}/experiments/search`, {});
      assert.ok(s.body.experiments.some((e: { name: string }) => e.name === 'a-private'));
      expect(await f.call('paul', 'POST', `${M}/runs/set-tag`, { run_id: runA, key: 'k', value: 'v' }), 403, 'PERMISSION_DENIED');
    });

    test('several teams and no owner named: 400 naming the tag; the tag picks one; ownership tags are fixed', async () => {
      const r = await f.call('multi', 'POST', `${M}/experiments/create`, { name: 'm-exp' });
      expect(r, 400, 'INVALID_PARAMETER_VALUE');
      assert.match(r.body.message, /flywheel\.owner_team/);
      expect(await f.call('multi', 'POST', `${M}/experiments/create`, { name: 'm-exp', tags: [{ key: 'flywheel.owner_team', value: 'team-b' }] }), 200);
      const notMine = await f.call('alice', 'POST', `${M}/experiments/create`, { name: 'steal', tags: [{ key: 'flywheel.owner_team', value: 'team-b' }] });
      expect(notMine, 403, 'PERMISSION_DENIED');
    });

    test('visibility changes by its tag, by a maintainer; the owner team does not change through tags', async () => {
      const id = (await f.call('alice', 'POST', `${M}/experiments/create`, { name: 'a-toggle' })).body.experiment_id;
      const setVis = (who: 'alice' | 'root', value: string) => f.call(who, 'POST', `${M}/experiments/set-experiment-tag`, { experiment_id: id, key: 'flywheel.visibility', value });
      expect(await setVis('alice', 'internal'), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'GET', `${M}/experiments/get?experiment_id=${id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
      expect(await setVis('root', 'public'), 400, 'INVALID_PARAMETER_VALUE');
      expect(await setVis('root', 'internal'), 200);
      expect(await f.call('bob', 'GET', `${M}/experiments/get?experiment_id=${id}`), 200);
      expect(await f.call('root', 'POST', `${M}/experiments/set-experiment-tag`, { experiment_id: id, key: 'flywheel.owner_team', value: 'team-b' }), 400, 'INVALID_PARAMETER_VALUE');
      expect(await f.call('root', 'POST', `${M}/experiments/delete-experiment-tag`, { experiment_id: id, key: 'flywheel.visibility' }), 400, 'INVALID_PARAMETER_VALUE');
      const unowned = (await f.call('nobody', 'POST', `${M}/experiments/create`, { name: 'n-exp' })).body.experiment_id;
      expect(await f.call('root', 'POST', `${M}/experiments/set-experiment-tag`, { experiment_id: unowned, key: 'flywheel.visibility', value: 'private' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    test('delete needs maintainer or admin; a platform admin sees and does everything', async () => {
      expect(await f.call('alice', 'POST', `${M}/experiments/delete`, { experiment_id: privateExp }), 403, 'PERMISSION_DENIED');
      const s = await f.call('root', 'POST', `${M}/experiments/search`, {});
      assert.ok(s.body.experiments.some((e: { name: string }) => e.name === 'a-private'));
      expect(await f.call('root', 'POST', `${M}/runs/set-tag`, { run_id: runA, key: 'k', value: 'v' }), 200);
      expect(await f.call('root', 'POST', `${M}/experiments/delete`, { experiment_id: privateExp }), 200);
    });
  });
}
