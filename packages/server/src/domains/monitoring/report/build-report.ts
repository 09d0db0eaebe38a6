import { DomainError } from '@flywheel/contract';
import {
  DRIFT_DEFAULTS,
  classificationMetrics,
  classificationQuality,
  columnDrift,
  columnDriftMetrics,
  countCategories,
  estimatePerformance,
  fairness,
  inferColumnKind,
  logLoss,
  regressionMetrics,
  regressionQuality,
  rocAuc,
  type Category,
  type CategoryCounts,
  type ColumnDriftConfig,
  type ColumnDriftResult,
  type ColumnKind,
  type ColumnValues,
  type Label,
  type MetricRecord,
  type SortedSample,
} from '../stats/index.js';
import { numericColumn, refusalError, type NumericColumnResult } from './numeric-column.js';
import { missingCount, numericView, type Cell, type ReportTable } from './table.js';

/** Which column plays which part. Every role is optional; features default to every other column. */
export interface ReportRoles {
  features?: string[] | undefined;
  target?: string | undefined;
  prediction?: string | undefined;
  /** Probability of the positive class (binary classifiers). */
  score?: string | undefined;
  sensitive?: string | undefined;
  id?: string | undefined;
}

/** A signature column as MLflow writes it (`{name, type}`; types double, float, long, integer, string, boolean, …). */
export interface SignatureColumn {
  name: string;
  type: string;
}

export interface ReportOptions extends ReportRoles {
  /** Column kinds; inferred with the stats library's rule when absent. */
  kinds?: Record<string, ColumnKind> | undefined;
  /** Per-column drift overrides (method, threshold) by column name. */
  drift?: Record<string, ColumnDriftConfig> | undefined;
  /** Share of drifted features at which the dataset drifts (0.5). */
  driftShare?: number | undefined;
  /** `classification` or `regression`; inferred from the target's kind when absent. */
  task?: 'classification' | 'regression' | undefined;
  positiveLabel?: Label | undefined;
  /** Score threshold for a predicted positive when only scores are given (0.5). */
  threshold?: number | undefined;
  /** The model's input signature, for schema violations. */
  signature?: SignatureColumn[] | undefined;
}

/** One column's figures; `new_category_values` lists up to 20 categories the reference never saw. */
export type ColumnReport = Record<string, number | string | boolean | null | Label[]>;

/** The whole report; keys are the snake_case metric names. */
export interface MonitorReport {
  reference_rows: number;
  current_rows: number;
  /** Per feature: drift statistics and data quality. */
  columns: Record<string, ColumnReport>;
  /** Drift of the prediction (and score) columns; not counted in dataset drift. */
  prediction_drift: Record<string, ColumnReport>;
  dataset_drift: { drift_share: number; drift_share_threshold: number; dataset_drift: boolean; number_of_columns: number; number_of_drifted_columns: number };
  data_quality: { schema_violations: string[]; missing_share: number };
  model_quality: (MetricRecord & { task: 'classification' | 'regression'; estimated: boolean }) | null;
  confusion_matrix: { labels: Label[]; matrix: number[][] } | null;
  fairness: { sensitive: string; groups: Record<string, MetricRecord>; [metric: string]: number | string | null | Record<string, MetricRecord> } | null;
  /** What could not be computed and why (e.g. a feature with no value on one side). */
  warnings: string[];
}

const CAT_LIST_MAX = 20;
const NUMERIC_SIGNATURE_TYPES = new Set(['double', 'float', 'long', 'integer', 'int', 'int32', 'int64', 'float32', 'float64', 'number', 'datetime']);

/**
 * Compares a current table with a reference table: drift per feature and of the predictions,
 * dataset drift, data quality, model quality (measured with a target, estimated with CBPE from
 * scores without one) and fairness over a sensitive attribute. Pure; the server's monitors and
 * `flywheel monitor report` both call it. `prepared` lets a caller keep the reference's sorted or
 * counted columns across calls (see `prepareReference`).
 */
