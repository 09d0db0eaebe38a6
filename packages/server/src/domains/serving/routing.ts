import { createHash } from 'node:crypto';

/** What routing needs of a variant. */
export interface RoutableVariant {
  name: string;
  weight: number;
}

/** A uniform number in (0, 1) from `variant` and `key`: 52 bits of SHA-256, stable across processes. */
export function unitHash(variant: string, key: string): number {
  const h = createHash('sha256').update(variant).update('\u0000').update(key).digest();
  const hi = h.readUInt32BE(0) >>> 12; // 20 bits
  const lo = h.readUInt32BE(4); // 32 bits
  return (hi * 2 ** 32 + lo + 0.5) / 2 ** 52;
}

/**
 * Weighted rendezvous (highest-random-weight) hashing: the variant with the highest
 * `weight / -ln(u)` for this key, where `u = unitHash(variant, key)`. Each variant wins a share of
 * keys equal to its share of the weights, and when weights change keys move monotonically: a
 * variant whose weight grew keeps all its keys (its score rose, the others' did not) and a variant
 * whose weight fell gains none. With two variants that is exactly minimal (50/50 → 80/20 moves 30%
 * of keys, all from the shrinking one); with three or more, a variant whose weight is unchanged
 * may trade some keys (its share stays the same). Variants with weight 0 never win. Undefined when
 * no variant has a positive weight.
 */
export function rendezvousPick<V extends RoutableVariant>(variants: readonly V[], key: string): V | undefined {
  let best: V | undefined;
  let bestScore = -Infinity;
  for (const v of variants) {
    if (!(v.weight > 0)) continue;
    const score = v.weight / -Math.log(unitHash(v.name, key));
    if (score > bestScore || (score === bestScore && best !== undefined && v.name < best.name)) {
      best = v;
      bestScore = score;
    }
  }
  return best;
}

/** A variant drawn at random in proportion to the weights; undefined when no weight is positive. */
export function weightedRandomPick<V extends RoutableVariant>(variants: readonly V[], random: () => number = Math.random): V | undefined {
  const live = variants.filter((v) => v.weight > 0);
  const total = live.reduce((s, v) => s + v.weight, 0);
  if (total <= 0) return undefined;
  let r = random() * total;
  for (const v of live) {
    r -= v.weight;
    if (r < 0) return v;
  }
  return live[live.length - 1];
}
