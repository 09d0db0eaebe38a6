import type { Kysely, Selectable, Transaction } from 'kysely';
import type { BudgetAlertTable, BudgetTable, CostRateRow, PoliciesTables, PolicyVersionRow } from './policies.tables.js';

type DB = Kysely<PoliciesTables>;
export type BudgetRow = Selectable<BudgetTable>;
export type BudgetAlertRow = Selectable<BudgetAlertTable>;

/** All SQL of policies and budgets, including the read-only evidence from other domains' tables. */
export class PoliciesRepository {
  constructor(private readonly db: DB) {}

  /** One transaction, with the raw transaction for the audit log (change and entry commit together). */
  transaction<R>(fn: (repo: PoliciesRepository, trx: Kysely<unknown>) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this, this.db as unknown as Kysely<unknown>);
    return this.db.transaction().execute((trx: Transaction<PoliciesTables>) => fn(new PoliciesRepository(trx), trx as unknown as Kysely<unknown>));
  }

  // ---- policies

  async insertPolicyVersion(row: PolicyVersionRow): Promise<void> {
    await this.db.insertInto('policy_versions').values(row).execute();
  }

  async latestPolicy(name: string): Promise<PolicyVersionRow | undefined> {
    return this.db.selectFrom('policy_versions').selectAll().where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  policyVersions(name: string): Promise<PolicyVersionRow[]> {
    return this.db.selectFrom('policy_versions').selectAll().where('name', '=', name).orderBy('version', 'desc').execute();
  }

  /** The newest version of every policy, deleted ones included (callers filter). */
  async currentPolicies(): Promise<PolicyVersionRow[]> {
    const rows = await this.db
      .selectFrom('policy_versions as p')
      .selectAll('p')
      .where(({ eb, selectFrom }) =>
        eb('p.version', '=', selectFrom('policy_versions as q').select((q) => q.fn.max('q.version').as('m')).whereRef('q.name', '=', 'p.name')),
      )
      .orderBy('p.name')
      .execute();
    return rows;
  }

  // ---- rates

  rates(): Promise<CostRateRow[]> {
    return this.db.selectFrom('cost_rates').selectAll().orderBy('key').execute();
  }

  async upsertRate(row: CostRateRow): Promise<void> {
    await this.db
      .insertInto('cost_rates')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ price: row.price, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute();
  }

  // ---- budgets

  budgets(): Promise<BudgetRow[]> {
    return this.db.selectFrom('budgets').selectAll().orderBy('name').execute();
  }

  budget(name: string): Promise<BudgetRow | undefined> {
    return this.db.selectFrom('budgets').selectAll().where('name', '=', name).executeTakeFirst();
  }

  budgetsOfTeam(team: string): Promise<BudgetRow[]> {
    return this.db.selectFrom('budgets').selectAll().where('team', '=', team).orderBy('name').execute();
  }

  async insertBudget(row: Omit<BudgetRow, 'id'>): Promise<void> {
    await this.db.insertInto('budgets').values(row).execute();
  }

  async updateBudget(id: number, patch: Partial<Omit<BudgetRow, 'id'>>): Promise<void> {
    await this.db.updateTable('budgets').set(patch).where('id', '=', id).execute();
  }

  async deleteBudget(id: number): Promise<void> {
    await this.db.deleteFrom('budgets').where('id', '=', id).execute();
  }

  /** Inserts the alert unless this threshold already fired in this period; true when it is new. */
  async insertAlert(row: Omit<BudgetAlertRow, 'id'>): Promise<boolean> {
    const r = await this.db
      .insertInto('budget_alerts')
      .values(row)
      .onConflict((oc) => oc.columns(['budget_id', 'period_start', 'threshold']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  alerts(budgetId: number): Promise<BudgetAlertRow[]> {
    return this.db.selectFrom('budget_alerts').selectAll().where('budget_id', '=', budgetId).orderBy('id', 'desc').execute();
  }

  // ---- evidence (other domains' tables, read only)

  async teamId(name: string): Promise<number | undefined> {
    return (await this.db.selectFrom('teams').select('id').where('name', '=', name).executeTakeFirst())?.id;
  }

  async teamName(id: number | null | undefined): Promise<string | null> {
    if (id === null || id === undefined) return null;
    return (await this.db.selectFrom('teams').select('name').where('id', '=', id).executeTakeFirst())?.name ?? null;
  }

  async experimentOwner(experimentId: number): Promise<number | null | undefined> {
    const r = await this.db.selectFrom('experiments').select('owner_team').where('experiment_id', '=', experimentId).executeTakeFirst();
    return r ? r.owner_team : undefined;
  }

  /** Seconds of runs that ended in [from, to) in experiments owned by `teamId`. */
  async computeSeconds(teamId: number, from: number, to: number): Promise<number> {
    const rows = await this.db
      .selectFrom('runs')
      .innerJoin('experiments', 'experiments.experiment_id', 'runs.experiment_id')
      .select(['runs.start_time', 'runs.end_time'])
      .where('experiments.owner_team', '=', teamId)
      .where('runs.status', 'in', ['FINISHED', 'FAILED', 'KILLED'])
      .where('runs.end_time', '>=', from)
      .where('runs.end_time', '<', to)
      .execute();
    // Summed here, not in SQL: PostgreSQL's bigint sum comes back as a string, and one team's runs in a month are few.
    return rows.reduce((s, r) => s + Math.max(0, Number(r.end_time) - Number(r.start_time)), 0) / 1000;
  }

  async modelOwner(name: string): Promise<number | null | undefined> {
    const r = await this.db.selectFrom('registered_models').select('owner_team').where('name', '=', name).executeTakeFirst();
    return r ? r.owner_team : undefined;
  }

  modelVersion(name: string, version: number) {
    return this.db.selectFrom('model_versions').select(['user_id', 'run_id']).where('name', '=', name).where('version', '=', version).executeTakeFirst();
  }

  async cardStatus(name: string, version: number): Promise<string | null> {
    return (await this.db.selectFrom('model_cards').select('status').where('name', '=', name).where('version', '=', version).executeTakeFirst())?.status ?? null;
  }

  approvals(name: string, version: number) {
    return this.db
      .selectFrom('model_version_approvals')
      .select(['status', 'decided_by', 'decided_at', 'reason'])
      .where('name', '=', name)
      .where('version', '=', version)
      .orderBy('id', 'desc')
      .execute();
  }

  async runUser(runId: string): Promise<string | null> {
    const u = (await this.db.selectFrom('runs').select('user_id').where('run_uuid', '=', runId).executeTakeFirst())?.user_id;
    return u ? u : null;
  }

  runMetrics(runId: string) {
    return this.db.selectFrom('latest_metrics').select(['key', 'value', 'is_nan']).where('run_uuid', '=', runId).execute();
  }
}
