import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { MIGRATIONS } from '@flywheel/server';
// Until @flywheel/server exports the org domain, the test reaches it by path (see the org README).
import { createFirstAdmin, verifyPassword } from '../../server/src/domains/org/index.js';
import { openStore } from '../../server/src/store/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../server/src/store/test-support/stores.js';
import { adminCommand } from './admin.command.js';
import { CliError } from './client.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const stdinOf = (text: string) => () => ({ stdin: Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }), stderr: process.stderr });

async function run(args: string[], stdin: string): Promise<void> {
  const program = new Command('flywheel').exitOverride();
  adminCommand(program, { createAdmin: (config, input) => createFirstAdmin(config, MIGRATIONS, input), io: stdinOf(stdin) });
  await program.parseAsync(['admin', 'create', ...args], { from: 'user' });
}

for (const dialect of DIALECTS) {
  describe(`flywheel admin create on ${dialect}`, () => {
    const dbs: TestDatabase[] = [];
    after(async () => {
      for (const d of dbs) await d.drop();
    });

    test('creates a platform admin in a brand-new store, with the password from stdin, hashed', async () => {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      await run(['--username', 'ada', '--password-stdin', '--data-dir', db.dataDir, '--database-url', db.url, '--json'], 'first-admin-pw\n');
      const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
      try {
        const row = await store.db.selectFrom('users').selectAll().where('username', '=', 'ada').executeTakeFirstOrThrow();
        assert.equal(row.is_admin, 1);
        assert.equal(await verifyPassword('first-admin-pw', row.password_hash), true, 'the trailing newline of stdin is not part of the password');
        // Every platform migration ran, not only org's: the server starts on this store as it is.
        const ran = (await store.db.selectFrom('fw_migration').select('name').execute()).map((r: { name: string }) => r.name);
        assert.ok(ran.includes('0600_org_init'));
        assert.ok(ran.includes('0200_datasets_init'));
      } finally {
        await store.close();
      }
      // The same username again is refused; an empty or short password too.
      await assert.rejects(run(['--username', 'ada', '--password-stdin', '--data-dir', db.dataDir, '--database-url', db.url], 'another-pw'), (e: unknown) => e instanceof CliError && /'ada' already exists/.test(e.message));
      await assert.rejects(run(['--username', 'bob', '--data-dir', db.dataDir, '--database-url', db.url], ''), (e: unknown) => e instanceof CliError && /empty password is refused/.test(e.message) && e.exitCode === 2);
      await assert.rejects(run(['--username', 'bob', '--data-dir', db.dataDir, '--database-url', db.url], 'short'), (e: unknown) => e instanceof CliError && /Invalid password: at least 8/.test(e.message));
      await assert.rejects(run(['--username', 'Bob', '--data-dir', db.dataDir, '--database-url', db.url], 'long-enough'), /lowercase letters/);
    });
  });
}

test('a bad --database-url is a usage error naming the option', async () => {
  await assert.rejects(run(['--username', 'ada', '--database-url', 'mysql://x'], 'long-enough'), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /database-url/i.test(e.message));
});

// The installed command end to end.
test('the flywheel binary creates the admin in --data-dir', async () => {
  const db = await createTestDatabase('sqlite');
  try {
    const r = spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, 'admin', 'create', '--username', 'root', '--password-stdin', '--data-dir', db.dataDir], { input: 'root-password\n', encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /created platform admin 'root'/);
  } finally {
    await db.drop();
  }
});
