import type { Kysely, Selectable, Transaction } from 'kysely';
import type { BudgetAlertTable, BudgetTable, CostRateRow, PoliciesTables, PolicyVersionRow } from './policies.tables.js';

type DB = Kysely<PoliciesTables>;
/** The experiment tag that attributes an experiment's runs (and their artifacts) to a project. */
export const PROJECT_TAG = 'flywheel.project';
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

  /** A team's own budgets (not the budgets of its projects). */
  budgetsOfTeam(team: string): Promise<BudgetRow[]> {
    return this.db.selectFrom('budgets').selectAll().where('team', '=', team).where('project', 'is', null).orderBy('name').execute();
  }

  budgetsOfProjects(projects: string[]): Promise<BudgetRow[]> {
    if (!projects.length) return Promise.resolve([]);
    return this.db.selectFrom('budgets').selectAll().where('project', 'in', projects).orderBy('name').execute();
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

  /** Experiments a project's runs are in: those tagged `flywheel.project` = the project. */
  async projectExperiments(project: string): Promise<number[]> {
    return (await this.db.selectFrom('experiment_tags').select('experiment_id').where('key', '=', PROJECT_TAG).where('value', '=', project).execute()).map((r) => Number(r.experiment_id));
  }

  async experimentProject(experimentId: number): Promise<string | null> {
    return (await this.db.selectFrom('experiment_tags').select('value').where('experiment_id', '=', experimentId).where('key', '=', PROJECT_TAG).executeTakeFirst())?.value ?? null;
  }

  /** Seconds of runs that ended in [from, to) in these experiments. */
  async computeSecondsIn(experimentIds: number[], from: number, to: number): Promise<number> {
    if (!experimentIds.length) return 0;
    const rows = await this.db
      .selectFrom('runs')
      .select(['start_time', 'end_time'])
      .where('experiment_id', 'in', experimentIds)
      .where('status', 'in', ['FINISHED', 'FAILED', 'KILLED'])
      .where('end_time', '>=', from)
      .where('end_time', '<', to)
      .execute();
    return rows.reduce((s, r) => s + Math.max(0, Number(r.end_time) - Number(r.start_time)), 0) / 1000;
  }

  /** Owner team id of every experiment. */
  async experimentOwners(): Promise<Map<number, number | null>> {
    return new Map((await this.db.selectFrom('experiments').select(['experiment_id', 'owner_team']).execute()).map((r) => [Number(r.experiment_id), r.owner_team === null ? null : Number(r.owner_team)]));
  }

  async datasetOwners(): Promise<Map<string, number | null>> {
    return new Map((await this.db.selectFrom('named_datasets').select(['name', 'owner_team']).execute()).map((r) => [r.name, r.owner_team === null ? null : Number(r.owner_team)]));
  }

  async modelOwners(names: string[]): Promise<Map<string, number | null>> {
    if (!names.length) return new Map();
    return new Map((await this.db.selectFrom('registered_models').select(['name', 'owner_team']).where('name', 'in', names).execute()).map((r) => [r.name, r.owner_team === null ? null : Number(r.owner_team)]));
  }

  /** Every revision of every live deployment, oldest first per deployment. */
  deploymentRevisions() {
    return this.db.selectFrom('deployment_revisions').select(['deployment', 'revision', 'config', 'created_at']).orderBy('deployment').orderBy('revision').execute();
  }

  async project(name: string): Promise<{ name: string; ownerTeam: string | null; deployments: string[] } | undefined> {
    const r = await this.db.selectFrom('projects').select(['name', 'owner_team', 'deployments']).where('name', '=', name).executeTakeFirst();
    return r ? { name: r.name, ownerTeam: r.owner_team, deployments: JSON.parse(r.deployments) as string[] } : undefined;
  }

  /** Projects that list `deployment` among theirs. */
  async projectsOfDeployment(deployment: string): Promise<string[]> {
    const rows = await this.db.selectFrom('projects').select(['name', 'deployments']).execute();
    return rows.filter((r) => (JSON.parse(r.deployments) as string[]).includes(deployment)).map((r) => r.name);
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
