import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { onnxSignature } from '../registry/onnx-signature.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import type { Tensor } from './model-runtime.js';
import { DT, graphModel, logisticJs, logisticModel, mixedModel, neverRunsModel, oneRowOnlyModel, tensor } from './test-support/serving-models.js';
import type { MicroBatcher } from './batching.js';

const runtime = new OnnxModelRuntime();
after(() => runtime.close());

const load = (key: string, bytes: Uint8Array) => runtime.load(key, bytes, onnxSignature(bytes));

function rows(n: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from({ length: 10 }, (_, c) => Math.sin(r * 10 + c) * 2));
}
const f32 = (rs: number[][]): Tensor => ({ type: 'float32', shape: [rs.length, rs[0]!.length], data: Float32Array.from(rs.flat()) });

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('logistic model: one row matches a JS computation', async () => {
  const m = await load('logistic/1', logisticModel());
  const [row] = rows(1);
  const out = await m.run({ x: f32([row!]) });
  assert.deepEqual(Object.keys(out), ['p']);
  assert.equal(out.p!.type, 'float32');
  assert.deepEqual(out.p!.shape, [1, 1]);
  assert.ok(Math.abs(out.p!.data[0] as number - logisticJs(row!)) < 1e-5);
});

test('logistic model: a batch of 64 rows runs as one call and matches row by row', async () => {
  const m = await load('logistic/1', logisticModel());
  const rs = rows(64);
  const out = await m.run({ x: f32(rs) });
  assert.deepEqual(out.p!.shape, [64, 1]);
  rs.forEach((r, i) => assert.ok(Math.abs((out.p!.data[i] as number) - logisticJs(r)) < 1e-5, `row ${i}`));
});

test('load returns the same model for a key, also when loads race', async () => {
  const bytes = logisticModel();
  const [a, b] = await Promise.all([load('race/1', bytes), load('race/1', bytes)]);
  assert.equal(a, b);
  assert.equal(runtime.get('race/1'), a);
  await runtime.unload('race/1');
});

test('int64 and string inputs', async () => {
  const m = await load('mixed/1', mixedModel());
  const out = await m.run({
    ids: { type: 'int64', shape: [2, 3], data: BigInt64Array.from([1n, 2n, 3n, 10n, 20n, 1099511627776n]) },
    names: { type: 'string', shape: [2], data: ['alpha', 'béta'] },
  });
  assert.equal(out.ids_sum!.type, 'int64');
  assert.deepEqual([...(out.ids_sum!.data as BigInt64Array)], [6n, 1099511627806n]);
  assert.deepEqual(out.names_out, { type: 'string', shape: [2], data: ['alpha', 'béta'] });
});

test('only the requested outputs; an unknown output is INVALID_INPUT', async () => {
  const m = await load('mixed/1', mixedModel());
  const inputs: Record<string, Tensor> = {
    ids: { type: 'int64', shape: [1, 3], data: BigInt64Array.from([1n, 1n, 1n]) },
    names: { type: 'string', shape: [1], data: ['a'] },
  };
  assert.deepEqual(Object.keys(await m.run(inputs, { outputs: ['names_out'] })), ['names_out']);
  await rejectsWith(m.run(inputs, { outputs: ['nope'] }), 'INVALID_INPUT', /output 'nope' is not an output of this model/);
});

