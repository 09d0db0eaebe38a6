import type { Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';

export interface DeploymentRow {
  name: string;
  created_at: number;
  updated_at: number;
  current_revision: number;
}
export interface DeploymentRevisionRow {
  deployment: string;
  revision: number;
  /** The config as JSON text. */
  config: string;
  created_at: number;
  created_by: string | null;
}
export interface ServingTables {
  deployments: DeploymentRow;
  deployment_revisions: DeploymentRevisionRow;
}

type DB = Kysely<ServingTables>;

/** All SQL of the serving domain (the same on both dialects). */
export class ServingRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: ServingRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new ServingRepository(trx, this.dialect)));
  }

  /** The Kysely handle this repository runs on (a transaction inside `transaction`), for writes other domains make in it. */
  handle(): Kysely<unknown> {
    return this.db as unknown as Kysely<unknown>;
  }

  getDeployment(name: string): Promise<DeploymentRow | undefined> {
    return this.db.selectFrom('deployments').selectAll().where('name', '=', name).executeTakeFirst();
  }

  listDeployments(): Promise<DeploymentRow[]> {
    return this.db.selectFrom('deployments').selectAll().orderBy('name').execute();
  }

  async insertDeployment(row: DeploymentRow): Promise<void> {
    await this.db.insertInto('deployments').values(row).execute();
  }

  async setCurrentRevision(name: string, revision: number, now: number): Promise<void> {
    await this.db.updateTable('deployments').set({ current_revision: revision, updated_at: now }).where('name', '=', name).execute();
  }

  async deleteDeployment(name: string): Promise<boolean> {
    // Revisions first: SQLite enforces the foreign key only when the pragma is on.
    await this.db.deleteFrom('deployment_revisions').where('deployment', '=', name).execute();
    const r = await this.db.deleteFrom('deployments').where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async insertRevision(row: DeploymentRevisionRow): Promise<void> {
    await this.db.insertInto('deployment_revisions').values(row).execute();
  }

  getRevision(name: string, revision: number): Promise<DeploymentRevisionRow | undefined> {
    return this.db.selectFrom('deployment_revisions').selectAll().where('deployment', '=', name).where('revision', '=', revision).executeTakeFirst();
  }

  listRevisions(name: string): Promise<DeploymentRevisionRow[]> {
    return this.db.selectFrom('deployment_revisions').selectAll().where('deployment', '=', name).orderBy('revision', 'desc').execute();
  }

  async maxRevision(name: string): Promise<number> {
    const r = await this.db.selectFrom('deployment_revisions').select((eb) => eb.fn.max('revision').as('m')).where('deployment', '=', name).executeTakeFirst();
    return r?.m == null ? 0 : Number(r.m);
  }
}
