import {
  DATASET_LIMITS,
  type CategoryCount,
  type ColumnProfile,
  type ColumnType,
  type DatasetProfile,
  type Histogram,
  type NumericProfile,
  type Quantiles,
  type SchemaColumn,
} from '@flywheel/contract';

/**
 * The statistical profile of a dataset version: the baseline monitoring compares live data with.
 * Pure: values go in column by column, a {@link DatasetProfile} comes out. Definition (version 1):
 *
 * - **Missing** values are not counted in `count` and take no part in any statistic: `null`,
 *   `undefined`, NaN and ±Infinity from typed sources (Parquet); from text (CSV) the cells listed
 *   in {@link MISSING_TEXT} (the empty cell, `NA`, `N/A`, `NaN`, `nan`, `NULL`, `null`).
 * - **Types** are inferred from the present values of text cells, the first that fits all of them:
 *   `integer` (`^[+-]?\d+$`), `float` (decimal or exponent notation; no hex, no `Infinity`),
 *   `boolean` (`true`/`false` in lower, title or upper case), `datetime` (ISO 8601 date or
 *   date-time, `YYYY-MM-DD[( |T)hh:mm[:ss[.fff]]][Z|±hh:mm]`; a date-time without a zone is read as
 *   UTC), else `string`. Typed values keep their type (a Parquet string column stays `string` even
 *   if it holds digits; a Parquet FLOAT/DOUBLE/FLOAT16 column, or a DECIMAL one with a scale, is
 *   `float` even when every value is whole).
 *   Typed values map as follows: numbers and 64-bit integers within ±(2^53−1) are numeric; a
 *   64-bit integer beyond that range is counted by its exact decimal text, so its column becomes
 *   `string` (a float would round it); dates and timestamps (ms precision, floored) are `datetime`,
 *   an invalid one is missing; bytes without a string annotation are their text when they are
 *   valid UTF-8, else their base64; JSON columns are their text; nested values (lists, structs,
 *   maps) are their JSON text (64-bit integers as digits, bytes as above).
 *   A column with no present value is `string`. When a column widens to `string` after values of
 *   another type, those earlier values are counted by their canonical text (`String(n)`, `true`,
 *   ISO 8601 in UTC), not their original spelling.
 * - **Numeric** (`integer`, `float`): min, max; mean and the **sample** standard deviation (n−1
 *   divisor; `null` below 2 values), both by Welford's algorithm; exact quantiles p01 p05 p25 p50
 *   p75 p95 p99 over the sorted values with linear interpolation between order statistics
 *   (h = (n−1)·p; numpy's default, Hyndman–Fan type 7); a histogram of
 *   {@link DATASET_LIMITS.histogramBins} (20) equal-width bins from min to max: edge i is
 *   `min + i·(max−min)/20` (the last edge is exactly max), value x falls in bin
 *   `min(19, floor((x−min)/width))`, so every bin is [lo, hi) and the last one is [lo, max]. When
 *   min = max there is one bin, edges [min, max].
 * - **Categorical** (`string`, `boolean`): the number of distinct values and the top 20 by count
 *   descending, ties by value ascending (UTF-16 code unit order). Counting is exact for up to
 *   {@link DATASET_LIMITS.maxExactDistinct} (100,000) distinct values per column, so memory stays
 *   bounded: once that many values are known, a value not seen before is no longer added (the
 *   known ones keep being counted exactly), `distinct` is then a lower bound (the number of known
 *   values) and `distinctExact` is false; `top` then ranks the known values only, so a value first
 *   seen after the limit never appears in it. `distinctExact` is true otherwise. `count` counts
 *   every present value either way.
 * - **Datetime**: min and max as ISO 8601 UTC strings.
 */
export const PROFILE_VERSION = 1 as const;

