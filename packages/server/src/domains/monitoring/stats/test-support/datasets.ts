/**
 * Fixed datasets for the reference tests, generated from a seeded PRNG so that the tests and
 * reference.py (which computes the expected numbers with SciPy/NumPy) see the same values:
 *   node --conditions=flywheel-source --import tsx packages/server/src/domains/monitoring/stats/test-support/dump-datasets.ts > /tmp/monitoring-datasets.json
 *   python3 packages/server/src/domains/monitoring/stats/test-support/reference.py /tmp/monitoring-datasets.json
 */

import { seededRandom as prng } from '../../../../lib/seeded-random.js';

/** mulberry32: a small seeded PRNG with uniform doubles in [0, 1). */
export { prng };

/** Normal draws by Box–Muller. */
export function normals(rand: () => number, n: number, mean = 0, sd = 1): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out.push(mean + sd * r * Math.cos(2 * Math.PI * v));
    if (out.length < n) out.push(mean + sd * r * Math.sin(2 * Math.PI * v));
  }
  return out;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function numericPairs() {
  const r = prng(20261123);
  return {
    // exact KS by the inside method (n ≠ m, both ≤ 10000)
    small: { reference: normals(r, 800), current: normals(r, 650, 0.15, 1.1) },
    // exact KS, n = m (closed form)
    equal: { reference: normals(r, 500), current: normals(r, 500, 0.1) },
    // asymptotic KS (max n > 10000), heavy ties from rounding to 2 decimals
    large: { reference: normals(r, 5000).map((x) => round(x, 2)), current: normals(r, 20000, 0.03, 1.02).map((x) => round(x, 2)) },
    // skewed, with many duplicate deciles (integers 0..6, geometric-ish)
    ties: { reference: Array.from({ length: 3000 }, () => Math.floor(-Math.log(1 - r()) * 1.2)), current: Array.from({ length: 2500 }, () => Math.floor(-Math.log(1 - r()) * 1.5)) },
  };
}

export function categoricalPair() {
  const r = prng(7);
  const pick = (weights: [string, number][]) => {
    const total = weights.reduce((s, [, w]) => s + w, 0);
    let u = r() * total;
    for (const [k, w] of weights) if ((u -= w) < 0) return k;
    return weights[weights.length - 1]![0];
  };
  const refW: [string, number][] = [['a', 30], ['b', 25], ['c', 20], ['d', 15], ['e', 9], ['f', 1]];
  const curW: [string, number][] = [['a', 26], ['b', 27], ['c', 22], ['d', 12], ['e', 10], ['g', 3]];
  return { reference: Array.from({ length: 900 }, () => pick(refW)), current: Array.from({ length: 700 }, () => pick(curW)) };
}

export function binaryClassification() {
  const r = prng(42);
  const n = 1000;
  const actual: number[] = [];
  const scores: number[] = [];
  const group: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = r() < 0.4 ? 'A' : r() < 0.7 ? 'B' : 'C';
    const y = r() < (g === 'A' ? 0.35 : g === 'B' ? 0.5 : 0.2) ? 1 : 0;
    // scores rounded to 2 decimals so that many tie; group C is scored worse
    const s = round(Math.min(1, Math.max(0, (y ? 0.62 : 0.38) + (g === 'C' ? 0.25 : 0.18) * normals(r, 1)[0]!)), 2);
    actual.push(y);
    scores.push(s);
    group.push(g);
  }
  const predicted = scores.map((s) => (s >= 0.5 ? 1 : 0));
  return { actual, scores, predicted, group };
}

export function multiclass() {
  const r = prng(99);
  const labels = ['cat', 'dog', 'eel'];
  const n = 600;
  const actual: string[] = [];
  const predicted: string[] = [];
  const probs: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) {
    const y = Math.floor(r() * 3);
    const raw = [0, 1, 2].map((c) => Math.exp((c === y ? 1.2 : 0) + normals(r, 1)[0]!));
    const sum = raw[0]! + raw[1]! + raw[2]!;
    const p = raw.map((v) => v / sum);
    p.forEach((v, c) => probs[c]!.push(v));
    actual.push(labels[y]!);
    predicted.push(labels[p.indexOf(Math.max(...p))]!);
  }
  return { labels, actual, predicted, probs };
}

export function regression() {
  const r = prng(5);
  const actual: number[] = [];
  const predicted: number[] = [];
  for (let i = 0; i < 500; i++) {
    const a = i % 25 === 0 ? 0 : round(normals(r, 1, 10, 4)[0]!, 3);
    actual.push(a);
    predicted.push(round(a * 0.9 + 1.3 + normals(r, 1)[0]!, 3));
  }
  return { actual, predicted };
}

export function allDatasets() {
  return { numeric: numericPairs(), categorical: categoricalPair(), binary: binaryClassification(), multiclass: multiclass(), regression: regression() };
}
