import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../test-support/platform.js';
import { createAccessFixture, type AccessFixture } from '../../http/mlflow/test-support/access-fixture.js';
import type { LineageGraph } from './lineage.service.js';

const CSV = 'a,b\n1,2\n3,4\n';

for (const dialect of DIALECTS) {
  describe(`lineage follows the access rule on ${dialect}`, () => {
    let f: AccessFixture;
    let runA = '';
    before(async () => {
      f = await createAccessFixture(dialect);
      // team-a's private data, run and model; team-b's model trained on team-a's private dataset.
      const ds = await f.platform.app.inject({ method: 'POST', url: '/api/v1/datasets/a-orders/versions?format=csv&filename=o.csv', headers: { authorization: `Bearer ${f.tokens.alice}`, 'content-type': 'text/csv' }, payload: CSV });
      assert.ok(ds.statusCode < 300, ds.body);
      const hash = (ds.json() as { version: { contentHash: string } }).version.contentHash;
      const exp = await f.call('alice', 'POST', '/api/2.0/mlflow/experiments/create', { name: 'a-exp', tags: [{ key: 'flywheel.owner_team', value: 'team-a' }] });
      const run = await f.call('alice', 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp.body.experiment_id });
      runA = run.body.run.info.run_id;
      await f.call('alice', 'POST', '/api/2.0/mlflow/runs/log-inputs', { run_id: runA, datasets: [{ dataset: { name: 'a-orders', digest: hash.slice(0, 36), source_type: 'local', source: 'o.csv' } }] });
      await f.call('alice', 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'a-model', tags: [{ key: 'flywheel.owner_team', value: 'team-a' }] });
      await f.call('alice', 'POST', '/api/2.0/mlflow/model-versions/create', { name: 'a-model', source: 'x', run_id: runA });
    });
    after(() => f?.dispose());

    const get = (who: 'alice' | 'bob' | 'root', ref: string, direction = 'upstream') => f.call(who, 'GET', `/api/v1/lineage?ref=${encodeURIComponent(ref)}&direction=${direction}`);

    test("the owner team sees the whole graph; another team gets 404 for the model, the run and the dataset", async () => {
      const mine = await get('alice', 'model:a-model/1');
      assert.equal(mine.status, 200);
      assert.deepEqual((mine.body as LineageGraph).nodes.map((n) => n.kind).sort(), ['dataset_version', 'model_version', 'run']);
      for (const ref of ['model:a-model/1', `run:${runA}`, 'dataset:a-orders/1']) {
        const theirs = await get('bob', ref);
        assert.equal(theirs.status, 404, `${ref}: ${JSON.stringify(theirs.body)}`);
      }
      assert.equal((await get('root', 'model:a-model/1')).status, 200);
    });

    test("another team's private nodes are left out of a graph the caller may read", async () => {
      // bob's own model, registered from alice's private run: bob sees his version, not her run or data.
      await f.call('bob', 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'b-model', tags: [{ key: 'flywheel.owner_team', value: 'team-b' }] });
      const mv = await f.call('bob', 'POST', '/api/2.0/mlflow/model-versions/create', { name: 'b-model', source: 'x', run_id: runA });
      assert.equal(mv.status, 200, JSON.stringify(mv.body));
      const g = (await get('bob', 'model:b-model/1')).body as LineageGraph;
      assert.deepEqual(g.nodes.map((n) => n.id), ['model_version:b-model/1']);
      assert.deepEqual(g.edges, []);
      const full = (await get('root', 'model:b-model/1')).body as LineageGraph;
      assert.equal(full.nodes.length, 3, 'an admin sees the run and the dataset behind it');
    });
  });
}
