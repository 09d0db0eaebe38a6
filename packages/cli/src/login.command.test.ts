import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
// A small server with the org routes over a real socket (main.ts does not wire org yet).
import { createApp } from '../../server/src/http/app.js';
import { registerAuth } from '../../server/src/http/auth.js';
import { OrgRepository, OrgService, orgMigrations, orgRoutes, TeamsService } from '../../server/src/domains/org/index.js';
import { createTestStore, DIALECTS } from '../../server/src/store/test-support/stores.js';
import { ApiClient, CliError } from './client.js';
import { loginCommand, profilePath, readProfile, tokenFor } from './login.command.js';

const stdinOf = (text: string) => () => ({ stdin: Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }), stderr: process.stderr });

test('profilePath follows XDG_CONFIG_HOME, else ~/.config', () => {
  assert.equal(profilePath({ XDG_CONFIG_HOME: '/x/cfg' }), '/x/cfg/flywheel/profile.json');
  assert.match(profilePath({}), /\/\.config\/flywheel\/profile\.json$/);
});

for (const dialect of DIALECTS) {
  describe(`flywheel login on ${dialect}`, () => {
    let store: Awaited<ReturnType<typeof createTestStore>>;
    let app: FastifyInstance;
    let url: string;
    let dir: string;
    let profile: string;
    const login = async (args: string[], password: string) => {
      const program = new Command('flywheel').exitOverride();
      loginCommand(program, { io: stdinOf(password), profilePath: () => profile });
      await program.parseAsync(['login', ...args], { from: 'user' });
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-login-'));
      profile = join(dir, 'cfg', 'flywheel', 'profile.json');
      store = await createTestStore(dialect, [orgMigrations]);
      const repo = new OrgRepository(store.tables(), store.dialect);
      const org = new OrgService({ repo, clock: { now: () => Date.now() }, scrypt: { N: 1024, r: 8, p: 1 } });
      await org.bootstrapUser({ username: 'ada', password: 'ada-password' });
      app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
      registerAuth(app, { org, anonymous: 'off' });
      await app.register(async (scope) => orgRoutes(scope, { org, teams: new TeamsService({ repo, clock: { now: () => Date.now() } }) }));
      url = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await app.close();
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('saves a working API token in a 0600 profile; the password is not saved', async () => {
      await login(['--url', `${url}/`, '--username', 'ada', '--password-stdin', '--token-name', 'laptop', '--json'], 'ada-password\n');
      const st = statSync(profile);
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'cfg', 'flywheel')).mode & 0o777, 0o700);
      const text = readFileSync(profile, 'utf8');
      assert.ok(!text.includes('ada-password'));
      const p = await readProfile(profile);
      assert.equal(p.current, url);
      assert.equal(p.servers[url]!.username, 'ada');
      assert.equal(p.servers[url]!.tokenName, 'laptop');
      const token = await tokenFor(`${url}/`, profile);
      assert.match(token!, /^fw_/);
      const me = await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { username: string }).username, 'ada');
      // Every other command's client sends the saved token for the URL it talks to.
      const saved = process.env.XDG_CONFIG_HOME;
      process.env.XDG_CONFIG_HOME = join(dir, 'cfg');
      try {
        assert.equal((await new ApiClient(url).request<{ username: string }>('GET', '/api/v1/auth/me')).username, 'ada');
        process.env.XDG_CONFIG_HOME = join(dir, 'nowhere');
        await assert.rejects(new ApiClient(url).request('GET', '/api/v1/auth/me'), (e: unknown) => e instanceof CliError && /UNAUTHENTICATED/.test(e.message));
      } finally {
        if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
        else process.env.XDG_CONFIG_HOME = saved;
      }
      // Another server's entry is kept; a loosened file mode is tightened again.
      const other = JSON.parse(text) as { servers: Record<string, unknown> };
      other.servers['http://elsewhere:5000'] = { username: 'x', token: 'fw_x', tokenId: 1, tokenName: 'x', savedAt: '' };
      writeFileSync(profile, JSON.stringify(other), { mode: 0o644 });
      await login(['--url', url, '--username', 'ada', '--password-stdin'], 'ada-password');
      assert.equal(statSync(profile).mode & 0o777, 0o600);
      const again = await readProfile(profile);
      assert.deepEqual(Object.keys(again.servers).sort(), ['http://elsewhere:5000', url].sort());
      assert.match(again.servers[url]!.tokenName, /^cli@/);
    });

    test('a wrong password or an empty one fails with the reason and leaves the profile alone', async () => {
      const before = readFileSync(profile, 'utf8');
      await assert.rejects(login(['--url', url, '--username', 'ada', '--password-stdin'], 'wrong-password'), (e: unknown) => e instanceof CliError && /Wrong username or password\. \(UNAUTHENTICATED\)/.test(e.message));
      await assert.rejects(login(['--url', url, '--username', 'ada'], ''), (e: unknown) => e instanceof CliError && /empty password is refused/.test(e.message));
      await assert.rejects(login(['--url', url, '--username', 'ada', '--expires-in-days', '0'], 'x'), /--expires-in-days must be a whole number/);
      assert.equal(readFileSync(profile, 'utf8'), before);
    });
  });
}
