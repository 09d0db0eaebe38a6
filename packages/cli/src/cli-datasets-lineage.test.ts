import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A user's path: start `flywheel server`, register a CSV with `flywheel datasets register`, log a
// run that used it and register a model from that run with MLflow's REST calls, then ask
// `flywheel lineage` both ways.
const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
let dir: string;
let server: ChildProcess;
let url: string;

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args, '--url', url], { encoding: 'utf8', timeout: 30_000 });

async function mlflow(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-e2e-'));
  server = spawn(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, 'server', '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^"\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000).unref();
  });
});

after(() => {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('datasets register/show, then lineage upstream and downstream', async () => {
  const csv = join(dir, 'sales.csv');
  writeFileSync(csv, 'sku,price,colour\nA1,3,red\nA2,5,blue\nA3,,red\nA4,4,red\n');

  const reg = cli('datasets', 'register', 'yarn-sales', csv, '--json');
  assert.equal(reg.status, 0, reg.stderr);
  const { created, version } = JSON.parse(reg.stdout) as { created: boolean; version: { version: number; contentHash: string; rowCount: number } };
  assert.equal(created, true);
  assert.equal(version.rowCount, 4);

  const again = cli('datasets', 'register', 'yarn-sales', csv);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already registered \(identical content\)/);

  const show = cli('datasets', 'show', 'yarn-sales');
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /yarn-sales v1 {2}\(csv, 4 rows\)/);
  assert.match(show.stdout, /price\s+integer\s+3\s+1\s+3\s+5\s+4\s+1\s+4/); // count 3, missing 1, min 3, max 5, mean 4, std 1, p50 4
  assert.match(show.stdout, /colour\s+string\s+4\s+0.*2 distinct: red\(3\) blue\(1\)/);

  const run = (await mlflow('runs/create', { experiment_id: '0', tags: [{ key: 'mlflow.source.git.commit', value: 'c0ffee' }] })) as { run: { info: { run_id: string } } };
  const runId = run.run.info.run_id;
  await mlflow('runs/log-inputs', { run_id: runId, datasets: [{ dataset: { name: 'yarn-sales', digest: version.contentHash.slice(0, 36), source_type: 'local', source: csv } }] });
  await mlflow('registered-models/create', { name: 'demand' });
  await mlflow('model-versions/create', { name: 'demand', source: `mlflow-artifacts:/0/${runId}/artifacts/model`, run_id: runId });

  const up = cli('lineage', 'model:demand/1');
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stdout, /^upstream of model_version:demand\/1/);
  assert.match(up.stdout, /← registered_from .*\[run\].*gitCommit=c0ffee/);
  assert.match(up.stdout, /← trained_on {2}yarn-sales v1 {2}\[dataset_version\]/);

  const down = cli('lineage', 'dataset:yarn-sales/1', '--downstream');
  assert.equal(down.status, 0, down.stderr);
  assert.match(down.stdout, /→ trained_on .*\[run\]/);
  assert.match(down.stdout, /→ registered_from {2}demand v1 {2}\[model_version\]/);

  const missing = cli('lineage', 'model:nope/1');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /not found/i);
});

test('an unreachable server is exit code 3 with a hint', () => {
  const r = spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, 'datasets', 'list', '--url', 'http://127.0.0.1:9'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /Cannot reach the Flywheel server at http:\/\/127.0.0.1:9/);
});
