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
});