export function buildReport(
  reference: ReportTable,
  current: ReportTable,
  options: ReportOptions = {},
  prepared: Record<string, ColumnValues> = {},
  /** Numerical columns already computed elsewhere (worker threads, `buildReportParallel`), by column. */
  drifts: Record<string, NumericColumnResult> = {},
): MonitorReport {
  const warnings: string[] = [];
  for (const [role, name] of Object.entries(roleColumns(options))) {
    if (!(name in current.columns)) throw new DomainError('INVALID_INPUT', `The ${role} column '${name}' is not in the current data.`, { field: role });
  }
  const roleNames = new Set(Object.values(roleColumns(options)));
  const features = options.features ?? Object.keys(reference.columns).filter((c) => !roleNames.has(c));
  for (const f of features) {
    if (!(f in reference.columns)) throw new DomainError('INVALID_INPUT', `Feature '${f}' is not in the reference data.`, { field: `features.${f}` });
  }
  for (const name of Object.keys(options.drift ?? {})) {
    if (!features.includes(name) && name !== options.prediction && name !== options.score) {
      throw new DomainError('INVALID_INPUT', `Drift configuration names column '${name}', which is not a feature.`, { field: `drift.${name}` });
    }
  }

  const columns: Record<string, ColumnReport> = {};
  let drifted = 0;
  let tested = 0;
  let missingCells = 0;
  let cells = 0;
  for (const name of features) {
    const cur = current.columns[name];
    const ref = reference.columns[name]!;
    if (!cur) {
      columns[name] = { missing_share: 1 };
      warnings.push(`Feature '${name}' is absent from the current data.`);
      continue;
    }
    const r = columnReport(name, ref, cur, options, prepared[name], warnings, drifts[name]);
    columns[name] = r;
    missingCells += (r.missing_share as number) * cur.length;
    cells += cur.length;
    if (typeof r.drift_detected === 'boolean') {
      tested++;
      if (r.drift_detected) drifted++;
    }
  }
  const driftShare = options.driftShare ?? DRIFT_DEFAULTS.driftShare;
  if (!(driftShare >= 0 && driftShare <= 1)) throw new DomainError('INVALID_INPUT', `driftShare must be in [0, 1], got ${driftShare}.`, { field: 'driftShare' });
  const share = tested === 0 ? 0 : drifted / tested;

  const prediction_drift: Record<string, ColumnReport> = {};
  for (const name of [options.prediction, options.score]) {
    if (name && name in reference.columns && name in current.columns) {
      prediction_drift[name] = columnReport(name, reference.columns[name]!, current.columns[name]!, options, prepared[name], warnings, drifts[name]);
    }
  }

  const quality = modelQuality(current, options, warnings);
  return {
    reference_rows: reference.rowCount,
    current_rows: current.rowCount,
    columns,
    prediction_drift,
    dataset_drift: { drift_share: share, drift_share_threshold: driftShare, dataset_drift: tested > 0 && share >= driftShare, number_of_columns: tested, number_of_drifted_columns: drifted },
    data_quality: { schema_violations: schemaViolations(current, options.signature, roleNames), missing_share: cells === 0 ? 0 : missingCells / cells },
    model_quality: quality.metrics,
    confusion_matrix: quality.confusion,
    fairness: fairnessReport(current, options, warnings),
    warnings,
  };
}

function roleColumns(o: ReportRoles): Record<string, string> {
  const out: Record<string, string> = {};
  for (const role of ['target', 'prediction', 'score', 'sensitive', 'id'] as const) if (o[role]) out[role] = o[role];
  return out;
}

