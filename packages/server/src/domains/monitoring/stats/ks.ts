import { ksAndWassersteinSorted } from './ecdf-merge.js';
import { kolmogorovSf } from './kolmogorov.js';
import { roundHalfEven, sortedSample, type NumericInput, type SortedSample } from './sample.js';

/** Result of {@link ksTwoSample}. */
export interface KsResult {
  /** sup |F_ref − F_cur| over right-continuous empirical CDFs. */
  statistic: number;
  pValue: number;
  /** `exact` when max(n_ref, n_cur) ≤ 10000 and the exact computation succeeds, else `asymptotic`. */
  method: 'exact' | 'asymptotic';
  referenceCount: number;
  currentCount: number;
}

/** scipy's MAX_AUTO_N: method='auto' tries the exact distribution up to this sample size. */
export const KS_EXACT_MAX_N = 10000;

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, matching scipy.stats.ks_2samp(ref, cur) with its
 * default method='auto':
 * - statistic: D = max over the pooled values of |F_ref(x) − F_cur(x)|, the CDFs right-continuous
 *   (ties between samples handled exactly: both CDFs jump at the same x).
 * - exact (max(n, m) ≤ 10000): D is snapped to h/lcm(n, m) with h = round(D·lcm) and
 *   P(D_{n,m} ≥ D) is computed over lattice paths — the closed alternating sum for n = m, else
 *   Hodges' inside method in the 1 − p recursion of Viehmann (arXiv:2102.08037). Both are ports of
 *   scipy's code and agree with it to rounding (~1e-12). Cost O(n·m) in the worst case.
 * - asymptotic (larger samples, or if the exact computation leaves [0, 1]): the one-sample two-sided
 *   Kolmogorov distribution at the effective size round(n·m/(n+m)), P(D_en ≥ D) (scipy's
 *   kstwo.sf(D, round(en))), see kolmogorov.ts for the method and its accuracy.
 * Missing and non-finite values are dropped first.
 *
 * @example
 *   ksTwoSample([0.1, 0.4, 0.7], [0.2, 0.5, 0.9, 1.3]); // { statistic: 0.25, pValue: 1, method: 'exact', … }
 */
export function ksTwoSample(reference: NumericInput | SortedSample, current: NumericInput | SortedSample): KsResult {
  const a = sortedSample('reference', reference).sorted;
  const b = sortedSample('current', current).sorted;
  return ksFromStatistic(ksStatisticSorted(a, b), a.length, b.length);
}

/** The KS result of a statistic already computed over samples of sizes n1 and n2 (see {@link ksTwoSample}). */
export function ksFromStatistic(statistic: number, n1: number, n2: number): KsResult {
  let d = statistic;
  const g = gcd(n1, n2);
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact', referenceCount: n1, currentCount: n2 };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) {
      return { statistic: d, pValue: p, method: 'exact', referenceCount: n1, currentCount: n2 };
    }
  }
  const en = (n1 * n2) / (n1 + n2);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymptotic', referenceCount: n1, currentCount: n2 };
}

/** The two-sided KS statistic of two ascending samples, in one merge pass. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  return ksAndWassersteinSorted(a, b).ks;
}

function gcd(x: number, y: number): number {
  while (y) [x, y] = [y, x % y];
  return x;
}

/** P(D_{n,n} ≥ h/n) = 2·Σ_k (−1)^(k−1) C(2n, n−kh)/C(2n, n), by scipy's Horner-like scheme. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/** scipy's _compute_outer_prob_inside_method: share of lattice paths leaving |x/m − y/n| < h/lcm. */
function probOutsideInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}
