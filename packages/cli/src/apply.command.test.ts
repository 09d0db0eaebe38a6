import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import type { CliError } from './client.js';
import { applyCommand } from './apply.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(applyCommand, args);

const ORG_YAML = `# the organization, as code
version: 1
teams:
  - name: ml
    description: machine learning
    members:
      - { user: ada, role: admin }
      - { user: alice, role: member }
  - name: ml-fraud
    parent: ml
    members:
      - { user: alice, role: maintainer }
projects:
  - name: churn
    ownerTeam: ml
    pocEndDate: 2027-03-31
    businessCase:
      businessChallenge: churn is 4%/month
      successMetric: recall_at_10
      successTarget: 0.8
budgets:
  - { name: ml-month, team: ml, amount: 100, enforce: true }
`;

for (const dialect of DIALECTS) {
  describe(`flywheel apply, diff and export on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    let dir: string;
    const savedToken = process.env.FLYWHEEL_TOKEN;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-apply-'));
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      const { org } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password', isAdmin: true });
      await org.bootstrapUser({ username: 'alice', password: 'alice-password' });
      process.env.FLYWHEEL_TOKEN = (await org.issueToken((await org.checkPassword('ada', 'ada-password')).id, { name: 'cli' })).token;
    });
    after(async () => {
      if (savedToken === undefined) delete process.env.FLYWHEEL_TOKEN;
      else process.env.FLYWHEEL_TOKEN = savedToken;
      await fw.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('diff, apply, apply again, edit and diff, export round trip', async () => {
      const file = join(dir, 'org.yaml');
      writeFileSync(file, ORG_YAML);
      let r = await run(['diff', '-f', file, '--exit-code', '--url', url]);
      assert.equal(r.code, 1);
      // The test runner's own messages may precede the first line: no ^ here.
      assert.match(r.out, /\+ team ml {2}description: machine learning$/m);
      assert.match(r.out, /^\+ team ml-fraud {2}parent: ml$/m);
      assert.match(r.out, /^\+ member ml-fraud\/alice {2}role: maintainer$/m);
      assert.match(r.out, /^\+ project churn {2}ownerTeam: ml, pocEndDate: \d+, businessCase\.businessChallenge: churn is 4%\/month/m);
      assert.match(r.out, /Plan: 7 to create, 0 to change, 0 to remove; 0 unchanged\./);
      assert.deepEqual(await fw.services.teams.tree(), [], 'diff writes nothing');

      r = await run(['apply', '-f', file, '--url', url]);
      assert.match(r.out, /Applied: 7 created, 0 changed, 0 removed; 0 unchanged\./);
      assert.equal((await fw.services.teams.getTeam('ml-fraud')).parent, 'ml');
      r = await run(['apply', '-f', file, '--url', url]);
      assert.match(r.out, /No changes: the organization already matches .*org\.yaml \(7 unchanged\)/);
      assert.equal((await run(['diff', '-f', file, '--exit-code', '--url', url])).code, 0);

      writeFileSync(file, ORG_YAML.replace('successTarget: 0.8', 'successTarget: 0.85').replace('{ user: alice, role: member }', '{ user: alice, role: viewer }'));
      r = await run(['diff', '-f', file, '--url', url]);
      assert.match(r.out, /^~ member ml\/alice {2}role: member → viewer$/m);
      assert.match(r.out, /^~ project churn {2}businessCase\.successTarget: 0\.8 → 0\.85$/m);

      const exported = join(dir, 'exported.yaml');
      assert.match((await run(['export', '-o', exported, '--url', url])).out, /Wrote .*exported\.yaml/);
      const text = readFileSync(exported, 'utf8');
      assert.match(text, /name: ml-fraud\n\s+parent: ml/);
      assert.match((await run(['diff', '-f', exported, '--url', url])).out, /No changes \(\d+ unchanged\)/);
      const json = join(dir, 'exported.json');
      await run(['export', '--format', 'json', '-o', json, '--url', url]);
      assert.match((await run(['apply', '--dry-run', '-f', json, '--url', url])).out, /No changes/);
    });

    test('errors name the field or the line', async () => {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'teams:\n  - name: ml\n    members:\n      - { user: ada, role: owner }\n');
      await assert.rejects(run(['apply', '-f', bad, '--url', url]), (e: CliError) => /teams\[0\]\.members\[0\]\.role must be one of/.test(e.message) && e.exitCode === 1);
      writeFileSync(bad, 'teams: [\n');
      await assert.rejects(run(['diff', '-f', bad, '--url', url]), (e: CliError) => /YAML document does not parse.*line/s.test(e.message));
      await assert.rejects(run(['apply', '-f', join(dir, 'missing.yaml'), '--url', url]), (e: CliError) => /no such file/.test(e.message) && e.exitCode === 2);
    });
  });
}
