import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLabel } from './labeling.command.js';
import { renderRules } from './alerts.command.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const serverScript = fileURLToPath(new URL('../../server/src/domains/monitoring/test-support/alerts-server.ts', import.meta.url));

test('parseLabel reads a label like a CSV actual; --string keeps text', () => {
  assert.deepEqual([parseLabel('1'), parseLabel('0.5'), parseLabel('true'), parseLabel('[1,"a"]'), parseLabel('cat'), parseLabel('1', true)], [1, 0.5, true, [1, 'a'], 'cat', '1']);
  assert.throws(() => parseLabel('[oops'), /not a JSON array; pass --string/);
});

test('renderRules puts the state first', () => {
  const text = renderRules([{ id: 'al_1', name: 'drift', state: 'firing', severity: 'critical', metric: 'psi', column: 'age', deployment: 'churn', condition: { op: '>', threshold: 0.2 }, lastValue: 0.4, lastOutcome: 'breach', lastEvaluatedAt: 0, enabled: true }]);
  assert.match(text.split('\n')[1]!, /^FIRING\s+drift\s+critical\s+churn:psi\[age\] > 0\.2\s+last 0\.4 \(breach\)\s+1970-01-01T00:00:00Z$/);
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`flywheel alerts / labeling against a server (${dialect})`, () => {
    let dir: string;
    let server: ChildProcess;
    let url: string;
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args, '--url', url], { encoding: 'utf8', timeout: 60_000 });
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-alerts-'));
      server = spawn(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', serverScript, dialect], { stdio: ['ignore', 'pipe', 'pipe'] });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
    });
    after(async () => {
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    test('alerts create --file, list, history; a bad rule names the field and exits 1', () => {
      const file = join(dir, 'rule.json');
      writeFileSync(file, JSON.stringify({ name: 'age-drift', metric: 'psi', column: 'age', condition: { op: '>', threshold: 0.2 }, window: { points: 1 } }));
      const c = cli('alerts', 'create', '--file', file);
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stdout, /Created alert rule age-drift \(al_[0-9a-f]+\)/);
      const l = cli('alerts', 'list');
      assert.match(l.stdout, /^OK\s+age-drift\s+warning\s+psi\[age\] > 0\.2\s+not evaluated/m);
      const t = cli('alerts', 'test', 'age-drift');
      assert.equal(t.status, 0, t.stderr);
      const h = cli('alerts', 'history', 'age-drift');
      assert.match(h.stdout, /age-drift\s+test\s+test notification of 'age-drift'/);
      writeFileSync(file, JSON.stringify({ name: 'bad', metric: 'psi', condition: { op: '!=', threshold: 1 }, window: { points: 1 } }));
      const bad = cli('alerts', 'create', '--file', file);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /condition\.op must be one of/);
      const missing = cli('alerts', 'create', '--file', join(dir, 'nope.json'));
      assert.equal(missing.status, 2);
    });

    test('labeling next shows the least confident items; label turns one into an actual', () => {
      const n = cli('labeling', 'next', 'churn', '--count', '5', '--reviewer', 'ann', '--json');
      assert.equal(n.status, 0, n.stderr);
      const items = (JSON.parse(n.stdout) as { items: { id: number; inferenceId: string }[] }).items;
      assert.deepEqual(items.map((i) => i.inferenceId).sort(), ['q-4', 'q-5']);
      const lab = cli('labeling', 'label', String(items[0]!.id), 'churned', '--reviewer', 'ann');
      assert.equal(lab.status, 0, lab.stderr);
      assert.match(lab.stdout, new RegExp(`Labeled item ${items[0]!.id} \\(inference ${items[0]!.inferenceId}\\) as "churned"`));
      const other = cli('labeling', 'label', String(items[1]!.id), '1', '--reviewer', 'bob');
      assert.equal(other.status, 1, 'claimed by ann');
      assert.match(other.stderr, /claimed by 'ann'/);
      const s = cli('labeling', 'stats', 'churn');
      assert.match(s.stdout, /churn: 0 pending, 1 claimed, 1 labeled, 0 skipped/);
      assert.equal(cli('labeling', 'label', 'abc', '1').status, 2);
    });
  });
}
