/**
 * Small reference/current CSVs whose expected numbers come from SciPy/NumPy:
 * `python3 packages/server/src/domains/monitoring/report/reference-numbers.py` (same formulas).
 */
const ref = Array.from({ length: 80 }, (_, i) => ({ x: 10 + ((i * 37) % 41) * 0.5, city: 'abcd'[(i * 7) % 4]!, score: ((i * 11) % 20) / 20 + 0.025 }));
const cur = Array.from({ length: 60 }, (_, i) => {
  const score = ((i * 17) % 20) / 20 + 0.025;
  return {
    id: `r${i}`,
    x: i % 15 === 0 ? '' : String(14 + ((i * 29) % 43) * 0.5),
    city: i % 4 ? 'abcde'[(i * 3) % 5]! : 'abcd'[(i * 7) % 4]!,
    score,
    pred: score >= 0.5 ? 1 : 0,
    y: (i * 13) % 7 < 3 ? 1 : 0,
    group: i % 3 === 0 ? 'g1' : 'g2',
  };
});

export const REFERENCE_CSV = ['x,city,score,pred', ...ref.map((r) => `${r.x},${r.city},${r.score},${r.score >= 0.5 ? 1 : 0}`)].join('\n') + '\n';
export const CURRENT_CSV = ['id,x,city,score,pred,group', ...cur.map((r) => `${r.id},${r.x},${r.city},${r.score},${r.pred},${r.group}`)].join('\n') + '\n';
export const ACTUALS_CSV = ['id,y', ...cur.map((r) => `${r.id},${r.y}`)].join('\n') + '\n';

/** Printed by reference-numbers.py (SciPy 1.17, NumPy). */
export const EXPECTED = {
  x: { ks_statistic: 0.2571428571428571, ks_p_value: 0.020774373143377073, wasserstein_normed: 0.7140794680777066, psi: 1.2388297178910892, js_distance: 0.3773528464336851 },
  city: { chi2_statistic: 19.420062695924763, chi2_p_value: 0.0006497970097591127, psi: 1.319999967541494, js_distance: 0.3390246328957327 },
  quality: { accuracy: 0.5833333333333334, precision: 0.5, recall: 0.6, f1: 0.5454545454545454, roc_auc: 0.5908571428571429, log_loss: 0.8737524920429364 },
  fair: { demographic_parity_difference: 0.0, equal_opportunity_difference: 0.06944444444444442, equalized_odds_difference: 0.06944444444444442, g1_selection_rate: 0.5, g2_true_positive_rate: 0.625 },
  cbpe: { accuracy: 0.7499999999999999, precision: 0.75, recall: 0.75 },
  outOfRange: 0.21428571428571427,
} as const;
