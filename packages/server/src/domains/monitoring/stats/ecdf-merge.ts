/**
 * The KS statistic and W1 of two ascending samples in one merge pass (what numericDrift uses).
 * After the last copy of each pooled value v, both CDFs are constant up to the next value: the
 * difference there is the KS candidate at v and the W1 integrand on [v, next). Differences are
 * kept as the integers i·n2 − j·n1 (exact below 2^53) and divided by n1·n2 once at the end.
 */
export function ksAndWassersteinSorted(a: Float64Array, b: Float64Array): { ks: number; wasserstein: number } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  let w = 0;
  let va = a[0]!;
  let vb = b[0]!;
  while (i < n1 || j < n2) {
    let v: number;
    if (va <= vb) {
      v = va;
      i++;
      va = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    } else {
      v = vb;
      j++;
      vb = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    }
    const next = va <= vb ? va : vb;
    if (next !== v) {
      const diff = i * n2 - j * n1;
      if (diff > maxDiff) maxDiff = diff;
      else if (diff < minDiff) minDiff = diff;
      if (next !== Number.POSITIVE_INFINITY) w += Math.abs(diff) * (next - v);
    }
  }
  const scale = n1 * n2;
  return { ks: Math.min(1, Math.max(maxDiff, -minDiff) / scale), wasserstein: w / scale };
}
