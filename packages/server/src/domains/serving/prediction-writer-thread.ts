import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { PredictionsRepository, type NewPrediction, type PredictionTables } from './predictions.repository.js';

/**
 * The writer thread: its own better-sqlite3 connection with the store's pragmas (WAL,
 * synchronous, its own short waits for a write lock another process holds), one IMMEDIATE transaction per batch. CommonJS source run with
 * `eval` so the same code works from the TypeScript sources and from the build.
 */
const WRITER_SOURCE = `
const { parentPort, workerData, Worker } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma(workerData.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
// The writer waits for another process's write lock itself (cluster workers share the file):
// SQLite's own busy handler sleeps 1, 2, 5, 10, 15… ms between tries, so each collision stalled a
// whole batch of answers for milliseconds. Here: from 50 µs, doubling up to 2 ms, for 5 s at most.
db.pragma('busy_timeout = 0');
const BUSY_LIMIT_MS = 5000;
const pause = new Int32Array(new SharedArrayBuffer(4));
function retryingBusy(fn) {
  const deadline = Date.now() + BUSY_LIMIT_MS;
  for (let waitMs = 0.05; ; waitMs = Math.min(waitMs * 2, 2)) {
    try {
      return fn();
    } catch (e) {
      if (!(e && typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY')) || Date.now() > deadline) throw e;
      Atomics.wait(pause, 0, 0, waitMs);
    }
  }
}
// Checkpoints run on a thread of their own (PASSIVE: concurrently with the writes), every
// CHECKPOINT_ROWS rows (about 1,800 WAL pages): run by the commit that crossed SQLite's 1000-page
// threshold, they stalled the writes queued behind it and cost 10-20 % more CPU per row (the
// inference-id index takes random inserts, so short intervals copy the same pages again and
// again). Not much longer: a commit on the store's main connection checkpoints whatever WAL it
// finds on the event loop.
const CHECKPOINT_ROWS = 1000;
db.pragma('wal_autocheckpoint = 0');
let sinceCheckpoint = 0;
let checkpointing = false;
let checkpointer = new Worker(${JSON.stringify(`
  const { parentPort, workerData } = require('node:worker_threads');
  const db = new (require(workerData.driver))(workerData.file);
  db.pragma('busy_timeout = 5000');
  parentPort.on('message', (m) => {
    if (m.close) { db.close(); parentPort.close(); return; }
    try { db.pragma('wal_checkpoint(PASSIVE)'); } finally { parentPort.postMessage('done'); }
  });`)}, { eval: true, workerData });
checkpointer.on('message', () => { checkpointing = false; });
// Without it, SQLite's own checkpoints come back.
const noCheckpointer = () => { checkpointer = null; db.pragma('wal_autocheckpoint = 1000'); };
checkpointer.on('error', noCheckpointer);
function checkpointSoon(rows) {
  sinceCheckpoint += rows;
  if (!checkpointer || checkpointing || sinceCheckpoint < CHECKPOINT_ROWS) return;
  sinceCheckpoint = 0;
  checkpointing = true;
  checkpointer.postMessage('checkpoint');
}
const insert = db.prepare('INSERT INTO predictions (inference_id, deployment, variant, model_name, model_version, ts, latency_us, inputs, outputs, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const all = db.transaction((rows) => { for (const r of rows) insert.run(r); });
// The batch arrives as one string of length-prefixed fields (see encodeRows).
function decodeRows(s) {
  const rows = [];
  let i = 0;
  while (i < s.length) {
    const row = new Array(10);
    for (let f = 0; f < 10; f++) {
      const colon = s.indexOf(':', i);
      const n = Number(s.slice(i, colon));
      if (n < 0) { row[f] = null; i = colon + 1; continue; }
      row[f] = s.slice(colon + 1, colon + 1 + n);
      i = colon + 1 + n;
    }
    for (const f of [5, 6, 9]) if (row[f] !== null) row[f] = Number(row[f]);
    rows.push(row);
  }
  return rows;
}
parentPort.on('message', (m) => {
  if (m.close) {
    if (checkpointer) { checkpointer.off('error', noCheckpointer); checkpointer.postMessage({ close: true }); }
    db.close(); parentPort.close(); return;
  }
  try {
    const rows = decodeRows(m.rows);
    retryingBusy(() => all.immediate(rows));
    parentPort.postMessage({ id: m.id });
    checkpointSoon(rows.length);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});`;

// A missing value stays NULL (length -1), so the database's NOT NULL checks still apply.
const field = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined) return '-1:';
  const s = typeof v === 'string' ? v : String(v);
  return `${s.length}:${s}`;
};

/**
 * A batch as one string of length-prefixed fields: posting a single flat string costs a copy,
 * where an array of row arrays is structured-cloned value by value (10 % of the gateway's main
 * thread at load, in the message alone).
 */
export function encodeRows(rows: readonly NewPrediction[]): string {
  let s = '';
  for (const r of rows) {
    s += field(r.inference_id) + field(r.deployment) + field(r.variant) + field(r.model_name) + field(r.model_version) +
      field(r.ts) + field(r.latency_us) + field(r.inputs) + field(r.outputs) + field(r.status);
  }
  return s;
}

/**
 * {@link PredictionsRepository} whose SQLite batch inserts run on a worker thread. better-sqlite3 is
 * synchronous, so on the main connection each group commit's fsync (synchronous=FULL: 1–5 ms on
 * a VM disk) stops every request in the process; on the writer thread the event loop keeps
 * serving while the commit waits for the disk, and durability is unchanged (the append still
 * resolves after the commit). Reads stay on the main connection. If the thread fails, inserts fall
 * back to the main connection.
 */
export class ThreadedSqlitePredictionsRepository extends PredictionsRepository {
  private worker: Worker | null;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor(db: Kysely<PredictionTables>, file: string, opts: { synchronous?: 'full' | 'normal' } = {}) {
    super(db, 'sqlite');
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { file, driver, synchronous: opts.synchronous ?? 'full' } });
    const fail = (err: Error) => {
      this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('message', (m: { id: number; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`prediction log write failed: ${m.error}`));
      else p?.resolve();
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`prediction writer thread exited (${code})`)));
    worker.unref();
    this.worker = worker;
  }

  override insertBatch(rows: readonly NewPrediction[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const worker = this.worker;
    if (!worker) return super.insertBatch(rows);
    return new Promise<void>((resolve, reject) => {
      const id = this.next++;
      this.pending.set(id, { resolve, reject });
      // Held while a write is in flight: the process does not exit under an unanswered append.
      worker.ref();
      worker.postMessage({ id, rows: encodeRows(rows) });
    });
  }

  /** Stops the thread once the writes in flight are done (call after the log's own close). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    while (this.pending.size) await new Promise((r) => setTimeout(r, 5));
    this.worker = null;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.ref(); // keeps the event loop alive until the thread has closed its connection
    worker.postMessage({ close: true });
    await exited;
  }
}
