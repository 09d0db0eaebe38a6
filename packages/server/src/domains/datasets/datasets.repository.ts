import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { loadTeamTree, type ReadScope, type TeamLink } from '../org/access.js';
import type { DialectName } from '../../store/index.js';
import type { DatasetGrantRow, DatasetSandboxRow, DatasetVersionRow, DatasetsTables, NamedDatasetRow } from './datasets.tables.js';

/** Who a caller is, for read grants: its username and the names of its teams. */
export interface Grantees {
  user: string;
  teams: string[];
  now: number;
}

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
  transaction<R>(fn: (repo: DatasetsRepository, trx: Kysely<any>) => Promise<R>): Promise<R> { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (this.db.isTransaction) return fn(this, this.db);
    return this.db.transaction().execute((trx) => fn(new DatasetsRepository(trx, this.dialect), trx));
  }

  async insertDataset(row: Omit<NamedDatasetRow, 'id' | 'visibility' | 'owner_team' | 'expires_at'> & Partial<Pick<NamedDatasetRow, 'owner_team' | 'visibility' | 'expires_at'>>): Promise<number> {
    const r = await this.db.insertInto('named_datasets').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  getDatasetByName(name: string): Promise<NamedDatasetRow | undefined> {
    return this.db.selectFrom('named_datasets').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** The datasets `scope` may read (all without one), by name. */
  listDatasets(offset: number, limit: number, scope?: ReadScope, grantees?: Grantees): Promise<NamedDatasetRow[]> {
    let q = this.db.selectFrom('named_datasets').selectAll();
    if (scope && !scope.all) {
      q = q.where((eb) => {
        const ors: Expression<SqlBool>[] = [];
        if (scope.internal) ors.push(eb('visibility', '=', 'internal'));
        if (scope.teams.length) ors.push(eb('owner_team', 'in', scope.teams));
        if (grantees) ors.push(eb('id', 'in', this.grantedIds(grantees)));
        return ors.length ? eb.or(ors) : sql<SqlBool>`1 = 0`;
      });
    }
    return q.orderBy('name').limit(limit).offset(offset).execute();
  }

  /** Ids of the datasets `g` holds an unexpired read grant on (a subquery). */
  private grantedIds(g: Grantees) {
    return this.db
      .selectFrom('dataset_grants')
      .select('dataset_id')
      .where((eb) => eb.or([eb.and([eb('grantee_kind', '=', 'user'), eb('grantee', '=', g.user)]), ...(g.teams.length ? [eb.and([eb('grantee_kind', '=', 'team'), eb('grantee', 'in', g.teams)])] : [])]))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', g.now)]));
  }

  async hasGrant(datasetId: number, g: Grantees): Promise<boolean> {
    return (await this.grantedIds(g).where('dataset_id', '=', datasetId).limit(1).executeTakeFirst()) !== undefined;
  }

  /** Adds the grant, or renews it (new expiry, granter and time) when the grantee has one. */
  async upsertGrant(row: Omit<DatasetGrantRow, 'id'>): Promise<void> {
    await this.db
      .insertInto('dataset_grants')
      .values(row)
      .onConflict((oc) => oc.columns(['dataset_id', 'grantee_kind', 'grantee']).doUpdateSet({ granted_by: row.granted_by, granted_at: row.granted_at, expires_at: row.expires_at }))
      .execute();
  }

  grant(datasetId: number, kind: 'team' | 'user', grantee: string): Promise<DatasetGrantRow | undefined> {
    return this.db.selectFrom('dataset_grants').selectAll().where('dataset_id', '=', datasetId).where('grantee_kind', '=', kind).where('grantee', '=', grantee).executeTakeFirst();
  }

  grants(datasetId: number): Promise<DatasetGrantRow[]> {
    return this.db.selectFrom('dataset_grants').selectAll().where('dataset_id', '=', datasetId).orderBy('grantee_kind').orderBy('grantee').execute();
  }

  async deleteGrant(id: number): Promise<void> {
    await this.db.deleteFrom('dataset_grants').where('id', '=', id).execute();
  }

  async insertSandbox(row: Omit<DatasetSandboxRow, 'id'>): Promise<number> {
    return (await this.db.insertInto('dataset_sandboxes').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  sandbox(id: number): Promise<DatasetSandboxRow | undefined> {
    return this.db.selectFrom('dataset_sandboxes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  sandboxes(opts: { live?: boolean } = {}): Promise<DatasetSandboxRow[]> {
    let q = this.db.selectFrom('dataset_sandboxes').selectAll();
    if (opts.live) q = q.where('destroyed_at', 'is', null);
    return q.orderBy('id', 'desc').limit(10_000).execute();
  }

  dueSandboxes(now: number, limit: number): Promise<DatasetSandboxRow[]> {
    return this.db.selectFrom('dataset_sandboxes').selectAll().where('destroyed_at', 'is', null).where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
  }

  /** Marks the sandbox destroyed unless someone did already; true when this call did. */
  async claimSandboxDestruction(id: number, at: number, by: string, reason: string): Promise<boolean> {
    const r = await this.db.updateTable('dataset_sandboxes').set({ destroyed_at: at, destroyed_by: by, destroyed_reason: reason }).where('id', '=', id).where('destroyed_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Deletes a dataset with its versions and grants. */
  async deleteDataset(id: number): Promise<void> {
    await this.db.deleteFrom('dataset_grants').where('dataset_id', '=', id).execute();
    await this.db.deleteFrom('dataset_versions').where('dataset_id', '=', id).execute();
    await this.db.deleteFrom('named_datasets').where('id', '=', id).execute();
  }

  async setExpiry(id: number, expiresAt: number | null): Promise<void> {
    await this.db.updateTable('named_datasets').set({ expires_at: expiresAt }).where('id', '=', id).execute();
  }

  /** Bytes of stored dataset files per owner team id (null: unowned), and how many versions have no recorded size. */
  async storageByOwner(): Promise<{ ownerTeam: number | null; bytes: number; unknown: number }[]> {
    const rows = await this.db
      .selectFrom('dataset_versions as v')
      .innerJoin('named_datasets as d', 'd.id', 'v.dataset_id')
      .select(['d.owner_team', 'v.size_bytes', 'v.artifact_path'])
      .execute();
    const by = new Map<number | null, { ownerTeam: number | null; bytes: number; unknown: number }>();
    for (const r of rows) {
      if (!r.artifact_path) continue;
      const e = by.get(r.owner_team) ?? { ownerTeam: r.owner_team, bytes: 0, unknown: 0 };
      if (r.size_bytes === null || r.size_bytes === undefined) e.unknown++;
      else e.bytes += Number(r.size_bytes);
      by.set(r.owner_team, e);
    }
    return [...by.values()];
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
