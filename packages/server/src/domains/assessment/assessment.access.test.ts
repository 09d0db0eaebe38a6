import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../test-support/platform.js';
import { createAccessFixture, type AccessFixture } from '../../http/mlflow/test-support/access-fixture.js';

for (const dialect of DIALECTS) {
  describe(`assessment follows the access rule on ${dialect}`, () => {
    let f: AccessFixture;
    before(async () => {
      f = await createAccessFixture(dialect);
      await f.call('alice', 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'a-model', tags: [{ key: 'flywheel.owner_team', value: 'team-a' }] });
      await f.call('alice', 'POST', '/api/2.0/mlflow/model-versions/create', { name: 'a-model', source: 'x' });
    });
    after(() => f?.dispose());

    test('a viewer may score a model without storing it, but not add to its history', async () => {
      assert.equal((await f.call('vera', 'POST', '/api/v1/assessment/models/a-model?store=false')).status, 200);
      const stored = await f.call('vera', 'POST', '/api/v1/assessment/models/a-model');
      assert.equal(stored.status, 403, JSON.stringify(stored.body));
      assert.equal((await f.call('alice', 'POST', '/api/v1/assessment/models/a-model')).status, 200);
      const report = await f.call('vera', 'GET', '/api/v1/assessment/models/a-model');
      assert.equal((report.body as { history: unknown[] }).history.length, 1, "only the member's snapshot was kept");
    });

    test("another team's private model linked to a project is listed as missing, never scored", async () => {
      const p = await f.call('bob', 'POST', '/api/v1/projects', { name: 'b-project', ownerTeam: 'team-b', models: ['a-model'] });
      assert.ok(p.status < 300, JSON.stringify(p.body));
      const card = await f.call('bob', 'POST', '/api/v1/assessment/projects/b-project');
      assert.equal(card.status, 200, JSON.stringify(card.body));
      const body = card.body as { models: unknown[]; missingModels: string[] };
      assert.deepEqual(body.models, []);
      assert.deepEqual(body.missingModels, ['a-model']);
    });
  });
}
