import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { AuditLog } from '../audit/index.js';
import type { BudgetAlertRow, BudgetRow, PoliciesRepository } from './policies.repository.js';
import type { Actor } from './policies.types.js';
import { checkName, checkNumber, invalid } from './policies.validation.js';

export interface BudgetsDeps {
  repo: PoliciesRepository;
  clock: Clock;
  audit: AuditLog;
}

export const RATE_KEYS = ['compute_second', 'storage_gb_month'] as const;
export type RateKey = (typeof RATE_KEYS)[number];
export const ALERT_THRESHOLDS = [50, 80, 100] as const;

export interface Budget {
  name: string;
  team: string;
  period: 'month';
  amount: number;
  enforce: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface BudgetStatus extends Budget {
  periodStart: number;
  periodEnd: number;
  computeSeconds: number;
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
    const out: Record<RateKey, number> = { compute_second: 0, storage_gb_month: 0 };
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
    const { name, team, amount } = d;
    const enforce = d.enforce ? 1 : 0;
    return this.deps.repo.transaction(async (repo, trx) => {
      if ((await repo.teamId(team)) === undefined) throw invalid(`team '${team}' does not exist`);
      const now = this.deps.clock.now();
      const prev = await repo.budget(name);
      if (prev) await repo.updateBudget(prev.id, { team, amount, period: 'month', enforce, updated_at: now });
      else await repo.insertBudget({ name, team, amount, period: 'month', enforce, created_by: by.actor, created_at: now, updated_at: now });
      const after = toBudget((await repo.budget(name))!);
      await this.deps.audit.record({ actor: by.actor, source: by.source, action: prev ? 'budget.updated' : 'budget.created', resourceType: 'budget', resourceId: name, team, before: prev ? toBudget(prev) : null, after }, trx);
      return after;
    });
  }

  /** The budget `body` declares, validated and with its defaults, without writing it. */
  static declared(body: unknown): Pick<Budget, 'name' | 'team' | 'amount' | 'period' | 'enforce'> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the budget must be an object {name, team, amount, period?, enforce?}');
    const b = body as Record<string, unknown>;
    const extra = Object.keys(b).filter((k) => !['name', 'team', 'amount', 'period', 'enforce'].includes(k));
    if (extra.length) throw invalid(`budget has unknown field(s) ${extra.join(', ')}`);
    const name = checkName('name', b.name);
    const team = checkName('team', b.team);
    const amount = checkNumber('amount', b.amount, { min: 0 });
    if (b.period !== undefined && b.period !== 'month') throw invalid(`period must be 'month', got ${JSON.stringify(b.period)}`);
    if (b.enforce !== undefined && typeof b.enforce !== 'boolean') throw invalid('enforce must be a boolean');
    return { name, team, amount, period: 'month', enforce: b.enforce === true };
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

  /** Spend of one team in the month holding `at` (default now). */
  async teamSpend(team: string, at?: number): Promise<{ team: string; period: string; computeSeconds: number; compute: number; storage: null; spend: number }> {
    const teamId = await this.deps.repo.teamId(checkName('team', team));
    if (teamId === undefined) throw new DomainError('NOT_FOUND', `Team '${team}' not found.`);
    const m = monthOf(at ?? this.deps.clock.now());
    const seconds = await this.deps.repo.computeSeconds(teamId, m.start, m.end);
    const rates = await this.rates();
    const compute = seconds * rates.compute_second;
    return { team, period: m.label, computeSeconds: seconds, compute, storage: null, spend: compute };
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
    const s = await this.teamSpend(row.team, now);
    const amount = Number(row.amount);
    const percent = amount > 0 ? (s.spend / amount) * 100 : s.spend > 0 ? Infinity : 0;
    const crossed = ALERT_THRESHOLDS.filter((t) => percent >= t);
    if (crossed.length) {
      await this.deps.repo.transaction(async (repo, trx) => {
        for (const threshold of crossed) {
          const fresh = await repo.insertAlert({ budget_id: row.id, period_start: m.start, threshold, spend: s.spend, amount, at: now });
          if (fresh) {
            await this.deps.audit.record(
              { actor: 'system', action: 'budget.alert', resourceType: 'budget', resourceId: row.name, team: row.team, before: null, after: { threshold, period: m.label, spend: s.spend, amount } },
              trx,
            );
          }
        }
      });
    }
    const alerts = (await this.deps.repo.alerts(row.id)).map(toAlert);
    return { ...toBudget(row), periodStart: m.start, periodEnd: m.end, computeSeconds: s.computeSeconds, spend: s.spend, percent: Number.isFinite(percent) ? Math.round(percent * 100) / 100 : 100, remaining: amount - s.spend, alerts };
  }

  async statuses(): Promise<BudgetStatus[]> {
    const out = [];
    for (const row of await this.deps.repo.budgets()) out.push(await this.statusOf(row));
    return out;
  }

  /**
   * Refuses (BUDGET_EXCEEDED) a new run in an experiment whose owner team has an enforced budget
   * that is spent, naming the budget and the overage; the refusal is in the audit log.
   */
  async enforceRunCreate(experimentId: number, by: Actor): Promise<void> {
    const owner = await this.deps.repo.experimentOwner(experimentId);
    const team = await this.deps.repo.teamName(owner);
    if (team === null) return;
    for (const row of await this.deps.repo.budgetsOfTeam(team)) {
      if (row.enforce !== 1) continue;
      const s = await this.statusOf(row);
      if (s.spend < s.amount) continue;
      const over = s.spend - s.amount;
      const m = monthOf(s.periodStart);
      const message = `Budget '${row.name}' of team '${team}' for ${m.label} is exhausted: spent ${money(s.spend)} of ${money(s.amount)} (${s.percent}%), over by ${money(over)}. New runs in experiment ${experimentId} are refused until the budget is raised or the period ends.`;
      await this.deps.audit.record({
        actor: by.actor,
        source: by.source,
        action: 'budget.refused',
        resourceType: 'experiment',
        resourceId: String(experimentId),
        team,
        before: null,
        after: { budget: row.name, period: m.label, spend: s.spend, amount: s.amount, over },
      });
      throw new DomainError('BUDGET_EXCEEDED', message, { budget: row.name, team, period: m.label, spend: s.spend, amount: s.amount, over });
    }
  }
}
