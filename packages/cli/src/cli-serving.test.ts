import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../server/src/store/test-support/stores.js';
import { logisticJs } from '../../server/src/domains/serving/test-support/serving-models.js';
import { bin, cli as cliAt, getJson, MODELS, registerChurnModels, startServer, type ServerProcess } from './test-support/serving-e2e.js';

// A user's path through serving with the CLI against a real `flywheel server`: register two
// versions of a model as an MLflow client would, deploy them 90/10, score rows, change the split,
// roll back, read the prediction log, delete.
const rows = [Array.from({ length: 10 }, (_, i) => i / 10 - 0.3), Array.from({ length: 10 }, (_, i) => (i % 3) - 1)];
const records = rows.map((r) => Object.fromEntries(r.map((v, i) => [`f${i}`, v])));
const expected = (version: string, row: number[]) => logisticJs(row, MODELS[version]!.w, MODELS[version]!.b);
const closeTo = (got: unknown[], version: string) =>
  got.forEach((p, i) => assert.ok(Math.abs(Number(Array.isArray(p) ? p[0] : p) - expected(version, rows[i]!)) < 1e-5, `row ${i}: ${String(p)} vs v${version}`));

interface Dep {
  name: string;
  revision: number;
  config: { variants: Array<{ name: string; role: string; weight: number; model: { name: string; version: string } }> };
}

