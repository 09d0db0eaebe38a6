/**
 * MLflow scoring-server `/invocations` bodies → a columnar table → a model's input tensors, and
 * predictions back as MLflow returns them (`{"predictions": …}`). Pure: no I/O.
 *
 * Accepted (as MLflow 2.x): `application/json` with exactly one of `dataframe_split`
 * (`{columns, data, index?}`), `dataframe_records` (`[{col: v}]`), `instances` (rows, or dicts)
 * or `inputs` (a dict of per-input arrays, or rows) — plus an optional `params` object — and
 * `text/csv` with a header row.
 */
import { parse } from 'csv-parse/sync';
import { DomainError, type TensorSpec } from '@flywheel/contract';
import { isTensorType, type Tensor, type TensorType } from './model-runtime.js';

export type Cell = number | string | boolean | null | Cell[];

/** A decoded body: `values[c][r]` is column `c` of row `r`. */
export interface InvocationTable {
  columns: string[];
  rows: number;
  values: Cell[][];
  /** False when the client did not name the columns (rows given as plain lists): positional `0`, `1`, …. */
  named: boolean;
  /** True for CSV: every cell is text, parsed to the input's element type when tensors are built. */
  text: boolean;
  /** The request's `params`, when given. */
  params?: Record<string, unknown>;
}

export const MLFLOW_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : (JSON.stringify(v) ?? String(v)));

function checkCell(v: unknown, where: () => string): Cell {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => checkCell(x, where));
  throw invalid(`${where()}: ${show(v)} is not a number, string, boolean, null or list.`);
}

/** Rows of equal length → columns. */
function fromRows(format: string, rows: unknown[], columns: string[] | null): InvocationTable {
  const width = columns?.length ?? (Array.isArray(rows[0]) ? rows[0].length : 0);
  const values: Cell[][] = Array.from({ length: width }, () => []);
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) throw invalid(`${format}: row ${r} is ${show(row)}, not a list of values.`);
    if (row.length !== width) throw invalid(`${format}: row ${r} has ${row.length} values, expected ${width}${columns ? ' (one per column)' : ' (as row 0)'}.`);
    row.forEach((v, c) => values[c]!.push(checkCell(v, () => `${format}: row ${r}, column ${columns ? `'${columns[c]}'` : c}`)));
  });
  return { columns: columns ?? values.map((_, c) => String(c)), rows: rows.length, values, named: columns !== null, text: false };
}

