import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import { DomainError, type TensorSpec } from '@flywheel/contract';

const { onnx } = onnxProto;

/** ONNX TensorProto.DataType numbers (onnx.proto, up to IR version 11) → element type names. */
const ELEM_TYPES: Record<number, string> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
};

export function onnxElemType(dataType: number | null | undefined): string {
  const n = dataType ?? 0;
  return ELEM_TYPES[n] ?? `unknown(${n})`;
}

type LongLike = number | { toNumber(): number };
const toNumber = (v: LongLike): number => (typeof v === 'number' ? v : v.toNumber());

function shapeOf(shape: Onnx.ITensorShapeProto | null | undefined): TensorSpec['shape'] {
  if (!shape) return null; // unknown rank
  return (shape.dim ?? []).map((d) => {
    const dim = d as Onnx.TensorShapeProto.Dimension;
    if (dim.value === 'dimValue' && dim.dimValue !== null && dim.dimValue !== undefined) return toNumber(dim.dimValue as LongLike);
    if (dim.value === 'dimParam' && dim.dimParam) return dim.dimParam;
    return null;
  });
}

/** The element type and shape of a value's type; non-tensors read as `sequence<…>`, `map<…>`, `optional<…>`. */
function describe(type: Onnx.ITypeProto | null | undefined): { elemType: string; shape: TensorSpec['shape'] } {
  const t = type as Onnx.TypeProto | null | undefined;
  if (!t) return { elemType: 'undefined', shape: null };
  switch (t.value) {
    case 'tensorType':
      return { elemType: onnxElemType(t.tensorType!.elemType), shape: shapeOf(t.tensorType!.shape) };
    case 'sparseTensorType':
      return { elemType: `sparse<${onnxElemType(t.sparseTensorType!.elemType)}>`, shape: shapeOf(t.sparseTensorType!.shape) };
    case 'sequenceType':
      return { elemType: `sequence<${describe(t.sequenceType!.elemType).elemType}>`, shape: null };
    case 'mapType':
      return { elemType: `map<${onnxElemType(t.mapType!.keyType)},${describe(t.mapType!.valueType).elemType}>`, shape: null };
    case 'optionalType':
      return { elemType: `optional<${describe(t.optionalType!.elemType).elemType}>`, shape: null };
    default:
      return { elemType: 'undefined', shape: null };
  }
}

const spec = (v: Onnx.IValueInfoProto): TensorSpec => ({ name: v.name ?? '', ...describe(v.type) });

/**
 * The signature of an ONNX model, read from its graph: the graph inputs (less the initializers
 * that older exporters also list as inputs) and outputs, with element types and shapes.
 * Bytes that are not an ONNX ModelProto are an `INVALID_INPUT` {@link DomainError}.
 *
 * @example
 *   onnxSignature(await readFile('model.onnx'));
 *   // { inputs: [{ name: 'x', elemType: 'float32', shape: ['batch', 4] }], outputs: [...] }
 */
export function onnxSignature(bytes: Uint8Array): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new DomainError('INVALID_INPUT', `Not an ONNX model: the bytes do not decode as an ONNX ModelProto (${(e as Error).message}).`);
  }
  const graph = model.graph;
  if (!graph || (!graph.input?.length && !graph.output?.length)) {
    throw new DomainError('INVALID_INPUT', 'Not an ONNX model: it has no graph with inputs or outputs.');
  }
  const initializers = new Set<string>();
  for (const t of graph.initializer ?? []) if (t.name) initializers.add(t.name);
  for (const t of graph.sparseInitializer ?? []) if (t.values?.name) initializers.add(t.values.name);
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(spec),
    outputs: (graph.output ?? []).map(spec),
  };
}
