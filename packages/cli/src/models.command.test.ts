import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import type { CliError } from './client.js';
import { modelsCommand } from './models.command.js';
import { registerChurnModels } from './test-support/serving-e2e.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) => runInProcess(modelsCommand, args);
/** The JSON a command printed (the test runner may have written its own bytes before it). */
const jsonOf = <T>(out: string) => JSON.parse(out.slice(out.search(/^[{[]$/m))) as T;

for (const dialect of DIALECTS) {
  describe(`flywheel models on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    let dir: string;
    const savedToken = process.env.FLYWHEEL_TOKEN;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-models-'));
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      // Versions 1 and 2 of churn, registered by an MLflow client (anonymous on loopback) from ONNX files.
      await registerChurnModels(url);
      const { org } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password', isAdmin: true });
      process.env.FLYWHEEL_TOKEN = (await org.issueToken((await org.checkPassword('ada', 'ada-password')).id, { name: 'cli' })).token;
    });
    after(async () => {
      if (savedToken === undefined) delete process.env.FLYWHEEL_TOKEN;
      else process.env.FLYWHEEL_TOKEN = savedToken;
      await fw.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('list, show, versions, version: tables and --json; unknown names are exit 1', async () => {
      const list = await run(['models', 'list', '--url', url]);
      assert.match(list.out, /NAME\s+LATEST\s+ALIASES\s+UPDATED\s+DESCRIPTION/);
      assert.match(list.out, /churn\s+2\s+\d{4}-/);
      assert.deepEqual(jsonOf<{ models: { name: string }[] }>((await run(['models', 'list', '--search', 'CHU', '--json', '--url', url])).out).models.map((m) => m.name), ['churn']);
      assert.match((await run(['models', 'list', '--search', 'zebra', '--url', url])).out, /No models match 'zebra'\./);

      const show = await run(['models', 'show', 'churn', '--url', url]);
      assert.match(show.out, /^churn\n {2}aliases: {2}\(none\)/m);
      assert.match(show.out, /VERSION\s+STAGE\s+STATUS\s+CREATED\n-+.*\n2\s+None\s+READY/);

      const versions = await run(['models', 'versions', 'churn', '--url', url]);
      assert.match(versions.out, /VERSION\s+STAGE\s+CARD\s+APPROVAL\s+ALIASES\s+CREATED\s+RUN/);
      const rows = versions.out.trim().split('\n').slice(2);
      assert.deepEqual(rows.map((r) => r.split(/\s+/).slice(0, 4).join(' ')), ['2 None - pending', '1 None - pending']);

      const v1 = await run(['models', 'version', 'churn', '1', '--url', url]);
      assert.match(v1.out, /^churn version 1 {2}\[None\] {2}READY/m);
      assert.match(v1.out, /card: {6}\(none\)/);
      assert.match(v1.out, /approval: {2}pending/);
      assert.match(v1.out, /Signature \(onnx\):\nIO\s+NAME\s+TYPE\s+SHAPE\n/);
      assert.match(v1.out, /input\s+\S+\s+float32\s+\[/);
      const detail = jsonOf<{ version: string; signature: { inputs: unknown[] } }>((await run(['models', 'version', 'churn', '1', '--json', '--url', url])).out);
      assert.equal(detail.version, '1');
      assert.equal(detail.signature.inputs.length, 1);

      await assert.rejects(run(['models', 'show', 'nope', '--url', url]), (e: CliError) => e.exitCode === 1 && /nope/.test(e.message) && /not found|does not exist/i.test(e.message));
      await assert.rejects(run(['models', 'versions', 'nope', '--url', url]), (e: CliError) => e.exitCode === 1 && /nope/.test(e.message));
      await assert.rejects(run(['models', 'version', 'churn', '9', '--url', url]), (e: CliError) => e.exitCode === 1 && /version/i.test(e.message) && !/The server answered/.test(e.message));
      // Usage errors, before any request.
      await assert.rejects(run(['models', 'version', 'churn', 'latest', '--url', url]), (e: unknown) => e instanceof CommanderError && /expected a version number/.test(e.message));
      await assert.rejects(run(['models', 'card-status', 'churn', '1', 'Done', '--url', url]), (e: unknown) => e instanceof CommanderError && /Draft, PendingReview, Approved, Archived/.test(e.message));
    });

    test('a policy refuses the alias with every unmet condition (exit 1); card, review and approval meet it', async () => {
      const res = await fetch(`${url}/api/v1/policies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.FLYWHEEL_TOKEN}` },
        body: JSON.stringify({ name: 'champion-gate', scope: {}, action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'model_card_approved' }, { type: 'reviews', min: 1 }] }),
      });
      assert.equal(res.status, 201, await res.text());

      await assert.rejects(run(['models', 'alias', 'churn', 'champion', '1', '--url', url]), (e: CliError) => {
        assert.match(e.message, /Setting alias 'champion' on model 'churn' version 1 is blocked by policy: 2 unmet condition\(s\)/);
        assert.match(e.message, /model card must be Approved/);
        assert.match(e.message, /approving review/);
        assert.match(e.message, /\(PERMISSION_DENIED\)$/);
        return e.exitCode === 1;
      });

      const card = join(dir, 'card.json');
      writeFileSync(card, JSON.stringify({ intendedUse: 'Rank retention offers', riskRating: 'medium', quantitativeAnalyses: [{ group: 'new customers', metric: 'recall', value: 0.61 }] }));
      const saved = await run(['models', 'card', 'churn', '1', '--file', card, '--url', url]);
      assert.match(saved.out, /Saved the model card of churn version 1 \(Draft\)\./);
      const shown = await run(['models', 'card', 'churn', '1', '--url', url]);
      assert.match(shown.out, /Model card of churn version 1 {2}\[Draft\] {2}risk medium/);
      assert.match(shown.out, /intendedUse:\n {2}Rank retention offers/);
      assert.match(shown.out, /new customers\s+recall\s+0\.61/);
      assert.equal(jsonOf<{ card: { intendedUse: string } }>((await run(['models', 'card', 'churn', '1', '--json', '--url', url])).out).card.intendedUse, 'Rank retention offers');
      // A card the server refuses: its message, exit 1; a file that is not JSON: exit 2.
      writeFileSync(card, JSON.stringify({ riskRating: 'extreme' }));
      await assert.rejects(run(['models', 'card', 'churn', '1', '-f', card, '--url', url]), (e: CliError) => e.exitCode === 1 && /riskRating/.test(e.message));
      writeFileSync(card, '{not json');
      await assert.rejects(run(['models', 'card', 'churn', '1', '-f', card, '--url', url]), (e: CliError) => e.exitCode === 2 && /not valid JSON/.test(e.message));

      assert.match((await run(['models', 'card-status', 'churn', '1', 'PendingReview', '--url', url])).out, /is now PendingReview\./);
      // Draft → Archived is fine, PendingReview → Archived is not: the server says so.
      await assert.rejects(run(['models', 'card-status', 'churn', '1', 'Archived', '--url', url]), (e: CliError) => e.exitCode === 1 && /PendingReview/.test(e.message) && /Archived/.test(e.message));
      assert.match((await run(['models', 'card-status', 'churn', '1', 'Approved', '--url', url])).out, /The model card of churn version 1 is now Approved\./);

      await assert.rejects(run(['models', 'approve', 'churn', '1', '--reject', '--url', url]), (e: CliError) => e.exitCode === 2 && /--reject needs --reason/.test(e.message));
      assert.match((await run(['models', 'approve', 'churn', '1', '--reject', '--reason', 'recall too low', '--url', url])).out, /churn version 1: rejected by ada \S+ \S+ — recall too low\./);
      const approved = jsonOf<{ current: { status: string; decidedBy: string }; history: unknown[] }>((await run(['models', 'approve', 'churn', '1', '--json', '--url', url])).out);
      assert.deepEqual([approved.current.status, approved.current.decidedBy, approved.history.length], ['approved', 'ada', 2]);
      // Nobody decides in someone else's name.
      await assert.rejects(run(['models', 'approve', 'churn', '2', '--by', 'bob', '--url', url]), (e: CliError) => e.exitCode === 1 && /signed in as 'ada'/.test(e.message));

      assert.match((await run(['models', 'alias', 'churn', 'champion', '1', '--url', url])).out, /Alias 'champion' of churn now points to version 1\./);
      assert.match((await run(['models', 'alias', 'churn', 'challenger', '2', '--json', '--url', url])).out, /"alias": "challenger"/);
      assert.match((await run(['models', 'show', 'churn', '--url', url])).out, /aliases: {2}champion → v1, challenger → v2|aliases: {2}challenger → v2, champion → v1/);
      const versions = jsonOf<{ versions: { version: string; aliases: string[]; card: { status: string } | null; approval: { status: string } }[] }>((await run(['models', 'versions', 'churn', '--json', '--url', url])).out);
      assert.deepEqual(versions.versions.map((v) => [v.version, v.aliases, v.card?.status ?? null, v.approval.status]), [['2', ['challenger'], null, 'pending'], ['1', ['champion'], 'Approved', 'approved']]);
      assert.match((await run(['models', 'versions', 'churn', '--url', url])).out, /\n1\s+None\s+Approved\s+approved\s+champion\s/);
    });
  });
}
