import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

test('flywheel server --port abc says what is wrong and exits non-zero', () => {
  const r = run(['server', '--port', 'abc']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port \/ FLYWHEEL_PORT must be integer \(got "abc"\)/);
});

test('a bad environment value is reported the same way', () => {
  const r = run(['server'], { FLYWHEEL_LOG_LEVEL: 'loud' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--log-level \/ FLYWHEEL_LOG_LEVEL/);
});

test('--help shows the options and examples', () => {
  const r = run(['server', '--help']);
  assert.equal(r.status, 0);
  for (const s of ['--port', '--data-dir', '--database-url', 'MLFLOW_TRACKING_URI']) assert.ok(r.stdout.includes(s), s);
});

test('flywheel server starts, serves, and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-cli-'));
  const child = spawn(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, 'server', '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/[^"\s]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000).unref();
    });
    const res = await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { experiment: { name: string } }).experiment.name, 'Default');
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2; --help and --version exit 0', () => {
  assert.equal(run(['lineage']).status, 2, 'missing argument');
  assert.equal(run(['no-such-command']).status, 2, 'unknown command');
  assert.equal(run(['--version']).status, 0);
  assert.equal(run(['datasets', '--help']).status, 0);
});
