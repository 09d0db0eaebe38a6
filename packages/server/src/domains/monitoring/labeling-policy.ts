import { createHash } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import type { LoggedTensor } from './actuals.service.js';

export type SamplingStrategy = 'random' | 'least_confident';

/**
 * How a deployment's logged predictions enter its labeling queue.
 *
 * @example
 *   { strategy: 'least_confident', share: 0.05, stratifyByVariant: true, scoreOutput: 'probability' }
 */
export interface LabelingPolicy {
  strategy: SamplingStrategy;
  /** Share of the window's (scorable) predictions to queue, per stratum: ceil(share × n). */
  share: number;
  /** Sample each variant separately, so a small canary gets its share too. */
  stratifyByVariant: boolean;
  /** The output tensor holding scores (least_confident); default: `probability`, `probabilities`, `scores`, `score`, or the only output. */
  scoreOutput?: string | undefined;
  /** At most this many items per stratum per sampling run. */
  maxItemsPerRun: number;
  /** How long a claimed item stays reserved for its reviewer. */
  leaseSeconds: number;
}

export const LABELING_DEFAULTS = { stratifyByVariant: true, maxItemsPerRun: 1000, leaseSeconds: 600 /* 10 min */ };
const KNOWN = new Set(['strategy', 'share', 'stratifyByVariant', 'scoreOutput', 'maxItemsPerRun', 'leaseSeconds']);
const invalid = (m: string) => new DomainError('INVALID_INPUT', m);

export function validateLabelingPolicy(body: unknown): LabelingPolicy {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('policy must be an object {strategy, share, stratifyByVariant?, scoreOutput?, maxItemsPerRun?, leaseSeconds?}');
  const o = body as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) throw invalid(`${unknown} is not a known field of a labeling policy`);
  if (o.strategy !== 'random' && o.strategy !== 'least_confident') throw invalid(`strategy must be 'random' or 'least_confident'; got ${JSON.stringify(o.strategy)}`);
  if (typeof o.share !== 'number' || !(o.share > 0 && o.share <= 1)) throw invalid(`share must be a number in (0, 1]; got ${JSON.stringify(o.share)}`);
  if (o.stratifyByVariant !== undefined && typeof o.stratifyByVariant !== 'boolean') throw invalid('stratifyByVariant must be a boolean');
  if (o.scoreOutput !== undefined && (typeof o.scoreOutput !== 'string' || o.scoreOutput.length === 0 || o.scoreOutput.length > 200)) throw invalid('scoreOutput must be the name of an output (1 to 200 characters)');
  const int = (v: unknown, field: string, min: number, max: number, dflt: number) => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(v)}`);
    return v;
  };
  return {
    strategy: o.strategy,
    share: o.share,
    stratifyByVariant: (o.stratifyByVariant as boolean | undefined) ?? LABELING_DEFAULTS.stratifyByVariant,
    scoreOutput: o.scoreOutput as string | undefined,
    maxItemsPerRun: int(o.maxItemsPerRun, 'maxItemsPerRun', 1, 100_000, LABELING_DEFAULTS.maxItemsPerRun),
    leaseSeconds: int(o.leaseSeconds, 'leaseSeconds', 10, 7 * 24 * 3600, LABELING_DEFAULTS.leaseSeconds),
  };
}

/**
 * A uniform number in [0, 1) from the inference id: random sampling is a hash threshold, so a
 * re-run over the same window (or another process) picks the same predictions.
 */
export function randomPriority(inferenceId: string): number {
  return createHash('sha1').update(inferenceId).digest().readUIntBE(0, 6) / 2 ** 48;
}

const SCORE_NAMES = ['probability', 'probabilities', 'scores', 'score'];

/**
 * Confidence of a logged prediction; lower is less confident (reviewed first). One score per
 * row: |p − 0.5| (binary); several: the highest probability minus 0.5 for two classes (the same
 * order as |p₁ − 0.5|), the highest probability for more. A batched request counts as its least
 * confident row. undefined when no score output can be read.
 */
export function confidence(outputsJson: string | undefined, scoreOutput: string | undefined): number | undefined {
  if (!outputsJson) return undefined;
  let outputs: Record<string, LoggedTensor> | null;
  try {
    outputs = JSON.parse(outputsJson) as Record<string, LoggedTensor> | null;
  } catch {
    return undefined;
  }
  if (!outputs || typeof outputs !== 'object' || '$truncated' in outputs) return undefined;
  const names = Object.keys(outputs);
  const name = scoreOutput ?? SCORE_NAMES.find((n) => n in outputs) ?? (names.length === 1 ? names[0] : undefined);
  const t = name === undefined ? undefined : outputs[name];
  if (!t || !Array.isArray(t.data) || t.data.length === 0) return undefined;
  const data = t.data.map(Number);
  if (data.some((v) => !Number.isFinite(v))) return undefined;
  const rows = Array.isArray(t.shape) && t.shape.length >= 2 && t.shape[0]! > 0 ? t.shape[0]! : 1;
  const width = data.length / rows;
  if (!Number.isInteger(width)) return undefined;
  let least = Infinity;
  for (let r = 0; r < rows; r++) {
    const row = data.slice(r * width, (r + 1) * width);
    const c = width === 1 ? Math.abs(row[0]! - 0.5) : width === 2 ? Math.max(...row) - 0.5 : Math.max(...row);
    least = Math.min(least, c);
  }
  return least;
}
