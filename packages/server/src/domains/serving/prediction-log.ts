import type { Tensor } from './model-runtime.js';
import type { NewPrediction, PredictionsRepository } from './predictions.repository.js';

/** One prediction to log (the row without its storage id). */
export type PredictionEntry = NewPrediction;

/**
 * `sync` (default): `append` resolves once the entry is committed (durable across a process kill;
 * across power loss too with SQLite's synchronous=FULL / PostgreSQL's synchronous_commit=on).
 * `fast`: `append` resolves at once; entries are written in the background from a bounded queue;
 * what overflows the queue, fails to write, or is still queued when the process dies is lost —
 * the first two are counted in `stats().dropped`.
 */
export type Durability = 'sync' | 'fast';

export interface PredictionLogStats {
  /** Entries waiting for a flush (not counting the flush running now). */
  queued: number;
  written: number;
  dropped: number;
  /** Write transactions run (each holds every entry queued when it started, up to the batch cap). */
  flushes: number;
}

/** The port the gateway logs through. */
export interface PredictionLog {
  readonly durability: Durability;
  /** Sync: resolves when committed, rejects if the write failed. Fast: resolves immediately. */
  append(entry: PredictionEntry): Promise<void>;
  stats(): PredictionLogStats;
  /** Resolves once everything appended before the call is written (or dropped). */
  flush(): Promise<void>;
  /** Flushes what is queued; later appends are refused (sync) or dropped (fast). */
  close(): Promise<void>;
}

interface Pending {
  entry: PredictionEntry;
  resolve?: () => void;
  reject?: (e: unknown) => void;
}

export interface GroupCommitOptions {
  durability?: Durability;
  /** Fast mode: entries held at most; beyond it appends are dropped and counted. Default 100k. */
  maxQueue?: number;
  /** Entries per write transaction at most. Default 10k. */
  maxBatch?: number;
  /**
   * Batches handed to the repository before the first of them is committed (default: the
   * repository's `concurrentBatches`, else 1). More
   * suits a repository that queues writes and commits them in order (the writer thread): a batch
   * then need not wait for the previous one's acknowledgement to travel back before it is sent.
   */
  maxInFlight?: number;
  /** Told about failed background writes (fast mode). */
  onError?: (err: unknown, lost: number) => void;
}

/**
 * Group commit over a {@link PredictionsRepository}: what arrives while a write runs is written
 * together by the next one (one multi-row INSERT, one commit), so N concurrent requests cost about
 * as many commits as there are write round-trips in their span, not N. Writes start on the next
 * setImmediate (everything that completes in this turn of the event loop joins them), at most
 * `maxInFlight` at a time, so a lone request waits for one commit.
 */
export class GroupCommitPredictionLog implements PredictionLog {
  readonly durability: Durability;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly counters = { written: 0, dropped: 0, flushes: 0 };
  private readonly sendNow = (): void => {
    this.scheduled = false;
    this.send();
  };

  constructor(
    private readonly repo: PredictionsRepository,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.durability = opts.durability ?? 'sync';
    this.maxQueue = opts.maxQueue ?? 100_000;
    this.maxBatch = opts.maxBatch ?? 10_000;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
  }

  append(entry: PredictionEntry): Promise<void> {
    if (this.durability === 'fast') {
      if (this.closed || this.queue.length >= this.maxQueue) this.counters.dropped++;
      else {
        this.queue.push({ entry });
        this.kick();
      }
      return Promise.resolve();
    }
    if (this.closed) return Promise.reject(new Error('The prediction log is closed.'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.kick();
    });
  }

  stats(): PredictionLogStats {
    return { queued: this.queue.length, ...this.counters };
  }

