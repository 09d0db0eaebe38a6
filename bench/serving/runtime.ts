/**
 * In-process throughput of the ONNX runtime on the 10-feature logistic model: rows/s for 1-row
 * and 64-row calls, one call at a time (validation + ONNX Runtime + tensor conversion; no HTTP,
 * no JSON), then concurrent single-row requests with micro-batching off and on. Not a test. Run:
 *   node --conditions=flywheel-source --import tsx bench/serving/runtime.ts [seconds-per-case]
 */
import onnxProto from 'onnx-proto';
import { onnxSignature } from '../../packages/server/src/domains/registry/onnx-signature.js';
import { OnnxModelRuntime } from '../../packages/server/src/domains/serving/onnx-runtime.js';
import type { Tensor } from '../../packages/server/src/domains/serving/model-runtime.js';

// The same graph as test-support/serving-models.ts `logisticModel` (sigmoid(x·W + b), x [batch, 10]),
// built here because the server build excludes test-support folders and a src file may not import them.
function logisticModel(): Uint8Array {
  const { onnx } = onnxProto;
  const FLOAT = 1;
  const value = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'logistic',
      input: [value('x', ['batch', 10])],
      output: [value('p', ['batch', 1])],
      initializer: [
        { name: 'W', dims: [10, 1], dataType: FLOAT, floatData: Array.from({ length: 10 }, (_, i) => ((i % 3) - 1) * 0.25 + i * 0.05) },
        { name: 'b', dims: [1], dataType: FLOAT, floatData: [-0.3] },
      ],
      node: [
        { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
        { opType: 'Add', input: ['xw', 'b'], output: ['z'] },
        { opType: 'Sigmoid', input: ['z'], output: ['p'] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const seconds = Number(process.argv[2] ?? 2);
const runtime = new OnnxModelRuntime();
const bytes = logisticModel();
const model = await runtime.load('measure/1', bytes, onnxSignature(bytes));

const batch = (n: number): Tensor => ({ type: 'float32', shape: [n, 10], data: Float32Array.from({ length: n * 10 }, (_, i) => Math.sin(i)) });

// Each case twice, alternating, so JIT warm-up does not favour whichever runs second.
for (const rows of [1, 64, 1, 64]) {
  const x = batch(rows);
  for (let i = 0; i < 200; i++) await model.run({ x }); // warm
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let calls = 0;
  let now = start;
  while (now < deadline) {
    await model.run({ x });
    calls++;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const perCallUs = (elapsed / calls) * 1e6;
  console.log(
    `${String(rows).padStart(2)}-row calls: ${calls} calls in ${elapsed.toFixed(2)} s, ${perCallUs.toFixed(1)} µs/call, ` +
      `${Math.round(calls / elapsed)} calls/s, ${Math.round((calls * rows) / elapsed)} rows/s`,
  );
}
await runtime.close();

// Micro-batching: N single-row requests issued in the same event-loop turn (what concurrent HTTP
// requests look like to the runtime), with batching off and on (the default).
for (const batching of [false, true, false, true]) {
  const rt = new OnnxModelRuntime({ batching });
  const m = await rt.load('measure/b', bytes, onnxSignature(bytes));
  const x = batch(1);
  for (const concurrent of [1, 8, 64]) {
    for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: concurrent }, () => m.run({ x })));
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round((seconds / 2) * 1e9));
    let requests = 0;
    let now = start;
    while (now < deadline) {
      await Promise.all(Array.from({ length: concurrent }, () => m.run({ x })));
      requests += concurrent;
      now = process.hrtime.bigint();
    }
    const elapsed = Number(now - start) / 1e9;
    console.log(`batching ${batching ? 'on ' : 'off'}, ${String(concurrent).padStart(2)} concurrent 1-row requests: ${Math.round(requests / elapsed)} requests/s`);
  }
  await rt.close();
}
