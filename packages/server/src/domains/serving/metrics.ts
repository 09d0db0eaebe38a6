import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServingObserver } from './observer.js';
import type { PredictionLogStats } from './prediction-log.js';

/** Latency buckets in seconds: 0.5 ms to 10 s, dense where a small model's requests land. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Series kept per metric at most; further (deployment, variant) pairs are counted under `_other`. */
const MAX_SERIES = 1000;
const OTHER = '_other';
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

interface Series {
  labels: { deployment: string; variant: string };
  byClass: number[]; // requests by status class 1xx..5xx
  errors4xx: number;
  errors5xx: number;
  latency: Hist;
  shadowShed: number;
  shadowOk: number;
  shadowFailed: number;
  shadowLatency: Hist;
}
interface Hist {
  counts: Float64Array; // per bucket, not cumulative; the last one is +Inf
  sum: number;
  count: number;
}
type Value = { metricName?: string; labels: Record<string, string | number>; value: number };

const newHist = (): Hist => ({ counts: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 });
function record(h: Hist, v: number): void {
  let i = 0;
  while (i < LATENCY_BUCKETS.length && v > LATENCY_BUCKETS[i]!) i++;
  h.counts[i]!++;
  h.sum += v;
  h.count++;
}
function histValues(name: string, labels: Record<string, string>, h: Hist): Value[] {
  const out: Value[] = [];
  let acc = 0;
  for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
    acc += h.counts[i]!;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf' }, value: acc });
  }
  out.push({ metricName: `${name}_sum`, labels, value: h.sum }, { metricName: `${name}_count`, labels, value: h.count });
  return out;
}

/**
 * A metric prom-client's Registry renders (and its cluster aggregator sums) from values read at
 * scrape time: the request path updates plain numbers, never prom-client's label hashing.
 */
class ScrapedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly values: () => Value[],
  ) {}
  get() {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator });
  }
  reset(): void {}
}

export interface ServingMetricsOptions {
  /** The prediction log's counters, read at scrape time. */
  predictionLog?: { stats(): PredictionLogStats };
  /** Node process metrics (CPU, memory, event-loop lag, GC). Default true. */
  defaultMetrics?: boolean;
}

/**
 * Prometheus metrics of the gateway (text exposition through prom-client's Registry). `observe`
 * is on every request's path: it finds the (deployment, variant) record in two map lookups and
 * bumps plain numbers; the exposition is built from them at scrape time.
 */
export class ServingMetrics implements ServingObserver {
  readonly registry = new Registry();
  private readonly series = new Map<string, Map<string, Series>>();
  private count = 0;

  constructor(opts: ServingMetricsOptions = {}) {
    const all = () => [...this.series.values()].flatMap((m) => [...m.values()]);
    const metrics = [
      new ScrapedMetric('flywheel_serving_requests_total', 'Inference requests by deployment, variant and HTTP status class', 'counter', () =>
        all().flatMap((s) => CLASSES.flatMap((code, i) => (s.byClass[i] ? [{ labels: { ...s.labels, code }, value: s.byClass[i]! }] : [])))),
      new ScrapedMetric('flywheel_serving_errors_total', 'Inference requests answered with a 4xx or 5xx', 'counter', () =>
        all().flatMap((s) => [
          { labels: { ...s.labels, code: '4xx' }, value: s.errors4xx },
          { labels: { ...s.labels, code: '5xx' }, value: s.errors5xx },
        ])),
      new ScrapedMetric('flywheel_serving_request_duration_seconds', 'Inference request time in the gateway (routing, model, log), seconds', 'histogram', () =>
        all().flatMap((s) => histValues('flywheel_serving_request_duration_seconds', s.labels, s.latency))),
      new ScrapedMetric('flywheel_serving_shadow_shed_total', 'Mirrored requests a shadow variant did not run because its queue was full', 'counter', () =>
        all().filter((s) => s.shadowShed).map((s) => ({ labels: s.labels, value: s.shadowShed }))),
      new ScrapedMetric('flywheel_serving_shadow_done_total', 'Mirrored requests a shadow variant ran, by outcome (ok, failed)', 'counter', () =>
        all().filter((s) => s.shadowLatency.count).flatMap((s) => [
          { labels: { ...s.labels, outcome: 'ok' }, value: s.shadowOk },
          { labels: { ...s.labels, outcome: 'failed' }, value: s.shadowFailed },
        ])),
      new ScrapedMetric('flywheel_serving_shadow_duration_seconds', 'Shadow variant run time, seconds', 'histogram', () =>
        all().filter((s) => s.shadowLatency.count).flatMap((s) => histValues('flywheel_serving_shadow_duration_seconds', s.labels, s.shadowLatency))),
    ];
    // ScrapedMetric has what the Registry reads (name, get, reset); prom-client types only its own classes.
    for (const m of metrics) this.registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
    const log = opts.predictionLog;
    if (log) {
      const registers = [this.registry];
      new Gauge({ name: 'flywheel_prediction_log_queue_depth', help: 'Predictions waiting for the next log write', registers, collect() { this.set(log.stats().queued); } });
      new Gauge({ name: 'flywheel_prediction_log_written', help: 'Predictions written to the log since start', registers, collect() { this.set(log.stats().written); } });
      new Gauge({ name: 'flywheel_prediction_log_dropped', help: 'Predictions lost since start (fast durability: queue overflow or failed writes)', registers, collect() { this.set(log.stats().dropped); } });
    }
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  private of(deployment: string, variant: string): Series {
    let byVariant = this.series.get(deployment);
    let s = byVariant?.get(variant);
    if (s) return s;
    // Bounded cardinality: names come from request paths, which a client controls.
    if (this.count >= MAX_SERIES && (deployment !== OTHER || variant !== OTHER)) return this.of(OTHER, OTHER);
    s = { labels: { deployment, variant }, byClass: [0, 0, 0, 0, 0], errors4xx: 0, errors5xx: 0, latency: newHist(), shadowShed: 0, shadowOk: 0, shadowFailed: 0, shadowLatency: newHist() };
    if (!byVariant) this.series.set(deployment, (byVariant = new Map()));
    byVariant.set(variant, s);
    this.count++;
    return s;
  }

  observe(deployment: string, variant: string, status: number, seconds: number): void {
    const s = this.of(deployment, variant);
    const cls = Math.floor(status / 100) - 1;
    s.byClass[cls >= 0 && cls < 5 ? cls : 4]!++;
    if (status >= 500) s.errors5xx++;
    else if (status >= 400) s.errors4xx++;
    record(s.latency, seconds);
  }

  shadowShed(deployment: string, variant: string): void {
    this.of(deployment, variant).shadowShed++;
  }

  shadowDone(deployment: string, variant: string, ok: boolean, seconds: number): void {
    const s = this.of(deployment, variant);
    if (ok) s.shadowOk++;
    else s.shadowFailed++;
    record(s.shadowLatency, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric of this process. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
