import { DomainError } from '@flywheel/contract';
import { categoricalDrift, countCategories, isCategoryCounts, type CategoricalDriftStats, type Category, type CategoryCounts } from './categorical.js';
import { numericDrift, type NumericDriftStats } from './numeric-drift.js';
import { isSortedSample, sortedSample, type SortedSample } from './sample.js';

/**
 * The drift decision: which statistic decides for a column, at which threshold, and when the whole
 * dataset counts as drifted. Defaults follow Evidently's (evidently/calculations/stattests/registry.py
 * `get_default_stattest`, and `drift_share` 0.5):
 *
 * | column kind | reference size (present values) | method | drifted when |
 * |---|---|---|---|
 * | numerical   | ≤ 1000 | `ks` (two-sample KS) | p-value ≤ 0.05 |
 * | numerical   | > 1000 | `wasserstein` (normed by the reference std) | distance ≥ 0.1 |
 * | categorical | ≤ 1000 | `chisquare` (2×K homogeneity) | p-value ≤ 0.05 |
 * | categorical | > 1000 | `jensenshannon` (base 2) | distance ≥ 0.1 |
 *
 * The comparisons are inclusive as Evidently's (`p_value <= threshold`, `distance >= threshold`).
 * Evidently tests a binary categorical column with a two-proportion z-test; the 2×2 chi-square
 * without continuity correction is the same test (χ² = z², the same p-value), so chi-square serves
 * every categorical column. `psi` (drifted when ≥ 0.1, Evidently's default PSI threshold) can be
 * chosen per column. The dataset drifts when drifted columns / all columns ≥ `driftShare` (0.5).
 *
 * Column kind when not configured: numerical when every present value is a finite number and the
 * two samples together hold more than 5 distinct values; otherwise categorical (strings, booleans,
 * and numbers with at most 5 distinct values such as 0/1 flags or small codes) — Evidently's
 * default also switches numerical columns with ≤ 5 values to the categorical tests.
 */

export type ColumnKind = 'numerical' | 'categorical';
export type DriftMethod = 'ks' | 'wasserstein' | 'psi' | 'jensenshannon' | 'chisquare';

/** Per-column overrides. */
export interface ColumnDriftConfig {
  kind?: ColumnKind;
  method?: DriftMethod;
  threshold?: number;
}

export interface DriftRuleConfig {
  /** Overrides by column name. */
  columns?: Record<string, ColumnDriftConfig>;
  /** Share of drifted columns at which the dataset drifts. */
  driftShare?: number;
}

export const DRIFT_DEFAULTS = {
  /** Reference sizes up to this use the statistical tests, above it the distances. */
  smallSampleMax: 1000,
  /** Numbers with at most this many distinct values are categorical. */
  categoricalMaxDistinct: 5,
  driftShare: 0.5,
  thresholds: { ks: 0.05, chisquare: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1 } satisfies Record<DriftMethod, number>,
} as const;

const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare']);
const NUMERICAL_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein', 'psi', 'jensenshannon']);
const CATEGORICAL_METHODS: ReadonlySet<DriftMethod> = new Set(['chisquare', 'psi', 'jensenshannon']);

/**
 * A column's values, or a side prepared once and reused across windows: a `SortedSample`
 * (`sortedSample(...)`, numerical) or `CategoryCounts` (`countCategories(...)`, categorical), so
 * a monitor need not re-sort or re-count its reference for every window.
 */
export type ColumnValues = ArrayLike<Category | null | undefined> | SortedSample | CategoryCounts;

export interface ColumnDriftResult {
  column: string;
  kind: ColumnKind;
  method: DriftMethod;
  threshold: number;
  /** The p-value for `ks`/`chisquare`, the distance otherwise. */
  score: number;
  scoreKind: 'p_value' | 'distance';
  drifted: boolean;
  /** Every statistic of the column, whichever decided. */
  numerical?: NumericDriftStats;
  categorical?: CategoricalDriftStats;
}

export interface DatasetDriftResult {
  columns: ColumnDriftResult[];
  driftedColumns: number;
  shareDrifted: number;
  driftShare: number;
  datasetDrift: boolean;
}

/** Infers a column's kind from both samples (see the module comment). */
export function inferColumnKind(reference: ColumnValues, current: ColumnValues): ColumnKind {
  if (isCategoryCounts(reference) || isCategoryCounts(current)) return 'categorical';
  const limit = DRIFT_DEFAULTS.categoricalMaxDistinct;
  const seen = new Set<number>();
  for (const values of [reference, current]) {
    if (isSortedSample(values)) {
      const v = values.sorted;
      for (let i = 0; i < v.length && seen.size <= limit; i++) if (i === 0 || v[i] !== v[i - 1]) seen.add(v[i]!);
      continue;
    }
    if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array) {
      for (let i = 0; i < values.length && seen.size <= limit; i++) {
        const v = values[i]!;
        if (v - v === 0) seen.add(v);
      }
      continue;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
      if (typeof v !== 'number') return 'categorical';
      if (!Number.isFinite(v)) continue; // dropped like a missing value
      if (seen.size <= limit) seen.add(v);
    }
  }
  return seen.size > limit ? 'numerical' : 'categorical';
}

/**
 * Computes every drift statistic of one column and decides with the configured or default method.
 *
 * @example
 *   columnDrift('age', train.age, window.age).drifted;
 *   columnDrift('age', train.age, window.age, { method: 'psi', threshold: 0.2 });
 */
