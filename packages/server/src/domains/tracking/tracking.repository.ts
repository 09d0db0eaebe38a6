import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { DialectName } from '../../store/index.js';
import { inList, isUniqueViolation, likeToGlob } from '../../store/index.js';
import type { FilterClause, OrderClause } from './search-filter.js';
import { loadTeamTree, type Owned, type ReadScope, type TeamLink, type Visibility } from '../org/access.js';
import type {
  DatasetRow,
  ExperimentRow,
  InputTagRow,
  KeyValueRow,
  MetricRow,
  RunRow,
  TrackingTables,
} from './tracking.tables.js';

type DB = Kysely<TrackingTables>;
type RunsEB = ExpressionBuilder<TrackingTables, 'runs'>;
type ExpEB = ExpressionBuilder<TrackingTables, 'experiments'>;

/** Chunk sizes keep every statement under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 1000;
const IN_CHUNK = 900;

export type LifecycleFilter = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface RunData {
  params: KeyValueRow[];
  tags: KeyValueRow[];
  metrics: MetricRow[];
  inputs: { dataset: DatasetRow; tags: InputTagRow[] }[];
}

/** One entry per key, the last one winning (a key twice in one upsert is an error on PostgreSQL). */
function lastPerKey<T extends { key: string }>(items: readonly T[]): T[] {
  return [...new Map(items.map((i) => [i.key, i])).values()];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const lifecycleStages = (view: LifecycleFilter): string[] =>
  view === 'ALL' ? ['active', 'deleted'] : view === 'DELETED_ONLY' ? ['deleted'] : ['active'];

/**
 * All SQL of the tracking domain. Dialect differences are limited to LIKE (case-sensitive on
 * both) and are resolved through store/ helpers.
 */
export class TrackingRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: TrackingRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new TrackingRepository(trx, this.dialect)));
  }

  // ---- experiments -------------------------------------------------------------------------

  async insertExperiment(row: Omit<ExperimentRow, 'experiment_id' | 'visibility'> & { visibility: Visibility }, artifactLocation: (id: number) => string): Promise<number> {
    const inserted = await this.db
      .insertInto('experiments')
      .values({ ...row, artifact_location: row.artifact_location || '' })
      .returning('experiment_id')
      .executeTakeFirstOrThrow();
    const id = inserted.experiment_id;
    if (!row.artifact_location) {
      await this.db.updateTable('experiments').set({ artifact_location: artifactLocation(id) }).where('experiment_id', '=', id).execute();
    }
    return id;
  }

  getExperiment(id: number): Promise<ExperimentRow | undefined> {
    return this.db.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst();
  }

  /** The owner and visibility of an experiment (its primary key). */
  async experimentOwner(id: number): Promise<Owned | undefined> {
    const r = await this.db.selectFrom('experiments').select(['owner_team', 'visibility']).where('experiment_id', '=', id).executeTakeFirst();
    return r && ownedOf(r);
  }

  /** The owner and visibility of a run's experiment: one primary-key join. */
  async runOwner(runId: string): Promise<Owned | undefined> {
    const r = await this.db
      .selectFrom('runs')
      .innerJoin('experiments', 'experiments.experiment_id', 'runs.experiment_id')
      .select(['experiments.owner_team', 'experiments.visibility'])
      .where('runs.run_uuid', '=', runId)
      .executeTakeFirst();
    return r && ownedOf(r);
  }

  /** The owners of several runs' experiments (bulk reads). */
  async runOwners(runIds: readonly string[]): Promise<Map<string, Owned>> {
    const out = new Map<string, Owned>();
    for (const part of chunks(runIds, IN_CHUNK)) {
      const rows = await this.db
        .selectFrom('runs')
        .innerJoin('experiments', 'experiments.experiment_id', 'runs.experiment_id')
        .select(['runs.run_uuid', 'experiments.owner_team', 'experiments.visibility'])
        .where('runs.run_uuid', 'in', part)
        .execute();
      for (const r of rows) out.set(r.run_uuid, ownedOf(r));
    }
    return out;
  }

  teamTree(): Promise<TeamLink[]> {
    return loadTeamTree(this.db as Kysely<unknown>);
  }

  getExperimentByName(name: string): Promise<ExperimentRow | undefined> {
    return this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async experimentTags(ids: readonly number[]): Promise<Map<number, { key: string; value: string }[]>> {
    const out = new Map<number, { key: string; value: string }[]>();
    for (const part of chunks(ids, IN_CHUNK)) {
      const rows = await this.db.selectFrom('experiment_tags').selectAll().where('experiment_id', 'in', part).orderBy('key').execute();
      for (const r of rows) {
        let list = out.get(r.experiment_id);
        if (!list) out.set(r.experiment_id, (list = []));
        list.push({ key: r.key, value: r.value });
      }
    }
    return out;
  }

  async renameExperiment(id: number, name: string, now: number): Promise<void> {
    await this.db.updateTable('experiments').set({ name, last_update_time: now }).where('experiment_id', '=', id).execute();
  }

  /** Deleting or restoring an experiment does the same to its runs, as MLflow does. */
  async setExperimentLifecycle(id: number, stage: 'active' | 'deleted', now: number): Promise<void> {
    await this.db.updateTable('experiments').set({ lifecycle_stage: stage, last_update_time: now }).where('experiment_id', '=', id).execute();
    const from = stage === 'deleted' ? 'active' : 'deleted';
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('experiment_id', '=', id)
      .where('lifecycle_stage', '=', from)
      .execute();
  }

  async setExperimentVisibility(id: number, visibility: Visibility, now: number): Promise<void> {
    await this.db.updateTable('experiments').set({ visibility, last_update_time: now }).where('experiment_id', '=', id).execute();
  }

  async setExperimentTag(id: number, key: string, value: string, now: number): Promise<void> {
    await this.db
      .insertInto('experiment_tags')
      .values({ experiment_id: id, key, value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value }))
      .execute();
    await this.db.updateTable('experiments').set({ last_update_time: now }).where('experiment_id', '=', id).execute();
  }

  async deleteExperimentTag(id: number, key: string): Promise<number> {
    const r = await this.db.deleteFrom('experiment_tags').where('experiment_id', '=', id).where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async searchExperiments(opts: {
    view: LifecycleFilter;
    filter: FilterClause[];
    order: OrderClause[];
    offset: number;
    limit: number;
    scope?: ReadScope | undefined;
  }): Promise<ExperimentRow[]> {
    let q = this.db
      .selectFrom('experiments')
      .selectAll('experiments')
      .where('experiments.lifecycle_stage', 'in', lifecycleStages(opts.view));
    const scope = opts.scope;
    if (scope && !scope.all) q = q.where((eb) => scopeClause(eb, scope));
    for (const c of opts.filter) q = q.where((eb) => this.experimentClause(eb, c));
    const orderKeys = new Set<string>();
    for (const o of opts.order) {
      const col = `experiments.${o.key}` as 'experiments.name';
      q = q.orderBy(col, o.ascending ? 'asc' : 'desc');
      orderKeys.add(o.key);
    }
    if (!orderKeys.has('creation_time')) q = q.orderBy('experiments.creation_time', 'desc');
    if (!orderKeys.has('experiment_id')) q = q.orderBy('experiments.experiment_id', 'asc');
    return q.limit(opts.limit).offset(opts.offset).execute();
  }

  private experimentClause(eb: ExpEB, c: FilterClause): Expression<SqlBool> {
    if (c.type === 'tag') {
      const sub = eb
        .selectFrom('experiment_tags as et')
        .select(sql.lit(1).as('one'))
        .whereRef('et.experiment_id', '=', 'experiments.experiment_id')
        .where('et.key', '=', c.key);
      if (c.comparator === 'IS NULL') return eb.not(eb.exists(sub));
      if (c.comparator === 'IS NOT NULL') return eb.exists(sub);
      return eb.exists(sub.where((e) => this.compare(e, sql.ref('et.value'), c)));
    }
    return this.compare(eb, sql.ref(`experiments.${c.key}`), c);
  }

  // ---- runs --------------------------------------------------------------------------------

  async insertRun(run: RunRow, tags: readonly { key: string; value: string }[]): Promise<void> {
    await this.db.insertInto('runs').values(run).execute();
    if (tags.length) {
      await this.db
        .insertInto('tags')
        .values(lastPerKey(tags).map((t) => ({ run_uuid: run.run_uuid, key: t.key, value: t.value })))
        .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    }
  }

  /**
   * Creates a run with its tags if its experiment exists and is active (undefined otherwise),
   * atomically. The artifact URI is the experiment's location + `/<run id>/artifacts`. On
   * PostgreSQL it is one statement — the run lifecycle is a hot path and each round trip counts.
   */
  async insertRunInActiveExperiment(run: Omit<RunRow, 'artifact_uri'>, tags: readonly { key: string; value: string }[]): Promise<RunRow | undefined> {
    const unique = lastPerKey(tags);
    if (this.dialect === 'postgres') {
      const { rows } = await sql<RunRow>`WITH e AS (
          SELECT experiment_id, artifact_location FROM experiments WHERE experiment_id = ${run.experiment_id} AND lifecycle_stage = 'active'
        ), r AS (
          INSERT INTO runs (run_uuid, experiment_id, run_name, user_id, status, start_time, end_time, deleted_time, artifact_uri, lifecycle_stage)
          SELECT ${run.run_uuid}, e.experiment_id, ${run.run_name}, ${run.user_id}, ${run.status}, ${run.start_time}, ${run.end_time}::bigint, ${run.deleted_time}::bigint,
                 rtrim(e.artifact_location, '/') || '/' || ${run.run_uuid} || '/artifacts', ${run.lifecycle_stage}
          FROM e RETURNING *
        ), t AS (
          INSERT INTO tags (run_uuid, key, value)
          SELECT r.run_uuid, x.key, x.value FROM r, unnest(${unique.map((t) => t.key)}::text[], ${unique.map((t) => t.value)}::text[]) AS x(key, value)
        )
        SELECT * FROM r`.execute(this.db);
      return rows[0];
    }
    return this.transaction(async (repo) => {
      const exp = await repo.db.selectFrom('experiments').select('artifact_location').where('experiment_id', '=', run.experiment_id).where('lifecycle_stage', '=', 'active').executeTakeFirst();
      if (!exp) return undefined;
      const row: RunRow = { ...run, artifact_uri: `${exp.artifact_location.replace(/\/+$/, '')}/${run.run_uuid}/artifacts` };
      await repo.insertRun(row, unique);
      return row;
    });
  }

  getRun(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('run_uuid', '=', id).executeTakeFirst();
  }

  async updateRun(id: string, set: Partial<Pick<RunRow, 'status' | 'end_time' | 'run_name'>>): Promise<void> {
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('runs').set(set).where('run_uuid', '=', id).execute();
  }

  async setRunLifecycle(id: string, stage: 'active' | 'deleted', now: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('run_uuid', '=', id)
      .execute();
  }

  /** Params, tags, latest metrics and dataset inputs of many runs, grouped by run id. */
  async runData(ids: readonly string[]): Promise<Map<string, RunData>> {
    const out = new Map<string, RunData>();
    for (const id of ids) out.set(id, { params: [], tags: [], metrics: [], inputs: [] });
    for (const part of chunks(ids, IN_CHUNK)) {
      const inputsQuery = () =>
        this.db
          .selectFrom('run_inputs')
          .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
          .selectAll('datasets')
          .select(['run_inputs.input_uuid', 'run_inputs.run_uuid'])
          .where(inList(this.dialect, 'run_inputs.run_uuid', part))
          .orderBy('datasets.name')
          .execute();
      let inputs: Awaited<ReturnType<typeof inputsQuery>>;
      if (this.dialect === 'postgres') {
        const anyInputs = await this.loadRunDataPostgres(part, out);
        inputs = anyInputs ? await inputsQuery() : [];
      } else {
        const [params, tags, metrics] = await Promise.all([
          this.db.selectFrom('params').selectAll().where(inList(this.dialect, 'run_uuid', part)).orderBy('key').execute(),
          this.db.selectFrom('tags').selectAll().where(inList(this.dialect, 'run_uuid', part)).orderBy('key').execute(),
          this.db.selectFrom('latest_metrics').selectAll().where(inList(this.dialect, 'run_uuid', part)).orderBy('key').execute(),
        ]);
        inputs = await inputsQuery();
        for (const p of params) out.get(p.run_uuid)!.params.push(p);
        for (const t of tags) out.get(t.run_uuid)!.tags.push(t);
        for (const m of metrics) out.get(m.run_uuid)!.metrics.push(m);
      }
      if (inputs.length) {
        const inputTags = await this.db
          .selectFrom('input_tags')
          .selectAll()
          .where('input_uuid', 'in', inputs.map((i) => i.input_uuid))
          .orderBy('name')
          .execute();
        for (const i of inputs) {
          const { input_uuid, run_uuid, ...dataset } = i;
          out.get(run_uuid)!.inputs.push({ dataset, tags: inputTags.filter((t) => t.input_uuid === input_uuid) });
        }
      }
    }
    return out;
  }

  /**
   * Params, tags and latest metrics of a page of runs in one round trip on PostgreSQL (three
   * index lookups per run, aggregated to JSON by the server); true when any run has inputs.
   */
  private async loadRunDataPostgres(ids: string[], out: Map<string, RunData>): Promise<boolean> {
    type Row = { run_uuid: string; params: [string, string][] | null; tags: [string, string][] | null; metrics: [string, number | string, number, number, number][] | null; has_inputs: boolean };
    const { rows } = await sql<Row>`SELECT u.run_uuid,
        (SELECT json_agg(json_build_array(p.key, p.value) ORDER BY p.key) FROM params p WHERE p.run_uuid = u.run_uuid) AS params,
        (SELECT json_agg(json_build_array(t.key, t.value) ORDER BY t.key) FROM tags t WHERE t.run_uuid = u.run_uuid) AS tags,
        (SELECT json_agg(json_build_array(m.key, m.value, m.timestamp, m.step, m.is_nan) ORDER BY m.key) FROM latest_metrics m WHERE m.run_uuid = u.run_uuid) AS metrics,
        EXISTS (SELECT 1 FROM run_inputs ri WHERE ri.run_uuid = u.run_uuid) AS has_inputs
      FROM unnest(${ids}::text[]) AS u(run_uuid)`.execute(this.db);
    let anyInputs = false;
    for (const r of rows) {
      const d = out.get(r.run_uuid)!;
      for (const [key, value] of r.params ?? []) d.params.push({ run_uuid: r.run_uuid, key, value });
      for (const [key, value] of r.tags ?? []) d.tags.push({ run_uuid: r.run_uuid, key, value });
      // JSON has no Infinity: PostgreSQL writes non-finite doubles as strings.
      for (const [key, value, timestamp, step, is_nan] of r.metrics ?? []) d.metrics.push({ run_uuid: r.run_uuid, key, value: Number(value), timestamp, step, is_nan });
      anyInputs ||= r.has_inputs;
    }
    return anyInputs;
  }

  // ---- params, tags, metrics ----------------------------------------------------------------

  async getParams(runId: string, keys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(keys, IN_CHUNK)) {
      const rows = await this.db.selectFrom('params').select(['key', 'value']).where('run_uuid', '=', runId).where('key', 'in', part).execute();
      for (const r of rows) out.set(r.key, r.value);
    }
    return out;
  }

  /**
   * Inserts params that are not there yet and returns the keys it inserted; keys already there
   * are left for the caller to compare.
   */
  async insertParams(runId: string, params: readonly { key: string; value: string }[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const part of chunks(params, INSERT_CHUNK)) {
      const rows = await this.db
        .insertInto('params')
        .values(part.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
        .onConflict((oc) => oc.columns(['run_uuid', 'key']).doNothing())
        .returning('key')
        .execute();
      for (const r of rows) inserted.add(r.key);
    }
    return inserted;
  }

  /** Updates an active run in one statement; undefined when no active run has that id. */
  async updateActiveRun(id: string, set: Partial<Pick<RunRow, 'status' | 'end_time' | 'run_name'>>): Promise<RunRow | undefined> {
    if (Object.keys(set).length === 0) {
      return this.db.selectFrom('runs').selectAll().where('run_uuid', '=', id).where('lifecycle_stage', '=', 'active').executeTakeFirst();
    }
    return this.db.updateTable('runs').set(set).where('run_uuid', '=', id).where('lifecycle_stage', '=', 'active').returningAll().executeTakeFirst();
  }

  async upsertTags(runId: string, tags: readonly { key: string; value: string }[]): Promise<void> {
    for (const part of chunks(lastPerKey(tags), INSERT_CHUNK)) {
      await this.db
        .insertInto('tags')
        .values(part.map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
        .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    }
  }

  async deleteTag(runId: string, key: string): Promise<number> {
    const r = await this.db.deleteFrom('tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /**
   * Appends metric points (an exact duplicate of a stored point is ignored, so a retried batch
   * does not double) and moves each key's latest value forward.
   */
  async insertMetrics(runId: string, points: readonly Omit<MetricRow, 'run_uuid'>[]): Promise<void> {
    if (points.length === 0) return;
    if (this.dialect === 'postgres') await this.insertMetricsPostgres(runId, points);
    else {
      for (const part of chunks(points, INSERT_CHUNK)) {
        await this.db
          .insertInto('metrics')
          .values(part.map((p) => ({ run_uuid: runId, key: p.key, step: p.step, timestamp: p.timestamp, value: p.value, is_nan: p.is_nan })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    }
    // One candidate per key: the same key twice in one upsert is an error on PostgreSQL.
    const latest = new Map<string, Omit<MetricRow, 'run_uuid'>>();
    for (const p of points) {
      const cur = latest.get(p.key);
      if (!cur || isNewer(p, cur)) latest.set(p.key, p);
    }
    for (const part of chunks([...latest.values()], INSERT_CHUNK)) {
      await this.db
        .insertInto('latest_metrics')
        .values(part.map((p) => ({ run_uuid: runId, key: p.key, step: p.step, timestamp: p.timestamp, value: p.value, is_nan: p.is_nan })))
        .onConflict((oc) =>
          oc
            .columns(['run_uuid', 'key'])
            .doUpdateSet((eb) => ({
              step: eb.ref('excluded.step'),
              timestamp: eb.ref('excluded.timestamp'),
              value: eb.ref('excluded.value'),
              is_nan: eb.ref('excluded.is_nan'),
            }))
            .where(({ eb, or, and, ref }) =>
              or([
                eb(ref('excluded.step'), '>', ref('latest_metrics.step')),
                and([
                  eb(ref('excluded.step'), '=', ref('latest_metrics.step')),
                  eb(ref('excluded.timestamp'), '>', ref('latest_metrics.timestamp')),
                ]),
                and([
                  eb(ref('excluded.step'), '=', ref('latest_metrics.step')),
                  eb(ref('excluded.timestamp'), '=', ref('latest_metrics.timestamp')),
                  eb(ref('excluded.value'), '>', ref('latest_metrics.value')),
                ]),
              ]),
            ),
        )
        .execute();
    }
  }

  /**
   * The hot path of metric ingest on PostgreSQL: the batch travels as five arrays (one statement,
   * six parameters, instead of 6,000 bound values), and a plain INSERT is tried first — duplicates
   * are rare (a retried batch), and ON CONFLICT costs a quarter of the insert when there are none.
   */
  private async insertMetricsPostgres(runId: string, points: readonly Omit<MetricRow, 'run_uuid'>[]): Promise<void> {
    const keys: string[] = [];
    const steps: number[] = [];
    const timestamps: number[] = [];
    const values: number[] = [];
    const nans: number[] = [];
    for (const p of points) {
      keys.push(p.key);
      steps.push(p.step);
      timestamps.push(p.timestamp);
      values.push(p.value);
      nans.push(p.is_nan);
    }
    const insert = (onConflict: boolean) => sql`INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan)
      SELECT ${runId}, * FROM unnest(${keys}::text[], ${steps}::bigint[], ${timestamps}::bigint[], ${values}::float8[], ${nans}::smallint[])
      ${onConflict ? sql`ON CONFLICT DO NOTHING` : sql``}`;
    if (!this.db.isTransaction) {
      await insert(true).execute(this.db);
      return;
    }
    await sql`SAVEPOINT fw_metrics`.execute(this.db);
    try {
      await insert(false).execute(this.db);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      await sql`ROLLBACK TO SAVEPOINT fw_metrics`.execute(this.db);
      await insert(true).execute(this.db);
    }
  }

  metricHistory(runId: string, key: string, offset: number, limit: number): Promise<MetricRow[]> {
    return this.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** The distinct steps at which one run logged a metric, ascending, within [startStep, endStep]. */
  async metricSteps(runId: string, key: string, startStep: number | null, endStep: number | null): Promise<number[]> {
    let q = this.db.selectFrom('metrics').select('step').distinct().where('run_uuid', '=', runId).where('key', '=', key);
    if (startStep !== null) q = q.where('step', '>=', startStep);
    if (endStep !== null) q = q.where('step', '<=', endStep);
    const rows = await q.orderBy('step').execute();
    return rows.map((r) => Number(r.step));
  }

  /** The points of one run's metric at the given steps, ordered by step then timestamp. */
  async metricPointsAtSteps(runId: string, key: string, steps: readonly number[]): Promise<MetricRow[]> {
    const out: MetricRow[] = [];
    for (const part of chunks(steps, IN_CHUNK)) {
      const rows = await this.db
        .selectFrom('metrics')
        .selectAll()
        .where('run_uuid', '=', runId)
        .where('key', '=', key)
        .where('step', 'in', part)
        .orderBy('step')
        .orderBy('timestamp')
        .execute();
      out.push(...rows);
    }
    return out;
  }

  async metricStepRange(runIds: readonly string[], key: string): Promise<{ min: number; max: number } | null> {
    const r = await this.db
      .selectFrom('metrics')
      .select((eb) => [eb.fn.min('step').as('min'), eb.fn.max('step').as('max')])
      .where('run_uuid', 'in', runIds)
      .where('key', '=', key)
      .executeTakeFirst();
    return r && r.min !== null && r.max !== null ? { min: Number(r.min), max: Number(r.max) } : null;
  }

  // ---- dataset inputs ------------------------------------------------------------------------

  async upsertDataset(row: DatasetRow): Promise<string> {
    await this.db
      .insertInto('datasets')
      .values(row)
      .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
      .execute();
    const r = await this.db
      .selectFrom('datasets')
      .select('dataset_uuid')
      .where('experiment_id', '=', row.experiment_id)
      .where('name', '=', row.name)
      .where('digest', '=', row.digest)
      .executeTakeFirstOrThrow();
    return r.dataset_uuid;
  }

  async linkInput(inputUuid: string, datasetUuid: string, runId: string, tags: readonly { key: string; value: string }[]): Promise<void> {
    await this.db
      .insertInto('run_inputs')
      .values({ input_uuid: inputUuid, dataset_uuid: datasetUuid, run_uuid: runId })
      .onConflict((oc) => oc.columns(['run_uuid', 'dataset_uuid']).doNothing())
      .execute();
    const r = await this.db
      .selectFrom('run_inputs')
      .select('input_uuid')
      .where('run_uuid', '=', runId)
      .where('dataset_uuid', '=', datasetUuid)
      .executeTakeFirstOrThrow();
    if (tags.length) {
      await this.db
        .insertInto('input_tags')
        .values(lastPerKey(tags).map((t) => ({ input_uuid: r.input_uuid, name: t.key, value: t.value })))
        .onConflict((oc) => oc.columns(['input_uuid', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    }
  }

  /** Runs with a dataset input whose digest starts with one of `digests` or whose source is one of `sources`. */
  async runsWithInputs(match: { digests: readonly string[]; sources: readonly string[] }): Promise<{ run: RunRow; dataset: DatasetRow }[]> {
    if (match.digests.length === 0 && match.sources.length === 0) return [];
    const rows = await this.db
      .selectFrom('run_inputs')
      .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
      .innerJoin('runs', 'runs.run_uuid', 'run_inputs.run_uuid')
      .selectAll('runs')
      .select([
        'datasets.dataset_uuid as d_uuid', 'datasets.experiment_id as d_exp', 'datasets.name as d_name', 'datasets.digest as d_digest',
        'datasets.source_type as d_source_type', 'datasets.source as d_source', 'datasets.schema as d_schema', 'datasets.profile as d_profile',
      ])
      .where((eb) =>
        eb.or([
          ...match.digests.map((d) => eb('datasets.digest', '=', d)),
          ...match.sources.map((s) => eb('datasets.source', '=', s)),
        ]),
      )
      .orderBy('runs.start_time', 'desc')
      .execute();
    return rows.map(({ d_uuid, d_exp, d_name, d_digest, d_source_type, d_source, d_schema, d_profile, ...run }) => ({
      run,
      dataset: { dataset_uuid: d_uuid, experiment_id: d_exp, name: d_name, digest: d_digest, source_type: d_source_type, source: d_source, schema: d_schema, profile: d_profile },
    }));
  }

  // ---- search --------------------------------------------------------------------------------

  async searchRuns(opts: {
    experimentIds: readonly number[];
    view: LifecycleFilter;
    filter: FilterClause[];
    order: OrderClause[];
    offset: number;
    limit: number;
    scope?: ReadScope | undefined;
  }): Promise<RunRow[]> {
    const scope = opts.scope;
    const readable =
      scope && !scope.all
        ? this.db.selectFrom('experiments').select('experiments.experiment_id').where('experiments.experiment_id', 'in', opts.experimentIds).where((eb) => scopeClause(eb, scope))
        : undefined;
    let q = this.db
      .selectFrom('runs')
      .selectAll('runs')
      .where('runs.experiment_id', 'in', readable ?? opts.experimentIds)
      .where('runs.lifecycle_stage', 'in', lifecycleStages(opts.view));
    // Fence the filters only when the page can stop early (the runs index gives the order); to sort
    // by a metric, param or tag every match is needed anyway, and a semi-join finds them faster.
    const earlyStop = opts.order.every((o) => o.type === 'attribute');
    for (const c of opts.filter) q = q.where((eb) => this.runClause(eb, c, earlyStop));
    let hasStart = false;
    let hasId = false;
    opts.order.forEach((o, i) => {
      const dir = o.ascending ? 'asc' : 'desc';
      if (o.type === 'attribute') {
        if (o.key === 'start_time') hasStart = true;
        if (o.key === 'run_id') hasId = true;
        const col = sql.ref(`runs.${o.key === 'run_id' ? 'run_uuid' : o.key}`);
        q = q.orderBy(sql`(${col} is null)`, 'asc').orderBy(col, dir);
        return;
      }
      const alias = `o${i}`;
      const table = o.type === 'metric' ? 'latest_metrics' : o.type === 'param' ? 'params' : 'tags';
      q = q.leftJoin(
        sql<KeyValueRow>`${sql.table(table)}`.as(alias) as never,
        (join: any) => join.onRef(`${alias}.run_uuid`, '=', 'runs.run_uuid').on(`${alias}.key`, '=', o.key), // eslint-disable-line @typescript-eslint/no-explicit-any
      ) as typeof q;
      const val = sql.ref(`${alias}.value`);
      // Missing values sort last in both directions, as MLflow does; NaN after real numbers.
      q = q.orderBy(sql`(${val} is null)`, 'asc');
      if (o.type === 'metric') q = q.orderBy(sql.ref(`${alias}.is_nan`), 'asc');
      q = q.orderBy(val, dir);
    });
    if (!hasStart) q = q.orderBy('runs.start_time', 'desc');
    if (!hasId) q = q.orderBy('runs.run_uuid', 'asc');
    return q.limit(opts.limit).offset(opts.offset).execute();
  }

  /**
   * On PostgreSQL, `OFFSET 0` keeps an EXISTS subquery from being flattened into a semi-join that
   * scans the key across every experiment; probed per run instead, the search walks the
   * experiment's runs in order and stops at the page size (SQLite plans it that way already).
   */
  private runClause(eb: RunsEB, c: FilterClause, earlyStop = true): Expression<SqlBool> {
    const fence = <Q extends { offset(n: number): Q }>(q: Q): Q => (earlyStop && this.dialect === 'postgres' ? q.offset(0) : q);
    switch (c.type) {
      case 'attribute': {
        const col = c.key === 'run_id' ? 'run_uuid' : c.key;
        return this.compare(eb, sql.ref(`runs.${col}`), c);
      }
      case 'metric': {
        const sub = eb
          .selectFrom('latest_metrics as lm')
          .select(sql.lit(1).as('one'))
          .whereRef('lm.run_uuid', '=', 'runs.run_uuid')
          .where('lm.key', '=', c.key)
          .where('lm.is_nan', '=', 0);
        return eb.exists(fence(sub.where((e) => this.compare(e, sql.ref('lm.value'), c))));
      }
      case 'param':
      case 'tag': {
        const table = c.type === 'param' ? 'params' : 'tags';
        const sub = eb
          .selectFrom(`${table} as kv` as 'params as kv')
          .select(sql.lit(1).as('one'))
          .whereRef('kv.run_uuid', '=', 'runs.run_uuid')
          .where('kv.key', '=', c.key);
        if (c.comparator === 'IS NULL') return eb.not(eb.exists(fence(sub)));
        if (c.comparator === 'IS NOT NULL') return eb.exists(fence(sub));
        return eb.exists(fence(sub.where((e) => this.compare(e, sql.ref('kv.value'), c))));
      }
      case 'dataset': {
        if (c.key === 'context') {
          const sub = eb
            .selectFrom('run_inputs as ri')
            .innerJoin('input_tags as it', 'it.input_uuid', 'ri.input_uuid')
            .select(sql.lit(1).as('one'))
            .whereRef('ri.run_uuid', '=', 'runs.run_uuid')
            .where('it.name', '=', 'mlflow.data.context');
          return eb.exists(sub.where((e) => this.compare(e, sql.ref('it.value'), c)));
        }
        const sub = eb
          .selectFrom('run_inputs as ri')
          .innerJoin('datasets as d', 'd.dataset_uuid', 'ri.dataset_uuid')
          .select(sql.lit(1).as('one'))
          .whereRef('ri.run_uuid', '=', 'runs.run_uuid');
        return eb.exists(sub.where((e) => this.compare(e, sql.ref(`d.${c.key}`), c)));
      }
    }
  }

  /** One comparison; LIKE is case-sensitive and ILIKE is not, on both dialects. */
  private compare(eb: ExpressionBuilder<any, any>, col: Expression<unknown>, c: FilterClause): Expression<SqlBool> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const v = c.value;
    switch (c.comparator) {
      case 'IS NULL':
        return sql<SqlBool>`${col} is null`;
      case 'IS NOT NULL':
        return sql<SqlBool>`${col} is not null`;
      case 'IN':
      case 'NOT IN': {
        const list = Array.isArray(v) ? v : [String(v)];
        if (list.length === 0) return sql<SqlBool>`${sql.lit(c.comparator === 'NOT IN' ? 1 : 0)} = 1`;
        return eb(col, c.comparator === 'IN' ? 'in' : 'not in', list);
      }
      case 'LIKE':
        return this.dialect === 'sqlite' ? sql<SqlBool>`${col} GLOB ${likeToGlob(String(v))}` : sql<SqlBool>`${col} LIKE ${String(v)}`;
      case 'ILIKE':
        return this.dialect === 'sqlite' ? sql<SqlBool>`${col} LIKE ${String(v)}` : sql<SqlBool>`${col} ILIKE ${String(v)}`;
      default:
        return eb(col, c.comparator, v as string | number);
    }
  }
}

const ownedOf = (r: { owner_team: number | string | null; visibility: string }): Owned => ({
  ownerTeam: r.owner_team === null ? null : Number(r.owner_team),
  visibility: r.visibility === 'private' ? 'private' : 'internal',
});

/** Experiments `scope` may read: internal ones (when allowed) and those of its teams. */
function scopeClause(eb: ExpEB, scope: Exclude<ReadScope, { all: true }>): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [];
  if (scope.internal) ors.push(eb('experiments.visibility', '=', 'internal'));
  if (scope.teams.length) ors.push(eb('experiments.owner_team', 'in', scope.teams));
  return ors.length ? eb.or(ors) : sql<SqlBool>`1 = 0`;
}

function isNewer(a: Omit<MetricRow, 'run_uuid'>, b: Omit<MetricRow, 'run_uuid'>): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}
