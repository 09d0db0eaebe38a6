import { DomainError, type ErrorCode } from '@flywheel/contract';
import { columnDrift, sortedSample, type ColumnDriftConfig, type ColumnDriftResult, type SortedSample } from '../stats/index.js';
import { radixSort } from '../stats/radix-sort.js';
import { isSortedSample } from '../stats/sample.js';

/** A refusal of the statistics, carried across a worker boundary as data. */
export interface DriftRefusal {
  message: string;
  code?: string | undefined;
  details?: unknown;
}

/** What the report needs of one numerical column of the current window, from one pass over it. */
export interface NumericColumnResult {
  /** NaN entries (the missing cells of a Float64Array column). */
  nan: number;
  /** Present values outside the reference's [min, max] (±Infinity included). */
  outside: number;
  drift?: ColumnDriftResult | undefined;
  /** Why there is no drift (a side without any finite value, a method that does not fit, …). */
  refusal?: DriftRefusal | undefined;
}

/**
 * One numerical column: missing count, out-of-reference-range count and every drift statistic, the
 * window read once (the finite values are copied while counting, then sorted once for KS, W1 and
 * the deciles). `reference` is the reference's numbers, or a `SortedSample` kept between windows.
 * The same function runs inline and on a `DriftPool` worker, so both give the same figures.
 */
export function numericColumn(column: string, reference: SortedSample | Float64Array, current: Float64Array, config: ColumnDriftConfig): NumericColumnResult {
  let lo: number;
  let hi: number;
  let ref: SortedSample | undefined;
  if (isSortedSample(reference)) {
    ref = reference;
    lo = reference.sorted[0] ?? Number.NaN;
    hi = reference.sorted[reference.sorted.length - 1] ?? Number.NaN;
  } else {
    // Unprepared: the range of the finite values, as a prepared (sorted) reference has it
    lo = Number.POSITIVE_INFINITY;
    hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < reference.length; i++) {
      const v = reference[i]!;
      if (v - v !== 0) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const n = current.length;
  const finite = finiteScratch(n);
  const words = new Uint32Array(current.buffer, current.byteOffset, 2 * n);
  // the sort's first pass (its digit histograms), done here while the values are read anyway
  const highCounts = new Int32Array(3 * 2048);
  let k = 0;
  let nan = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const v = current[i]!;
    if (v !== v) {
      nan++;
      continue;
    }
    // NaN bounds (an empty reference) compare false: nothing is outside
    if (v < lo || v > hi) outside++;
    if (v - v === 0) {
      finite[k++] = v;
      // countHighWord, inlined: a call per value into another module costs as much as the pass
      const h = words[2 * i + 1]!;
      highCounts[h & 2047]!++;
      highCounts[2048 + ((h >>> 11) & 2047)]!++;
      highCounts[4096 + (h >>> 22)]!++;
    }
  }
  const out: NumericColumnResult = { nan, outside };
  try {
    ref ??= sortedSample(`reference.${column}`, reference);
    // No finite value: the stats library's own check names the column and side.
    const cur: SortedSample | Float64Array = k === 0 ? current : { sorted: radixSort(finite.subarray(0, k), highCounts), dropped: n - k };
    out.drift = columnDrift(column, ref, cur, { ...config, kind: 'numerical' });
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    out.refusal = { message: e.message, code: e.code, details: e.details };
  }
  return out;
}

// The window's finite values live only while its column is computed (the drift result keeps no
// array), so one buffer per thread serves every column of every report.
let scratch = new Float64Array(0);

function finiteScratch(n: number): Float64Array {
  if (scratch.length >= n) return scratch;
  const b = new Float64Array(n);
  if (n <= 1 << 24) scratch = b; // a giant window's buffer is not kept (128 MiB and up)
  return b;
}

/** The refusal as the domain error it was. */
export function refusalError(r: DriftRefusal): DomainError {
  return new DomainError((r.code ?? 'INVALID_INPUT') as ErrorCode, r.message, r.details as Record<string, unknown> | undefined);
}
