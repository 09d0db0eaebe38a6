import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, logisticRegressionOnnx, OnnxType } from './onnx.js';

test('a logistic regression written by the SDK runs in ONNX Runtime and computes sigmoid(x·w + b)', async () => {
  const weights = [0.5, -1.25, 2, 0.001];
  const bias = -0.3;
  const session = await ort.InferenceSession.create(logisticRegressionOnnx({ weights, bias, featureNames: ['a', 'b', 'c', 'd'] }));
  try {
    assert.deepEqual(session.inputNames, ['x']);
    assert.deepEqual(session.outputNames, ['p']);
    const rows = [
      [1, 2, 3, 4],
      [-1, 0.5, 0, 1000],
      [0, 0, 0, 0],
    ];
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(rows.flat()), [3, 4]) });
    const p = out.p!.data as Float32Array;
    assert.deepEqual(out.p!.dims, [3, 1]);
    rows.forEach((r, i) => {
      const z = r.reduce((s, v, j) => s + v * weights[j]!, bias);
      assert.ok(Math.abs(p[i]! - 1 / (1 + Math.exp(-z))) < 1e-6, `row ${i}: ${p[i]} vs ${1 / (1 + Math.exp(-z))}`);
    });
  } finally {
    await session.release();
  }
});

test('int64 initializers, integer attributes and large varints encode correctly', async () => {
  // ReduceSum over axis 1 of a [batch, 3] int64 input, keepdims=0: exercises packed int64s and an INT attribute.
  const bytes = encodeOnnxModel({
    inputs: [{ name: 'ids', elemType: OnnxType.INT64, dims: ['batch', 3] }],
    outputs: [{ name: 'sum', elemType: OnnxType.INT64, dims: ['batch'] }],
    initializers: [{ name: 'axes', dims: [1], int64s: [1] }],
    nodes: [{ op: 'ReduceSum', inputs: ['ids', 'axes'], outputs: ['sum'], ints: { keepdims: 0 } }],
    metadata: { trained_by: 'test' },
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const big = 2 ** 40;
    const out = await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n, BigInt(big), 5n, -6n]), [2, 3]) });
    assert.deepEqual(Array.from(out.sum!.data as BigInt64Array), [6n, BigInt(big - 1)]);
  } finally {
    await session.release();
  }
});
