import { DomainError } from '@flywheel/contract';
import { sortFloat64 } from './radix-sort.js';

/** A numeric column as it arrives: plain arrays (with gaps) or typed arrays. */
export type NumericInput = ArrayLike<number | null | undefined>;

/** The finite values of a column, sorted ascending, and how many entries were dropped. */
export interface SortedSample {
  readonly sorted: Float64Array;
  /** Entries that were null, undefined, NaN or ±Infinity (the rule: dropped per column). */
  readonly dropped: number;
}

/** Throws INVALID_INPUT naming `argument` unless the input holds at least one entry. */
export function requireNonEmpty(argument: string, input: ArrayLike<unknown>): void {
  if (input.length === 0) throw new DomainError('INVALID_INPUT', `'${argument}' is empty: at least one value is needed.`, { field: argument });
}

/** Copies the finite values of `input` into a Float64Array, counting what it leaves out. */
export function finiteValues(argument: string, input: NumericInput): { values: Float64Array; dropped: number } {
  requireNonEmpty(argument, input);
  const n = input.length;
  const out = new Float64Array(n);
  let k = 0;
  if (input instanceof Float64Array || input instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const v = input[i]!;
      // v - v is 0 only for finite numbers: NaN and ±Infinity give NaN.
      if (v - v === 0) out[k++] = v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = input[i];
      if (typeof v === 'number' && v - v === 0) out[k++] = v;
    }
  }
  if (k === 0) {
    throw new DomainError('INVALID_INPUT', `'${argument}' has no finite value (${n} missing or not finite).`, { field: argument });
  }
  return { values: k === n ? out : out.slice(0, k), dropped: n - k };
}

/**
 * The finite values of `input`, sorted. Drift statistics take a {@link SortedSample} so that one
 * sort serves KS, Wasserstein, PSI and Jensen–Shannon.
 *
 * @example
 *   const ref = sortedSample('reference', [3, 1, null, 2]); // { sorted: [1, 2, 3], dropped: 1 }
 */
export function sortedSample(argument: string, input: NumericInput | SortedSample): SortedSample {
  if (isSortedSample(input)) return input;
  const { values, dropped } = finiteValues(argument, input);
  return { sorted: sortFloat64(values), dropped };
}

export function isSortedSample(x: unknown): x is SortedSample {
  return typeof x === 'object' && x !== null && (x as SortedSample).sorted instanceof Float64Array;
}

/** Mean and population standard deviation (ddof 0), two passes like numpy.std. */
export function meanAndStd(values: Float64Array): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n) };
}

/** The first index i with sorted[i] >= x (sorted[i] > x when `strict`), by binary search. */
export function lowerBound(sorted: Float64Array, x: number, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (strict ? v <= x : v < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Round half to even, as numpy's np.round (scipy rounds the KS effective size with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