export const MISSING_TEXT: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NULL', 'null']);
export const QUANTILES = { p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;

/**
 * 1 when `s` is integer syntax (`^[+-]?\d+$`), 2 when it is decimal or exponent syntax
 * (`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`), else 0. A character scan: faster than the regexes.
 */
export function numberSyntax(s: string): 0 | 1 | 2 {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) i = 1;
  let digits = 0;
  let int = true;
  while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    i++;
    digits++;
  }
  if (i < n && c === 46) {
    int = false;
    i++;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return 0;
  if (i < n && (c === 101 || c === 69)) {
    int = false;
    i++;
    if (i < n && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
    let exp = 0;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      exp++;
    }
    if (exp === 0) return 0;
  }
  return i === n ? (int ? 1 : 2) : 0;
}
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Mode = 'none' | 'numeric' | 'boolean' | 'datetime' | 'string';

/** ms since epoch of an ISO-like text, or NaN when it is not one. A zone-less date-time is UTC. */
export function parseIsoDatetime(s: string): number {
  const m = ISO_RE.exec(s);
  if (!m) return NaN;
  if (s.length === 10) return Date.parse(s); // a date alone is UTC already
  let t = s.charCodeAt(10) === 32 ? `${s.slice(0, 10)}T${s.slice(11)}` : s;
  if (m[1] === undefined) t += 'Z';
  else if (m[1].length === 5) t = `${t.slice(0, -2)}:${t.slice(-2)}`; // ±hhmm → ±hh:mm
  return Date.parse(t);
}

function parseBoolean(s: string): boolean | undefined {
  switch (s) {
    case 'true': case 'True': case 'TRUE': return true;
    case 'false': case 'False': case 'FALSE': return false;
    default: return undefined;
  }
}

const cmpCategory = (a: CategoryCount, b: CategoryCount) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** The `k` largest entries by count (ties by value ascending) without sorting the whole map. */
export function topCategories(counts: Map<string, number>, k: number): CategoryCount[] {
  const top: CategoryCount[] = [];
  for (const [value, count] of counts) {
    const entry = { value, count };
    if (top.length === k && cmpCategory(entry, top[k - 1]!) >= 0) continue;
    let i = top.length === k ? k - 1 : top.length;
    if (top.length === k) top.pop();
    while (i > 0 && cmpCategory(entry, top[i - 1]!) < 0) i--;
    top.splice(i, 0, entry);
  }
  return top;
}

/** Quantile `p` of ascending `sorted` (length ≥ 1), linear interpolation (type 7). */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= sorted.length) return a;
  const b = sorted[lo + 1]!;
  return a + (h - lo) * (b - a);
}

/** The histogram of the definition above over ascending or unsorted `values` (min < max assumed by the caller or handled). */
export function histogram(values: Float64Array, min: number, max: number, bins: number = DATASET_LIMITS.histogramBins): Histogram {
  if (values.length === 0) return { edges: [], counts: [] };
  if (min === max) return { edges: [min, max], counts: [values.length] };
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    let b = Math.floor((values[i]! - min) / width);
    if (b >= bins) b = bins - 1;
    counts[b]!++;
  }
  const edges = new Array<number>(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = min + i * width;
  edges[bins] = max;
  return { edges, counts };
}

/** Numeric statistics of `values` (length ≥ 1). Sorts `values` in place. */
export function numericProfile(values: Float64Array): NumericProfile {
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  }
  values.sort();
  const min = values[0]!;
  const max = values[values.length - 1]!;
  const quantiles = {} as Quantiles;
  for (const [k, p] of Object.entries(QUANTILES) as [keyof Quantiles, number][]) quantiles[k] = quantileSorted(values, p);
  return {
    min,
    max,
    mean,
    std: values.length > 1 ? Math.sqrt(m2 / (values.length - 1)) : null,
    quantiles,
    histogram: histogram(values, min, max),
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as their UTF-8 text when they are valid UTF-8, else as base64. */
function bytesText(v: Uint8Array): string {
  try {
    return strictUtf8.decode(v);
  } catch {
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  }
}

function stringify(v: unknown): string {
  if (v instanceof Uint8Array) return bytesText(v);
  if (typeof v === 'object') {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? bytesText(x) : x));
  }
  return String(v);
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Collects one column's values (in one pass, into a growable Float64Array or a count map) and
 * turns them into a {@link ColumnProfile}. Text cells go through {@link addText} (type inference),
 * typed values through {@link addValue}.
 */
