import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@flywheel/contract';
import { categoricalDrift, chiSquareHomogeneity, countCategories, mergeCategoryCounts } from './categorical.js';
import { columnDrift, datasetDrift, inferColumnKind } from './drift-rule.js';
import { ksAndWassersteinSorted } from './ecdf-merge.js';
import { ksTwoSample } from './ks.js';
import { columnDriftMetrics } from './metric-names.js';
import { numericDrift } from './numeric-drift.js';
import { sortedSample } from './sample.js';
import { wasserstein } from './wasserstein.js';
import { assertClose } from './test-support/close.js';
import { categoricalPair, normals, numericPairs, prng } from './test-support/datasets.js';

// Expected values: test-support/reference.py over the datasets of test-support/datasets.ts (see
// the commands at the top of datasets.ts). Per numerical pair it runs
//   stats.ks_2samp(ref, cur); stats.wasserstein_distance(ref, cur) (/ max(np.std(ref), 0.001));
//   edges = np.unique(np.percentile(ref, np.arange(10, 100, 10))); counts by np.searchsorted(edges, x, 'right');
//   PSI = Σ (q − p)·ln(q/p) on shares floored at 1e-4; jensenshannon(p, q, base=2).
const NUMERIC_REFERENCE = {
  small: { ks: 0.11278846153846153, ksP: 0.00019640471683754585, method: 'exact', w: 0.20128863000417477, wNorm: 0.207103906544025, psi: 0.08269922123428133, js: 0.12149735310867178, edges: 9 },
  equal: { ks: 0.088, ksP: 0.04158607858587287, method: 'exact', w: 0.1334531773821041, wNorm: 0.13144902793780058, psi: 0.09726712909804228, js: 0.13162189668490146, edges: 9 },
  large: { ks: 0.011700000000000044, ksP: 0.6396526938381037, method: 'asymptotic', w: 0.015546499999999991, wNorm: 0.01544472683755868, psi: 0.0009208165744249192, js: 0.012885798348543963, edges: 9 },
  ties: { ks: 0.09326666666666666, ksP: 9.047775120719637e-11, method: 'exact', w: 0.3173999999999998, wNorm: 0.2708134279578922, psi: 0.05452289429408348, js: 0.09888714398684939, edges: 3 },
} as const;

