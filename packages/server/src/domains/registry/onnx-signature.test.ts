import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { DomainError } from '@flywheel/contract';
import { onnxElemType, onnxSignature } from './onnx-signature.js';
import { mlmodelSignature } from './model-signature.js';
import { classifierModel, DT, onnxModel, tensor } from './test-support/onnx-models.js';

const { onnx } = onnxProto;

const invalidInput = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_INPUT');
    assert.match(e.message, re);
    return true;
  });

describe('onnxSignature', () => {
  test('float input with a symbolic batch dim; initializers listed as inputs are left out; two outputs', () => {
    assert.deepEqual(onnxSignature(classifierModel()), {
      inputs: [{ name: 'x', elemType: 'float32', shape: ['batch', 4] }],
      outputs: [
        { name: 'label', elemType: 'int64', shape: ['batch'] },
        { name: 'probabilities', elemType: 'float32', shape: ['batch', 2] },
      ],
    });
  });

  test('int64, string, bool and double inputs; unknown dims and unknown rank', () => {
    const bytes = onnxModel({
      inputs: [
        tensor('ids', DT.INT64, [null, 16]),
        tensor('text', DT.STRING, ['n']),
        tensor('flag', DT.BOOL, []),
        tensor('weights', DT.DOUBLE),
      ],
      outputs: [tensor('y', DT.INT32, [1])],
    });
    assert.deepEqual(onnxSignature(bytes), {
      inputs: [
        { name: 'ids', elemType: 'int64', shape: [null, 16] },
        { name: 'text', elemType: 'string', shape: ['n'] },
        { name: 'flag', elemType: 'bool', shape: [] },
        { name: 'weights', elemType: 'float64', shape: null },
      ],
      outputs: [{ name: 'y', elemType: 'int32', shape: [1] }],
    });
  });

  test('non-tensor outputs (sklearn ZipMap) are described, not dropped', () => {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      graph: {
        name: 'g',
        input: [tensor('x', DT.FLOAT, ['N', 3])],
        output: [{ name: 'output_probability', type: { sequenceType: { elemType: { mapType: { keyType: DT.INT64, valueType: { tensorType: { elemType: DT.FLOAT } } } } } } }],
      },
    });
    const sig = onnxSignature(onnx.ModelProto.encode(model).finish());
    assert.deepEqual(sig.outputs, [{ name: 'output_probability', elemType: 'sequence<map<int64,float32>>', shape: null }]);
  });

  test('element type numbers map to names; unknown numbers stay visible', () => {
    assert.equal(onnxElemType(1), 'float32');
    assert.equal(onnxElemType(7), 'int64');
    assert.equal(onnxElemType(8), 'string');
    assert.equal(onnxElemType(10), 'float16');
    assert.equal(onnxElemType(16), 'bfloat16');
    assert.equal(onnxElemType(99), 'unknown(99)');
  });

  test('bytes that are not an ONNX model are a clear INVALID_INPUT', () => {
    invalidInput(() => onnxSignature(Buffer.from('{"not": "a model"}')), /^Not an ONNX model/);
    invalidInput(() => onnxSignature(Buffer.from('hello world, this is text')), /^Not an ONNX model/);
    invalidInput(() => onnxSignature(new Uint8Array(0)), /^Not an ONNX model: it has no graph/);
    invalidInput(() => onnxSignature(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /^Not an ONNX model/);
  });
});

describe('mlmodelSignature', () => {
  test('reads the JSON strings of an MLmodel signature, including folded lines', () => {
    const text = [
      'artifact_path: model',
      'flavors:',
      '  python_function:',
      '    loader_module: mlflow.sklearn',
      'mlflow_version: 2.17.0',
      'signature:',
      `  inputs: '[{"type": "double", "name": "age", "required": true}, {"type": "string",`,
      `    "name": "city", "required": true}, {"type": "long", "name": "it''s", "required": true}]'`,
      `  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]'`,
      '  params: null',
      'utc_time_created: 2024-01-01 00:00:00.000000',
    ].join('\n');
    assert.deepEqual(mlmodelSignature(text), {
      inputs: [
        { name: 'age', elemType: 'float64', shape: [null] },
        { name: 'city', elemType: 'string', shape: [null] },
        { name: "it's", elemType: 'int64', shape: [null] },
      ],
      outputs: [{ name: '', elemType: 'float32', shape: [null, 2] }],
    });
  });

  test('double-quoted values, null outputs, and an MLmodel without a signature', () => {
    const text = 'signature:\n  inputs: "[{\\"type\\": \\"boolean\\", \\"name\\": \\"b\\"}]"\n  outputs: null\n';
    assert.deepEqual(mlmodelSignature(text), { inputs: [{ name: 'b', elemType: 'bool', shape: [null] }], outputs: [] });
    assert.equal(mlmodelSignature('artifact_path: model\nflavors:\n  sklearn: {}\n'), null);
    invalidInput(() => mlmodelSignature("signature:\n  inputs: '[{broken'\n"), /MLmodel signature inputs is not JSON/);
  });
});
