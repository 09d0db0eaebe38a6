/**
 * Per-prediction outcomes for quality metrics, from a logged output and its actual (pure).
 *
 * The prediction is the log's **first output tensor**. An actual that is an array is a batched
 * request's rows (one outcome each); a scalar is one row. With one output value per row:
 * - classification: a float score against a binary actual (0/1, true/false) is thresholded at
 *   0.5 (score ≥ 0.5 → 1); any other value is the predicted label itself, compared as a label
 *   (`1`, `1.0`, `"1"` and `true` are the same label);
 * - regression: the absolute error |prediction − actual|.
 * With k > 1 values per row (class scores), the prediction is the argmax's index, compared as a label.
 * A row whose shapes do not line up, or whose output the log truncated, yields no outcome.
 */
import type { JoinedRow, LoggedTensor } from './actuals.service.js';
import type { ActualScalar } from './actuals.validation.js';
import type { QualityMetric } from './feedback.validation.js';

const FLOAT_TYPE = /^(float|fp|double|bf)/i;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A canonical label: booleans as 1/0, numbers (and numeric text) by value, other text as is. */
export function labelOf(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (NUMERIC.test(v.trim())) return String(Number(v));
    if (v === 'true' || v === 'false') return v === 'true' ? '1' : '0';
    return v;
  }
  return JSON.stringify(v);
}

const isBinary = (a: ActualScalar) => { const l = labelOf(a); return l === '0' || l === '1'; };

function firstOutput(outputs: Record<string, LoggedTensor> | null): LoggedTensor | undefined {
  if (!outputs) return undefined;
  const first = Object.values(outputs)[0];
  return first && Array.isArray(first.data) ? first : undefined;
}

function argmax(values: readonly unknown[]): number | undefined {
  let best = -1;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = Number(values[i]);
    if (!Number.isFinite(x)) return undefined;
    if (x > max) [max, best] = [x, i];
  }
  return best < 0 ? undefined : best;
}

/** 1 when the row's prediction equals its actual, else 0; or, for `mae`, the absolute error. Empty when unusable. */
export function outcomesOf(row: JoinedRow, metric: QualityMetric): number[] {
  const tensor = firstOutput(row.outputs);
  if (!tensor || row.actual === undefined) return [];
  const actuals: ActualScalar[] = Array.isArray(row.actual.value) ? row.actual.value : [row.actual.value];
  const n = actuals.length;
  const data = tensor.data;
  if (n === 0 || data.length === 0 || data.length % n !== 0) return [];
  const k = data.length / n;
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    const actual = actuals[r]!;
    if (metric === 'mae') {
      if (k !== 1) return [];
      const err = Math.abs(Number(data[r]) - Number(typeof actual === 'boolean' ? +actual : actual));
      if (!Number.isFinite(err)) return [];
      out.push(err);
      continue;
    }
    let predicted: string;
    if (k > 1) {
      const i = argmax(data.slice(r * k, (r + 1) * k));
      if (i === undefined) return [];
      predicted = String(i);
    } else if (FLOAT_TYPE.test(tensor.type) && isBinary(actual)) {
      const score = Number(data[r]);
      if (!Number.isFinite(score)) return [];
      predicted = score >= 0.5 ? '1' : '0';
    } else {
      predicted = labelOf(data[r]);
    }
    const correct = predicted === labelOf(actual) ? 1 : 0;
    out.push(metric === 'accuracy' ? correct : 1 - correct);
  }
  return out;
}