test('validation errors name the input and the problem', async () => {
  const m = await load('logistic/1', logisticModel());
  const mixed = await load('mixed/1', mixedModel());
  const x = f32(rows(1));
  await rejectsWith(m.run({}), 'INVALID_INPUT', /input 'x' is missing \(expected float32 \[batch, 10\]\)/);
  await rejectsWith(m.run({ x, y: x }), 'INVALID_INPUT', /input 'y' is not an input of this model \(inputs: 'x'\)/);
  await rejectsWith(
    m.run({ x: { type: 'float64', shape: [1, 10], data: new Float64Array(10) } }),
    'INVALID_INPUT',
    /input 'x': expected element type float32, got float64/,
  );
  await rejectsWith(
    m.run({ x: { type: 'float32', shape: [10], data: new Float32Array(10) } }),
    'INVALID_INPUT',
    /input 'x': expected shape \[batch, 10\], got \[10\] \(rank 1, expected 2\)/,
  );
  await rejectsWith(
    m.run({ x: { type: 'float32', shape: [1, 9], data: new Float32Array(9) } }),
    'INVALID_INPUT',
    /input 'x': expected shape \[batch, 10\], got \[1, 9\]/,
  );
  await rejectsWith(
    m.run({ x: { type: 'float32', shape: [2, 10], data: new Float32Array(10) } }),
    'INVALID_INPUT',
    /input 'x': shape \[2, 10\] needs 20 values, got 10/,
  );
  await rejectsWith(
    m.run({ x: { type: 'float32', shape: [1, 10], data: new Float64Array(10) as unknown as Float32Array } }),
    'INVALID_INPUT',
    /input 'x': data does not hold float32 values/,
  );
  await rejectsWith(
    mixed.run({
      ids: { type: 'int64', shape: [2, 3], data: new BigInt64Array(6) },
      names: { type: 'string', shape: [1], data: ['a'] },
    }),
    'INVALID_INPUT',
    /input 'names': expected shape \[batch\], got \[1\]: dimension 'batch' is 1 here but 2 in input 'ids'/,
  );
});

test('a model failure is INTERNAL for that call only', async () => {
  const m = await load('one-row/1', oneRowOnlyModel());
  const two: Tensor = { type: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };
  await rejectsWith(m.run({ x: two }), 'INTERNAL', /Model version 'one-row\/1' failed on this request/);
  const ok = await m.run({ x: { type: 'float32', shape: [1, 2], data: Float32Array.from([5, 6]) } });
  assert.deepEqual([...(ok.y!.data as Float32Array)], [5, 6]);
});

test('a model that fails warm-up or is not ONNX is not loaded', async () => {
  await rejectsWith(load('never/1', neverRunsModel()), 'INVALID_INPUT', /Model version 'never\/1' cannot be served: warm-up failed/);
  assert.equal(runtime.get('never/1'), undefined);
  await rejectsWith(
    runtime.load('junk/1', new Uint8Array([1, 2, 3, 4]), { inputs: [{ name: 'x', elemType: 'float32', shape: [1] }] }),
    'INVALID_INPUT',
    /cannot be loaded by ONNX Runtime/,
  );
  await rejectsWith(
    runtime.load('f16/1', logisticModel(), { inputs: [{ name: 'x', elemType: 'float16', shape: ['batch', 10] }] }),
    'INVALID_INPUT',
    /input 'x' has element type float16, which serving does not accept/,
  );
});

test('unload waits for calls in flight, then later calls are NOT_FOUND', async () => {
  const m = await load('unload/1', logisticModel());
  const running = m.run({ x: f32(rows(64)) });
  await runtime.unload('unload/1');
  assert.deepEqual((await running).p!.shape, [64, 1]);
  assert.equal(runtime.get('unload/1'), undefined);
  await rejectsWith(m.run({ x: f32(rows(1)) }), 'NOT_FOUND', /'unload\/1' is not loaded/);
  await runtime.unload('unload/1'); // a no-op
});

// ---- micro-batching ----------------------------------------------------------------------------

/** float table [10, 20, 30] gathered by int64 `i` [batch]: an index ≥ 3 fails inside ONNX Runtime. */
function gatherModel(): Uint8Array {
  return graphModel({
    inputs: [tensor('i', DT.INT64, ['batch'])],
    outputs: [tensor('y', DT.FLOAT, ['batch'])],
    initializers: [{ name: 'table', dims: [3], floats: [10, 20, 30] }],
    nodes: [{ op: 'Gather', inputs: ['table', 'i'], outputs: ['y'], attrs: { axis: 0 } }],
  });
}

const unbatched = new OnnxModelRuntime({ batching: false });
after(() => unbatched.close());

