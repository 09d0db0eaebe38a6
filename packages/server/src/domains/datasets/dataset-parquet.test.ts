import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { DomainError, type DatasetProfile } from '@flywheel/contract';
import { profileCsvFile, profileParquetFile } from './dataset-readers.js';
import { checkMixedProfile, close, MIXED_CSV, mixedParquet, writeParquet, type Codec } from './test-support/parquet-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const metadataOf = (b: Buffer) => parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);

describe('profileParquetFile on files written by hyparquet-writer', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fw-parquet-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const save = (b: Buffer | string) => {
    const p = join(dir, `f${n++}`);
    writeFileSync(p, b);
    return p;
  };

  test('every primitive type with nulls: schema types, hash and the hand-computed profile', async () => {
    const buf = mixedParquet();
    const fp = await profileParquetFile(save(buf));
    assert.equal(fp.rowCount, 6);
    assert.equal(fp.bytes, buf.length);
    assert.equal(fp.contentHash, sha256(buf));
    assert.deepEqual(fp.schema, [
      { name: 'id', type: 'integer', nullable: true },
      { name: 'big', type: 'integer', nullable: true },
      { name: 'price', type: 'float', nullable: true },
      { name: 'ratio', type: 'float', nullable: true },
      { name: 'flag', type: 'boolean', nullable: true },
      { name: 'city', type: 'string', nullable: true },
      { name: 'ts', type: 'datetime', nullable: true },
      { name: 'day', type: 'datetime', nullable: true },
    ]);
    checkMixedProfile(fp.profile);
  });

  test('a CSV file with the same data has the same profile, but for the FLOAT column of whole numbers', async () => {
    const pq = await profileParquetFile(save(mixedParquet()));
    const csv = await profileCsvFile(save(MIXED_CSV));
    checkMixedProfile(csv.profile, { ratioType: 'integer' });
    const ratioIndex = 3;
    const withRatio = (p: DatasetProfile, type: 'float' | 'integer') => ({ ...p, columns: p.columns.map((c, i) => (i === ratioIndex ? { ...c, type } : c)) });
    assert.deepEqual(withRatio(csv.profile, 'float'), pq.profile);
    assert.deepEqual(csv.schema.map((c) => c.type), ['integer', 'integer', 'float', 'integer', 'boolean', 'string', 'datetime', 'datetime']);
    assert.deepEqual(csv.schema.map((c) => c.nullable), pq.schema.map((c) => c.nullable));
  });

  test('every codec the writer can produce reads to the same profile; LZO is a 400 naming the codec', async () => {
    const base = await profileParquetFile(save(mixedParquet({ codec: 'UNCOMPRESSED' })));
    const codecs: Codec[] = ['SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'];
    for (const codec of codecs) {
      const buf = mixedParquet({ codec });
      assert.deepEqual(new Set(metadataOf(buf).row_groups[0]!.columns.map((c) => c.meta_data!.codec)), new Set([codec]));
      const fp = await profileParquetFile(save(buf));
      assert.deepEqual(fp.profile, base.profile, codec);
      assert.deepEqual(fp.schema, base.schema, codec);
      assert.equal(fp.contentHash, sha256(buf));
    }
    await assert.rejects(profileParquetFile(save(mixedParquet({ codec: 'LZO' }))), (e: unknown) => {
      assert.ok(e instanceof DomainError);
      assert.equal(e.code, 'INVALID_INPUT');
      assert.match(e.message, /Parquet file could not be read.*LZO/);
      return true;
    });
  });

  test('many row groups (dictionary-encoded strings, INT64, DOUBLE): the same profile as one row group, numbers by hand', async () => {
    const N = 1000;
    const cols = () => [
      { name: 'i', data: Array.from({ length: N }, (_, k) => BigInt(k)), type: 'INT64' as const },
      { name: 'half', data: Array.from({ length: N }, (_, k) => (k % 10 === 9 ? null : k / 2)), type: 'DOUBLE' as const },
      { name: 'cat', data: Array.from({ length: N }, (_, k) => `c${k % 7}`), type: 'STRING' as const },
    ];
    const many = writeParquet(cols(), { rowGroupSize: 64, codec: 'GZIP' });
    const one = writeParquet(cols(), { rowGroupSize: N });
    const md = metadataOf(many);
    assert.equal(md.row_groups.length, Math.ceil(N / 64));
    assert.ok(md.row_groups[0]!.columns[2]!.meta_data!.encodings.includes('RLE_DICTIONARY'), 'strings are dictionary-encoded');
    assert.equal(metadataOf(one).row_groups.length, 1);
    const a = await profileParquetFile(save(many));
    const b = await profileParquetFile(save(one));
    assert.deepEqual(a.profile, b.profile);
    assert.equal(a.rowCount, N);
    const [i, half, cat] = a.profile.columns;
    // 0..999: mean 499.5, sample variance N(N+1)/12; p01: h = 9.99
    assert.deepEqual([i!.type, i!.count, i!.missing, i!.numeric!.min, i!.numeric!.max], ['integer', N, 0, 0, 999]);
    close(i!.numeric!.mean, 499.5);
    close(i!.numeric!.std, Math.sqrt((N * (N + 1)) / 12));
    close(i!.numeric!.quantiles.p01, 9.99);
    close(i!.numeric!.quantiles.p50, 499.5);
    // width 49.95: bin b holds the integers in [49.95 b, 49.95 (b+1)), the last one up to 999 inclusive
    const expected = new Array<number>(20).fill(0);
    for (let k = 0; k < N; k++) expected[Math.min(19, Math.floor(k / (999 / 20)))]!++;
    assert.deepEqual(i!.numeric!.histogram.counts, expected);
    assert.equal(expected.reduce((s, x) => s + x, 0), N);
    // half: k/2 for the 900 k ≢ 9 (mod 10); decade d holds 10d + 0..8, mean 10d + 4, so the mean is (10·49.5 + 4)/2 = 249.5
    const kept = Array.from({ length: N }, (_, k) => k).filter((k) => k % 10 !== 9);
    assert.deepEqual([half!.type, half!.count, half!.missing, half!.numeric!.min, half!.numeric!.max], ['float', 900, 100, 0, 499]);
    close(half!.numeric!.mean, 249.5);
    close(half!.numeric!.mean, kept.reduce((s, k) => s + k / 2, 0) / kept.length);
    // cat: c0..c5 143 times each (k < 994 gives 142 full cycles + k 994..999 → c0..c5), c6 142
    assert.deepEqual(cat!.categorical!.distinct, 7);
    assert.deepEqual(cat!.categorical!.top.slice(0, 2), [{ value: 'c0', count: 143 }, { value: 'c1', count: 143 }]);
    assert.deepEqual(cat!.categorical!.top[6], { value: 'c6', count: 142 });
  });

  test('INT64 beyond 2^53 is counted by its exact digits (the column becomes string), never rounded', async () => {
    const huge = 2n ** 53n + 1n; // Number(huge) would be 2^53
    const buf = writeParquet([
      { name: 'safe', data: [2n ** 53n - 1n, -(2n ** 53n - 1n), null], type: 'INT64' },
      { name: 'ids', data: [1n, huge, -huge], type: 'INT64' },
    ]);
    const fp = await profileParquetFile(save(buf));
    const [safe, ids] = fp.profile.columns;
    assert.deepEqual([safe!.type, safe!.numeric!.max, safe!.numeric!.min], ['integer', Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
    assert.equal(ids!.type, 'string');
    assert.deepEqual(ids!.categorical, {
      distinct: 3,
      distinctExact: true,
      top: [{ value: '-9007199254740993', count: 1 }, { value: '1', count: 1 }, { value: '9007199254740993', count: 1 }],
    });
  });

  test('bytes, JSON, DECIMAL, microsecond timestamps before 1970, required columns', async () => {
    const bytes = (...b: number[]) => Uint8Array.from(b);
    const columnData = [
      { name: 'raw', data: [new TextEncoder().encode('héllo'), bytes(0xff, 0x00), null, bytes(0xff, 0x00)], type: 'BYTE_ARRAY' as const },
      { name: 'doc', data: [{ a: 1 }, 5, 'x', null], type: 'JSON' as const },
      { name: 'amount', data: [1.25, 2, -3.5, null] },
      { name: 'at', data: [-1n, -1500n, 1000n, null] },
      { name: 'n', data: [1, 2, 3, 4], type: 'INT32' as const, nullable: false },
    ];
    const buf = writeParquet(columnData, {
      overrides: {
        amount: { name: 'amount', type: 'INT32', converted_type: 'DECIMAL', scale: 2, precision: 9, repetition_type: 'OPTIONAL' },
        at: { name: 'at', type: 'INT64', converted_type: 'TIMESTAMP_MICROS', repetition_type: 'OPTIONAL' },
      },
    });
    const fp = await profileParquetFile(save(buf));
    const [raw, doc, amount, at, n] = fp.profile.columns;
    // valid UTF-8 as text, anything else as base64: 0xff 0x00 → '/wA='
    assert.deepEqual([raw!.type, raw!.missing, raw!.categorical], ['string', 1, { distinct: 2, distinctExact: true, top: [{ value: '/wA=', count: 2 }, { value: 'héllo', count: 1 }] }]);
    // JSON stays its text: a number or a string in it does not make the column numeric
    assert.deepEqual([doc!.type, doc!.categorical!.top.map((c) => c.value)], ['string', ['"x"', '5', '{"a":1}']]);
    assert.deepEqual([amount!.type, amount!.numeric!.min, amount!.numeric!.max], ['float', -3.5, 2]);
    // −1 µs and −1500 µs are 1 ms and 2 ms before 1970 (floored, not truncated towards 0)
    assert.deepEqual([at!.type, at!.datetime], ['datetime', { min: '1969-12-31T23:59:59.998Z', max: '1970-01-01T00:00:00.001Z' }]);
    assert.deepEqual(fp.schema.map((c) => c.nullable), [true, true, true, true, false]);
    assert.deepEqual([n!.type, n!.count, n!.missing], ['integer', 4, 0]);
  });

  test('a damaged file is INVALID_INPUT, not a crash', async () => {
    const buf = mixedParquet({ codec: 'GZIP' });
    const damaged = Buffer.from(buf);
    damaged.fill(0xab, 8, Math.floor(buf.length / 2)); // the pages, not the footer or the magic
    await assert.rejects(profileParquetFile(save(damaged)), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && /could not be read/.test(e.message));
    const noFooter = Buffer.concat([buf.subarray(0, 4), Buffer.from('garbage!'), buf.subarray(-4)]);
    await assert.rejects(profileParquetFile(save(noFooter)), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT');
  });
});
