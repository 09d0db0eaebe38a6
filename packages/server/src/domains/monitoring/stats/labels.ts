import { DomainError } from '@flywheel/contract';
import type { Category } from './categorical.js';

/** A class label or a group value. */
export type Label = Category;
export type LabelInput = ArrayLike<Label | null | undefined>;

export const isMissing = (v: unknown): boolean => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

/** Throws INVALID_INPUT unless the named arrays have the same, non-zero length. */
export function requireAligned(arrays: Record<string, ArrayLike<unknown>>): number {
  const entries = Object.entries(arrays);
  const [firstName, first] = entries[0]!;
  if (first.length === 0) throw new DomainError('INVALID_INPUT', `'${firstName}' is empty: at least one value is needed.`, { field: firstName });
  for (const [name, a] of entries.slice(1)) {
    if (a.length !== first.length) {
      throw new DomainError('INVALID_INPUT', `'${name}' has ${a.length} values but '${firstName}' has ${first.length}; they must be aligned row by row.`, { field: name });
    }
  }
  return first.length;
}

/** scikit-learn's label order (unique_labels sorts): numbers numerically, then strings, booleans false < true. */
export function sortLabels(labels: Iterable<Label>): Label[] {
  const rank = (v: Label) => (typeof v === 'boolean' ? 0 : typeof v === 'number' ? 1 : 2);
  return [...labels].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
    return Number(a) - Number(b);
  });
}

/** Safe ratio with scikit-learn's zero_division=0. */
export const div0 = (num: number, den: number): number => (den === 0 ? 0 : num / den);
