/**
 * Open Inference Protocol v2 (KServe V2) REST inference request / response JSON ↔ {@link Tensor}s.
 * Pure: no I/O. Tensor data in JSON is row-major, flat or nested (nested arrays are flattened).
 * See https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol
 */
import { DomainError } from '@flywheel/contract';
import { elementCount, formatShape, type Tensor, type TensorType } from './model-runtime.js';

/** Every datatype the protocol defines. */
export const OIP_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

/** The protocol datatypes this server takes and returns, with their tensor types. */
const TO_TENSOR: Partial<Record<OipDatatype, TensorType>> = {
  BOOL: 'bool',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};
const TO_OIP: Record<TensorType, OipDatatype> = { bool: 'BOOL', int32: 'INT32', int64: 'INT64', float32: 'FP32', float64: 'FP64', string: 'BYTES' };

export type OipParameters = Record<string, string | number | boolean>;
export type OipData = unknown[];

export interface OipRequestInput {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  parameters?: OipParameters;
  data: OipData;
}
export interface OipInferenceRequest {
  id?: string;
  parameters?: OipParameters;
  inputs: OipRequestInput[];
  outputs?: { name: string; parameters?: OipParameters }[];
}
export interface OipResponseOutput {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  parameters?: OipParameters;
  data: (number | string | boolean)[];
}
export interface OipInferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: OipParameters;
  outputs: OipResponseOutput[];
}

/** A decoded request: tensors by input name, and the requested outputs (all when absent). */
export interface DecodedOipRequest {
  id?: string;
  parameters?: OipParameters;
  inputs: Record<string, Tensor>;
  outputs?: string[];
}

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function flatten(data: unknown[], out: unknown[] = []): unknown[] {
  for (const v of data) {
    if (Array.isArray(v)) flatten(v, out);
    else out.push(v);
  }
  return out;
}

function parameters(v: unknown, where: string): OipParameters | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw invalid(`${where}: 'parameters' must be an object.`);
  return v as OipParameters;
}

function bad(name: string, datatype: OipDatatype, flat: unknown[], i: number, what: string): DomainError {
  return invalid(`input '${name}': data[${i}] is ${JSON.stringify(flat[i]) ?? String(flat[i])}, not ${what} (datatype ${datatype}).`);
}

// Plain loops and no closure per call: this runs for every inference request.
function decodeData(name: string, datatype: OipDatatype, type: TensorType, flat: unknown[]): Tensor['data'] {
  const n = flat.length;
  switch (type) {
    case 'float32':
    case 'float64': {
      const out = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v !== 'number') throw bad(name, datatype, flat, i, 'a number');
        out[i] = v;
      }
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw bad(name, datatype, flat, i, 'a 32-bit integer');
        out[i] = v;
      }
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        // Integers beyond 2^53 lose precision as JSON numbers; a decimal string keeps them exact.
        if (typeof v === 'number' && Number.isSafeInteger(v)) out[i] = BigInt(v);
        else if (typeof v === 'string' && /^-?\d{1,19}$/.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v)) out[i] = BigInt(v);
        else throw bad(name, datatype, flat, i, 'a 64-bit integer');
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v === 'boolean') out[i] = v ? 1 : 0;
        else if (v === 0 || v === 1) out[i] = v;
        else throw bad(name, datatype, flat, i, 'a boolean');
      }
      return out;
    }
    case 'string': {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v !== 'string') throw bad(name, datatype, flat, i, 'a string');
        out[i] = v;
      }
      return out;
    }
  }
}

/** Flat data needs no copy: nested data is flattened. */
function flatData(data: unknown[]): unknown[] {
  for (let i = 0; i < data.length; i++) if (Array.isArray(data[i])) return flatten(data);
  return data;
}

const isDim = (d: unknown): boolean => typeof d === 'number' && Number.isInteger(d) && d >= 0;

/** One request input → a tensor; throws `INVALID_INPUT` naming the input. */
export function decodeOipInput(raw: unknown, index: number): [string, Tensor] {
  if (!isObject(raw)) throw invalid(`inputs[${index}] must be an object with name, shape, datatype and data.`);
  const name = raw.name;
  if (typeof name !== 'string' || name === '') throw invalid(`inputs[${index}]: 'name' must be a non-empty string.`);
  const { shape, datatype, data } = raw;
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    throw invalid(`input '${name}': 'shape' must be a list of non-negative integers.`);
  }
  if (typeof datatype !== 'string') throw invalid(`input '${name}': 'datatype' must be a string such as FP32.`);
  if (!(OIP_DATATYPES as readonly string[]).includes(datatype)) {
    throw invalid(`input '${name}': unknown datatype '${datatype}' (one of ${OIP_DATATYPES.join(', ')}).`);
  }
  const type = TO_TENSOR[datatype as OipDatatype];
  if (!type) {
    throw invalid(`input '${name}': datatype ${datatype} is not supported by this server (supported: ${Object.keys(TO_TENSOR).join(', ')}).`);
  }
  parameters(raw.parameters, `input '${name}'`);
  if (!Array.isArray(data)) throw invalid(`input '${name}': 'data' must be an array (flat or nested, row-major).`);
  const flat = flatData(data);
  const dims = shape as number[];
  const n = elementCount(dims);
  if (flat.length !== n) throw invalid(`input '${name}': shape ${formatShape(dims)} needs ${n} values, 'data' has ${flat.length}.`);
  return [name, { type, shape: [...dims], data: decodeData(name, datatype as OipDatatype, type, flat) }];
}

