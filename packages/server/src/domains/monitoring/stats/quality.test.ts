import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@flywheel/contract';
import { estimatePerformance } from './cbpe.js';
import { classificationQuality } from './classification.js';
import { fairness } from './fairness.js';
import { regressionQuality } from './regression.js';
import { logLoss, logLossMulticlass, rocAuc, rocAucOvr } from './scores.js';
import { assertClose } from './test-support/close.js';
import { binaryClassification, multiclass, regression } from './test-support/datasets.js';

// Expected values: test-support/reference.py (NumPy formulas of scikit-learn's, Fairlearn's and
// NannyML's definitions; ROC-AUC through scipy.stats.mannwhitneyu U / (n_pos·n_neg)) over the
// datasets of test-support/datasets.ts.

const isInvalid = (field: string) => (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && e.details?.field === field;

describe('classification quality', () => {
  const b = binaryClassification();
  it('binary: confusion matrix, accuracy, precision/recall/F1 of label 1, macro and weighted F1', () => {
    const q = classificationQuality(b.actual, b.predicted);
    assert.deepEqual(q.labels, [0, 1]);
    assert.deepEqual(q.confusionMatrix, [
      [441, 164],
      [97, 298],
    ]);
    assertClose(q.accuracy, 0.739, 1e-12, 'accuracy');
    assertClose(q.binary!.precision, 0.645021645021645, 1e-12, 'precision');
    assertClose(q.binary!.recall, 0.7544303797468355, 1e-12, 'recall');
    assertClose(q.binary!.f1, 0.6954492415402567, 1e-12, 'f1');
    assertClose(q.macro.f1, 0.7335513924236716, 1e-12, 'macro f1');
    assertClose(q.weighted.f1, 0.7415528441091888, 1e-12, 'weighted f1');
  });

  it('binary ROC-AUC with tied scores and log loss', () => {
    assertClose(rocAuc(b.actual, b.scores).rocAuc, 0.8119740558635841, 1e-12, 'roc auc');
    assertClose(logLoss(b.actual, b.scores).logLoss, 0.6356392556913281, 1e-12, 'log loss');
    // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75 (its documented example)
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).rocAuc, 0.75);
    // all tied: 0.5
    assert.equal(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]).rocAuc, 0.5);
    assert.equal(rocAuc([1, 1], [0.3, 0.9]).rocAuc, null);
    // scores of exactly 0 and 1 are clipped to [eps, 1 − eps]: finite loss
    assert.ok(Number.isFinite(logLoss([1, 0], [0, 1]).logLoss));
  });

  it('multiclass: string labels, macro/weighted averages, one-vs-rest ROC-AUC, log loss', () => {
    const m = multiclass();
    const q = classificationQuality(m.actual, m.predicted);
    assert.deepEqual(q.labels, ['cat', 'dog', 'eel']);
    assert.deepEqual(q.confusionMatrix, [
      [124, 31, 32],
      [42, 144, 29],
      [43, 21, 134],
    ]);
    assert.equal(q.binary, undefined);
    assertClose(q.accuracy, 0.67, 1e-12, 'accuracy');
    assertClose(q.macro.precision, 0.6717249333790688, 1e-12, 'macro precision');
    assertClose(q.macro.recall, 0.6698789076354056, 1e-12, 'macro recall');
    assertClose(q.macro.f1, 0.6696421318363704, 1e-12, 'macro f1');
    assertClose(q.weighted.precision, 0.6749468175934341, 1e-12, 'weighted precision');
    assertClose(q.weighted.f1, 0.6713182436350653, 1e-12, 'weighted f1');
    assertClose(rocAucOvr(m.actual, m.labels, m.probs).rocAuc, 0.8458189855037159, 1e-12, 'ovr auc');
    assertClose(logLossMulticlass(m.actual, m.labels, m.probs).logLoss, 0.748738430118633, 1e-12, 'log loss');
  });

  it('zero_division 0, missing rows dropped and counted, misaligned input refused', () => {
    const q = classificationQuality([0, 0, null, 0], [0, 0, 1, undefined]);
    assert.equal(q.dropped, 2);
    assert.deepEqual(q.binary, { positiveLabel: 1, precision: 0, recall: 0, f1: 0 });
    assert.throws(() => classificationQuality([1, 0], [1]), isInvalid('predicted'));
    assert.throws(() => classificationQuality([], []), isInvalid('actual'));
  });
});

