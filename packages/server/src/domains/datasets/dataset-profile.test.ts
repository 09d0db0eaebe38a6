import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_LIMITS, DomainError, type ColumnProfile } from '@flywheel/contract';
import { ColumnCollector, histogram, numberSyntax, parseIsoDatetime, profileTextRows, quantileSorted, topCategories } from './dataset-profile.js';
import { profileCsvFile } from './dataset-readers.js';

const close = (actual: number | null | undefined, expected: number, eps = 1e-12) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)), `${actual} ≉ ${expected}`);

const HEADER = ['x', 'price', 'city', 'flag', 'day', 'mixed'];
const ROWS = [
  ['0', '1.5', 'Paris', 'true', '2024-01-01', '1'],
  ['10', '2.5', 'Lyon', 'false', '2024-01-03', '2'],
  ['', 'NaN', 'Paris', 'TRUE', '2024-01-02 10:00', 'x'],
  ['20', '-0.5', 'NA', 'False', '', '3'],
  ['40', '1e1', 'Nice', '', '2024-02-29T12:30:00Z', ''],
  ['30', '', 'Paris', 'true', '2023-12-31T23:00:00+01:00', '4'],
];

/** The profile of HEADER/ROWS, computed by hand. */
function checkHandProfile(columns: ColumnProfile[]): void {
  const [x, price, city, flag, day, mixed] = columns;
  // x: 0 10 20 30 40 and one missing; mean 20; squared deviations 400+100+0+100+400 = 1000 → sample var 250
  assert.equal(x!.type, 'integer');
  assert.equal(x!.count, 5);
  assert.equal(x!.missing, 1);
  const n = x!.numeric!;
  assert.equal(n.min, 0);
  assert.equal(n.max, 40);
  close(n.mean, 20);
  close(n.std, Math.sqrt(250));
  // type 7: h = 4p → p01 0.4, p05 2, p25 10, p50 20, p75 30, p95 38, p99 39.6
  close(n.quantiles.p01, 0.4);
  close(n.quantiles.p05, 2);
  close(n.quantiles.p25, 10);
  close(n.quantiles.p50, 20);
  close(n.quantiles.p75, 30);
  close(n.quantiles.p95, 38);
  close(n.quantiles.p99, 39.6);
  // 20 bins of width 2 over [0, 40]: 0→0, 10→5, 20→10, 30→15, 40→ last bin (closed)
  assert.deepEqual(n.histogram.edges, Array.from({ length: 21 }, (_, i) => i * 2));
  const counts = new Array(20).fill(0);
  for (const b of [0, 5, 10, 15, 19]) counts[b] = 1;
  assert.deepEqual(n.histogram.counts, counts);
  assert.equal(x!.categorical, undefined);

  // price: 1.5 2.5 -0.5 10 (NaN and empty missing)
  assert.equal(price!.type, 'float');
  assert.equal(price!.count, 4);
  assert.equal(price!.missing, 2);
  assert.equal(price!.numeric!.min, -0.5);
  assert.equal(price!.numeric!.max, 10);
  close(price!.numeric!.mean, 3.375);
  // deviations -1.875 -0.875 -3.875 6.625 → squares sum 3.515625+0.765625+15.015625+43.890625 = 63.1875 → /3
  close(price!.numeric!.std, Math.sqrt(63.1875 / 3));
  // sorted -0.5 1.5 2.5 10; p50: h = 1.5 → 2
  close(price!.numeric!.quantiles.p50, 2);
  close(price!.numeric!.quantiles.p25, 1); // h = 0.75 → -0.5 + 0.75·2
  assert.equal(price!.numeric!.histogram.counts.reduce((a, b) => a + b, 0), 4);

  assert.equal(city!.type, 'string');
  assert.equal(city!.count, 5);
  assert.equal(city!.missing, 1);
  assert.deepEqual(city!.categorical, { distinct: 3, distinctExact: true, top: [{ value: 'Paris', count: 3 }, { value: 'Lyon', count: 1 }, { value: 'Nice', count: 1 }] });

  assert.equal(flag!.type, 'boolean');
  assert.equal(flag!.missing, 1);
  assert.deepEqual(flag!.categorical, { distinct: 2, distinctExact: true, top: [{ value: 'true', count: 3 }, { value: 'false', count: 2 }] });

  assert.equal(day!.type, 'datetime');
  assert.equal(day!.count, 5);
  assert.deepEqual(day!.datetime, { min: '2023-12-31T22:00:00.000Z', max: '2024-02-29T12:30:00.000Z' });

  // numbers first, then 'x': widened to string, earlier numbers counted by their text
  assert.equal(mixed!.type, 'string');
  assert.equal(mixed!.count, 5);
  assert.equal(mixed!.missing, 1);
  assert.deepEqual(mixed!.categorical, { distinct: 5, distinctExact: true, top: ['1', '2', '3', '4', 'x'].map((value) => ({ value, count: 1 })) });
}

