import { sql, type Kysely, type SqlBool } from 'kysely';
import { inList, type DialectName } from '../../store/index.js';
import type { ActualRevisionRow, ActualRow, MonitoringTables } from './actuals.tables.js';

/** Rows per INSERT of revisions on SQLite (5 values each, under its 32766 parameter limit). */
const SQLITE_CHUNK = 2000;
/** Ids per lookup; rows per bulk write (one JSON or array parameter per column or statement). */
const LOOKUP_CHUNK = 10_000;
const WRITE_CHUNK = 10_000;

/** A correction to apply: the row as it becomes, and the revision it replaces. */
export interface ActualUpdate {
  row: ActualRow;
  previousRevision: number;
}

/** Thrown when a row changed between read and write (a concurrent batch); the service retries. */
export class ConcurrentChangeError extends Error {}

/** All SQL of actuals. */
export class ActualsRepository {
  constructor(
    private readonly db: Kysely<MonitoringTables>,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: ActualsRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new ActualsRepository(trx, this.dialect)));
  }

  async getMany(ids: readonly string[]): Promise<Map<string, ActualRow>> {
    const out = new Map<string, ActualRow>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.db.selectFrom('actuals').selectAll().where(idIn(this.dialect, ids.slice(i, i + LOOKUP_CHUNK))).execute();
      for (const r of rows) out.set(r.inference_id, normalize(r));
    }
    return out;
  }

  /** The ids among `ids` that have an actual. */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.db.selectFrom('actuals').select('inference_id').where(idIn(this.dialect, ids.slice(i, i + LOOKUP_CHUNK))).execute();
      for (const r of rows) out.add(r.inference_id);
    }
    return out;
  }

  async get(id: string): Promise<ActualRow | undefined> {
    const r = await this.db.selectFrom('actuals').selectAll().where('inference_id', '=', id).executeTakeFirst();
    return r && normalize(r);
  }

  /** Replaced values of one actual, oldest first. */
  async history(id: string): Promise<ActualRevisionRow[]> {
    const rows = await this.db.selectFrom('actual_revisions').selectAll().where('inference_id', '=', id).orderBy('revision').execute();
    return rows.map((r) => ({ ...r, revision: Number(r.revision), ts: Number(r.ts), replaced_at: Number(r.replaced_at) }));
  }

  /**
   * Inserts new actuals with one short statement per 10,000 rows whatever their number: PostgreSQL
   * INSERT … SELECT FROM unnest(one array per column), SQLite INSERT … SELECT FROM json_each(one
   * JSON array of rows). A multi-row VALUES list would cost a statement compile and a parse of
   * 7 parameters per row on every batch; this way SQLite parses the rows in C.
   */
  async insertMany(rows: readonly ActualRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      const part = rows.slice(i, i + WRITE_CHUNK);
      if (this.dialect === 'postgres') {
        const c = columns(part);
        await sql`INSERT INTO actuals (inference_id, deployment, value, ts, received_at, updated_at, revision)
          SELECT * FROM unnest(${c.id}::text[], ${c.dep}::text[], ${c.value}::text[], ${c.ts}::bigint[], ${c.received}::bigint[], ${c.updated}::bigint[], ${c.rev}::integer[])`.execute(this.db);
        continue;
      }
      const json = JSON.stringify(part.map((r) => [r.inference_id, r.deployment, r.value, r.ts, r.received_at, r.updated_at, r.revision]));
      await sql`INSERT INTO actuals (inference_id, deployment, value, ts, received_at, updated_at, revision)
        SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6 FROM json_each(${json}) AS j`.execute(this.db);
    }
  }

  /**
   * Applies corrections, each only if the row is still at `previousRevision`; otherwise throws
   * {@link ConcurrentChangeError} (the caller's transaction then rolls back and is retried).
   */
  async updateMany(updates: readonly ActualUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    if (this.dialect === 'postgres') {
      const c = columns(updates.map((u) => u.row));
      const prev = updates.map((u) => u.previousRevision);
      const res = await sql`UPDATE actuals AS a SET deployment = u.dep, value = u.value, ts = u.ts, updated_at = u.updated, revision = u.rev
        FROM unnest(${c.id}::text[], ${c.dep}::text[], ${c.value}::text[], ${c.ts}::bigint[], ${c.updated}::bigint[], ${c.rev}::integer[], ${prev}::integer[])
          AS u(id, dep, value, ts, updated, rev, prev)
        WHERE a.inference_id = u.id AND a.revision = u.prev`.execute(this.db);
      if (Number(res.numAffectedRows ?? 0) !== updates.length) throw new ConcurrentChangeError('an actual changed during the batch');
      return;
    }
    // SQLite: one UPDATE … FROM json_each per chunk (a re-sent corrected file is thousands of rows).
    for (let i = 0; i < updates.length; i += WRITE_CHUNK) {
      const part = updates.slice(i, i + WRITE_CHUNK);
      const json = JSON.stringify(part.map(({ row: r, previousRevision }) => [r.inference_id, r.deployment, r.value, r.ts, r.updated_at, r.revision, previousRevision]));
      const res = await sql`UPDATE actuals SET deployment = u.value ->> 1, value = u.value ->> 2, ts = u.value ->> 3, updated_at = u.value ->> 4, revision = u.value ->> 5
        FROM json_each(${json}) AS u WHERE actuals.inference_id = u.value ->> 0 AND actuals.revision = u.value ->> 6`.execute(this.db);
      if (Number(res.numAffectedRows ?? 0) !== part.length) throw new ConcurrentChangeError('an actual changed during the batch');
    }
  }

  async insertRevisions(rows: readonly ActualRevisionRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += SQLITE_CHUNK) {
      await this.db.insertInto('actual_revisions').values(rows.slice(i, i + SQLITE_CHUNK)).execute();
    }
  }

  /**
   * Inference ids of actuals whose outcome time is in [since, until), named for `deployment`
   * (null: actuals that named no deployment). Served by (deployment, ts).
   */
  async idsInWindow(deployment: string | null, since: number | undefined, until: number | undefined): Promise<string[]> {
    let q = this.db.selectFrom('actuals').select('inference_id');
    q = deployment === null ? q.where('deployment', 'is', null) : q.where('deployment', '=', deployment);
    if (since !== undefined) q = q.where('ts', '>=', since);
    if (until !== undefined) q = q.where('ts', '<', until);
    return (await q.execute()).map((r) => r.inference_id);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('actuals').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}

/**
 * `inference_id` among `ids`: PostgreSQL `= any($1)`, SQLite `IN (SELECT value FROM json_each(?))` —
 * one parameter either way, so a 10,000-id lookup is a short statement (SQLite probes the primary
 * key per id, as with a literal IN list).
 */
export function idIn(dialect: DialectName, ids: readonly string[]) {
  if (dialect === 'postgres') return inList(dialect, 'inference_id', ids);
  return sql<SqlBool>`inference_id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

function columns(rows: readonly ActualRow[]) {
  return {
    id: rows.map((r) => r.inference_id),
    dep: rows.map((r) => r.deployment),
    value: rows.map((r) => r.value),
    ts: rows.map((r) => r.ts),
    received: rows.map((r) => r.received_at),
    updated: rows.map((r) => r.updated_at),
    rev: rows.map((r) => r.revision),
  };
}

function normalize(r: ActualRow): ActualRow {
  return { ...r, ts: Number(r.ts), received_at: Number(r.received_at), updated_at: Number(r.updated_at), revision: Number(r.revision) };
}
