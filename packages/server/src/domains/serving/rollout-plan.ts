import { DomainError } from '@flywheel/contract';

/** How long a step is held before the next one: every condition given must be met. */
export interface StepHold {
  /** Seconds since the step's weights took effect. */
  seconds?: number;
  /** Requests the canary variant served (answered or failed) since the step's weights took effect. */
  requests?: number;
}
export interface RolloutStep {
  /** The canary's share of traffic in this step, 0 < weight ≤ 100, increasing from step to step. */
  weight: number;
  hold: StepHold;
}
/** A limit on a {@link GuardrailSource}'s value for the canary. */
export interface MetricGuardrail {
  name: string;
  max?: number;
  min?: number;
}
export interface Guardrails {
  /** Highest share (0..1) of canary requests with status ≠ 0. */
  maxErrorRate?: number;
  /** Highest p99 of the canary's model-call latency, ms. */
  maxP99LatencyMs?: number;
  /** Canary requests in the step's window before any guardrail is judged (default {@link DEFAULT_MIN_REQUESTS}). */
  minRequests?: number;
  /** Limits on extra guardrail sources registered with the controller. */
  metrics?: MetricGuardrail[];
}
export interface RolloutPlan {
  canary: string;
  steps: RolloutStep[];
  guardrails: Guardrails;
}

export const MAX_STEPS = 100;
export const DEFAULT_MIN_REQUESTS = 100;
const MAX_HOLD_SECONDS = 30 * 24 * 3600; // 30 days
const MAX_COUNT = 1_000_000_000;
const MAX_LATENCY_MS = 3_600_000; // 1 hour

const invalid = (msg: string) => new DomainError('INVALID_INPUT', msg);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, at: string, keys: readonly string[]) => {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(`${at}.${k} is not a known field.`);
};
const count = (v: unknown, at: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_COUNT) throw invalid(`${at} must be an integer from 1 to ${MAX_COUNT}.`);
  return v;
};

/**
 * Checks a rollout plan (the request body less the deployment); errors name the field, e.g.
 * `steps[2].weight must be greater than steps[1].weight (25)`. `metricNames` are the guardrail
 * sources the controller knows.
 */
