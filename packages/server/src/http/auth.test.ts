import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { createTestStore, DIALECTS } from '../store/test-support/stores.js';
import type { Store } from '../store/index.js';
import { OrgRepository, OrgService, orgMigrations, orgRoutes, TeamsService } from '../domains/org/index.js';
import { createApp, nativeErrorHandler } from './app.js';
import { anonymousDefault, registerAuth, type AnonymousAccess, type CallerResolver } from './auth.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

test('anonymousDefault: loopback is full, everything else is off', () => {
  for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3', '::ffff:127.0.0.1', 'LOCALHOST']) assert.equal(anonymousDefault(h), 'full', h);
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'flywheel.example.org', '128.0.0.1', '127.0.0.1.nip.io']) assert.equal(anonymousDefault(h), 'off', h);
});

for (const dialect of DIALECTS) {
  describe(`auth plugin on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let org: OrgService;
    let now = 1_700_000_000_000;
    const clock = { now: () => now };
    const apps: FastifyInstance[] = [];
    let checks = 0;

    /** A small app: the shell, the plugin, the org routes and dummy routes that echo the caller. */
    async function appWith(anonymous: AnonymousAccess): Promise<{ app: FastifyInstance; resolver: CallerResolver }> {
      const app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
      const resolver = registerAuth(app, { org, anonymous, clock, basicCacheTtlMs: 60_000 });
      const echo = async (req: { principal: unknown }) => ({ principal: req.principal });
      app.get('/api/v1/things', echo);
      app.post('/api/v1/things', echo);
      app.post('/api/2.0/mlflow/runs/search', echo);
      app.post('/api/2.0/mlflow/runs/create', echo);
      await app.register(async (scope) => orgRoutes(scope, { org, teams: new TeamsService({ repo: new OrgRepository(store.tables(), store.dialect), clock }) }));
      await app.ready();
      apps.push(app);
      return { app, resolver };
    }

    before(async () => {
      store = await createTestStore(dialect, [orgMigrations]);
      const repo = new OrgRepository(store.tables(), store.dialect);
      // Count password checks: the basic-auth cache must spare them.
      org = new (class extends OrgService {
        override checkPassword(u: string, p: string, source?: string) {
          checks++;
          return super.checkPassword(u, p, source);
        }
      })({ repo, clock, scrypt: { N: 1024, r: 8, p: 1 } });
      await org.bootstrapUser({ username: 'root', password: 'root-password', isAdmin: true });
      await org.bootstrapUser({ username: 'ada', password: 'ada-password' });
    });
    after(async () => {
      for (const a of apps) await a.close();
      await store.dispose();
    });

    test('anonymous off: public paths answer, everything else is 401 in the right shape', async () => {
      const { app } = await appWith('off');
      for (const url of ['/health', '/version', '/ready']) assert.equal((await app.inject({ url })).statusCode, 200, url);
      const native = await app.inject({ url: '/api/v1/things' });
      assert.equal(native.statusCode, 401);
      assert.equal(native.json().error.code, 'UNAUTHENTICATED');
      assert.match(native.json().error.message, /Authentication required: send an API token/);
      assert.equal(native.headers['www-authenticate'], 'Bearer realm="flywheel"');
      const mlflow = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: {} });
      assert.equal(mlflow.statusCode, 401);
      assert.equal(mlflow.json().error_code, 'UNAUTHENTICATED');
      // Logging in is public; the session cookie then identifies the caller.
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ada', password: 'ada-password' } });
      assert.equal(login.statusCode, 200);
      const setCookie = String(login.headers['set-cookie']);
      assert.match(setCookie, /^fw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/, 'no Secure over plain http');
      const cookie = setCookie.split(';')[0]!;
      const me = await app.inject({ url: '/api/v1/things', headers: { cookie } });
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json().principal, { userId: 2, username: 'ada', isAdmin: false, teams: [] });
      // X-Forwarded-Proto is not believed without Fastify's trustProxy: anyone could send it.
      const forwarded = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ada', password: 'ada-password' }, headers: { 'x-forwarded-proto': 'https' } });
      assert.doesNotMatch(String(forwarded.headers['set-cookie']), /Secure/);
    });

    test('behind a TLS proxy (trustProxy) the session cookie is Secure', async () => {
      const app = Fastify({ trustProxy: true });
      app.setErrorHandler(nativeErrorHandler);
      await app.register(async (scope) => orgRoutes(scope, { org, teams: new TeamsService({ repo: new OrgRepository(store.tables(), store.dialect), clock }) }));
      apps.push(app);
      const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ada', password: 'ada-password' }, headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['set-cookie']), /; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/);
    });

    test('bearer tokens: the MLflow token works; revoked, forged and unknown schemes are refused, not downgraded', async () => {
      const { app } = await appWith('full');
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ada', password: 'ada-password', issue: 'token', tokenName: 'mlflow' } });
      assert.equal(login.statusCode, 200);
      const token = login.json().token.token as string;
      assert.equal(login.headers['set-cookie'], undefined, 'a token login sets no cookie');
      const ok = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: {}, headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.json().principal.username, 'ada');
      const forged = await app.inject({ url: '/api/v1/things', headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
      assert.equal(forged.statusCode, 401, 'a wrong credential is refused even with anonymous full');
      assert.equal(forged.json().error.message, 'The API token is not valid.');
      const other = await app.inject({ url: '/api/v1/things', headers: { authorization: 'Digest abc' } });
      assert.match(other.json().error.message, /Unsupported Authorization scheme 'digest'/);
      // Revoke through the API with the token itself.
      const list = await app.inject({ url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(list.json().tokens.map((t: { name: string }) => t.name), ['mlflow']);
      assert.ok(!list.body.includes(token.slice(14)), 'no secret in the list');
      const revoke = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${list.json().tokens[0].id}`, headers: { authorization: `Bearer ${token}` } });
      assert.equal(revoke.statusCode, 200);
      const after = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: {}, headers: { authorization: `Bearer ${token}` } });
      assert.equal(after.statusCode, 401);
      assert.match(after.json().message, /'mlflow' .* was revoked/);
    });

    test('basic credentials: verified once then cached; password change, disable and expiry take effect', async () => {
      const { app, resolver } = await appWith('off');
      resolver.clearCache();
      const call = (auth: string) => app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: {}, headers: { authorization: auth } });
      checks = 0;
      for (let i = 0; i < 5; i++) assert.equal((await call(basic('ada', 'ada-password'))).json().principal.username, 'ada');
      assert.equal(checks, 1, 'scrypt paid once for five calls');
      const wrong = await call(basic('ada', 'nope-nope'));
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().message, 'Wrong username or password.');
      // TTL: after it, the password is checked again.
      now += 60_000;
      await call(basic('ada', 'ada-password'));
      assert.equal(checks, 3);
      // A password change invalidates the cached entry at once (the stored hash changed).
      const root = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'root-password', issue: 'token' } });
      const admin = { authorization: `Bearer ${root.json().token.token}` };
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/users/ada/password', payload: { newPassword: 'ada-password-2' }, headers: admin })).statusCode, 204);
      assert.equal((await call(basic('ada', 'ada-password'))).statusCode, 401);
      assert.equal((await call(basic('ada', 'ada-password-2'))).statusCode, 200);
      // Disabling is immediate too.
      assert.equal((await app.inject({ method: 'PATCH', url: '/api/v1/users/ada', payload: { disabled: true }, headers: admin })).statusCode, 200);
      const disabled = await call(basic('ada', 'ada-password-2'));
      assert.equal(disabled.statusCode, 401);
      assert.match(disabled.json().message, /'ada' is disabled/);
      await app.inject({ method: 'PATCH', url: '/api/v1/users/ada', payload: { disabled: false }, headers: admin });
      // An API token as the basic password (MLFLOW_TRACKING_PASSWORD=fw_…) must belong to the named user.
      const t = (await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'as-password' }, headers: admin })).json().token as string;
      assert.equal((await call(basic('root', t))).json().principal.username, 'root');
      assert.equal((await call(basic('ada', t))).statusCode, 401);
      assert.equal((await call('Basic bm9jb2xvbg==')).json().message, 'Malformed basic credentials: expected base64 of username:password.');
      // Guessing through basic auth meets the login limit: 429 in MLflow's shape.
      let last;
      for (let i = 0; i < 11; i++) last = await call(basic('ada', `guess-${i}`));
      assert.equal(last!.statusCode, 429);
      assert.equal(last!.json().error_code, 'REQUEST_LIMIT_EXCEEDED');
      assert.match(last!.json().message, /Too many failed logins for 'ada' from 127\.0\.0\.1/);
    });

    test('anonymous read: GETs and searches pass, writes need credentials; expired session says so', async () => {
      const { app } = await appWith('read');
      assert.equal((await app.inject({ url: '/api/v1/things' })).json().principal, null);
      assert.equal((await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: {} })).statusCode, 200);
      const write = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: {} });
      assert.equal(write.statusCode, 401);
      assert.match(write.json().message, /Authentication required to change anything/);
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/things' })).statusCode, 401);
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'root-password' } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/things', headers: { cookie } })).json().principal.username, 'root');
      now += 12 * 3_600_000;
      const expired = await app.inject({ method: 'POST', url: '/api/v1/things', headers: { cookie } });
      assert.equal(expired.statusCode, 401);
      assert.equal(expired.json().error.message, 'Your session has expired; log in again.');
      assert.equal((await app.inject({ url: '/api/v1/things', headers: { cookie } })).statusCode, 200, 'a stale cookie still reads anonymously');
    });

    test('anonymous full: everything passes with a null principal; logout ends the session', async () => {
      const { app } = await appWith('full');
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/things' })).json().principal, null);
      const me = await app.inject({ url: '/api/v1/auth/me' });
      assert.equal(me.statusCode, 401, 'no one to describe');
      // Anonymous never administers people, whatever the mode.
      const create = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { username: 'zed', password: 'zed-password' } });
      assert.equal(create.statusCode, 401);
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: 'root-password' } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      assert.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).json().username, 'root');
      const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /^fw_session=; .*Max-Age=0/);
      assert.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 401);
    });
  });
}
