import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import type { CliError } from './client.js';
import { datasetsCommand } from './datasets.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(datasetsCommand, args);
const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`flywheel datasets grant/sandbox on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    const savedToken = process.env.FLYWHEEL_TOKEN;
    before(async () => {
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      const { org, teams } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password' });
      await teams.createTeam(ROOT, { name: 'growth' });
      await teams.createTeam(ROOT, { name: 'risk' });
      await teams.setMember(ROOT, 'growth', 'ada', 'admin');
      await teams.setMember(ROOT, 'risk', 'ada', 'member');
      process.env.FLYWHEEL_TOKEN = (await org.issueToken((await org.checkPassword('ada', 'ada-password')).id, { name: 'cli' })).token;
      const r = await fw.app.inject({ method: 'POST', url: '/api/v1/datasets/customers/versions?ownerTeam=growth&filename=c.csv', payload: 'id,age\n1,30\n2,40\n', headers: { 'content-type': 'text/csv', authorization: `Bearer ${process.env.FLYWHEEL_TOKEN}` } });
      assert.equal(r.statusCode, 201, r.body);
    });
    after(async () => {
      if (savedToken === undefined) delete process.env.FLYWHEEL_TOKEN;
      else process.env.FLYWHEEL_TOKEN = savedToken;
      await fw.dispose();
    });

    test('grant, grants, revoke; sandbox, sandboxes, sandbox-destroy', async () => {
      let r = await run(['datasets', 'grant', 'customers', '--team', 'risk', '--days', '30', '--url', url]);
      assert.match(r.out, /Granted reading customers to team risk until \d{4}-\d\d-\d\d \d\d:\d\d \(grant (\d+)\)/);
      const id = /grant (\d+)\)/.exec(r.out)![1]!;
      assert.match((await run(['datasets', 'grants', 'customers', '--url', url])).out, new RegExp(`${id}\\s+team risk\\s+ada\\s+\\d{4}-`));
      assert.match((await run(['datasets', 'revoke', 'customers', id, '--url', url])).out, /Revoked grant/);
      assert.match((await run(['datasets', 'grants', 'customers', '--url', url])).out, /No grants on customers\./);
      await assert.rejects(run(['datasets', 'grant', 'customers', '--url', url]), (e: CliError) => /exactly one grantee/.test(e.message) && e.exitCode === 2);

      r = await run(['datasets', 'sandbox', 'customers', '--days', '3', '--purpose', 'feature trial', '--team', 'risk', '--url', url]);
      assert.match(r.out, /Sandbox (customers-sandbox-[0-9a-f]{8}) \(id (\d+)\): a copy of customers v1 for team risk, destroyed at/);
      const sid = /\(id (\d+)\)/.exec(r.out)![1]!;
      assert.match((await run(['datasets', 'sandboxes', '--url', url])).out, new RegExp(`${sid}\\s+customers-sandbox-\\w+\\s+customers v1\\s+risk\\s+ada`));
      assert.match((await run(['datasets', 'sandbox-destroy', sid, '--url', url])).out, /Destroyed sandbox customers-sandbox-/);
      assert.match((await run(['datasets', 'sandboxes', '--url', url])).out, /by ada \(destroyed on request\)/);
    });
  });
}