describe('dataset profile', () => {
  test('hand-computed profile of text rows: ints, floats, missing, categories, booleans, dates', () => {
    const { profile, schema } = profileTextRows(HEADER, ROWS);
    assert.equal(profile.version, 1);
    assert.equal(profile.rowCount, 6);
    checkHandProfile(profile.columns);
    assert.deepEqual(schema, [
      { name: 'x', type: 'integer', nullable: true },
      { name: 'price', type: 'float', nullable: true },
      { name: 'city', type: 'string', nullable: true },
      { name: 'flag', type: 'boolean', nullable: true },
      { name: 'day', type: 'datetime', nullable: true },
      { name: 'mixed', type: 'string', nullable: true },
    ]);
  });

  test('the CSV reader gives the same profile, with quoting, CRLF and a BOM, and hashes the bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-profile-'));
    try {
      const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
      const text = '\ufeff' + [HEADER, ...ROWS].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
      const path = join(dir, 'd.csv');
      writeFileSync(path, text);
      const r = await profileCsvFile(path);
      assert.equal(r.rowCount, 6);
      assert.equal(r.contentHash, createHash('sha256').update(text).digest('hex'));
      assert.equal(r.bytes, Buffer.byteLength(text));
      checkHandProfile(r.profile.columns);

      writeFileSync(path, 'name,note\n"Smith, J","said ""hi""\nthen left"\n');
      const q = await profileCsvFile(path);
      assert.deepEqual(q.profile.columns[0]!.categorical!.top, [{ value: 'Smith, J', count: 1 }]);
      assert.deepEqual(q.profile.columns[1]!.categorical!.top, [{ value: 'said "hi"\nthen left', count: 1 }]);

      writeFileSync(path, 'a,b\n1,2\n3\n');
      await assert.rejects(profileCsvFile(path), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && /malformed CSV/.test(e.message));
      writeFileSync(path, '');
      await assert.rejects(profileCsvFile(path), (e: unknown) => e instanceof DomainError && /empty/.test(e.message));
      writeFileSync(path, 'a,a\n1,2\n');
      await assert.rejects(profileCsvFile(path), (e: unknown) => e instanceof DomainError && /'a' twice/.test(e.message));
      writeFileSync(path, 'a,b\n');
      const headerOnly = await profileCsvFile(path);
      assert.equal(headerOnly.rowCount, 0);
      assert.deepEqual(headerOnly.schema, [{ name: 'a', type: 'string', nullable: false }, { name: 'b', type: 'string', nullable: false }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('quantiles interpolate linearly between order statistics', () => {
    const s = Float64Array.from([1, 2, 3, 4]);
    close(quantileSorted(s, 0.5), 2.5);
    close(quantileSorted(s, 0.99), 3.97);
    close(quantileSorted(s, 0.01), 1.03);
    assert.equal(quantileSorted(Float64Array.from([7]), 0.99), 7);
  });

  test('histogram: 20 equal-width bins, last one closed; one bin when min = max', () => {
    const h = histogram(Float64Array.from([0, 0.5, 1, 19.99, 20]), 0, 20);
    assert.equal(h.edges.length, 21);
    assert.equal(h.counts.length, 20);
    assert.deepEqual([h.counts[0], h.counts[1], h.counts[19]], [2, 1, 2]);
    assert.deepEqual(histogram(Float64Array.from([3, 3, 3]), 3, 3), { edges: [3, 3], counts: [3] });
  });

  test('a single value has no sample std; an all-missing column is a string column with no values', () => {
    const { profile } = profileTextRows(['a', 'b'], [['5', ''], ['', 'NULL']]);
    const [a, b] = profile.columns;
    assert.equal(a!.numeric!.std, null);
    assert.equal(a!.numeric!.mean, 5);
    assert.deepEqual(a!.numeric!.quantiles, { p01: 5, p05: 5, p25: 5, p50: 5, p75: 5, p95: 5, p99: 5 });
    assert.deepEqual(b, { name: 'b', type: 'string', missing: 2, count: 0, categorical: { distinct: 0, distinctExact: true, top: [] } });
  });

  test('top categories: at most 20, count descending, ties by value', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 100; i++) counts.set(`c${String(i).padStart(3, '0')}`, i % 7);
    const top = topCategories(counts, 20);
    const expected = [...counts].map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, 20);
    assert.deepEqual(top, expected);
    const { profile } = profileTextRows(['c'], Array.from({ length: 50 }, (_, i) => [`v${i}`]));
    assert.equal(profile.columns[0]!.categorical!.distinct, 50);
    assert.equal(profile.columns[0]!.categorical!.top.length, 20);
  });

  test('distinct counting is exact up to 100,000 values per column, then a lower bound with bounded memory', () => {
    const limit = DATASET_LIMITS.maxExactDistinct;
    assert.equal(limit, 100_000);
    const c = new ColumnCollector('id');
    // 150,000 unique values, then more of the first two (known values keep being counted exactly).
    for (let i = 0; i < 150_000; i++) c.addText(`user-${i}`);
    for (let i = 0; i < 3; i++) c.addText('user-0');
    c.addText('user-1');
    assert.ok(c.distinctKept <= limit, `the collector keeps ${c.distinctKept} values`);
    const p = c.finish();
    assert.equal(p.type, 'string');
    assert.equal(p.count, 150_004, 'every present value is counted');
    assert.deepEqual(p.categorical!.distinctExact, false);
    assert.equal(p.categorical!.distinct, limit, 'a lower bound');
    assert.deepEqual(p.categorical!.top.slice(0, 2), [{ value: 'user-0', count: 4 }, { value: 'user-1', count: 2 }]);

    // Exactly at the limit it is still exact; a column widened to string counts through the same cap.
    const at = new ColumnCollector('at');
    for (let i = 0; i < limit; i++) at.addText(`v${i}`);
    at.addText('v0');
    assert.deepEqual([at.finish().categorical!.distinct, at.finish().categorical!.distinctExact], [limit, true]);
    const widened = new ColumnCollector('w');
    for (let i = 0; i < limit + 10; i++) widened.addText(String(i));
    widened.addText('x');
    assert.ok(widened.distinctKept <= limit);
    const wp = widened.finish();
    assert.deepEqual([wp.type, wp.count, wp.categorical!.distinctExact], ['string', limit + 11, false]);
  });

  test('type inference: integers widen to float, no hex or Infinity, booleans and dates are strict', () => {
    const t = (values: string[]) => profileTextRows(['c'], values.map((v) => [v])).profile.columns[0]!.type;
    assert.equal(t(['1', '2', '-3', '+4']), 'integer');
    assert.equal(t(['1', '2.5']), 'float');
    assert.equal(t(['1', '1e3', '.5', '5.']), 'float');
    assert.equal(t(['0x10']), 'string');
    assert.equal(t(['1', 'Infinity']), 'string');
    assert.equal(t([' 1']), 'string');
    assert.equal(t(['true', 'yes']), 'string');
    assert.equal(t(['2024-01-01', '2024-13-01']), 'string');
    assert.equal(t(['2024-01-01T10:00:00.123456Z', '2024-01-01 10:00']), 'datetime');
    assert.equal(parseIsoDatetime('2024-01-01 10:00'), Date.UTC(2024, 0, 1, 10, 0));
    assert.equal(parseIsoDatetime('2024-01-01T10:00+0200'), Date.UTC(2024, 0, 1, 8, 0));
    assert.ok(Number.isNaN(parseIsoDatetime('01/02/2024')));
  });

  test('typed values (Parquet): bigint, Date, declared floats, NaN missing, mixed types widen', () => {
    const ints = new ColumnCollector('i');
    for (const v of [1n, 2n, null, 3n]) ints.addValue(v);
    assert.deepEqual([ints.type, ints.finish().missing], ['integer', 1]);
    const floats = new ColumnCollector('f', true);
    for (const v of [1, 2, NaN, Infinity]) floats.addValue(v);
    const fp = floats.finish();
    assert.deepEqual([fp.type, fp.count, fp.missing, fp.numeric!.mean], ['float', 2, 2, 1.5]);
    const dates = new ColumnCollector('d');
    dates.addValue(new Date(Date.UTC(2020, 0, 2)));
    dates.addValue(new Date(Date.UTC(2020, 0, 1)));
    assert.deepEqual(dates.finish().datetime, { min: '2020-01-01T00:00:00.000Z', max: '2020-01-02T00:00:00.000Z' });
    const digits = new ColumnCollector('s');
    for (const v of ['1', '2']) digits.addValue(v);
    assert.equal(digits.type, 'string');
    const mixed = new ColumnCollector('m');
    for (const v of [1, 'a', true]) mixed.addValue(v);
    assert.deepEqual(mixed.finish().categorical!.top.map((c) => c.value).sort(), ['1', 'a', 'true']);
  });
});

test('numberSyntax agrees with the documented regexes', () => {
  const INT_RE = /^[+-]?\d+$/;
  const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const samples = ['0', '-1', '+12', '1.', '.5', '-.5', '1.5e3', '1E-2', '1e', '1e+', 'e5', '.', '+', '-', '', '1.2.3', '1,5', ' 1', '1 ', '0x1f', 'Infinity', '12a', '1e5.5', '--1', '٣'];
  for (const s of samples) {
    const expected = INT_RE.test(s) ? 1 : FLOAT_RE.test(s) ? 2 : 0;
    assert.equal(numberSyntax(s), expected, s);
  }
});
