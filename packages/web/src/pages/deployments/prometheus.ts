/**
 * Reading the gateway's Prometheus text (/metrics) in the browser. The server keeps counters only
 * (requests by status class, errors, a latency histogram per deployment and variant); rates and
 * latency quantiles come from the difference between two scrapes, as Prometheus' rate() does.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text exposition format (comments skipped; label values unescaped in one pass: \n, \", \\). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) for (const l of m[2].matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** One deployment variant's counters at one scrape. */
export interface VariantCounters {
  requests: number;
  errors: number;
  latencySum: number;
  latencyCount: number;
  /** Cumulative bucket counts by upper bound (seconds), +Inf last. */
  buckets: { le: number; count: number }[];
}

/** The counters of every variant of `deployment` in one scrape. */
export function countersOf(samples: Sample[], deployment: string): Map<string, VariantCounters> {
  const byVariant = new Map<string, VariantCounters>();
  const of = (v: string) => {
    let c = byVariant.get(v);
    if (!c) byVariant.set(v, (c = { requests: 0, errors: 0, latencySum: 0, latencyCount: 0, buckets: [] }));
    return c;
  };
  for (const s of samples) {
    if (s.labels.deployment !== deployment) continue;
    const v = s.labels.variant ?? '';
    switch (s.name) {
      case 'flywheel_serving_requests_total':
        of(v).requests += s.value;
        break;
      case 'flywheel_serving_errors_total':
        of(v).errors += s.value;
        break;
      case 'flywheel_serving_request_duration_seconds_sum':
        of(v).latencySum += s.value;
        break;
      case 'flywheel_serving_request_duration_seconds_count':
        of(v).latencyCount += s.value;
        break;
      case 'flywheel_serving_request_duration_seconds_bucket':
        of(v).buckets.push({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value });
        break;
    }
  }
  for (const c of byVariant.values()) c.buckets.sort((a, b) => a.le - b.le);
  return byVariant;
}

/** A quantile from bucket-count increments, interpolated linearly inside its bucket (histogram_quantile). */
export function quantileFromBuckets(q: number, buckets: { le: number; count: number }[]): number | null {
  const total = buckets.length ? buckets[buckets.length - 1]!.count : 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      // Above the last finite bound nothing is known: answer that bound, as Prometheus does.
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** What happened between two scrapes `dt` seconds apart, for one variant. */
export interface VariantRates {
  /** requests per second */
  rate: number;
  /** errors per second */
  errorRate: number;
  /** share of requests that failed; null without requests */
  errorShare: number | null;
  /** mean latency, ms; null without requests */
  meanMs: number | null;
  p95Ms: number | null;
}

export function ratesBetween(prev: VariantCounters | undefined, cur: VariantCounters, dt: number): VariantRates {
  // A restarted server starts its counters at zero again: count from zero then.
  const reset = !prev || cur.requests < prev.requests;
  const p = reset ? { requests: 0, errors: 0, latencySum: 0, latencyCount: 0, buckets: [] as VariantCounters['buckets'] } : prev;
  const dReq = cur.requests - p.requests;
  const dErr = cur.errors - p.errors;
  const dCount = cur.latencyCount - p.latencyCount;
  const dSum = cur.latencySum - p.latencySum;
  const prevBucket = new Map(p.buckets.map((b) => [b.le, b.count]));
  const dBuckets = cur.buckets.map((b) => ({ le: b.le, count: b.count - (prevBucket.get(b.le) ?? 0) }));
  const p95 = quantileFromBuckets(0.95, dBuckets);
  return {
    rate: dt > 0 ? dReq / dt : 0,
    errorRate: dt > 0 ? dErr / dt : 0,
    errorShare: dReq > 0 ? dErr / dReq : null,
    meanMs: dCount > 0 ? (dSum / dCount) * 1000 : null,
    p95Ms: p95 === null ? null : p95 * 1000,
  };
}