const isInvalid = (field: string) => (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && e.details?.field === field;

describe('numerical drift matches SciPy', () => {
  const pairs = numericPairs();
  for (const [name, expected] of Object.entries(NUMERIC_REFERENCE)) {
    it(`${name}: KS, Wasserstein, PSI and Jensen–Shannon`, () => {
      const { reference, current } = pairs[name as keyof typeof pairs];
      const s = numericDrift(reference, current);
      assertClose(s.ks.statistic, expected.ks, 1e-12, 'ks statistic');
      assertClose(s.ks.pValue, expected.ksP, 1e-9, 'ks p-value');
      assert.equal(s.ks.method, expected.method);
      assertClose(s.wasserstein.distance, expected.w, 1e-9, 'wasserstein');
      assertClose(s.wasserstein.normed, expected.wNorm, 1e-9, 'wasserstein normed');
      assertClose(s.binned.psi, expected.psi, 1e-9, 'psi');
      assertClose(s.binned.jsDistance, expected.js, 1e-9, 'js distance');
      assert.equal(s.binned.edges.length, expected.edges);
    });
  }

  it('drops missing and non-finite values and counts them', () => {
    const { reference, current } = pairs.small;
    const dirty = [...reference, null, undefined, Number.NaN, Number.POSITIVE_INFINITY] as (number | null | undefined)[];
    const s = numericDrift(dirty, Float64Array.from([...current, Number.NaN, Number.NEGATIVE_INFINITY]));
    assert.equal(s.referenceDropped, 4);
    assert.equal(s.currentDropped, 2);
    assert.equal(s.referenceCount, reference.length);
    assertClose(s.ks.pValue, NUMERIC_REFERENCE.small.ksP, 1e-9, 'ks p-value without the gaps');
  });

  it('a constant reference: std 0 is floored at 0.001 and the deciles collapse to one edge', () => {
    const s = numericDrift(new Array(50).fill(2), [1, 2, 3, 4]);
    // scipy.stats.wasserstein_distance([2]*50, [1,2,3,4]) = 1.0; np.std = 0 → / 0.001
    assertClose(s.wasserstein.distance, 1, 1e-12, 'w');
    assertClose(s.wasserstein.normed, 1000, 1e-9, 'normed');
    assert.deepEqual(s.binned.edges, [2]);
    assert.deepEqual(s.binned.referenceShares, [0, 1]);
    assert.deepEqual(s.binned.currentShares, [0.25, 0.75]);
    // python3 -c "import numpy as np; p=np.array([1e-4,1]); q=np.array([.25,.75]); print(np.sum((q-p)*np.log(q/p)))"
    assertClose(s.binned.psi, 2.0271496162259326, 1e-9, 'psi with a floored share');
  });

  it('empty or all-missing input is INVALID_INPUT naming the argument', () => {
    assert.throws(() => ksTwoSample([], [1]), isInvalid('reference'));
    assert.throws(() => wasserstein([1], [null, Number.NaN]), isInvalid('current'));
    assert.throws(() => columnDrift('age', [1, 2, 3, 4, 5, 6, 7], []), isInvalid('current.age'));
  });
});

describe('numerical drift properties', () => {
  const r = prng(3);
  const a = normals(r, 300);
  const b = normals(r, 450, 0.4);
  it('KS and W1 are symmetric; KS p-value lies in [0, 1]', () => {
    const ab = ksTwoSample(a, b);
    const ba = ksTwoSample(b, a);
    assert.equal(ab.statistic, ba.statistic);
    assertClose(ab.pValue, ba.pValue, 1e-12, 'p symmetric');
    assert.ok(ab.pValue >= 0 && ab.pValue <= 1);
    assertClose(wasserstein(a, b).distance, wasserstein(b, a).distance, 1e-12, 'w symmetric');
  });
  it('identical samples: KS 0 with p 1, W1 0, PSI 0, JS 0', () => {
    const s = numericDrift(a, a.slice().reverse());
    assert.equal(s.ks.statistic, 0);
    assert.equal(s.ks.pValue, 1);
    assert.equal(s.wasserstein.distance, 0);
    assert.equal(s.binned.psi, 0);
    assert.equal(s.binned.jsDistance, 0);
  });
  it('W1 of a shifted copy is the shift; disjoint samples have KS 1; disjoint categories JS 1', () => {
    assertClose(wasserstein(a, a.map((x) => x + 2.5)).distance, 2.5, 1e-9, 'shift');
    const far = numericDrift([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [100, 101, 102]);
    assert.equal(far.ks.statistic, 1);
    assert.deepEqual(far.binned.currentShares, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assertClose(categoricalDrift(['a', 'b'], ['c']).jsDistance, 1, 1e-12, 'js of disjoint categories');
  });
});

describe('categorical drift matches SciPy', () => {
  it('chi-square (no correction), PSI and JS over the union of categories', () => {
    const { reference, current } = categoricalPair();
    const s = categoricalDrift(reference, current);
    // reference.py: stats.chi2_contingency([rc, cc], correction=False) over cats = dict.fromkeys(ref + cur)
    assertClose(s.chiSquare.statistic, 54.55757803463115, 1e-9, 'chi2');
    assert.equal(s.chiSquare.dof, 6);
    assertClose(s.chiSquare.pValue, 5.693860410987748e-10, 1e-6, 'chi2 p');
    assertClose(s.psi, 0.2749524717685482, 1e-9, 'psi');
    assertClose(s.jsDistance, 0.1729990602815864, 1e-9, 'js');
    assert.deepEqual(s.newCategories, ['g']);
    assert.deepEqual(s.missingCategories, ['f']);
  });

  it('a 2×2 table equals the pooled two-proportion z-test (χ² = z²)', () => {
    // 30/100 vs 45/120: z = (p1 − p2)/sqrt(p(1−p)(1/n1 + 1/n2)), p pooled
    const p1 = 30 / 100;
    const p2 = 45 / 120;
    const p = 75 / 220;
    const z = (p1 - p2) / Math.sqrt(p * (1 - p) * (1 / 100 + 1 / 120));
    const chi = chiSquareHomogeneity([30, 70], [45, 75]);
    assertClose(chi.statistic, z * z, 1e-12, 'chi2 = z^2');
    // python3 -c "from scipy import stats; print(stats.chi2_contingency([[30,70],[45,75]], correction=False).pvalue)"
    assertClose(chi.pValue, 0.24258357934831737, 1e-9, 'p');
  });

  it('one category on both sides: statistic 0, dof 0, p 1; counts merge across windows', () => {
    const s = categoricalDrift(['x', 'x', null], ['x', '']);
    assert.deepEqual(s.chiSquare, { statistic: 0, dof: 0, pValue: 1 });
    assert.equal(s.referenceDropped, 1);
    assert.equal(s.currentDropped, 1);
    const merged = mergeCategoryCounts([countCategories('w1', ['a', 'b']), countCategories('w2', ['a', null])]);
    assert.equal(merged.counts.get('a'), 2);
    assert.equal(merged.total, 3);
    assert.equal(merged.dropped, 1);
  });
});

describe('drift decision rule', () => {
  const r = prng(11);
  it('infers kinds: numbers with more than 5 distinct values are numerical', () => {
    assert.equal(inferColumnKind([1, 2, 3, 4, 5, 6], [1]), 'numerical');
    assert.equal(inferColumnKind([0, 1, 1, 0, null], [1, 0, 2]), 'categorical');
    assert.equal(inferColumnKind(['a', 'b'], ['a']), 'categorical');
    assert.equal(inferColumnKind([1, 2, 3, 4, 5, Number.POSITIVE_INFINITY, 7], [1]), 'numerical');
  });

  it('picks KS / chi-square up to 1000 reference values and normed Wasserstein / JS above', () => {
    const small = columnDrift('x', normals(r, 500), normals(r, 500, 1));
    assert.equal(small.method, 'ks');
    assert.equal(small.scoreKind, 'p_value');
    assert.equal(small.drifted, true);
    const large = columnDrift('x', normals(r, 2000), normals(r, 2000, 0.02));
    assert.equal(large.method, 'wasserstein');
    assert.equal(large.drifted, large.score >= 0.1);
    const cat = columnDrift('c', ['a', 'b', 'a'], ['a', 'b', 'b']);
    assert.equal(cat.method, 'chisquare');
    const catLarge = columnDrift('c', Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? 'a' : 'b')), ['a', 'b']);
    assert.equal(catLarge.method, 'jensenshannon');
  });

  it('per-column method and threshold; a method that does not fit the kind is refused', () => {
    const ref = normals(r, 400);
    const cur = normals(r, 400, 0.2);
    const psi = columnDrift('x', ref, cur, { method: 'psi', threshold: 0.5 });
    assert.equal(psi.method, 'psi');
    assert.equal(psi.threshold, 0.5);
    assert.equal(psi.score, psi.numerical!.binned.psi);
    assert.throws(() => columnDrift('c', ['a'], ['b'], { method: 'ks' }), isInvalid('columns.c.method'));
    assert.throws(() => columnDrift('x', ref, cur, { method: 'ks', threshold: 2 }), isInvalid('columns.x.threshold'));
  });

  it('the dataset drifts when the drifted share reaches driftShare', () => {
    const ref = { a: normals(r, 300), b: normals(r, 300), c: ['x', 'y', 'x', 'y'] };
    const cur = { a: normals(r, 300, 2), b: normals(r, 300), c: ['x', 'y', 'y', 'x'] };
    const d = datasetDrift(ref, cur);
    assert.equal(d.columns.find((c) => c.column === 'a')!.drifted, true);
    assert.equal(d.driftedColumns, 1);
    assertClose(d.shareDrifted, 1 / 3, 1e-15, 'share');
    assert.equal(d.datasetDrift, false);
    assert.equal(datasetDrift(ref, cur, { driftShare: 0.3 }).datasetDrift, true);
    assert.throws(() => datasetDrift(ref, { a: cur.a, b: cur.b }), isInvalid('current.c'));
    assert.throws(() => datasetDrift(ref, cur, { columns: { zz: { method: 'psi' } } }), isInvalid('columns.zz'));
  });
});

describe('snake_case metric names', () => {
  it('flattens a column result under the names the issue fixes', () => {
    const r = prng(5);
    const m = columnDriftMetrics(columnDrift('x', normals(r, 100), normals(r, 100)));
    for (const k of ['ks_statistic', 'ks_p_value', 'wasserstein_normed', 'psi', 'js_distance', 'drift_detected']) assert.ok(k in m, k);
    const c = columnDriftMetrics(columnDrift('c', ['a', 'b'], ['a', 'z']));
    assert.equal(c.new_categories, 1);
    assert.ok('chi2_p_value' in c);
  });
});

describe('prepared sides', () => {
  it('a reference sorted or counted once gives the same result as raw values', () => {
    const r = prng(8);
    const ref = normals(r, 700);
    const cur = normals(r, 500, 0.1);
    const fromRaw = columnDrift('x', ref, cur);
    const fromPrepared = columnDrift('x', sortedSample('reference', ref), cur);
    assert.deepEqual(fromPrepared, fromRaw);
    const { reference, current } = categoricalPair();
    assert.deepEqual(columnDrift('c', countCategories('reference', reference), current), columnDrift('c', reference, current));
    // a sorted sample with few distinct values is still categorical, and counts as such
    const flags = columnDrift('f', sortedSample('reference', [0, 1, 1, null]), [1, 0, 0]);
    assert.equal(flags.kind, 'categorical');
    assert.equal(flags.categorical!.referenceDropped, 1);
    assert.throws(() => columnDrift('x', countCategories('reference', ['a']), cur, { kind: 'numerical' }), isInvalid('reference.x'));
  });
});

describe('countCategories (one lookup per value, typed tally)', () => {
  it('equals a plain count on random columns with missing entries, in order of first appearance', () => {
    const r = prng(11);
    for (const n of [1, 50, 20_000]) {
      const pool: (string | number | boolean | null | undefined)[] = ['a', 'b', '', null, undefined, Number.NaN, 1, '1', true, false, 2.5, ...Array.from({ length: 120 }, (_, i) => `c${i}`)];
      const values = Array.from({ length: n }, () => pool[Math.floor(r() ** 2 * pool.length)]);
      values[0] = 'first';
      const expected = new Map<unknown, number>();
      let dropped = 0;
      for (const v of values) {
        if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) dropped++;
        else expected.set(v, (expected.get(v) ?? 0) + 1);
      }
      const got = countCategories('x', values);
      assert.deepEqual([...got.counts], [...expected]);
      assert.equal(got.dropped, dropped);
      assert.equal(got.total, n - dropped);
    }
  });
});

