/**
 * A/B statistics (pure): proportions (Wilson intervals, Newcombe's hybrid score interval for the
 * difference, the pooled two-proportion z-test) and means (Welch's t-test and interval). Every
 * difference is challenger − baseline. Reference figures: scipy (ab-analysis.test.ts).
 */
import { gammaincc, lnGamma } from './stats/special-functions.js';

export type Verdict = 'significant' | 'not_significant' | 'not_enough_data';

export interface AbOptions {
  /** Significance level; the intervals are (1 − alpha) intervals. Default 0.05. */
  alpha?: number;
  /** Samples each variant needs before a verdict. Default 100. */
  minSamples?: number;
  /** Whether a larger value is better (accuracy, conversion) or worse (error rate, MAE). Default true. */
  higherIsBetter?: boolean;
}

export const AB_DEFAULTS = { alpha: 0.05, minSamples: 100 } as const;

export interface VariantEstimate {
  variant: string;
  n: number;
  estimate: number | null;
  ci: [number, number] | null;
}

export interface Comparison {
  baseline: string;
  challenger: string;
  difference: number | null;
  ci: [number, number] | null;
  pValue: number | null;
  verdict: Verdict;
  /** The better variant when significant. */
  better?: string;
  /** More samples each side needs before a verdict (only with not_enough_data). */
  needed?: { baseline: number; challenger: number };
  message: string;
}

/** Proportion accumulator: successes of trials. */
export interface ProportionSample {
  successes: number;
  n: number;
}

/** Mean accumulator (Welford): n, mean and the sum of squared deviations. */
export interface MeanSample {
  n: number;
  mean: number;
  m2: number;
}

// ---------- special functions ----------

/** erfc(x) = Q(1/2, x²) for x ≥ 0 (reuses the incomplete gamma function). */
function erfc(x: number): number {
  return x >= 0 ? gammaincc(0.5, x * x) : 2 - gammaincc(0.5, x * x);
}

/** P(Z > z) for the standard normal. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** The standard normal quantile: Acklam's approximation refined by one Halley step (~1e-15). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : Number.NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes, 3rd ed., §6.4, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function (scipy.special.betainc). */
export function betainc(a: number, b: number, x: number): number {
  if (!(a > 0 && b > 0) || !(x >= 0 && x <= 1)) return Number.NaN;
  if (x === 0 || x === 1) return x;
  const logFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use the symmetry.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > t) for Student's t with `df` (possibly fractional) degrees of freedom. */
export function tSf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 0 : 1;
  const tail = 0.5 * betainc(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? tail : 1 - tail;
}

