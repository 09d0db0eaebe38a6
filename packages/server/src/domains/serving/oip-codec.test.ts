import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOipRequest, decodeOipResponse, encodeOipRequest, encodeOipResponse, encodeOipResponseText } from './oip-codec.js';
import type { Tensor } from './model-runtime.js';
import { throwsInvalid } from '../../test-support/assertions.js';

const invalid = throwsInvalid;

const input = (over: Record<string, unknown>) => ({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4], ...over }] });

test('oip: decodes a request with flat and nested data, id, parameters and outputs', () => {
  const req = decodeOipRequest({
    id: 'r1',
    parameters: { content_type: 'np' },
    inputs: [
      { name: 'x', shape: [2, 3], datatype: 'FP32', data: [[1, 2, 3], [4, 5, 6.5]] },
      { name: 'ids', shape: [2], datatype: 'INT64', data: [7, '9007199254740993'] },
      { name: 'ok', shape: [3], datatype: 'BOOL', data: [true, false, 1] },
      { name: 's', shape: [1], datatype: 'BYTES', data: ['hi'] },
      { name: 'i', shape: [1, 1], datatype: 'INT32', data: [[[-3]]] },
      { name: 'd', shape: [], datatype: 'FP64', data: [0.1] },
    ],
    outputs: [{ name: 'p' }],
  });
  assert.equal(req.id, 'r1');
  assert.deepEqual(req.parameters, { content_type: 'np' });
  assert.deepEqual(req.outputs, ['p']);
  assert.deepEqual(req.inputs.x, { type: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) });
  assert.deepEqual(req.inputs.ids, { type: 'int64', shape: [2], data: BigInt64Array.from([7n, 9007199254740993n]) });
  assert.deepEqual(req.inputs.ok, { type: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) });
  assert.deepEqual(req.inputs.s, { type: 'string', shape: [1], data: ['hi'] });
  assert.deepEqual(req.inputs.i, { type: 'int32', shape: [1, 1], data: Int32Array.from([-3]) });
  assert.deepEqual(req.inputs.d, { type: 'float64', shape: [], data: Float64Array.from([0.1]) });
});

test('oip: request and response round trips', () => {
  const tensors: Record<string, Tensor> = {
    x: { type: 'float64', shape: [2, 2], data: Float64Array.from([0.5, -1, 2.25, 1e-9]) },
    n: { type: 'int64', shape: [2], data: BigInt64Array.from([-5n, 2n ** 62n]) },
    b: { type: 'bool', shape: [2], data: Uint8Array.from([0, 1]) },
    s: { type: 'string', shape: [1], data: ['a b'] },
    i: { type: 'int32', shape: [1], data: Int32Array.from([42]) },
    f: { type: 'float32', shape: [1], data: Float32Array.from([0.1]) },
  };
  const req = JSON.parse(JSON.stringify(encodeOipRequest(tensors, { id: 'q', outputs: ['y'] })));
  assert.deepEqual(req.inputs[1], { name: 'n', shape: [2], datatype: 'INT64', data: [-5, '4611686018427387904'] });
  assert.deepEqual(decodeOipRequest(req), { id: 'q', inputs: tensors, outputs: ['y'] });

  const res = JSON.parse(JSON.stringify(encodeOipResponse({ modelName: 'churn', modelVersion: '3', id: 'q', outputs: tensors })));
  assert.equal(res.model_name, 'churn');
  assert.equal(res.model_version, '3');
  assert.equal(res.id, 'q');
  assert.deepEqual(res.outputs[2], { name: 'b', shape: [2], datatype: 'BOOL', data: [false, true] });
  assert.deepEqual(decodeOipResponse(res), { modelName: 'churn', modelVersion: '3', id: 'q', outputs: tensors });
});