  flush(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    this.kick();
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private kick(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // Let everything that completes in this turn of the event loop (other requests' model calls)
    // join the batch; costs no measurable latency to a lone request.
    setImmediate(this.sendNow);
  }

  private send(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
    this.inFlight++;
    const entries = new Array<PredictionEntry>(batch.length);
    for (let i = 0; i < batch.length; i++) entries[i] = batch[i]!.entry;
    let write: Promise<void>;
    try {
      write = this.repo.insertBatch(entries);
    } catch (e) {
      write = Promise.reject(e);
    }
    write.then(
      () => {
        this.counters.flushes++;
        this.counters.written += batch.length;
        for (const p of batch) p.resolve?.();
        this.settled();
      },
      (e: unknown) => {
        this.counters.flushes++;
        if (this.durability === 'fast') {
          this.counters.dropped += batch.length;
          this.opts.onError?.(e, batch.length);
        }
        for (const p of batch) p.reject?.(e);
        this.settled();
      },
    );
    // More to send (a full batch left some behind): the next one goes out now, up to maxInFlight.
    if (this.queue.length > 0) this.send();
  }

  private settled(): void {
    this.inFlight--;
    if (this.queue.length > 0) this.kick();
    else if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** A single entry's inputs + outputs JSON above this many characters is logged truncated. */
export const MAX_ENTRY_JSON = 1024 * 1024;

/** Key of the marker object that replaces a truncated payload (`inputs` and `outputs` both). */
export const TRUNCATED_KEY = '$truncated';

const tensorJson = (t: Tensor): unknown => ({
  type: t.type,
  shape: t.shape,
  data: t.data instanceof BigInt64Array ? Array.from(t.data, (v) => v.toString()) : Array.from(t.data as ArrayLike<number | string>),
});

/**
 * `tensorJson` as text, built directly for numeric tensors (this runs for every logged request):
 * a typed array's `join` prints numbers exactly as JSON does, except NaN and ±Infinity (JSON's
 * `null`), which contain the only capital letters `join` can print and then take the generic path.
 */
function tensorText(t: Tensor): string {
  if (t.type === 'float32' || t.type === 'float64' || t.type === 'int32' || t.type === 'bool') {
    const data = (t.data as Float32Array).join(',');
    if (t.type === 'int32' || t.type === 'bool' || !/[NI]/.test(data)) {
      return `{"type":"${t.type}","shape":[${t.shape.join(',')}],"data":[${data}]}`;
    }
  }
  return JSON.stringify(tensorJson(t));
}

/** `{name: tensorText, …}` of a set of tensors. Module-level helpers: this runs for every logged request. */
function tensorsText(ts: Record<string, Tensor>): string {
  let s = '';
  for (const k in ts) s += (s === '' ? '{' : ',') + JSON.stringify(k) + ':' + tensorText(ts[k]!);
  return s === '' ? '{}' : s + '}';
}

function elementsOf(ts: Record<string, Tensor>): number {
  let n = 0;
  for (const k in ts) n += ts[k]!.data.length;
  return n;
}

function shapesText(ts: Record<string, Tensor>, chars: number): string {
  return JSON.stringify({ [TRUNCATED_KEY]: { chars }, shapes: Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, { type: t.type, shape: t.shape }])) });
}

/**
 * Compact JSON of what was sent to / returned by the model: `{name: {type, shape, data}}` (int64
 * as decimal strings). When the two together exceed `max` characters, each becomes
 * `{"$truncated": {"chars": n}, "shapes": {name: {type, shape}}}` — valid JSON, flagged.
 */
export function payloadJson(inputs: Record<string, Tensor>, outputs: Record<string, Tensor> | undefined, max = MAX_ENTRY_JSON): { inputs: string; outputs: string; truncated: boolean } {
  // Cheap size guess first: skip building a huge string we would throw away.
  const guess = elementsOf(inputs) + (outputs ? elementsOf(outputs) : 0);
  if (guess > max) {
    return { inputs: shapesText(inputs, -1), outputs: outputs ? shapesText(outputs, -1) : 'null', truncated: true };
  }
  const i = tensorsText(inputs);
  const o = outputs ? tensorsText(outputs) : 'null';
  if (i.length + o.length <= max) return { inputs: i, outputs: o, truncated: false };
  return { inputs: shapesText(inputs, i.length), outputs: outputs ? shapesText(outputs, o.length) : 'null', truncated: true };
}
