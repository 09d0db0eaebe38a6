import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData, type ParquetParsers, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DATASET_LIMITS, DomainError, type DatasetProfile, type SchemaColumn } from '@flywheel/contract';
import { ColumnCollector, finishProfile } from './dataset-profile.js';

export interface FileProfile {
  /** sha256 hex of the file's bytes. */
  contentHash: string;
  bytes: number;
  rowCount: number;
  schema: SchemaColumn[];
  profile: DatasetProfile;
}

const READ_CHUNK = 1 << 20;

/** A pass-through stream hashing the bytes that flow through it. */
function hashingStream(hash: ReturnType<typeof createHash>, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

/** A 400 for a table wider than a version's schema may be (refused before anything is stored). */
function tooManyColumns(count: number, what: string): DomainError {
  return new DomainError(
    'INVALID_INPUT',
    `Invalid file: the ${what} has ${count} columns; a dataset version may have at most ${DATASET_LIMITS.maxColumns} columns.`,
    { columns: count, maxColumns: DATASET_LIMITS.maxColumns },
  );
}

/** The longest CSV record (in characters) read: a bound on what one line can make the parser hold. */
const MAX_CSV_RECORD_CHARS = 64 * 1024 * 1024;

function checkHeader(header: readonly string[]): void {
  if (header.length > DATASET_LIMITS.maxColumns) throw tooManyColumns(header.length, 'CSV header');
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name.trim() === '') throw new DomainError('INVALID_INPUT', `Invalid file: column ${i + 1} of the CSV header has no name.`);
    if (seen.has(name)) throw new DomainError('INVALID_INPUT', `Invalid file: the CSV header names column '${name}' twice.`);
    seen.add(name);
  });
}

/** Why a CSV file could not be parsed, as a 400 naming the file and the line. */
function csvError(e: unknown): unknown {
  if (e instanceof DomainError) return e;
  const err = e as { code?: string; message?: string };
  if (typeof err?.code === 'string' && err.code.startsWith('CSV_')) {
    return new DomainError('INVALID_INPUT', `Invalid file: malformed CSV (${err.message ?? err.code}).`, { reason: err.code });
  }
  return e;
}

/**
 * Reads a CSV file with a header row in one streaming pass: hashes its bytes as they are read,
 * parses them with csv-parse and hands every cell to its column's collector, so the raw text is
 * never held. Ragged rows, bad quoting and an empty file are `INVALID_INPUT`.
 */
export async function profileCsvFile(path: string, opts: { delimiter?: string } = {}): Promise<FileProfile> {
  const hash = createHash('sha256');
  const counter = { bytes: 0 };
  let collectors: ColumnCollector[] | null = null;
  let rows = 0;
  const parser = parse({ bom: true, skip_empty_lines: true, delimiter: opts.delimiter ?? ',', max_record_size: MAX_CSV_RECORD_CHARS });
  // An error thrown by the consumer reaches pipeline's caller as an AbortError: keep the original.
  let consumerError: unknown;
  try {
    await pipeline(
      createReadStream(path, { highWaterMark: READ_CHUNK }),
      hashingStream(hash, counter),
      parser,
      async (records: AsyncIterable<string[]>) => {
        for await (const record of records) {
          if (collectors === null) {
            try {
              checkHeader(record);
            } catch (e) {
              consumerError = e;
              throw e;
            }
            collectors = record.map((name) => new ColumnCollector(name));
            continue;
          }
          const cs: ColumnCollector[] = collectors;
          for (let j = 0; j < cs.length; j++) cs[j]!.addText(record[j]!);
          rows++;
        }
      },
    );
  } catch (e) {
    throw csvError(consumerError ?? e);
  }
  if (collectors === null) throw new DomainError('INVALID_INPUT', 'Invalid file: it is empty (a CSV file needs at least a header row).');
  const { profile, schema } = finishProfile(collectors, rows);
  return { contentHash: hash.digest('hex'), bytes: counter.bytes, rowCount: rows, schema, profile };
}

/** sha256 hex and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ contentHash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { contentHash: hash.digest('hex'), bytes };
}

async function hasParquetMagic(path: string, size: number): Promise<boolean> {
  if (size < 12) return false;
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    await fh.read(tail, 0, 4, size - 4);
    return head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1';
  } finally {
    await fh.close();
  }
}

const parquetError = (e: unknown) =>
  e instanceof DomainError ? e : new DomainError('INVALID_INPUT', `Invalid file: the Parquet file could not be read (${e instanceof Error ? e.message : String(e)}).`);

const utf8 = new TextDecoder();
/** `a / b` rounded towards −∞ (BigInt division truncates towards 0, which is off by one for instants before 1970). */
const floorDiv = (a: bigint, b: bigint) => (a >= 0n || a % b === 0n ? a / b : a / b - 1n);