for (const dialect of DIALECTS) {
  describe(`flywheel deploy / predict against a running server (${dialect})`, () => {
    let db: TestDatabase;
    let server: ServerProcess;
    const cli = (...args: string[]) => cliAt(server.url, ...args);
    const json = <T>(r: ReturnType<typeof cli>): T => {
      assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    };

    before(async () => {
      db = await createTestDatabase(dialect);
      server = await startServer(db.dataDir, db.url);
      await registerChurnModels(server.url);
    });
    after(async () => {
      await server?.stop();
      await db?.drop();
    });

    test('create a 90/10 split, list and show it', () => {
      const created = json<Dep>(cli('deploy', 'create', 'churn-ab', '--variant', 'a=churn:1:90', '--variant', 'b=churn:2:10:canary', '--routing-header', 'x-user-id', '--json'));
      assert.equal(created.revision, 1);
      assert.deepEqual(created.config.variants.map((v) => [v.name, v.role, v.weight, v.model.version]), [['a', 'primary', 90, '1'], ['b', 'canary', 10, '2']]);

      const list = cli('deploy', 'list');
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /^name\s+revision\s+split\s+models\s+updated/);
      assert.match(list.stdout, /churn-ab\s+1\s+a=90 b=10\s+churn v1, churn v2/);
      assert.equal(json<{ deployments: Dep[] }>(cli('deploy', 'list', '--json')).deployments.length, 1);

      const show = cli('deploy', 'show', 'churn-ab');
      assert.equal(show.status, 0, show.stderr);
      assert.match(show.stdout, /^churn-ab {2}revision 1/);
      assert.match(show.stdout, /routing key: header x-user-id/);
      assert.match(show.stdout, /a\s+primary\s+90%\s+churn v1/);
      assert.match(show.stdout, /b\s+canary\s+10%\s+churn v2/);
    });

    test('predict: JSON rows, CSV file, explicit variant, sticky key; the answer names variant and inference id', () => {
      const asB = json<{ variant: string; inferenceId: string; predictions: unknown[] }>(cli('predict', 'churn-ab', '--data', JSON.stringify(records), '--variant', 'b', '--json'));
      assert.equal(asB.variant, 'b');
      assert.match(asB.inferenceId, /^[0-9a-f-]{36}$/);
      closeTo(asB.predictions, '2');

      const csv = join(db.dataDir, 'rows.csv');
      writeFileSync(csv, `${Object.keys(records[0]!).join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
      const human = cli('predict', 'churn-ab', '--file', csv, '--variant', 'a', '--id', 'cli-csv-1');
      assert.equal(human.status, 0, human.stderr);
      assert.match(human.stdout, /^variant a {2}inference id cli-csv-1\nrow\s+prediction/);
      const values = [...human.stdout.matchAll(/^(\d)\s+(\S+)$/gm)].map((m) => Number(m[2]));
      assert.equal(values.length, 2);
      closeTo(values, '1');

      const sticky = new Set(Array.from({ length: 3 }, () => json<{ variant: string }>(cli('predict', 'churn-ab', '--data', JSON.stringify(records[0]), '--key', 'customer-7', '--json')).variant));
      assert.equal(sticky.size, 1, `one key, several variants: ${[...sticky].join(',')}`);
    });

    test('set-weights, revisions and rollback', () => {
      const upd = json<Dep>(cli('deploy', 'set-weights', 'churn-ab', 'a=50', 'b=50', '--json'));
      assert.equal(upd.revision, 2);
      assert.deepEqual(upd.config.variants.map((v) => v.weight), [50, 50]);

      const unknown = cli('deploy', 'set-weights', 'churn-ab', 'c=50');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /No variant 'c' in this deployment \(it has a, b\)/);
      const badSum = cli('deploy', 'set-weights', 'churn-ab', 'a=70');
      assert.equal(badSum.status, 1, 'the server refuses weights that do not sum to 100');
      assert.match(badSum.stderr, /sum to 120, not 100/);

      const revs = cli('deploy', 'revisions', 'churn-ab');
      assert.equal(revs.status, 0, revs.stderr);
      assert.match(revs.stdout, /2\s+\S+ \S+\s+a=50 b=50\s+churn v1, churn v2\s+← current/);
      assert.match(revs.stdout, /1\s+\S+ \S+\s+a=90 b=10/);

      const rb = cli('deploy', 'rollback', 'churn-ab');
      assert.equal(rb.status, 0, rb.stderr);
      assert.match(rb.stdout, /^rolled back: churn-ab {2}revision 3/);
      assert.match(rb.stdout, /a\s+primary\s+90%/);
      assert.deepEqual(json<{ revisions: Array<{ revision: number }> }>(cli('deploy', 'revisions', 'churn-ab', '--json')).revisions.map((r) => r.revision), [3, 2, 1]);
    });

    test('update: replace the routed variants with --model, keep the routing header', () => {
      const d = json<Dep & { config: { routingKey?: { header?: string } } }>(cli('deploy', 'update', 'churn-ab', '--model', 'churn:2', '--json'));
      assert.equal(d.revision, 4);
      assert.deepEqual(d.config.variants.map((v) => [v.name, v.weight, v.model.version]), [['primary', 100, '2']]);
      assert.equal(d.config.routingKey?.header, 'x-user-id');
      json<Dep>(cli('deploy', 'rollback', 'churn-ab', '--json'));
    });

    test('predictions: the calls above are in the log with their variant', () => {
      const log = json<{ predictions: Array<{ inferenceId: string; variant: string; model: { version: string } }> }>(cli('deploy', 'predictions', 'churn-ab', '--since', '1h', '--limit', '50', '--json'));
      const csvCall = log.predictions.find((p) => p.inferenceId === 'cli-csv-1');
      assert.ok(csvCall, 'the CSV call is logged');
      assert.equal(csvCall.variant, 'a');
      assert.equal(csvCall.model.version, '1');
      assert.equal(log.predictions.length, 5);
      const human = cli('deploy', 'predictions', 'churn-ab', '--limit', '2');
      assert.equal(human.status, 0, human.stderr);
      assert.equal(human.stdout.trim().split('\n').length, 4, human.stdout); // header, rule, two rows
      assert.match(human.stdout, /inference id\s+variant\s+model\s+latency\s+status\s+outputs/);
    });

    test('a shadow added by update gets copies of the traffic; deploy shadow reports it', async () => {
      const d = json<Dep & { config: { variants: Array<{ sample?: number }> } }>(cli('deploy', 'update', 'churn-ab', '--shadow', 's=churn:2:1', '--json'));
      assert.deepEqual(d.config.variants.map((v) => [v.name, v.role]), [['a', 'primary'], ['b', 'canary'], ['s', 'shadow']]);
      const answered = json<{ variant: string; inferenceId: string }>(cli('predict', 'churn-ab', '--data', JSON.stringify(records), '--variant', 'a', '--json'));
      assert.equal(answered.variant, 'a', 'a shadow never answers');
      // Shadow runs happen after the response: wait for the copy to be done.
      for (let i = 0; i < 100; i++) {
        const r = (await getJson<{ shadows: Array<{ counts: { completed: number } }> }>(`${server.url}/api/v1/deployments/churn-ab/shadow`)).body;
        if ((r.shadows[0]?.counts.completed ?? 0) >= 1) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const report = json<{ shadows: Array<{ variant: string; sample: number; counts: { mirrored: number; completed: number; failed: number; shed: number } }> }>(cli('deploy', 'shadow', 'churn-ab', '--json'));
      assert.equal(report.shadows.length, 1);
      assert.equal(report.shadows[0]!.variant, 's');
      assert.deepEqual(report.shadows[0]!.counts, { mirrored: 1, completed: 1, failed: 0, shed: 0 });
      const human = cli('deploy', 'shadow', 'churn-ab');
      assert.equal(human.status, 0, human.stderr);
      assert.match(human.stdout, /^shadow\s+sample\s+mirrored\s+completed\s+failed\s+shed/m);
      assert.match(human.stdout, /^s\s+1\s+1\s+1\s+0\s+0/m);
      const show = cli('deploy', 'show', 'churn-ab');
      assert.match(show.stdout, /s\s+shadow\s+-\s+churn v2\s+sample 1/);
      json<Dep>(cli('deploy', 'update', 'churn-ab', '--clear-shadows', '--json'));
    });

    test('unknown names and refused changes exit 1', () => {
      const missing = cli('deploy', 'show', 'nope');
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /'nope'.*NOT_FOUND/);
      assert.equal(cli('predict', 'nope', '--data', '[[1]]').status, 1);
      const badModel = cli('deploy', 'create', 'y', '--model', 'churn:9');
      assert.equal(badModel.status, 1);
      assert.match(badModel.stderr, /churn/);
      const badRows = cli('predict', 'churn-ab', '--data', '[[1, 2]]');
      assert.equal(badRows.status, 1);
      assert.match(badRows.stderr, /BAD_REQUEST/);
    });

    test('delete --yes, then the deployment is gone', () => {
      const del = cli('deploy', 'delete', 'churn-ab', '--yes');
      assert.equal(del.status, 0, del.stderr);
      assert.match(del.stdout, /deleted churn-ab/);
      assert.equal(cli('deploy', 'show', 'churn-ab').status, 1);
      assert.equal(cli('deploy', 'delete', 'churn-ab', '--yes').status, 1);
      assert.match(cli('deploy', 'list').stdout, /No deployments/);
    });
  });
}

test('usage errors exit 2 before any request (the URL is unreachable, which would be exit 3)', () => {
  const usage: string[][] = [
    ['deploy', 'create', 'x'],
    ['deploy', 'create', 'x', '--variant', 'a=churn'],
    ['deploy', 'create', 'x', '--model', 'churn:1', '--variant', 'a=churn:1:100'],
    ['deploy', 'set-weights', 'churn-ab', 'a=lots'],
    ['deploy', 'predictions', 'churn-ab', '--limit', '0'],
    ['deploy', 'delete', 'churn-ab'],
    ['predict', 'churn-ab'],
    ['predict', 'churn-ab', '--data', '{not json'],
    ['deploy', 'show'],
  ];
  for (const args of usage) assert.equal(cliAt('http://127.0.0.1:9', ...args).status, 2, args.join(' '));
});

test('deploy and predict: an unreachable server is exit code 3', () => {
  for (const args of [['deploy', 'list'], ['predict', 'churn', '--data', '[[1]]']]) {
    const r = spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args, '--url', 'http://127.0.0.1:9'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 3, args.join(' '));
    assert.match(r.stderr, /Cannot reach the Flywheel server at http:\/\/127.0.0.1:9/);
  }
});
