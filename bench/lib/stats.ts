import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile of a list of samples (ms); `p` in 0..100. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Timing {
  /** Calls made. */
  n: number;
  /** Wall time of the whole loop, ms. */
  wallMs: number;
  p50: number;
  p99: number;
  mean: number;
  /** Calls per second over the wall time. */
  perSecond: number;
}

export function summarize(samples: readonly number[], wallMs: number): Timing {
  const n = samples.length;
  return {
    n,
    wallMs,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: n ? samples.reduce((a, b) => a + b, 0) / n : NaN,
    perSecond: n / (wallMs / 1000),
  };
}

/**
 * Calls `fn` sequentially for `seconds` (at least `minCalls` times, at most `maxCalls`), after
 * `warmup` untimed calls, and returns the per-call latencies. `fn(i)` gets the call number.
 */
export async function timeLoop(
  fn: (i: number) => Promise<unknown>,
  opts: { seconds?: number; minCalls?: number; maxCalls?: number; warmup?: number },
): Promise<Timing> {
  const { seconds = 0, minCalls = 1, maxCalls = Number.POSITIVE_INFINITY, warmup = 0 } = opts;
  let i = 0;
  for (; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (samples.length < maxCalls && (samples.length < minCalls || performance.now() < deadline)) {
    const t0 = performance.now();
    await fn(i++);
    samples.push(performance.now() - t0);
  }
  return summarize(samples, performance.now() - start);
}

/** 12345.6 → "12,346"; small numbers keep a few significant digits. */
export function fmt(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return '—';
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export const fmtMs = (ms: number): string => `${fmt(ms)} ms`;
export const fmtX = (x: number): string => (Number.isFinite(x) ? `${fmt(x, x >= 10 ? 0 : 1)}×` : '—');
