import type { JoinedRow, LoggedTensor } from './actuals.service.js';
import type { MonitorConfig, OutputRef } from './monitors.validation.js';
import type { Cell, ReportTable } from './report/index.js';

/** Column names the monitor adds beside the input columns. */
export const ROLE_COLUMNS = { prediction: '__prediction__', score: '__score__', actual: '__actual__' } as const;

/**
 * Turns logged requests into rows of columns. A request of n rows (the leading dimension of its
 * tensors) gives n rows:
 * - an input tensor of shape [n] gives one column named after the tensor;
 * - an input tensor of shape [n, k] gives k columns, named by the monitor's `inputs[tensor]`
 *   (k names) or `tensor[0]` … `tensor[k-1]`; MLflow `/invocations` requests to a single-input
 *   model are logged as that one [n, k] tensor in the model's column order, so `inputs` carries
 *   the dataframe's column names; several-input models log one [n] tensor per column, already named;
 * - other ranks are skipped (images, sequences are not tabular features);
 * - the prediction / score come from the named output tensor's column (`index`, 0 by default);
 * - the actual: a scalar applies to a one-row request, an array of n values to the n rows in
 *   order; anything else leaves the rows without actual.
 * int64 values (logged as strings) become numbers; strings and booleans stay as they are.
 */
export class ColumnBuilder {
  readonly columns = new Map<string, Cell[]>();
  rowCount = 0;

  constructor(private readonly config: MonitorConfig) {}

  addTable(rows: readonly JoinedRow[]): void {
    for (const r of rows) this.add(r);
  }

  add(row: JoinedRow): void {
    const inputs = row.inputs;
    if (!inputs) return; // payload truncated by the log's size cap: nothing to compare
    const n = batchSize(inputs);
    if (n === 0) return;
    const base = this.rowCount;
    for (const [name, t] of Object.entries(inputs)) {
      if (t.shape.length === 1) this.put(name, base, n, (i) => cell(t, i));
      else if (t.shape.length === 2) {
        const k = t.shape[1]!;
        const names = this.config.inputs[name];
        for (let c = 0; c < k; c++) this.put(names?.[c] ?? `${name}[${c}]`, base, n, (i) => cell(t, i * k + c));
      }
    }
    const out = row.outputs;
    const pred = this.config.prediction ?? (this.config.score || !out ? undefined : { output: Object.keys(out)[0] ?? '', index: 0 });
    if (out && pred) this.put(ROLE_COLUMNS.prediction, base, n, (i) => outputCell(out, pred, i));
    if (out && this.config.score) {
      const s = this.config.score;
      this.put(ROLE_COLUMNS.score, base, n, (i) => outputCell(out, s, i));
    }
    const a = row.actual?.value;
    if (a !== undefined) this.put(ROLE_COLUMNS.actual, base, n, (i) => (Array.isArray(a) ? (a.length === n ? (a[i] as Cell) : null) : n === 1 ? (a as Cell) : null));
    this.rowCount += n;
  }

  /** Writes n values at rows base…base+n-1, padding a column that appears late with nulls. */
  private put(name: string, base: number, n: number, value: (i: number) => Cell): void {
    let col = this.columns.get(name);
    if (!col) {
      col = new Array<Cell>(base).fill(null);
      this.columns.set(name, col);
    }
    while (col.length < base) col.push(null);
    for (let i = 0; i < n; i++) col.push(value(i));
  }

  table(): ReportTable {
    const columns: Record<string, Cell[]> = {};
    for (const [name, col] of this.columns) {
      while (col.length < this.rowCount) col.push(null);
      columns[name] = col;
    }
    return { rowCount: this.rowCount, columns };
  }
}

function batchSize(inputs: Record<string, LoggedTensor>): number {
  for (const t of Object.values(inputs)) if (t.shape.length >= 1) return t.shape[0]!;
  return 0;
}

function cell(t: LoggedTensor, i: number): Cell {
  const v = t.data[i];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && t.type.toLowerCase().startsWith('int')) return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

function outputCell(out: Record<string, LoggedTensor>, ref: OutputRef, i: number): Cell {
  const t = out[ref.output];
  if (!t) return null;
  const k = t.shape.length >= 2 ? t.shape[1]! : 1;
  if (ref.index >= k) return null;
  return cell(t, i * k + ref.index);
}
