import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import { Access } from '../../server/src/domains/org/access.js';
import type { CliError } from './client.js';
import { catalogCommand } from './catalog.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(catalogCommand, args);
const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`flywheel catalog search on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    const savedToken = process.env.FLYWHEEL_TOKEN;
    before(async () => {
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      const { org, teams, datasets, projects } = fw.services;
      await org.bootstrapUser({ username: 'alice', password: 'alice-password' });
      await teams.createTeam(ROOT, { name: 'growth' });
      await teams.createTeam(ROOT, { name: 'risk' });
      await teams.setMember(ROOT, 'growth', 'alice', 'member');
      await datasets.createDataset('fraud-events', 'card transactions', { ownerTeam: 'risk', access: new Access(ROOT, 'full', () => datasets.teamTree()) });
      await datasets.createDataset('fraud-labels', 'chargebacks', {});
      await projects.create({ actor: 'root', source: null, principal: ROOT }, { name: 'fraud', ownerTeam: 'growth' });
      process.env.FLYWHEEL_TOKEN = (await org.issueToken((await org.checkPassword('alice', 'alice-password')).id, { name: 'cli' })).token;
    });
    after(async () => {
      if (savedToken === undefined) delete process.env.FLYWHEEL_TOKEN;
      else process.env.FLYWHEEL_TOKEN = savedToken;
      await fw.dispose();
    });

    test('a table of what alice may read; --kind, --json; a bad kind is refused', async () => {
      const r = await run(['catalog', 'search', 'fraud', '--url', url]);
      assert.match(r.out, /KIND\s+NAME\s+TEAM\s+VISIBILITY\s+MATCHED\s+DESCRIPTION/);
      assert.match(r.out, /project\s+fraud\s+growth\s+internal\s+name/);
      assert.match(r.out, /dataset\s+fraud-labels\s+internal\s+name\s+chargebacks/);
      assert.doesNotMatch(r.out, /fraud-events/, "risk's private dataset is hidden from alice");
      const json = JSON.parse((await run(['catalog', 'search', 'fraud', '--kind', 'dataset', '--json', '--url', url])).out.replace(/^[^{]*/, '')) as { items: { name: string }[] };
      assert.deepEqual(json.items.map((i) => i.name), ['fraud-labels']);
      assert.match((await run(['catalog', 'search', 'zebra', '--url', url])).out, /Nothing matches 'zebra'/);
      await assert.rejects(run(['catalog', 'search', 'fraud', '--kind', 'boat', '--url', url]), (e: CliError) => /kind 'boat'/.test(e.message) && e.exitCode === 1);
    });
  });
}
