import ort from 'onnxruntime-node';
import { DomainError, isDomainError, type TensorSpec } from '@flywheel/contract';
import {
  checkInputs,
  isTensorType,
  zeroTensor,
  type LoadedModel,
  type ModelRuntime,
  type RunOptions,
  type ServingSignature,
  type Tensor,
} from './model-runtime.js';
import { MicroBatcher, isBatchable, type BatchingOptions } from './batching.js';

export interface OnnxRuntimeOptions {
  /** Threads ONNX Runtime uses inside one operator (default 1: many models, many requests). */
  intraOpNumThreads?: number;
  /** Threads across operators (default 1). */
  interOpNumThreads?: number;
  /**
   * Concurrent requests to one model share one `run` call (micro-batching; see batching.ts). On by
   * default; only models whose every input and output has a leading batch dimension are batched.
   */
  batching?: boolean | BatchingOptions;
}

const toOrt = (t: Tensor): ort.Tensor => new ort.Tensor(t.type, t.data, t.shape);

function fromOrt(name: string, t: ort.Tensor): Tensor {
  const shape = t.dims.map(Number);
  const type = t.type;
  switch (type) {
    case 'float32':
    case 'float64':
    case 'int32':
    case 'int64':
    case 'bool':
    case 'string':
      return { type, shape, data: t.data as Tensor['data'] };
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
      return { type: 'int32', shape, data: Int32Array.from(t.data as ArrayLike<number>) };
    case 'uint32':
      return { type: 'float64', shape, data: Float64Array.from(t.data as ArrayLike<number>) };
    default:
      throw new DomainError('INTERNAL', `output '${name}' has element type ${t.type}, which serving does not return.`);
  }
}

/** The warm-up input for a spec: zeros, with every symbolic or unknown dimension 1. */
function warmupInput(spec: TensorSpec): Tensor | null {
  if (spec.shape === null || !isTensorType(spec.elemType)) return null;
  return zeroTensor(spec.elemType, spec.shape.map((d) => (typeof d === 'number' ? d : 1)));
}

class OnnxLoadedModel implements LoadedModel {
  readonly outputNames: readonly string[];
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private released = false;
  /** Set when the model is batchable and batching is on. */
  readonly batcher: MicroBatcher | null;

  constructor(
    readonly versionKey: string,
    readonly signature: ServingSignature,
    private readonly session: ort.InferenceSession,
    batching: false | BatchingOptions,
  ) {
    this.outputNames = [...session.outputNames];
    const all = this.outputNames;
    this.batcher = batching && isBatchable(signature) ? new MicroBatcher((inputs) => this.execute(inputs, all), batching) : null;
  }

  async run(inputs: Record<string, Tensor>, opts: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.released) throw new DomainError('NOT_FOUND', `Model version '${this.versionKey}' is not loaded.`);
    checkInputs(this.signature.inputs, inputs);
    const fetches = opts.outputs ?? this.outputNames;
    for (const name of fetches) {
      if (!this.outputNames.includes(name)) {
        throw new DomainError('INVALID_INPUT', `output '${name}' is not an output of this model (outputs: ${this.outputNames.map((n) => `'${n}'`).join(', ')}).`);
      }
    }
    this.inFlight++;
    try {
      if (!this.batcher) return await this.execute(inputs, fetches);
      const first = inputs[this.signature.inputs[0]!.name]!;
      const all = await this.batcher.run(inputs, first.shape[0]!);
      if (!opts.outputs) return all;
      const out: Record<string, Tensor> = {};
      for (const name of fetches) out[name] = all[name]!;
      return out;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  /** One ONNX Runtime call; a failure inside it is `INTERNAL` for the requests in it. */
  private async execute(inputs: Record<string, Tensor>, fetches: readonly string[]): Promise<Record<string, Tensor>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) feeds[name] = toOrt(t);
    try {
      const result = await this.session.run(feeds, [...fetches]);
      const out: Record<string, Tensor> = {};
      for (const name of fetches) out[name] = fromOrt(name, result[name]!);
      return out;
    } catch (e) {
      if (isDomainError(e)) throw e;
      throw new DomainError('INTERNAL', `Model version '${this.versionKey}' failed on this request: ${(e as Error).message}`);
    }
  }

  /** Refuses new calls, waits for calls in flight, then frees the session. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.session.release();
  }
}

/**
 * {@link ModelRuntime} over onnxruntime-node: one InferenceSession per version key, created with
 * single-threaded intra/inter-op pools and full graph optimisation, and warmed with one zero
 * input (symbolic dimensions 1) before it is handed out. Concurrent loads of one key share one
 * session.
 */
export class OnnxModelRuntime implements ModelRuntime {
  private readonly loaded = new Map<string, OnnxLoadedModel>();
  private readonly loading = new Map<string, Promise<OnnxLoadedModel>>();

  constructor(private readonly opts: OnnxRuntimeOptions = {}) {}

  get(versionKey: string): LoadedModel | undefined {
    return this.loaded.get(versionKey);
  }

  load(versionKey: string, modelBytes: Uint8Array, signature: ServingSignature): Promise<LoadedModel> {
    const ready = this.loaded.get(versionKey);
    if (ready) return Promise.resolve(ready);
    let pending = this.loading.get(versionKey);
    if (!pending) {
      pending = this.create(versionKey, modelBytes, signature).finally(() => this.loading.delete(versionKey));
      this.loading.set(versionKey, pending);
    }
    return pending;
  }

  private async create(versionKey: string, modelBytes: Uint8Array, signature: ServingSignature): Promise<OnnxLoadedModel> {
    for (const spec of signature.inputs) {
      if (!isTensorType(spec.elemType)) {
        throw new DomainError(
          'INVALID_INPUT',
          `Model version '${versionKey}' cannot be served: input '${spec.name}' has element type ${spec.elemType}, which serving does not accept.`,
        );
      }
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelBytes, {
        intraOpNumThreads: this.opts.intraOpNumThreads ?? 1,
        interOpNumThreads: this.opts.interOpNumThreads ?? 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
    } catch (e) {
      throw new DomainError('INVALID_INPUT', `Model version '${versionKey}' cannot be loaded by ONNX Runtime: ${(e as Error).message}`);
    }
    const missing = signature.inputs.filter((s) => !session.inputNames.includes(s.name)).map((s) => s.name);
    const batching = this.opts.batching ?? true;
    const model = new OnnxLoadedModel(versionKey, signature, session, batching === false ? false : batching === true ? {} : batching);
    try {
      if (missing.length) throw new Error(`the signature lists input(s) ${missing.map((n) => `'${n}'`).join(', ')} the model does not have`);
      // An input of unknown rank has no valid zero tensor to guess; such a model is not warmed.
      const warm: Record<string, Tensor> = {};
      for (const spec of signature.inputs) {
        const t = warmupInput(spec);
        if (t) warm[spec.name] = t;
      }
      if (Object.keys(warm).length === signature.inputs.length) await model.run(warm);
    } catch (e) {
      await model.release();
      throw new DomainError('INVALID_INPUT', `Model version '${versionKey}' cannot be served: warm-up failed: ${(e as Error).message}`);
    }
    this.loaded.set(versionKey, model);
    return model;
  }

  async unload(versionKey: string): Promise<void> {
    const pending = this.loading.get(versionKey);
    if (pending) await pending.catch(() => undefined);
    const model = this.loaded.get(versionKey);
    if (!model) return;
    this.loaded.delete(versionKey);
    await model.release();
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([...this.loaded.keys(), ...this.loading.keys()])].map((k) => this.unload(k)));
  }
}
