import { binCountsSorted, decileEdges, jsDistanceOfShares, psiOfShares, shares } from './binned.js';
import { ksFromStatistic, type KsResult } from './ks.js';
import { sortedSample, type NumericInput, type SortedSample } from './sample.js';
import { ksAndWassersteinSorted } from './ecdf-merge.js';
import { wassersteinFromDistance, type WassersteinResult } from './wasserstein.js';

/** PSI and Jensen–Shannon of a numerical column over the reference's decile bins. */
export interface BinnedDrift {
  psi: number;
  jsDistance: number;
  /** Interior bin edges (the reference's deciles, duplicates removed); bins are closed on the left. */
  edges: number[];
  referenceShares: number[];
  currentShares: number[];
}

/** Every numerical drift statistic of one column. */
export interface NumericDriftStats {
  ks: KsResult;
  wasserstein: WassersteinResult;
  binned: BinnedDrift;
  referenceCount: number;
  currentCount: number;
  /** Missing or non-finite entries dropped from each side. */
  referenceDropped: number;
  currentDropped: number;
}

/**
 * PSI and Jensen–Shannon distance of a numerical column: 10 bins from the reference's deciles
 * (linear interpolation, duplicate edges removed, closed on the left, outer bins open to ±∞).
 *
 * @example
 *   binnedDrift(referenceValues, currentValues).psi;
 */
export function binnedDrift(reference: NumericInput | SortedSample, current: NumericInput | SortedSample): BinnedDrift {
  const a = sortedSample('reference', reference).sorted;
  const b = sortedSample('current', current).sorted;
  const edges = decileEdges(a);
  const refShares = shares(binCountsSorted(a, edges));
  const curShares = shares(binCountsSorted(b, edges));
  return {
    psi: psiOfShares(refShares, curShares),
    jsDistance: jsDistanceOfShares(refShares, curShares),
    edges: Array.from(edges),
    referenceShares: Array.from(refShares),
    currentShares: Array.from(curShares),
  };
}

/**
 * KS, Wasserstein (plain and normed), PSI and Jensen–Shannon of one numerical column, each sample
 * cleaned and sorted once.
 *
 * @example
 *   const s = numericDrift(train.age, window.age);
 *   s.ks.pValue; s.wasserstein.normed; s.binned.psi;
 */
export function numericDrift(reference: NumericInput | SortedSample, current: NumericInput | SortedSample): NumericDriftStats {
  const ref = sortedSample('reference', reference);
  const cur = sortedSample('current', current);
  const { ks, wasserstein } = ksAndWassersteinSorted(ref.sorted, cur.sorted);
  return {
    ks: ksFromStatistic(ks, ref.sorted.length, cur.sorted.length),
    wasserstein: wassersteinFromDistance(wasserstein, ref.sorted),
    binned: binnedDrift(ref, cur),
    referenceCount: ref.sorted.length,
    currentCount: cur.sorted.length,
    referenceDropped: ref.dropped,
    currentDropped: cur.dropped,
  };
}
