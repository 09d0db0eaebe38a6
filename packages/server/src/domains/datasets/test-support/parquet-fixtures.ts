/**
 * Parquet test files written with hyparquet-writer at test time (no committed binaries), and
 * the compressors the writer needs for codecs other than SNAPPY.
 */
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { ColumnProfile, DatasetProfile } from '@flywheel/contract';
import { parquetWriteBuffer, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';

export type Codec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD' | 'LZ4' | 'LZ4_RAW' | 'LZO';

/**
 * A zstd frame (RFC 8878) of raw, i.e. stored, blocks: Node 20 has no zstd compressor and none is
 * installed, but a frame of raw blocks is a valid zstd stream every decoder must read, so it does
 * exercise the reader's zstd path (frame header, block headers, multi-block content).
 */
export function zstdStored(input: Uint8Array, maxBlock = 1 << 16): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(9);
  header.writeUInt32LE(0xfd2fb528, 0); // magic
  header[4] = 0xa0; // Frame_Header_Descriptor: Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag
  header.writeUInt32LE(input.length, 5);
  parts.push(header);
  let i = 0;
  do {
    const size = Math.min(maxBlock, input.length - i);
    const last = i + size >= input.length ? 1 : 0;
    const bh = (size << 3) | (0 << 1) | last; // Block_Type 0: Raw_Block
    parts.push(Uint8Array.of(bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff), input.subarray(i, i + size));
    i += size;
  } while (i < input.length);
  return Buffer.concat(parts);
}

/** An LZ4 block holding one literals-only sequence (valid LZ4, no matches). */
export function lz4Literals(input: Uint8Array): Uint8Array {
  const n = input.length;
  const ext: number[] = [];
  if (n >= 15) {
    let rest = n - 15;
    while (rest >= 255) {
      ext.push(255);
      rest -= 255;
    }
    ext.push(rest);
  }
  return Buffer.concat([Uint8Array.of(Math.min(n, 15) << 4, ...ext), input]);
}

/** LZ4 as Hadoop frames it (the Parquet LZ4 codec): big-endian uncompressed and compressed lengths, then a block. */
export function lz4Hadoop(input: Uint8Array): Uint8Array {
  const block = lz4Literals(input);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(input.length, 0);
  head.writeUInt32BE(block.length, 4);
  return Buffer.concat([head, block]);
}

export const COMPRESSORS = {
  GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)),
  BROTLI: (b: Uint8Array) => new Uint8Array(brotliCompressSync(b)),
  ZSTD: (b: Uint8Array) => zstdStored(b, 97), // small blocks, so every page spans several
  LZ4: lz4Hadoop,
  LZ4_RAW: lz4Literals,
  LZO: (b: Uint8Array) => b, // not LZO at all: only the codec id matters, the reader has no LZO
};

export interface WriteOptions {
  codec?: Codec;
  rowGroupSize?: number;
  /** Schema elements replacing the writer's guess for these columns. */
  overrides?: Record<string, SchemaElement>;
}

export function writeParquet(columnData: ColumnSource[], opts: WriteOptions = {}): Buffer {
  const schema = opts.overrides ? schemaFromColumnData({ columnData, schemaOverrides: opts.overrides }) : undefined;
  const ab = parquetWriteBuffer({
    // With an explicit schema the writer takes no per-column types (the schema has them).
    columnData: schema ? columnData.map(({ type: _type, nullable: _nullable, ...c }) => c) : columnData,
    ...(schema ? { schema } : {}),
    codec: opts.codec ?? 'SNAPPY',
    compressors: COMPRESSORS,
    ...(opts.rowGroupSize ? { rowGroupSize: opts.rowGroupSize } : {}),
  });
  return Buffer.from(ab);
}

const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 0, 5, 10, 0, 0);

