/**
 * Sorts finite float64 values ascending in place by an LSD radix sort on their raw bit patterns,
 * moving whole float64s (one load and one store per value and pass). O(n) where
 * Float64Array.prototype.sort is O(n log n): 4× faster at 10⁶ values, which matters because
 * sorting is most of the cost of KS, Wasserstein and the deciles. Below {@link RADIX_MIN} values the
 * native sort is used. -0 sorts before +0, as the native sort.
 *
 * Two strategies, chosen from a sample of the data:
 * - **high word** (continuous data, the common case): 3 passes of 10–11 bits over the upper 32
 *   bits (sign, exponent, 20 mantissa bits), then one pass that orders each run of values sharing
 *   those bits (insertion sort; native sort for a run over 32). Values agreeing to 20 mantissa
 *   bits are rare in real-valued data, so the runs are a few values long.
 * - **full** (data with many values equal in their upper 32 bits, such as small integers or ms
 *   timestamps): 6 passes of 10–11 bits over all 64, each pass skipped when its digit is the same
 *   for every value.
 * Either way the raw bits sort negatives backwards; the pass on the top digit (which holds the sign)
 * writes them in reverse, so no key transform is needed.
 */
export const RADIX_MIN = 4096;

/** Share of equal neighbours (by upper word) in a sorted sample above which the full sort is used. */
const RUNS_SAMPLE = 2048;
const RUNS_MAX_SHARE = 0.01;
/** Runs of equal upper words up to this length are insertion-sorted, longer ones natively. */
const INSERTION_MAX = 32;

export function sortFloat64(values: Float64Array): Float64Array {
  const out = radixSort(values);
  if (out !== values) values.set(out);
  return values;
}

/**
 * Digit histograms of the upper words (3 × 2048 counts) that a caller computed while reading the
 * values anyway: `highWordCounts(hi, counts)` per value. Saves the sort a pass.
 */
export type HighWordCounts = Int32Array;

/** Adds one value's upper word to {@link HighWordCounts}. */
export function countHighWord(hi: number, counts: HighWordCounts): void {
  counts[hi & 2047]!++;
  counts[2048 + ((hi >>> 11) & 2047)]!++;
  counts[4096 + (hi >>> 22)]!++;
}

// One scratch buffer per thread for the passes' other half: a report sorts column after column,
// and a fresh 8 MB array per column costs zeroing, page faults and garbage collection.
let scratch = new Float64Array(0);
const SCRATCH_KEEP = 1 << 24; // values (128 MiB) above which the buffer is not kept

function scratchOf(n: number, values: Float64Array): Float64Array {
  // sorting the scratch itself (a caller re-sorting a result) needs another buffer
  if (values.buffer === scratch.buffer) return new Float64Array(n);
  if (scratch.length >= n) return scratch.subarray(0, n);
  const b = new Float64Array(n);
  if (n <= SCRATCH_KEEP) scratch = b;
  return b;
}

/**
 * Sorts `values` and returns the array that holds the result: `values` itself or a per-thread
 * scratch buffer, valid until the next sort on this thread (callers that keep the result copy it).
 * `highCounts`, when given, are the upper words' digit histograms of exactly these values.
 */
export function radixSort(values: Float64Array, highCounts?: HighWordCounts): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  return longRunsLikely(words, n) ? sortFull(values, words) : sortHighWord(values, words, highCounts);
}

/** True when a strided sample has many values sharing their upper 32 bits. */
function longRunsLikely(words: Uint32Array, n: number): boolean {
  const sample = new Uint32Array(RUNS_SAMPLE);
  const step = n / RUNS_SAMPLE;
  for (let s = 0; s < RUNS_SAMPLE; s++) sample[s] = words[2 * Math.floor(s * step) + 1]!;
  sample.sort();
  let equal = 0;
  for (let s = 1; s < RUNS_SAMPLE; s++) if (sample[s] === sample[s - 1]) equal++;
  return equal > RUNS_MAX_SHARE * RUNS_SAMPLE;
}

/** One scatter pass by the digit (word >>> shift) & mask; `word` is 0 (low) or 1 (high). */
function scatter(src: Float64Array, srcWords: Uint32Array, dst: Float64Array, offsets: Int32Array, word: number, shift: number, mask: number): void {
  const n = src.length;
  for (let i = 0, j = word; i < n; i++, j += 2) dst[offsets[(srcWords[j]! >>> shift) & mask]!++] = src[i]!;
}

/** Prefix sums of a digit histogram into `offsets`; false when one digit holds every value (the pass would only copy). */
function prefix(counts: Int32Array, base: number, size: number, n: number, offsets: Int32Array): boolean {
  let sum = 0;
  for (let b = 0; b < size; b++) {
    const c = counts[base + b]!;
    if (c === n) return false;
    offsets[b] = sum;
    sum += c;
  }
  return true;
}

