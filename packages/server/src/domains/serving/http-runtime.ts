import { DomainError, type TensorSpec } from '@flywheel/contract';
import { checkInputs, type LoadedModel, type RunOptions, type ServingSignature, type Tensor, type TensorType } from './model-runtime.js';
import { decodeOipResponse, encodeOipRequest } from './oip-codec.js';
import { nestedList, type InvocationTable } from './mlflow-invocations-codec.js';

/** An external model server a variant proxies to. */
export interface HttpEndpoint {
  /** The server's base URL, e.g. `http://10.0.0.5:8080` (no trailing slash). */
  url: string;
  /** `oip`: Open Inference Protocol v2 (`POST {url}/v2/models/{model}/infer`); `mlflow`: `POST {url}/invocations`. */
  protocol: 'oip' | 'mlflow';
  /** The model's name on an OIP server (required there). */
  model?: string;
  /** Per request, ms (default {@link DEFAULT_HTTP_TIMEOUT_MS}); a slower answer is a 504 for that request. */
  timeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000; // 10 s
/** Upstream error bodies quoted in our messages at most this long. */
const MAX_QUOTED = 500;
/** The largest upstream body read: beyond, the request fails with 502 rather than holding the memory. */
export const MAX_UPSTREAM_BYTES = 64 * 1024 * 1024; // 64 MiB

/**
 * The model server failed this request: 502 when it answered 5xx, could not be reached or sent
 * something unreadable; 504 when it did not answer in time. Its message is safe to show.
 */
export class UpstreamError extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const OIP_TO_TYPE: Record<string, TensorType> = { BOOL: 'bool', INT32: 'int32', INT64: 'int64', FP32: 'float32', FP64: 'float64', BYTES: 'string' };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The version key a variant's endpoint is held under (a changed timeout is a different model). */
export const httpVersionKey = (e: HttpEndpoint): string => `http:${e.protocol}:${e.url}|${e.model ?? ''}|${e.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS}`;

/** Where an endpoint's requests go, for messages. */
export const describeEndpoint = (e: HttpEndpoint): string => (e.protocol === 'oip' ? `${e.url}/v2/models/${e.model ?? ''}` : `${e.url}/invocations`);

/** Why a fetch failed, as our error: 504 on our timeout, else 502. */
function fetchFailure(e: unknown, what: string, timeoutMs: number): UpstreamError {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return new UpstreamError(504, `${what} did not answer within ${timeoutMs} ms.`);
  return new UpstreamError(502, `${what} could not be reached: ${err.cause?.code ?? err.cause?.message ?? err.message}.`);
}

/** The message inside an error body (`{"error": …}` from OIP, `{"message": …}` from MLflow), else its text. */
function upstreamMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (isObject(body)) {
      const m = body.error ?? body.message;
      if (typeof m === 'string') return m.slice(0, MAX_QUOTED);
    }
  } catch {
    // not JSON: quote the text
  }
  return text.slice(0, MAX_QUOTED) || '(empty body)';
}