/**
 * Six rows of every primitive type with nulls; {@link MIXED_CSV} holds the same data as CSV text.
 * - id INT32: 1 2 3 4 5 null
 * - big INT64: 10 20 null 40 50 60
 * - price DOUBLE: 1.5 2.5 null -0.5 10 NaN
 * - ratio FLOAT: 1 2 3 null 4 5 (whole values, still float)
 * - flag BOOLEAN: true false null true true false
 * - city STRING (dictionary-encoded): Paris Lyon Paris null Nice Paris
 * - ts TIMESTAMP (ms): T0, T0+1.5 h, null, T0−1 day, T0+30 days, T0+1 ms
 * - day DATE: 2024-01-05 2024-02-29 null 2023-12-31 2024-01-01 2024-01-05
 */
export function mixedColumns(): ColumnSource[] {
  return [
    { name: 'id', data: [1, 2, 3, 4, 5, null], type: 'INT32' },
    { name: 'big', data: [10n, 20n, null, 40n, 50n, 60n], type: 'INT64' },
    { name: 'price', data: [1.5, 2.5, null, -0.5, 10, NaN], type: 'DOUBLE' },
    { name: 'ratio', data: [1, 2, 3, null, 4, 5], type: 'FLOAT' },
    { name: 'flag', data: [true, false, null, true, true, false], type: 'BOOLEAN' },
    { name: 'city', data: ['Paris', 'Lyon', 'Paris', null, 'Nice', 'Paris'], type: 'STRING' },
    { name: 'ts', data: [new Date(T0), new Date(T0 + 5_400_000), null, new Date(T0 - DAY), new Date(T0 + 30 * DAY), new Date(T0 + 1)], type: 'TIMESTAMP' },
    {
      name: 'day',
      data: ['2024-01-05', '2024-02-29', null, '2023-12-31', '2024-01-01', '2024-01-05'].map((d) => (d === null ? null : new Date(`${d}T00:00:00Z`))),
    },
  ];
}

export const MIXED_OVERRIDES: Record<string, SchemaElement> = {
  day: { name: 'day', type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' },
};

export const MIXED_CSV =
  'id,big,price,ratio,flag,city,ts,day\n' +
  '1,10,1.5,1,true,Paris,2024-01-05T10:00:00.000Z,2024-01-05\n' +
  '2,20,2.5,2,false,Lyon,2024-01-05T11:30:00.000Z,2024-02-29\n' +
  '3,,,3,,Paris,,\n' +
  '4,40,-0.5,,true,,2024-01-04T10:00:00.000Z,2023-12-31\n' +
  '5,50,10,4,true,Nice,2024-02-04T10:00:00.000Z,2024-01-01\n' +
  ',60,NaN,5,false,Paris,2024-01-05T10:00:00.001Z,2024-01-05\n';

export const mixedParquet = (opts: Omit<WriteOptions, 'overrides'> = {}) => writeParquet(mixedColumns(), { ...opts, overrides: MIXED_OVERRIDES });

export const close = (actual: number | null | undefined, expected: number, eps = 1e-12) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)), `${actual} ≉ ${expected}`);

/** One count at each of these bins of 20. */
const binCounts = (bins: number[]) => {
  const counts = new Array<number>(20).fill(0);
  for (const b of bins) counts[b]!++;
  return counts;
};

