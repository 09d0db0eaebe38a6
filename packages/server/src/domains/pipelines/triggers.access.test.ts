import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../test-support/platform.js';
import { createAccessFixture, type AccessFixture } from '../../http/mlflow/test-support/access-fixture.js';

for (const dialect of DIALECTS) {
  describe(`pipeline triggers follow the access rule on ${dialect}`, () => {
    let f: AccessFixture;
    before(async () => {
      f = await createAccessFixture(dialect);
      const ds = await f.platform.app.inject({ method: 'POST', url: '/api/v1/datasets/a-orders/versions?format=csv&filename=o.csv', headers: { authorization: `Bearer ${f.tokens.alice}`, 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' });
      assert.ok(ds.statusCode < 300, ds.body);
      await f.call('alice', 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'a-model', tags: [{ key: 'flywheel.owner_team', value: 'team-a' }] });
      const p = await f.call('bob', 'POST', '/api/v1/pipelines', { name: 'b-retrain', steps: [{ name: 'fit', command: ['true'] }] });
      assert.ok(p.status < 300, JSON.stringify(p.body));
    });
    after(() => f?.dispose());

    test("a trigger cannot watch another team's private dataset or model: 404, as if it did not exist", async () => {
      for (const [kind, spec] of [['dataset_version', { dataset: 'a-orders' }], ['model_version', { model: 'a-model' }]] as const) {
        const r = await f.call('bob', 'POST', '/api/v1/pipelines/b-retrain/triggers', { name: `on-${kind}`, kind, spec });
        assert.equal(r.status, 404, `${kind}: ${JSON.stringify(r.body)}`);
      }
      const list = await f.call('bob', 'GET', '/api/v1/pipelines/b-retrain/triggers');
      assert.deepEqual((list.body as { triggers: unknown[] }).triggers, [], 'nothing half-written');
      // The owner's own team may (alice is a member of team-a, but the pipeline is team-b's: root tries instead).
      const ok = await f.call('root', 'POST', '/api/v1/pipelines/b-retrain/triggers', { name: 'on-orders', kind: 'dataset_version', spec: { dataset: 'a-orders' } });
      assert.ok(ok.status < 300, JSON.stringify(ok.body));
    });
  });
}
