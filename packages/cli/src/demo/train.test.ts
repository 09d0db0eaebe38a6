import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rocAuc, trainLogistic } from './train.js';
import { shoppers } from './yarnit-data.js';

test('rocAuc matches the pairwise definition, ties counting one half', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9];
  const labels = [0, 0, 1, 1, 1, 0];
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => scores.forEach((t, j) => {
    if (labels[i] === 1 && labels[j] === 0) {
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    }
  }));
  assert.equal(rocAuc(scores, labels), wins / pairs);
});

test('the demo model learns the YarnIt ground truth, and drops when the shoppers drift', () => {
  const train = shoppers(3000, 1);
  const valid = shoppers(1000, 2);
  const losses: number[] = [];
  const m = trainLogistic(train, valid, { epochs: 150, learningRate: 0.5, l2: 0.001, onEpoch: (_e, x) => losses.push(x.loss) });
  assert.ok(losses[losses.length - 1]! < losses[0]!, 'training loss goes down');
  assert.ok(m.metrics.auc > 0.75, `auc ${m.metrics.auc}`);
  const weak = trainLogistic(train, valid, { epochs: 150, learningRate: 0.5, l2: 0.001, features: [0, 6] });
  assert.ok(weak.metrics.auc < m.metrics.auc, 'fewer features, a weaker challenger');
  // Drifted shoppers: new customers at higher prices; the label still follows the same truth.
  const drifted = shoppers(1000, 3, { drift: true });
  const mean = (rows: typeof train, j: number) => rows.reduce((s, r) => s + r.x[j]!, 0) / rows.length;
  assert.ok(mean(drifted, 0) > mean(valid, 0) + 3, 'prices moved up');
  assert.ok(mean(drifted, 2) < mean(valid, 2) / 2, 'tenure moved down');
});
