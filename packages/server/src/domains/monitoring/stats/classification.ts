import { DomainError } from '@flywheel/contract';
import { div0, isMissing, requireAligned, sortLabels, type Label, type LabelInput } from './labels.js';

export interface ClassMetrics {
  label: Label;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose actual label is this one. */
  support: number;
}

export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationQuality {
  /** Rows with both an actual and a prediction. */
  count: number;
  /** Rows left out because the actual or the prediction was missing. */
  dropped: number;
  /** Sorted union of actual and predicted labels (or the labels passed in). */
  labels: Label[];
  /** confusionMatrix[i][j]: rows whose actual is labels[i] and prediction labels[j] (scikit-learn's layout). */
  confusionMatrix: number[][];
  accuracy: number;
  /** Precision, recall and F1 of `positiveLabel` (average='binary'); present when there are at most 2 labels. */
  binary?: AveragedMetrics & { positiveLabel: Label };
  macro: AveragedMetrics;
  weighted: AveragedMetrics;
  perClass: ClassMetrics[];
}

export interface ClassificationOptions {
  /** The positive class for the binary metrics; 1 by default, as scikit-learn. */
  positiveLabel?: Label;
  /** Labels to report, in this order; by default the sorted union of actuals and predictions. */
  labels?: Label[];
}

/**
 * Accuracy, precision, recall, F1 (binary, macro and weighted) and the confusion matrix, with
 * scikit-learn's definitions and zero_division=0: precision = TP/(TP+FP), recall = TP/(TP+FN),
 * F1 = 2TP/(2TP+FP+FN), each 0 when its denominator is 0; macro = unweighted mean over labels;
 * weighted = mean weighted by support. Rows with a missing actual or prediction are dropped and
 * counted.
 *
 * @example
 *   classificationQuality([1, 0, 1, 1], [1, 0, 0, 1]).binary; // { positiveLabel: 1, precision: 1, recall: 0.667, f1: 0.8 }
 */
export function classificationQuality(actual: LabelInput, predicted: LabelInput, options: ClassificationOptions = {}): ClassificationQuality {
  const n = requireAligned({ actual, predicted });
  const positiveLabel = options.positiveLabel ?? 1;
  const index = new Map<Label, number>();
  let labels: Label[];
  if (options.labels) {
    if (options.labels.length === 0) throw new DomainError('INVALID_INPUT', `'labels' is empty.`, { field: 'labels' });
    labels = [...options.labels];
  } else {
    const seen = new Set<Label>();
    for (let i = 0; i < n; i++) {
      const a = actual[i];
      const p = predicted[i];
      if (isMissing(a) || isMissing(p)) continue;
      seen.add(a!);
      seen.add(p!);
    }
    labels = sortLabels(seen);
  }
  labels.forEach((l, i) => index.set(l, i));
  const k = labels.length;
  const cm = new Float64Array(k * k);
  let count = 0;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (isMissing(a) || isMissing(p)) {
      dropped++;
      continue;
    }
    const ai = index.get(a!);
    const pi = index.get(p!);
    // As scikit-learn with explicit labels: rows outside them take no part.
    if (ai === undefined || pi === undefined) continue;
    cm[ai * k + pi]!++;
    count++;
  }
  if (count === 0) throw new DomainError('INVALID_INPUT', `'actual' and 'predicted' have no row where both are present.`, { field: 'actual' });

  let correct = 0;
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    let predictedAs = 0;
    let support = 0;
    for (let r = 0; r < k; r++) {
      predictedAs += cm[r * k + c]!;
      support += cm[c * k + r]!;
    }
    const tp = cm[c * k + c]!;
    correct += tp;
    return { label, precision: div0(tp, predictedAs), recall: div0(tp, support), f1: div0(2 * tp, predictedAs + support), support };
  });
  const totalSupport = perClass.reduce((s, m) => s + m.support, 0);
  const avg = (pick: (m: ClassMetrics) => number, weighted: boolean) =>
    weighted ? div0(perClass.reduce((s, m) => s + pick(m) * m.support, 0), totalSupport) : perClass.reduce((s, m) => s + pick(m), 0) / k;
  const averaged = (weighted: boolean): AveragedMetrics => ({
    precision: avg((m) => m.precision, weighted),
    recall: avg((m) => m.recall, weighted),
    f1: avg((m) => m.f1, weighted),
  });
  const confusionMatrix = labels.map((_, r) => Array.from(cm.subarray(r * k, r * k + k)));
  const result: ClassificationQuality = {
    count,
    dropped,
    labels,
    confusionMatrix,
    accuracy: correct / count,
    macro: averaged(false),
    weighted: averaged(true),
    perClass,
  };
  if (k <= 2) {
    const pos = index.get(positiveLabel);
    const m = pos === undefined ? { precision: 0, recall: 0, f1: 0 } : perClass[pos]!;
    result.binary = { positiveLabel, precision: m.precision, recall: m.recall, f1: m.f1 };
  }
  return result;
}
