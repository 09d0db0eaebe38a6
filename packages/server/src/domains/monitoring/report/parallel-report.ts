import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isSortedSample } from '../stats/sample.js';
import type { ColumnValues, SortedSample } from '../stats/index.js';
import { buildReport, inferKind, type MonitorReport, type ReportOptions } from './build-report.js';
import type { NumericColumnJob } from './drift-worker.js';
import { numericColumn, type NumericColumnResult } from './numeric-column.js';
import { numericView, type ReportTable } from './table.js';

type Reply = { id: number; result?: NumericColumnResult; error?: string };

/** Options of a {@link DriftPool}. */
export interface DriftPoolOptions {
  /** Worker threads beside the calling thread (which computes its share too). Default: cores − 1, at most 4. */
  threads?: number;
  /** Workers are stopped after this long without work (ms; 30 s); the next large report starts them again. */
  idleMs?: number;
  /** Reports with fewer current cells in numerical columns than this run inline (250,000): a round trip costs more. */
  minCells?: number;
}

/** The default number of drift worker threads: one per core beyond the calling thread's, at most 4. */
export function defaultDriftThreads(): number {
  return Math.min(4, Math.max(0, availableParallelism() - 1));
}

/**
 * Worker threads that compute numerical columns (the sort-bound part of a report) beside the calling
 * thread. Lazy: no thread exists until the first report large enough to gain from them, and they are
 * stopped after `idleMs` without work, so an idle server holds none. Keep one per process.
 */