test('concurrent single-row calls share one run and get exactly the outputs of separate runs', async () => {
  const bytes = logisticModel();
  const b = (await load('batch/logistic', bytes)) as Awaited<ReturnType<typeof load>> & { batcher: MicroBatcher | null };
  const u = await unbatched.load('batch/logistic', bytes, onnxSignature(bytes));
  assert.ok(b.batcher, 'the logistic model has a leading batch dimension everywhere, so it is batched');
  const rs = rows(40);
  const before = { ...b.batcher.stats };
  const got = await Promise.all(rs.map((r) => b.run({ x: f32([r]) })));
  const calls = b.batcher.stats.calls - before.calls;
  assert.ok(calls < rs.length / 4, `40 concurrent calls should share a few runs, took ${calls}`);
  for (let i = 0; i < rs.length; i++) {
    const want = await u.run({ x: f32([rs[i]!]) });
    assert.deepEqual(got[i]!.p!.shape, [1, 1]);
    assert.deepEqual(Array.from(got[i]!.p!.data as Float32Array), Array.from(want.p!.data as Float32Array), `row ${i}`);
  }
  // Multi-row requests in the same turn keep their own rows, in order.
  const multi = await Promise.all([rows(3), rows(5).slice(2), rows(1)].map((rs2) => b.run({ x: f32(rs2) })));
  for (const [i, rs2] of [rows(3), rows(5).slice(2), rows(1)].entries()) {
    const want = await u.run({ x: f32(rs2) });
    assert.deepEqual(multi[i]!.p!.shape, [rs2.length, 1]);
    assert.deepEqual(Array.from(multi[i]!.p!.data as Float32Array), Array.from(want.p!.data as Float32Array));
  }
});

test('batched int64 and string inputs, and a requested subset of outputs', async () => {
  const bytes = mixedModel();
  const m = await load('batch/mixed', bytes);
  const calls = Array.from({ length: 12 }, (_, k) =>
    m.run(
      { ids: { type: 'int64', shape: [1, 3], data: BigInt64Array.from([BigInt(k), 2n ** 40n, -1n]) }, names: { type: 'string', shape: [1], data: [`n${k}`] } },
      k % 2 ? { outputs: ['names_out'] } : {},
    ),
  );
  const out = await Promise.all(calls);
  out.forEach((o, k) => {
    assert.deepEqual(Object.keys(o).sort(), k % 2 ? ['names_out'] : ['ids_sum', 'names_out']);
    assert.deepEqual(o.names_out!.data, [`n${k}`]);
    if (!(k % 2)) assert.deepEqual(Array.from(o.ids_sum!.data as BigInt64Array), [BigInt(k) + 2n ** 40n - 1n]);
  });
});

test('in a batch, an invalid request and a request that breaks the model fail alone', async () => {
  const bytes = gatherModel();
  const m = await load('batch/gather', bytes);
  const idx = (v: number) => ({ i: { type: 'int64' as const, shape: [1], data: BigInt64Array.from([BigInt(v)]) } });
  const results = await Promise.allSettled([
    m.run(idx(0)),
    m.run({ i: { type: 'int64', shape: [2], data: BigInt64Array.from([1n]) } }), // data length ≠ shape
    m.run(idx(7)), // out of the table: fails inside ONNX Runtime
    m.run(idx(2)),
    m.run(idx(1)),
  ]);
  const value = (r: PromiseSettledResult<Record<string, Tensor>>) => (r.status === 'fulfilled' ? Array.from(r.value.y!.data as Float32Array) : r.reason);
  assert.deepEqual(value(results[0]!), [10]);
  assert.deepEqual(value(results[3]!), [30]);
  assert.deepEqual(value(results[4]!), [20]);
  assert.equal(results[1]!.status, 'rejected');
  assert.equal((results[1] as PromiseRejectedResult).reason.code, 'INVALID_INPUT');
  assert.equal(results[2]!.status, 'rejected');
  assert.equal((results[2] as PromiseRejectedResult).reason.code, 'INTERNAL');
});

test('models without a leading batch dimension on every output are not batched', async () => {
  const m = (await load('batch/one-row', oneRowOnlyModel())) as Awaited<ReturnType<typeof load>> & { batcher: MicroBatcher | null };
  assert.equal(m.batcher, null);
  const out = await Promise.all([0, 1, 2].map((k) => m.run({ x: { type: 'float32', shape: [1, 2], data: Float32Array.from([k, k + 1]) } })));
  out.forEach((o, k) => assert.deepEqual(Array.from(o.y!.data as Float32Array), [k, k + 1]));
});
