import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JoinedRow } from './actuals.service.js';
import type { ActualValue } from './actuals.validation.js';
import { labelOf, outcomesOf } from './ab-outcomes.js';

const row = (type: string, shape: number[], data: unknown[], actual: ActualValue, extra: Record<string, unknown> = {}): JoinedRow => ({
  inferenceId: 'x', variant: 'a', modelName: 'm', modelVersion: '1', ts: 0,
  outputs: { first: { type, shape, data }, ...extra } as JoinedRow['outputs'],
  actual: { value: actual, timestamp: 0, revision: 1 },
});

describe('A/B outcomes from a logged prediction and its actual', () => {
  test('scores are thresholded at 0.5 against binary actuals; labels compare by value', () => {
    assert.deepEqual(outcomesOf(row('float32', [1], [0.5], 1), 'accuracy'), [1]);
    assert.deepEqual(outcomesOf(row('float32', [1], [0.49], true), 'accuracy'), [0]);
    assert.deepEqual(outcomesOf(row('float32', [1], [0.49], true), 'error_rate'), [1]);
    assert.deepEqual(outcomesOf(row('int64', [1], ['2'], 2), 'accuracy'), [1]);
    assert.deepEqual(outcomesOf(row('string', [1], ['spam'], 'spam'), 'accuracy'), [1]);
    assert.equal(labelOf('1.0'), labelOf(1));
    assert.equal(labelOf(true), labelOf('1'));
  });

  test('class scores: argmax of the first output; batched rows yield one outcome each', () => {
    assert.deepEqual(outcomesOf(row('float32', [1, 3], [0.1, 0.7, 0.2], 1), 'accuracy'), [1]);
    assert.deepEqual(outcomesOf(row('float32', [2, 3], [0.1, 0.7, 0.2, 0.6, 0.3, 0.1], [1, 2]), 'accuracy'), [1, 0]);
    // Only the first output counts.
    assert.deepEqual(outcomesOf(row('float32', [1], [0.9], 1, { second: { type: 'float32', shape: [1], data: [0.1] } }), 'accuracy'), [1]);
  });

  test('mae: absolute errors; unusable rows yield nothing', () => {
    assert.deepEqual(outcomesOf(row('float64', [2], [1.5, 4], [2, 3]), 'mae'), [0.5, 1]);
    assert.deepEqual(outcomesOf(row('float64', [3], [1, 2, 3], [1, 2]), 'accuracy'), []);
    assert.deepEqual(outcomesOf(row('float64', [1], [1], 'cat'), 'mae'), []);
    assert.deepEqual(outcomesOf({ ...row('float64', [1], [1], 1), outputs: null }, 'accuracy'), []);
  });
});
