import { DomainError } from '@flywheel/contract';
import { csvRecords } from './csv-records.js';

/** An outcome: a class label, a number, a boolean, or a vector of those (a batched request's rows, multi-label). */
export type ActualScalar = string | number | boolean;
export type ActualValue = ActualScalar | ActualScalar[];

/** One actual as accepted by the API, checked. */
export interface ActualInput {
  inferenceId: string;
  value: ActualValue;
  /** ms since epoch when the outcome happened; absent → the time it is received. */
  timestamp?: number;
  deployment?: string;
}

export const ACTUALS_LIMITS = {
  /** Actuals per request (JSON items or CSV rows); the CLI splits larger files. */
  maxBatch: 10_000,
  inferenceIdMaxLength: 256,
  deploymentMaxLength: 300,
  labelMaxLength: 1000,
  vectorMaxLength: 10_000,
  /** 9999-12-31: beyond it a number is surely not ms since epoch. */
  maxTimestamp: 253_402_300_799_999,
} as const;

const L = ACTUALS_LIMITS;
const KNOWN_FIELDS = new Set(['inferenceId', 'value', 'timestamp', 'deployment']);

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

function checkScalar(v: unknown, at: string): ActualScalar {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalid(`${at} must be a finite number`);
    return v;
  }
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (v.length === 0) throw invalid(`${at} is empty`);
    if (v.length > L.labelMaxLength) throw invalid(`${at} is longer than ${L.labelMaxLength} characters`);
    return v;
  }
  throw invalid(`${at} must be a string, a number, a boolean or an array of those; got ${v === null ? 'null' : Array.isArray(v) ? 'a nested array' : typeof v}`);
}

function checkValue(v: unknown, at: string): ActualValue {
  if (!Array.isArray(v)) return checkScalar(v, at);
  if (v.length === 0) throw invalid(`${at} is an empty array`);
  if (v.length > L.vectorMaxLength) throw invalid(`${at} has ${v.length} elements; at most ${L.vectorMaxLength}`);
  return v.map((x, j) => checkScalar(x, `${at}[${j}]`));
}

/** ms since epoch from a number (ms) or an ISO-8601 date-time string (actuals and feedback events). */
export function checkTimestamp(v: unknown, at: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > L.maxTimestamp) throw invalid(`${at} must be an integer of ms since epoch (0 … ${L.maxTimestamp}); got ${v}`);
    return v;
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms) && ms >= 0 && ms <= L.maxTimestamp) return ms;
  }
  throw invalid(`${at} must be ms since epoch or an ISO-8601 date-time like 2026-11-23T15:00:00Z; got ${JSON.stringify(v)}`);
}

function checkId(v: unknown, at: string, what: string, max: number): string {
  if (typeof v !== 'string') throw invalid(`${at} must be a string${v === undefined ? ` (the ${what})` : `; got ${v === null ? 'null' : typeof v}`}`);
  if (v.length === 0) throw invalid(`${at} is empty`);
  if (v.length > max) throw invalid(`${at} is longer than ${max} characters`);
  return v;
}

/** Checks one item; `at` is its path in messages (`actuals[12]`). */
export function checkActual(item: unknown, at: string): ActualInput {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalid(`${at} must be an object {inferenceId, value, timestamp?, deployment?}`);
  const o = item as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KNOWN_FIELDS.has(k));
  if (unknown !== undefined) throw invalid(`${at}.${unknown} is not a known field (inferenceId, value, timestamp, deployment)`);
  if (o.inferenceId === undefined) throw invalid(`${at}.inferenceId is required`);
  if (o.value === undefined) throw invalid(`${at}.value is required`);
  const out: ActualInput = {
    inferenceId: checkId(o.inferenceId, `${at}.inferenceId`, 'inference id', L.inferenceIdMaxLength),
    value: checkValue(o.value, `${at}.value`),
  };
  if (o.timestamp !== undefined && o.timestamp !== null) out.timestamp = checkTimestamp(o.timestamp, `${at}.timestamp`);
  if (o.deployment !== undefined && o.deployment !== null) out.deployment = checkId(o.deployment, `${at}.deployment`, 'deployment', L.deploymentMaxLength);
  return out;
}

