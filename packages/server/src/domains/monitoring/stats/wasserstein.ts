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

/** Adds the normed form to a W1 distance; `sortedReference` gives the standard deviation. */
export function wassersteinFromDistance(distance: number, reference: Float64Array): WassersteinResult {
  const referenceStd = meanAndStd(reference).std;
  return { distance, normed: distance / Math.max(referenceStd, WASSERSTEIN_MIN_STD), referenceStd };
}

/**
 * The KS statistic and W1 of two ascending samples in one merge pass (what numericDrift uses):
 * between consecutive distinct pooled values both CDFs are constant, so |F_a − F_b| gives the KS
 * candidate at the value and the W1 integrand up to the next one.
 */
export function ksAndWassersteinSorted(a: Float64Array, b: Float64Array): { ks: number; wasserstein: number } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  let w = 0;
  let diff = 0;
  let prev = 0;
  let started = false;
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    if (started) w += Math.abs(diff) * (x - prev);
    started = true;
    while (i < n1 && a[i]! <= x) i++;
    while (j < n2 && b[j]! <= x) j++;
    diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    else if (diff < minDiff) minDiff = diff;
    prev = x;
  }
  return { ks: Math.max(maxDiff, Math.min(1, -minDiff)), wasserstein: w };
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
