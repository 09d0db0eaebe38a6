import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import type { CliError } from './client.js';
import { teamCommand, userCommand } from './team.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
/** Where `user create` reads the password: a pipe, as in `printf %s "$PW" | flywheel user create …`. */
const stdinOf = (text: string) => () => ({ stdin: Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }), stderr: process.stderr });

const run = (args: string[], stdin = '') =>
  runInProcess((program) => {
    teamCommand(program);
    userCommand(program, { io: stdinOf(stdin) });
  }, args);
/** The JSON a command printed (the test runner may have written its own bytes before it). */
const jsonOf = <T>(out: string) => JSON.parse(out.slice(out.search(/^[{[]$/m))) as T;

/** The installed binary, without blocking this process's event loop (the server runs in it). */
function flywheel(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args], { env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

for (const dialect of DIALECTS) {
  describe(`flywheel team and user on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    let adminToken: string;
    const savedToken = process.env.FLYWHEEL_TOKEN;
    before(async () => {
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      const { org } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password', isAdmin: true });
      adminToken = (await org.issueToken((await org.checkPassword('ada', 'ada-password')).id, { name: 'cli' })).token;
      process.env.FLYWHEEL_TOKEN = adminToken;
    });
    after(async () => {
      if (savedToken === undefined) delete process.env.FLYWHEEL_TOKEN;
      else process.env.FLYWHEEL_TOKEN = savedToken;
      await fw.dispose();
    });

    test('teams: create a tree, list it, add, change and remove members; refusals are exit 1, bad roles exit 2', async () => {
      assert.match((await run(['team', 'create', 'ml', '--description', 'Machine learning', '--url', url])).out, /Created team ml\./);
      assert.match((await run(['team', 'create', 'recsys', '--parent', 'ml', '--description', 'Recommendations', '--url', url])).out, /Created team recsys under ml\./);
      await run(['team', 'create', 'risk', '--url', url]);
      await assert.rejects(run(['team', 'create', 'x', '--parent', 'nope', '--url', url]), (e: CliError) => e.exitCode === 1 && /nope/.test(e.message) && !/The server answered/.test(e.message));
      await assert.rejects(run(['team', 'create', 'ml', '--url', url]), (e: CliError) => e.exitCode === 1 && /ml/.test(e.message) && /exists/.test(e.message));

      const list = await run(['team', 'list', '--url', url]);
      assert.match(list.out, /TEAM\s+DESCRIPTION\n-+\s+-+\nml\s+Machine learning\n {2}recsys\s+Recommendations\nrisk\n?$/);
      const tree = jsonOf<{ teams: { name: string; children: { name: string }[] }[] }>((await run(['team', 'list', '--json', '--url', url])).out);
      assert.deepEqual(tree.teams.map((t) => [t.name, t.children.map((c) => c.name)]), [['ml', ['recsys']], ['risk', []]]);

      await run(['user', 'create', 'alice', '--password-stdin', '--url', url], 'alice-password\n');
      await run(['user', 'create', 'bob', '--url', url], 'bob-password');
      assert.match((await run(['team', 'add-member', 'recsys', 'alice', '--role', 'maintainer', '--url', url])).out, /alice is now maintainer of recsys\./);
      await run(['team', 'add-member', 'recsys', 'bob', '--role', 'viewer', '--url', url]);
      assert.match((await run(['team', 'add-member', 'recsys', 'bob', '--role', 'member', '--url', url])).out, /bob is now member of recsys\./);
      await assert.rejects(run(['team', 'add-member', 'recsys', 'nobody', '--role', 'member', '--url', url]), (e: CliError) => e.exitCode === 1 && /nobody/.test(e.message));

      const show = await run(['team', 'show', 'recsys', '--url', url]);
      assert.match(show.out, /^recsys\n {2}Recommendations\n {2}parent: {5}ml\n/m);
      assert.match(show.out, /USERNAME\s+NAME\s+ROLE\n-+\s+-+\s+-+\nalice\s+alice\s+maintainer\nbob\s+bob\s+member/);
      const shown = jsonOf<{ members: { username: string; role: string }[] }>((await run(['team', 'show', 'recsys', '--json', '--url', url])).out);
      assert.deepEqual(shown.members.map((m) => `${m.username}:${m.role}`), ['alice:maintainer', 'bob:member']);

      assert.match((await run(['team', 'remove-member', 'recsys', 'bob', '--url', url])).out, /Removed bob from recsys\./);
      assert.doesNotMatch((await run(['team', 'show', 'recsys', '--url', url])).out, /bob/);
      assert.match((await run(['team', 'show', 'risk', '--url', url])).out, /No members\./);
      await assert.rejects(run(['team', 'show', 'nope', '--url', url]), (e: CliError) => e.exitCode === 1 && /Team 'nope' not found/.test(e.message));

      // A maintainer is not a team admin: the server refuses, and says why.
      const aliceToken = (await fw.services.org.issueToken((await fw.services.org.checkPassword('alice', 'alice-password')).id, { name: 'cli' })).token;
      process.env.FLYWHEEL_TOKEN = aliceToken;
      try {
        await assert.rejects(run(['team', 'add-member', 'recsys', 'bob', '--role', 'member', '--url', url]), (e: CliError) => e.exitCode === 1 && /NOT_ALLOWED|FORBIDDEN|not allowed|admin/i.test(e.message));
      } finally {
        process.env.FLYWHEEL_TOKEN = adminToken;
      }

      await assert.rejects(run(['team', 'add-member', 'recsys', 'bob', '--role', 'boss', '--url', url]), (e: unknown) => e instanceof CommanderError && /admin, maintainer, member, viewer/.test(e.message));
      await assert.rejects(run(['team', 'add-member', 'recsys', 'bob', '--url', url]), (e: unknown) => e instanceof CommanderError && /--role/.test(e.message));
    });

    test('users: create with the password from stdin, list, show; refusals exit 1; usage errors exit 2', async () => {
      const created = await run(['user', 'create', 'carol', '--skills', 'ml_engineer, data_scientist', '--display-name', 'Carol C', '--email', 'carol@example.com', '--url', url], 'carol-password\n');
      assert.match(created.out, /Created user 'carol'\. They log in with: flywheel login --username carol/);
      const admin = jsonOf<{ username: string; isAdmin: boolean }>((await run(['user', 'create', 'dan', '--admin', '--json', '--url', url], 'dan-password')).out);
      assert.deepEqual([admin.username, admin.isAdmin], ['dan', true]);
      // The password really is the one piped in, without its newline.
      assert.equal((await fw.services.org.checkPassword('carol', 'carol-password')).username, 'carol');

      const list = await run(['user', 'list', '--url', url]);
      assert.match(list.out, /USERNAME\s+NAME\s+ADMIN\s+DISABLED\s+SKILLS/);
      assert.match(list.out, /\ncarol\s+Carol C\s+data_scientist,ml_engineer\n/);
      assert.match(list.out, /\ndan\s+dan\s+yes\s*\n/);
      assert.deepEqual(jsonOf<{ users: { username: string }[] }>((await run(['user', 'list', '--json', '--url', url])).out).users.map((u) => u.username).filter((u) => ['ada', 'carol', 'dan'].includes(u)), ['ada', 'carol', 'dan']);

      await run(['team', 'create', 'growth', '--url', url]);
      await run(['team', 'add-member', 'growth', 'carol', '--role', 'admin', '--url', url]);
      const show = await run(['user', 'show', 'carol', '--url', url]);
      assert.match(show.out, /^carol {2}\(Carol C\)\n {2}email: {4}carol@example\.com\n {2}skills: {3}data_scientist, ml_engineer\n {2}teams: {4}growth \(admin\)/m);
      assert.match((await run(['user', 'show', 'dan', '--url', url])).out, /dan {2}\(dan\) {2}PLATFORM ADMIN/);

      // The server's refusals: exit 1 with its message.
      await assert.rejects(run(['user', 'create', 'erin', '--skills', 'wizardry', '--url', url], 'erin-password'), (e: CliError) => e.exitCode === 1 && /wizardry/.test(e.message));
      await assert.rejects(run(['user', 'create', 'erin', '--url', url], 'short'), (e: CliError) => e.exitCode === 1 && /password/i.test(e.message));
      await assert.rejects(run(['user', 'create', 'carol', '--url', url], 'carol-password'), (e: CliError) => e.exitCode === 1 && /'carol' already exists/.test(e.message));
      await assert.rejects(run(['user', 'show', 'nobody', '--url', url]), (e: CliError) => e.exitCode === 1 && /nobody/.test(e.message));
      // Usage errors: no password, a bad username.
      await assert.rejects(run(['user', 'create', 'erin', '--url', url], ''), (e: CliError) => e.exitCode === 2 && /empty password is refused/.test(e.message));
      await assert.rejects(run(['user', 'create', 'Erin', '--url', url], 'erin-password'), (e: unknown) => e instanceof CommanderError && /lowercase letters/.test(e.message));
    });

    test('the flywheel binary: a user created from piped stdin, a non-admin refused (exit 1), a missing --role (exit 2)', async () => {
      const ok = await flywheel(['user', 'create', 'frank', '--password-stdin', '--url', url], { input: 'frank-password\n', env: { FLYWHEEL_TOKEN: adminToken } });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /Created user 'frank'/);
      const frankToken = (await fw.services.org.issueToken((await fw.services.org.checkPassword('frank', 'frank-password')).id, { name: 'cli' })).token;
      const refused = await flywheel(['user', 'create', 'gina', '--url', url], { input: 'gina-password', env: { FLYWHEEL_TOKEN: frankToken } });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /^flywheel: .*admin.*\(NOT_ALLOWED\)/);
      const usage = await flywheel(['team', 'add-member', 'growth', 'frank', '--url', url]);
      assert.equal(usage.status, 2, usage.stderr);
      assert.match(usage.stderr, /required option '--role <role>' not specified/);
    });
  });
}
