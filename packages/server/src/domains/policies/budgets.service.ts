import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { AuditLog } from '../audit/index.js';
import type { BudgetAlertRow, BudgetRow, PoliciesRepository } from './policies.repository.js';
import type { StorageMeter, StorageSnapshot } from './storage-meter.js';
import type { Actor } from './policies.types.js';
import { checkName, checkNumber, invalid } from './policies.validation.js';

export interface BudgetsDeps {
  repo: PoliciesRepository;
  clock: Clock;
  audit: AuditLog;
  /** measures stored artifacts and datasets; without it storage costs nothing */
  storage?: StorageMeter | undefined;
}

/** Prices: per second of a finished run, per second of one deployment replica, per GB held for a month. */
export const RATE_KEYS = ['compute_second', 'replica_second', 'storage_gb_month'] as const;
export type RateKey = (typeof RATE_KEYS)[number];
export const ALERT_THRESHOLDS = [50, 80, 100] as const;

export interface Budget {
  name: string;
  /** a team's budget: the team; a project's: the project's owner team ('' without one) */
  team: string;
  /** a project's budget: the project (its spend is the project's); null for a team's */
  project: string | null;
  period: 'month';
  amount: number;
  enforce: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** What a team or a project spent in one month, by kind of usage. */
export interface Spend {
  team?: string;
  project?: string;
  period: string;
  computeSeconds: number;
  compute: number;
  replicaSeconds: number;
  replicas: number;
  /** bytes held now (null: storage is not measured) */
  storageBytes: number | null;
  storage: number;
  /** when the storage was measured */
  storageMeasuredAt: number | null;
  spend: number;
}

export interface BudgetStatus extends Budget {
  periodStart: number;
  periodEnd: number;
  computeSeconds: number;
  replicaSeconds: number;
  storageBytes: number | null;
  breakdown: { compute: number; replicas: number; storage: number };
  spend: number;
  percent: number;
  remaining: number;
  alerts: BudgetAlert[];
}

export interface BudgetAlert {
  threshold: number;
  periodStart: number;
  spend: number;
  amount: number;
  at: number;
}

const toBudget = (r: BudgetRow): Budget => ({
  name: r.name,
  team: r.team,
  project: r.project ?? null,
  period: r.period,
  amount: Number(r.amount),
  enforce: r.enforce === 1,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
const toAlert = (r: BudgetAlertRow): BudgetAlert => ({ threshold: r.threshold, periodStart: Number(r.period_start), spend: Number(r.spend), amount: Number(r.amount), at: Number(r.at) });
const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

/** The calendar month (UTC) holding `t`. */
export function monthOf(t: number): { start: number; end: number; label: string } {
  const d = new Date(t);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { start, end, label: new Date(start).toISOString().slice(0, 7) };
}

const notFound = (name: string) => new DomainError('NOT_FOUND', `Budget '${name}' not found.`);

/** Rates, budgets per team, spend from recorded usage, alerts and enforcement (README.md). */
export class BudgetsService {
  constructor(private readonly deps: BudgetsDeps) {}

  async rates(): Promise<Record<RateKey, number>> {
    const out: Record<RateKey, number> = { compute_second: 0, replica_second: 0, storage_gb_month: 0 };
    for (const r of await this.deps.repo.rates()) if ((RATE_KEYS as readonly string[]).includes(r.key)) out[r.key as RateKey] = Number(r.price);
    return out;
  }

  async setRates(body: unknown, by: Actor): Promise<Record<RateKey, number>> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(`rates must be an object with ${RATE_KEYS.join(' and/or ')}`);
    const entries = Object.entries(body as Record<string, unknown>);
    if (!entries.length) throw invalid(`rates must set at least one of ${RATE_KEYS.join(', ')}`);
    const set = entries.map(([k, v]) => {
      if (!(RATE_KEYS as readonly string[]).includes(k)) throw invalid(`unknown rate '${k}'; rates are ${RATE_KEYS.join(', ')}`);
      return [k, checkNumber(k, v, { min: 0 })] as const;
    });
    const before = await this.rates();
    await this.deps.repo.transaction(async (repo, trx) => {
      const now = this.deps.clock.now();
      for (const [key, price] of set) await repo.upsertRate({ key, price, updated_by: by.actor, updated_at: now });
      await this.deps.audit.record({ actor: by.actor, source: by.source, action: 'cost.rates_set', resourceType: 'cost_rates', resourceId: 'rates', before, after: { ...before, ...Object.fromEntries(set) } }, trx);
    });
    return this.rates();
  }

  async list(): Promise<Budget[]> {
    return (await this.deps.repo.budgets()).map(toBudget);
  }

  async get(name: string): Promise<Budget> {
    const row = await this.deps.repo.budget(checkName('name', name));
    if (!row) throw notFound(name);
    return toBudget(row);
  }

  /** Creates or replaces the budget named in the body. */
  async put(body: unknown, by: Actor): Promise<Budget> {
    const d = BudgetsService.declared(body);
    const { name, amount, project } = d;
    const enforce = d.enforce ? 1 : 0;
    return this.deps.repo.transaction(async (repo, trx) => {
      let team: string;
      if (project !== null) {
        const p = await repo.project(project);
        if (!p) throw invalid(`project '${project}' does not exist`);
        team = p.ownerTeam ?? '';
      } else {
        team = d.team!;
        if ((await repo.teamId(team)) === undefined) throw invalid(`team '${team}' does not exist`);
      }
      const now = this.deps.clock.now();
      const prev = await repo.budget(name);
      if (prev) await repo.updateBudget(prev.id, { team, project, amount, period: 'month', enforce, updated_at: now });
      else await repo.insertBudget({ name, team, project, amount, period: 'month', enforce, created_by: by.actor, created_at: now, updated_at: now });
      const after = toBudget((await repo.budget(name))!);
      await this.deps.audit.record({ actor: by.actor, source: by.source, action: prev ? 'budget.updated' : 'budget.created', resourceType: 'budget', resourceId: name, team, before: prev ? toBudget(prev) : null, after }, trx);
      return after;
    });
  }

  /** The budget `body` declares, validated and with its defaults, without writing it. */
  static declared(body: unknown): { name: string; team: string | null; project: string | null; amount: number; period: 'month'; enforce: boolean } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the budget must be an object {name, team | project, amount, period?, enforce?}');
    const b = body as Record<string, unknown>;
    const extra = Object.keys(b).filter((k) => !['name', 'team', 'project', 'amount', 'period', 'enforce'].includes(k));
    if (extra.length) throw invalid(`budget has unknown field(s) ${extra.join(', ')}`);
    const name = checkName('name', b.name);
    if ((b.team === undefined) === (b.project === undefined)) throw invalid('a budget is of one team or of one project: give team or project');
    const team = b.team === undefined ? null : checkName('team', b.team);
    const project = b.project === undefined ? null : checkName('project', b.project);
    const amount = checkNumber('amount', b.amount, { min: 0 });
    if (b.period !== undefined && b.period !== 'month') throw invalid(`period must be 'month', got ${JSON.stringify(b.period)}`);
    if (b.enforce !== undefined && typeof b.enforce !== 'boolean') throw invalid('enforce must be a boolean');
    return { name, team, project, amount, period: 'month', enforce: b.enforce === true };
  }

  async delete(name: string, by: Actor): Promise<void> {
    checkName('name', name);
    await this.deps.repo.transaction(async (repo, trx) => {
      const prev = await repo.budget(name);
      if (!prev) throw notFound(name);
      await repo.deleteBudget(prev.id);
      await this.deps.audit.record({ actor: by.actor, source: by.source, action: 'budget.deleted', resourceType: 'budget', resourceId: name, team: prev.team, before: toBudget(prev), after: null }, trx);
    });
  }

  /**
   * Spend of one team in the month holding `at` (default now): its experiments' finished runs,
   * the replicas serving its models, and what its experiments and datasets store.
   */
  async teamSpend(team: string, at?: number): Promise<Spend & { team: string }> {
    const teamId = await this.deps.repo.teamId(checkName('team', team));
    if (teamId === undefined) throw new DomainError('NOT_FOUND', `Team '${team}' not found.`);
    const m = monthOf(at ?? this.deps.clock.now());
    const { repo } = this.deps;
    const computeSeconds = await repo.computeSeconds(teamId, m.start, m.end);
    const replicas = await this.replicaUsage(m);
    const owners = await repo.modelOwners([...new Set(replicas.map((r) => r.model).filter((x): x is string => x !== null))]);
    const replicaSeconds = replicas.filter((r) => r.model !== null && owners.get(r.model) === teamId).reduce((a, r) => a + r.seconds, 0);
    const snap = await this.deps.storage?.snapshot();
    let storageBytes: number | null = null;
    if (snap) {
      const exp = await repo.experimentOwners();
      const ds = await repo.datasetOwners();
      storageBytes = sumWhere(snap.byExperiment, (id) => exp.get(id) === teamId) + sumWhere(snap.byDataset, (name) => ds.get(name) === teamId);
    }
    return { team, ...(await this.price(m, computeSeconds, replicaSeconds, storageBytes, snap)) };
  }

  /**
   * Spend of one project in the month holding `at`: runs in experiments tagged
   * `flywheel.project` = the project, the replicas of the deployments it lists, and what those
   * experiments store.
   */
  async projectSpend(project: string, at?: number): Promise<Spend & { project: string }> {
    const p = await this.deps.repo.project(checkName('project', project));
    if (!p) throw new DomainError('NOT_FOUND', `Project '${project}' not found.`);
    const m = monthOf(at ?? this.deps.clock.now());
    const experiments = await this.deps.repo.projectExperiments(project);
    const computeSeconds = await this.deps.repo.computeSecondsIn(experiments, m.start, m.end);
    const replicaSeconds = (await this.replicaUsage(m)).filter((r) => p.deployments.includes(r.deployment)).reduce((a, r) => a + r.seconds, 0);
    const snap = await this.deps.storage?.snapshot();
    const storageBytes = snap ? sumWhere(snap.byExperiment, (id) => experiments.includes(id)) : null;
    return { project, ...(await this.price(m, computeSeconds, replicaSeconds, storageBytes, snap)) };
  }

  private async price(m: { start: number; end: number; label: string }, computeSeconds: number, replicaSeconds: number, storageBytes: number | null, snap: StorageSnapshot | undefined) {
    const rates = await this.rates();
    // Storage is priced as if what is held now had been held since the month began (or for the
    // whole of a past month): one measurement, not a history of sizes.
    const now = this.deps.clock.now();
    const held = (Math.min(Math.max(now, m.start), m.end) - m.start) / (m.end - m.start);
    const compute = computeSeconds * rates.compute_second;
    const replicas = replicaSeconds * rates.replica_second;
    const storage = storageBytes === null ? 0 : (storageBytes / 1e9) * rates.storage_gb_month * held;
    return { period: m.label, computeSeconds, compute, replicaSeconds, replicas, storageBytes, storage, storageMeasuredAt: snap?.measuredAt ?? null, spend: compute + replicas + storage };
  }

  /**
   * Replica-seconds in the month so far, per deployment and variant model (null: an http
   * variant, served elsewhere). Each variant of the revision in force is one replica, from the
   * revision's creation to the next one's. Deleted deployments take their revisions with them.
   */
  private async replicaUsage(m: { start: number; end: number }): Promise<{ deployment: string; model: string | null; seconds: number }[]> {
    const end = Math.min(m.end, this.deps.clock.now());
    const revs = await this.deps.repo.deploymentRevisions();
    const out: { deployment: string; model: string | null; seconds: number }[] = [];
    for (let i = 0; i < revs.length; i++) {
      const r = revs[i]!;
      const next = revs[i + 1]?.deployment === r.deployment ? Number(revs[i + 1]!.created_at) : end;
      const seconds = Math.max(0, Math.min(next, end) - Math.max(Number(r.created_at), m.start)) / 1000;
      if (seconds <= 0) continue;
      const variants = (JSON.parse(r.config) as { variants?: { model?: { name?: string } }[] }).variants ?? [];
      for (const v of variants) out.push({ deployment: r.deployment, model: v.model?.name ?? null, seconds });
    }
    return out;
  }

  /** Spend against the budget this month; thresholds crossed for the first time are recorded as alerts. */
  async status(name: string): Promise<BudgetStatus> {
    const row = await this.deps.repo.budget(checkName('name', name));
    if (!row) throw notFound(name);
    return this.statusOf(row);
  }

  private async statusOf(row: BudgetRow): Promise<BudgetStatus> {
    const now = this.deps.clock.now();
    const m = monthOf(now);
    const s = row.project ? await this.projectSpend(row.project, now) : await this.teamSpend(row.team, now);
    const amount = Number(row.amount);
    const percent = amount > 0 ? (s.spend / amount) * 100 : s.spend > 0 ? Infinity : 0;
    const crossed = ALERT_THRESHOLDS.filter((t) => percent >= t);
    if (crossed.length) {
      await this.deps.repo.transaction(async (repo, trx) => {
        for (const threshold of crossed) {
          const fresh = await repo.insertAlert({ budget_id: row.id, period_start: m.start, threshold, spend: s.spend, amount, at: now });
          if (fresh) {
            await this.deps.audit.record(
              { actor: 'system', action: 'budget.alert', resourceType: 'budget', resourceId: row.name, team: row.team || null, before: null, after: { threshold, period: m.label, spend: s.spend, amount, ...(row.project ? { project: row.project } : {}) } },
              trx,
            );
          }
        }
      });
    }
    const alerts = (await this.deps.repo.alerts(row.id)).map(toAlert);
    return {
      ...toBudget(row),
      periodStart: m.start,
      periodEnd: m.end,
      computeSeconds: s.computeSeconds,
      replicaSeconds: s.replicaSeconds,
      storageBytes: s.storageBytes,
      breakdown: { compute: s.compute, replicas: s.replicas, storage: s.storage },
      spend: s.spend,
      percent: Number.isFinite(percent) ? Math.round(percent * 100) / 100 : 100,
      remaining: amount - s.spend,
      alerts,
    };
  }

  async statuses(): Promise<BudgetStatus[]> {
    const out = [];
    for (const row of await this.deps.repo.budgets()) out.push(await this.statusOf(row));
    return out;
  }

  /**
   * Refuses (BUDGET_EXCEEDED) a new run in an experiment whose owner team, or whose project (tag
   * `flywheel.project`), has an enforced budget that is spent, naming the budget and the
   * overage; the refusal is in the audit log.
   */
  async enforceRunCreate(experimentId: number, by: Actor): Promise<void> {
    const { repo } = this.deps;
    const team = await repo.teamName(await repo.experimentOwner(experimentId));
    const project = await repo.experimentProject(experimentId);
    const rows = [...(team === null ? [] : await repo.budgetsOfTeam(team)), ...(project === null ? [] : await repo.budgetsOfProjects([project]))];
    await this.refuseIfSpent(rows, `New runs in experiment ${experimentId} are refused`, { type: 'experiment', id: String(experimentId) }, by);
  }

  /**
   * Refuses creating or changing a deployment when an enforced budget is spent: of a team owning
   * one of the models it would serve, or of a project listing it.
   */
  async enforceDeployment(input: { deployment: string; models: string[] }, by: Actor): Promise<void> {
    const { repo } = this.deps;
    const teams = new Set<string>();
    for (const owner of (await repo.modelOwners([...new Set(input.models)])).values()) {
      const t = await repo.teamName(owner);
      if (t !== null) teams.add(t);
    }
    const rows = [...(await Promise.all([...teams].map((t) => repo.budgetsOfTeam(t)))).flat(), ...(await repo.budgetsOfProjects(await repo.projectsOfDeployment(input.deployment)))];
    await this.refuseIfSpent(rows, `Deploying '${input.deployment}' is refused`, { type: 'deployment', id: input.deployment }, by);
  }

  /**
   * Refuses a new pipeline run when the enforced budget of its owner team or project is spent.
   * For the pipelines domain to call before it creates the run:
   *
   * @example
   *   await budgets.enforcePipelineRun({ pipeline: name, team: p.ownerTeam, project: p.project }, { actor, source }); // team: id or name
   */
  async enforcePipelineRun(input: { pipeline: string; team?: string | number | null | undefined; project?: string | null | undefined }, by: Actor): Promise<void> {
    const { repo } = this.deps;
    // The pipelines domain knows its owner team by id; people name it.
    const team = typeof input.team === 'number' ? await repo.teamName(input.team) : (input.team ?? null);
    const rows = [...(team ? await repo.budgetsOfTeam(team) : []), ...(input.project ? await repo.budgetsOfProjects([input.project]) : [])];
    await this.refuseIfSpent(rows, `New runs of pipeline '${input.pipeline}' are refused`, { type: 'pipeline', id: input.pipeline }, by);
  }

  private async refuseIfSpent(rows: BudgetRow[], refused: string, resource: { type: string; id: string }, by: Actor): Promise<void> {
    const seen = new Set<number>();
    for (const row of rows) {
      if (row.enforce !== 1 || seen.has(row.id)) continue;
      seen.add(row.id);
      const s = await this.statusOf(row);
      if (s.spend < s.amount) continue;
      const over = s.spend - s.amount;
      const m = monthOf(s.periodStart);
      const owner = row.project ? `project '${row.project}'` : `team '${row.team}'`;
      const message = `Budget '${row.name}' of ${owner} for ${m.label} is exhausted: spent ${money(s.spend)} of ${money(s.amount)} (${s.percent}%), over by ${money(over)}. ${refused} until the budget is raised or the period ends.`;
      await this.deps.audit.record({
        actor: by.actor,
        source: by.source,
        action: 'budget.refused',
        resourceType: resource.type,
        resourceId: resource.id,
        team: row.team || null,
        before: null,
        after: { budget: row.name, ...(row.project ? { project: row.project } : {}), period: m.label, spend: s.spend, amount: s.amount, over },
      });
      throw new DomainError('BUDGET_EXCEEDED', message, { budget: row.name, team: row.team || null, project: row.project ?? null, period: m.label, spend: s.spend, amount: s.amount, over });
    }
  }
}

function sumWhere<K>(m: Map<K, number>, keep: (k: K) => boolean): number {
  let n = 0;
  for (const [k, v] of m) if (keep(k)) n += v;
  return n;
}