/**
 * The pass on the top 10 bits (bit 9 = sign): negative digits first, largest magnitude first, each
 * bucket filled from its end (within a bucket the earlier passes left them by ascending magnitude).
 * Returns the array holding the result.
 */
function topPass(src: Float64Array, srcWords: Uint32Array, dst: Float64Array, counts: Int32Array, base: number, offsets: Int32Array): Float64Array {
  const n = src.length;
  for (let b = 0; b < 1024; b++) {
    if (counts[base + b] === n) {
      // one top digit: already in order, except that negatives came out backwards
      if (b >= 512) src.reverse();
      return src;
    }
  }
  let sum = 0;
  for (let b = 1023; b >= 512; b--) {
    sum += counts[base + b]!;
    offsets[b] = sum;
  }
  for (let b = 0; b < 512; b++) {
    offsets[b] = sum;
    sum += counts[base + b]!;
  }
  for (let i = 0, j = 1; i < n; i++, j += 2) {
    const d = srcWords[j]! >>> 22;
    if (d >= 512) dst[--offsets[d]!] = src[i]!;
    else dst[offsets[d]!++] = src[i]!;
  }
  return dst;
}

function sortFull(values: Float64Array, words: Uint32Array): Float64Array {
  const n = values.length;
  const counts = new Int32Array(6 * 2048);
  for (let j = 0; j < 2 * n; j += 2) {
    const lo = words[j]!;
    const hi = words[j + 1]!;
    counts[lo & 2047]!++;
    counts[2048 + ((lo >>> 11) & 2047)]!++;
    counts[4096 + (lo >>> 22)]!++;
    counts[6144 + (hi & 2047)]!++;
    counts[8192 + ((hi >>> 11) & 2047)]!++;
    counts[10240 + (hi >>> 22)]!++;
  }
  const offsets = new Int32Array(2048);
  let src = values;
  let srcWords = words;
  let dst = scratchOf(n, values);
  let dstWords = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
  const passes: [number, number, number][] = [
    [0, 0, 2047],
    [0, 11, 2047],
    [0, 22, 1023],
    [1, 0, 2047],
    [1, 11, 2047],
  ];
  for (let p = 0; p < passes.length; p++) {
    const [word, shift, mask] = passes[p]!;
    if (!prefix(counts, p * 2048, mask + 1, n, offsets)) continue;
    scatter(src, srcWords, dst, offsets, word, shift, mask);
    [src, dst] = [dst, src];
    [srcWords, dstWords] = [dstWords, srcWords];
  }
  return topPass(src, srcWords, dst, counts, 10240, offsets);
}

function sortHighWord(values: Float64Array, words: Uint32Array, given?: HighWordCounts): Float64Array {
  const n = values.length;
  let counts = given;
  if (!counts) {
    counts = new Int32Array(3 * 2048);
    for (let j = 1; j < 2 * n; j += 2) countHighWord(words[j]!, counts);
  }
  const offsets = new Int32Array(2048);
  let src = values;
  let srcWords = words;
  let dst = scratchOf(n, values);
  let dstWords = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
  for (let p = 0; p < 2; p++) {
    if (!prefix(counts, p * 2048, 2048, n, offsets)) continue;
    scatter(src, srcWords, dst, offsets, 1, p * 11, 2047);
    [src, dst] = [dst, src];
    [srcWords, dstWords] = [dstWords, srcWords];
  }
  const out = topPass(src, srcWords, dst, counts, 4096, offsets);
  orderRuns(out, out === src ? srcWords : dstWords);
  return out;
}

/**
 * Sorts each run of values that share their upper word (the high-word passes left them in input
 * order). Only an inversion (a value below its predecessor) can be inside a run, so the pass
 * compares neighbours and finds a run's bounds only where one is out of order.
 */
function orderRuns(a: Float64Array, words: Uint32Array): void {
  const n = a.length;
  let prev = a[0]!;
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    if (!(v < prev)) {
      prev = v;
      continue;
    }
    const hi = words[2 * i + 1]!;
    let start = i - 1;
    while (start > 0 && words[2 * start - 1] === hi) start--;
    let end = i + 1;
    while (end < n && words[2 * end + 1] === hi) end++;
    if (end - start > INSERTION_MAX) a.subarray(start, end).sort();
    else {
      for (let k = start + 1; k < end; k++) {
        const x = a[k]!;
        let m = k - 1;
        while (m >= start && a[m]! > x) {
          a[m + 1] = a[m]!;
          m--;
        }
        a[m + 1] = x;
      }
    }
    i = end - 1;
    prev = a[i]!;
  }
}
