import type { ClassificationQuality } from './classification.js';
import type { ColumnDriftResult } from './drift-rule.js';
import type { FairnessReport } from './fairness.js';
import type { RegressionQuality } from './regression.js';

/**
 * The flat snake_case names the issue fixes for `flywheel monitor report --json` and the API
 * (`ks_statistic`, `ks_p_value`, `psi`, `js_distance`, `wasserstein_normed`, `chi2_statistic`,
 * `chi2_p_value`, `accuracy`, `roc_auc`, `demographic_parity_difference`, …), so every caller
 * names a metric the same way.
 */
export type MetricRecord = Record<string, number | string | boolean | null>;

/** One column's drift as flat metrics. */
export function columnDriftMetrics(r: ColumnDriftResult): MetricRecord {
  const out: MetricRecord = { kind: r.kind, method: r.method, threshold: r.threshold, score: r.score, drift_detected: r.drifted };
  if (r.numerical) {
    const n = r.numerical;
    Object.assign(out, {
      ks_statistic: n.ks.statistic,
      ks_p_value: n.ks.pValue,
      ks_method: n.ks.method,
      wasserstein_distance: n.wasserstein.distance,
      wasserstein_normed: n.wasserstein.normed,
      psi: n.binned.psi,
      js_distance: n.binned.jsDistance,
      reference_count: n.referenceCount,
      current_count: n.currentCount,
      reference_missing: n.referenceDropped,
      current_missing: n.currentDropped,
    });
  }
  if (r.categorical) {
    const c = r.categorical;
    Object.assign(out, {
      chi2_statistic: c.chiSquare.statistic,
      chi2_dof: c.chiSquare.dof,
      chi2_p_value: c.chiSquare.pValue,
      psi: c.psi,
      js_distance: c.jsDistance,
      new_categories: c.newCategories.length,
      missing_categories: c.missingCategories.length,
      reference_count: c.referenceCount,
      current_count: c.currentCount,
      reference_missing: c.referenceDropped,
      current_missing: c.currentDropped,
    });
  }
  return out;
}

/** Classification quality as flat metrics (binary figures when there are at most two labels, else macro). */
export function classificationMetrics(q: ClassificationQuality): MetricRecord {
  const main = q.binary ?? q.macro;
  return {
    count: q.count,
    accuracy: q.accuracy,
    precision: main.precision,
    recall: main.recall,
    f1: main.f1,
    precision_macro: q.macro.precision,
    recall_macro: q.macro.recall,
    f1_macro: q.macro.f1,
    precision_weighted: q.weighted.precision,
    recall_weighted: q.weighted.recall,
    f1_weighted: q.weighted.f1,
  };
}

export function regressionMetrics(q: RegressionQuality): MetricRecord {
  return { count: q.count, mae: q.mae, rmse: q.rmse, mape: q.mape, mape_skipped: q.mapeSkipped, r2: q.r2, mean_error: q.meanError };
}

/** Fairness as flat metrics, with the per-group rates under `group.<value>.<metric>`. */
export function fairnessMetrics(f: FairnessReport): MetricRecord {
  const out: MetricRecord = {
    demographic_parity_difference: f.demographicParityDifference,
    demographic_parity_ratio: f.demographicParityRatio,
    equal_opportunity_difference: f.equalOpportunityDifference,
    equalized_odds_difference: f.equalizedOddsDifference,
    equalized_odds_ratio: f.equalizedOddsRatio,
  };
  for (const g of f.groups) {
    const k = `group.${String(g.group)}`;
    out[`${k}.count`] = g.count;
    out[`${k}.selection_rate`] = g.selectionRate;
    out[`${k}.true_positive_rate`] = g.truePositiveRate;
    out[`${k}.false_positive_rate`] = g.falsePositiveRate;
    out[`${k}.false_negative_rate`] = g.falseNegativeRate;
  }
  return out;
}
