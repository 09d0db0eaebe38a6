import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, joinActuals, tableFromCsv, renderReport } from './index.js';
import { DriftPool, buildReportParallel } from './parallel-report.js';
import { ACTUALS_CSV, CURRENT_CSV, EXPECTED, REFERENCE_CSV } from './test-support.js';
import { numericView, type ReportTable } from './table.js';
import { columnDrift, columnDriftMetrics, sortedSample } from '../stats/index.js';

const close = (actual: unknown, expected: number, what: string, tol = 1e-9) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${String(actual)} ≠ ${expected}`);

describe('buildReport against SciPy/NumPy numbers', () => {
  const reference = tableFromCsv(REFERENCE_CSV);
  const joined = joinActuals(tableFromCsv(CURRENT_CSV), tableFromCsv(ACTUALS_CSV), 'id', 'y');
  const roles = { target: 'y', prediction: 'pred', score: 'score', sensitive: 'group', id: 'id' };

  test('drift, data quality, quality, fairness', () => {
    const r = buildReport(reference, joined.table, roles);
    assert.equal(joined.matched, 60);
    assert.deepEqual(Object.keys(r.columns), ['x', 'city']);
    for (const [k, v] of Object.entries(EXPECTED.x)) close(r.columns.x![k], v, `x.${k}`);
    for (const [k, v] of Object.entries(EXPECTED.city)) close(r.columns.city![k], v, `city.${k}`, 1e-6);
    assert.equal(r.columns.x!.method, 'ks');
    assert.equal(r.columns.x!.drift_detected, true, 'p 0.021 ≤ 0.05');
    assert.equal(r.columns.city!.method, 'chisquare');
    assert.deepEqual(r.columns.city!.new_category_values, ['e']);
    close(r.columns.x!.missing_share, 4 / 60, 'missing_share');
    close(r.columns.x!.out_of_range_share, EXPECTED.outOfRange, 'out_of_range_share');
    assert.equal(r.dataset_drift.dataset_drift, true);
    assert.equal(r.dataset_drift.drift_share, 1);
    for (const [k, v] of Object.entries(EXPECTED.quality)) close(r.model_quality![k], v, `quality.${k}`);
    assert.equal(r.model_quality!.estimated, false);
    for (const k of ['demographic_parity_difference', 'equal_opportunity_difference', 'equalized_odds_difference'] as const) close(r.fairness![k], EXPECTED.fair[k], k);
    close(r.fairness!.groups.g1!.selection_rate, EXPECTED.fair.g1_selection_rate, 'g1 selection rate');
    close(r.fairness!.groups.g2!.true_positive_rate, EXPECTED.fair.g2_true_positive_rate, 'g2 tpr');
    assert.ok(r.prediction_drift.score, 'score drift reported');
    assert.match(renderReport(r), /dataset drift: YES/);
  });

  test('without a target: a CBPE estimate, labelled', () => {
    const r = buildReport(reference, tableFromCsv(CURRENT_CSV), { prediction: 'pred', score: 'score', id: 'id', sensitive: 'group' });
    assert.equal(r.model_quality!.estimated, true);
    assert.equal(r.model_quality!.method, 'cbpe');
    for (const [k, v] of Object.entries(EXPECTED.cbpe)) close(r.model_quality![k], v, `cbpe.${k}`);
    assert.equal(r.fairness, null);
    assert.match(renderReport(r), /ESTIMATED/);
  });

  test('overrides, type violations, schema violations, errors naming the field', () => {
    const cur = tableFromCsv(CURRENT_CSV.replace('r1,', 'r1,').replace(/\nr2,[^,]*,/, '\nr2,oops,'));
    const r = buildReport(reference, cur, { features: ['x', 'city'], drift: { x: { method: 'psi', threshold: 2 } }, signature: [{ name: 'x', type: 'double' }, { name: 'age', type: 'long' }] });
    assert.equal(r.columns.x!.method, 'psi');
    assert.equal(r.columns.x!.drift_detected, false, 'psi 1.24 < 2');
    assert.equal(r.columns.x!.type_violations, 1);
    assert.ok(r.data_quality.schema_violations.some((v) => /'age'.*missing/.test(v)));
    assert.ok(r.data_quality.schema_violations.some((v) => /'x'.*1 non-numeric/.test(v)));
    assert.throws(() => buildReport(reference, cur, { target: 'nope' }), /target column 'nope'/);
    assert.throws(() => buildReport(reference, cur, { features: ['zz'] }), (e: Error & { details?: { field?: string } }) => e.details?.field === 'features.zz');
    assert.throws(() => buildReport(reference, cur, { drift: { city: { method: 'ks' } } }), /does not apply/);
  });

  test('worker threads give the same report', async () => {
    const pool = new DriftPool({ threads: 2, minCells: 0, idleMs: 50 });
    try {
      assert.equal(pool.running, 0, 'no thread before the first report');
      const shared = (xs: number[]) => {
        const a = new Float64Array(new SharedArrayBuffer(8 * xs.length));
        a.set(xs);
        return a;
      };
      const direct = await pool.column({ column: 'x', reference: shared([1, 2, 3, 4, 5, 6]), current: shared([3, 4, 5, 6, 7, 8, 9, Number.NaN]), config: {} });
      assert.equal(direct.drift?.method, 'ks', 'a worker answered');
      assert.equal(direct.nan, 1);
      assert.equal(direct.outside, 3);
      assert.equal(pool.running, 2);
      const options = { ...roles, drift: { x: { method: 'psi' as const } } };
      assert.deepEqual(await buildReportParallel(pool, reference, joined.table, options), buildReport(reference, joined.table, options));
      await assert.rejects(buildReportParallel(pool, reference, joined.table, { drift: { x: { method: 'chisquare' } } }), /does not apply/);
      // idle: the threads stop, and the next report starts them again
      const deadline = Date.now() + 5000;
      while (pool.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(pool.running, 0, 'idle workers stopped');
      assert.deepEqual(await buildReportParallel(pool, reference, joined.table, options), buildReport(reference, joined.table, options));
      assert.equal(pool.starts, 2);
    } finally {
      await pool.close();
    }
  });

  test('random tables: every column equals the statistics computed on their own (one-pass columns, inline and on workers)', async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pool = new DriftPool({ threads: 2, minCells: 0 });
    try {
      for (const rows of [300, 20_000]) {
        const refRows = Math.floor(rows * 0.7);
        const num = (n: number, shift: number) => Float64Array.from({ length: n }, (_, i) => (i % 37 === 0 ? Number.NaN : i % 53 === 0 ? Number.POSITIVE_INFINITY : i % 11 === 0 ? Math.round(rand() * 4) : shift + rand() * 3 - rand()));
        const reference: ReportTable = { rowCount: refRows, columns: { a: num(refRows, 0), b: num(refRows, 1), c: Array.from({ length: refRows }, (_, i) => (i % 9 === 0 ? null : rand() * 10)), k: Array.from({ length: refRows }, () => (rand() < 0.1 ? null : `v${Math.floor(rand() * 6)}`)) } };
        const current: ReportTable = { rowCount: rows, columns: { a: num(rows, 0.2), b: num(rows, 1), c: Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? 'text' : i % 5 === 0 ? null : rand() * 11)), k: Array.from({ length: rows }, () => (rand() < 0.2 ? '' : `v${Math.floor(rand() * 7)}`)) } };
        const prepared = { a: sortedSample('a', reference.columns.a as Float64Array), b: sortedSample('b', reference.columns.b as Float64Array) };
        const inline = buildReport(reference, current);
        assert.deepEqual(buildReport(reference, current, {}, prepared), inline, 'a prepared reference changes nothing');
        assert.deepEqual(await buildReportParallel(pool, reference, current, {}, prepared), inline, 'workers change nothing');
        for (const name of ['a', 'b', 'c']) {
          const refNums = numericView(reference.columns[name]!).numbers;
          const { numbers, typeViolations } = numericView(current.columns[name]!);
          const expected = columnDriftMetrics(columnDrift(name, Array.from(refNums), Array.from(numbers), { kind: 'numerical' }));
          for (const [k, v] of Object.entries(expected)) assert.equal(inline.columns[name]![k], v, `${rows} rows, ${name}.${k}`);
          const finiteRef = Array.from(refNums).filter(Number.isFinite);
          const [lo, hi] = [Math.min(...finiteRef), Math.max(...finiteRef)];
          const missing = (current.columns[name] as unknown[]).filter((v) => v === null || (typeof v === 'number' && Number.isNaN(v))).length;
          const outside = Array.from(numbers).filter((v) => v < lo || v > hi).length;
          assert.equal(inline.columns[name]!.missing_share, missing / rows, `${name} missing`);
          assert.equal(inline.columns[name]!.type_violations, typeViolations);
          assert.equal(inline.columns[name]!.out_of_range_share, outside / (rows - missing - typeViolations), `${name} out of range`);
        }
        const k = columnDriftMetrics(columnDrift('k', reference.columns.k as string[], current.columns.k as string[]));
        for (const [m, v] of Object.entries(k)) assert.equal(inline.columns.k![m], v, `k.${m}`);
        assert.equal(inline.columns.k!.missing_share, (current.columns.k as string[]).filter((v) => v === '').length / rows);
      }
    } finally {
      await pool.close();
    }
  });
});