export function validatePlan(raw: unknown, metricNames: readonly string[] = []): RolloutPlan {
  if (!isObject(raw)) throw invalid('body must be an object.');
  onlyKeys(raw, 'body', ['canary', 'steps', 'guardrails', 'actor']);
  if (typeof raw.canary !== 'string' || raw.canary === '') throw invalid('canary must name a variant of the deployment.');
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) throw invalid('steps must be a non-empty list.');
  if (raw.steps.length > MAX_STEPS) throw invalid(`steps has ${raw.steps.length} steps; at most ${MAX_STEPS}.`);
  let previous = 0;
  const steps = raw.steps.map((rs: unknown, i): RolloutStep => {
    const at = `steps[${i}]`;
    if (!isObject(rs)) throw invalid(`${at} must be an object.`);
    onlyKeys(rs, at, ['weight', 'hold']);
    const w = rs.weight;
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0 || w > 100) throw invalid(`${at}.weight must be a number greater than 0 and at most 100.`);
    if (w <= previous) throw invalid(`${at}.weight must be greater than steps[${i - 1}].weight (${previous}).`);
    previous = w;
    if (!isObject(rs.hold)) throw invalid(`${at}.hold must be an object with seconds and/or requests.`);
    onlyKeys(rs.hold, `${at}.hold`, ['seconds', 'requests']);
    const hold: StepHold = {};
    if (rs.hold.seconds !== undefined) {
      const s = rs.hold.seconds;
      if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0 || s > MAX_HOLD_SECONDS) throw invalid(`${at}.hold.seconds must be a number greater than 0 and at most ${MAX_HOLD_SECONDS}.`);
      hold.seconds = s;
    }
    if (rs.hold.requests !== undefined) hold.requests = count(rs.hold.requests, `${at}.hold.requests`);
    if (hold.seconds === undefined && hold.requests === undefined) throw invalid(`${at}.hold needs seconds, requests or both.`);
    return { weight: w, hold };
  });
  const guardrails: Guardrails = {};
  if (raw.guardrails !== undefined) {
    const g = raw.guardrails;
    if (!isObject(g)) throw invalid('guardrails must be an object.');
    onlyKeys(g, 'guardrails', ['maxErrorRate', 'maxP99LatencyMs', 'minRequests', 'metrics']);
    if (g.maxErrorRate !== undefined) {
      if (typeof g.maxErrorRate !== 'number' || !Number.isFinite(g.maxErrorRate) || g.maxErrorRate < 0 || g.maxErrorRate > 1) throw invalid('guardrails.maxErrorRate must be a number from 0 to 1 (a share, 0.01 = 1%).');
      guardrails.maxErrorRate = g.maxErrorRate;
    }
    if (g.maxP99LatencyMs !== undefined) {
      if (typeof g.maxP99LatencyMs !== 'number' || !Number.isFinite(g.maxP99LatencyMs) || g.maxP99LatencyMs <= 0 || g.maxP99LatencyMs > MAX_LATENCY_MS) {
        throw invalid(`guardrails.maxP99LatencyMs must be a number greater than 0 and at most ${MAX_LATENCY_MS}.`);
      }
      guardrails.maxP99LatencyMs = g.maxP99LatencyMs;
    }
    if (g.minRequests !== undefined) guardrails.minRequests = count(g.minRequests, 'guardrails.minRequests');
    if (g.metrics !== undefined) {
      if (!Array.isArray(g.metrics) || g.metrics.length > 16) throw invalid('guardrails.metrics must be a list of at most 16 limits.');
      guardrails.metrics = g.metrics.map((rm: unknown, i): MetricGuardrail => {
        const at = `guardrails.metrics[${i}]`;
        if (!isObject(rm)) throw invalid(`${at} must be an object.`);
        onlyKeys(rm, at, ['name', 'max', 'min']);
        if (typeof rm.name !== 'string' || !metricNames.includes(rm.name)) {
          throw invalid(`${at}.name must be one of the guardrail sources this server has (${metricNames.length ? metricNames.map((n) => `'${n}'`).join(', ') : 'none'}).`);
        }
        const m: MetricGuardrail = { name: rm.name };
        for (const k of ['max', 'min'] as const) {
          const v = rm[k];
          if (v === undefined) continue;
          if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${at}.${k} must be a number.`);
          m[k] = v;
        }
        if (m.max === undefined && m.min === undefined) throw invalid(`${at} needs max, min or both.`);
        if (m.max !== undefined && m.min !== undefined && m.min > m.max) throw invalid(`${at}.min must not be greater than ${at}.max.`);
        return m;
      });
    }
  }
  return { canary: raw.canary, steps, guardrails };
}

/** True when the plan judges the canary at all (then a step needs `minRequests` canary requests to advance). */
export function hasGuardrails(g: Guardrails): boolean {
  return g.maxErrorRate !== undefined || g.maxP99LatencyMs !== undefined || g.minRequests !== undefined || (g.metrics?.length ?? 0) > 0;
}

/** The config shape a rollout reads and writes: only names, roles and weights; every other field passes through. */
export interface WeightedConfig {
  variants: Array<{ name: string; role: string; weight: number }>;
}

/**
 * The weights with the canary at `canaryWeight`: the rest (100 − canaryWeight) is shared among
 * the other non-shadow variants in proportion to their `base` weights (equally when those are
 * all 0). Rounded to 1e-6, the rounding remainder going to the largest share, so the sum is 100.
 */
export function stepWeights(config: WeightedConfig, base: Readonly<Record<string, number>>, canary: string, canaryWeight: number): Record<string, number> {
  const others = config.variants.filter((v) => v.role !== 'shadow' && v.name !== canary).map((v) => v.name);
  if (others.length === 0) throw new DomainError('INVALID_STATE', `The deployment has no variant besides the canary '${canary}' to take the rest of the traffic.`);
  const rest = 100 - canaryWeight;
  const baseTotal = others.reduce((s, n) => s + (base[n] ?? 0), 0);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const out: Record<string, number> = { [canary]: canaryWeight };
  for (const n of others) out[n] = round(baseTotal > 0 ? (rest * (base[n] ?? 0)) / baseTotal : rest / others.length);
  const largest = others.reduce((a, b) => (out[b]! > out[a]! ? b : a));
  out[largest] = round(rest - others.filter((n) => n !== largest).reduce((s, n) => s + out[n]!, 0));
  return out;
}

/** `config` with the given variants' weights replaced; every other field (of the config and of each variant) untouched. */
export function withWeights<C extends WeightedConfig>(config: C, weights: Readonly<Record<string, number>>): C {
  return { ...config, variants: config.variants.map((v) => (v.role !== 'shadow' && weights[v.name] !== undefined ? { ...v, weight: weights[v.name] } : v)) };
}

/** The non-shadow weights of a config, by variant name. */
export function weightsOf(config: WeightedConfig): Record<string, number> {
  return Object.fromEntries(config.variants.filter((v) => v.role !== 'shadow').map((v) => [v.name, v.weight]));
}
