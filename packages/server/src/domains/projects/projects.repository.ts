import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DialectName } from '../../store/index.js';
import type { ProjectOutcomeTable, ProjectsTables, ProjectStageChangeTable, ProjectTable } from './projects.tables.js';

type DB = Kysely<ProjectsTables>;
export type ProjectRow = Selectable<ProjectTable>;
export type StageChangeRow = Selectable<ProjectStageChangeTable>;
export type OutcomeRow = Selectable<ProjectOutcomeTable>;

export interface ProjectFilter {
  stage?: string | undefined;
  team?: string | undefined;
  /** in POC with an end date before this instant */
  overdueAt?: number | undefined;
}

/** All SQL of the projects domain; nothing in it differs between the dialects. */
export class ProjectsRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /**
   * Runs `fn` in one transaction with a repository bound to it and the raw transaction, which the
   * audit log writes its entry through (the change and its entry commit together).
   */
  transaction<R>(fn: (repo: ProjectsRepository, trx: Kysely<unknown>) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this, this.db as unknown as Kysely<unknown>);
    return this.db.transaction().execute((trx: Transaction<ProjectsTables>) => fn(new ProjectsRepository(trx, this.dialect), trx as unknown as Kysely<unknown>));
  }

  async insert(row: Omit<ProjectRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('projects').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async update(id: number, patch: Partial<Omit<ProjectRow, 'id'>>): Promise<void> {
    await this.db.updateTable('projects').set(patch).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('projects').where('id', '=', id).execute();
  }

  getByName(name: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
  }

  list(f: ProjectFilter, offset: number, limit: number): Promise<ProjectRow[]> {
    let q = this.db.selectFrom('projects').selectAll();
    if (f.stage !== undefined) q = q.where('stage', '=', f.stage);
    if (f.team !== undefined) q = q.where('owner_team', '=', f.team);
    if (f.overdueAt !== undefined) q = q.where('stage', '=', 'poc').where('poc_end_date', '<', f.overdueAt);
    return q.orderBy('name').limit(limit).offset(offset).execute();
  }

  async insertStageChange(row: Omit<StageChangeRow, 'id'>): Promise<void> {
    await this.db.insertInto('project_stage_changes').values(row).execute();
  }

  stageChanges(projectId: number): Promise<StageChangeRow[]> {
    return this.db.selectFrom('project_stage_changes').selectAll().where('project_id', '=', projectId).orderBy('id').execute();
  }

  async insertOutcome(row: Omit<OutcomeRow, 'id'>): Promise<void> {
    await this.db.insertInto('project_outcomes').values(row).execute();
  }

  outcomes(projectId: number, metric: string, since: number | undefined, until: number | undefined, limit: number): Promise<OutcomeRow[]> {
    let q = this.db.selectFrom('project_outcomes').selectAll().where('project_id', '=', projectId).where('metric', '=', metric);
    if (since !== undefined) q = q.where('ts', '>=', since);
    if (until !== undefined) q = q.where('ts', '<', until);
    return q.orderBy('ts').orderBy('id').limit(limit).execute();
  }
}