/** The element-wise merge walk the run-wise one replaced: one pooled value per step. */
function elementWiseKsW1(a: Float64Array, b: Float64Array): { ks: number; wasserstein: number } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  let w = 0;
  let va = a[0]!;
  let vb = b[0]!;
  while (i < n1 || j < n2) {
    let v: number;
    if (va <= vb) {
      v = va;
      i++;
      va = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    } else {
      v = vb;
      j++;
      vb = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    }
    const next = va <= vb ? va : vb;
    if (next !== v) {
      const diff = i * n2 - j * n1;
      if (diff > maxDiff) maxDiff = diff;
      else if (diff < minDiff) minDiff = diff;
      if (next !== Number.POSITIVE_INFINITY) w += Math.abs(diff) * (next - v);
    }
  }
  return { ks: Math.min(1, Math.max(maxDiff, -minDiff) / (n1 * n2)), wasserstein: w / (n1 * n2) };
}

describe('KS + W1 merge walk (run-wise)', () => {
  it('gives the element-wise walk bit for bit on random samples with and without ties', () => {
    const r = prng(23);
    const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    for (let t = 0; t < 2000; t++) {
      const big = t % 200 === 0;
      const n1 = big ? 20_000 + Math.floor(r() * 5000) : 1 + Math.floor(r() * 40);
      const n2 = big ? 50_000 + Math.floor(r() * 5000) : 1 + Math.floor(r() * 40);
      const grid = [1, 3, 1000, 0][t % 4]!; // 0: continuous
      const round = (x: number) => (grid ? Math.round(x * grid) / grid : x);
      const a = Float64Array.from({ length: n1 }, () => round(normal())).sort();
      const b = Float64Array.from({ length: n2 }, () => round(normal() + r() * (t % 3))).sort();
      const got = ksAndWassersteinSorted(a, b);
      const want = elementWiseKsW1(a, b);
      assert.ok(Object.is(got.ks, want.ks) && Object.is(got.wasserstein, want.wasserstein), `case ${t}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    }
  });
});
