import type { Shopper } from './yarnit-data.js';

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty. */
  l2: number;
  /** Use only these feature indexes (a challenger may drop some); the others get weight 0. */
  features?: number[];
  onEpoch?: (epoch: number, m: { loss: number; auc: number }) => void;
}

export interface TrainedModel {
  /** Weights and bias on the raw features (standardisation folded in), ready for ONNX. */
  weights: number[];
  bias: number;
  metrics: { auc: number; accuracy: number; log_loss: number; precision: number; recall: number };
}

/** Area under the ROC curve by the rank-sum (Mann–Whitney) formula, ties averaged. */
export function rocAuc(scores: number[], labels: number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0;
  let sum = 0;
  labels.forEach((y, i) => {
    if (y === 1) {
      pos++;
      sum += ranks[i]!;
    }
  });
  const neg = labels.length - pos;
  return pos && neg ? (sum - (pos * (pos + 1)) / 2) / (pos * neg) : 0.5;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Scores of a trained model on rows. */
export function predict(m: Pick<TrainedModel, 'weights' | 'bias'>, rows: Shopper[]): number[] {
  return rows.map((r) => sigmoid(r.x.reduce((s, v, j) => s + v * m.weights[j]!, m.bias)));
}

export function evaluate(m: Pick<TrainedModel, 'weights' | 'bias'>, rows: Shopper[]): TrainedModel['metrics'] {
  const p = predict(m, rows);
  const y = rows.map((r) => r.y);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  let ll = 0;
  p.forEach((q, i) => {
    const hat = q >= 0.5 ? 1 : 0;
    if (hat === y[i]) correct++;
    if (hat === 1 && y[i] === 1) tp++;
    if (hat === 1 && y[i] === 0) fp++;
    if (hat === 0 && y[i] === 1) fn++;
    const c = Math.min(Math.max(q, 1e-12), 1 - 1e-12);
    ll -= y[i] === 1 ? Math.log(c) : Math.log(1 - c);
  });
  return { auc: rocAuc(p, y), accuracy: correct / rows.length, log_loss: ll / rows.length, precision: tp + fp ? tp / (tp + fp) : 0, recall: tp + fn ? tp / (tp + fn) : 0 };
}

/**
 * Logistic regression by full-batch gradient descent on standardised features, then folded back
 * onto the raw features so the exported model takes the data as it comes.
 */
export function trainLogistic(train: Shopper[], valid: Shopper[], o: TrainOptions): TrainedModel {
  const k = train[0]!.x.length;
  const use = new Set(o.features ?? Array.from({ length: k }, (_, j) => j));
  const mean = new Array<number>(k).fill(0);
  const std = new Array<number>(k).fill(0);
  for (const r of train) r.x.forEach((v, j) => (mean[j]! += v / train.length));
  for (const r of train) r.x.forEach((v, j) => (std[j]! += (v - mean[j]!) ** 2 / train.length));
  for (let j = 0; j < k; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const xs = train.map((r) => r.x.map((v, j) => (use.has(j) ? (v - mean[j]!) / std[j]! : 0)));
  const w = new Array<number>(k).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const gw = new Array<number>(k).fill(0);
    let gb = 0;
    let loss = 0;
    xs.forEach((x, i) => {
      const p = sigmoid(x.reduce((s, v, j) => s + v * w[j]!, b));
      const err = p - train[i]!.y;
      for (let j = 0; j < k; j++) gw[j]! += (err * x[j]!) / xs.length;
      gb += err / xs.length;
      const c = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
      loss -= (train[i]!.y === 1 ? Math.log(c) : Math.log(1 - c)) / xs.length;
    });
    for (let j = 0; j < k; j++) w[j] = w[j]! - o.learningRate * (gw[j]! + o.l2 * w[j]!);
    b -= o.learningRate * gb;
    if (o.onEpoch) {
      const folded = fold(w, b, mean, std);
      o.onEpoch(epoch, { loss, auc: evaluate(folded, valid).auc });
    }
  }
  const folded = fold(w, b, mean, std);
  return { ...folded, metrics: evaluate(folded, valid) };
}

function fold(w: number[], b: number, mean: number[], std: number[]): { weights: number[]; bias: number } {
  const weights = w.map((x, j) => x / std[j]!);
  const bias = b - w.reduce((s, x, j) => s + (x * mean[j]!) / std[j]!, 0);
  return { weights, bias };
}
