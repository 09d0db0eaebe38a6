import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { createApp } from '../../http/app.js';
import { registerAuth } from '../../http/auth.js';
import { orgMigrations } from './org.migrations.js';
import { OrgRepository } from './org.repository.js';
import { OrgService } from './org.service.js';
import { TeamsService } from './teams.service.js';
import { orgRoutes } from './org.routes.js';

for (const dialect of DIALECTS) {
  describe(`org routes on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let app: FastifyInstance;
    let admin: Record<string, string>;
    before(async () => {
      store = await createTestStore(dialect, [orgMigrations]);
      const repo = new OrgRepository(store.tables(), store.dialect);
      const clock = { now: () => 1_700_000_000_000 };
      const org = new OrgService({ repo, clock, scrypt: { N: 1024, r: 8, p: 1 } });
      app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
      registerAuth(app, { org, anonymous: 'off' });
      await app.register(async (scope) => orgRoutes(scope, { org, teams: new TeamsService({ repo, clock }) }));
      await app.ready();
      await org.bootstrapUser({ username: 'root', password: 'root-password', isAdmin: true });
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'root-password', issue: 'token', tokenName: 'tests' } });
      admin = { authorization: `Bearer ${login.json().token.token}` };
    });
    after(async () => {
      await app.close();
      await store.dispose();
    });

    const as = (headers: Record<string, string>) => (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    const err = (r: { statusCode: number; json(): { error: { code: string; message: string } } }, status: number, re: RegExp) => {
      assert.equal(r.statusCode, status, JSON.stringify(r.json()));
      assert.match(r.json().error.message, re);
    };

    test('login: wrong password is 401 with one message; bad bodies are 400 naming the field', async () => {
      err(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'nope-nope' } }), 401, /^Wrong username or password\.$/);
      err(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root' } }), 400, /body\.password is required/);
      err(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'x', extra: 1 } }), 400, /body\.extra is not a known field/);
      err(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'root-password', issue: 'cookie' } }), 400, /body\.issue/);
      err(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'root-password', tokenName: 'x' } }), 400, /tokenName\/expiresInDays: they apply to issue='token' only/);
    });

    test('users over HTTP: create (201), get, list, self-edit, 403 for others, password change', async () => {
      const api = as(admin);
      const c = await api('POST', '/api/v1/users', { username: 'ada', password: 'ada-password', displayName: 'Ada', skills: ['data_scientist'] });
      assert.equal(c.statusCode, 201);
      assert.deepEqual(c.json(), { username: 'ada', displayName: 'Ada', email: null, isAdmin: false, disabled: false, skills: ['data_scientist'], createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000 });
      assert.ok(!c.body.includes('password'), 'no hash in answers');
      err(await api('POST', '/api/v1/users', { username: 'ada', password: 'ada-password' }), 409, /'ada' already exists/);
      err(await api('POST', '/api/v1/users', { username: 'b', password: 'b-password', skills: ['chef'] }), 400, /Invalid skills\[0\] 'chef'/);
      err(await api('POST', '/api/v1/users', { username: 'b', password: 123 }), 400, /body\.password/);
      const ada = as({ authorization: `Bearer ${(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ada', password: 'ada-password', issue: 'token' } })).json().token.token}` });
      err(await ada('POST', '/api/v1/users', { username: 'eve', password: 'eve-password' }), 403, /Only a platform admin may create users; 'ada' is not one/);
      assert.equal((await ada('GET', '/api/v1/auth/me')).json().username, 'ada');
      const edited = await ada('PATCH', '/api/v1/users/ada', { email: 'ada@example.org', skills: ['ml_engineer', 'data_scientist'] });
      assert.equal(edited.statusCode, 200);
      assert.deepEqual(edited.json().skills, ['data_scientist', 'ml_engineer']);
      err(await ada('PATCH', '/api/v1/users/root', { displayName: 'x' }), 403, /only their own profile/);
      err(await ada('PATCH', '/api/v1/users/ada', { isAdmin: true }), 403, /Only a platform admin may change isAdmin/);
      err(await ada('POST', '/api/v1/users/ada/password', { currentPassword: 'wrong-wrong', newPassword: 'ada-password-2' }), 403, /currentPassword: it does not match/);
      assert.equal((await ada('POST', '/api/v1/users/ada/password', { currentPassword: 'ada-password', newPassword: 'ada-password-2' })).statusCode, 204);
      err(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ada', password: 'ada-password' } }), 401, /Wrong/);
      const list = await api('GET', '/api/v1/users?maxResults=1');
      assert.deepEqual(list.json().users.map((u: { username: string }) => u.username), ['ada']);
      assert.ok(list.json().nextPageToken);
      err(await api('GET', '/api/v1/users/ghost'), 404, /'ghost' not found/);
      err(await api('DELETE', '/api/v1/tokens/abc'), 400, /params\.id/);
      err(await api('POST', '/api/v1/tokens', { name: 'x', expiresInDays: 0 }), 400, /body\.expiresInDays/);
    });

    test('teams over HTTP: create, tree, members with roles, cycles refused, 401 without credentials', async () => {
      const api = as(admin);
      assert.equal((await api('POST', '/api/v1/teams', { name: 'ml', description: 'ML' })).statusCode, 201);
      assert.equal((await api('POST', '/api/v1/teams', { name: 'vision', parent: 'ml' })).statusCode, 201);
      const tree = await api('GET', '/api/v1/teams');
      assert.deepEqual(tree.json().teams.map((t: { name: string; children: { name: string }[] }) => [t.name, t.children.map((c) => c.name)]), [['ml', ['vision']]]);
      const put = await api('PUT', '/api/v1/teams/vision/members/ada', { role: 'admin' });
      assert.equal(put.statusCode, 200);
      assert.deepEqual(put.json().members, [{ username: 'ada', displayName: 'Ada', role: 'admin' }]);
      err(await api('PUT', '/api/v1/teams/vision/members/ada', { role: 'boss' }), 400, /Invalid role 'boss'/);
      err(await api('PUT', '/api/v1/teams/vision/members/ada', {}), 400, /body\.role is required/);
      err(await api('PATCH', '/api/v1/teams/ml', { parent: 'vision' }), 400, /Invalid parent 'vision': it is inside 'ml'/);
      const got = await api('GET', '/api/v1/teams/ml');
      assert.deepEqual([got.json().parent, got.json().children], [null, ['vision']]);
      err(await app.inject({ method: 'GET', url: '/api/v1/teams' }), 401, /Authentication required/);
      assert.deepEqual((await api('GET', '/api/v1/users/ada')).json().teams, [{ team: 'vision', role: 'admin' }]);
      const removed = await api('DELETE', '/api/v1/teams/vision/members/ada');
      assert.deepEqual(removed.json().members, []);
    });
  });
}
