import { DT, graphModel, tensor } from '../../registry/test-support/onnx-models.js';

export { DT, graphModel, tensor };

/** Deterministic weights for the logistic model. */
export const LOGISTIC_W = Array.from({ length: 10 }, (_, i) => ((i % 3) - 1) * 0.25 + i * 0.05);
export const LOGISTIC_B = -0.3;

/** Logistic regression over 10 float features: `p = sigmoid(x · W + b)`, x [batch, 10] → p [batch, 1]. */
export function logisticModel(w: readonly number[] = LOGISTIC_W, b: number = LOGISTIC_B): Uint8Array {
  return graphModel({
    inputs: [tensor('x', DT.FLOAT, ['batch', 10])],
    outputs: [tensor('p', DT.FLOAT, ['batch', 1])],
    initializers: [
      { name: 'W', dims: [10, 1], floats: [...w] },
      { name: 'b', dims: [1], floats: [b] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'b'], outputs: ['z'] },
      { op: 'Sigmoid', inputs: ['z'], outputs: ['p'] },
    ],
  });
}

/** The logistic model's prediction for one row, in float64 JS. */
export function logisticJs(row: readonly number[], w: readonly number[] = LOGISTIC_W, b: number = LOGISTIC_B): number {
  const z = row.reduce((s, v, i) => s + v * w[i]!, b);
  return 1 / (1 + Math.exp(-z));
}

/** int64 `ids` [batch, 3] and string `names` [batch] → `ids_sum` int64 [batch], `names_out` string [batch]. */
export function mixedModel(): Uint8Array {
  return graphModel({
    inputs: [tensor('ids', DT.INT64, ['batch', 3]), tensor('names', DT.STRING, ['batch'])],
    outputs: [tensor('ids_sum', DT.INT64, ['batch']), tensor('names_out', DT.STRING, ['batch'])],
    initializers: [{ name: 'axes', dims: [1], int64s: [1] }],
    nodes: [
      { op: 'ReduceSum', inputs: ['ids', 'axes'], outputs: ['ids_sum'], attrs: { keepdims: 0 } },
      { op: 'Identity', inputs: ['names'], outputs: ['names_out'] },
    ],
  });
}

/** float `x` [batch, 2] reshaped to [1, 2]: runs (and warms) with one row, fails inside ONNX Runtime with more. */
export function oneRowOnlyModel(): Uint8Array {
  return graphModel({
    inputs: [tensor('x', DT.FLOAT, ['batch', 2])],
    outputs: [tensor('y', DT.FLOAT, [1, 2])],
    initializers: [{ name: 'shape', dims: [2], int64s: [1, 2] }],
    nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
  });
}

/** float `x` [batch, 2] reshaped to [3]: fails already on the warm-up row. */
export function neverRunsModel(): Uint8Array {
  return graphModel({
    inputs: [tensor('x', DT.FLOAT, ['batch', 2])],
    outputs: [tensor('y', DT.FLOAT, [3])],
    initializers: [{ name: 'shape', dims: [1], int64s: [3] }],
    nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
  });
}

/** The logistic model's signature, but x is reshaped to [1, 10] first: fine on one row (warm-up), fails inside ONNX Runtime on two. */
export function failsOnBatchesModel(): Uint8Array {
  return graphModel({
    inputs: [tensor('x', DT.FLOAT, ['batch', 10])],
    outputs: [tensor('p', DT.FLOAT, ['batch', 1])],
    initializers: [
      { name: 'shape', dims: [2], int64s: [1, 10] },
      { name: 'W', dims: [10, 1], floats: Array.from({ length: 10 }, (_, i) => i / 10) },
      { name: 'b', dims: [1], floats: [0.1] },
    ],
    nodes: [
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['xr'] },
      { op: 'MatMul', inputs: ['xr', 'W'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'b'], outputs: ['z'] },
      { op: 'Sigmoid', inputs: ['z'], outputs: ['p'] },
    ],
  });
}
