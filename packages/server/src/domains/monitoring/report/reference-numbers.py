import numpy as np, json
from scipy import stats
from scipy.spatial.distance import jensenshannon
R=range(80); C=range(60)
rx=np.array([10+((i*37)%41)*0.5 for i in R]); cx=np.array([np.nan if i%15==0 else 14+((i*29)%43)*0.5 for i in C])
rc=['abcd'[(i*7)%4] for i in R]; cc=['abcde'[(i*3)%5] if i%4 else 'abcd'[(i*7)%4] for i in C]
rs=np.array([((i*11)%20)/20+0.025 for i in R]); cs=np.array([((i*17)%20)/20+0.025 for i in C])
y=np.array([1 if (i*13)%7<3 else 0 for i in C]); p=(cs>=0.5).astype(int); g=np.array(['g1' if i%3==0 else 'g2' for i in C])
cx2=cx[~np.isnan(cx)]
ks=stats.ks_2samp(rx,cx2); w=stats.wasserstein_distance(rx,cx2)/max(rx.std(),1e-3)
e=np.unique(np.percentile(rx,np.arange(10,100,10)))
def bins(a): return np.bincount(np.searchsorted(e,a,side='right'),minlength=len(e)+1)/len(a)
pr,pc=bins(rx),bins(cx2); pr2,pc2=np.maximum(pr,1e-4),np.maximum(pc,1e-4)
out={'x':dict(ks_statistic=ks.statistic,ks_p_value=ks.pvalue,wasserstein_normed=w,psi=float(np.sum((pc2-pr2)*np.log(pc2/pr2))),js_distance=float(jensenshannon(pr,pc,base=2)))}
cats=sorted(set(rc)|set(cc)); t=np.array([[rc.count(k) for k in cats],[cc.count(k) for k in cats]])
chi=stats.chi2_contingency(t,correction=False); a,b=t[0]/t[0].sum(),t[1]/t[1].sum(); a2,b2=np.maximum(a,1e-4),np.maximum(b,1e-4)
out['city']=dict(chi2_statistic=chi.statistic,chi2_p_value=chi.pvalue,psi=float(np.sum((b2-a2)*np.log(b2/a2))),js_distance=float(jensenshannon(a,b,base=2)))
tp=((y==1)&(p==1)).sum();fp=((y==0)&(p==1)).sum();fn=((y==1)&(p==0)).sum()
u=stats.mannwhitneyu(cs[y==1],cs[y==0]).statistic/((y==1).sum()*(y==0).sum())
ll=-np.mean(y*np.log(cs)+(1-y)*np.log(1-cs))
out['quality']=dict(accuracy=float((y==p).mean()),precision=tp/(tp+fp),recall=tp/(tp+fn),f1=2*tp/(2*tp+fp+fn),roc_auc=u,log_loss=ll)
sr={k:p[g==k].mean() for k in ['g1','g2']}; tpr={k:p[(g==k)&(y==1)].mean() for k in ['g1','g2']}; fpr={k:p[(g==k)&(y==0)].mean() for k in ['g1','g2']}
out['fair']=dict(demographic_parity_difference=max(sr.values())-min(sr.values()),equal_opportunity_difference=max(tpr.values())-min(tpr.values()),equalized_odds_difference=max(max(tpr.values())-min(tpr.values()),max(fpr.values())-min(fpr.values())),g1_selection_rate=sr['g1'],g2_true_positive_rate=tpr['g2'])
ps=np.where(cs>=0.5,1,0)
TP=cs[cs>=0.5].sum();FP=(1-cs[cs>=0.5]).sum();FN=cs[cs<0.5].sum();TN=(1-cs[cs<0.5]).sum()
out['cbpe']=dict(accuracy=(TP+TN)/60,precision=TP/(TP+FP),recall=TP/(TP+FN))
out['oor']=float(((cx2<rx.min())|(cx2>rx.max())).mean())
print(json.dumps(out,default=float,indent=1))
