import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TensorSpec } from '@flywheel/contract';
import { decodeInvocations, encodeMlflowPredictions, tableToTensors } from './mlflow-invocations-codec.js';
import { throwsInvalid } from '../../test-support/assertions.js';

const invalid = throwsInvalid;

const JSON_T = 'application/json';
const X3: TensorSpec[] = [{ name: 'x', elemType: 'float32', shape: ['batch', 3] }];
const f32 = (data: number[], shape: number[]) => ({ type: 'float32', shape, data: Float32Array.from(data) });
const json = (body: unknown) => decodeInvocations(JSON.stringify(body), 'application/json; charset=utf-8');

test('mlflow: the four JSON formats and CSV give the same table and the same tensor', () => {
  const expected = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  const bodies: [unknown, string][] = [
    [JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3], [4, 5, 6]], index: [0, 1] } }), JSON_T],
    [JSON.stringify({ dataframe_records: [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 6 }] }), JSON_T],
    [JSON.stringify({ instances: [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 6 }] }), JSON_T],
    [JSON.stringify({ instances: [[1, 2, 3], [4, 5, 6]] }), JSON_T],
    [JSON.stringify({ inputs: [[1, 2, 3], [4, 5, 6]] }), JSON_T],
    [{ inputs: { a: [1, 4], b: [2, 5], c: [3, 6] } }, JSON_T],
    ['a,b,c\n1,2,3\n4,5,6\n', 'text/csv'],
    [Buffer.from('a,b,c\r\n1,2,3\r\n4,5,6'), 'text/csv; charset=utf-8'],
  ];
  for (const [body, type] of bodies) {
    const table = decodeInvocations(body, type);
    assert.equal(table.rows, 2);
    assert.equal(table.columns.length, 3);
    assert.deepEqual(tableToTensors(table, X3), { x: expected }, `${type} ${String(body)}`);
  }
});

test('mlflow: named columns are reordered to the feature order; params kept', () => {
  const table = json({ dataframe_split: { columns: ['c', 'a', 'b'], data: [[3, 1, 2]] }, params: { k: 1 } });
  assert.deepEqual(table.params, { k: 1 });
  assert.deepEqual(tableToTensors(table, X3, { featureNames: ['a', 'b', 'c'] }), { x: f32([1, 2, 3], [1, 3]) });
  assert.deepEqual(tableToTensors(table, X3), { x: f32([3, 1, 2], [1, 3]) });
  invalid(() => tableToTensors(table, X3, { featureNames: ['a', 'b', 'd'] }), /column 'd' is missing \(model features: 'a', 'b', 'd'\)/);
  invalid(() => tableToTensors(json({ dataframe_records: [{ a: 1, b: 2, c: 3, z: 0 }] }), X3, { featureNames: ['a', 'b', 'c'] }), /column 'z' is not a feature of this model/);
});

test('mlflow: one tensor per named input (int64, string, nested cells)', () => {
  const specs: TensorSpec[] = [
    { name: 'ids', elemType: 'int64', shape: ['batch', 3] },
    { name: 'names', elemType: 'string', shape: ['batch'] },
  ];
  const out = tableToTensors(json({ inputs: { ids: [[1, 2, 3], [4, 5, 6]], names: ['a', 'b'] } }), specs);
  assert.deepEqual(out, {
    ids: { type: 'int64', shape: [2, 3], data: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]) },
    names: { type: 'string', shape: [2], data: ['a', 'b'] },
  });
  const csv = tableToTensors(decodeInvocations('n,flag,k\nx,true,7\ny,0,-2\n', 'text/csv'), [
    { name: 'n', elemType: 'string', shape: [null] },
    { name: 'flag', elemType: 'bool', shape: [null] },
    { name: 'k', elemType: 'int32', shape: [null] },
  ]);
  assert.deepEqual(csv.flag, { type: 'bool', shape: [2], data: Uint8Array.from([1, 0]) });
  assert.deepEqual(csv.k, { type: 'int32', shape: [2], data: Int32Array.from([7, -2]) });
  invalid(() => tableToTensors(json({ inputs: { ids: [[1, 2, 3]], names: ['a'], z: [1] } }), specs), /column 'z' is not an input of this model/);
  invalid(() => tableToTensors(json({ inputs: { ids: [[1, 2, 3], [4, 5]], names: ['a', 'b'] } }), specs), /column 'ids', row 1: has shape \[2\], but row 0 has \[3\]/);
  invalid(() => tableToTensors(json({ dataframe_split: { columns: ['p', 'q'], data: [[1, 2]] } }), specs), /The model has inputs 'ids', 'names': send one named column/);
});

