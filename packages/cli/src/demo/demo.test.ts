import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlywheelClient } from '@flywheel/sdk';
import { createTestPlatform, DIALECTS } from '../../../server/src/test-support/platform.js';
import { runYarnItDemo, type DemoSummary } from './yarnit-demo.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

for (const dialect of DIALECTS) {
  describe(`flywheel demo: the whole YarnIt loop on a real server (${dialect})`, () => {
    let p: TestPlatform;
    let url: string;
    let token: string;
    let first: DemoSummary;
    before(async () => {
      p = await createTestPlatform(dialect);
      url = await p.app.listen({ host: '127.0.0.1', port: 0 });
      await p.services.org.bootstrapUser({ username: 'root', password: 'a long enough password', isAdmin: true });
      const login = await new FlywheelClient({ url }).request<{ token: { token: string } }>('POST', '/api/v1/auth/login', { json: { username: 'root', password: 'a long enough password', issue: 'token' } });
      token = login.token.token;
      first = await runYarnItDemo({ url, adminToken: token, requests: 400, quiet: true });
    });
    after(() => p?.dispose());

    test('the organization, the policy refusal, governance and the deployment are in place', async () => {
      const fw = new FlywheelClient({ url, token });
      const teams = await fw.request<{ teams: { name: string }[] }>('GET', '/api/v1/teams');
      assert.deepEqual(teams.teams.map((t) => t.name).sort(), ['data-platform', 'ml-coe', 'recsys']);
      assert.match(first.refusedAlias, /model card|review|approved/i, 'the unreviewed champion is refused by the CoE policy');
      assert.equal(first.versions.length, 4);
      const champion = first.versions.find((v) => v.role === 'champion')!;
      const challenger = first.versions.find((v) => v.role === 'challenger')!;
      assert.ok(champion.auc > 0.75 && champion.auc > challenger.auc, `champion ${champion.auc} vs challenger ${challenger.auc}`);
      const d = await fw.deployments.get(first.deployment);
      const variants = (d.config as { variants: { name: string; role: string; weight: number }[] }).variants;
      assert.deepEqual(variants.map((v) => [v.name, v.role, v.weight]), [['champion', 'primary', 80], ['challenger', 'primary', 20], ['shadow', 'shadow', 0]]);
    });

    test('traffic was logged and joined with late actuals; the gates passed; drift fired the alert', async () => {
      assert.ok(typeof first.quality.roc_auc === 'number' && first.quality.roc_auc > 0.7, `quality: ${JSON.stringify(first.quality)}`);
      assert.equal(first.quality.estimated, false, 'measured from the late actuals, not estimated');
      assert.deepEqual(first.gates.map((g) => [g.to, g.passed]), [['poc', true], ['pilot', true], ['production', true]], JSON.stringify(first.gates));
      assert.ok(first.drift.before !== null && first.drift.before < 0.3, `drift before ${first.drift.before}`);
      assert.ok(first.drift.after !== null && first.drift.after > 0.3, `drift after ${first.drift.after}`);
      assert.equal(first.alertState, 'firing');
      assert.equal(first.auditVerified, true);
      // The evidence added between the two assessments (approval, card, deployment, monitor, alert) raises the score.
      const before = first.scorecard.before as { final: number } | null;
      const after = first.scorecard.after as { final: number } | null;
      assert.ok(before && after && after.final > before.final, `ML Test Score ${before?.final} → ${after?.final}`);
    });

    test('a second run on the same server works and gets its own project', async () => {
      const second = await runYarnItDemo({ url, adminToken: token, requests: 200, quiet: true });
      assert.equal(second.project, `${first.project}-2`);
      assert.equal(second.gates.find((g) => g.to === 'poc')?.passed, true);
    });
  });
}
