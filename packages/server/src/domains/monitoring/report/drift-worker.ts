import { parentPort } from 'node:worker_threads';
import type { ColumnDriftConfig, SortedSample } from '../stats/index.js';
import { numericColumn } from './numeric-column.js';

/** One numerical column, computed off the main thread; the values arrive in shared memory (no copy). */
export interface NumericColumnJob {
  id: number;
  column: string;
  /** The reference's numbers, or already sorted (a `SortedSample`) when the caller prepared it. */
  reference: Float64Array | SortedSample;
  /** The window's numbers (NaN = missing). */
  current: Float64Array;
  config: ColumnDriftConfig;
}

parentPort?.on('message', (job: NumericColumnJob) => {
  try {
    parentPort!.postMessage({ id: job.id, result: numericColumn(job.column, job.reference, job.current, job.config) });
  } catch (e) {
    // Refusals of the statistics travel in the result; anything here is a bug or a broken input.
    parentPort!.postMessage({ id: job.id, error: (e as Error).stack ?? String(e) });
  }
});