async function readCapped(res: Response): Promise<string> {
  const tooLarge = () => new UpstreamError(502, `The model server at ${res.url} answered more than ${MAX_UPSTREAM_BYTES} bytes.`);
  if (Number(res.headers.get('content-length') ?? 0) > MAX_UPSTREAM_BYTES) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Typed as an async iterable: node:stream/web streams are (DOM typings, used by the UI tests, say otherwise).
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_UPSTREAM_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function call(url: string, init: RequestInit, what: string, timeoutMs: number): Promise<unknown> {
  let text: string;
  let status: number;
  try {
    // Node's fetch (undici) keeps connections alive in its global pool: requests to one server reuse them.
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    text = await readCapped(res);
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    throw fetchFailure(e, what, timeoutMs);
  }
  if (status >= 500) throw new UpstreamError(502, `${what} failed (${status}): ${upstreamMessage(text)}`);
  if (status >= 400) throw new DomainError('INVALID_INPUT', `${what} refused the request (${status}): ${upstreamMessage(text)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UpstreamError(502, `${what} answered ${status} with a body that is not JSON.`);
  }
}

/** OIP metadata inputs/outputs → specs; -1 dimensions are unknown (null). */
function oipSpecs(raw: unknown, where: string): TensorSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`its metadata '${where}' is not a list`);
  return raw.map((m: unknown, i) => {
    if (!isObject(m) || typeof m.name !== 'string' || typeof m.datatype !== 'string' || !Array.isArray(m.shape)) throw new Error(`its metadata ${where}[${i}] needs name, datatype and shape`);
    const elemType = OIP_TO_TYPE[m.datatype];
    if (!elemType) throw new Error(`${where.slice(0, -1)} '${m.name}' has datatype ${m.datatype}, which serving does not take`);
    return { name: m.name, elemType, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) };
  });
}

/** A nested JSON list (rectangular, one element kind) → a tensor: numbers float64, strings, booleans; null is NaN. */
export function jsonTensor(value: unknown, name: string): Tensor {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: unknown[] = [];
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw new Error(`'${name}' is not rectangular`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) throw new Error(`'${name}' is not rectangular`);
    for (const x of v) walk(x, dim + 1);
  };
  walk(value, 0);
  const kinds = new Set(flat.map((v) => (v === null ? 'number' : typeof v)));
  if (kinds.size > 1) throw new Error(`'${name}' mixes ${[...kinds].join(' and ')}`);
  const kind = kinds.values().next().value ?? 'number';
  if (kind === 'string') return { type: 'string', shape, data: flat as string[] };
  if (kind === 'boolean') return { type: 'bool', shape, data: Uint8Array.from(flat, (v) => (v ? 1 : 0)) };
  if (kind === 'number') return { type: 'float64', shape, data: Float64Array.from(flat, (v) => (v === null ? NaN : (v as number))) };
  throw new Error(`'${name}' holds ${kind} values`);
}

/**
 * MLflow predictions → tensors: `{"predictions": X}` or a bare X (MLflow 1.x); a list is one
 * tensor `predictions`, an object one tensor per key, a list of objects (a DataFrame's records)
 * one tensor per column.
 */
export function mlflowOutputs(body: unknown): Record<string, Tensor> {
  const p = isObject(body) && 'predictions' in body ? body.predictions : body;
  if (Array.isArray(p) && p.length > 0 && p.every(isObject)) {
    const cols = Object.keys(p[0] as Record<string, unknown>);
    return Object.fromEntries(cols.map((c) => [c, jsonTensor(p.map((r) => (r as Record<string, unknown>)[c] ?? null), c)]));
  }
  if (isObject(p)) return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, jsonTensor(v, k)]));
  return { predictions: jsonTensor(p, 'predictions') };
}

/**
 * The body sent to `/invocations` for these tensors. Rank-1 tensors of one length are columns:
 * `dataframe_split` with their names (how the MLflow route hands a signature-less variant the
 * caller's named columns); one other tensor goes as `{"inputs": [...]}`, several as
 * `{"inputs": {name: [...]}}` (MLflow's TF-serving tensor format).
 */
export function mlflowRequest(inputs: Record<string, Tensor>): unknown {
  const names = Object.keys(inputs);
  const ts = names.map((n) => inputs[n]!);
  if (ts.length > 0 && ts.every((t) => t.shape.length === 1 && t.shape[0] === ts[0]!.shape[0])) {
    const cols = ts.map((t) => nestedList(t) as unknown[]);
    const data = Array.from({ length: ts[0]!.shape[0]! }, (_, r) => cols.map((c) => c[r]));
    return { dataframe_split: { columns: names, data } };
  }
  if (ts.length === 1) return { inputs: nestedList(ts[0]!) };
  return { inputs: Object.fromEntries(names.map((n) => [n, nestedList(inputs[n]!)])) };
}

/**
 * A caller's table → tensors for a model whose signature is unknown (an MLflow server): named
 * columns become one rank-1 tensor each (numbers float64, strings, booleans); unnamed columns one
 * `[rows, columns]` tensor `inputs`.
 */
export function tableToColumnTensors(table: InvocationTable): Record<string, Tensor> {
  if (table.rows === 0) throw new DomainError('INVALID_INPUT', 'The body has no rows.');
  const parse = (c: number) => (table.text ? table.values[c]!.map((v) => (v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v)) : table.values[c]!);
  try {
    if (table.named) return Object.fromEntries(table.columns.map((name, c) => [name, jsonTensor(parse(c), name)]));
    const cols = table.columns.map((_, c) => parse(c));
    return { inputs: jsonTensor(Array.from({ length: table.rows }, (_, r) => cols.map((col) => col[r])), 'inputs') };
  } catch (e) {
    throw new DomainError('INVALID_INPUT', `column ${(e as Error).message}.`);
  }
}

class HttpLoadedModel implements LoadedModel {
  readonly outputNames: readonly string[];
  private released = false;
  private readonly timeoutMs: number;
  private readonly target: string;

  constructor(
    readonly versionKey: string,
    readonly endpoint: HttpEndpoint,
    readonly signature: ServingSignature,
    /** The version the server reports (OIP metadata `versions[0]`), else ''. */
    readonly modelVersion: string,
  ) {
    this.outputNames = (signature.outputs ?? []).map((s) => s.name);
    this.timeoutMs = endpoint.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.target = describeEndpoint(endpoint);
  }

  async run(inputs: Record<string, Tensor>, opts: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.released) throw new DomainError('NOT_FOUND', `Model '${this.target}' is not loaded.`);
    const what = `The model server at ${this.target}`;
    if (this.endpoint.protocol === 'oip') {
      checkInputs(this.signature.inputs, inputs);
      const body = await call(`${this.target}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(encodeOipRequest(inputs, opts.outputs ? { outputs: opts.outputs } : {})) }, what, this.timeoutMs);
      try {
        return decodeOipResponse(body).outputs;
      } catch (e) {
        throw new UpstreamError(502, `${what} sent an unreadable response: ${(e as Error).message}`);
      }
    }
    const body = await call(this.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mlflowRequest(inputs)) }, what, this.timeoutMs);
    let outputs: Record<string, Tensor>;
    try {
      outputs = mlflowOutputs(body);
    } catch (e) {
      throw new UpstreamError(502, `${what} sent predictions serving cannot read: ${(e as Error).message}.`);
    }
    if (!opts.outputs) return outputs;
    const picked: Record<string, Tensor> = {};
    for (const name of opts.outputs) {
      const t = outputs[name];
      if (!t) throw new DomainError('INVALID_INPUT', `output '${name}' is not an output of this model (outputs: ${Object.keys(outputs).map((n) => `'${n}'`).join(', ')}).`);
      picked[name] = t;
    }
    return picked;
  }

  release(): void {
    this.released = true;
  }
}

