import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvRecords, inFileTerms, jsonItems } from './actuals.command.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const serverScript = fileURLToPath(new URL('../../server/src/domains/monitoring/test-support/actuals-server.ts', import.meta.url));
const SEEDED = 30; // predictions s-0 … s-29 are in the log

test('csvRecords: quoted commas and newlines stay in one record; line numbers of the file', () => {
  const r = csvRecords('\uFEFFinference_id,value\r\na,1\r\n\r\nb,"[1,\n2]"\nc,"say ""hi"""\n');
  assert.equal(r.header, 'inference_id,value');
  assert.deepEqual(r.records, ['a,1', 'b,"[1,\n2]"', 'c,"say ""hi"""']);
  assert.deepEqual(r.lines, [2, 4, 6]);
});

test('jsonItems: array, {actuals}, JSON Lines with their lines', () => {
  assert.deepEqual(jsonItems('[{"inferenceId":"a","value":1}]').items, [{ inferenceId: 'a', value: 1 }]);
  assert.deepEqual(jsonItems('{"actuals":[{"inferenceId":"a","value":1}]}').items, [{ inferenceId: 'a', value: 1 }]);
  assert.deepEqual(jsonItems('{"inferenceId":"a","value":1}\n\n{"inferenceId":"b","value":2}\n'), { items: [{ inferenceId: 'a', value: 1 }, { inferenceId: 'b', value: 2 }], lines: [1, 3] });
  assert.throws(() => jsonItems('{"inferenceId":"a"}\n{oops'), /Line 2 is not valid JSON/);
});

test('inFileTerms: a batch-relative index and CSV line become the file\'s', () => {
  assert.equal(inFileTerms('actuals[2].value is empty (CSV line 4) (INVALID_INPUT)', 10, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]), 'actuals[12].value is empty (line 15 of the file) (INVALID_INPUT)');
  assert.equal(inFileTerms('actuals[1].value is empty (INVALID_INPUT)', 5, undefined), 'actuals[6].value is empty (INVALID_INPUT)');
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`flywheel actuals upload against a server (${dialect})`, () => {
    let dir: string;
    let server: ChildProcess;
    let url: string;
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, 'actuals', ...args, '--url', url], { encoding: 'utf8', timeout: 60_000 });
    const get = async (path: string) => (await fetch(url + path)).json() as Promise<Record<string, unknown>>;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-actuals-'));
      server = spawn(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', serverScript, dialect, String(SEEDED)], { stdio: ['ignore', 'pipe', 'pipe'] });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.stderr!.on('data', (c: Buffer) => (out += c.toString()));
        server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
        setTimeout(() => reject(new Error(`no listening line: ${out}`)), 60_000).unref();
      });
    });
    after(async () => {
      await new Promise<void>((resolve) => {
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    });

    test('a CSV in batches: counts summed, then an idempotent re-upload', async () => {
      // 25 rows: s-0 … s-19 have predictions, late-0 … late-4 do not (yet).
      const rows = [...Array.from({ length: 20 }, (_, i) => `s-${i},${i % 2},2026-11-23T10:00:00Z`), ...Array.from({ length: 5 }, (_, i) => `late-${i},"[0.5, 1]",`)];
      const csv = join(dir, 'labels.csv');
      writeFileSync(csv, `inference_id,value,timestamp\n${rows.join('\n')}\n`);
      const first = cli('upload', csv, '--batch-size', '10', '--deployment', 'churn', '--json');
      assert.equal(first.status, 0, first.stderr);
      assert.deepEqual(JSON.parse(first.stdout), { file: 'labels.csv', batches: 3, received: 25, inserted: 25, duplicates: 0, corrected: 0, matched: 20, unmatched: 5 });
      assert.equal(first.stderr, '', 'no progress line when stderr is not a terminal');

      const again = cli('upload', csv, '--batch-size', '7');
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /uploaded 25 actuals from labels\.csv in 4 batches\n {2}inserted 0, duplicates 25, corrected 0\n {2}matched 20, unmatched 5 \(kept/);

      const late = await get('/api/v1/actuals/late-3');
      assert.deepEqual([late.value, late.deployment, late.matched], [[0.5, 1], 'churn', false]);
      const summary = await get('/api/v1/deployments/churn/actuals/summary?since=1763000000000&until=1763000000030');
      assert.deepEqual([summary.predictions, summary.withActuals, summary.matchRate], [SEEDED, 20, 20 / SEEDED]);
    });

    test('JSON and JSON Lines; a changed value is a correction', async () => {
      const json = join(dir, 'fix.json');
      writeFileSync(json, JSON.stringify({ actuals: [{ inferenceId: 's-0', value: 1 }, { inferenceId: 's-20', value: 0 }] }));
      const r = cli('upload', json, '--json');
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { file: 'fix.json', batches: 1, received: 2, inserted: 1, duplicates: 0, corrected: 1, matched: 2, unmatched: 0 });
      const s0 = await get('/api/v1/actuals/s-0');
      assert.deepEqual([s0.value, s0.revision, (s0.history as { value: unknown }[])[0]!.value], [1, 2, 0]);

      const jsonl = join(dir, 'more.jsonl');
      writeFileSync(jsonl, '{"inferenceId":"s-21","value":"yes"}\n{"inferenceId":"s-22","value":"no","timestamp":1763000000000}\n');
      const l = cli('upload', jsonl, '--json');
      assert.equal(l.status, 0, l.stderr);
      assert.equal(JSON.parse(l.stdout).inserted, 2);
    });

    test('a bad row: exit 1, named by its index and line in the file; earlier batches are kept and said to be', async () => {
      const csv = join(dir, 'bad.csv');
      writeFileSync(csv, `inference_id,value\n${Array.from({ length: 12 }, (_, i) => `bad-${i},${i === 11 ? '' : 1}`).join('\n')}\n`);
      const r = cli('upload', csv, '--batch-size', '5');
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /batch 3 of 3 was refused: actuals\[11\]\.value is empty \(line 13 of the file\) \(INVALID_INPUT\)\. batches 1–2 \(10 actuals\) were stored; fix the file and upload it again/);
      assert.equal((await get('/api/v1/actuals/bad-9')).value, 1);
      assert.equal(((await get('/api/v1/actuals/bad-10')) as { error: { code: string } }).error.code, 'NOT_FOUND');
    });

    test('usage errors exit 2, an unreachable server exits 3', () => {
      const missing = cli('upload', join(dir, 'nope.csv'));
      assert.equal(missing.status, 2, missing.stderr);
      assert.match(missing.stderr, /Cannot read .*nope\.csv: no such file/);
      const csv = join(dir, 'ok.csv');
      writeFileSync(csv, 'inference_id,value\nz,1\n');
      const size = cli('upload', csv, '--batch-size', '20000');
      assert.equal(size.status, 2);
      assert.match(size.stderr, /--batch-size.*must be an integer from 1 to 10000/);
      const txt = join(dir, 'labels.txt');
      writeFileSync(txt, 'x');
      assert.equal(cli('upload', txt).status, 2);
      const down = spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, 'actuals', 'upload', csv, '--url', 'http://127.0.0.1:1'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(down.status, 3, down.stderr);
      assert.match(down.stderr, /Cannot reach the Flywheel server/);
    });
  });
}