/** The t quantile, by bisection on tSf (monotone in t) to a relative 1e-13. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return Number.NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p) * 2);
  while (tSf(hi, df) > 1 - p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tSf(mid, df) > 1 - p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------- proportions ----------

/** Wilson score interval for k successes of n at level 1 − alpha (no continuity correction). */
export function wilson(k: number, n: number, alpha: number = AB_DEFAULTS.alpha): [number, number] {
  if (n === 0) return [0, 1];
  const z = normalQuantile(1 - alpha / 2);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Two-sided p-value of the pooled two-proportion z-test (= Pearson's chi-square without correction). */
export function twoProportionPValue(a: ProportionSample, b: ProportionSample): number {
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  // Both all-success or all-failure: the samples are identical, no evidence of a difference.
  if (se === 0) return 1;
  const z = (b.successes / b.n - a.successes / a.n) / se;
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

/**
 * Newcombe's hybrid score interval (his method 10) for p_b − p_a, built from the two Wilson
 * intervals: it keeps its coverage near 0 and 1 and with small samples, where Wald's does not.
 */
export function newcombeInterval(a: ProportionSample, b: ProportionSample, alpha: number = AB_DEFAULTS.alpha): [number, number] {
  const pa = a.successes / a.n;
  const pb = b.successes / b.n;
  const [la, ua] = wilson(a.successes, a.n, alpha);
  const [lb, ub] = wilson(b.successes, b.n, alpha);
  const d = pb - pa;
  return [d - Math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2), d + Math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)];
}

// ---------- means ----------

export function meanSample(values: Iterable<number>): MeanSample {
  const s: MeanSample = { n: 0, mean: 0, m2: 0 };
  for (const v of values) addToMean(s, v);
  return s;
}

/** Adds one value (Welford's update: stable for large n and large values). */
export function addToMean(s: MeanSample, v: number): void {
  s.n++;
  const delta = v - s.mean;
  s.mean += delta / s.n;
  s.m2 += delta * (v - s.mean);
}

const variance = (s: MeanSample) => (s.n > 1 ? s.m2 / (s.n - 1) : 0);

/** t interval of one mean at level 1 − alpha. */
export function meanInterval(s: MeanSample, alpha: number = AB_DEFAULTS.alpha): [number, number] | null {
  if (s.n < 2) return null;
  const half = tQuantile(1 - alpha / 2, s.n - 1) * Math.sqrt(variance(s) / s.n);
  return [s.mean - half, s.mean + half];
}

/** Welch's t-test of mean_b − mean_a: statistic, Welch–Satterthwaite df, two-sided p-value and interval. */
export function welch(a: MeanSample, b: MeanSample, alpha: number = AB_DEFAULTS.alpha): { t: number; df: number; pValue: number; difference: number; ci: [number, number] } {
  const va = variance(a) / a.n;
  const vb = variance(b) / b.n;
  const difference = b.mean - a.mean;
  const se = Math.sqrt(va + vb);
  // No spread on either side: the difference is exact (p 0 if any, 1 if none).
  if (se === 0) return { t: difference === 0 ? 0 : Math.sign(difference) * Infinity, df: a.n + b.n - 2, pValue: difference === 0 ? 1 : 0, difference, ci: [difference, difference] };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = difference / se;
  const half = tQuantile(1 - alpha / 2, df) * se;
  return { t, df, pValue: Math.min(1, 2 * tSf(Math.abs(t), df)), difference, ci: [difference - half, difference + half] };
}

// ---------- verdicts ----------

const fmt = (x: number) => (Math.abs(x) >= 1000 || x === Math.round(x) ? String(Math.round(x * 1000) / 1000) : x.toPrecision(4));

function enoughData(baseline: string, challenger: string, nA: number, nB: number, minSamples: number): Comparison | undefined {
  if (nA >= minSamples && nB >= minSamples) return undefined;
  const needed = { baseline: Math.max(0, minSamples - nA), challenger: Math.max(0, minSamples - nB) };
  const short = [
    needed.baseline > 0 ? `${baseline} (baseline) has ${nA}, needs ${needed.baseline} more` : undefined,
    needed.challenger > 0 ? `${challenger} has ${nB}, needs ${needed.challenger} more` : undefined,
  ].filter(Boolean);
  return {
    baseline, challenger, difference: null, ci: null, pValue: null, verdict: 'not_enough_data', needed,
    message: `Not enough data yet: each variant needs at least ${minSamples} samples; ${short.join('; ')}. No conclusion can be drawn.`,
  };
}

function decide(baseline: string, challenger: string, difference: number, ci: [number, number], pValue: number, o: Required<AbOptions>): Comparison {
  const level = `${fmt((1 - o.alpha) * 100)}%`;
  const range = `difference ${fmt(difference)}, ${level} CI [${fmt(ci[0])}, ${fmt(ci[1])}], p = ${pValue.toPrecision(3)}`;
  if (pValue < o.alpha && difference !== 0) {
    const better = (difference > 0) === o.higherIsBetter ? challenger : baseline;
    const worse = better === challenger ? baseline : challenger;
    return { baseline, challenger, difference, ci, pValue, verdict: 'significant', better, message: `${better} is better than ${worse} (${range} < alpha ${o.alpha}).` };
  }
  return { baseline, challenger, difference, ci, pValue, verdict: 'not_significant', message: `No significant difference between ${challenger} and ${baseline} (${range} ≥ alpha ${o.alpha}); this is not proof that they are equal.` };
}

const withDefaults = (o: AbOptions): Required<AbOptions> => ({ alpha: o.alpha ?? AB_DEFAULTS.alpha, minSamples: o.minSamples ?? AB_DEFAULTS.minSamples, higherIsBetter: o.higherIsBetter ?? true });

/** A variant's proportion with its Wilson interval. */
export function proportionEstimate(variant: string, s: ProportionSample, alpha: number = AB_DEFAULTS.alpha): VariantEstimate {
  return { variant, n: s.n, estimate: s.n === 0 ? null : s.successes / s.n, ci: s.n === 0 ? null : wilson(s.successes, s.n, alpha) };
}

/** A variant's mean with its t interval. */
export function meanEstimate(variant: string, s: MeanSample, alpha: number = AB_DEFAULTS.alpha): VariantEstimate {
  return { variant, n: s.n, estimate: s.n === 0 ? null : s.mean, ci: meanInterval(s, alpha) };
}

/** Challenger vs baseline on a proportion: Newcombe interval of the difference, two-proportion z-test. */
export function compareProportions(baseline: string, a: ProportionSample, challenger: string, b: ProportionSample, options: AbOptions = {}): Comparison {
  const o = withDefaults(options);
  const short = enoughData(baseline, challenger, a.n, b.n, Math.max(1, o.minSamples));
  if (short) return short;
  return decide(baseline, challenger, b.successes / b.n - a.successes / a.n, newcombeInterval(a, b, o.alpha), twoProportionPValue(a, b), o);
}

/** Challenger vs baseline on a mean: Welch's t-test and interval. */
export function compareMeans(baseline: string, a: MeanSample, challenger: string, b: MeanSample, options: AbOptions = {}): Comparison {
  const o = withDefaults(options);
  const short = enoughData(baseline, challenger, a.n, b.n, Math.max(2, o.minSamples));
  if (short) return short;
  const w = welch(a, b, o.alpha);
  return decide(baseline, challenger, w.difference, w.ci, w.pValue, o);
}