/**
 * Models served by other servers, as {@link LoadedModel}s: `load` checks the server is ready
 * (OIP `GET …/ready`, MLflow `GET /ping`) and reads an OIP model's signature from its metadata, so
 * a variant whose server is down or unknown is refused before it takes traffic. Holds no
 * connections itself: Node's fetch pools and reuses them per origin.
 */
export class HttpModelRuntime {
  private readonly loaded = new Map<string, HttpLoadedModel>();

  get(versionKey: string): LoadedModel | undefined {
    return this.loaded.get(versionKey);
  }

  /** Checks the endpoint and returns its model; `INVALID_INPUT` naming the problem when it is not usable. */
  async load(versionKey: string, endpoint: HttpEndpoint): Promise<HttpLoadedModel> {
    const ready = this.loaded.get(versionKey);
    if (ready) return ready;
    const timeoutMs = endpoint.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    const target = describeEndpoint(endpoint);
    const refuse = (why: string) => new DomainError('INVALID_INPUT', `The model server at ${target} cannot be used: ${why}`);
    const get = async (url: string): Promise<unknown> => {
      try {
        return await call(url, { method: 'GET' }, `GET ${url}`, timeoutMs);
      } catch (e) {
        throw refuse((e as Error).message);
      }
    };
    let model: HttpLoadedModel;
    if (endpoint.protocol === 'oip') {
      await get(`${target}/ready`);
      const meta = await get(target);
      if (!isObject(meta)) throw refuse('its metadata is not a JSON object.');
      let signature: ServingSignature;
      try {
        signature = { inputs: oipSpecs(meta.inputs, 'inputs'), outputs: oipSpecs(meta.outputs, 'outputs') };
      } catch (e) {
        throw refuse(`${(e as Error).message}.`);
      }
      const version = Array.isArray(meta.versions) && typeof meta.versions[0] === 'string' ? meta.versions[0] : '';
      model = new HttpLoadedModel(versionKey, endpoint, signature, version);
    } else {
      const ping = `${endpoint.url}/ping`;
      let status: number;
      try {
        const res = await fetch(ping, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        status = res.status;
      } catch (e) {
        throw refuse(fetchFailure(e, `GET ${ping}`, timeoutMs).message);
      }
      if (status !== 200) throw refuse(`GET ${ping} answered ${status}.`);
      // MLflow's scoring server does not publish a signature: the server checks inputs itself.
      model = new HttpLoadedModel(versionKey, endpoint, { inputs: [] }, '');
    }
    this.loaded.set(versionKey, model);
    return model;
  }

  /** Refuses new calls; calls in flight finish on their own. */
  async unload(versionKey: string): Promise<void> {
    this.loaded.get(versionKey)?.release();
    this.loaded.delete(versionKey);
  }

  async close(): Promise<void> {
    for (const k of [...this.loaded.keys()]) await this.unload(k);
  }
}

export type { HttpLoadedModel };
