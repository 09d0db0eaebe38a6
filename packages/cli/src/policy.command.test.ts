import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The policies routes on a real socket over the whole platform of each dialect.
import { createPoliciesPlatform } from '../../server/src/domains/policies/test-support/policies-platform.js';
import { Access } from '../../server/src/domains/org/access.js';
import { DIALECTS } from '../../server/src/store/test-support/stores.js';
import { policyCommand } from './policy.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(policyCommand, args);

for (const dialect of DIALECTS) {
  describe(`flywheel policy and budget on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createPoliciesPlatform>>;
    let url: string;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-policy-'));
      fw = await createPoliciesPlatform(dialect);
      url = await fw.api.listen({ host: '127.0.0.1', port: 0 });
      await fw.services.teams.createTeam({ userId: 0, username: 'root', isAdmin: true, teams: [] }, { name: 'ml' });
      const exp = await fw.services.tracking.createExperiment({ name: 'e', ownerTeam: 'ml', access: new Access(null, 'full', () => fw.services.registry.teamTree()) });
      // 100 s of compute, ending now (this month).
      const end = Date.now();
      const run = await fw.services.tracking.createRun({ experimentId: exp, userId: 'alice', startTime: end - 100_000 });
      await fw.services.tracking.updateRun({ runId: run.info.runId, status: 'FINISHED', endTime: end });
      await fw.services.registry.createRegisteredModel({ name: 'churn' });
      await fw.services.registry.createModelVersion({ name: 'churn', source: 'models:/x', runId: run.info.runId });
    });
    after(async () => {
      await fw?.disposeAll();
      rmSync(dir, { recursive: true, force: true });
    });

    test('apply, list and check policies', async () => {
      const file = join(dir, 'policies.json');
      writeFileSync(file, JSON.stringify([{ name: 'champion-gate', action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'model_card_approved' }, { type: 'reviews', min: 2 }] }]));
      assert.match((await run(['policy', 'apply', '-f', file, '--url', url])).out, /created champion-gate v1/);
      assert.match((await run(['policy', 'apply', '-f', file, '--url', url])).out, /unchanged champion-gate v1/);
      assert.match((await run(['policy', 'list', '--url', url])).out, /champion-gate\s+1\s+organization\s+model\.alias_set \(champion\)\s+model_card_approved, reviews/);
      const check = await run(['policy', 'check', '--model', 'churn', '--version', '1', '--url', url]);
      assert.equal(check.code, 1);
      assert.match(check.out, /UNMET.*model card must be Approved/);
      assert.match(check.out, /Blocked: 2 unmet condition/);
      assert.equal((await run(['policy', 'check', '--model', 'churn', '--version', '1', '--alias', 'staging', '--url', url])).code, 0);
    });

    test('budget list and status', async () => {
      await fw.budgets.setRates({ compute_second: 1 }, { actor: 'root' });
      await fw.budgets.put({ name: 'ml-month', team: 'ml', amount: 50, enforce: true }, { actor: 'root' });
      const list = await run(['budget', 'list', '--url', url]);
      assert.match(list.out, /ml-month\s+team ml\s+\d{4}-\d{2}\s+100\.00\s+50\.00\s+200\s+yes/);
      const status = await run(['budget', 'status', 'ml-month', '--url', url]);
      assert.equal(status.code, 1);
      assert.match(status.out, /spent 100\.00 of 50\.00 \(200%\), over by 50\.00/);
      assert.match(status.out, /alerts: 50%, 80%, 100%/);
    });
  });
}
