import type { MetricReader } from './metric-points.js';

/** The monitor metrics a canary rollout may limit (`guardrails.metrics: [{ name, max | min }]`). */
export const GUARDRAIL_METRICS = ['accuracy', 'f1', 'roc_auc', 'log_loss', 'mae', 'rmse', 'drift_share', 'psi', 'js_distance', 'wasserstein_normed', 'missing_share'] as const;

/** Structurally serving's GuardrailSource: monitoring does not import serving for it. */
export interface MetricGuardrail {
  readonly name: string;
  evaluate(deployment: string, variant: string, window: { since: number; until: number }): Promise<number | null>;
}

/**
 * Guardrails over what monitors measured for the canary variant: the value of `metric` in the most
 * recent monitor window that closed inside the rollout step's window, or null (the step waits)
 * when none has. Per-feature metrics (drift, missing share) take the worst feature — the largest
 * value —, so `{ name: 'psi', max: 0.2 }` reads "no feature of the canary's traffic drifts past 0.2".
 * Estimates (CBPE before actuals) count: a plan that wants measured quality holds the step longer.
 */
export function monitorGuardrails(reader: MetricReader, metrics: readonly string[] = GUARDRAIL_METRICS): MetricGuardrail[] {
  return metrics.map((metric) => ({
    name: metric,
    async evaluate(deployment, variant, window) {
      const points = await reader.points({ deployment, metric, variant, group: null, since: window.since, until: window.until + 1 });
      if (points.length === 0) return null;
      const lastEnd = points[points.length - 1]!.windowEnd;
      let worst: number | null = null;
      for (const p of points) if (p.windowEnd === lastEnd && Number.isFinite(p.value)) worst = worst === null ? p.value : Math.max(worst, p.value);
      return worst;
    },
  }));
}