export class DriftPool {
  readonly size: number;
  readonly minCells: number;
  private readonly idleMs: number;
  private workers: Worker[] = [];
  private readonly pending = new Map<number, { worker: Worker; resolve: (r: NumericColumnResult) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Times workers were started (for tests and logs). */
  starts = 0;

  constructor(options: DriftPoolOptions | number = {}) {
    const o = typeof options === 'number' ? { threads: options } : options;
    this.size = Math.max(0, Math.floor(o.threads ?? defaultDriftThreads()));
    this.idleMs = o.idleMs ?? 30_000;
    this.minCells = o.minCells ?? 250_000;
  }

  /** Threads running now (0 before the first large report and after an idle period). */
  get running(): number {
    return this.workers.length;
  }

  /** Computes one numerical column on worker `index` (mod size); the arrays should be in shared memory. */
  column(job: Omit<NumericColumnJob, 'id'>, index = 0): Promise<NumericColumnResult> {
    if (this.size === 0) return Promise.resolve(numericColumn(job.column, job.reference, job.current, job.config));
    if (this.workers.length === 0) this.start();
    clearTimeout(this.idleTimer);
    const worker = this.workers[index % this.workers.length]!;
    const id = this.seq++;
    return new Promise((resolve, reject) => {
      // Idle workers do not keep the process alive; busy ones must, or a pending report is dropped.
      if (this.pending.size === 0) for (const w of this.workers) w.ref();
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ ...job, id });
    });
  }

  private start(): void {
    this.starts++;
    // Source (.ts under tsx) or build (.js): the worker file sits next to this one.
    const ext = extname(fileURLToPath(import.meta.url));
    const url = new URL(`./drift-worker${ext}`, import.meta.url);
    for (let i = 0; i < this.size; i++) {
      // From source (tests, benches under tsx) the worker registers tsx's loader itself: a worker
      // thread does not inherit the parent's --import hooks.
      const w = ext === '.ts' ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true }) : new Worker(url);
      w.on('message', (m: Reply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.settled();
        if (m.result) p.resolve(m.result);
        else p.reject(new Error(`drift worker failed: ${m.error ?? 'no result'}`));
      });
      const fail = (err: Error) => {
        // A broken worker is an error for what it held, not a silent fallback; the others are
        // stopped too and the next report starts fresh ones.
        const workers = this.workers;
        this.workers = [];
        for (const [id, p] of this.pending) {
          if (workers.includes(p.worker)) {
            this.pending.delete(id);
            p.reject(err);
          }
        }
        for (const x of workers) void x.terminate();
        this.settled();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (this.workers.includes(w)) fail(new Error(`drift worker exited with code ${code}`));
      });
      w.unref();
      this.workers.push(w);
    }
  }

  private settled(): void {
    if (this.pending.size > 0) return;
    for (const w of this.workers) w.unref();
    clearTimeout(this.idleTimer);
    if (this.workers.length > 0) {
      this.idleTimer = setTimeout(() => void this.stopWorkers(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private async stopWorkers(): Promise<void> {
    if (this.pending.size > 0) return;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** Stops the workers (a later report would start them again). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.stopWorkers();
  }
}

const sharedCopies = new WeakMap<Float64Array, Float64Array>();

/** The values in shared memory, so posting them to a worker moves no bytes. A reference's copy is kept with it. */
function shared(values: Float64Array, keep = false): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const known = keep ? sharedCopies.get(values) : undefined;
  if (known) return known;
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  if (keep) sharedCopies.set(values, out);
  return out;
}

/**
 * `buildReport` with the numerical columns spread over the pool's threads and the calling thread
 * (which also does the categorical columns and the rest); the figures are identical — the same
 * function computes a column wherever it runs (tested). Small reports run inline.
 */
export async function buildReportParallel(pool: DriftPool, reference: ReportTable, current: ReportTable, options: ReportOptions = {}, prepared: Record<string, ColumnValues> = {}): Promise<MonitorReport> {
  const roles = new Set([options.target, options.prediction, options.score, options.sensitive, options.id].filter((x): x is string => !!x));
  const features = options.features ?? Object.keys(reference.columns).filter((c) => !roles.has(c));
  const names = [...new Set([...features, ...[options.prediction, options.score].filter((x): x is string => !!x)])];
  const numeric: string[] = [];
  let categorical = 0;
  for (const name of names) {
    const ref = reference.columns[name];
    const cur = current.columns[name];
    if (!ref || !cur) continue;
    const prep = prepared[name];
    const kind = options.kinds?.[name] ?? inferKind(ref, cur, prep);
    if (kind === 'numerical' && (!prep || isSortedSample(prep))) numeric.push(name);
    else categorical++;
  }
  if (pool.size === 0 || numeric.length < 2 || numeric.length * current.rowCount < pool.minCells) return buildReport(reference, current, options, prepared);

  // Greedy split by cost (a categorical column costs about half a numerical one): the calling
  // thread starts with the categorical columns, each numerical one goes to the least loaded thread.
  const load = [categorical / 2, ...new Array<number>(pool.size).fill(0)];
  const jobs: Promise<[string, NumericColumnResult]>[] = [];
  const inline: string[] = [];
  for (const name of numeric) {
    let t = 0;
    for (let i = 1; i < load.length; i++) if (load[i]! < load[t]!) t = i;
    load[t]!++;
    if (t === 0) {
      inline.push(name);
      continue;
    }
    const prep = prepared[name];
    const refSide: SortedSample | Float64Array = isSortedSample(prep) ? { sorted: shared(prep.sorted, true), dropped: prep.dropped } : shared(numericView(reference.columns[name]!, true).numbers);
    // A column of cells (a monitor's) is converted straight into shared memory; a Float64Array is copied.
    const job = { column: name, reference: refSide, current: shared(numericView(current.columns[name]!, true).numbers), config: { ...options.drift?.[name], kind: 'numerical' as const } };
    jobs.push(pool.column(job, t - 1).then((r): [string, NumericColumnResult] => [name, r]));
  }
  const done: Record<string, NumericColumnResult> = {};
  // The calling thread's share while the workers run; buildReport below does its categorical columns.
  for (const name of inline) {
    const prep = prepared[name];
    done[name] = numericColumn(name, isSortedSample(prep) ? prep : numericView(reference.columns[name]!).numbers, numericView(current.columns[name]!).numbers, { ...options.drift?.[name], kind: 'numerical' });
  }
  for (const [name, r] of await Promise.all(jobs)) done[name] = r;
  return buildReport(reference, current, options, prepared, done);
}
