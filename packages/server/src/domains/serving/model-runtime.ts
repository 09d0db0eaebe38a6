import { DomainError, type TensorSpec } from '@flywheel/contract';

/** The element types a served model can take and return. */
export const TENSOR_TYPES = ['float32', 'float64', 'int32', 'int64', 'bool', 'string'] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | string[];

/** A dense row-major tensor. `bool` is one byte (0/1) per element; `string` is one JS string per element. */
export interface Tensor {
  type: TensorType;
  shape: number[];
  data: TensorData;
}

/** The part of a version's signature serving needs: its inputs (and, when known, outputs). */
export interface ServingSignature {
  inputs: TensorSpec[];
  outputs?: TensorSpec[];
}

export interface RunOptions {
  /** Only these outputs (by name); all outputs when absent. An unknown name is `INVALID_INPUT`. */
  outputs?: string[];
}

/** A model version ready to run. */
export interface LoadedModel {
  readonly versionKey: string;
  readonly signature: ServingSignature;
  /** The model's output names, as the runtime reports them. */
  readonly outputNames: readonly string[];
  /**
   * Runs one batch. Inputs that do not match the signature are `INVALID_INPUT` naming the input and
   * the problem; a failure inside the model is `INTERNAL` for this call only; a call after
   * unload is `NOT_FOUND`.
   */
  run(inputs: Record<string, Tensor>, opts?: RunOptions): Promise<Record<string, Tensor>>;
}

/** The port the serving gateway uses to hold models in memory, one per version key. */
export interface ModelRuntime {
  /**
   * Loads (and warms) a model version, or returns it when already loaded under `versionKey`.
   * A model that cannot be loaded or warmed is `INVALID_INPUT`.
   */
  load(versionKey: string, modelBytes: Uint8Array, signature: ServingSignature): Promise<LoadedModel>;
  /** The loaded model under `versionKey`, if any. */
  get(versionKey: string): LoadedModel | undefined;
  /** Releases the model's resources once calls in flight have finished; a no-op when not loaded. */
  unload(versionKey: string): Promise<void>;
  /** Unloads everything. */
  close(): Promise<void>;
}

export const isTensorType = (t: string): t is TensorType => (TENSOR_TYPES as readonly string[]).includes(t);

/** The number of elements of a shape (1 for a scalar). */
export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A shape for messages: `[batch, 10]`, `[?]`, `[1, 9]`. */
export function formatShape(shape: readonly (number | string | null)[] | null): string {
  if (shape === null) return '(any rank)';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function dataMatchesType(t: Tensor): boolean {
  switch (t.type) {
    case 'float32':
      return t.data instanceof Float32Array;
    case 'float64':
      return t.data instanceof Float64Array;
    case 'int32':
      return t.data instanceof Int32Array;
    case 'int64':
      return t.data instanceof BigInt64Array;
    case 'bool':
      return t.data instanceof Uint8Array;
    case 'string':
      return Array.isArray(t.data);
  }
}

/** Checks a tensor is well-formed: a known type, matching data array, and data length = product of shape. */
export function checkTensor(name: string, t: Tensor): void {
  if (!isTensorType(t.type)) throw new DomainError('INVALID_INPUT', `input '${name}': unsupported element type '${String(t.type)}'.`);
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DomainError('INVALID_INPUT', `input '${name}': shape must be a list of non-negative integers.`);
  }
  if (!dataMatchesType(t)) throw new DomainError('INVALID_INPUT', `input '${name}': data does not hold ${t.type} values.`);
  const n = elementCount(t.shape);
  if (t.data.length !== n) {
    throw new DomainError('INVALID_INPUT', `input '${name}': shape ${formatShape(t.shape)} needs ${n} values, got ${t.data.length}.`);
  }
}

const mismatch = (spec: TensorSpec, t: Tensor): string => `input '${spec.name}': expected shape ${formatShape(spec.shape)}, got ${formatShape(t.shape)}`;

/**
 * Checks a batch of inputs against a signature: every input present, none unknown, element types
 * equal, ranks equal, fixed dimensions equal, and one symbolic dimension (e.g. `batch`) the same
 * size across inputs. Throws `INVALID_INPUT` naming the input and the problem.
 */
export function checkInputs(specs: readonly TensorSpec[], inputs: Record<string, Tensor>): void {
  // Runs on every request: loops and no allocation on the way through; messages only on failure.
  for (const name in inputs) {
    if (!specs.some((s) => s.name === name)) {
      throw new DomainError('INVALID_INPUT', `input '${name}' is not an input of this model (inputs: ${[...new Set(specs.map((s) => s.name))].map((n) => `'${n}'`).join(', ')}).`);
    }
  }
  let bound: Map<string, { size: number; input: string }> | undefined;
  for (const spec of specs) {
    const t = inputs[spec.name];
    if (!t) throw new DomainError('INVALID_INPUT', `input '${spec.name}' is missing (expected ${spec.elemType} ${formatShape(spec.shape)}).`);
    checkTensor(spec.name, t);
    if (t.type !== spec.elemType) {
      throw new DomainError('INVALID_INPUT', `input '${spec.name}': expected element type ${spec.elemType}, got ${t.type}.`);
    }
    const shape = spec.shape;
    if (shape === null) continue;
    if (t.shape.length !== shape.length) throw new DomainError('INVALID_INPUT', `${mismatch(spec, t)} (rank ${t.shape.length}, expected ${shape.length}).`);
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      const got = t.shape[i]!;
      if (typeof d === 'number' && d !== got) throw new DomainError('INVALID_INPUT', `${mismatch(spec, t)}.`);
      if (typeof d === 'string') {
        const prev = bound?.get(d);
        if (prev && prev.size !== got) {
          throw new DomainError('INVALID_INPUT', `${mismatch(spec, t)}: dimension '${d}' is ${got} here but ${prev.size} in input '${prev.input}'.`);
        }
        if (!prev) (bound ??= new Map()).set(d, { size: got, input: spec.name });
      }
    }
  }
}

/** A zero-filled tensor (empty strings for `string`). */
export function zeroTensor(type: TensorType, shape: number[]): Tensor {
  const n = elementCount(shape);
  switch (type) {
    case 'float32':
      return { type, shape, data: new Float32Array(n) };
    case 'float64':
      return { type, shape, data: new Float64Array(n) };
    case 'int32':
      return { type, shape, data: new Int32Array(n) };
    case 'int64':
      return { type, shape, data: new BigInt64Array(n) };
    case 'bool':
      return { type, shape, data: new Uint8Array(n) };
    case 'string':
      return { type, shape, data: new Array<string>(n).fill('') };
  }
}
