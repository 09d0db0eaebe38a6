/**
 * A monitor's computed figures as a time series: one point per metric, window and slice
 * (column, variant, group). Monitors write them; alerts, A/B analysis, canary guardrails and the
 * web UI read them through {@link MetricReader}.
 */
export interface MetricPoint {
  monitorId: string;
  deployment: string;
  /** snake_case metric name from the stats library, e.g. `psi`, `ks_p_value`, `accuracy`, `drift_share`, `missing_share`. */
  metric: string;
  /** The feature (or `__prediction__`) the value is about; null for dataset- or model-level metrics. */
  column: string | null;
  /** The variant the window was restricted to; null for the whole deployment. */
  variant: string | null;
  /** The sensitive-attribute group (fairness); null otherwise. */
  group: string | null;
  /** ms since epoch; the window is [windowStart, windowEnd). */
  windowStart: number;
  windowEnd: number;
  value: number;
  /** Rows the value was computed from (current side). */
  sampleSize: number;
  /** True when the value is an estimate (e.g. CBPE before actuals arrive). */
  estimated: boolean;
}

export interface MetricQuery {
  monitorId?: string | undefined;
  deployment?: string | undefined;
  metric: string;
  column?: string | null | undefined;
  variant?: string | null | undefined;
  group?: string | null | undefined;
  /** Points whose windowEnd is in [since, until). */
  since: number;
  until: number;
}

export interface MetricReader {
  /** Matching points, oldest window first. `undefined` filters match any value; `null` matches only null. */
  points(q: MetricQuery): Promise<MetricPoint[]>;
}