export class ColumnCollector {
  private mode: Mode = 'none';
  private missing = 0;
  // Allocated on the first number: a wide table of string columns costs no number buffers.
  private nums = new Float64Array(0);
  private n = 0;
  private allInt = true;
  private trues = 0;
  private falses = 0;
  private cats = new Map<string, number>();
  /** Present values counted as categories (known or not). */
  private catTotal = 0;
  /** A value arrived after {@link DATASET_LIMITS.maxExactDistinct} distinct ones were known. */
  private catOverflow = false;

  /** @param floatDeclared the source declares the column floating point (Parquet FLOAT, DOUBLE, FLOAT16, DECIMAL with a scale) */
  constructor(readonly name: string, private readonly floatDeclared = false) {
    if (floatDeclared) this.allInt = false;
  }

  private push(x: number): void {
    if (this.n === this.nums.length) {
      const grown = new Float64Array(Math.max(1024, this.nums.length * 2));
      grown.set(this.nums);
      this.nums = grown;
    }
    this.nums[this.n++] = x;
  }

  private count(s: string, times = 1): void {
    this.catTotal += times;
    const known = this.cats.get(s);
    if (known !== undefined) this.cats.set(s, known + times);
    else if (this.cats.size < DATASET_LIMITS.maxExactDistinct) this.cats.set(s, times);
    else this.catOverflow = true;
  }

  /** How many distinct values are kept (at most {@link DATASET_LIMITS.maxExactDistinct}); for tests. */
  get distinctKept(): number {
    return this.cats.size;
  }

  /** Turns whatever was collected into category counts; the column is a string column from now on. */
  private widenToString(): void {
    if (this.mode === 'numeric' || this.mode === 'datetime') {
      for (let i = 0; i < this.n; i++) {
        const x = this.nums[i]!;
        this.count(this.mode === 'numeric' ? String(x) : new Date(x).toISOString());
      }
    } else if (this.mode === 'boolean') {
      if (this.trues) this.count('true', this.trues);
      if (this.falses) this.count('false', this.falses);
    }
    this.nums = new Float64Array(0);
    this.n = 0;
    this.mode = 'string';
  }

  private tryNumber(s: string): boolean {
    const syntax = numberSyntax(s);
    if (syntax === 0) return false;
    if (syntax === 2) this.allInt = false;
    this.push(+s);
    return true;
  }

  /** A CSV cell. */
  addText(s: string): void {
    if (s.length <= 4 && MISSING_TEXT.has(s)) {
      this.missing++;
      return;
    }
    switch (this.mode) {
      case 'string':
        this.count(s);
        return;
      case 'numeric':
        if (this.tryNumber(s)) return;
        break;
      case 'boolean': {
        const b = parseBoolean(s);
        if (b !== undefined) {
          if (b) this.trues++;
          else this.falses++;
          return;
        }
        break;
      }
      case 'datetime': {
        const t = parseIsoDatetime(s);
        if (!Number.isNaN(t)) {
          this.push(t);
          return;
        }
        break;
      }
      case 'none': {
        this.mode = 'numeric';
        if (this.tryNumber(s)) return;
        const b = parseBoolean(s);
        if (b !== undefined) {
          this.mode = 'boolean';
          if (b) this.trues++;
          else this.falses++;
          return;
        }
        const t = parseIsoDatetime(s);
        if (!Number.isNaN(t)) {
          this.mode = 'datetime';
          this.push(t);
          return;
        }
        this.mode = 'string';
        this.count(s);
        return;
      }
    }
    this.widenToString();
    this.count(s);
  }

