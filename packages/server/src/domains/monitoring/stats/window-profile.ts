import { DomainError } from '@flywheel/contract';
import { jsDistanceOfShares, psiOfShares, shares } from './binned.js';
import type { BinnedDrift } from './numeric-drift.js';
import { requireNonEmpty, type NumericInput } from './sample.js';

/**
 * A mergeable summary of a numerical column over one window (whylogs-style): counts, extremes,
 * mean and spread (Chan et al.'s parallel update, so merging is as accurate as one pass), and the
 * counts in fixed bins. With the reference's decile edges as the bins, PSI and Jensen–Shannon of
 * merged windows equal those of the raw rows exactly — windows and replicas combine without
 * rescanning. (KS and Wasserstein need the sorted values and are not derived from a profile.)
 */
export interface NumericWindowProfile {
  /** Interior bin edges, ascending; bins closed on the left, outer bins open to ±∞. */
  edges: number[];
  binCounts: number[];
  count: number;
  /** Missing or non-finite entries. */
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Σ (x − mean)², for the variance: m2 / count (ddof 0). */
  m2: number;
}

/**
 * Profiles one window of values against fixed `edges` (typically `decileEdges` of the reference).
 *
 * @example
 *   const edges = decileEdges(sortedSample('reference', ref).sorted);
 *   const merged = mergeNumericProfiles([profileNumeric(hour1, edges), profileNumeric(hour2, edges)]);
 *   binnedDriftFromProfiles(profileNumeric(ref, edges), merged).psi;
 */
export function profileNumeric(values: NumericInput, edges: ArrayLike<number>): NumericWindowProfile {
  requireNonEmpty('values', values);
  const e = Float64Array.from(edges);
  for (let i = 1; i < e.length; i++) {
    if (!(e[i]! > e[i - 1]!)) throw new DomainError('INVALID_INPUT', `'edges' must be strictly ascending.`, { field: 'edges' });
  }
  const bins = new Float64Array(e.length + 1);
  let count = 0;
  let missing = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || v - v !== 0) {
      missing++;
      continue;
    }
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - mean;
    mean += d / count;
    m2 += d * (v - mean);
    // the bin of v: the number of edges ≤ v
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    bins[lo]!++;
  }
  return {
    edges: Array.from(e),
    binCounts: Array.from(bins),
    count,
    missing,
    min: count ? min : null,
    max: count ? max : null,
    mean: count ? mean : null,
    m2,
  };
}

/** Combines profiles of the same column and edges into one, as if profiled together. */
export function mergeNumericProfiles(profiles: readonly NumericWindowProfile[]): NumericWindowProfile {
  if (profiles.length === 0) throw new DomainError('INVALID_INPUT', `'profiles' is empty.`, { field: 'profiles' });
  const first = profiles[0]!;
  const out: NumericWindowProfile = { ...first, edges: [...first.edges], binCounts: [...first.binCounts] };
  for (const p of profiles.slice(1)) {
    if (p.edges.length !== out.edges.length || p.edges.some((x, i) => x !== out.edges[i])) {
      throw new DomainError('INVALID_INPUT', 'Profiles with different bin edges cannot be merged.', { field: 'profiles' });
    }
    p.binCounts.forEach((c, i) => (out.binCounts[i]! += c));
    out.missing += p.missing;
    if (p.count === 0) continue;
    if (out.count === 0) {
      Object.assign(out, { count: p.count, min: p.min, max: p.max, mean: p.mean, m2: p.m2 });
      continue;
    }
    const n = out.count + p.count;
    const delta = p.mean! - out.mean!;
    out.m2 += p.m2 + (delta * delta * out.count * p.count) / n;
    out.mean = out.mean! + (delta * p.count) / n;
    out.count = n;
    out.min = Math.min(out.min!, p.min!);
    out.max = Math.max(out.max!, p.max!);
  }
  return out;
}

/** PSI and Jensen–Shannon between two profiles over the same edges (see binnedDrift for the definitions). */
export function binnedDriftFromProfiles(reference: NumericWindowProfile, current: NumericWindowProfile): BinnedDrift {
  if (reference.count === 0) throw new DomainError('INVALID_INPUT', `'reference' has no finite value.`, { field: 'reference' });
  if (current.count === 0) throw new DomainError('INVALID_INPUT', `'current' has no finite value.`, { field: 'current' });
  if (reference.edges.length !== current.edges.length || reference.edges.some((x, i) => x !== current.edges[i])) {
    throw new DomainError('INVALID_INPUT', 'The two profiles have different bin edges.', { field: 'current' });
  }
  const r = shares(reference.binCounts);
  const c = shares(current.binCounts);
  return { psi: psiOfShares(r, c), jsDistance: jsDistanceOfShares(r, c), edges: [...reference.edges], referenceShares: Array.from(r), currentShares: Array.from(c) };
}
