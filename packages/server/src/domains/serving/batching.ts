import type { TensorSpec } from '@flywheel/contract';
import { elementCount, type ServingSignature, type Tensor, type TensorData } from './model-runtime.js';

export interface BatchingOptions {
  /** Rows one combined call carries at most (default 64); a larger request runs alone. */
  maxBatchRows?: number;
  /**
   * Extra wait (µs) for more requests once the current event-loop turn's arrivals are collected
   * (default 0: none, so a lone request is never delayed). Only worth it under heavy load.
   */
  maxDelayUs?: number;
}

type Inputs = Record<string, Tensor>;
type Outputs = Record<string, Tensor>;
/** Runs one set of inputs through the model and returns every output. */
export type Execute = (inputs: Inputs) => Promise<Outputs>;

interface Pending {
  inputs: Inputs;
  rows: number;
  resolve: (o: Outputs) => void;
  reject: (e: unknown) => void;
}

interface Queue {
  items: Pending[];
  rows: number;
}

const leadingIsBatch = (s: TensorSpec) => s.shape !== null && s.shape.length > 0 && typeof s.shape[0] !== 'number';

/**
 * True when rows of different requests can share one call: every input and output has a leading
 * symbolic (or unknown) dimension. Models whose outputs are not declared are not batched.
 */
export function isBatchable(signature: ServingSignature): boolean {
  const outputs = signature.outputs;
  return signature.inputs.length > 0 && signature.inputs.every(leadingIsBatch) && outputs !== undefined && outputs.length > 0 && outputs.every(leadingIsBatch);
}

/** Requests can be concatenated when every input agrees on type and on every dimension but the first. */
function compatKey(inputs: Inputs): string {
  let key = '';
  for (const name of Object.keys(inputs).sort()) {
    const t = inputs[name]!;
    key += `${name}:${t.type}:${t.shape.slice(1).join('x')};`;
  }
  return key;
}

function concat(parts: Tensor[], rows: number): Tensor {
  const first = parts[0]!;
  const shape = [rows, ...first.shape.slice(1)];
  if (first.type === 'string') {
    return { type: 'string', shape, data: parts.flatMap((p) => p.data as string[]) };
  }
  const Ctor = (first.data as Exclude<TensorData, string[]>).constructor as new (n: number) => Exclude<TensorData, string[]>;
  const data = new Ctor(elementCount(shape));
  let offset = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, offset);
    offset += p.data.length;
  }
  return { type: first.type, shape, data };
}

function sliceRows(t: Tensor, from: number, rows: number): Tensor {
  const per = t.shape.length > 1 ? elementCount(t.shape.slice(1)) : 1;
  return { type: t.type, shape: [rows, ...t.shape.slice(1)], data: t.data.slice(from * per, (from + rows) * per) as TensorData };
}

/**
 * Adaptive micro-batching (the idea of Triton's dynamic batcher) in front of one model. The first
 * request of an event-loop turn runs at once; those that arrive later in the same turn (the socket
 * reads of one poll phase) with compatible inputs are concatenated along the batch dimension, run
 * as one call on `setImmediate`, and each gets its own rows back: no added delay when load is
 * light, larger batches as it grows.
 *
 * Inputs must already be validated against the signature (one bad request must never reach a
 * shared call). When a combined call fails, its requests are run again one by one, so a failure
 * stays with the request that caused it.
 */
export class MicroBatcher {
  private readonly queues = new Map<string, Queue>();
  private scheduled = false;
  /** A request already ran in this event-loop turn: later ones in the same turn are collected. */
  private turnBusy = false;
  private readonly maxRows: number;
  private readonly delayMs: number;
  /** Set when a model's outputs turned out not to split by row: it then runs every request alone. */
  private disabled = false;
  /** Calls made and requests served through them, for measurement and tests. */
  readonly stats = { calls: 0, requests: 0, maxBatch: 0 };

  constructor(
    private readonly execute: Execute,
    opts: BatchingOptions = {},
  ) {
    this.maxRows = Math.max(1, opts.maxBatchRows ?? 64);
    this.delayMs = Math.max(0, opts.maxDelayUs ?? 0) / 1000;
  }

  /** Runs `inputs` (with `rows` rows in every input's first dimension), possibly together with others. */
  run(inputs: Inputs, rows: number): Promise<Outputs> {
    if (this.disabled || rows < 1 || rows >= this.maxRows) return this.call([{ inputs, rows }]).then((r) => r[0]!);
    if (!this.turnBusy && this.delayMs === 0) {
      // The first request of a turn runs at once: under light load nothing waits, not even a turn.
      this.turnBusy = true;
      this.schedule();
      return this.call([{ inputs, rows }]).then((r) => r[0]!);
    }
    return new Promise<Outputs>((resolve, reject) => {
      const key = compatKey(inputs);
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = { items: [], rows: 0 }));
      if (q.rows + rows > this.maxRows) {
        // The full queue's array now belongs to the call it started: this request opens a new one.
        this.flushQueue(key, q);
        this.queues.set(key, (q = { items: [], rows: 0 }));
      }
      q.items.push({ inputs, rows, resolve, reject });
      q.rows += rows;
      if (q.rows >= this.maxRows) this.flushQueue(key, q);
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.turnBusy = false;
      for (const [key, q] of this.queues) this.flushQueue(key, q);
    };
    if (this.delayMs > 0) setTimeout(flush, this.delayMs);
    else setImmediate(flush);
  }

  private flushQueue(key: string, q: Queue): void {
    this.queues.delete(key);
    if (q.items.length === 0) return;
    const items = q.items;
    this.call(items).then(
      (outs) => items.forEach((p, i) => p.resolve(outs[i]!)),
      () => this.oneByOne(items),
    );
  }

  /** A failed combined call: each request alone, so only the one that breaks the model fails. */
  private oneByOne(items: Pending[]): void {
    for (const p of items) this.execute(p.inputs).then(p.resolve, p.reject);
  }

  private async call(items: { inputs: Inputs; rows: number }[]): Promise<Outputs[]> {
    this.stats.calls++;
    this.stats.requests += items.length;
    if (items.length > this.stats.maxBatch) this.stats.maxBatch = items.length;
    if (items.length === 1) return [await this.execute(items[0]!.inputs)];
    const total = items.reduce((n, p) => n + p.rows, 0);
    const combined: Inputs = {};
    for (const name of Object.keys(items[0]!.inputs)) combined[name] = concat(items.map((p) => p.inputs[name]!), total);
    const out = await this.execute(combined);
    for (const [name, t] of Object.entries(out)) {
      // A model whose output's first dimension is not the batch (despite its signature) cannot be split.
      if (t.shape[0] !== total) {
        this.disabled = true;
        throw new Error(`output '${name}' has ${t.shape[0]} rows for ${total} input rows`);
      }
    }
    let from = 0;
    return items.map((p) => {
      const mine: Outputs = {};
      for (const [name, t] of Object.entries(out)) mine[name] = sliceRows(t, from, p.rows);
      from += p.rows;
      return mine;
    });
  }
}