/** The profile of mixedColumns(), computed by hand (see parquet-fixtures.ts for the data). */
export function checkMixedProfile(profile: DatasetProfile, opts: { ratioType?: 'float' | 'integer' } = {}): void {
  assert.equal(profile.version, 1);
  assert.equal(profile.rowCount, 6);
  const byName = new Map(profile.columns.map((c) => [c.name, c]));
  assert.deepEqual([...byName.keys()], ['id', 'big', 'price', 'ratio', 'flag', 'city', 'ts', 'day']);
  const col = (n: string): ColumnProfile => byName.get(n)!;

  // id 1 2 3 4 5: mean 3, squared deviations 4+1+0+1+4 = 10 → sample var 2.5; type 7, h = 4p
  const id = col('id');
  assert.deepEqual([id.type, id.count, id.missing], ['integer', 5, 1]);
  assert.deepEqual([id.numeric!.min, id.numeric!.max], [1, 5]);
  close(id.numeric!.mean, 3);
  close(id.numeric!.std, Math.sqrt(2.5));
  const q = id.numeric!.quantiles;
  for (const [k, v] of [['p01', 1.04], ['p05', 1.2], ['p25', 2], ['p50', 3], ['p75', 4], ['p95', 4.8], ['p99', 4.96]] as const) close(q[k], v);
  // width 0.2: 1→0, 2→5, 3→10, 4→15, 5→ last bin
  assert.deepEqual(id.numeric!.histogram.counts, binCounts([0, 5, 10, 15, 19]));
  assert.equal(id.numeric!.histogram.edges.length, 21);
  assert.deepEqual([id.numeric!.histogram.edges[0], id.numeric!.histogram.edges[20]], [1, 5]);
  close(id.numeric!.histogram.edges[10], 3);

  // big (INT64, BigInt in JS) 10 20 40 50 60: mean 36; deviations −26 −16 4 14 24 → 676+256+16+196+576 = 1720 → /4 = 430
  const big = col('big');
  assert.deepEqual([big.type, big.count, big.missing, big.numeric!.min, big.numeric!.max], ['integer', 5, 1, 10, 60]);
  close(big.numeric!.mean, 36);
  close(big.numeric!.std, Math.sqrt(430));
  close(big.numeric!.quantiles.p01, 10.4);
  close(big.numeric!.quantiles.p25, 20);
  close(big.numeric!.quantiles.p50, 40);
  close(big.numeric!.quantiles.p99, 59.6);
  // width 2.5: 10→0, 20→4, 40→12, 50→16, 60→19
  assert.deepEqual(big.numeric!.histogram.counts, binCounts([0, 4, 12, 16, 19]));

  // price 1.5 2.5 −0.5 10 (null and NaN missing): mean 3.375; squares 3.515625+0.765625+15.015625+43.890625 = 63.1875 → /3
  const price = col('price');
  assert.deepEqual([price.type, price.count, price.missing, price.numeric!.min, price.numeric!.max], ['float', 4, 2, -0.5, 10]);
  close(price.numeric!.mean, 3.375);
  close(price.numeric!.std, Math.sqrt(63.1875 / 3));
  close(price.numeric!.quantiles.p50, 2); // sorted −0.5 1.5 2.5 10, h = 1.5

  // ratio FLOAT 1 2 3 4 5: float although every value is whole (CSV infers integer)
  const ratio = col('ratio');
  assert.deepEqual([ratio.type, ratio.count, ratio.missing], [opts.ratioType ?? 'float', 5, 1]);
  close(ratio.numeric!.mean, 3);
  close(ratio.numeric!.std, Math.sqrt(2.5));

  const flag = col('flag');
  assert.deepEqual([flag.type, flag.count, flag.missing], ['boolean', 5, 1]);
  assert.deepEqual(flag.categorical, { distinct: 2, distinctExact: true, top: [{ value: 'true', count: 3 }, { value: 'false', count: 2 }] });

  const city = col('city');
  assert.deepEqual([city.type, city.count, city.missing], ['string', 5, 1]);
  assert.deepEqual(city.categorical, { distinct: 3, distinctExact: true, top: [{ value: 'Paris', count: 3 }, { value: 'Lyon', count: 1 }, { value: 'Nice', count: 1 }] });

  const ts = col('ts');
  assert.deepEqual([ts.type, ts.count, ts.missing], ['datetime', 5, 1]);
  assert.deepEqual(ts.datetime, { min: '2024-01-04T10:00:00.000Z', max: '2024-02-04T10:00:00.000Z' });

  const day = col('day');
  assert.deepEqual([day.type, day.count, day.missing], ['datetime', 5, 1]);
  assert.deepEqual(day.datetime, { min: '2023-12-31T00:00:00.000Z', max: '2024-02-29T00:00:00.000Z' });
}

