/**
 * The statistics core of monitoring: pure functions over windows of values (no database, no I/O).
 * Definitions and references are in README.md next to this file.
 */
export { sortedSample, finiteValues, type NumericInput, type SortedSample } from './sample.js';
export { sortFloat64 } from './radix-sort.js';
export { ksTwoSample, KS_EXACT_MAX_N, type KsResult } from './ks.js';
export { kolmogorovSf, smirnovSf } from './kolmogorov.js';
export { wasserstein, WASSERSTEIN_MIN_STD, type WassersteinResult } from './wasserstein.js';
export { decileEdges, psiOfShares, jsDistanceOfShares, PSI_MIN_PROPORTION } from './binned.js';
export { binnedDrift, numericDrift, type BinnedDrift, type NumericDriftStats } from './numeric-drift.js';
export {
  categoricalDrift,
  chiSquareHomogeneity,
  countCategories,
  mergeCategoryCounts,
  type CategoricalDriftStats,
  type Category,
  type CategoryCounts,
  type ChiSquareResult,
} from './categorical.js';
export {
  columnDrift,
  datasetDrift,
  defaultMethod,
  inferColumnKind,
  DRIFT_DEFAULTS,
  type ColumnDriftConfig,
  type ColumnDriftResult,
  type ColumnKind,
  type ColumnValues,
  type DatasetDriftResult,
  type DriftMethod,
  type DriftRuleConfig,
} from './drift-rule.js';
export { chiSquareSf, gammaincc, lnGamma } from './special-functions.js';
export { classificationQuality, type ClassificationOptions, type ClassificationQuality, type ClassMetrics } from './classification.js';
export { rocAuc, rocAucOvr, logLoss, logLossMulticlass, LOG_LOSS_EPS, type RocAucResult } from './scores.js';
export { regressionQuality, type RegressionQuality } from './regression.js';
export { estimatePerformance, type ExpectedConfusion, type PerformanceEstimate } from './cbpe.js';
export { fairness, type FairnessReport, type GroupRates } from './fairness.js';
export type { Label } from './labels.js';
export { binnedDriftFromProfiles, mergeNumericProfiles, profileNumeric, type NumericWindowProfile } from './window-profile.js';
export { classificationMetrics, columnDriftMetrics, fairnessMetrics, regressionMetrics, type MetricRecord } from './metric-names.js';
