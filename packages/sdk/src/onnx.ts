/**
 * A small ONNX writer for models trained in TypeScript: no dependency, runs in Node and browsers.
 * It encodes the few protobuf messages a model needs (ModelProto, GraphProto, NodeProto,
 * TensorProto, ValueInfoProto) following onnx/onnx.proto; the result loads in ONNX Runtime.
 */

/** ONNX TensorProto.DataType values. */
export const OnnxType = { FLOAT: 1, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;

export interface OnnxValue {
  name: string;
  elemType: number;
  /** number: fixed size; string: a symbolic dimension such as 'batch'. */
  dims: (number | string)[];
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  floats?: ArrayLike<number>;
  int64s?: ArrayLike<number>;
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer attributes (e.g. `axis`, `keepdims`). */
  ints?: Record<string, number>;
}

export interface OnnxGraph {
  name?: string;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers?: OnnxInitializer[];
  nodes: OnnxNode[];
  /** Key/value metadata stored in the model (feature names, training run …). */
  metadata?: Record<string, string>;
  producer?: string;
  opset?: number;
}

class Writer {
  private chunks: number[] = [];
  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n > 0x7fn) {
      this.chunks.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.chunks.push(Number(n));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.chunks.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }
  packedFloats(field: number, xs: ArrayLike<number>): this {
    const buf = new Uint8Array(xs.length * 4);
    const view = new DataView(buf.buffer);
    for (let i = 0; i < xs.length; i++) view.setFloat32(i * 4, xs[i]!, true);
    return this.bytes(field, buf);
  }
  packedInts(field: number, xs: ArrayLike<number>): this {
    const w = new Writer();
    for (let i = 0; i < xs.length; i++) w.varint(xs[i]!);
    return this.bytes(field, w.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function valueInfo(v: OnnxValue): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.elemType).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

function initializer(t: OnnxInitializer): Writer {
  const w = new Writer().packedInts(1, t.dims);
  if (t.int64s) w.int(2, OnnxType.INT64).packedInts(7, t.int64s);
  else w.int(2, OnnxType.FLOAT).packedFloats(4, t.floats ?? []);
  return w.string(8, t.name);
}

function node(n: OnnxNode, k: number): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.op.toLowerCase()}_${k}`).string(4, n.op);
  for (const [name, i] of Object.entries(n.ints ?? {})) w.message(5, new Writer().string(1, name).int(3, i).int(20, 2 /* INT */));
  return w;
}

/** Encodes a graph as an ONNX ModelProto (IR 8, opset 17 by default). */
export function encodeOnnxModel(g: OnnxGraph): Uint8Array {
  const graph = new Writer();
  g.nodes.forEach((n, k) => graph.message(1, node(n, k)));
  graph.string(2, g.name ?? 'graph');
  for (const t of g.initializers ?? []) graph.message(5, initializer(t));
  for (const i of g.inputs) graph.message(11, valueInfo(i));
  for (const o of g.outputs) graph.message(12, valueInfo(o));
  const model = new Writer().int(1, 8).string(2, g.producer ?? 'flywheel-sdk').message(7, graph).message(8, new Writer().string(1, '').int(2, g.opset ?? 17));
  for (const [key, value] of Object.entries(g.metadata ?? {})) model.message(14, new Writer().string(1, key).string(2, value));
  return model.finish();
}

/**
 * A trained logistic regression as ONNX: float input `x` [batch, n] → probability `p` [batch, 1]
 * (`p = sigmoid(x·w + b)`). Standardisation used in training can be folded into `w` and `b` first.
 *
 * @example
 *   const bytes = logisticRegressionOnnx({ weights: [0.4, -1.2], bias: 0.1, featureNames: ['price', 'tenure'] });
 */
export function logisticRegressionOnnx(m: { weights: ArrayLike<number>; bias: number; featureNames?: string[]; inputName?: string; outputName?: string; metadata?: Record<string, string> }): Uint8Array {
  const n = m.weights.length;
  const x = m.inputName ?? 'x';
  const p = m.outputName ?? 'p';
  return encodeOnnxModel({
    name: 'logistic_regression',
    inputs: [{ name: x, elemType: OnnxType.FLOAT, dims: ['batch', n] }],
    outputs: [{ name: p, elemType: OnnxType.FLOAT, dims: ['batch', 1] }],
    initializers: [
      { name: 'W', dims: [n, 1], floats: m.weights },
      { name: 'B', dims: [1], floats: [m.bias] },
    ],
    nodes: [
      { op: 'MatMul', inputs: [x, 'W'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'B'], outputs: ['z'] },
      { op: 'Sigmoid', inputs: ['z'], outputs: [p] },
    ],
    metadata: { ...(m.featureNames ? { feature_names: JSON.stringify(m.featureNames) } : {}), ...m.metadata },
  });
}
