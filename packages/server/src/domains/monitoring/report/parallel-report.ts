import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DomainError, type ErrorCode } from '@flywheel/contract';
import { isSortedSample } from '../stats/sample.js';
import type { ColumnDriftResult, ColumnValues } from '../stats/index.js';
import { buildReport, inferKind, type MonitorReport, type ReportOptions } from './build-report.js';
import type { DriftJob } from './drift-worker.js';
import { numericView, type ReportTable } from './table.js';

type Reply = { id: number; result?: ColumnDriftResult; error?: { message: string; code?: string; details?: unknown } };

/**
 * A few worker threads that compute numerical columns' drift (the sort-bound part of a report) in
 * parallel. Keep one per process: starting a worker costs tens of ms.
 */
export class DriftPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: ColumnDriftResult) => void; reject: (e: Error) => void }>();
  private next = 0;
  private seq = 0;

  constructor(readonly size = Math.max(1, availableParallelism())) {
    // Source (.ts under tsx) or build (.js): the worker file sits next to this one.
    const ext = extname(fileURLToPath(import.meta.url));
    const url = new URL(`./drift-worker${ext}`, import.meta.url);
    for (let i = 0; i < size; i++) {
      // From source (tests, benches under tsx) the worker registers tsx's loader itself: a worker
      // thread does not inherit the parent's --import hooks.
      const w = ext === '.ts' ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true }) : new Worker(url);
      w.on('message', (m: Reply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.idle();
        if (m.result) p.resolve(m.result);
        else p.reject(m.error?.code ? new DomainError(m.error.code as ErrorCode, m.error.message, m.error.details as Record<string, unknown>) : new Error(m.error?.message ?? 'drift worker failed'));
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.idle();
      });
      w.unref();
      this.workers.push(w);
    }
  }

  drift(job: Omit<DriftJob, 'id'>): Promise<ColumnDriftResult> {
    const id = this.seq++;
    return new Promise((resolve, reject) => {
      // Idle workers do not keep the process alive; busy ones must, or a pending report is dropped.
      if (this.pending.size === 0) for (const w of this.workers) w.ref();
      this.pending.set(id, { resolve, reject });
      this.workers[this.next++ % this.workers.length]!.postMessage({ ...job, id });
    });
  }

  private idle(): void {
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A copy in shared memory, so posting it to a worker moves no bytes. */
function shared(values: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

/**
 * `buildReport` with the numerical columns' drift computed on the pool's threads; the figures are
 * identical (same functions, same inputs).
 */
export async function buildReportParallel(pool: DriftPool, reference: ReportTable, current: ReportTable, options: ReportOptions = {}, prepared: Record<string, ColumnValues> = {}): Promise<MonitorReport> {
  const roles = new Set([options.target, options.prediction, options.score, options.sensitive, options.id].filter((x): x is string => !!x));
  const features = options.features ?? Object.keys(reference.columns).filter((c) => !roles.has(c));
  const names = [...features, ...[options.prediction, options.score].filter((x): x is string => !!x)];
  const jobs: Promise<[string, ColumnDriftResult | undefined]>[] = [];
  for (const name of new Set(names)) {
    const ref = reference.columns[name];
    const cur = current.columns[name];
    if (!ref || !cur) continue;
    const prep = prepared[name];
    const kind = options.kinds?.[name] ?? inferKind(ref, cur, prep);
    if (kind !== 'numerical') continue;
    const refSide = isSortedSample(prep) ? { sorted: shared(prep.sorted), dropped: prep.dropped } : shared(numericView(ref).numbers);
    const job = { column: name, reference: refSide, current: shared(numericView(cur).numbers), config: options.drift?.[name] ?? {} };
    // A column the statistics refuse (no values on one side, a method that does not fit) is left to
    // the builder, which turns it into a warning or the caller's error; a broken worker is an error.
    jobs.push(
      pool.drift(job).then(
        (r): [string, ColumnDriftResult] => [name, r],
        (e: unknown): [string, undefined] => {
          if (e instanceof DomainError) return [name, undefined];
          throw e;
        },
      ),
    );
  }
  const drifts: Record<string, ColumnDriftResult> = {};
  for (const [name, r] of await Promise.all(jobs)) if (r) drifts[name] = r;
  return buildReport(reference, current, options, prepared, drifts);
}