export function columnDrift(column: string, reference: ColumnValues, current: ColumnValues, config: ColumnDriftConfig = {}): ColumnDriftResult {
  const kind = config.kind ?? inferColumnKind(reference, current);
  let numerical: NumericDriftStats | undefined;
  let categorical: CategoricalDriftStats | undefined;
  let referenceCount: number;
  if (kind === 'numerical') {
    numerical = numericDrift(asSorted(column, 'reference', reference), asSorted(column, 'current', current));
    referenceCount = numerical.referenceCount;
  } else {
    categorical = categoricalDrift(asCounts(column, 'reference', reference), asCounts(column, 'current', current));
    referenceCount = categorical.referenceCount;
  }
  const method = config.method ?? defaultMethod(kind, referenceCount);
  const allowed = kind === 'numerical' ? NUMERICAL_METHODS : CATEGORICAL_METHODS;
  if (!allowed.has(method)) {
    throw new DomainError('INVALID_INPUT', `Drift method '${method}' does not apply to the ${kind} column '${column}'; use one of ${[...allowed].join(', ')}.`, {
      field: `columns.${column}.method`,
    });
  }
  const threshold = config.threshold ?? DRIFT_DEFAULTS.thresholds[method];
  const isP = P_VALUE_METHODS.has(method);
  if (!Number.isFinite(threshold) || threshold < 0 || (isP && threshold > 1)) {
    throw new DomainError('INVALID_INPUT', `Drift threshold for column '${column}' must be ${isP ? 'a p-value in [0, 1]' : 'a finite distance ≥ 0'}, got ${threshold}.`, {
      field: `columns.${column}.threshold`,
    });
  }
  const score = scoreOf(method, numerical, categorical);
  return {
    column,
    kind,
    method,
    threshold,
    score,
    scoreKind: isP ? 'p_value' : 'distance',
    drifted: isP ? score <= threshold : score >= threshold,
    ...(numerical ? { numerical } : {}),
    ...(categorical ? { categorical } : {}),
  };
}

/** The method Evidently's defaults pick for a column kind and reference size. */
export function defaultMethod(kind: ColumnKind, referenceCount: number): DriftMethod {
  const small = referenceCount <= DRIFT_DEFAULTS.smallSampleMax;
  if (kind === 'numerical') return small ? 'ks' : 'wasserstein';
  return small ? 'chisquare' : 'jensenshannon';
}

/**
 * Drift of every reference column and the dataset-drift decision.
 *
 * @example
 *   datasetDrift({ age: refAge, city: refCity }, { age: curAge, city: curCity }, { driftShare: 0.3 }).datasetDrift;
 */
export function datasetDrift(
  reference: Record<string, ColumnValues>,
  current: Record<string, ColumnValues>,
  config: DriftRuleConfig = {},
): DatasetDriftResult {
  const driftShare = config.driftShare ?? DRIFT_DEFAULTS.driftShare;
  if (!(driftShare >= 0 && driftShare <= 1)) {
    throw new DomainError('INVALID_INPUT', `'driftShare' must be in [0, 1], got ${driftShare}.`, { field: 'driftShare' });
  }
  const names = Object.keys(reference);
  if (names.length === 0) throw new DomainError('INVALID_INPUT', `'reference' has no column.`, { field: 'reference' });
  for (const name of Object.keys(config.columns ?? {})) {
    if (!(name in reference)) throw new DomainError('INVALID_INPUT', `Drift configuration names column '${name}', which the reference does not have.`, { field: `columns.${name}` });
  }
  const columns = names.map((name) => {
    const cur = current[name];
    if (!cur) throw new DomainError('INVALID_INPUT', `'current' has no column '${name}'.`, { field: `current.${name}` });
    return columnDrift(name, reference[name]!, cur, config.columns?.[name]);
  });
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const shareDrifted = driftedColumns / columns.length;
  return { columns, driftedColumns, shareDrifted, driftShare, datasetDrift: shareDrifted >= driftShare };
}

function scoreOf(method: DriftMethod, n: NumericDriftStats | undefined, c: CategoricalDriftStats | undefined): number {
  if (n) {
    if (method === 'ks') return n.ks.pValue;
    if (method === 'wasserstein') return n.wasserstein.normed;
    if (method === 'psi') return n.binned.psi;
    return n.binned.jsDistance;
  }
  if (method === 'chisquare') return c!.chiSquare.pValue;
  if (method === 'psi') return c!.psi;
  return c!.jsDistance;
}

function asSorted(column: string, side: string, values: ColumnValues): SortedSample {
  if (isSortedSample(values)) return values;
  if (isCategoryCounts(values)) {
    throw new DomainError('INVALID_INPUT', `Column '${column}' is numerical but ${side} was given as category counts.`, { field: `${side}.${column}` });
  }
  if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array) return sortedSample(`${side}.${column}`, values);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && typeof v !== 'number') {
      throw new DomainError('INVALID_INPUT', `Column '${column}' is numerical but ${side} row ${i} holds ${JSON.stringify(v)}.`, { field: `${side}.${column}` });
    }
  }
  return sortedSample(`${side}.${column}`, values as ArrayLike<number | null | undefined>);
}

function asCounts(column: string, side: string, values: ColumnValues): CategoryCounts {
  if (isCategoryCounts(values)) return values;
  if (isSortedSample(values)) {
    const counts = countCategories(`${side}.${column}`, values.sorted);
    return { ...counts, dropped: counts.dropped + values.dropped };
  }
  return countCategories(`${side}.${column}`, values);
}
