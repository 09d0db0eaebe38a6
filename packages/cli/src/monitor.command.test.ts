import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { CliError } from './client.js';
import { monitorCommand, type ReportModule } from './monitor.command.js';
// The same builder '@flywheel/server' exports; loaded from source so the test does not need the server's entry.
import * as report from '../../server/src/domains/monitoring/report/index.js';
import { writeParquet } from '../../server/src/domains/datasets/test-support/parquet-fixtures.js';
import { ACTUALS_CSV, CURRENT_CSV, EXPECTED, REFERENCE_CSV } from '../../server/src/domains/monitoring/report/test-support.js';

const load = async () => report as unknown as ReportModule;

async function run(args: string[]): Promise<string> {
  const program = new Command('flywheel').exitOverride();
  let out = '';
  monitorCommand(program, { load, print: (text) => (out += text) });
  await program.parseAsync(['node', 'flywheel', ...args]);
  return out;
}

const close = (actual: unknown, expected: number, what: string, tol = 1e-9) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${String(actual)} ≠ ${expected}`);

describe('flywheel monitor report', () => {
  let dir: string;
  const f = (name: string) => join(dir, name);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fw-monitor-'));
    writeFileSync(f('ref.csv'), REFERENCE_CSV);
    writeFileSync(f('cur.csv'), CURRENT_CSV);
    writeFileSync(f('actuals.csv'), ACTUALS_CSV);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--json matches SciPy/NumPy: drift, quality, fairness', async () => {
    const doc = JSON.parse(
      await run(['monitor', 'report', '--reference', f('ref.csv'), '--current', f('cur.csv'), '--actuals', f('actuals.csv'), '--id-column', 'id', '--target', 'y', '--prediction', 'pred', '--score', 'score', '--sensitive', 'group', '--json']),
    );
    for (const [k, v] of Object.entries(EXPECTED.x)) close(doc.columns.x[k], v, `x.${k}`);
    for (const [k, v] of Object.entries(EXPECTED.city)) close(doc.columns.city[k], v, `city.${k}`, 1e-6);
    for (const [k, v] of Object.entries(EXPECTED.quality)) close(doc.model_quality[k], v, `quality.${k}`);
    close(doc.fairness.equalized_odds_difference, EXPECTED.fair.equalized_odds_difference, 'equalized_odds_difference');
    close(doc.fairness.groups.g2.true_positive_rate, EXPECTED.fair.g2_true_positive_rate, 'g2 tpr');
    assert.equal(doc.dataset_drift.dataset_drift, true);
    assert.deepEqual(doc.actuals, { matched_rows: 60, unmatched_actuals: 0 });
    assert.equal(doc.columns.x.missing_share, 4 / 60);
  });

  test('the readable table; CBPE labelled without actuals', async () => {
    const text = await run(['monitor', 'report', '--reference', f('ref.csv'), '--current', f('cur.csv'), '--score', 'score', '--prediction', 'pred']);
    assert.match(text, /dataset drift: YES \(2 of 2 columns drifted/);
    assert.match(text, /^x\s+numerical\s+ks\s/m);
    assert.match(text, /ESTIMATED from scores \(CBPE\)/);
  });

  test('a Parquet reference gives the same figures as the CSV one', async () => {
    const ref = report.tableFromCsv(REFERENCE_CSV);
    writeFileSync(
      f('ref.parquet'),
      writeParquet([
        { name: 'x', data: Array.from(ref.columns.x!, Number), type: 'DOUBLE' },
        { name: 'city', data: Array.from(ref.columns.city!, String), type: 'STRING' },
        { name: 'score', data: Array.from(ref.columns.score!, Number), type: 'DOUBLE' },
        { name: 'pred', data: Array.from(ref.columns.pred!, Number), type: 'INT32' },
      ]),
    );
    const doc = JSON.parse(await run(['monitor', 'report', '--reference', f('ref.parquet'), '--current', f('cur.csv'), '--prediction', 'pred', '--score', 'score', '--json']));
    for (const [k, v] of Object.entries(EXPECTED.x)) close(doc.columns.x[k], v, `x.${k}`);
    for (const [k, v] of Object.entries(EXPECTED.city)) close(doc.columns.city[k], v, `city.${k}`, 1e-6);
    assert.equal(doc.reference_rows, 80);
  });

  test('usage errors', async () => {
    await assert.rejects(run(['monitor', 'report', '--reference', f('nope.csv'), '--current', f('cur.csv')]), (e: CliError) => e.exitCode === 2 && /--reference .*no such file/.test(e.message));
    await assert.rejects(run(['monitor', 'report', '--reference', f('ref.csv'), '--current', f('cur.csv'), '--actuals', f('actuals.csv')]), /--actuals needs --id-column/);
    await assert.rejects(run(['monitor', 'report', '--reference', f('ref.csv'), '--current', f('cur.csv'), '--target', 'zz']), (e: CliError) => e.exitCode === 2 && /target column 'zz'/.test(e.message));
  });
});
