import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';

const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };
const DAY = 86_400_000;
const CSV = 'id,age,plan\n1,34,basic\n2,51,pro\n3,27,basic\n';

for (const dialect of DIALECTS) {
  describe(`dataset read grants and sandbox copies on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let now = Date.now();
    const token: Record<string, string> = {};
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who?: string, payload?: object | string, contentType?: string) =>
      fw.app.inject({
        method,
        url,
        ...(payload === undefined ? {} : { payload }),
        headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...(contentType ? { 'content-type': contentType } : {}) },
      });
    const audit = async (action: string) => (await fw.services.audit.list({ action, maxResults: 50 })).items;

    before(async () => {
      fw = await createTestPlatform(dialect, { clock: { now: () => now } });
      const { org, teams } = fw.services;
      for (const u of ['alice', 'bob', 'carol']) {
        await org.bootstrapUser({ username: u, password: `${u}-password` });
        token[u] = (await org.issueToken((await org.checkPassword(u, `${u}-password`)).id, { name: 't' })).token;
      }
      await teams.createTeam(ROOT, { name: 'growth' });
      await teams.createTeam(ROOT, { name: 'risk' });
      await teams.setMember(ROOT, 'growth', 'alice', 'maintainer');
      await teams.setMember(ROOT, 'risk', 'bob', 'member');
      const r = await call('POST', '/api/v1/datasets/customers/versions?ownerTeam=growth&filename=customers.csv', 'alice', CSV, 'text/csv');
      assert.equal(r.statusCode, 201, r.body);
    });
    after(async () => fw.dispose());

    test('a read grant opens reading (not writing) to a team or a user until it expires or is revoked', async () => {
      const names = async (who: string) => ((await call('GET', '/api/v1/datasets', who)).json().datasets as { name: string }[]).map((d) => d.name);
      assert.equal((await call('GET', '/api/v1/datasets/customers', 'bob')).statusCode, 404);
      assert.deepEqual(await names('bob'), []);

      const refusals: [string, object, number, RegExp][] = [
        ['bob', { team: 'risk' }, 404, /not found/],
        ['alice', { team: 'nope' }, 400, /team "nope" is not a team/],
        ['alice', { team: 'risk', user: 'carol' }, 400, /exactly one grantee/],
        ['alice', { user: 'nobody' }, 400, /user "nobody" is not a user/],
        ['alice', { team: 'risk', expiresInDays: 5000 }, 400, /expiresInDays/],
      ];
      for (const [who, body, status, message] of refusals) {
        const r = await call('POST', '/api/v1/datasets/customers/grants', who, body);
        assert.equal(r.statusCode, status, `${JSON.stringify(body)}: ${r.body}`);
        assert.match(r.json().error.message, message);
      }
      let r = await call('POST', '/api/v1/datasets/customers/grants', 'alice', { team: 'risk', expiresInDays: 30 });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().expiresAt, now + 30 * DAY);

      assert.equal((await call('GET', '/api/v1/datasets/customers', 'bob')).statusCode, 200);
      r = await call('GET', '/api/v1/datasets/customers/versions/1/download', 'bob');
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, CSV);
      assert.deepEqual(await names('bob'), ['customers']);
      r = await call('POST', '/api/v1/datasets/customers/versions', 'bob', 'id,age,plan\n9,9,x\n', 'text/csv');
      assert.equal(r.statusCode, 403);
      assert.match(r.json().error.message, /read grant .* does not allow changing it/);
      r = await call('POST', '/api/v1/datasets/customers/grants', 'bob', { user: 'carol' });
      assert.equal(r.statusCode, 403, 'a grantee cannot grant further');
      assert.deepEqual(await names('carol'), []);

      r = await call('POST', '/api/v1/datasets/customers/grants', 'alice', { user: 'carol' });
      assert.equal(r.statusCode, 201);
      const carolGrant = r.json().id as number;
      assert.equal((await call('GET', '/api/v1/datasets/customers/versions/1', 'carol')).statusCode, 200);
      assert.deepEqual(((await call('GET', '/api/v1/datasets/customers/grants', 'carol')).json().grants as { team: string | null; user: string | null }[]).map((g) => g.team ?? g.user), ['risk', 'carol']);
      assert.equal((await call('DELETE', `/api/v1/datasets/customers/grants/${carolGrant}`, 'alice')).statusCode, 204);
      assert.equal((await call('GET', '/api/v1/datasets/customers', 'carol')).statusCode, 404);

      now += 31 * DAY;
      assert.equal((await call('GET', '/api/v1/datasets/customers', 'bob')).statusCode, 404, 'the grant expired');
      assert.deepEqual(await names('bob'), []);
      r = await call('POST', '/api/v1/datasets/customers/grants', 'alice', { team: 'risk' });
      assert.equal(r.statusCode, 201, 'granting again renews');
      assert.equal(r.json().expiresAt, null);

      assert.deepEqual((await audit('dataset.grant_*')).map((e) => `${e.action} ${e.actor} ${e.team}`), ['dataset.grant_added alice growth', 'dataset.grant_revoked alice growth', 'dataset.grant_added alice growth', 'dataset.grant_added alice growth']);
    });

    test('a sandbox copy belongs to the requesting team, expires, and its destruction is recorded', async () => {
      let r = await call('POST', '/api/v1/datasets/customers/sandboxes', 'bob', { purpose: 'try plan features' });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /needs an expiry/);
      r = await call('POST', '/api/v1/datasets/customers/sandboxes', 'carol', { purpose: 'x', expiresInDays: 1 });
      assert.equal(r.statusCode, 404, 'a sandbox needs reading the source');

      r = await call('POST', '/api/v1/datasets/customers/sandboxes', 'bob', { purpose: 'try plan features', expiresInDays: 7 });
      assert.equal(r.statusCode, 201, r.body);
      const sb = r.json();
      assert.match(sb.sandbox, /^customers-sandbox-[0-9a-f]{8}$/);
      assert.deepEqual([sb.ownerTeam, sb.source, sb.expiresAt, sb.requestedBy], ['risk', { dataset: 'customers', version: 1 }, now + 7 * DAY, 'bob']);
      r = await call('GET', `/api/v1/datasets/${sb.sandbox}/versions/1/download`, 'bob');
      assert.equal(r.body, CSV);
      const copy = (await call('GET', `/api/v1/datasets/${sb.sandbox}/versions/1`, 'bob')).json();
      const source = (await call('GET', '/api/v1/datasets/customers/versions/1', 'alice')).json();
      assert.equal(copy.contentHash, source.contentHash);
      assert.equal((await call('GET', `/api/v1/datasets/${sb.sandbox}`, 'alice')).statusCode, 404, "private to bob's team");
      assert.deepEqual(((await call('GET', '/api/v1/dataset-sandboxes', 'bob')).json().sandboxes as { id: number }[]).map((s) => s.id), [sb.id]);

      const early = (await call('POST', '/api/v1/datasets/customers/sandboxes', 'bob', { purpose: 'quick look', expiresInDays: 1 })).json();
      r = await call('DELETE', `/api/v1/dataset-sandboxes/${early.id}`, 'bob');
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual([r.json().destroyedBy, r.json().destroyedReason], ['bob', 'destroyed on request']);
      assert.equal((await call('DELETE', `/api/v1/dataset-sandboxes/${early.id}`, 'bob')).statusCode, 409);

      now += 8 * DAY;
      r = await call('GET', `/api/v1/datasets/${sb.sandbox}`, 'bob');
      assert.equal(r.statusCode, 409);
      assert.match(r.json().error.message, /expired .* being destroyed/);
      const access = fw.services.datasetAccess;
      assert.equal(await access.destroyExpiredSandboxes(), 1);
      assert.equal(await access.destroyExpiredSandboxes(), 0);
      await assert.rejects(fw.services.datasets.getDataset(sb.sandbox), /not found/);
      assert.deepEqual(await fw.artifacts.list(`datasets/${sb.sandbox}`).catch(() => []), []);
      const record = ((await call('GET', '/api/v1/dataset-sandboxes', 'bob')).json().sandboxes as { id: number; destroyedAt: number | null; destroyedBy: string; destroyedReason: string }[]).find((s) => s.id === sb.id)!;
      assert.deepEqual([record.destroyedAt, record.destroyedBy, record.destroyedReason], [now, 'system', 'expired']);
      assert.equal((await call('GET', '/api/v1/datasets/customers/versions/1/download', 'alice')).body, CSV, 'the source is untouched');

      const destroyed = (await audit('dataset.sandbox_destroyed')).map((e) => ({ id: e.resourceId, actor: e.actor, before: e.before as { source: { dataset: string } }, after: e.after as { reason: string; files: number } }));
      assert.deepEqual(destroyed.map((d) => `${d.id} ${d.actor} ${d.after.reason} ${d.after.files} ${d.before.source.dataset}`), [`${sb.sandbox} system expired 1 customers`, `${early.sandbox} bob destroyed on request 1 customers`]);
      assert.equal((await audit('dataset.sandbox_created')).length, 2);
      assert.equal((await fw.services.audit.verify()).ok, true);
    });
  });
}
