import { ksAndWassersteinSorted } from './ecdf-merge.js';
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
  return wassersteinFromDistance(wassersteinSorted(a, b), a);
}

const stdOf = new WeakMap<Float64Array, number>();

/** Adds the normed form to a W1 distance; `sortedReference` gives the standard deviation. */
export function wassersteinFromDistance(distance: number, reference: Float64Array): WassersteinResult {
  let referenceStd = stdOf.get(reference);
  if (referenceStd === undefined) {
    referenceStd = meanAndStd(reference).std;
    // A reference prepared once (a monitor's) is compared with window after window.
    stdOf.set(reference, referenceStd);
  }
  return { distance, normed: distance / Math.max(referenceStd, WASSERSTEIN_MIN_STD), referenceStd };
}

/** W1 of two ascending samples. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  return ksAndWassersteinSorted(a, b).wasserstein;
}
