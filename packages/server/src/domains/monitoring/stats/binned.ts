import { lowerBound } from './sample.js';

/**
 * Distribution distances over shared bins or categories: PSI and Jensen–Shannon, and the decile
 * bins numerical columns use for them.
 */

/** Proportions below this are raised to it before PSI (not renormalised), so an empty bin costs a finite amount. */
export const PSI_MIN_PROPORTION = 1e-4;

/** The interior edges of the PSI/JS bins: the reference's deciles 10 … 90 %, duplicates removed. */
export function decileEdges(sortedReference: Float64Array): Float64Array {
  const edges: number[] = [];
  for (let k = 1; k <= 9; k++) {
    const q = quantileSorted(sortedReference, k / 10);
    if (edges.length === 0 || q !== edges[edges.length - 1]) edges.push(q);
  }
  return Float64Array.from(edges);
}

/** numpy.percentile's default (linear, Hyndman–Fan type 7): h = (n − 1)·p between order statistics. */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  // numpy's _lerp form, so the edges equal numpy's bit for bit.
  const t = h - lo;
  const v = a + (b - a) * t;
  return t >= 0.5 ? b - (b - a) * (1 - t) : v;
}

/**
 * Counts per bin of an ascending sample: bin 0 is (−∞, e0), bin i is [e(i−1), e(i)), the last
 * [e(k−1), +∞) — closed on the left.
 */
export function binCountsSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let start = 0;
  for (let i = 0; i < edges.length; i++) {
    const end = lowerBound(sorted, edges[i]!);
    counts[i] = end - start;
    start = end;
  }
  counts[edges.length] = sorted.length - start;
  return counts;
}

/** Shares of a count vector (sum 1). */
export function shares(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}

/**
 * Population stability index Σ (p_cur − p_ref)·ln(p_cur / p_ref) over aligned shares, each share
 * below {@link PSI_MIN_PROPORTION} raised to it (without renormalising).
 */
export function psiOfShares(referenceShares: ArrayLike<number>, currentShares: ArrayLike<number>): number {
  let psi = 0;
  for (let i = 0; i < referenceShares.length; i++) {
    const r = Math.max(referenceShares[i]!, PSI_MIN_PROPORTION);
    const c = Math.max(currentShares[i]!, PSI_MIN_PROPORTION);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/**
 * Jensen–Shannon distance with base-2 logarithms (so it lies in [0, 1]), as
 * scipy.spatial.distance.jensenshannon(p, q, base=2): both vectors normalised to sum 1, no epsilon;
 * sqrt((KL(p‖m) + KL(q‖m)) / 2) with m = (p + q)/2 and 0·ln 0 = 0.
 */
export function jsDistanceOfShares(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const ps = shares(p);
  const qs = shares(q);
  let sum = 0;
  for (let i = 0; i < ps.length; i++) {
    const a = ps[i]!;
    const b = qs[i]!;
    const m = (a + b) / 2;
    if (a > 0) sum += a * Math.log(a / m);
    if (b > 0) sum += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, sum / 2 / Math.LN2));
}
