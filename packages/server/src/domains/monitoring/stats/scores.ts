import { DomainError } from '@flywheel/contract';
import { isMissing, requireAligned, type Label, type LabelInput } from './labels.js';

/** Binary ROC-AUC and how many rows took part. */
export interface RocAucResult {
  /** null when only one class is present (scikit-learn raises there). */
  rocAuc: number | null;
  positives: number;
  negatives: number;
  dropped: number;
}

/**
 * Binary ROC-AUC from scores: the probability that a random positive scores above a random
 * negative, ties counting one half — equal to the trapezoidal area under scikit-learn's ROC curve,
 * ties included. Computed by sorting the positives' and the negatives' scores separately and
 * merging, O(n log n). Rows with a missing actual or a non-finite score are dropped.
 *
 * @example
 *   rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).rocAuc; // 0.75
 */
export function rocAuc(actual: LabelInput, scores: ArrayLike<number | null | undefined>, positiveLabel: Label = 1): RocAucResult {
  const n = requireAligned({ actual, scores });
  const pos = new Float64Array(n);
  const neg = new Float64Array(n);
  let np = 0;
  let nn = 0;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const s = scores[i];
    if (isMissing(a) || typeof s !== 'number' || !Number.isFinite(s)) {
      dropped++;
      continue;
    }
    if (a === positiveLabel) pos[np++] = s;
    else neg[nn++] = s;
  }
  if (np === 0 || nn === 0) return { rocAuc: null, positives: np, negatives: nn, dropped };
  const p = pos.subarray(0, np).sort();
  const q = neg.subarray(0, nn).sort();
  let below = 0; // negatives scoring strictly below the current positive
  let j = 0;
  let wins = 0;
  for (let i = 0; i < np; ) {
    const s = p[i]!;
    let same = 0;
    while (i < np && p[i] === s) {
      i++;
      same++;
    }
    while (j < nn && q[j]! < s) {
      j++;
      below++;
    }
    let ties = 0;
    let t = j;
    while (t < nn && q[t] === s) {
      t++;
      ties++;
    }
    wins += same * (below + ties / 2);
  }
  return { rocAuc: wins / np / nn, positives: np, negatives: nn, dropped };
}

/**
 * One-vs-rest ROC-AUC averaged over classes (scikit-learn's multi_class='ovr', average='macro'):
 * `scores[c]` holds each row's score for `labels[c]`. Classes absent from the actuals (or present
 * in every row) have no AUC: they are listed with null and left out of the mean.
 */
export function rocAucOvr(actual: LabelInput, labels: readonly Label[], scores: readonly ArrayLike<number | null | undefined>[]) {
  if (labels.length !== scores.length) {
    throw new DomainError('INVALID_INPUT', `'scores' has ${scores.length} columns but 'labels' has ${labels.length}.`, { field: 'scores' });
  }
  const perClass = labels.map((label, c) => ({ label, rocAuc: rocAuc(actual, scores[c]!, label).rocAuc }));
  const defined = perClass.filter((x) => x.rocAuc !== null);
  return { rocAuc: defined.length ? defined.reduce((s, x) => s + x.rocAuc!, 0) / defined.length : null, perClass };
}

/** scikit-learn clips probabilities to [eps, 1 − eps] with eps the float64 machine epsilon. */
export const LOG_LOSS_EPS = Number.EPSILON;

/**
 * Binary log loss −mean(y·ln p + (1 − y)·ln(1 − p)), p = the score of the positive class clipped to
 * [ε, 1 − ε] (scikit-learn ≥ 1.5). Rows with a missing actual or a non-finite score are dropped.
 */
export function logLoss(actual: LabelInput, scores: ArrayLike<number | null | undefined>, positiveLabel: Label = 1): { logLoss: number; count: number; dropped: number } {
  const n = requireAligned({ actual, scores });
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const s = scores[i];
    if (isMissing(a) || typeof s !== 'number' || !Number.isFinite(s)) continue;
    const p = Math.min(Math.max(s, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    sum += a === positiveLabel ? Math.log(p) : Math.log(1 - p);
    count++;
  }
  if (count === 0) throw new DomainError('INVALID_INPUT', `'actual' and 'scores' have no row where both are present.`, { field: 'scores' });
  return { logLoss: -sum / count, count, dropped: n - count };
}

/**
 * Multiclass log loss −mean(ln p_row,actual), `scores[c]` the probability of `labels[c]`, clipped
 * to [ε, 1 − ε] and not renormalised (scikit-learn ≥ 1.5 warns instead of renormalising). A row
 * whose actual is not among `labels` is an error, as in scikit-learn.
 */
export function logLossMulticlass(actual: LabelInput, labels: readonly Label[], scores: readonly ArrayLike<number | null | undefined>[]) {
  if (labels.length !== scores.length) {
    throw new DomainError('INVALID_INPUT', `'scores' has ${scores.length} columns but 'labels' has ${labels.length}.`, { field: 'scores' });
  }
  const n = requireAligned({ actual, ...Object.fromEntries(scores.map((s, c) => [`scores[${c}]`, s])) });
  const index = new Map(labels.map((l, c) => [l, c]));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    if (isMissing(a)) continue;
    const c = index.get(a!);
    if (c === undefined) throw new DomainError('INVALID_INPUT', `'actual' row ${i} is ${JSON.stringify(a)}, which is not among 'labels'.`, { field: 'actual' });
    const s = scores[c]![i];
    if (typeof s !== 'number' || !Number.isFinite(s)) continue;
    sum += Math.log(Math.min(Math.max(s, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS));
    count++;
  }
  if (count === 0) throw new DomainError('INVALID_INPUT', `'actual' and 'scores' have no row where both are present.`, { field: 'scores' });
  return { logLoss: -sum / count, count, dropped: n - count };
}