/** One column's drift (every statistic) and data quality. */
function columnReport(name: string, ref: Float64Array | Cell[], cur: Float64Array | Cell[], options: ReportOptions, prep: ColumnValues | undefined, warnings: string[], done?: NumericColumnResult): ColumnReport {
  const kind = done ? 'numerical' : options.kinds?.[name] ?? inferKind(ref, cur, prep);
  const out: ColumnReport = { missing_share: 0, reference_missing_share: ref.length === 0 ? 0 : missingCount(ref) / ref.length };
  const config = { ...options.drift?.[name], kind };
  let drift: (() => ColumnDriftResult) | undefined;
  if (kind === 'numerical' && (!prep || isSorted(prep))) {
    // One pass over the window gives the missing and out-of-range counts and the finite values to sort.
    const { numbers, typeViolations } = numericView(cur);
    const r = done ?? numericColumn(name, (prep as SortedSample | undefined) ?? numericView(ref).numbers, numbers, config);
    const curMissing = cur instanceof Float64Array ? r.nan : missingCount(cur);
    out.missing_share = cur.length === 0 ? 0 : curMissing / cur.length;
    out.type_violations = typeViolations;
    out.type_violation_share = cur.length === 0 ? 0 : typeViolations / cur.length;
    const present = numbers.length - curMissing - typeViolations;
    out.out_of_range_share = present <= 0 ? 0 : r.outside / present;
    drift = () => {
      if (r.refusal) throw refusalError(r.refusal);
      return r.drift!;
    };
  } else if (kind === 'numerical') {
    // A reference prepared as category counts for a numerical column: the stats library refuses it.
    out.missing_share = cur.length === 0 ? 0 : missingCount(cur) / cur.length;
    drift = () => columnDrift(name, prep!, numericView(cur).numbers, config);
  } else {
    // Counting the categories also counts the missing cells (the same definition).
    let counts: CategoryCounts | undefined;
    try {
      counts = countCategories(`current.${name}`, cur as ArrayLike<Category | null>);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
    out.missing_share = cur.length === 0 ? 0 : (counts ? counts.dropped : missingCount(cur)) / cur.length;
    drift = () => columnDrift(name, (prep ?? ref) as ColumnValues, counts ?? (cur as ColumnValues), config);
  }
  try {
    const d = drift();
    Object.assign(out, columnDriftMetrics(d));
    if (d.categorical) {
      out.new_categories = d.categorical.newCategories.length;
      out.new_category_values = d.categorical.newCategories.slice(0, CAT_LIST_MAX);
    }
  } catch (e) {
    if (!(e instanceof DomainError) || !/has no|is empty|no finite/.test(e.message)) throw e;
    warnings.push(`No drift for '${name}': ${e.message}`);
  }
  return out;
}

/**
 * The stats library's rule, with the reference deciding the type: when every reference value is a
 * number, stray text in the current window is a type violation, not a reason to call the column
 * categorical.
 */
export function inferKind(ref: Float64Array | Cell[], cur: Float64Array | Cell[], prep: ColumnValues | undefined): ColumnKind {
  if (!(ref instanceof Float64Array) && hasText(ref)) return 'categorical';
  return inferColumnKind(prep ?? (ref as ColumnValues), cur instanceof Float64Array ? cur : numericView(cur).numbers);
}

/** True at the first present value that is not a number (stops early: a label column is known from its first row). */
function hasText(values: Cell[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && typeof v !== 'number') return true;
  }
  return false;
}

function isSorted(v: ColumnValues): v is ColumnValues & { sorted: Float64Array } {
  return typeof v === 'object' && v !== null && 'sorted' in v && (v as { sorted: unknown }).sorted instanceof Float64Array;
}

function isNumericTask(values: Float64Array | Cell[], options: ReportOptions): 'classification' | 'regression' {
  if (options.task) return options.task;
  return inferColumnKind(values as ColumnValues, values as ColumnValues) === 'numerical' ? 'regression' : 'classification';
}

function scoresOf(current: ReportTable, options: ReportOptions): Float64Array | undefined {
  return options.score ? numericView(current.columns[options.score]!).numbers : undefined;
}

/** Predictions from the prediction column, or the score thresholded (1 / 0) when only scores are given. */
function predictionsOf(current: ReportTable, options: ReportOptions): Float64Array | Cell[] | undefined {
  if (options.prediction) return current.columns[options.prediction]!;
  const s = scoresOf(current, options);
  if (!s) return undefined;
  const t = options.threshold ?? 0.5;
  const pos = options.positiveLabel ?? 1;
  if (typeof pos !== 'number') throw new DomainError('INVALID_INPUT', 'With scores and no prediction column the positive label must be a number (1 by default).', { field: 'positiveLabel' });
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s[i]! - s[i]! !== 0 ? Number.NaN : s[i]! >= t ? pos : pos === 1 ? 0 : 1;
  return out;
}

