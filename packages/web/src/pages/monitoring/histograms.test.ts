import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoricalBars, columnValues, numericBars, numericBarsOfSamples } from './histograms.js';

test("a feature's values are read from logged tensors as the server's monitors read them", () => {
  const monitor = { inputs: { x: ['age', 'income'] } };
  const logged: (Record<string, { type: string; shape: number[]; data: unknown[] }> | null)[] = [
    { x: { type: 'float32', shape: [2, 2], data: [30, 1000, 40, 2000] }, plan: { type: 'int64', shape: [2], data: ['1', '2'] } },
    null, // truncated payload: skipped
    { x: { type: 'float32', shape: [1, 2], data: [[50, 3000]] } },
  ];
  assert.deepEqual(columnValues(monitor, 'income', logged), [1000, 2000, 3000]);
  assert.deepEqual(columnValues(monitor, 'age', logged), [30, 40, 50]);
  assert.deepEqual(columnValues(monitor, 'plan', logged), [1, 2], 'int64 logged as strings are numbers');
  assert.deepEqual(columnValues({ inputs: {} }, 'x[1]', logged), [1000, 2000, 3000], 'unnamed columns are tensor[j]');
});

test('current values are binned on the reference edges; the outer bins hold what lies beyond', () => {
  const bars = numericBars({ edges: [0, 1, 2, 3], counts: [2, 6, 2] }, [-5, 0.5, 1.5, 1.7, 2.5, 99]);
  assert.deepEqual(bars.reference, [0.2, 0.6, 0.2]);
  assert.deepEqual(bars.current, [2 / 6, 2 / 6, 2 / 6]);
  assert.deepEqual(bars.labels, ['< 1', '1…2', '≥ 2']);
  const samples = numericBarsOfSamples([0, 0, 1], [1, 1, 1, 1], 2);
  assert.deepEqual(samples.reference, [2 / 3, 1 / 3]);
  assert.deepEqual(samples.current, [0, 1]);
});

test('categories: reference shares beside current ones, new categories listed', () => {
  const bars = categoricalBars({ top: [{ value: 'a', count: 3 }, { value: 'b', count: 1 }] }, ['a', 'c', 'c', 'c']);
  assert.deepEqual(bars.labels, ['a', 'b', 'c']);
  assert.deepEqual(bars.reference, [0.75, 0.25, 0]);
  assert.deepEqual(bars.current, [0.25, 0, 0.75]);
});