describe('regression quality', () => {
  it('MAE, RMSE, MAPE without zero actuals, R², mean error', () => {
    const r = regression();
    const q = regressionQuality(r.actual, r.predicted);
    assertClose(q.mae, 0.8825139999999999, 1e-12, 'mae');
    assertClose(q.rmse, 1.0862606528821708, 1e-12, 'rmse');
    assertClose(q.mape!, 0.17894927887326428, 1e-12, 'mape');
    assert.equal(q.mapeSkipped, 20);
    assertClose(q.r2, 0.9339130824282946, 1e-12, 'r2');
    assertClose(q.meanError, 0.326918, 1e-12, 'mean error');
    // sklearn.metrics.r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.9486081370449679 (its documented example)
    assertClose(regressionQuality([3, -0.5, 2, 7], [2.5, 0, 2, 8]).r2, 0.9486081370449679, 1e-12, 'r2 doc');
  });
  it('constant actuals: R² is 1 when perfect, else 0; NaN rows dropped', () => {
    assert.equal(regressionQuality([2, 2, 2], [2, 2, 2]).r2, 1);
    const q = regressionQuality([2, 2, Number.NaN], [2, 3, 1]);
    assert.equal(q.r2, 0);
    assert.equal(q.dropped, 1);
    assert.equal(regressionQuality([0, 0], [1, 2]).mape, null);
  });
});

describe('confidence-based performance estimation', () => {
  it('expected confusion matrix and metrics as NannyML computes them, labelled as an estimate', () => {
    const b = binaryClassification();
    const e = estimatePerformance(b.scores);
    assert.equal(e.kind, 'estimate');
    assertClose(e.expectedConfusion.truePositive, 308.16, 1e-9, 'tp');
    assertClose(e.expectedConfusion.falsePositive, 153.83999999999997, 1e-9, 'fp');
    assertClose(e.expectedConfusion.falseNegative, 161.58, 1e-9, 'fn');
    assertClose(e.expectedConfusion.trueNegative, 376.42, 1e-9, 'tn');
    assertClose(e.accuracy, 0.6845800000000001, 1e-12, 'accuracy');
    assertClose(e.precision, 0.6670129870129871, 1e-12, 'precision');
    assertClose(e.recall, 0.6560224805211394, 1e-12, 'recall');
    assertClose(e.f1, 0.6614720844870887, 1e-12, 'f1');
    // NannyML's estimate_roc_auc curve (one point per distinct score) closed at (0, 0): -np.trapezoid(tpr, fpr), see reference.py
    assertClose(e.rocAuc, 0.7576865007186615, 1e-12, 'roc auc estimate');
  });
  it('is exact in expectation: perfectly confident scores give the realised metrics', () => {
    const e = estimatePerformance([1, 1, 0, 0, 1]);
    assert.equal(e.accuracy, 1);
    assert.equal(e.rocAuc, 1);
    assert.throws(() => estimatePerformance([0.2, 1.3]), isInvalid('scores'));
    assert.throws(() => estimatePerformance([0.2], 2), isInvalid('threshold'));
  });
});

describe('fairness', () => {
  it("per-group rates and Fairlearn's between-group differences and ratio", () => {
    const b = binaryClassification();
    const f = fairness(b.actual, b.predicted, b.group);
    const expected = {
      A: { sel: 0.41687979539641945, tpr: 0.7575757575757576, fpr: 0.24324324324324326, fnr: 0.24242424242424243 },
      B: { sel: 0.540045766590389, tpr: 0.7627118644067796, fpr: 0.27860696517412936, fnr: 0.23728813559322035 },
      C: { sel: 0.36627906976744184, tpr: 0.6666666666666666, fpr: 0.3103448275862069, fnr: 0.3333333333333333 },
    };
    assert.deepEqual(f.groups.map((g) => g.group), ['A', 'B', 'C']);
    for (const g of f.groups) {
      const x = expected[g.group as 'A' | 'B' | 'C'];
      assertClose(g.selectionRate, x.sel, 1e-12, `${g.group} selection`);
      assertClose(g.truePositiveRate, x.tpr, 1e-12, `${g.group} tpr`);
      assertClose(g.falsePositiveRate, x.fpr, 1e-12, `${g.group} fpr`);
      assertClose(g.falseNegativeRate, x.fnr, 1e-12, `${g.group} fnr`);
    }
    assertClose(f.demographicParityDifference, 0.1737666968229472, 1e-12, 'dpd');
    assertClose(f.demographicParityRatio!, 0.678237091052424, 1e-12, 'dpr');
    assertClose(f.equalOpportunityDifference, 0.096045197740113, 1e-12, 'eod');
    assertClose(f.equalizedOddsDifference, 0.096045197740113, 1e-12, 'equalized odds');
    assert.equal(f.groups.reduce((s, g) => s + g.count, 0), 1000);
  });
  it('a group without positives has TPR 0 (zero_division 0); all-zero selection gives a null ratio', () => {
    const f = fairness([0, 0, 1, 1], [0, 0, 0, 0], ['x', 'x', 'y', 'y']);
    assert.equal(f.groups[0]!.truePositiveRate, 0);
    assert.equal(f.demographicParityRatio, null);
    assert.throws(() => fairness([1], [1], []), isInvalid('sensitive'));
  });
});
