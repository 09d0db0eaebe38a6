import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { loadTeamTree, type ReadScope, type TeamLink } from '../org/access.js';
import type { DialectName } from '../../store/index.js';
import type { DatasetVersionRow, DatasetsTables, NamedDatasetRow } from './datasets.tables.js';

type DB = Kysely<DatasetsTables>;

/** A version row with the name of its dataset. */
export type VersionWithName = DatasetVersionRow & { name: string };

/** All SQL of the datasets domain; nothing in it differs between the dialects. */
export class DatasetsRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: DatasetsRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new DatasetsRepository(trx, this.dialect)));
  }

  async insertDataset(row: Omit<NamedDatasetRow, 'id' | 'visibility' | 'owner_team'> & Partial<Pick<NamedDatasetRow, 'owner_team' | 'visibility'>>): Promise<number> {
    const r = await this.db.insertInto('named_datasets').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  getDatasetByName(name: string): Promise<NamedDatasetRow | undefined> {
    return this.db.selectFrom('named_datasets').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** The datasets `scope` may read (all without one), by name. */
  listDatasets(offset: number, limit: number, scope?: ReadScope): Promise<NamedDatasetRow[]> {
    let q = this.db.selectFrom('named_datasets').selectAll();
    if (scope && !scope.all) {
      q = q.where((eb) => {
        const ors: Expression<SqlBool>[] = [];
        if (scope.internal) ors.push(eb('visibility', '=', 'internal'));
        if (scope.teams.length) ors.push(eb('owner_team', 'in', scope.teams));
        return ors.length ? eb.or(ors) : sql<SqlBool>`1 = 0`;
      });
    }
    return q.orderBy('name').limit(limit).offset(offset).execute();
  }

  teamTree(): Promise<TeamLink[]> {
    return loadTeamTree(this.db as Kysely<unknown>);
  }

  async latestVersions(ids: readonly number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('dataset_versions')
      .select(['dataset_id', (eb) => eb.fn.max('version').as('latest')])
      .where('dataset_id', 'in', ids)
      .groupBy('dataset_id')
      .execute();
    return new Map(rows.map((r) => [r.dataset_id, Number(r.latest)]));
  }

  async touchDataset(id: number, now: number): Promise<void> {
    await this.db.updateTable('named_datasets').set({ updated_at: now }).where('id', '=', id).execute();
  }

  insertVersion(row: DatasetVersionRow): Promise<unknown> {
    return this.db.insertInto('dataset_versions').values(row).execute();
  }

  getVersion(datasetId: number, version: number): Promise<DatasetVersionRow | undefined> {
    return this.db.selectFrom('dataset_versions').selectAll().where('dataset_id', '=', datasetId).where('version', '=', version).executeTakeFirst();
  }

  getLatestVersion(datasetId: number): Promise<DatasetVersionRow | undefined> {
    return this.db.selectFrom('dataset_versions').selectAll().where('dataset_id', '=', datasetId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  getVersionByHash(datasetId: number, contentHash: string): Promise<DatasetVersionRow | undefined> {
    return this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .where('content_hash', '=', contentHash)
      .orderBy('version')
      .limit(1)
      .executeTakeFirst();
  }

  async maxVersion(datasetId: number): Promise<number> {
    const r = await this.db
      .selectFrom('dataset_versions')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('dataset_id', '=', datasetId)
      .executeTakeFirst();
    return r?.max == null ? 0 : Number(r.max);
  }

  listVersions(datasetId: number, offset: number, limit: number): Promise<DatasetVersionRow[]> {
    return this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .orderBy('version', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** Versions whose hash starts with one of `hashPrefixes`, whose source is one of `sourceUris`, or named by `refs`. */
  async findVersionsMatching(m: { hashPrefixes: string[]; sourceUris: string[]; refs: { name: string; version: number }[] }): Promise<VersionWithName[]> {
    if (!m.hashPrefixes.length && !m.sourceUris.length && !m.refs.length) return [];
    return this.db
      .selectFrom('dataset_versions')
      .innerJoin('named_datasets', 'named_datasets.id', 'dataset_versions.dataset_id')
      .selectAll('dataset_versions')
      .select('named_datasets.name')
      .where((eb) =>
        eb.or([
          ...m.hashPrefixes.map((p) => eb('dataset_versions.content_hash', 'like', `${p}%`)),
          ...m.sourceUris.map((u) => eb('dataset_versions.source_uri', '=', u)),
          ...m.refs.map((r) => eb.and([eb('named_datasets.name', '=', r.name), eb('dataset_versions.version', '=', r.version)])),
        ]),
      )
      .orderBy('named_datasets.name')
      .orderBy('dataset_versions.version')
      .execute();
  }

  findVersionsByHash(contentHash: string): Promise<VersionWithName[]> {
    return this.db
      .selectFrom('dataset_versions')
      .innerJoin('named_datasets', 'named_datasets.id', 'dataset_versions.dataset_id')
      .selectAll('dataset_versions')
      .select('named_datasets.name')
      .where('dataset_versions.content_hash', '=', contentHash)
      .orderBy('named_datasets.name')
      .orderBy('dataset_versions.version')
      .execute();
  }

  async setDatasheet(datasetId: number, version: number, datasheet: string | null): Promise<void> {
    await this.db.updateTable('dataset_versions').set({ datasheet }).where('dataset_id', '=', datasetId).where('version', '=', version).execute();
  }
}
