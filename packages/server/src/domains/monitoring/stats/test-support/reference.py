"""Expected numbers for the monitoring statistics tests, from SciPy 1.17 / NumPy 2.4.

Usage (from the repository root):
  node --conditions=flywheel-source --import tsx packages/server/src/domains/monitoring/stats/test-support/dump-datasets.ts > /tmp/monitoring-datasets.json
  python3 packages/server/src/domains/monitoring/stats/test-support/reference.py /tmp/monitoring-datasets.json

scikit-learn, Fairlearn and NannyML are not installed here: their metrics are written out below in
NumPy following their documented definitions, and ROC-AUC is cross-checked independently through
SciPy's Mann-Whitney U (AUC = U / (n_pos * n_neg), ties as mid-ranks).
"""
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

d = json.load(open(sys.argv[1]))
out = {}

def psi_js(ref_counts, cur_counts):
    p = np.asarray(ref_counts, float) / np.sum(ref_counts)
    q = np.asarray(cur_counts, float) / np.sum(cur_counts)
    pe, qe = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
    return float(np.sum((qe - pe) * np.log(qe / pe))), float(jensenshannon(p, q, base=2))

for name, pair in d['numeric'].items():
    ref, cur = np.asarray(pair['reference']), np.asarray(pair['current'])
    ks = stats.ks_2samp(ref, cur)
    w = stats.wasserstein_distance(ref, cur)
    edges = np.unique(np.percentile(ref, np.arange(10, 100, 10)))
    rc = np.bincount(np.searchsorted(edges, ref, side='right'), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, side='right'), minlength=len(edges) + 1)
    psi, js = psi_js(rc, cc)
    out[name] = dict(ks=float(ks.statistic), ks_p=float(ks.pvalue), w=float(w), w_norm=float(w / max(np.std(ref), 0.001)),
                     psi=psi, js=js, edges=edges.tolist())

ref, cur = d['categorical']['reference'], d['categorical']['current']
cats = list(dict.fromkeys(ref + cur))
rc = [ref.count(c) for c in cats]; cc = [cur.count(c) for c in cats]
chi = stats.chi2_contingency([rc, cc], correction=False)
psi, js = psi_js(rc, cc)
out['categorical'] = dict(chi2=float(chi.statistic), dof=int(chi.dof), p=float(chi.pvalue), psi=psi, js=js)

def prf(y, yp, labels):
    cm = np.array([[np.sum((y == a) & (yp == b)) for b in labels] for a in labels], float)
    tp = np.diag(cm); pred = cm.sum(0); sup = cm.sum(1)
    with np.errstate(invalid='ignore', divide='ignore'):
        pr = np.where(pred > 0, tp / pred, 0); rc_ = np.where(sup > 0, tp / sup, 0)
        f1 = np.where(pred + sup > 0, 2 * tp / (pred + sup), 0)
    return cm, pr, rc_, f1, sup

def auc_mw(pos_scores, neg_scores):
    u = stats.mannwhitneyu(pos_scores, neg_scores, method='asymptotic').statistic
    return float(u / (len(pos_scores) * len(neg_scores)))

b = d['binary']; y = np.asarray(b['actual']); s = np.asarray(b['scores']); yp = np.asarray(b['predicted']); g = np.asarray(b['group'])
cm, pr, rc_, f1, sup = prf(y, yp, [0, 1])
eps = np.finfo(float).eps; sc = np.clip(s, eps, 1 - eps)
out['binary'] = dict(cm=cm.tolist(), accuracy=float(np.mean(y == yp)), precision=float(pr[1]), recall=float(rc_[1]), f1=float(f1[1]),
                     macro_f1=float(f1.mean()), weighted_f1=float(np.sum(f1 * sup) / sup.sum()), roc_auc=auc_mw(s[y == 1], s[y == 0]),
                     log_loss=float(-np.mean(y * np.log(sc) + (1 - y) * np.log(1 - sc))))

