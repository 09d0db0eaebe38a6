import { readFile } from 'node:fs/promises';
import { DomainError } from '@flywheel/contract';
import { csvRecords } from '../csv-records.js';

/** A cell as the report sees it: a number, a label, a boolean, or missing. */
export type Cell = number | string | boolean | null;

/**
 * A columnar table: every column has `rowCount` entries. A column of numbers may be a
 * Float64Array (NaN = missing), which the drift statistics read without copying.
 */
export interface ReportTable {
  rowCount: number;
  columns: Record<string, Float64Array | Cell[]>;
}

/** Text cells read as missing in CSV (pandas' default NA strings, the common ones). */
export const MISSING_TEXT: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NULL', 'null', 'None']);

/** A CSV cell: missing text → null, a decimal number → number, `true`/`false` → boolean, else the text. */
export function parseCell(text: string): Cell {
  if (MISSING_TEXT.has(text)) return null;
  const c = text.charCodeAt(0);
  // cheap pre-check so labels do not go through Number()
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    const n = Number(text);
    if (!Number.isNaN(n) && text.trim() === text) return n;
  }
  if (text === 'true' || text === 'True') return true;
  if (text === 'false' || text === 'False') return false;
  return text;
}

/** Makes a table from rows of objects (Parquet, JSON); the columns are the union of keys, in order of appearance. */
export function tableFromObjects(rows: readonly Record<string, unknown>[]): ReportTable {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) {
      seen.add(k);
      names.push(k);
    }
  const columns: Record<string, Cell[]> = {};
  for (const name of names) columns[name] = rows.map((r) => toCell(r[name]));
  return { rowCount: rows.length, columns };
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.getTime();
  return JSON.stringify(v);
}

/** Parses CSV text with a header row into a table; a record with another field count is an error naming its line. */
export function tableFromCsv(text: string, source = 'CSV'): ReportTable {
  const records = csvRecords(text);
  if (records.length === 0) throw new DomainError('INVALID_INPUT', `${source} is empty: a header row is needed.`, { field: source });
  const header = records[0]!.fields;
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new DomainError('INVALID_INPUT', `${source}: the header names column '${dup}' twice.`, { field: source });
  const cols: Cell[][] = header.map(() => new Array<Cell>(records.length - 1));
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r]!;
    if (fields.length !== header.length) {
      throw new DomainError('INVALID_INPUT', `${source} line ${line}: ${fields.length} fields, the header has ${header.length}.`, { field: source });
    }
    for (let c = 0; c < fields.length; c++) cols[c]![r - 1] = parseCell(fields[c]!);
  }
  const columns: Record<string, Cell[]> = {};
  header.forEach((h, i) => (columns[h] = cols[i]!));
  return { rowCount: records.length - 1, columns };
}

/** Reads a CSV or Parquet file (by magic bytes) into a table. */
export async function readTableFile(path: string): Promise<ReportTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DomainError('INVALID_INPUT', `Cannot read '${path}': ${(e as Error).message}`, { field: path });
  }
  if (bytes.length >= 8 && bytes.subarray(0, 4).toString('latin1') === 'PAR1') {
    const { parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file: ab, compressors })) as Record<string, unknown>[];
    return tableFromObjects(rows);
  }
  return tableFromCsv(bytes.toString('utf8'), path);
}

/**
 * The column as numbers (NaN where missing) and how many present cells were not numbers. With
 * `shared`, a converted column is built in shared memory (for a worker thread, without a copy).
 */
export function numericView(values: Float64Array | Cell[], shared = false): { numbers: Float64Array; typeViolations: number } {
  if (values instanceof Float64Array) return { numbers: values, typeViolations: 0 };
  const out = shared ? new Float64Array(new SharedArrayBuffer(8 * values.length)) : new Float64Array(values.length);
  let typeViolations = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') out[i] = v;
    else {
      out[i] = Number.NaN;
      if (v !== null && v !== undefined) typeViolations++;
    }
  }
  return { numbers: out, typeViolations };
}

/** Missing cells: null, NaN, '' (as the stats library drops them). */
export function missingCount(values: Float64Array | Cell[]): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) n++;
  }
  return n;
}

/**
 * Adds the actuals' target to the current table by id: rows whose id has no actual get a missing
 * target. The actuals table has the id column and the target column (`targetColumn`, or `value`
 * / `actual`, or its only other column).
 */
export function joinActuals(current: ReportTable, actuals: ReportTable, idColumn: string, targetColumn?: string): { table: ReportTable; target: string; matched: number; unmatchedActuals: number } {
  const curIds = current.columns[idColumn];
  if (!curIds) throw new DomainError('INVALID_INPUT', `The id column '${idColumn}' is not in the current data.`, { field: 'idColumn' });
  const actIds = actuals.columns[idColumn];
  if (!actIds) throw new DomainError('INVALID_INPUT', `The id column '${idColumn}' is not in the actuals.`, { field: 'idColumn' });
  const others = Object.keys(actuals.columns).filter((c) => c !== idColumn);
  const source = targetColumn && targetColumn in actuals.columns ? targetColumn : others.find((c) => c === 'value' || c === 'actual') ?? (others.length === 1 ? others[0] : undefined);
  if (!source) throw new DomainError('INVALID_INPUT', `Cannot tell which actuals column is the target: name it with --target (columns: ${others.join(', ')}).`, { field: 'target' });
  const byId = new Map<string, Cell>();
  const values = actuals.columns[source]!;
  for (let i = 0; i < actuals.rowCount; i++) byId.set(String(actIds[i]), values[i] as Cell);
  const target = targetColumn ?? source;
  const col = new Array<Cell>(current.rowCount);
  let matched = 0;
  const seen = new Set<string>();
  for (let i = 0; i < current.rowCount; i++) {
    const id = String(curIds[i]);
    const v = byId.get(id);
    col[i] = v === undefined ? null : v;
    if (v !== undefined) {
      matched++;
      seen.add(id);
    }
  }
  return { table: { rowCount: current.rowCount, columns: { ...current.columns, [target]: col } }, target, matched, unmatchedActuals: byId.size - seen.size };
}
