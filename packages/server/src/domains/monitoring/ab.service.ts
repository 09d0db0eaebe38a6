import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import {
  AB_DEFAULTS, addToMean, compareMeans, compareProportions, meanEstimate, proportionEstimate, type Comparison, type MeanSample, type VariantEstimate,
} from './ab-analysis.js';
import { outcomesOf } from './ab-outcomes.js';
import type { ActualsService, JoinCursor } from './actuals.service.js';
import type { FeedbackRepository } from './feedback.repository.js';
import { QUALITY_METRICS, type QualityMetric } from './feedback.validation.js';
import type { PredictionSource } from './prediction-source.js';

export interface AbDeps {
  actuals: ActualsService;
  predictions: PredictionSource;
  feedback: FeedbackRepository;
  clock: Clock;
}

export interface AbQuery {
  /** `accuracy`, `error_rate`, `mae` (from actuals) or the name of a feedback metric. */
  metric: string;
  since?: number | undefined;
  until?: number | undefined;
  /** Default: the variant with the most samples (usually the incumbent). */
  baseline?: string | undefined;
  alpha?: number | undefined;
  minSamples?: number | undefined;
  /** Feedback metrics only: a prediction without an event is left out (`exclude`, default) or counts as 0 (`zero`: events only sent for conversions). */
  missing?: 'exclude' | 'zero' | undefined;
  /** Default: lower for error_rate and mae, higher otherwise. */
  direction?: 'higher' | 'lower' | undefined;
}

export interface AbResult {
  deployment: string;
  metric: string;
  source: 'actuals' | 'feedback';
  /** proportion: Wilson / Newcombe / z-test; mean: t / Welch. */
  kind: 'proportion' | 'mean';
  direction: 'higher' | 'lower';
  since: number;
  until: number;
  alpha: number;
  minSamples: number;
  baseline: string | null;
  variants: (VariantEstimate & { skipped: number })[];
  comparisons: Comparison[];
  /** Difference intervals: Newcombe's hybrid score interval for proportions, Welch's t interval for means. */
  method: string;
  message: string;
}

/** Default window: the 30 days before `until`; an experiment usually runs for days or weeks. */
export const DEFAULT_AB_WINDOW_MS = 30 * 24 * 3600 * 1000;
const PAGE = 5000;

interface Acc {
  successes: number;
  mean: MeanSample;
  skipped: number;
}

const newAcc = (): Acc => ({ successes: 0, mean: { n: 0, mean: 0, m2: 0 }, skipped: 0 });

/**
 * A/B analysis of a deployment's variants: quality metrics from predictions joined with actuals,
 * business metrics from feedback events joined by inference id. Streams the window page by page
 * (memory bounded by the page size and the number of variants).
 */
export class AbService {
  constructor(private readonly deps: AbDeps) {}

  async analyze(deployment: string, q: AbQuery): Promise<AbResult> {
    const until = q.until ?? this.deps.clock.now();
    const since = q.since ?? Math.max(0, until - DEFAULT_AB_WINDOW_MS);
    if (since > until) throw new DomainError('INVALID_INPUT', `since (${since}) is after until (${until})`);
    const alpha = q.alpha ?? AB_DEFAULTS.alpha;
    const minSamples = q.minSamples ?? AB_DEFAULTS.minSamples;
    const quality = (QUALITY_METRICS as readonly string[]).includes(q.metric);
    const accs = new Map<string, Acc>();
    const acc = (variant: string) => accs.get(variant) ?? accs.set(variant, newAcc()).get(variant)!;
    let binary = true;
    const add = (a: Acc, v: number) => {
      if (v !== 0 && v !== 1) binary = false;
      if (v === 1) a.successes++;
      addToMean(a.mean, v);
    };

    if (quality) {
      const metric = q.metric as QualityMetric;
      for await (const rows of this.deps.actuals.joined(deployment, { since, until, pageSize: PAGE })) {
        for (const row of rows) {
          const a = acc(row.variant);
          const outcomes = outcomesOf(row, metric);
          if (outcomes.length === 0) a.skipped++;
          for (const v of outcomes) add(a, v);
        }
      }
      binary = metric !== 'mae';
    } else {
      let after: JoinCursor | undefined;
      for (;;) {
        const page = await this.deps.predictions.page(deployment, { since, until, after, limit: PAGE, columns: 'keys' });
        if (page.length === 0) break;
        const values = await this.deps.feedback.values(q.metric, [...new Set(page.map((p) => p.inferenceId))]);
        for (const p of page) {
          const a = acc(p.variant);
          const v = values.get(p.inferenceId) ?? (q.missing === 'zero' ? 0 : undefined);
          if (v === undefined) a.skipped++;
          else add(a, v);
        }
        if (page.length < PAGE) break;
        const last = page[page.length - 1]!;
        after = { ts: last.ts, id: last.id };
      }
    }

    const kind = binary ? 'proportion' : 'mean';
    const direction = q.direction ?? (q.metric === 'error_rate' || q.metric === 'mae' ? 'lower' : 'higher');
    if (q.baseline !== undefined) acc(q.baseline);
    const names = [...accs.keys()].sort();
    const variants = names.map((v) => {
      const a = accs.get(v)!;
      const e = kind === 'proportion' ? proportionEstimate(v, { successes: a.successes, n: a.mean.n }, alpha) : meanEstimate(v, a.mean, alpha);
      return { ...e, skipped: a.skipped };
    });
    // Most samples first, then by name: the incumbent usually carries the most traffic.
    const baseline = q.baseline ?? [...variants].sort((x, y) => y.n - x.n || (x.variant < y.variant ? -1 : 1))[0]?.variant ?? null;
    const options = { alpha, minSamples, higherIsBetter: direction === 'higher' };
    const comparisons: Comparison[] = [];
    if (baseline !== null) {
      const base = accs.get(baseline)!;
      for (const name of names) {
        if (name === baseline) continue;
        const c = accs.get(name)!;
        comparisons.push(kind === 'proportion'
          ? compareProportions(baseline, { successes: base.successes, n: base.mean.n }, name, { successes: c.successes, n: c.mean.n }, options)
          : compareMeans(baseline, base.mean, name, c.mean, options));
      }
    }
    const what = quality ? `predictions with actuals` : `predictions with feedback '${q.metric}'`;
    let message: string;
    if (variants.every((v) => v.n === 0)) message = `No data: deployment '${deployment}' has no ${what} between ${new Date(since).toISOString()} and ${new Date(until).toISOString()}.`;
    else if (comparisons.length === 0) message = `Only one variant (${baseline}) has data: there is nothing to compare it with.`;
    else message = comparisons.map((c) => c.message).join(' ');
    return {
      deployment, metric: q.metric, source: quality ? 'actuals' : 'feedback', kind, direction, since, until, alpha, minSamples, baseline, variants, comparisons,
      method: kind === 'proportion'
        ? 'per variant: Wilson score interval; difference: Newcombe hybrid score interval; test: two-sided pooled two-proportion z-test'
        : "per variant: t interval; difference: Welch's t interval; test: two-sided Welch's t-test",
      message,
    };
  }
}
