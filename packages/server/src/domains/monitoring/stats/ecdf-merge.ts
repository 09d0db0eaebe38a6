/**
 * The KS statistic and W1 of two ascending samples in one merge pass (what numericDrift uses).
 * After the last copy of each pooled value v, both CDFs are constant up to the next value: the
 * difference there is the KS candidate at v and the W1 integrand on [v, next). Differences are
 * kept as the integers i·n2 − j·n1 (exact below 2^53) and divided by n1·n2 once at the end.
 * Walked in runs of one side (fewer data-dependent branches than one element at a time); the
 * candidates and the sum's terms, and their order, are those of the element-wise walk (tested
 * bit for bit against it).
 */
export function ksAndWassersteinSorted(a: Float64Array, b: Float64Array): { ks: number; wasserstein: number } {
  const n1 = a.length;
  const n2 = b.length;
  const INF = Number.POSITIVE_INFINITY;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  let w = 0;
  let va = a[0]!;
  let vb = b[0]!;
  while (i < n1 || j < n2) {
    if (va <= vb) {
      // A run of reference values (ties: the reference's copies first). Inside it the next pooled
      // value is the following reference value; the run's last step looks at both sides.
      let v = va;
      for (;;) {
        i++;
        va = i < n1 ? a[i]! : INF;
        if (va <= vb && i < n1) {
          if (va !== v) {
            const diff = i * n2 - j * n1;
            if (diff > maxDiff) maxDiff = diff;
            else if (diff < minDiff) minDiff = diff;
            w += Math.abs(diff) * (va - v);
          }
          v = va;
          continue;
        }
        // next = min(va, vb) = vb, or +Inf when both are exhausted
        const next = va <= vb ? va : vb;
        if (next !== v) {
          const diff = i * n2 - j * n1;
          if (diff > maxDiff) maxDiff = diff;
          else if (diff < minDiff) minDiff = diff;
          if (next !== INF) w += Math.abs(diff) * (next - v);
        }
        break;
      }
    } else {
      // A run of current values strictly below the next reference value.
      let v = vb;
      for (;;) {
        j++;
        vb = j < n2 ? b[j]! : INF;
        if (vb < va) {
          if (vb !== v) {
            const diff = i * n2 - j * n1;
            if (diff > maxDiff) maxDiff = diff;
            else if (diff < minDiff) minDiff = diff;
            w += Math.abs(diff) * (vb - v);
          }
          v = vb;
          continue;
        }
        // next = va > v
        const diff = i * n2 - j * n1;
        if (diff > maxDiff) maxDiff = diff;
        else if (diff < minDiff) minDiff = diff;
        if (va !== INF) w += Math.abs(diff) * (va - v);
        break;
      }
    }
  }
  const scale = n1 * n2;
  return { ks: Math.min(1, Math.max(maxDiff, -minDiff) / scale), wasserstein: w / scale };
}