/** A list of dicts → named columns (first-seen order); a record lacking a column is an error. */
function fromRecords(format: string, records: unknown[]): InvocationTable {
  const columns: string[] = [];
  const seen = new Set<string>();
  records.forEach((rec, r) => {
    if (!isObject(rec)) throw invalid(`${format}: record ${r} is ${show(rec)}, not an object of column → value.`);
    for (const k of Object.keys(rec)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  });
  const values: Cell[][] = columns.map((col) =>
    records.map((rec, r) => {
      const o = rec as Record<string, unknown>;
      if (!Object.hasOwn(o, col)) throw invalid(`${format}: record ${r} has no value for column '${col}'.`);
      return checkCell(o[col], () => `${format}: record ${r}, column '${col}'`);
    }),
  );
  return { columns, rows: records.length, values, named: true, text: false };
}

/** A list of plain rows, of dicts, or of scalars (one unnamed column). */
function fromList(format: string, list: unknown[]): InvocationTable {
  if (list.length > 0 && list.every(isObject)) return fromRecords(format, list);
  if (list.length > 0 && list.every(Array.isArray)) return fromRows(format, list, null);
  if (list.every((v) => !isObject(v) && !Array.isArray(v))) {
    return { columns: ['0'], rows: list.length, values: [list.map((v, r) => checkCell(v, () => `${format}: row ${r}`))], named: false, text: false };
  }
  throw invalid(`${format}: rows must be all lists, all objects or all scalars, not a mix.`);
}

function decodeJson(body: unknown): InvocationTable {
  if (!isObject(body)) throw invalid(`The body must be a JSON object with one of ${MLFLOW_FORMATS.map((f) => `'${f}'`).join(', ')}.`);
  const keys = Object.keys(body).filter((k) => k !== 'params');
  const unknown = keys.filter((k) => !(MLFLOW_FORMATS as readonly string[]).includes(k));
  if (unknown.length) throw invalid(`Unknown format key '${unknown[0]}': use one of ${MLFLOW_FORMATS.map((f) => `'${f}'`).join(', ')}.`);
  if (keys.length === 0) throw invalid(`The body has no input: give one of ${MLFLOW_FORMATS.map((f) => `'${f}'`).join(', ')}.`);
  if (keys.length > 1) throw invalid(`The body gives ${keys.map((k) => `'${k}'`).join(' and ')}: give exactly one input format.`);
  if (body.params !== undefined && !isObject(body.params)) throw invalid("'params' must be an object.");
  const format = keys[0]!;
  const v = body[format];
  let table: InvocationTable;
  switch (format) {
    case 'dataframe_split': {
      if (!isObject(v)) throw invalid("dataframe_split must be an object {columns, data, index?}.");
      if (!Array.isArray(v.data)) throw invalid("dataframe_split: 'data' must be a list of rows.");
      let columns: string[] | null = null;
      if (v.columns !== undefined) {
        if (!Array.isArray(v.columns)) throw invalid("dataframe_split: 'columns' must be a list of names.");
        columns = v.columns.map(String);
        const dup = columns.find((c, i) => columns!.indexOf(c) !== i);
        if (dup !== undefined) throw invalid(`dataframe_split: column '${dup}' appears more than once.`);
      }
      if (v.index !== undefined && (!Array.isArray(v.index) || v.index.length !== v.data.length)) {
        throw invalid(`dataframe_split: 'index' must be a list with one entry per row (${v.data.length}).`);
      }
      table = fromRows('dataframe_split', v.data, columns);
      break;
    }
    case 'dataframe_records':
      if (!Array.isArray(v)) throw invalid('dataframe_records must be a list of objects of column → value.');
      table = fromRecords('dataframe_records', v);
      break;
    case 'instances':
      if (!Array.isArray(v)) throw invalid('instances must be a list of rows or of objects.');
      table = fromList('instances', v);
      break;
    default: {
      // inputs: a dict of per-input arrays (first dimension = rows), or a list like instances.
      if (Array.isArray(v)) {
        table = fromList('inputs', v);
        break;
      }
      if (!isObject(v)) throw invalid('inputs must be an object of input name → array, or a list of rows.');
      const columns = Object.keys(v);
      if (columns.length === 0) throw invalid('inputs: the object names no input.');
      let rows = -1;
      const values = columns.map((col) => {
        const arr = v[col];
        if (!Array.isArray(arr)) throw invalid(`inputs: '${col}' must be an array whose first dimension is the rows.`);
        if (rows >= 0 && arr.length !== rows) throw invalid(`inputs: '${col}' has ${arr.length} rows but '${columns[0]}' has ${rows}.`);
        rows = arr.length;
        return arr.map((x, r) => checkCell(x, () => `inputs: '${col}' row ${r}`));
      });
      table = { columns, rows, values, named: true, text: false };
    }
  }
  if (body.params !== undefined) table.params = body.params as Record<string, unknown>;
  return table;
}

function decodeCsv(text: string): InvocationTable {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, bom: true, trim: true }) as string[][];
  } catch (e) {
    throw invalid(`CSV: ${(e as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header || header.length === 0) throw invalid('CSV: the body needs a header row naming the columns.');
  const values: Cell[][] = header.map((_, c) => rows.map((row) => (row[c] === '' ? null : row[c]!)));
  return { columns: header, rows: rows.length, values, named: true, text: true };
}

/**
 * An `/invocations` body → a table. `body` is the raw text (or bytes), or already-parsed JSON;
 * `contentType` is the request's Content-Type (parameters such as charset are ignored).
 * Throws `INVALID_INPUT` naming the problem.
 */
export function decodeInvocations(body: unknown, contentType: string): InvocationTable {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : null;
  if (type === 'text/csv') {
    if (text === null) throw invalid('CSV: the body must be text.');
    return decodeCsv(text);
  }
  if (type !== 'application/json') throw invalid(`Content type '${type}' is not supported: use application/json or text/csv.`);
  if (text === null) return decodeJson(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw invalid(`The body is not valid JSON: ${(e as Error).message}`);
  }
  return decodeJson(parsed);
}

// ---------------------------------------------------------------------------------------------
// Table → tensors

type Where = () => string;

function convert(v: Cell, type: TensorType, text: boolean, where: Where): number | bigint | string {
  const bad = (what: string) => invalid(`${where()}: ${show(v)} is not ${what}.`);
  if (Array.isArray(v)) throw bad('a single value');
  switch (type) {
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'bool':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v === 0 || v === 1) return v;
      if (text && typeof v === 'string' && /^(true|false|0|1)$/i.test(v)) return /^(true|1)$/i.test(v) ? 1 : 0;
      throw bad('a boolean');
    case 'float32':
    case 'float64': {
      if (v === null) return NaN; // a missing value, as pandas reads it
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (text && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      if (text && /^nan$/i.test(v)) return NaN;
      throw bad('a number');
    }
    case 'int32':
    case 'int64': {
      const n = typeof v === 'number' ? v : text && typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || (type === 'int32' && (n < -2147483648 || n > 2147483647))) throw bad(type === 'int32' ? 'a 32-bit integer' : 'an integer');
      return type === 'int64' ? BigInt(n) : n;
    }
  }
}

/** The shape of a nested cell; ragged nesting is an error. */
function cellShape(v: Cell, where: Where): number[] {
  if (!Array.isArray(v)) return [];
  const inner = v.length ? cellShape(v[0]!, where) : [];
  for (const x of v) {
    if (cellShape(x, where).join() !== inner.join()) throw invalid(`${where()}: nested lists are ragged.`);
  }
  return [v.length, ...inner];
}

function collect(v: Cell, out: Cell[]): void {
  if (Array.isArray(v)) for (const x of v) collect(x, out);
  else out.push(v);
}

function build(type: TensorType, shape: number[], cells: { value: Cell; where: Where }[], text: boolean): Tensor {
  const flat: { value: Cell; where: Where }[] = [];
  for (const c of cells) {
    const vals: Cell[] = [];
    collect(c.value, vals);
    for (const value of vals) flat.push({ value, where: c.where });
  }
  const conv = flat.map((c) => convert(c.value, type, text, c.where));
  switch (type) {
    case 'float32':
      return { type, shape, data: Float32Array.from(conv as number[]) };
    case 'float64':
      return { type, shape, data: Float64Array.from(conv as number[]) };
    case 'int32':
      return { type, shape, data: Int32Array.from(conv as number[]) };
    case 'int64':
      return { type, shape, data: BigInt64Array.from(conv as bigint[]) };
    case 'bool':
      return { type, shape, data: Uint8Array.from(conv as number[]) };
    case 'string':
      return { type, shape, data: conv as string[] };
  }
}

function specType(spec: TensorSpec): TensorType {
  if (!isTensorType(spec.elemType)) throw invalid(`input '${spec.name}' has element type ${spec.elemType}, which serving does not accept.`);
  return spec.elemType;
}

/** One column → one tensor of shape [rows, ...cell shape]. */
function columnTensor(table: InvocationTable, c: number, spec: TensorSpec): Tensor {
  const col = table.columns[c]!;
  const type = specType(spec);
  const values = table.values[c]!;
  let inner: number[] | null = null;
  const cells = values.map((value, r) => {
    const where = () => `column '${col}', row ${r}`;
    const s = cellShape(value, where);
    if (inner === null) inner = s;
    else if (s.join() !== inner.join()) throw invalid(`${where()}: has shape [${s.join(', ')}], but row 0 has [${inner.join(', ')}].`);
    return { value, where };
  });
  return build(type, [table.rows, ...(inner ?? [])], cells, table.text);
}

export interface TableToTensorsOptions {
  /**
   * The model's feature (column) names in the order its single 2-D input takes them, e.g. from an
   * MLflow column-based signature. Named columns are then reordered to match, and a missing or
   * extra column is an error. Without it, columns are fed in the order the client sent them.
   */
  featureNames?: string[];
}

/**
 * A table → the model's input tensors, typed by the signature:
 * - when the client named columns and every model input is one of them: one tensor per input
 *   (shape [rows, ...cell shape]);
 * - else, for a model with a single input: the columns side by side, [rows, columns] (for a
 *   rank-1 input and one column: [rows]), checked against the input's fixed width.
 * Throws `INVALID_INPUT` naming the column, row or width problem.
 */
export function tableToTensors(table: InvocationTable, inputs: readonly TensorSpec[], opts: TableToTensorsOptions = {}): Record<string, Tensor> {
  if (inputs.length === 0) throw invalid('The model has no inputs.');
  if (table.rows === 0) throw invalid('The body has no rows.');
  if (table.named && inputs.every((s) => table.columns.includes(s.name)) && !(opts.featureNames && inputs.length === 1 && table.columns.length > 1)) {
    const extra = table.columns.filter((c) => !inputs.some((s) => s.name === c));
    if (extra.length) throw invalid(`column '${extra[0]}' is not an input of this model (inputs: ${inputs.map((s) => `'${s.name}'`).join(', ')}).`);
    return Object.fromEntries(inputs.map((s) => [s.name, columnTensor(table, table.columns.indexOf(s.name), s)]));
  }
  if (inputs.length > 1) {
    throw invalid(
      `The model has inputs ${inputs.map((s) => `'${s.name}'`).join(', ')}: send one named column (or 'inputs' entry) per input; got ${table.named ? table.columns.map((c) => `'${c}'`).join(', ') : 'unnamed columns'}.`,
    );
  }
  const spec = inputs[0]!;
  const type = specType(spec);
  let order = table.columns.map((_, c) => c);
  if (opts.featureNames && table.named) {
    const missing = opts.featureNames.filter((f) => !table.columns.includes(f));
    if (missing.length) throw invalid(`column '${missing[0]}' is missing (model features: ${opts.featureNames.map((f) => `'${f}'`).join(', ')}).`);
    const extra = table.columns.filter((c) => !opts.featureNames!.includes(c));
    if (extra.length) throw invalid(`column '${extra[0]}' is not a feature of this model (features: ${opts.featureNames.map((f) => `'${f}'`).join(', ')}).`);
    order = opts.featureNames.map((f) => table.columns.indexOf(f));
  }
  const rank = spec.shape?.length;
  if (rank === 1) {
    if (order.length !== 1) throw invalid(`input '${spec.name}' takes one value per row, got ${order.length} columns.`);
    return { [spec.name]: columnTensor(table, order[0]!, spec) };
  }
  const width = spec.shape?.[1];
  if (typeof width === 'number' && width !== order.length) {
    throw invalid(`input '${spec.name}' takes ${width} columns per row, got ${order.length}.`);
  }
  // Row-major [rows, columns]: cell (r, c) at r * columns + c.
  const cells: { value: Cell; where: Where }[] = [];
  for (let r = 0; r < table.rows; r++) {
    for (const c of order) {
      const value = table.values[c]![r]!;
      const where = () => `column '${table.columns[c]}', row ${r}`;
      if (Array.isArray(value)) throw invalid(`${where()}: ${show(value)} is not a single value.`);
      cells.push({ value, where });
    }
  }
  return { [spec.name]: build(type, [table.rows, order.length], cells, table.text) };
}

// ---------------------------------------------------------------------------------------------
// Predictions

type Json = number | string | boolean | null | Json[];

function scalar(t: Tensor, i: number): Json {
  const v = t.data[i]!;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (t.type === 'bool') return v !== 0;
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** A tensor as nested JSON lists (a scalar for shape []). */
export function nestedList(t: Tensor): Json {
  let i = 0;
  const walk = (dim: number): Json => {
    if (dim === t.shape.length) return scalar(t, i++);
    return Array.from({ length: t.shape[dim]! }, () => walk(dim + 1));
  };
  return walk(0);
}

/**
 * Model outputs → MLflow's response: `{"predictions": [...]}` for one output (or the one named
 * in `output`), `{"predictions": {name: [...], ...}}` for several. Non-finite floats become null.
 */
export function encodeMlflowPredictions(outputs: Record<string, Tensor>, opts: { output?: string } = {}): { predictions: Json | Record<string, Json> } {
  const names = Object.keys(outputs);
  if (opts.output !== undefined) {
    const t = outputs[opts.output];
    if (!t) throw new DomainError('INTERNAL', `The model returned no output '${opts.output}'.`);
    return { predictions: nestedList(t) };
  }
  if (names.length === 1) return { predictions: nestedList(outputs[names[0]!]!) };
  return { predictions: Object.fromEntries(names.map((n) => [n, nestedList(outputs[n]!)])) };
}
