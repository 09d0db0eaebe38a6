import { sql, type Kysely } from 'kysely';
import { inList, type DialectName } from '../../store/index.js';
import type { FeedbackRow, FeedbackTables } from './feedback.tables.js';

/** Rows per INSERT (7 values each: under SQLite's 32766 and PostgreSQL's 65535 parameters); ids per IN list. */
const INSERT_CHUNK = 2000;
const LOOKUP_CHUNK = 5000;

/** Thrown when a row changed between read and write (a concurrent batch); the service retries. */
export class FeedbackChangedError extends Error {}

export const feedbackKey = (inferenceId: string, name: string) => JSON.stringify([inferenceId, name]);

/** All SQL of feedback events. */
export class FeedbackRepository {
  constructor(
    private readonly db: Kysely<FeedbackTables>,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: FeedbackRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new FeedbackRepository(trx, this.dialect)));
  }

  /** Current rows of the given (inference id, name) pairs, by {@link feedbackKey}. */
  async getMany(keys: readonly { inferenceId: string; name: string }[]): Promise<Map<string, FeedbackRow>> {
    const wanted = new Set(keys.map((k) => feedbackKey(k.inferenceId, k.name)));
    const ids = [...new Set(keys.map((k) => k.inferenceId))];
    const names = [...new Set(keys.map((k) => k.name))];
    const out = new Map<string, FeedbackRow>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.db.selectFrom('feedback_events').selectAll()
        .where(inList(this.dialect, 'inference_id', ids.slice(i, i + LOOKUP_CHUNK))).where(inList(this.dialect, 'name', names)).execute();
      for (const r of rows) {
        const key = feedbackKey(r.inference_id, r.name);
        if (wanted.has(key)) out.set(key, normalize(r));
      }
    }
    return out;
  }

  async insertMany(rows: readonly FeedbackRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await this.db.insertInto('feedback_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }

  /** Applies corrections, each only if the row is still at `previousRevision`; else {@link FeedbackChangedError}. */
  async updateMany(updates: readonly { row: FeedbackRow; previousRevision: number }[]): Promise<void> {
    if (updates.length === 0) return;
    if (this.dialect === 'postgres') {
      // One statement for the whole batch (a 10,000-correction upload is one round trip).
      const col = <K extends keyof FeedbackRow>(k: K) => updates.map((u) => u.row[k]);
      const res = await sql`UPDATE feedback_events AS f SET value = u.value, ts = u.ts, updated_at = u.updated, revision = u.rev
        FROM unnest(${col('inference_id')}::text[], ${col('name')}::text[], ${col('value')}::double precision[], ${col('ts')}::bigint[], ${col('updated_at')}::bigint[],
          ${col('revision')}::integer[], ${updates.map((u) => u.previousRevision)}::integer[]) AS u(id, name, value, ts, updated, rev, prev)
        WHERE f.inference_id = u.id AND f.name = u.name AND f.revision = u.prev`.execute(this.db);
      if (Number(res.numAffectedRows ?? 0) !== updates.length) throw new FeedbackChangedError('a feedback event changed during the batch');
      return;
    }
    for (const { row: r, previousRevision } of updates) {
      const res = await this.db.updateTable('feedback_events')
        .set({ value: r.value, ts: r.ts, updated_at: r.updated_at, revision: r.revision })
        .where('inference_id', '=', r.inference_id).where('name', '=', r.name).where('revision', '=', previousRevision).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new FeedbackChangedError('a feedback event changed during the batch');
    }
  }

  /** The current value of metric `name` for each of `ids` that has one. Served by the primary key. */
  async values(name: string, ids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.db.selectFrom('feedback_events').select(['inference_id', 'value'])
        .where('name', '=', name).where(inList(this.dialect, 'inference_id', ids.slice(i, i + LOOKUP_CHUNK))).execute();
      for (const r of rows) out.set(r.inference_id, Number(r.value));
    }
    return out;
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('feedback_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}

function normalize(r: FeedbackRow): FeedbackRow {
  return { ...r, value: Number(r.value), ts: Number(r.ts), received_at: Number(r.received_at), updated_at: Number(r.updated_at), revision: Number(r.revision) };
}