test('mlflow: missing values and single-column rank-1 input', () => {
  const t = tableToTensors(decodeInvocations('a,b,c\n1,,3\n', 'text/csv'), X3);
  assert.ok(Number.isNaN((t.x!.data as Float32Array)[1]!));
  const one = tableToTensors(json({ instances: [1.5, 2.5] }), [{ name: 'v', elemType: 'float64', shape: ['n'] }]);
  assert.deepEqual(one, { v: { type: 'float64', shape: [2], data: Float64Array.from([1.5, 2.5]) } });
});

test('mlflow: body format errors', () => {
  invalid(() => json({ rows: [[1]] }), /Unknown format key 'rows': use one of 'dataframe_split', 'dataframe_records', 'instances', 'inputs'/);
  invalid(() => json({ params: {} }), /The body has no input/);
  invalid(() => json({ instances: [[1]], inputs: [[1]] }), /give exactly one input format/);
  invalid(() => json([1, 2]), /must be a JSON object/);
  invalid(() => decodeInvocations('{"instances": [', JSON_T), /not valid JSON/);
  invalid(() => decodeInvocations('a', 'text/plain'), /Content type 'text\/plain' is not supported/);
  invalid(() => json({ instances: [[1]], params: 3 }), /'params' must be an object/);
  invalid(() => json({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3]] } }), /dataframe_split: row 1 has 1 values, expected 2 \(one per column\)/);
  invalid(() => json({ dataframe_split: { columns: ['a', 'a'], data: [[1, 2]] } }), /column 'a' appears more than once/);
  invalid(() => json({ dataframe_split: { columns: ['a'], data: [[1]], index: [0, 1] } }), /'index' must be a list with one entry per row/);
  invalid(() => json({ instances: [[1, 2], [3]] }), /instances: row 1 has 1 values, expected 2 \(as row 0\)/);
  invalid(() => json({ instances: [[1], { a: 1 }] }), /not a mix/);
  invalid(() => json({ dataframe_records: [{ a: 1, b: 2 }, { a: 3 }] }), /dataframe_records: record 1 has no value for column 'b'/);
  invalid(() => json({ dataframe_records: [{ a: { deep: 1 } }] }), /record 0, column 'a': \{"deep":1\} is not a number/);
  invalid(() => json({ inputs: { a: [1, 2], b: [1] } }), /inputs: 'b' has 1 rows but 'a' has 2/);
  invalid(() => json({ inputs: { a: 1 } }), /inputs: 'a' must be an array/);
  invalid(() => decodeInvocations('a,b\n1,2\n3\n', 'text/csv'), /CSV: .*record length/i);
  invalid(() => decodeInvocations('', 'text/csv'), /CSV: the body needs a header row/);
});

test('mlflow: value and width errors name the column and row', () => {
  invalid(() => tableToTensors(json({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } }), X3), /input 'x' takes 3 columns per row, got 2/);
  invalid(() => tableToTensors(json({ dataframe_records: [{ a: 1, b: 2, c: 3 }, { a: 1, b: 'two', c: 3 }] }), X3), /column 'b', row 1: 'two' is not a number/);
  invalid(() => tableToTensors(decodeInvocations('a,b,c\n1,x,3\n', 'text/csv'), X3), /column 'b', row 0: 'x' is not a number/);
  invalid(() => tableToTensors(json({ instances: [[1, [2], 3]] }), X3), /column '1', row 0: \[2\] is not a single value/);
  invalid(() => tableToTensors(json({ instances: [] }), X3), /The body has no rows/);
  invalid(() => tableToTensors(json({ instances: [1.5] }), [{ name: 'k', elemType: 'int64', shape: ['n'] }]), /column '0', row 0: 1.5 is not an integer/);
  invalid(() => tableToTensors(json({ instances: [[1, 2]] }), [{ name: 'k', elemType: 'int64', shape: ['n'] }]), /input 'k' takes one value per row, got 2 columns/);
  invalid(() => tableToTensors(json({ instances: [1] }), [{ name: 'h', elemType: 'float16', shape: ['n'] }]), /element type float16, which serving does not accept/);
});

test('mlflow: predictions are encoded as MLflow returns them', () => {
  const p = f32([0.25, 0.75], [2, 1]);
  assert.deepEqual(encodeMlflowPredictions({ p } as never), { predictions: [[0.25], [0.75]] });
  const label = { type: 'int64', shape: [2], data: BigInt64Array.from([1n, 2n ** 60n]) };
  const ok = { type: 'bool', shape: [2], data: Uint8Array.from([1, 0]) };
  assert.deepEqual(encodeMlflowPredictions({ label, ok } as never), { predictions: { label: [1, '1152921504606846976'], ok: [true, false] } });
  assert.deepEqual(encodeMlflowPredictions({ label, p } as never, { output: 'label' }), { predictions: [1, '1152921504606846976'] });
  assert.deepEqual(encodeMlflowPredictions({ nan: f32([NaN], []) } as never), { predictions: null });
});
