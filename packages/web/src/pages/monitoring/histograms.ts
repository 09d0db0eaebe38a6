import type { Histogram, CategoricalProfile } from '@flywheel/contract';
import type { Monitor } from './types';

type Tensor = { type?: string; shape?: number[]; data?: unknown };

/** Flattens nested arrays (the log keeps tensors flat, but a caller's JSON may not be). */
const flat = (d: unknown): unknown[] => (Array.isArray(d) ? d.flat(Infinity as 1) : []);

/**
 * A feature's values in logged requests, read as the server's monitors read them
 * (monitor-columns.ts): an [n] tensor is a column named after it; an [n, k] tensor gives k columns
 * named by the monitor's `inputs`, else `tensor[j]`. int64 values (logged as strings) are numbers.
 */
export function columnValues(monitor: Pick<Monitor, 'inputs'>, column: string, requests: (Record<string, Tensor> | null)[]): (number | string | boolean)[] {
  const out: (number | string | boolean)[] = [];
  for (const inputs of requests) {
    if (!inputs) continue;
    for (const [name, t] of Object.entries(inputs)) {
      const shape = t.shape ?? [];
      const data = flat(t.data);
      let j = -1;
      if (shape.length === 1 && name === column) j = 0;
      else if (shape.length === 2) {
        const names = monitor.inputs[name];
        j = names ? names.indexOf(column) : Array.from({ length: shape[1]! }, (_, i) => `${name}[${i}]`).indexOf(column);
      } else continue;
      if (j < 0) continue;
      const k = shape.length === 2 ? shape[1]! : 1;
      for (let r = 0; r * k + j < data.length; r++) {
        const v = data[r * k + j];
        if (v === null || v === undefined) continue;
        out.push(typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : (v as number | string | boolean));
      }
    }
  }
  return out;
}

export interface Bars {
  labels: string[];
  reference: number[];
  current: number[];
}

const share = (xs: number[]) => {
  const n = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => (n > 0 ? x / n : 0));
};
const edgeLabel = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toFixed(2)).toString());

/** Bins `values` on the histogram's edges (values outside go to the outer bins): shares per bin, reference beside current. */
export function numericBars(ref: Histogram, values: number[]): Bars {
  return { labels: binLabels(ref.edges), reference: share(ref.counts), current: share(binCounts(ref.edges, values)) };
}

/** Equal-width bins over both samples (a past window as reference has no stored histogram). */
export function numericBarsOfSamples(reference: number[], current: number[], bins = 20): Bars {
  const all = [...reference, ...current].filter((v) => Number.isFinite(v));
  if (!all.length) return { labels: [], reference: [], current: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of all) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) hi = lo + 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  return { labels: binLabels(edges), reference: share(binCounts(edges, reference)), current: share(binCounts(edges, current)) };
}

/** The outer bins also hold what lies beyond the reference's range: their labels say so. */
function binLabels(edges: number[]): string[] {
  const n = edges.length - 1;
  return Array.from({ length: n }, (_, i) => (i === 0 && n > 1 ? `< ${edgeLabel(edges[1]!)}` : i === n - 1 && n > 1 ? `≥ ${edgeLabel(edges[i]!)}` : `${edgeLabel(edges[i]!)}…${edgeLabel(edges[i + 1]!)}`));
}

function binCounts(edges: number[], xs: number[]): number[] {
  const bins = edges.length - 1;
  const c = new Array<number>(bins).fill(0);
  for (const v of xs) {
    if (!Number.isFinite(v)) continue;
    let i = 0;
    while (i < bins - 1 && v >= edges[i + 1]!) i++;
    c[i]!++;
  }
  return c;
}

/** Category shares, reference beside current; categories new in the current window are listed too. */
export function categoricalBars(ref: CategoricalProfile | { top: { value: string; count: number }[] }, values: (number | string | boolean)[]): Bars {
  const cur = new Map<string, number>();
  for (const v of values) cur.set(String(v), (cur.get(String(v)) ?? 0) + 1);
  const labels = [...new Set([...ref.top.map((t) => t.value), ...[...cur.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k)])].slice(0, 30);
  const refCounts = new Map(ref.top.map((t) => [t.value, t.count]));
  return { labels, reference: share(labels.map((l) => refCounts.get(l) ?? 0)), current: share(labels.map((l) => cur.get(l) ?? 0)) };
}

/** Category counts of a sample, as a profile's `top`. */
export const topOf = (values: (number | string | boolean)[]) => {
  const m = new Map<string, number>();
  for (const v of values) m.set(String(v), (m.get(String(v)) ?? 0) + 1);
  return { top: [...m.entries()].map(([value, count]) => ({ value, count })) };
};
