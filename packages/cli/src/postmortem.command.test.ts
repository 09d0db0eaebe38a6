import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import type { CliError } from './client.js';
import { postmortemCommand } from './postmortem.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(postmortemCommand, args);
const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`flywheel postmortem on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    before(async () => {
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      await fw.services.teams.createTeam(ROOT, { name: 'growth' });
      await fw.services.projects.create({ actor: 'root', source: null, principal: ROOT }, { name: 'churn', ownerTeam: 'growth' });
    });
    after(async () => fw.dispose());

    test('create from flags, list by project, show, publish; a missing title is a usage error', async () => {
      let r = await run(['postmortem', 'create', '--kind', 'success', '--title', 'Pilot beat its target', '--team', 'growth', '--occurred', '2026-11-20', '--summary', 'recall 0.82 vs 0.8', '--project', 'churn', '--incident', 'WIN-7', '--url', url]);
      assert.match(r.out, /Created postmortem #(\d+) \(success, draft\)/);
      const id = /#(\d+)/.exec(r.out)![1]!;
      r = await run(['postmortem', 'list', '--project', 'churn', '--url', url]);
      assert.match(r.out, new RegExp(`${id}\\s+success\\s+draft\\s+2026-11-20\\s+growth\\s+Pilot beat its target`));
      assert.match((await run(['postmortem', 'list', '--kind', 'incident', '--url', url])).out, /No postmortems\./);
      r = await run(['postmortem', 'show', id, '--url', url]);
      assert.match(r.out, /SUCCESS: Pilot beat its target {2}\[draft\]/);
      assert.match(r.out, /projects: churn/);
      assert.match(r.out, /incidents: WIN-7/);
      assert.match(r.out, /summary:\n {2}recall 0\.82 vs 0\.8/);
      assert.match((await run(['postmortem', 'update', id, '--status', 'published', '--url', url])).out, /Updated postmortem #\d+ \(success, published\)/);
      await assert.rejects(run(['postmortem', 'create', '--kind', 'incident', '--url', url]), (e: CliError) => /--title/.test(e.message) && e.exitCode === 2);
      await assert.rejects(run(['postmortem', 'create', '--kind', 'incident', '--title', 't', '--deployment', 'ghost', '--url', url]), (e: CliError) => /deployment 'ghost' does not exist/.test(e.message));
    });
  });
}