  /** A typed value (Parquet): no inference from text. */
  addValue(v: unknown): void {
    if (v === null || v === undefined) {
      this.missing++;
      return;
    }
    let mode: Mode;
    let x = 0;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        this.missing++;
        return;
      }
      mode = 'numeric';
      x = v;
    } else if (typeof v === 'bigint') {
      // INT64 and UINT64 values: exact as numbers up to 2^53; beyond, the column is counted by its
      // exact decimal text (a number there would silently round, e.g. 2^53 + 1 to 2^53).
      if (v >= MIN_SAFE && v <= MAX_SAFE) {
        mode = 'numeric';
        x = Number(v);
      } else {
        mode = 'string';
      }
    } else if (typeof v === 'boolean') {
      mode = 'boolean';
    } else if (v instanceof Date) {
      x = v.getTime();
      if (Number.isNaN(x)) {
        this.missing++;
        return;
      }
      mode = 'datetime';
    } else {
      mode = 'string';
    }
    if (this.mode === 'none') this.mode = mode;
    else if (this.mode !== mode && this.mode !== 'string') this.widenToString();
    switch (this.mode) {
      case 'numeric':
        if (this.allInt && !Number.isInteger(x)) this.allInt = false;
        this.push(x);
        return;
      case 'datetime':
        this.push(x);
        return;
      case 'boolean':
        if (v) this.trues++;
        else this.falses++;
        return;
      default:
        this.count(mode === 'datetime' ? new Date(x).toISOString() : stringify(v));
    }
  }

  get type(): ColumnType {
    switch (this.mode) {
      case 'numeric': return this.allInt && !this.floatDeclared ? 'integer' : 'float';
      case 'boolean': return 'boolean';
      case 'datetime': return 'datetime';
      default: return 'string';
    }
  }

  /** The column's profile. Sorts the collected numbers in place: call it once. */
  finish(): ColumnProfile {
    const type = this.type;
    const base = { name: this.name, type, missing: this.missing };
    switch (this.mode) {
      case 'numeric':
        return { ...base, count: this.n, numeric: numericProfile(this.nums.subarray(0, this.n)) };
      case 'datetime': {
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < this.n; i++) {
          const t = this.nums[i]!;
          if (t < min) min = t;
          if (t > max) max = t;
        }
        return { ...base, count: this.n, datetime: { min: new Date(min).toISOString(), max: new Date(max).toISOString() } };
      }
      case 'boolean': {
        const counts = new Map<string, number>();
        if (this.trues) counts.set('true', this.trues);
        if (this.falses) counts.set('false', this.falses);
        return { ...base, count: this.trues + this.falses, categorical: { distinct: counts.size, distinctExact: true, top: topCategories(counts, DATASET_LIMITS.topCategories) } };
      }
      default:
        return {
          ...base,
          count: this.catTotal,
          categorical: { distinct: this.cats.size, distinctExact: !this.catOverflow, top: topCategories(this.cats, DATASET_LIMITS.topCategories) },
        };
    }
  }
}

/** The profile and schema of a table from its column collectors. */
export function finishProfile(collectors: readonly ColumnCollector[], rowCount: number): { profile: DatasetProfile; schema: SchemaColumn[] } {
  const columns = collectors.map((c) => c.finish());
  return {
    profile: { version: PROFILE_VERSION, rowCount, columns },
    schema: columns.map((c) => ({ name: c.name, type: c.type, nullable: c.missing > 0 })),
  };
}

/** Profiles an in-memory table of text cells (a header and rows), e.g. for tests and small uploads. */
export function profileTextRows(header: readonly string[], rows: readonly (readonly string[])[]): { profile: DatasetProfile; schema: SchemaColumn[] } {
  const collectors = header.map((h) => new ColumnCollector(h));
  for (const row of rows) for (let j = 0; j < collectors.length; j++) collectors[j]!.addText(row[j] ?? '');
  return finishProfile(collectors, rows.length);
}
