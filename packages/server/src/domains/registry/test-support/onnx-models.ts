import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX TensorProto.DataType numbers used by the tests. */
export const DT = { FLOAT: 1, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;

/** A graph value: a tensor of `elemType` with dims (number: fixed, string: symbolic, null: unknown; no dims: unknown rank). */
export function tensor(name: string, elemType: number, dims?: (number | string | null)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) } } : {}),
      },
    },
  };
}

type Init = { name: string; dims: number[]; floats?: number[]; int64s?: number[] };
type Node = { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number> };

/** An encoded ONNX ModelProto (opset 17) with the given inputs, outputs, initializers and nodes. */
export function graphModel(opts: {
  inputs: ReturnType<typeof tensor>[];
  outputs: ReturnType<typeof tensor>[];
  initializers?: Init[];
  nodes: Node[];
}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'flywheel-test',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      input: opts.inputs,
      output: opts.outputs,
      initializer: (opts.initializers ?? []).map((i) =>
        i.int64s ? { name: i.name, dims: i.dims, dataType: DT.INT64, int64Data: i.int64s } : { name: i.name, dims: i.dims, dataType: DT.FLOAT, floatData: i.floats ?? [] },
      ),
      node: opts.nodes.map((n, k) => ({
        name: `n${k}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([name, i]) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i })),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A model with the given graph inputs, outputs and initializers and no nodes: enough for signatures. */
export function onnxModel(opts: {
  inputs: ReturnType<typeof tensor>[];
  outputs: ReturnType<typeof tensor>[];
  initializers?: { name: string; dims: number[]; floats: number[] }[];
}): Uint8Array {
  return graphModel({ ...opts, nodes: [] });
}

/** A small classifier: float `x` [batch, 4] with an initializer `W` also listed as an input. */
export function classifierModel(): Uint8Array {
  return onnxModel({
    inputs: [tensor('x', DT.FLOAT, ['batch', 4]), tensor('W', DT.FLOAT, [4, 2])],
    outputs: [tensor('label', DT.INT64, ['batch']), tensor('probabilities', DT.FLOAT, ['batch', 2])],
    initializers: [{ name: 'W', dims: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8] }],
  });
}
