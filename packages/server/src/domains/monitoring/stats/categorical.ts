import { DomainError } from '@flywheel/contract';
import { jsDistanceOfShares, psiOfShares, shares } from './binned.js';
import { requireNonEmpty } from './sample.js';
import { chiSquareSf } from './special-functions.js';

/** A category: the value itself (1 and '1' are different categories). */
export type Category = string | number | boolean;

/** Counts per category, plus the entries left out as missing. Mergeable: add the counts. */
export interface CategoryCounts {
  counts: Map<Category, number>;
  total: number;
  /** null, undefined, NaN and the empty string. */
  dropped: number;
}

/**
 * Counts the categories of a column. Missing entries (null, undefined, NaN, '') are dropped and
 * counted.
 *
 * @example
 *   countCategories(['a', 'b', 'a', null]); // counts a→2, b→1; total 3; dropped 1
 */
export function countCategories(argument: string, values: ArrayLike<Category | null | undefined>): CategoryCounts {
  requireNonEmpty(argument, values);
  // One map lookup per value (category → slot) and a typed tally, instead of a get and a set.
  const slots = new Map<Category, number>();
  let tally = new Float64Array(64);
  let dropped = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let k = slots.get(v as Category);
    if (k === undefined) {
      if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) {
        dropped++;
        continue;
      }
      k = slots.size;
      slots.set(v, k);
      if (k === tally.length) {
        const grown = new Float64Array(2 * k);
        grown.set(tally);
        tally = grown;
      }
    }
    tally[k]!++;
  }
  if (slots.size === 0) throw new DomainError('INVALID_INPUT', `'${argument}' has no value (${n} missing).`, { field: argument });
  const counts = new Map<Category, number>();
  for (const [category, k] of slots) counts.set(category, tally[k]!);
  return { counts, total: n - dropped, dropped };
}

/** Adds category counts of several windows or replicas. */
export function mergeCategoryCounts(parts: readonly CategoryCounts[]): CategoryCounts {
  const counts = new Map<Category, number>();
  let total = 0;
  let dropped = 0;
  for (const p of parts) {
    for (const [k, v] of p.counts) counts.set(k, (counts.get(k) ?? 0) + v);
    total += p.total;
    dropped += p.dropped;
  }
  return { counts, total, dropped };
}

/** Chi-square test of homogeneity on the 2×K table (reference, current) × categories. */
export interface ChiSquareResult {
  statistic: number;
  /** K − 1, K the categories seen on either side. */
  dof: number;
  pValue: number;
}

/** Every categorical drift statistic of one column. */
export interface CategoricalDriftStats {
  chiSquare: ChiSquareResult;
  psi: number;
  jsDistance: number;
  /** The union of categories, in the order of first appearance (reference first). */
  categories: Category[];
  referenceShares: number[];
  currentShares: number[];
  /** Categories in the current window that the reference never had. */
  newCategories: Category[];
  /** Categories of the reference absent from the current window. */
  missingCategories: Category[];
  referenceCount: number;
  currentCount: number;
  referenceDropped: number;
  currentDropped: number;
}

/**
 * Chi-square test of homogeneity, PSI and Jensen–Shannon distance of a categorical column, over the
 * union of categories (a category absent on one side counts 0 there).
 * - chi-square: Σ (O − E)²/E with E = row total · column total / N, no continuity correction,
 *   dof = K − 1, p = Q((K − 1)/2, χ²/2) — scipy.stats.chi2_contingency(table, correction=False).
 *   With one category (dof 0) the statistic is 0 and p is 1. For K = 2 this equals the pooled
 *   two-proportion z-test Evidently uses for binary columns (χ² = z², same p-value).
 * - PSI over the categories' shares, shares below 1e-4 raised to 1e-4; natural log.
 * - Jensen–Shannon distance, base 2, no epsilon.
 *
 * @example
 *   categoricalDrift(['a', 'a', 'b'], ['b', 'b', 'c']).chiSquare.pValue;
 */
export function categoricalDrift(
  reference: ArrayLike<Category | null | undefined> | CategoryCounts,
  current: ArrayLike<Category | null | undefined> | CategoryCounts,
): CategoricalDriftStats {
  const ref = isCategoryCounts(reference) ? reference : countCategories('reference', reference);
  const cur = isCategoryCounts(current) ? current : countCategories('current', current);
  if (ref.total === 0) throw new DomainError('INVALID_INPUT', `'reference' has no value.`, { field: 'reference' });
  if (cur.total === 0) throw new DomainError('INVALID_INPUT', `'current' has no value.`, { field: 'current' });
  const categories: Category[] = [...ref.counts.keys()];
  for (const k of cur.counts.keys()) if (!ref.counts.has(k)) categories.push(k);
  const k = categories.length;
  const r = new Float64Array(k);
  const c = new Float64Array(k);
  categories.forEach((cat, i) => {
    r[i] = ref.counts.get(cat) ?? 0;
    c[i] = cur.counts.get(cat) ?? 0;
  });
  const refShares = shares(r);
  const curShares = shares(c);
  return {
    chiSquare: chiSquareHomogeneity(r, c),
    psi: psiOfShares(refShares, curShares),
    jsDistance: jsDistanceOfShares(refShares, curShares),
    categories,
    referenceShares: Array.from(refShares),
    currentShares: Array.from(curShares),
    newCategories: categories.filter((cat) => !ref.counts.has(cat)),
    missingCategories: categories.filter((cat) => !cur.counts.has(cat)),
    referenceCount: ref.total,
    currentCount: cur.total,
    referenceDropped: ref.dropped,
    currentDropped: cur.dropped,
  };
}

/** Chi-square homogeneity of two aligned count vectors; columns empty on both sides are skipped. */
export function chiSquareHomogeneity(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < reference.length; i++) {
    n1 += reference[i]!;
    n2 += current[i]!;
  }
  const n = n1 + n2;
  let statistic = 0;
  let k = 0;
  for (let i = 0; i < reference.length; i++) {
    const col = reference[i]! + current[i]!;
    if (col === 0) continue;
    k++;
    const e1 = (n1 * col) / n;
    const e2 = (n2 * col) / n;
    statistic += (reference[i]! - e1) ** 2 / e1 + (current[i]! - e2) ** 2 / e2;
  }
  const dof = Math.max(k - 1, 0);
  if (dof === 0) return { statistic: 0, dof, pValue: 1 };
  return { statistic, dof, pValue: chiSquareSf(statistic, dof) };
}

export function isCategoryCounts(x: unknown): x is CategoryCounts {
  return typeof x === 'object' && x !== null && (x as CategoryCounts).counts instanceof Map;
}
