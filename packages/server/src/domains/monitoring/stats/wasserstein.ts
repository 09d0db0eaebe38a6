import { meanAndStd, sortedSample, type NumericInput, type SortedSample } from './sample.js';

/** Result of {@link wasserstein}. */
export interface WassersteinResult {
  /** W1 between the two empirical distributions (scipy.stats.wasserstein_distance). */
  distance: number;
  /** distance / max(referenceStd, 0.001): Evidently's "wasserstein_distance_norm". */
  normed: number;
  /** Population standard deviation (ddof 0) of the reference. */
  referenceStd: number;
}

/** The floor on the reference's standard deviation, as Evidently's, so a constant reference does not divide by 0. */
export const WASSERSTEIN_MIN_STD = 0.001;

/**
 * Wasserstein-1 distance ∫|F_ref(x) − F_cur(x)| dx between the empirical CDFs, computed over the
 * sorted samples in one merge pass, and its normed form divided by max(std_ref, 0.001).
 *
 * @example
 *   wasserstein([0, 1, 3], [5, 6, 8]).distance; // 5
 */
export function wasserstein(reference: NumericInput | SortedSample, current: NumericInput | SortedSample): WassersteinResult {
  const a = sortedSample('reference', reference).sorted;
  const b = sortedSample('current', current).sorted;
  const distance = wassersteinSorted(a, b);
  const referenceStd = meanAndStd(a).std;
  return { distance, normed: distance / Math.max(referenceStd, WASSERSTEIN_MIN_STD), referenceStd };
}

/** W1 of two ascending samples. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  const inv1 = 1 / n1;
  const inv2 = 1 / n2;
  let i = 0;
  let j = 0;
  let prev = 0;
  let total = 0;
  let started = false;
  while (i < n1 || j < n2) {
    const takeA = j >= n2 || (i < n1 && a[i]! <= b[j]!);
    const x = takeA ? a[i]! : b[j]!;
    // |F_a − F_b| is constant on [prev, x): it counts the elements already passed.
    if (started) total += Math.abs(i * inv1 - j * inv2) * (x - prev);
    started = true;
    if (takeA) i++;
    else j++;
    prev = x;
  }
  return total;
}
