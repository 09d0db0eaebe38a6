import type { PoliciesRepository } from './policies.repository.js';
import type { ActionSubject, Condition } from './policies.types.js';

interface Evidence extends ActionSubject {
  author: string | null;
  runId: string | null;
}

/** Whether one condition holds for a model version, and what was found (the refusal quotes it). */
export async function evaluateCondition(repo: PoliciesRepository, ev: Evidence, c: Condition): Promise<{ met: boolean; detail: string }> {
  switch (c.type) {
    case 'model_card_approved': {
      const status = await repo.cardStatus(ev.model, ev.version);
      return { met: status === 'Approved', detail: status === 'Approved' ? 'model card is Approved' : `model card must be Approved, it is ${status ?? 'missing'}` };
    }
    case 'reviews': {
      // Each reviewer's latest decision counts: an approval later withdrawn by a rejection does not.
      const latest = new Map<string, string>();
      for (const a of await repo.approvals(ev.model, ev.version)) if (a.decided_by && !latest.has(a.decided_by)) latest.set(a.decided_by, a.status);
      const approvers = [...latest].filter(([who, s]) => s === 'approved' && !(c.excludeAuthor && who === ev.author)).map(([who]) => who).sort();
      const rejecters = [...latest].filter(([, s]) => s === 'rejected').map(([who]) => who).sort();
      const others = c.excludeAuthor ? ` other than the author${ev.author ? ` (${ev.author})` : ''}` : '';
      const met = approvers.length >= c.min;
      const found = approvers.length ? `${approvers.length} (${approvers.join(', ')})` : 'none';
      return { met, detail: `needs ${c.min} approving review(s) by reviewers${others}: has ${found}${rejecters.length ? `; rejected by ${rejecters.join(', ')}` : ''}` };
    }
    case 'metric': {
      if (c.on === 'evaluation') return { met: false, detail: `metric ${c.name} ${c.op} ${c.threshold} on the registered evaluation set: evaluation results are not recorded by the platform yet` };
      const value = await metricOf(repo, ev.runId, c.name);
      if (value === undefined) return { met: false, detail: `metric ${c.name} must be ${c.op} ${c.threshold}: ${ev.runId ? `run ${ev.runId} has no metric ${c.name}` : 'the version has no run'}` };
      return { met: compare(value, c.op, c.threshold), detail: `metric ${c.name} must be ${c.op} ${c.threshold}: it is ${value}` };
    }
    case 'fairness_gap': {
      // Per-group values are logged as `<metric>/<group>` on the version's run; the gap is max - min.
      const groups = ev.runId ? (await repo.runMetrics(ev.runId)).filter((m) => m.key.startsWith(`${c.metric}/`) && m.is_nan === 0) : [];
      if (groups.length < 2) return { met: false, detail: `fairness gap of ${c.metric} must be <= ${c.max}: needs per-group metrics '${c.metric}/<group>' for at least 2 groups, found ${groups.length}` };
      const values = groups.map((g) => Number(g.value));
      const gap = Math.max(...values) - Math.min(...values);
      return { met: gap <= c.max, detail: `fairness gap of ${c.metric} must be <= ${c.max}: it is ${round(gap)} across ${groups.length} groups` };
    }
  }
}

async function metricOf(repo: PoliciesRepository, runId: string | null, name: string): Promise<number | undefined> {
  if (!runId) return undefined;
  const m = (await repo.runMetrics(runId)).find((r) => r.key === name);
  return m && m.is_nan === 0 ? Number(m.value) : undefined;
}

function compare(v: number, op: string, t: number): boolean {
  switch (op) {
    case '>=': return v >= t;
    case '>': return v > t;
    case '<=': return v <= t;
    case '<': return v < t;
    default: return v === t;
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
