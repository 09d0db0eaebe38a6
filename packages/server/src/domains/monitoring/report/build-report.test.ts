import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, joinActuals, tableFromCsv, renderReport } from './index.js';
import { DriftPool, buildReportParallel } from './parallel-report.js';
import { ACTUALS_CSV, CURRENT_CSV, EXPECTED, REFERENCE_CSV } from './test-support.js';

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
    const pool = new DriftPool(2);
    try {
      const shared = (xs: number[]) => {
        const a = new Float64Array(new SharedArrayBuffer(8 * xs.length));
        a.set(xs);
        return a;
      };
      const direct = await pool.drift({ column: 'x', reference: shared([1, 2, 3, 4, 5, 6]), current: shared([3, 4, 5, 6, 7, 8, 9]), config: {} });
      assert.equal(direct.method, 'ks', 'a worker answered');
      const options = { ...roles, drift: { x: { method: 'psi' as const } } };
      assert.deepEqual(await buildReportParallel(pool, reference, joined.table, options), buildReport(reference, joined.table, options));
      await assert.rejects(buildReportParallel(pool, reference, joined.table, { drift: { x: { method: 'chisquare' } } }), /does not apply/);
    } finally {
      await pool.close();
    }
  });
});
