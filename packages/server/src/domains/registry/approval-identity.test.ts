import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';

// A reviewer is who signed in: the body cannot name someone else.
for (const dialect of DIALECTS) {
  describe(`approval decisions carry the signed-in reviewer (${dialect})`, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    let token: string;
    before(async () => {
      platform = await createTestPlatform(dialect);
      const { org, registry } = platform.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password-1' });
      const ada = await org.checkPassword('ada', 'ada-password-1');
      token = (await org.issueToken(ada.id, { name: 'test' })).token;
      await registry.createRegisteredModel({ name: 'churn' });
      await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/r/artifacts/model' });
    });
    after(() => platform?.dispose());

    const decide = (payload: object, auth = true) =>
      platform.app.inject({ method: 'POST', url: '/api/v1/models/churn/versions/1/approval', payload, headers: auth ? { authorization: `Bearer ${token}` } : {} });

    test('a signed-in reviewer decides under their own name; naming someone else is refused', async () => {
      const other = await decide({ status: 'approved', decidedBy: 'grace' });
      assert.equal(other.statusCode, 403);
      assert.match(other.json().error.message, /decidedBy: you are signed in as 'ada'/);
      const own = await decide({ status: 'approved' });
      assert.equal(own.statusCode, 201, own.body);
      assert.equal(own.json().current.decidedBy, 'ada');
      assert.equal((await decide({ status: 'rejected', decidedBy: 'ada', reason: 'leak' })).statusCode, 201);
    });

    test('an anonymous caller (loopback) still names the reviewer, and must', async () => {
      assert.equal((await decide({ status: 'approved' }, false)).statusCode, 400);
      const named = await decide({ status: 'approved', decidedBy: 'grace' }, false);
      assert.equal(named.statusCode, 201, named.body);
      assert.equal(named.json().current.decidedBy, 'grace');
    });
  });
}
