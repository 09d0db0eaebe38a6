import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { loadTeamTree, type Owned, type ReadScope, type TeamLink, type Visibility } from '../org/access.js';
import type { DialectName } from '../../store/index.js';
import { likeToGlob } from '../../store/index.js';
import type { RegistryClause, RegistryComparator, RegistryOrder } from './registry.search.js';
import type {
  ModelCardRow,
  ModelVersionApprovalRow,
  ModelVersionSignatureRow,
  ModelVersionRow,
  RegisteredModelAliasRow,
  RegisteredModelRow,
  RegistryTables,
} from './registry.tables.js';

type DB = Kysely<RegistryTables>;

/** Keeps every statement under SQLite's and PostgreSQL's bound-parameter limits. */
const IN_CHUNK = 900;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function groupBy<R, K>(rows: readonly R[], key: (r: R) => K): Map<K, R[]> {
  const out = new Map<K, R[]>();
  for (const r of rows) {
    const k = key(r);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

const versionKey = (name: string, version: number) => `${version}\u0000${name}`;

export type ModelVersionPatch = Partial<Pick<ModelVersionRow, 'description' | 'current_stage' | 'last_updated_time'>>;

/** All SQL of the model registry. Dialects differ only in LIKE / ILIKE, resolved here. */
export class RegistryRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: RegistryRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new RegistryRepository(trx, this.dialect)));
  }

  // ---- registered models -------------------------------------------------------------------

  async insertModel(row: RegisteredModelRow): Promise<void> {
    await this.db.insertInto('registered_models').values(row).execute();
  }

  getModel(name: string): Promise<RegisteredModelRow | undefined> {
    return this.db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Children follow through ON UPDATE CASCADE. */
  async renameModel(name: string, newName: string, now: number): Promise<void> {
    await this.db.updateTable('registered_models').set({ name: newName, last_updated_time: now }).where('name', '=', name).execute();
    await this.db.updateTable('model_versions').set({ last_updated_time: now }).where('name', '=', newName).execute();
  }

  async updateModel(name: string, patch: Partial<Pick<RegisteredModelRow, 'description' | 'last_updated_time'>>): Promise<void> {
    await this.db.updateTable('registered_models').set(patch).where('name', '=', name).execute();
  }

  async setModelVisibility(name: string, visibility: Visibility, now: number): Promise<void> {
    await this.db.updateTable('registered_models').set({ visibility, last_updated_time: now }).where('name', '=', name).execute();
  }

  async deleteModel(name: string): Promise<void> {
    // Aliases and version tags reference versions, versions and tags reference the model.
    await this.db.deleteFrom('registered_models').where('name', '=', name).execute();
  }

  /** Issues the next version number of a model (one atomic UPDATE, so concurrent creates never collide). */
  async nextVersion(name: string, now: number): Promise<number> {
    const row = await this.db
      .updateTable('registered_models')
      .set((eb) => ({ max_version: eb('max_version', '+', 1), last_updated_time: now }))
      .where('name', '=', name)
      .returning('max_version')
      .executeTakeFirstOrThrow();
    return row.max_version;
  }

  async modelTags(names: readonly string[]): Promise<Map<string, { key: string; value: string }[]>> {
    const rows = [];
    for (const part of chunks(names, IN_CHUNK)) {
      rows.push(...(await this.db.selectFrom('registered_model_tags').selectAll().where('name', 'in', part).orderBy('key').execute()));
    }
    const out = new Map<string, { key: string; value: string }[]>();
    for (const [k, list] of groupBy(rows, (r) => r.name)) out.set(k, list.map((r) => ({ key: r.key, value: r.value })));
    return out;
  }

  async setModelTag(name: string, key: string, value: string): Promise<void> {
    await this.db
      .insertInto('registered_model_tags')
      .values({ name, key, value })
      .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value }))
      .execute();
  }

  async deleteModelTag(name: string, key: string): Promise<void> {
    await this.db.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute();
  }

  // ---- aliases -------------------------------------------------------------------------------

  async aliases(names: readonly string[]): Promise<Map<string, RegisteredModelAliasRow[]>> {
    const rows: RegisteredModelAliasRow[] = [];
    for (const part of chunks(names, IN_CHUNK)) {
      rows.push(...(await this.db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', part).orderBy('alias').execute()));
    }
    return groupBy(rows, (r) => r.name);
  }

  getAlias(name: string, alias: string): Promise<RegisteredModelAliasRow | undefined> {
    return this.db.selectFrom('registered_model_aliases').selectAll().where('name', '=', name).where('alias', '=', alias).executeTakeFirst();
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    await this.db
      .insertInto('registered_model_aliases')
      .values({ name, alias, version })
      .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version }))
      .execute();
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.db.deleteFrom('registered_model_aliases').where('name', '=', name).where('alias', '=', alias).execute();
  }

  // ---- model versions ------------------------------------------------------------------------

  async insertVersion(row: ModelVersionRow): Promise<void> {
    await this.db.insertInto('model_versions').values(row).execute();
  }

  getVersion(name: string, version: number): Promise<ModelVersionRow | undefined> {
    return this.db.selectFrom('model_versions').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
  }

  async updateVersion(name: string, version: number, patch: ModelVersionPatch): Promise<void> {
    await this.db.updateTable('model_versions').set(patch).where('name', '=', name).where('version', '=', version).execute();
  }

  async deleteVersion(name: string, version: number): Promise<void> {
    await this.db.deleteFrom('model_versions').where('name', '=', name).where('version', '=', version).execute();
  }

  /** Moves every other version of `name` in `stage` to Archived. */
  async archiveStage(name: string, stage: string, exceptVersion: number, now: number): Promise<void> {
    await this.db
      .updateTable('model_versions')
      .set({ current_stage: 'Archived', last_updated_time: now })
      .where('name', '=', name)
      .where('current_stage', '=', stage)
      .where('version', '!=', exceptVersion)
      .execute();
  }

  /** The highest version of each stage, for each of `names`, by name then version. */
  async latestPerStage(names: readonly string[]): Promise<ModelVersionRow[]> {
    const rows: ModelVersionRow[] = [];
    for (const part of chunks(names, IN_CHUNK)) {
      rows.push(
        ...(await this.db
          .selectFrom('model_versions as mv')
          .selectAll('mv')
          .where('mv.name', 'in', part)
          .where((eb) =>
            eb(
              'mv.version',
              '=',
              eb
                .selectFrom('model_versions as m2')
                .select((e2) => e2.fn.max('m2.version').as('v'))
                .whereRef('m2.name', '=', 'mv.name')
                .whereRef('m2.current_stage', '=', 'mv.current_stage'),
            ),
          )
          .orderBy('mv.name')
          .orderBy('mv.version')
          .execute()),
      );
    }
    return rows;
  }

  /** Tags of the given versions, keyed by {@link versionKeyOf}. */
  async versionTags(versions: readonly { name: string; version: number }[]): Promise<Map<string, { key: string; value: string }[]>> {
    const out = new Map<string, { key: string; value: string }[]>();
    const names = [...new Set(versions.map((v) => v.name))];
    const wanted = new Set(versions.map((v) => versionKey(v.name, v.version)));
    for (const part of chunks(names, IN_CHUNK)) {
      const rows = await this.db.selectFrom('model_version_tags').selectAll().where('name', 'in', part).orderBy('key').execute();
      for (const r of rows) {
        const k = versionKey(r.name, r.version);
        if (!wanted.has(k)) continue;
        let list = out.get(k);
        if (!list) out.set(k, (list = []));
        list.push({ key: r.key, value: r.value });
      }
    }
    return out;
  }

  async setVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    await this.db
      .insertInto('model_version_tags')
      .values({ name, version, key, value })
      .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value }))
      .execute();
  }

  async deleteVersionTag(name: string, version: number, key: string): Promise<void> {
    await this.db.deleteFrom('model_version_tags').where('name', '=', name).where('version', '=', version).where('key', '=', key).execute();
  }

  // ---- signatures, cards, approvals ----------------------------------------------------------

  getSignature(name: string, version: number): Promise<ModelVersionSignatureRow | undefined> {
    return this.db.selectFrom('model_version_signatures').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
  }

  async upsertSignature(row: ModelVersionSignatureRow): Promise<void> {
    const { inputs, outputs, source, extracted_at } = row;
    await this.db
      .insertInto('model_version_signatures')
      .values(row)
      .onConflict((oc) => oc.columns(['name', 'version']).doUpdateSet({ inputs, outputs, source, extracted_at }))
      .execute();
  }

  getCard(name: string, version: number): Promise<ModelCardRow | undefined> {
    return this.db.selectFrom('model_cards').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
  }

  async upsertCard(row: ModelCardRow): Promise<void> {
    const { card, risk_rating, status, updated_at, updated_by } = row;
    await this.db
      .insertInto('model_cards')
      .values(row)
      .onConflict((oc) => oc.columns(['name', 'version']).doUpdateSet({ card, risk_rating, status, updated_at, updated_by }))
      .execute();
  }

  async insertApproval(row: Omit<ModelVersionApprovalRow, 'id'>): Promise<void> {
    await this.db.insertInto('model_version_approvals').values(row).execute();
  }

  /** A version's approval decisions, newest first. */
  approvals(name: string, version: number): Promise<Omit<ModelVersionApprovalRow, 'id'>[]> {
    return this.db
      .selectFrom('model_version_approvals')
      .select(['name', 'version', 'status', 'decided_by', 'decided_at', 'reason'])
      .where('name', '=', name)
      .where('version', '=', version)
      .orderBy('id', 'desc')
      .execute();
  }

  // ---- search --------------------------------------------------------------------------------

  /** The owner and visibility of a model (its primary key). */
  async modelOwner(name: string): Promise<Owned | undefined> {
    const r = await this.db.selectFrom('registered_models').select(['owner_team', 'visibility']).where('name', '=', name).executeTakeFirst();
    return r && ownedOf(r);
  }

  teamTree(): Promise<TeamLink[]> {
    return loadTeamTree(this.db as Kysely<unknown>);
  }

  searchModels(opts: { filter: RegistryClause[]; orderBy: RegistryOrder[]; offset: number; limit: number; scope?: ReadScope | undefined }): Promise<RegisteredModelRow[]> {
    let q = this.db.selectFrom('registered_models as rm').selectAll('rm');
    const scope = opts.scope;
    if (scope && !scope.all) q = q.where((eb) => scopeClause(eb, sql.ref('rm.visibility'), sql.ref('rm.owner_team'), scope));
    for (const c of opts.filter) {
      if (c.type === 'tag') {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('registered_model_tags as t')
              .select(sql`1`.as('one'))
              .whereRef('t.name', '=', 'rm.name')
              .where('t.key', '=', c.key)
              .where(this.compare(sql.ref('t.value'), c.comparator, c.value)),
          ),
        );
      } else {
        q = q.where(this.compare(sql.ref('rm.name'), c.comparator, c.value));
      }
    }
    const column = (key: string) => (key === 'name' ? 'rm.name' : key === 'creation_timestamp' ? 'rm.creation_time' : 'rm.last_updated_time');
    for (const o of opts.orderBy) q = q.orderBy(column(o.key), o.ascending ? 'asc' : 'desc');
    if (!opts.orderBy.some((o) => o.key === 'name')) q = q.orderBy('rm.name', 'asc');
    return q.limit(opts.limit).offset(opts.offset).execute();
  }

  searchVersions(opts: { filter: RegistryClause[]; orderBy: RegistryOrder[]; offset: number; limit: number; scope?: ReadScope | undefined }): Promise<ModelVersionRow[]> {
    let q = this.db.selectFrom('model_versions as mv').selectAll('mv');
    const scope = opts.scope;
    if (scope && !scope.all) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('registered_models as own')
            .select(sql`1`.as('one'))
            .whereRef('own.name', '=', 'mv.name')
            .where((e) => scopeClause(e, sql.ref('own.visibility'), sql.ref('own.owner_team'), scope)),
        ),
      );
    }
    for (const c of opts.filter) {
      if (c.type === 'tag') {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('model_version_tags as t')
              .select(sql`1`.as('one'))
              .whereRef('t.name', '=', 'mv.name')
              .whereRef('t.version', '=', 'mv.version')
              .where('t.key', '=', c.key)
              .where(this.compare(sql.ref('t.value'), c.comparator, c.value)),
          ),
        );
      } else {
        const col = c.key === 'name' ? 'mv.name' : c.key === 'run_id' ? 'mv.run_id' : c.key === 'source_path' ? 'mv.source' : 'mv.version';
        q = q.where(this.compare(sql.ref(col), c.comparator, c.value));
      }
    }
    const column = (key: string) =>
      key === 'name' ? 'mv.name' : key === 'version_number' ? 'mv.version' : key === 'creation_timestamp' ? 'mv.creation_time' : 'mv.last_updated_time';
    for (const o of opts.orderBy) q = q.orderBy(column(o.key), o.ascending ? 'asc' : 'desc');
    if (!opts.orderBy.some((o) => o.key === 'name')) q = q.orderBy('mv.name', 'asc');
    if (!opts.orderBy.some((o) => o.key === 'version_number')) q = q.orderBy('mv.version', 'desc');
    return q.limit(opts.limit).offset(opts.offset).execute();
  }

  /** One comparison; LIKE is case-sensitive and ILIKE is not, on both dialects. */
  private compare(col: Expression<unknown>, op: RegistryComparator, v: string | number | string[]): Expression<SqlBool> {
    switch (op) {
      case 'LIKE':
        return this.dialect === 'sqlite' ? sql<SqlBool>`${col} GLOB ${likeToGlob(String(v))}` : sql<SqlBool>`${col} LIKE ${String(v)}`;
      case 'ILIKE':
        return this.dialect === 'sqlite' ? sql<SqlBool>`${col} LIKE ${String(v)}` : sql<SqlBool>`${col} ILIKE ${String(v)}`;
      case 'IN':
      case 'NOT IN': {
        const list = v as string[];
        if (list.length === 0) return op === 'IN' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
        const items = sql.join(list.map((x) => sql`${x}`));
        return op === 'IN' ? sql<SqlBool>`${col} IN (${items})` : sql<SqlBool>`${col} NOT IN (${items})`;
      }
      default:
        return sql<SqlBool>`${col} ${sql.raw(op)} ${v}`;
    }
  }
}

/** The key {@link RegistryRepository.versionTags} files a version's tags under. */
export const versionKeyOf = (v: { name: string; version: number }) => versionKey(v.name, v.version);

const ownedOf = (r: { owner_team?: number | string | null | undefined; visibility?: string | undefined }): Owned => ({
  ownerTeam: r.owner_team === null || r.owner_team === undefined ? null : Number(r.owner_team),
  visibility: r.visibility === 'private' ? 'private' : 'internal',
});

/** Rows `scope` may read: internal ones (when allowed) and those of its teams. */
function scopeClause(eb: ExpressionBuilder<any, any>, visibility: Expression<unknown>, ownerTeam: Expression<unknown>, scope: Exclude<ReadScope, { all: true }>): Expression<SqlBool> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const ors: Expression<SqlBool>[] = [];
  if (scope.internal) ors.push(eb(visibility, '=', 'internal'));
  if (scope.teams.length) ors.push(eb(ownerTeam, 'in', scope.teams));
  return ors.length ? eb.or(ors) : sql<SqlBool>`1 = 0`;
}