/** An inference request body (parsed JSON) → tensors. Throws `INVALID_INPUT` naming the problem. */
export function decodeOipRequest(body: unknown): DecodedOipRequest {
  if (!isObject(body)) throw invalid('The inference request must be a JSON object with an "inputs" list.');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw invalid('The inference request needs a non-empty "inputs" list.');
  if (body.id !== undefined && typeof body.id !== 'string') throw invalid("'id' must be a string.");
  // The id is echoed as the x-flywheel-inference-id header: printable ASCII only, as a header allows.
  if (typeof body.id === 'string' && !/^[\x20-\x7e]{1,256}$/.test(body.id)) throw invalid("'id' must be 1-256 printable ASCII characters.");
  const inputs: Record<string, Tensor> = {};
  for (let i = 0; i < body.inputs.length; i++) {
    const [name, t] = decodeOipInput(body.inputs[i], i);
    if (Object.hasOwn(inputs, name)) throw invalid(`input '${name}' is given more than once.`);
    inputs[name] = t;
  }
  const out: DecodedOipRequest = { inputs };
  if (body.id !== undefined) out.id = body.id;
  const params = parameters(body.parameters, 'The inference request');
  if (params) out.parameters = params;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw invalid("'outputs' must be a list of {name}.");
    out.outputs = body.outputs.map((o, i) => {
      if (!isObject(o) || typeof o.name !== 'string' || o.name === '') throw invalid(`outputs[${i}] must be an object with a non-empty 'name'.`);
      return o.name;
    });
  }
  return out;
}

/** A tensor's data as JSON values: int64 beyond ±2^53 as decimal strings, bool as true/false. */
function jsonData(t: Tensor): (number | string | boolean)[] {
  switch (t.type) {
    case 'int64':
      return Array.from(t.data as BigInt64Array, (v) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v.toString();
      });
    case 'bool':
      return Array.from(t.data as Uint8Array, (v) => v !== 0);
    case 'string':
      return [...(t.data as string[])];
    default:
      return Array.from(t.data as Float32Array | Float64Array | Int32Array);
  }
}

/** A tensor as a protocol tensor object (response output or request input; data flat). */
export function encodeOipTensor(name: string, t: Tensor): OipResponseOutput {
  return { name, shape: [...t.shape], datatype: TO_OIP[t.type], data: jsonData(t) };
}

/** Model outputs → an inference response, outputs in the order given. */
export function encodeOipResponse(opts: { modelName: string; modelVersion?: string; id?: string; outputs: Record<string, Tensor> }): OipInferenceResponse {
  const res: OipInferenceResponse = { model_name: opts.modelName, outputs: [] };
  if (opts.modelVersion !== undefined) res.model_version = opts.modelVersion;
  if (opts.id !== undefined) res.id = opts.id;
  res.outputs = Object.entries(opts.outputs).map(([name, t]) => encodeOipTensor(name, t));
  return res;
}

/** Tensors → an inference request (for clients and tests). */
export function encodeOipRequest(inputs: Record<string, Tensor>, opts: { id?: string; outputs?: string[] } = {}): OipInferenceRequest {
  const req: OipInferenceRequest = { inputs: Object.entries(inputs).map(([name, t]) => encodeOipTensor(name, t)) };
  if (opts.id !== undefined) req.id = opts.id;
  if (opts.outputs) req.outputs = opts.outputs.map((name) => ({ name }));
  return req;
}

/** An inference response → tensors by output name (for clients and tests). */
export function decodeOipResponse(body: unknown): { modelName: string; modelVersion?: string; id?: string; outputs: Record<string, Tensor> } {
  if (!isObject(body) || typeof body.model_name !== 'string' || !Array.isArray(body.outputs)) {
    throw invalid('An inference response needs "model_name" and an "outputs" list.');
  }
  const outputs: Record<string, Tensor> = {};
  body.outputs.forEach((raw, i) => {
    const [name, t] = decodeOipInput(raw, i);
    outputs[name] = t;
  });
  const res: { modelName: string; modelVersion?: string; id?: string; outputs: Record<string, Tensor> } = { modelName: body.model_name, outputs };
  if (typeof body.model_version === 'string') res.modelVersion = body.model_version;
  if (typeof body.id === 'string') res.id = body.id;
  return res;
}

/** A numeric tensor's data as JSON text (typed-array `join` prints what JSON.stringify would), or undefined when it takes the generic path. */
function numericDataText(t: Tensor): string | undefined {
  if (t.type === 'int32') return (t.data as Int32Array).join(',');
  if (t.type !== 'float32' && t.type !== 'float64') return undefined;
  const text = (t.data as Float32Array).join(',');
  // NaN and ±Infinity are JSON's null: the only capital letters `join` can print.
  return /[NI]/.test(text) ? undefined : text;
}

/**
 * `JSON.stringify(encodeOipResponse(opts))` with `parameters` last, built as text: the
 * response of every inference request, so it skips the intermediate arrays of numbers.
 */
export function encodeOipResponseText(opts: { modelName: string; modelVersion?: string; id?: string; outputs: Record<string, Tensor>; parameters?: OipParameters }): string {
  let s = `{"model_name":${JSON.stringify(opts.modelName)},"outputs":[`;
  let first = true;
  for (const name in opts.outputs) {
    const t = opts.outputs[name]!;
    const data = numericDataText(t);
    s += (first ? '' : ',') + (data === undefined
      ? JSON.stringify(encodeOipTensor(name, t))
      : `{"name":${JSON.stringify(name)},"shape":[${t.shape.join(',')}],"datatype":"${TO_OIP[t.type]}","data":[${data}]}`);
    first = false;
  }
  s += ']';
  if (opts.modelVersion !== undefined) s += `,"model_version":${JSON.stringify(opts.modelVersion)}`;
  if (opts.id !== undefined) s += `,"id":${JSON.stringify(opts.id)}`;
  if (opts.parameters !== undefined) s += `,"parameters":${JSON.stringify(opts.parameters)}`;
  return s + '}';
}