/**
 * hyparquet's parsers, except: timestamps before 1970 are floored to the millisecond (not truncated
 * towards 1970), and JSON columns stay their text (profiled as strings, like the CSV reader would,
 * rather than parsed into numbers, booleans or objects that change the column's type row by row).
 */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMicroseconds: (us: bigint) => new Date(Number(floorDiv(us, 1000n))),
  timestampFromNanoseconds: (ns: bigint) => new Date(Number(floorDiv(ns, 1_000_000n))),
  jsonFromBytes: (bytes: Uint8Array) => bytes && utf8.decode(bytes),
};

/** Whether a top-level field is declared floating point: FLOAT, DOUBLE, FLOAT16 or a DECIMAL with a fractional part. */
function floatDeclared(f: SchemaTree): boolean {
  if (f.children.length > 0) return false;
  const e = f.element;
  if (e.type === 'FLOAT' || e.type === 'DOUBLE') return true;
  if (e.logical_type?.type === 'FLOAT16') return true;
  const decimal = e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL';
  return decimal && (e.scale ?? 0) > 0;
}

/**
 * Reads a Parquet file with hyparquet one row group at a time, column by column (nested columns
 * are profiled as their JSON text), so at most one row group's decoded columns are in memory
 * besides the profile's collectors. Every codec is supported but LZO (hyparquet-compressors).
 * Byte arrays without a string annotation are not force-decoded: they reach the collector as
 * bytes (see dataset-profile.ts). The hash is a separate streaming pass over the bytes, since
 * Parquet is read from its footer, not front to back.
 */
export async function profileParquetFile(path: string): Promise<FileProfile> {
  const { size } = await stat(path);
  if (size === 0) throw new DomainError('INVALID_INPUT', 'Invalid file: it is empty.');
  if (!(await hasParquetMagic(path, size))) throw new DomainError('INVALID_INPUT', "Invalid file: it is not a Parquet file (no 'PAR1' magic bytes).");
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  let fields: SchemaTree[];
  try {
    metadata = await parquetMetadataAsync(file);
    fields = parquetSchema(metadata).children;
  } catch (e) {
    throw parquetError(e);
  }
  if (fields.length > DATASET_LIMITS.maxColumns) throw tooManyColumns(fields.length, 'Parquet schema');
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.element.name)) throw new DomainError('INVALID_INPUT', `Invalid file: the Parquet schema names column '${f.element.name}' twice.`);
    seen.add(f.element.name);
  }
  const collectors = fields.map((f) => new ColumnCollector(f.element.name, floatDeclared(f)));
  const byName = new Map(collectors.map((c) => [c.name, c]));
  // hyparquet calls onChunk from promise callbacks whose rejections it drops: an exception thrown
  // there would be an unhandled rejection, not a failed read. Keep the first one and throw it after.
  let chunkError: unknown;
  let groupStart = 0;
  let rowCount = 0;
  try {
    for (const group of metadata.row_groups) {
      const rowStart = groupStart;
      const rowEnd = groupStart + Number(group.num_rows);
      groupStart = rowEnd;
      if (rowEnd === rowStart) continue;
      const delivered = new Map<string, number>();
      await parquetRead({
        file,
        metadata,
        rowStart,
        rowEnd,
        compressors,
        utf8: false,
        parsers: PARSERS,
        onChunk: (chunk) => {
          if (chunkError !== undefined) return;
          try {
            const c = byName.get(chunk.columnName);
            if (!c) return;
            const from = Math.max(rowStart, chunk.rowStart) - chunk.rowStart;
            const to = Math.min(rowEnd, chunk.rowEnd) - chunk.rowStart;
            const data = chunk.columnData;
            for (let i = from; i < to; i++) c.addValue(data[i]);
            delivered.set(c.name, (delivered.get(c.name) ?? 0) + Math.max(0, to - from));
          } catch (e) {
            chunkError = e;
          }
        },
      });
      if (chunkError !== undefined) throw chunkError;
      const short = collectors.find((c) => delivered.get(c.name) !== rowEnd - rowStart);
      if (short) throw new DomainError('INVALID_INPUT', `Invalid file: column '${short.name}' holds ${delivered.get(short.name) ?? 0} values for the ${rowEnd - rowStart} rows of a row group.`);
      rowCount = rowEnd;
    }
  } catch (e) {
    throw parquetError(e);
  }
  if (rowCount !== Number(metadata.num_rows)) {
    throw new DomainError('INVALID_INPUT', `Invalid file: the Parquet footer says ${metadata.num_rows} rows but its row groups hold ${rowCount}.`);
  }
  const { profile, schema } = finishProfile(collectors, rowCount);
  const { contentHash, bytes } = await hashFile(path);
  return { contentHash, bytes, rowCount, schema, profile };
}
