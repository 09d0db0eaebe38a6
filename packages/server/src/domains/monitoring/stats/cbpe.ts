import { DomainError } from '@flywheel/contract';
import { finiteValues } from './sample.js';

/** An expected confusion matrix; cells are expected counts, not observed ones. */
export interface ExpectedConfusion {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
}

/** Performance estimated from scores alone. Every figure is an estimate, never a measurement. */
export interface PerformanceEstimate {
  kind: 'estimate';
  method: 'cbpe';
  /** The assumption every figure rests on. */
  assumption: 'scores are calibrated probabilities of the positive class';
  count: number;
  dropped: number;
  threshold: number;
  expectedConfusion: ExpectedConfusion;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Expected ROC-AUC; null with fewer than 2 rows or when every score is 0 or every score is 1. */
  rocAuc: number | null;
}

/**
 * Confidence-based performance estimation (NannyML's CBPE) for a calibrated binary classifier:
 * row i is positive with probability s_i, predicted positive when s_i ≥ threshold. Expected
 * TP = Σ_{pred+} s_i, FP = Σ_{pred+} (1 − s_i), FN = Σ_{pred−} s_i, TN = Σ_{pred−} (1 − s_i);
 * accuracy, precision, recall and F1 follow from them (zero_division 0). The ROC-AUC estimate is
 * NannyML's estimate_roc_auc: the area under the ROC curve traced with expected counts at every
 * distinct score, closed at (0, 0) and (1, 1), which equals
 * Σ_{i,j} s_i (1 − s_j) [s_i > s_j, ½ at ties, including i = j] / (Σ s · Σ (1 − s)). (Recent
 * NannyML closes the curve with a phantom row of score 1 instead, which moves the figure by
 * about 1/n.)
 * Scores that are missing, not finite or outside [0, 1] are an error (a miscalibrated input, not
 * a missing value): missing ones are dropped and counted.
 *
 * @example
 *   estimatePerformance([0.9, 0.2, 0.7]).accuracy; // (0.9 + 0.8 + 0.7) / 3
 */
export function estimatePerformance(scores: ArrayLike<number | null | undefined>, threshold = 0.5): PerformanceEstimate {
  if (!(threshold >= 0 && threshold <= 1)) throw new DomainError('INVALID_INPUT', `'threshold' must be in [0, 1], got ${threshold}.`, { field: 'threshold' });
  const { values, dropped } = finiteValues('scores', scores);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < values.length; i++) {
    const s = values[i]!;
    if (s < 0 || s > 1) throw new DomainError('INVALID_INPUT', `'scores' must be probabilities in [0, 1]; found ${s}.`, { field: 'scores' });
    if (s >= threshold) {
      tp += s;
      fp += 1 - s;
    } else {
      fn += s;
      tn += 1 - s;
    }
  }
  const n = values.length;
  const d = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    kind: 'estimate',
    method: 'cbpe',
    assumption: 'scores are calibrated probabilities of the positive class',
    count: n,
    dropped,
    threshold,
    expectedConfusion: { truePositive: tp, falsePositive: fp, falseNegative: fn, trueNegative: tn },
    accuracy: (tp + tn) / n,
    precision: d(tp, tp + fp),
    recall: d(tp, tp + fn),
    f1: d(2 * tp, 2 * tp + fp + fn),
    rocAuc: expectedRocAuc(values),
  };
}

function expectedRocAuc(values: Float64Array): number | null {
  const s = values.slice().sort();
  let wPos = 0;
  let wNeg = 0;
  for (let i = 0; i < s.length; i++) {
    wPos += s[i]!;
    wNeg += 1 - s[i]!;
  }
  if (s.length < 2 || wPos === 0 || wNeg === 0) return null;
  let negBelow = 0;
  let area = 0;
  for (let i = 0; i < s.length; ) {
    const v = s[i]!;
    let gp = 0;
    let gn = 0;
    while (i < s.length && s[i] === v) {
      gp += v;
      gn += 1 - v;
      i++;
    }
    area += gp * (negBelow + gn / 2);
    negBelow += gn;
  }
  return area / (wPos * wNeg);
}
