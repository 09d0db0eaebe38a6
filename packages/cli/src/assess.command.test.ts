import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The whole platform on a real socket over a fresh store of each dialect, seeded at three levels of practice.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import { seedAssessmentWorld } from '../../server/src/domains/assessment/test-support/world.js';
import { CliError } from './client.js';
import { assessCommand } from './assess.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(assessCommand, args);

for (const dialect of DIALECTS) {
  describe(`flywheel assess on ${dialect}`, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-assess-'));
      platform = await createTestPlatform(dialect);
      await seedAssessmentWorld(platform, { userId: 0, username: 'root', isAdmin: true, teams: [] });
      url = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await platform?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('model: a readable report, --json, a trend after a second assessment, Markdown and HTML exports', async () => {
      const text = (await run(['assess', 'model', 'churn', '--url', url])).out;
      assert.match(text, /ML Test Score — churn v1: 1$/m);
      assert.match(text, /\(0,1\]: Not totally untested/);
      assert.match(text, /Features and Data\s+1\.5 \/ 7/);
      assert.match(text, /⚠ Lone superhero: carol alone trained, registered and deployed 'churn'/);
      assert.match(text, /monitor-3 Training and serving are not skewed\s+0\s+none/);

      const json = JSON.parse((await run(['assess', 'model', 'fraud', '--json', '--window-days', '7', '--url', url])).out);
      assert.equal(json.recencyWindowDays, 7);
      assert.equal(json.model, 'fraud');
      assert.equal(json.sections.length, 4);
      assert.ok(json.final > 1);

      await run(['assess', 'attest', 'churn', 'model-4', '--statement', 'staleness study', '--artifact', 'https://wiki/x', '--url', url]);
      const again = (await run(['assess', 'model', 'churn', '--url', url])).out;
      assert.match(again, /Trend \(oldest → newest\): 1 \(\d{4}-\d\d-\d\d\) → 1 \(/);
      assert.match(again, /model-4 The impact of model staleness is known\s+0\.5\s+attestation/);

      const md = join(dir, 'churn.md');
      assert.match((await run(['assess', 'model', 'churn', '--output', md, '--no-store', '--url', url])).out, /Wrote markdown report/);
      const mdText = readFileSync(md, 'utf8');
      assert.match(mdText, /^# ML Test Score — churn v1: 1$/m);
      assert.match(mdText, /^\| SECTION \| SCORE \|$/m);
      const html = join(dir, 'org.html');
      await run(['assess', 'org', '--format', 'html', '--output', html, '--url', url]);
      const htmlText = readFileSync(html, 'utf8');
      assert.match(htmlText, /^<!doctype html>/);
      assert.match(htmlText, /<h1>Maturity of the organization: Spreading<\/h1>/);
      assert.match(htmlText, /<td>churn: carol \(projects churn-reduction\)<\/td>|<li>churn: carol \(projects churn-reduction\)<\/li>/);
      // --no-store kept no snapshot: two stored model assessments of churn plus none.
      const stored = await platform.app.inject({ method: 'GET', url: '/api/v1/assessment/models/churn' });
      assert.equal(JSON.parse(stored.body).history.length, 2);
    });

    test('org and team reports; questionnaire; errors exit non-zero with the server\'s message', async () => {
      const q = (await run(['assess', 'questionnaire', '--set', 'archetype=independent', 'strategy=ml_core', '--url', url])).out;
      assert.match(q, /archetype: independent/);
      const org = (await run(['assess', 'org', '--url', url])).out;
      assert.match(org, /Maturity of the organization: Spreading$/m);
      assert.match(org, /Evidence suggests embedded; the questionnaire says independent \(overridden\)/);
      assert.match(org, /growth\s+churn-reduction\s+1\s+engineer \(ML, software or data\), product owner, statistician/);
      const project = (await run(['assess', 'project', 'churn-reduction', '--url', url])).out;
      assert.match(project, /Project churn-reduction \[idea\]: ML Test Score 1/);
      // model-4 was attested in the first test: Model Development 2 + 0.5.
      assert.match(project, /churn v1\s+1 \(0,1\]\s+1\.5\s+2\.5\s+1\.5\s+1\s+carol/);
      assert.match(project, /Team growth: 1 members; missing roles: engineer/);
      const team = (await run(['assess', 'team', 'risk', '--url', url])).out;
      assert.match(team, /Maturity of team risk: /);
      assert.match(team, /fraud\s+risk\s+yes/);
      await assert.rejects(run(['assess', 'model', 'nope', '--url', url]), (e: CliError) => /not found/i.test(e.message) && e.exitCode === 1);
      await assert.rejects(run(['assess', 'questionnaire', '--set', 'strategy=bogus', '--url', url]), (e: CliError) => /strategy/.test(e.message));
      await assert.rejects(run(['assess', 'model', 'churn', '--format', 'pdf', '--url', url]), (e: CliError) => /--format must be markdown or html/.test(e.message) && e.exitCode === 2);
    });
  });
}