test('oip: request shape errors', () => {
  invalid(() => decodeOipRequest(null), /must be a JSON object with an "inputs" list/);
  invalid(() => decodeOipRequest({ inputs: [] }), /non-empty "inputs" list/);
  invalid(() => decodeOipRequest({ inputs: [7] }), /inputs\[0\] must be an object/);
  invalid(() => decodeOipRequest({ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }), /inputs\[0\]: 'name' must be a non-empty string/);
  invalid(() => decodeOipRequest(input({ shape: [2, -1] })), /input 'x': 'shape' must be a list of non-negative integers/);
  invalid(() => decodeOipRequest(input({ data: 'abc' })), /input 'x': 'data' must be an array/);
  invalid(() => decodeOipRequest({ inputs: [input({}).inputs[0], input({}).inputs[0]] }), /input 'x' is given more than once/);
  invalid(() => decodeOipRequest({ ...input({}), id: 5 }), /'id' must be a string/);
  // Echoed as a response header: a newline or a non-ASCII id is a 400, not a 500 after the model ran.
  invalid(() => decodeOipRequest({ ...input({}), id: 'a\nb' }), /'id' must be 1-256 printable ASCII/);
  invalid(() => decodeOipRequest({ ...input({}), id: 'é' }), /'id' must be 1-256 printable ASCII/);
  invalid(() => decodeOipRequest({ ...input({}), id: 'x'.repeat(257) }), /'id' must be 1-256 printable ASCII/);
  invalid(() => decodeOipRequest({ ...input({}), outputs: [{}] }), /outputs\[0\] must be an object with a non-empty 'name'/);
  invalid(() => decodeOipRequest({ ...input({}), parameters: [] }), /'parameters' must be an object/);
});

test('oip: data errors name the input', () => {
  invalid(() => decodeOipRequest(input({ data: [1, 2, 3] })), /input 'x': shape \[2, 2\] needs 4 values, 'data' has 3/);
  invalid(() => decodeOipRequest(input({ data: [[1, 2], [3, 4, 5]] })), /input 'x': shape \[2, 2\] needs 4 values, 'data' has 5/);
  invalid(() => decodeOipRequest(input({ datatype: 'FLOAT' })), /input 'x': unknown datatype 'FLOAT'/);
  invalid(() => decodeOipRequest(input({ datatype: 'FP16' })), /input 'x': datatype FP16 is not supported by this server/);
  invalid(() => decodeOipRequest(input({ datatype: 3 })), /input 'x': 'datatype' must be a string/);
  invalid(() => decodeOipRequest(input({ data: [1, 'two', 3, 4] })), /input 'x': data\[1\] is "two", not a number \(datatype FP32\)/);
  invalid(() => decodeOipRequest(input({ data: [1, null, 3, 4] })), /input 'x': data\[1\] is null, not a number/);
  invalid(() => decodeOipRequest(input({ datatype: 'INT32', data: [1, 2.5, 3, 4] })), /data\[1\] is 2.5, not a 32-bit integer/);
  invalid(() => decodeOipRequest(input({ datatype: 'INT64', data: [1, 2, 3, 2 ** 60] })), /data\[3\] is \d+, not a 64-bit integer/);
  invalid(() => decodeOipRequest(input({ datatype: 'INT64', data: [1, 2, 3, '99999999999999999999'] })), /not a 64-bit integer/);
  invalid(() => decodeOipRequest(input({ datatype: 'BOOL', data: [true, 'yes', 1, 0] })), /data\[1\] is "yes", not a boolean/);
  invalid(() => decodeOipRequest(input({ datatype: 'BYTES', data: ['a', 'b', 'c', 4] })), /data\[3\] is 4, not a string/);
});

test('oip: the response built as text is the JSON of the response object, for every tensor type', () => {
  const outputs: Record<string, Tensor> = {
    p: { type: 'float32', shape: [2, 2], data: Float32Array.from([0.1, -0, 1e-30, 3.4e38]) },
    'odd "name"': { type: 'float64', shape: [3], data: Float64Array.from([NaN, -Infinity, 2.5]) },
    i: { type: 'int32', shape: [1], data: Int32Array.from([-7]) },
    big: { type: 'int64', shape: [2], data: BigInt64Array.from([5n, 2n ** 60n]) },
    ok: { type: 'bool', shape: [2], data: Uint8Array.from([1, 0]) },
    s: { type: 'string', shape: [1], data: ['é"\n'] },
  };
  const text = encodeOipResponseText({ modelName: 'm', modelVersion: '3', id: 'r"1', outputs, parameters: { variant: 'b' } });
  assert.equal(text, JSON.stringify({ ...encodeOipResponse({ modelName: 'm', modelVersion: '3', id: 'r"1', outputs }), parameters: { variant: 'b' } }));
  assert.equal(encodeOipResponseText({ modelName: 'm', outputs: {} }), JSON.stringify(encodeOipResponse({ modelName: 'm', outputs: {} })));
});
