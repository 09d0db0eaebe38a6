import type { Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';
import { loadTeamTree } from '../org/access.js';
import type { NewStepRun, PipelineOwnerRow, PipelineRunRow, PipelinesTables, PipelineVersionRow, StepLogRow, StepRunRow, TriggerFiringRow, TriggerRow } from './pipelines.tables.js';

type DB = Kysely<PipelinesTables>;

/**
 * All SQL of the pipelines domain. Every state change is a conditional update (`… WHERE state = 'x'`)
 * answering whether it applied, so concurrent executors (or a cancel racing a step's end) never
 * both win; nothing in it differs between the dialects.
 */
export class PipelinesRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  transaction<R>(fn: (repo: PipelinesRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new PipelinesRepository(trx, this.dialect)));
  }

  // ---- definitions ----

  latestVersion(name: string): Promise<PipelineVersionRow | undefined> {
    return this.db.selectFrom('pipeline_versions').selectAll().where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  getVersion(name: string, version: number): Promise<PipelineVersionRow | undefined> {
    return this.db.selectFrom('pipeline_versions').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
  }

  async insertVersion(row: PipelineVersionRow): Promise<void> {
    await this.db.insertInto('pipeline_versions').values(row).execute();
  }

  /** The latest version of every pipeline, by name. */
  listLatest(offset: number, limit: number): Promise<PipelineVersionRow[]> {
    return this.db
      .selectFrom('pipeline_versions as v')
      .selectAll('v')
      .where(({ eb, selectFrom }) => eb('v.version', '=', selectFrom('pipeline_versions as w').select((e) => e.fn.max('w.version').as('m')).whereRef('w.name', '=', 'v.name')))
      .orderBy('v.name')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  owner(name: string): Promise<PipelineOwnerRow | undefined> {
    return this.db.selectFrom('pipeline_owners').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Records who owns a pipeline, once: false when it already has an owner row. */
  async insertOwner(row: PipelineOwnerRow): Promise<boolean> {
    const r = await this.db.insertInto('pipeline_owners').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    return Number(r?.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** The team tree, for ownership checks (org's table, read as datasets and tracking read it). */
  teamTree() {
    return loadTeamTree(this.db as unknown as Kysely<unknown>);
  }

  /** Owners of the given pipelines, by name. */
  async owners(names: readonly string[]): Promise<Map<string, PipelineOwnerRow>> {
    if (!names.length) return new Map();
    const rows = await this.db.selectFrom('pipeline_owners').selectAll().where('name', 'in', names).execute();
    return new Map(rows.map((r) => [r.name, r]));
  }

  /** Compute of the steps of runs created in [from, to), per pipeline and project; only those owned by `team` when given. */
  async compute(opts: { pipeline?: string; team?: number; from: number; to: number }): Promise<{ pipeline: string; project: string | null; owner_team: number | null; compute_ms: number; steps: number; cached: number }[]> {
    let q = this.db
      .selectFrom('pipeline_step_runs as s')
      .innerJoin('pipeline_runs as r', 'r.id', 's.run_id')
      .select(['r.pipeline_name', 'r.project', 'r.owner_team', 's.compute_ms', 's.cached_from', 's.attempt'])
      .where('r.created_at', '>=', opts.from)
      .where('r.created_at', '<', opts.to);
    if (opts.pipeline !== undefined) q = q.where('r.pipeline_name', '=', opts.pipeline);
    if (opts.team !== undefined) q = q.where('r.owner_team', '=', opts.team);
    const out = new Map<string, { pipeline: string; project: string | null; owner_team: number | null; compute_ms: number; steps: number; cached: number }>();
    // Summed here: PostgreSQL's bigint sum comes back as a string.
    for (const row of await q.execute()) {
      const key = `${row.pipeline_name}\0${row.project ?? ''}\0${row.owner_team ?? ''}`;
      const o = out.get(key) ?? { pipeline: row.pipeline_name, project: row.project, owner_team: row.owner_team === null ? null : Number(row.owner_team), compute_ms: 0, steps: 0, cached: 0 };
      o.compute_ms += Number(row.compute_ms);
      if (row.cached_from !== null) o.cached++;
      else if (Number(row.attempt) > 0) o.steps++;
      out.set(key, o);
    }
    return [...out.values()].sort((a, b) => (a.pipeline < b.pipeline ? -1 : a.pipeline > b.pipeline ? 1 : 0));
  }

  // ---- runs ----

  async insertRun(run: PipelineRunRow, steps: NewStepRun[]): Promise<void> {
    await this.db.insertInto('pipeline_runs').values(run).execute();
    if (steps.length) await this.db.insertInto('pipeline_step_runs').values(steps).execute();
  }

  getRun(id: string): Promise<PipelineRunRow | undefined> {
    return this.db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listRuns(name: string, offset: number, limit: number): Promise<PipelineRunRow[]> {
    return this.db.selectFrom('pipeline_runs').selectAll().where('pipeline_name', '=', name).orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute();
  }

  activeRuns(): Promise<PipelineRunRow[]> {
    return this.db.selectFrom('pipeline_runs').selectAll().where('state', 'in', ['queued', 'running']).orderBy('created_at').execute();
  }

  stepRuns(runId: string): Promise<StepRunRow[]> {
    return this.db.selectFrom('pipeline_step_runs').selectAll().where('run_id', '=', runId).orderBy('position').execute();
  }

  getStepRun(runId: string, step: string): Promise<StepRunRow | undefined> {
    return this.db.selectFrom('pipeline_step_runs').selectAll().where('run_id', '=', runId).where('step', '=', step).executeTakeFirst();
  }

  async markRunRunning(id: string, now: number): Promise<void> {
    await this.db.updateTable('pipeline_runs').set({ state: 'running', started_at: now }).where('id', '=', id).where('state', '=', 'queued').execute();
  }

  /** Ends a run that is still queued or running; false when something else ended it first. */
  async finishRun(id: string, state: 'succeeded' | 'failed' | 'cancelled', now: number, error: string | null): Promise<boolean> {
    const r = await this.db.updateTable('pipeline_runs').set({ state, finished_at: now, error }).where('id', '=', id).where('state', 'in', ['queued', 'running']).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- steps ----

  /**
   * Takes a pending step whose wait is over for `workerId`; the claimed row, or undefined when
   * another got it. With `afterAttempt`, only if the step has had exactly that many attempts (a
   * queued job for an attempt that already happened is stale).
   */
  async claimStep(runId: string, step: string, workerId: string, now: number, afterAttempt?: number): Promise<StepRunRow | undefined> {
    let q = this.db
      .updateTable('pipeline_step_runs')
      .set((eb) => ({ state: 'running', attempt: eb('attempt', '+', 1), started_at: now, finished_at: null, exit_code: null, error: null, worker_id: workerId, heartbeat_at: now }))
      .where('run_id', '=', runId)
      .where('step', '=', step)
      .where('state', '=', 'pending')
      .where('not_before', '<=', now);
    if (afterAttempt !== undefined) q = q.where('attempt', '=', afterAttempt);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? this.getStepRun(runId, step) : undefined;
  }

  /** Ends the attempt `attempt` held by `workerId`; false when it was taken from it (cancelled, presumed dead). */
  async endAttempt(
    runId: string,
    step: string,
    attempt: number,
    workerId: string,
    set: Partial<Pick<StepRunRow, 'state' | 'exit_code' | 'finished_at' | 'not_before' | 'error' | 'compute_ms' | 'max_attempts' | 'interruptions' | 'cache_key' | 'cached_from' | 'inputs' | 'outputs' | 'mlflow_run_id'>>,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('pipeline_step_runs')
      .set({ ...set, worker_id: null })
      .where('run_id', '=', runId)
      .where('step', '=', step)
      .where('attempt', '=', attempt)
      .where('worker_id', '=', workerId)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** A succeeded step with this cache key in another run (the earliest: the one that ran), or undefined. */
  findCached(cacheKey: string, notRun: string): Promise<StepRunRow | undefined> {
    return this.db
      .selectFrom('pipeline_step_runs')
      .selectAll()
      .where('cache_key', '=', cacheKey)
      .where('state', '=', 'succeeded')
      .where('run_id', '!=', notRun)
      .orderBy('finished_at')
      .limit(1)
      .executeTakeFirst();
  }

  async setMlflowRunId(runId: string, step: string, mlflowRunId: string): Promise<void> {
    await this.db.updateTable('pipeline_step_runs').set({ mlflow_run_id: mlflowRunId }).where('run_id', '=', runId).where('step', '=', step).execute();
  }

  async heartbeat(runId: string, step: string, workerId: string, now: number): Promise<void> {
    await this.db.updateTable('pipeline_step_runs').set({ heartbeat_at: now }).where('run_id', '=', runId).where('step', '=', step).where('worker_id', '=', workerId).where('state', '=', 'running').execute();
  }

  /** Pending steps of a run become `state` (skipped after a failed upstream, cancelled with the run). */
  async endPending(runId: string, steps: readonly string[] | 'all', state: 'skipped' | 'cancelled', now: number, error: string | null): Promise<void> {
    let q = this.db.updateTable('pipeline_step_runs').set({ state, finished_at: now, error }).where('run_id', '=', runId).where('state', '=', 'pending');
    if (steps !== 'all') {
      if (steps.length === 0) return;
      q = q.where('step', 'in', steps);
    }
    await q.execute();
  }

  /** Running steps whose executor has not been heard from since `cutoff`. */
  staleRunning(cutoff: number): Promise<StepRunRow[]> {
    return this.db.selectFrom('pipeline_step_runs').selectAll().where('state', '=', 'running').where('heartbeat_at', '<', cutoff).execute();
  }

  /** Takes a running attempt from a dead executor: back to pending (retryable) or failed; false when it moved on meanwhile. */
  async reclaimStale(row: StepRunRow, set: Partial<Pick<StepRunRow, 'state' | 'finished_at' | 'not_before' | 'error' | 'max_attempts' | 'interruptions'>>): Promise<boolean> {
    const r = await this.db
      .updateTable('pipeline_step_runs')
      .set({ ...set, worker_id: null })
      .where('run_id', '=', row.run_id)
      .where('step', '=', row.step)
      .where('attempt', '=', row.attempt)
      .where('state', '=', 'running')
      .where('heartbeat_at', '=', row.heartbeat_at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- logs ----

  async appendLogs(rows: Omit<StepLogRow, 'id'>[]): Promise<void> {
    if (rows.length) await this.db.insertInto('pipeline_step_logs').values(rows).execute();
  }

  logs(runId: string, step: string): Promise<Pick<StepLogRow, 'attempt' | 'text'>[]> {
    return this.db.selectFrom('pipeline_step_logs').select(['attempt', 'text']).where('run_id', '=', runId).where('step', '=', step).orderBy('id').execute();
  }

  // ---- triggers ----

  async insertTrigger(row: Omit<TriggerRow, 'id'>): Promise<TriggerRow> {
    const r = await this.db.insertInto('pipeline_triggers').values(row).returning('id').executeTakeFirstOrThrow();
    return { ...row, id: Number(r.id) };
  }

  triggers(pipeline?: string, kind?: string): Promise<TriggerRow[]> {
    let q = this.db.selectFrom('pipeline_triggers').selectAll();
    if (pipeline !== undefined) q = q.where('pipeline', '=', pipeline);
    if (kind !== undefined) q = q.where('kind', '=', kind);
    return q.orderBy('pipeline').orderBy('name').execute();
  }

  getTrigger(pipeline: string, name: string): Promise<TriggerRow | undefined> {
    return this.db.selectFrom('pipeline_triggers').selectAll().where('pipeline', '=', pipeline).where('name', '=', name).executeTakeFirst();
  }

  async deleteTrigger(id: number): Promise<void> {
    await this.db.deleteFrom('pipeline_trigger_firings').where('trigger_id', '=', id).execute();
    await this.db.deleteFrom('pipeline_triggers').where('id', '=', id).execute();
  }

  /** Enabled schedules due at `now`. */
  dueSchedules(now: number): Promise<TriggerRow[]> {
    return this.db.selectFrom('pipeline_triggers').selectAll().where('kind', '=', 'schedule').where('enabled', '=', 1).where('next_at', '<=', now).execute();
  }

  /** Moves a schedule on from `from` to `to`; false when another server moved it first. */
  async advanceSchedule(id: number, from: number, to: number): Promise<boolean> {
    const r = await this.db.updateTable('pipeline_triggers').set({ next_at: to }).where('id', '=', id).where('next_at', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records a firing once per (trigger, event): false when it was recorded already (by this or another server). */
  async insertFiring(row: Omit<TriggerFiringRow, 'id'>): Promise<number | undefined> {
    const r = await this.db.insertInto('pipeline_trigger_firings').values(row).onConflict((oc) => oc.columns(['trigger_id', 'event_key']).doNothing()).returning('id').executeTakeFirst();
    return r ? Number(r.id) : undefined;
  }

  async setFiringOutcome(id: number, runId: string | null, outcome: string): Promise<void> {
    await this.db.updateTable('pipeline_trigger_firings').set({ run_id: runId, outcome }).where('id', '=', id).execute();
  }

  firings(triggerId: number, limit: number): Promise<TriggerFiringRow[]> {
    return this.db.selectFrom('pipeline_trigger_firings').selectAll().where('trigger_id', '=', triggerId).orderBy('id', 'desc').limit(limit).execute();
  }
}
