import { parentPort } from 'node:worker_threads';
import { columnDrift, type ColumnDriftConfig } from '../stats/index.js';

/** One numerical column's drift, computed off the main thread; the values arrive in shared memory (no copy). */
export interface DriftJob {
  id: number;
  column: string;
  /** Raw values, or the reference already sorted (a `SortedSample`) when the caller prepared it. */
  reference: Float64Array | { sorted: Float64Array; dropped: number };
  current: Float64Array;
  config: ColumnDriftConfig;
}

parentPort?.on('message', (job: DriftJob) => {
  try {
    parentPort!.postMessage({ id: job.id, result: columnDrift(job.column, job.reference, job.current, { ...job.config, kind: 'numerical' }) });
  } catch (e) {
    const err = e as Error & { code?: string; details?: unknown };
    parentPort!.postMessage({ id: job.id, error: { message: err.message, code: err.code, details: err.details } });
  }
});
