import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';
import type { MetricPoint, MetricQuery, MetricReader } from './metric-points.js';
import type { MonitorMetricRow, MonitorRow, MonitorWindowRow, MonitorsTables } from './monitors.tables.js';

/** Points per INSERT (11 values each, under SQLite's parameter limit). */
const INSERT_CHUNK = 2000;

const num = (v: unknown) => Number(v);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const monitorRow = (r: MonitorRow): MonitorRow => ({ ...r, window_ms: num(r.window_ms), created_at: num(r.created_at), updated_at: num(r.updated_at), revision: num(r.revision) });

export function toPoint(r: MonitorMetricRow): MetricPoint {
  return {
    monitorId: r.monitor_id,
    deployment: r.deployment,
    metric: r.metric,
    column: r.column_name,
    variant: r.variant,
    group: r.group_value,
    windowStart: num(r.window_start),
    windowEnd: num(r.window_end),
    value: num(r.value),
    sampleSize: num(r.sample_size),
    estimated: num(r.estimated) === 1,
  };
}

/** All SQL of monitors, their window claims and their metric points. Also the {@link MetricReader} alerts read through. */
export class MonitorsRepository implements MetricReader {
  constructor(
    private readonly db: Kysely<MonitorsTables>,
    readonly dialect: DialectName,
  ) {}

  transaction<R>(fn: (repo: MonitorsRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new MonitorsRepository(trx, this.dialect)));
  }

  async insert(row: MonitorRow): Promise<void> {
    await this.db.insertInto('monitors').values(row).execute();
  }

  async get(id: string): Promise<MonitorRow | undefined> {
    const r = await this.db.selectFrom('monitors').selectAll().where('id', '=', id).executeTakeFirst();
    return r && monitorRow(r);
  }

  async list(deployment?: string): Promise<MonitorRow[]> {
    let q = this.db.selectFrom('monitors').selectAll().orderBy('created_at').orderBy('id');
    if (deployment !== undefined) q = q.where('deployment', '=', deployment);
    return (await q.execute()).map(monitorRow);
  }

  /** Replaces a monitor's definition if it is still at `revision`; false when another write came first. */
  async update(row: MonitorRow, revision: number): Promise<boolean> {
    const { id, ...rest } = row;
    const r = await this.db.updateTable('monitors').set(rest).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Deletes the monitor, its claims and its points. */
  async delete(id: string): Promise<boolean> {
    return this.transaction(async (repo) => {
      await repo.db.deleteFrom('monitor_metrics').where('monitor_id', '=', id).execute();
      await repo.db.deleteFrom('monitor_windows').where('monitor_id', '=', id).execute();
      const r = await repo.db.deleteFrom('monitors').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    });
  }

  /** A window's points replace whatever an earlier evaluation of the same window wrote (one transaction). */
  async replacePoints(monitorId: string, windowStart: number, windowEnd: number, points: readonly MetricPoint[]): Promise<void> {
    await this.transaction(async (repo) => {
      // Locks the monitor's row first (PostgreSQL; SQLite has one writer anyway), so two evaluations
      // of one window — the scheduler's and a manual one — replace in turn instead of both inserting.
      await sql`UPDATE monitors SET window_ms = window_ms WHERE id = ${monitorId}`.execute(repo.db);
      await repo.db.deleteFrom('monitor_metrics').where('monitor_id', '=', monitorId).where('window_start', '=', windowStart).where('window_end', '=', windowEnd).execute();
      const rows: MonitorMetricRow[] = points.map((p) => ({
        monitor_id: p.monitorId,
        deployment: p.deployment,
        metric: p.metric,
        column_name: p.column,
        variant: p.variant,
        group_value: p.group,
        window_start: p.windowStart,
        window_end: p.windowEnd,
        value: p.value,
        sample_size: p.sampleSize,
        estimated: p.estimated ? 1 : 0,
      }));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await repo.db.insertInto('monitor_metrics').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    });
  }

  async points(q: MetricQuery): Promise<MetricPoint[]> {
    let s = this.db.selectFrom('monitor_metrics').selectAll().where('metric', '=', q.metric).where('window_end', '>=', q.since).where('window_end', '<', q.until);
    if (q.monitorId !== undefined) s = s.where('monitor_id', '=', q.monitorId);
    if (q.deployment !== undefined) s = s.where('deployment', '=', q.deployment);
    for (const [key, col] of [['column', 'column_name'], ['variant', 'variant'], ['group', 'group_value']] as const) {
      const v = q[key];
      if (v === null) s = s.where(col, 'is', null);
      else if (v !== undefined) s = s.where(col, '=', v);
    }
    const rows = await s.orderBy('window_end').orderBy('window_start').execute();
    // The slices in one order on both dialects (PostgreSQL sorts NULL last, SQLite first): whole deployment first.
    const key = (v: string | null) => (v === null ? '' : `~${v}`);
    return rows.map(toPoint).sort((a, b) => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || cmp(key(a.variant), key(b.variant)) || cmp(key(a.column), key(b.column)) || cmp(key(a.group), key(b.group)));
  }

  /**
   * Claims a window for evaluation: inserts the claim, or takes over a failed or abandoned one
   * (claimed before `staleBefore`). True when this caller holds the claim; the condition is in the
   * statement, so concurrent schedulers cannot both win.
   */
  async claimWindow(monitorId: string, windowStart: number, windowEnd: number, owner: string, now: number, staleBefore: number): Promise<boolean> {
    const ins = await this.db
      .insertInto('monitor_windows')
      .values({ monitor_id: monitorId, window_start: windowStart, window_end: windowEnd, state: 'running', claimed_by: owner, claimed_at: now, finished_at: null, error: null })
      .onConflict((oc) => oc.columns(['monitor_id', 'window_start']).doNothing())
      .executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0) === 1) return true;
    const upd = await this.db
      .updateTable('monitor_windows')
      .set({ state: 'running', claimed_by: owner, claimed_at: now, error: null })
      .where('monitor_id', '=', monitorId)
      .where('window_start', '=', windowStart)
      .where('state', '!=', 'done')
      .where('claimed_at', '<', staleBefore)
      .executeTakeFirst();
    return Number(upd.numUpdatedRows) === 1;
  }

  async finishWindow(monitorId: string, windowStart: number, owner: string, now: number, error?: string): Promise<void> {
    await this.db
      .updateTable('monitor_windows')
      .set({ state: error === undefined ? 'done' : 'failed', finished_at: now, error: error ?? null })
      .where('monitor_id', '=', monitorId)
      .where('window_start', '=', windowStart)
      .where('claimed_by', '=', owner)
      .execute();
  }

  /** Window starts of a monitor already done, from `since` on. */
  async doneWindows(monitorId: string, since: number): Promise<Set<number>> {
    const rows = await this.db.selectFrom('monitor_windows').select('window_start').where('monitor_id', '=', monitorId).where('window_start', '>=', since).where('state', '=', 'done').execute();
    return new Set(rows.map((r) => num(r.window_start)));
  }

  async windows(monitorId: string): Promise<MonitorWindowRow[]> {
    const rows = await this.db.selectFrom('monitor_windows').selectAll().where('monitor_id', '=', monitorId).orderBy('window_start').execute();
    return rows.map((r) => ({ ...r, window_start: num(r.window_start), window_end: num(r.window_end), claimed_at: num(r.claimed_at), finished_at: r.finished_at === null ? null : num(r.finished_at) }));
  }
}
