import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  betainc, compareMeans, compareProportions, meanInterval, meanSample, newcombeInterval, normalQuantile, normalSf, tQuantile, tSf, twoProportionPValue, welch, wilson,
} from './ab-analysis.js';

const close = (actual: number, expected: number, rel = 1e-9, what = '') =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
const closeAll = (actual: readonly number[], expected: readonly number[], rel = 1e-9, what = '') => expected.forEach((e, i) => close(actual[i]!, e, rel, `${what}[${i}]`));

// Samples shared with the scipy one-liners below (same formulas in Python).
const A = Array.from({ length: 40 }, (_, i) => ((i * 37) % 101) / 10);
const B = (shift: number) => Array.from({ length: 45 }, (_, i) => ((i * 53) % 97) / 10 + shift);

describe('A/B statistics against scipy 1.17.1', () => {
  test('special functions', () => {
    // python3 -c "from scipy import special; print([special.betainc(a,b,x) for a,b,x in [(2.5,0.5,0.3),(10,0.5,0.95),(0.7,3.2,0.01),(50,0.5,0.999)]])"
    closeAll([betainc(2.5, 0.5, 0.3), betainc(10, 0.5, 0.95), betainc(0.7, 3.2, 0.01), betainc(50, 0.5, 0.999)], [0.018927124071945658, 0.31715157546554495, 0.0949218365489078, 0.7523690199653766], 1e-11, 'betainc');
    // python3 -c "from scipy import stats; print([stats.t.sf(t,df) for t,df in [(2.1,7.3),(0.4,120.5),(-1.5,3),(5.0,2.2)]])"
    closeAll([tSf(2.1, 7.3), tSf(0.4, 120.5), tSf(-1.5, 3), tSf(5, 2.2)], [0.0361233567124267, 0.34493235315036563, 0.8847080673775886, 0.01548448284490948], 1e-11, 'tSf');
    // python3 -c "from scipy import stats; print([stats.t.ppf(p,df) for p,df in [(0.975,7.3),(0.975,120.5),(0.995,3),(0.9,2.2)]])"
    closeAll([tQuantile(0.975, 7.3), tQuantile(0.975, 120.5), tQuantile(0.995, 3), tQuantile(0.9, 2.2)], [2.345066736547703, 1.9798467346393642, 5.840909309733355, 1.8123849217763532], 1e-10, 'tQuantile');
    // python3 -c "from scipy import stats; print([stats.norm.ppf(p) for p in [0.975,0.995,1e-10,0.3]], [stats.norm.sf(z) for z in [1.96,0.1,6.5,-1]])"
    closeAll([normalQuantile(0.975), normalQuantile(0.995), normalQuantile(1e-10), normalQuantile(0.3)], [1.959963984540054, 2.5758293035489004, -6.361340902404056, -0.5244005127080409], 1e-12, 'normalQuantile');
    closeAll([normalSf(1.96), normalSf(0.1), normalSf(6.5), normalSf(-1)], [0.024997895148220435, 0.460172162722971, 4.016000583859088e-11, 0.8413447460685429], 1e-11, 'normalSf');
  });

  test('proportions: Wilson, pooled z-test, Newcombe', () => {
    // python3 -c "from scipy import stats; print([tuple(stats.binomtest(k,n).proportion_ci(0.95,'wilson')) for k,n in [(81,100),(0,20),(19,20),(412,1000)]], tuple(stats.binomtest(45,60).proportion_ci(0.90,'wilson')))"
    const expected: [number, number, [number, number]][] = [
      [81, 100, [0.7222115462093562, 0.8748524849023126]],
      [0, 20, [0, 0.16112515805281935]],
      [19, 20, [0.763868806553258, 0.9911185511992047]],
      [412, 1000, [0.38188731127995784, 0.4427861982134999]],
    ];
    for (const [k, n, ci] of expected) closeAll(wilson(k, n), ci, 1e-12, `wilson ${k}/${n}`);
    closeAll(wilson(45, 60, 0.1), [0.648624241268694, 0.8298023594346711], 1e-12, 'wilson 90%');
    // The pooled z-test is Pearson's chi-square without continuity correction:
    // python3 -c "from scipy import stats; print([stats.chi2_contingency([[k1,n1-k1],[k2,n2-k2]],correction=False)[1] for k1,n1,k2,n2 in [(81,100,90,100),(412,1000,450,1000),(30,200,30,200)]])"
    close(twoProportionPValue({ successes: 81, n: 100 }, { successes: 90, n: 100 }), 0.07069592991793984, 1e-10, 'z 1');
    close(twoProportionPValue({ successes: 412, n: 1000 }, { successes: 450, n: 1000 }), 0.08619347001866558, 1e-10, 'z 2');
    close(twoProportionPValue({ successes: 30, n: 200 }, { successes: 30, n: 200 }), 1, 1e-12, 'z equal');
    // Newcombe (1998), Stat. Med. 17:873, example 56/70 − 48/80, method 10: 0.0524 … 0.3339; to full
    // precision from scipy's Wilson intervals:
    // python3 -c "from scipy import stats; w=lambda k,n: stats.binomtest(k,n).proportion_ci(0.95,'wilson'); A=w(48,80); B=w(56,70); pa,pb=48/80,56/70; d=pb-pa; print(d-((pb-B.low)**2+(A.high-pa)**2)**0.5, d+((B.high-pb)**2+(pa-A.low)**2)**0.5)"
    closeAll(newcombeInterval({ successes: 48, n: 80 }, { successes: 56, n: 70 }), [0.052431472402364815, 0.3338726540369059], 1e-12, 'newcombe');
  });

  test('means: Welch t-test and intervals', () => {
    // python3 -c "from scipy import stats; a=[((i*37)%101)/10 for i in range(40)]; b=[((i*53)%97)/10+1.2 for i in range(45)]; r=stats.ttest_ind(b,a,equal_var=False); ci=r.confidence_interval(0.95); print(r.statistic, r.df, r.pvalue, ci.low, ci.high)"
    const w = welch(meanSample(A), meanSample(B(1.2)));
    closeAll([w.t, w.df, w.pValue, w.ci[0], w.ci[1]], [1.1387946809597318, 80.99642731380334, 0.25814578663488225, -0.542541032498246, 1.9947632547204697], 1e-9, 'welch');
    // Same with shift 0.3 and confidence_interval(0.90):
    const w90 = welch(meanSample(A), meanSample(B(0.3)), 0.1);
    closeAll([w90.t, w90.pValue, w90.ci[0], w90.ci[1]], [-0.2727182365266999, 0.7857639034991906, -1.234804639137882, 0.8870268613601029], 1e-9, 'welch 90%');
    // Shift 3.5: statistic 4.745994358980605, p 8.806953045408402e-06, CI [1.757458967501752, 4.2947632547204675]
    const far = welch(meanSample(A), meanSample(B(3.5)));
    closeAll([far.t, far.pValue, far.ci[0], far.ci[1]], [4.745994358980605, 8.806953045408402e-06, 1.757458967501752, 4.2947632547204675], 1e-8, 'welch far');
    // python3 -c "import numpy as np; from scipy import stats; a=[((i*37)%101)/10 for i in range(40)]; print(stats.t.interval(0.95, 39, loc=np.mean(a), scale=stats.sem(a)))"
    closeAll(meanInterval(meanSample(A))!, [4.029949370061016, 5.940050629938983], 1e-12, 'mean ci');
  });

  test('verdicts: significant names the better variant (direction aware), not significant, not enough data', () => {
    const sig = compareMeans('a', meanSample(A), 'b', meanSample(B(3.5)), { minSamples: 30 });
    assert.equal(sig.verdict, 'significant');
    assert.equal(sig.better, 'b');
    assert.match(sig.message, /^b is better than a/);
    // For an error (lower is better) the same data makes the baseline the better one.
    assert.equal(compareMeans('a', meanSample(A), 'b', meanSample(B(3.5)), { minSamples: 30, higherIsBetter: false }).better, 'a');
    const ns = compareMeans('a', meanSample(A), 'b', meanSample(B(1.2)), { minSamples: 30 });
    assert.equal(ns.verdict, 'not_significant');
    assert.equal(ns.better, undefined);
    const few = compareMeans('a', meanSample(A), 'b', meanSample(B(3.5)));
    assert.equal(few.verdict, 'not_enough_data');
    assert.deepEqual(few.needed, { baseline: 60, challenger: 55 });
    assert.equal(few.pValue, null);
    assert.match(few.message, /^Not enough data yet: each variant needs at least 100 samples; a \(baseline\) has 40, needs 60 more; b has 45, needs 55 more/);
    const p = compareProportions('a', { successes: 412, n: 1000 }, 'b', { successes: 450, n: 1000 }, { alpha: 0.1 });
    assert.equal(p.verdict, 'significant');
    assert.equal(p.better, 'b');
    assert.equal(compareProportions('a', { successes: 412, n: 1000 }, 'b', { successes: 450, n: 1000 }).verdict, 'not_significant');
    // Identical constant samples: no spread, no difference.
    assert.equal(compareMeans('a', meanSample([2, 2, 2]), 'b', meanSample([2, 2, 2]), { minSamples: 3 }).pValue, 1);
  });
});
