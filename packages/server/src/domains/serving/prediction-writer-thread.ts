import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { PredictionsRepository, type NewPrediction, type PredictionTables } from './predictions.repository.js';

/** Bytes of the shared slot a batch is handed over in; a larger batch goes by postMessage. */
const SLOT_BYTES = 4 * 1024 * 1024;
// ctrl slots: batch sequence posted by the main thread, sequence done by the writer, byte length
// (of the batch, or of the error text), status of the last batch (0 ok, 1 failed).
const POSTED = 0;
const DONE = 1;
const LENGTH = 2;
const STATUS = 3;

/**
 * The writer thread: its own better-sqlite3 connection with the store's pragmas (WAL, busy_timeout;
 * synchronous as configured), one IMMEDIATE transaction per batch. Batches arrive as JSON in a
 * shared buffer (a sequence number and Atomics.notify; postMessage's fixed cost per call was a fifth
 * of a gateway request's CPU) or, when too large for it, by postMessage. CommonJS source run with
 * `eval` so the same code works from the TypeScript sources and from the build.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma(workerData.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare('INSERT INTO predictions (inference_id, deployment, variant, model_name, model_version, ts, latency_us, inputs, outputs, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const all = db.transaction((rows) => { for (const r of rows) insert.run(r); });
const ctrl = new Int32Array(workerData.ctrl);
const slot = new Uint8Array(workerData.slot);
const decoder = new TextDecoder();
const encoder = new TextEncoder();
let closed = false;
let seen = 0;
(async () => {
  while (!closed) {
    const w = Atomics.waitAsync(ctrl, ${POSTED}, seen);
    if (w.async) await w.value;
    const seq = Atomics.load(ctrl, ${POSTED});
    if (closed || seq === seen) continue;
    seen = seq;
    try {
      all.immediate(JSON.parse(decoder.decode(slot.slice(0, Atomics.load(ctrl, ${LENGTH})))));
      Atomics.store(ctrl, ${STATUS}, 0);
    } catch (e) {
      const { written } = encoder.encodeInto(String(e && e.message || e).slice(0, 2000), slot);
      Atomics.store(ctrl, ${LENGTH}, written);
      Atomics.store(ctrl, ${STATUS}, 1);
    }
    Atomics.store(ctrl, ${DONE}, seq);
    Atomics.notify(ctrl, ${DONE});
  }
})();
parentPort.on('message', (m) => {
  if (m.close) {
    closed = true;
    db.close();
    process.exit(0);
  }
  try {
    all.immediate(JSON.parse(m.json));
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});`;

/** Atomics.waitAsync (V8; Node ≥ 16): the project's TypeScript lib predates it. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

const toRow = (r: NewPrediction) => [r.inference_id, r.deployment, r.variant, r.model_name, r.model_version, r.ts, r.latency_us, r.inputs, r.outputs, r.status];

/**
 * {@link PredictionsRepository} whose SQLite batch inserts run on a worker thread. better-sqlite3 is
 * synchronous, so on the main connection each group commit's fsync (synchronous=FULL: 1–5 ms on
 * a VM disk) stops every request in the process; on the writer thread the event loop keeps
 * serving while the commit waits for the disk, and the append still resolves only after the
 * commit. Reads stay on the main connection. If the thread fails, inserts fall back to the main
 * connection. One batch at a time (the group-commit log never overlaps its writes).
 */
export class ThreadedSqlitePredictionsRepository extends PredictionsRepository {
  private worker: Worker | null;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private next = 0;
  private seq = 0;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(16));
  private readonly slot = new Uint8Array(new SharedArrayBuffer(SLOT_BYTES));
  private readonly encoder = new TextEncoder();
  private failure: Error | null = null;

  constructor(db: Kysely<PredictionTables>, file: string, opts: { synchronous?: 'full' | 'normal' } = {}) {
    super(db, 'sqlite');
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { file, driver, synchronous: opts.synchronous ?? 'full', ctrl: this.ctrl.buffer, slot: this.slot.buffer },
    });
    const fail = (err: Error) => {
      this.worker = null;
      this.failure = err;
      // Wakes a write waiting on the shared slot (DONE never reaches a real sequence number again).
      Atomics.store(this.ctrl, DONE, -1);
      Atomics.notify(this.ctrl, DONE);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('message', (m: { id: number; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`prediction log write failed: ${m.error}`));
      else p?.resolve();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`prediction writer thread exited (${code})`)));
    worker.unref();
    this.worker = worker;
  }

  override async insertBatch(rows: readonly NewPrediction[]): Promise<void> {
    if (rows.length === 0) return;
    const worker = this.worker;
    if (!worker) return super.insertBatch(rows);
    const json = JSON.stringify(rows.map(toRow));
    // Held while a write is in flight: the process does not exit under an unanswered append.
    worker.ref();
    try {
      const { read, written } = json.length <= SLOT_BYTES ? this.encoder.encodeInto(json, this.slot) : { read: 0, written: 0 };
      if (read < json.length) {
        await new Promise<void>((resolve, reject) => {
          const id = this.next++;
          this.pending.set(id, { resolve, reject });
          worker.postMessage({ id, json });
        });
        return;
      }
      const seq = ++this.seq;
      Atomics.store(this.ctrl, LENGTH, written);
      Atomics.store(this.ctrl, POSTED, seq);
      Atomics.notify(this.ctrl, POSTED);
      const w = waitAsync(this.ctrl, DONE, seq - 1);
      if (w.async) await w.value;
      if (Atomics.load(this.ctrl, DONE) !== seq) throw this.failure ?? new Error('prediction writer thread stopped');
      if (Atomics.load(this.ctrl, STATUS) !== 0) {
        const message = new TextDecoder().decode(this.slot.slice(0, Atomics.load(this.ctrl, LENGTH)));
        throw new Error(`prediction log write failed: ${message}`);
      }
    } finally {
      worker.unref();
    }
  }

  /** Stops the thread (call after the log's own close, which waits for the write in flight). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.ref(); // keeps the event loop alive until the thread has closed its connection
    worker.postMessage({ close: true });
    await exited;
  }
}
