import { DomainError } from '@flywheel/contract';
import { div0, isMissing, requireAligned, sortLabels, type Label, type LabelInput } from './labels.js';

export interface GroupRates {
  group: Label;
  count: number;
  /** Rows with a positive actual. */
  positives: number;
  /** Share predicted positive. */
  selectionRate: number;
  /** TP / (TP + FN), 0 without positives. */
  truePositiveRate: number;
  /** FP / (FP + TN), 0 without negatives. */
  falsePositiveRate: number;
  /** FN / (TP + FN), 0 without positives. */
  falseNegativeRate: number;
}

export interface FairnessReport {
  groups: GroupRates[];
  /** Rows left out: actual, prediction or sensitive value missing. */
  dropped: number;
  /** max − min selection rate over groups. */
  demographicParityDifference: number;
  /** min / max selection rate; null when every group's rate is 0 (Fairlearn gives NaN). */
  demographicParityRatio: number | null;
  /** max − min true positive rate. */
  equalOpportunityDifference: number;
  /** max(TPR difference, FPR difference), Fairlearn's default agg='worst_case'. */
  equalizedOddsDifference: number;
  /** min(TPR ratio, FPR ratio); null when either ratio is undefined. */
  equalizedOddsRatio: number | null;
}

/**
 * Fairness of binary predictions over a sensitive attribute, with Fairlearn's definitions
 * (fairlearn.metrics, method='between_groups'): per-group rates with zero_division 0, differences
 * max − min and ratios min ÷ max across groups. A row counts as positive when its value equals
 * `positiveLabel` (1 by default).
 *
 * @example
 *   fairness(yTrue, yPred, gender).demographicParityDifference;
 */
export function fairness(actual: LabelInput, predicted: LabelInput, sensitive: LabelInput, positiveLabel: Label = 1): FairnessReport {
  const n = requireAligned({ actual, predicted, sensitive });
  const cells = new Map<Label, { tp: number; fp: number; fn: number; tn: number }>();
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const p = predicted[i];
    const g = sensitive[i];
    if (isMissing(a) || isMissing(p) || isMissing(g)) {
      dropped++;
      continue;
    }
    let c = cells.get(g!);
    if (!c) cells.set(g!, (c = { tp: 0, fp: 0, fn: 0, tn: 0 }));
    const ap = a === positiveLabel;
    const pp = p === positiveLabel;
    if (ap) {
      if (pp) c.tp++;
      else c.fn++;
    } else if (pp) c.fp++;
    else c.tn++;
  }
  if (cells.size === 0) throw new DomainError('INVALID_INPUT', `'actual', 'predicted' and 'sensitive' have no row where all three are present.`, { field: 'sensitive' });
  const groups: GroupRates[] = sortLabels(cells.keys()).map((group) => {
    const { tp, fp, fn, tn } = cells.get(group)!;
    const count = tp + fp + fn + tn;
    return {
      group,
      count,
      positives: tp + fn,
      selectionRate: (tp + fp) / count,
      truePositiveRate: div0(tp, tp + fn),
      falsePositiveRate: div0(fp, fp + tn),
      falseNegativeRate: div0(fn, tp + fn),
    };
  });
  const spread = (pick: (g: GroupRates) => number) => {
    const v = groups.map(pick);
    const max = Math.max(...v);
    const min = Math.min(...v);
    return { difference: max - min, ratio: max === 0 ? null : min / max };
  };
  const dp = spread((g) => g.selectionRate);
  const tpr = spread((g) => g.truePositiveRate);
  const fpr = spread((g) => g.falsePositiveRate);
  return {
    groups,
    dropped,
    demographicParityDifference: dp.difference,
    demographicParityRatio: dp.ratio,
    equalOpportunityDifference: tpr.difference,
    equalizedOddsDifference: Math.max(tpr.difference, fpr.difference),
    equalizedOddsRatio: tpr.ratio === null || fpr.ratio === null ? null : Math.min(tpr.ratio, fpr.ratio),
  };
}
