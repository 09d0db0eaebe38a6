import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { onnxSignature } from '../registry/onnx-signature.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import { decodeOipRequest, encodeOipResponse } from './oip-codec.js';
import { decodeInvocations, encodeMlflowPredictions, tableToTensors } from './mlflow-invocations-codec.js';
import { logisticJs, logisticModel } from './test-support/serving-models.js';

const runtime = new OnnxModelRuntime();
after(() => runtime.close());
const bytes = logisticModel();
const signature = onnxSignature(bytes);
const rows = Array.from({ length: 64 }, (_, r) => Array.from({ length: 10 }, (_, c) => ((r * 7 + c * 3) % 11) / 5 - 1));
const features = Array.from({ length: 10 }, (_, i) => `f${i}`);

test('pipeline: an OIP request of 64 rows → one run → an OIP response', async () => {
  const model = await runtime.load('logistic/1', bytes, signature);
  const req = decodeOipRequest(JSON.parse(JSON.stringify({ id: 'a', inputs: [{ name: 'x', shape: [64, 10], datatype: 'FP32', data: rows }] })));
  const res = encodeOipResponse({ modelName: 'logistic', modelVersion: '1', id: req.id!, outputs: await model.run(req.inputs, { outputs: req.outputs }) });
  assert.equal(res.outputs[0]!.name, 'p');
  assert.deepEqual(res.outputs[0]!.shape, [64, 1]);
  res.outputs[0]!.data.forEach((p, i) => assert.ok(Math.abs((p as number) - logisticJs(rows[i]!)) < 1e-5));
});

test('pipeline: an OIP request of the wrong width is INVALID_INPUT from the runtime', async () => {
  const model = await runtime.load('logistic/1', bytes, signature);
  const req = decodeOipRequest({ inputs: [{ name: 'x', shape: [1, 9], datatype: 'FP32', data: new Array(9).fill(0) }] });
  await assert.rejects(model.run(req.inputs), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && /expected shape \[batch, 10\], got \[1, 9\]/.test(e.message));
});

test('pipeline: MLflow dataframe_split and CSV → one run → predictions', async () => {
  const model = await runtime.load('logistic/1', bytes, signature);
  const shuffled = [...features].reverse();
  const split = decodeInvocations(
    JSON.stringify({ dataframe_split: { columns: shuffled, data: rows.map((r) => [...r].reverse()) } }),
    'application/json',
  );
  const csv = decodeInvocations([features.join(','), ...rows.map((r) => r.join(','))].join('\n'), 'text/csv');
  for (const table of [split, csv]) {
    const { predictions } = encodeMlflowPredictions(await model.run(tableToTensors(table, signature.inputs, { featureNames: features })));
    assert.equal((predictions as number[][]).length, 64);
    (predictions as number[][]).forEach(([p], i) => assert.ok(Math.abs(p! - logisticJs(rows[i]!)) < 1e-5, `row ${i}`));
  }
});