function checkCount(n: number, what: string): void {
  if (n === 0) throw invalid(`${what} is empty: send at least one actual`);
  if (n > L.maxBatch) throw invalid(`${what} has ${n} actuals; at most ${L.maxBatch} per request (split the upload: 'flywheel actuals upload' does)`);
}

/** Checks a JSON body `{ actuals: [...] }`; the first problem is thrown, naming its index and field. */
export function validateActualsBody(body: unknown): ActualInput[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('body must be a JSON object {actuals: [{inferenceId, value, timestamp?, deployment?}]}');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => k !== 'actuals');
  if (unknown !== undefined) throw invalid(`body.${unknown} is not a known field`);
  if (!Array.isArray(b.actuals)) throw invalid(`actuals ${b.actuals === undefined ? 'is required' : 'must be an array'}`);
  checkCount(b.actuals.length, 'actuals');
  return b.actuals.map((item, i) => checkActual(item, `actuals[${i}]`));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DIGITS = /^\d+$/;

/**
 * A CSV cell as a value: a numeric literal → number, `true`/`false` → boolean, `[…]` → a JSON
 * array, anything else → a string label
 * (trimmed, as every cell). (A label that looks like a number is a number: `1` in a
 * CSV and `1` in JSON are the same actual.)
 */
export function csvCellValue(cell: string, at: string): ActualValue {
  const s = cell.trim();
  if (s === '') throw invalid(`${at} is empty`);
  if (NUMBER.test(s)) return checkScalar(Number(s), at);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      throw invalid(`${at} starts with '[' but is not a JSON array`);
    }
    return checkValue(parsed, at);
  }
  return checkScalar(s, at);
}

const CSV_COLUMNS = ['inference_id', 'value', 'timestamp', 'deployment'];

/**
 * Reads a CSV body: a header naming `inference_id` and `value` (and optionally `timestamp`,
 * `deployment`) in any order, then one actual per row. Errors name the item as in JSON
 * (`actuals[3].value`) and the CSV line.
 */
export function parseActualsCsv(text: string): ActualInput[] {
  const records = csvRecords(text);
  const header = records.shift()?.fields.map((h) => h.trim());
  if (!header) throw invalid('CSV is empty: expected a header inference_id,value[,timestamp][,deployment]');
  const unknown = header.find((h) => !CSV_COLUMNS.includes(h));
  if (unknown !== undefined) throw invalid(`CSV header: unknown column '${unknown}' (expected inference_id,value[,timestamp][,deployment])`);
  const col = (name: string) => header.indexOf(name);
  const [idCol, valueCol, tsCol, depCol] = CSV_COLUMNS.map(col) as [number, number, number, number];
  if (idCol < 0 || valueCol < 0) throw invalid(`CSV header must name inference_id and value; got ${header.join(',')}`);
  checkCount(records.length, 'CSV');
  return records.map(({ fields: record, line: lineNo }, i) => {
    const at = `actuals[${i}]`;
    if (record.length !== header.length) throw invalid(`${at} has ${record.length} fields; the header has ${header.length} (CSV line ${lineNo})`);
    const line = ` (CSV line ${lineNo})`;
    try {
      // The checks of checkActual, field by field: a CSV row has exactly these fields, and its value
      // was checked while read (no second walk over an object per row).
      const item: ActualInput = { inferenceId: checkId(record[idCol]!.trim(), `${at}.inferenceId`, 'inference id', L.inferenceIdMaxLength), value: csvCellValue(record[valueCol]!, `${at}.value`) };
      const ts = tsCol >= 0 ? record[tsCol]!.trim() : '';
      if (ts !== '') item.timestamp = checkTimestamp(DIGITS.test(ts) ? Number(ts) : ts, `${at}.timestamp`);
      const dep = depCol >= 0 ? record[depCol]!.trim() : '';
      if (dep !== '') item.deployment = checkId(dep, `${at}.deployment`, 'deployment', L.deploymentMaxLength);
      return item;
    } catch (e) {
      if (e instanceof DomainError) throw new DomainError(e.code, e.message + line);
      throw e;
    }
  });
}