function modelQuality(current: ReportTable, options: ReportOptions, warnings: string[]): { metrics: MonitorReport['model_quality']; confusion: MonitorReport['confusion_matrix'] } {
  const none = { metrics: null, confusion: null };
  const predicted = predictionsOf(current, options);
  const scores = scoresOf(current, options);
  const target = options.target ? current.columns[options.target] : undefined;
  if (!target || missingCount(target) === target.length) {
    if (!scores) return none;
    try {
      const e = estimatePerformance(scores, options.threshold ?? 0.5);
      return {
        metrics: { task: 'classification', estimated: true, method: 'cbpe', count: e.count, accuracy: e.accuracy, precision: e.precision, recall: e.recall, f1: e.f1, roc_auc: e.rocAuc },
        confusion: null,
      };
    } catch (err) {
      warnings.push(`No performance estimate: ${(err as Error).message}`);
      return none;
    }
  }
  if (!predicted) return none;
  const task = isNumericTask(target, options);
  try {
    if (task === 'regression') {
      const q = regressionQuality(numericView(target).numbers, numericView(predicted).numbers);
      return { metrics: { task, estimated: false, ...regressionMetrics(q) }, confusion: null };
    }
    const positiveLabel = options.positiveLabel ?? 1;
    const q = classificationQuality(target as ArrayLike<Label | null>, predicted as ArrayLike<Label | null>, { positiveLabel });
    const metrics: MetricRecord = { ...classificationMetrics(q) };
    if (scores) {
      metrics.roc_auc = rocAuc(target as ArrayLike<Label | null>, scores, positiveLabel).rocAuc;
      try {
        metrics.log_loss = logLoss(target as ArrayLike<Label | null>, scores, positiveLabel).logLoss;
      } catch (err) {
        warnings.push(`No log loss: ${(err as Error).message}`);
      }
    }
    return { metrics: { task, estimated: false, ...metrics }, confusion: { labels: q.labels, matrix: q.confusionMatrix } };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    warnings.push(`No model quality: ${err.message}`);
    return none;
  }
}

function fairnessReport(current: ReportTable, options: ReportOptions, warnings: string[]): MonitorReport['fairness'] {
  if (!options.sensitive || !options.target) return null;
  const predicted = predictionsOf(current, options);
  if (!predicted) return null;
  try {
    const f = fairness(current.columns[options.target] as ArrayLike<Label | null>, predicted as ArrayLike<Label | null>, current.columns[options.sensitive] as ArrayLike<Label | null>, options.positiveLabel ?? 1);
    const groups: Record<string, MetricRecord> = {};
    for (const g of f.groups) {
      groups[String(g.group)] = { count: g.count, selection_rate: g.selectionRate, true_positive_rate: g.truePositiveRate, false_positive_rate: g.falsePositiveRate, false_negative_rate: g.falseNegativeRate };
    }
    return {
      sensitive: options.sensitive,
      demographic_parity_difference: f.demographicParityDifference,
      demographic_parity_ratio: f.demographicParityRatio,
      equal_opportunity_difference: f.equalOpportunityDifference,
      equalized_odds_difference: f.equalizedOddsDifference,
      equalized_odds_ratio: f.equalizedOddsRatio,
      groups,
    };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    warnings.push(`No fairness: ${err.message}`);
    return null;
  }
}

/** Signature columns absent from the data, present with values of the wrong type. */
function schemaViolations(current: ReportTable, signature: SignatureColumn[] | undefined, roles: Set<string>): string[] {
  if (!signature) return [];
  const out: string[] = [];
  for (const { name, type } of signature) {
    const col = current.columns[name];
    if (!col) {
      out.push(`input '${name}' (${type}) is missing`);
      continue;
    }
    if (NUMERIC_SIGNATURE_TYPES.has(type)) {
      const bad = numericView(col).typeViolations;
      if (bad > 0) out.push(`input '${name}' (${type}): ${bad} non-numeric values`);
    } else if (type === 'boolean') {
      const bad = (Array.from(col) as Cell[]).filter((v) => v !== null && typeof v !== 'boolean' && v !== 0 && v !== 1).length;
      if (bad > 0) out.push(`input '${name}' (boolean): ${bad} non-boolean values`);
    }
  }
  const known = new Set(signature.map((s) => s.name));
  for (const name of Object.keys(current.columns)) if (!known.has(name) && !roles.has(name)) out.push(`column '${name}' is not in the signature`);
  return out;
}