# NannyML CBPE (nannyml/performance_estimation/confidence_based/metrics.py): expected confusion matrix and estimate_roc_auc
# (without the phantom score-1 row that recent NannyML appends to close the curve; the (0, 0) end is added instead)
pos = s >= 0.5
tp, fp, fn, tn = s[pos].sum(), (1 - s[pos]).sum(), s[~pos].sum(), (1 - s[~pos]).sum()
th = np.sort(s); om = 1 - th
TP = np.cumsum(th[::-1])[::-1]; FP = np.cumsum(om[::-1])[::-1]
FN = np.cumsum(np.insert(th, 0, 0)[:-1]); TN = np.cumsum(np.insert(om, 0, 0)[:-1])
keep = np.diff(np.insert(th, 0, -1)).astype(bool)  # first index of each tied score: all rows with s >= threshold
tpr = TP[keep] / (TP[keep] + FN[keep]); fpr = FP[keep] / (FP[keep] + TN[keep])
tpr = np.append(tpr, 0); fpr = np.append(fpr, 0)  # the curve ends at (0, 0), as sklearn.metrics.auc over the full curve
out['cbpe'] = dict(tp=float(tp), fp=float(fp), fn=float(fn), tn=float(tn), accuracy=float((tp + tn) / len(s)), precision=float(tp / (tp + fp)),
                   recall=float(tp / (tp + fn)), f1=float(tp / (tp + 0.5 * (fp + fn))), roc_auc=float(-np.trapezoid(tpr, fpr)))

# Fairlearn: per-group selection rate, TPR, FPR, FNR; difference = max - min, ratio = min / max
rates = {}
for grp in sorted(set(g.tolist())):
    m = g == grp; yy, pp = y[m], yp[m]
    rates[grp] = dict(sel=float(pp.mean()), tpr=float(np.sum((yy == 1) & (pp == 1)) / np.sum(yy == 1)),
                      fpr=float(np.sum((yy == 0) & (pp == 1)) / np.sum(yy == 0)), fnr=float(np.sum((yy == 1) & (pp == 0)) / np.sum(yy == 1)))
col = lambda k: np.array([r[k] for r in rates.values()])
out['fairness'] = dict(groups=rates, dpd=float(col('sel').max() - col('sel').min()), dpr=float(col('sel').min() / col('sel').max()),
                       eod=float(col('tpr').max() - col('tpr').min()),
                       eqodds=float(max(col('tpr').max() - col('tpr').min(), col('fpr').max() - col('fpr').min())))

mc = d['multiclass']; labels = mc['labels']; y = np.asarray(mc['actual']); yp = np.asarray(mc['predicted']); P = np.asarray(mc['probs']).T
cm, pr, rc_, f1, sup = prf(y, yp, labels)
Pc = np.clip(P, eps, 1 - eps)
out['multiclass'] = dict(cm=cm.tolist(), accuracy=float(np.mean(y == yp)), macro_precision=float(pr.mean()), macro_recall=float(rc_.mean()),
                         macro_f1=float(f1.mean()), weighted_precision=float(np.sum(pr * sup) / sup.sum()), weighted_f1=float(np.sum(f1 * sup) / sup.sum()),
                         roc_auc_ovr=float(np.mean([auc_mw(P[y == l, c], P[y != l, c]) for c, l in enumerate(labels)])),
                         log_loss=float(-np.mean(np.log(Pc[np.arange(len(y)), [labels.index(v) for v in y]]))))

r = d['regression']; a = np.asarray(r['actual']); p = np.asarray(r['predicted']); nz = a != 0
out['regression'] = dict(mae=float(np.mean(np.abs(a - p))), rmse=float(np.sqrt(np.mean((a - p) ** 2))), mape=float(np.mean(np.abs(a - p)[nz] / np.abs(a[nz]))),
                         skipped=int((~nz).sum()), r2=float(1 - np.sum((a - p) ** 2) / np.sum((a - a.mean()) ** 2)), me=float(np.mean(p - a)))

print(json.dumps(out, indent=1))
