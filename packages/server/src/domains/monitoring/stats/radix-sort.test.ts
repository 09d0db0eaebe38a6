import { describe, it } from 'node:test';
import { sortFloat64 } from './radix-sort.js';
import { prng } from './test-support/datasets.js';

describe('radix sort', () => {
  it('orders like Float64Array.prototype.sort, signed zeros, extremes and duplicates included', () => {
    const r = prng(1);
    for (const n of [5000, 70000]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = (r() - 0.5) * Math.exp(r() * 40 - 20) * (i % 7 === 0 ? 0 : 1) + (i % 11 === 0 ? 3 : 0);
      a[1] = -0;
      a[2] = Number.MAX_VALUE;
      a[3] = -Number.MAX_VALUE;
      a[4] = Number.MIN_VALUE;
      const expected = a.slice().sort();
      const got = sortFloat64(a.slice());
      for (let i = 0; i < n; i++) if (!Object.is(got[i], expected[i])) throw new Error(`n=${n}: index ${i} is ${got[i]}, expected ${expected[i]}`);
    }
    for (const same of [-2.5, 0, 7]) {
      const got = sortFloat64(new Float64Array(5000).fill(same));
      if (got.some((v) => !Object.is(v, same))) throw new Error(`constant ${same} changed`);
    }
    const ints = sortFloat64(Float64Array.from({ length: 9000 }, (_, i) => (i * 7919) % 9000));
    for (let i = 0; i < 9000; i++) if (ints[i] !== i) throw new Error(`integers: index ${i} is ${ints[i]}`);
  });

  it('both strategies (upper word then runs; all 64 bits) order random data of many shapes like the native sort', () => {
    const r = prng(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const shapes: Record<string, (i: number) => number> = {
      'normal around 0': () => normal(),
      'normal around 3': () => 3 + 1.3 * normal(),
      'only negative': () => -1 - r(),
      'lognormal, heavy tail': () => Math.exp(3 * normal()),
      'small integers (full sort)': () => Math.floor(r() * 100) - 50,
      'ms timestamps within an hour (full sort)': () => 1.7e12 + Math.floor(r() * 3.6e6),
      // long runs sharing the upper 32 bits among continuous values: the native sort of a run
      'continuous with a block of near-equal values': (i) => (i % 10 === 0 ? 1 + r() * 1e-9 : normal()),
      'signed zeros and tiny values': (i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : (r() - 0.5) * 1e-300),
    };
    for (const [name, gen] of Object.entries(shapes)) {
      for (const n of [4096, 10_001, 200_000]) {
        const a = Float64Array.from({ length: n }, (_, i) => gen(i));
        const expected = a.slice().sort();
        const got = sortFloat64(a);
        for (let i = 0; i < n; i++) if (!Object.is(got[i], expected[i])) throw new Error(`${name}, n=${n}: index ${i} is ${got[i]}, expected ${expected[i]}`);
      }
    }
  });
});
