import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';

/** One logged prediction, as stored. `inputs` / `outputs` are JSON text; `status` 0 = answered. */
export interface PredictionRow {
  id: number;
  inference_id: string;
  deployment: string;
  variant: string;
  model_name: string;
  model_version: string;
  /** ms since epoch (when the request reached the gateway). */
  ts: number;
  /** Time spent in the model call, µs. */
  latency_us: number;
  inputs: string;
  outputs: string;
  /** 0 when the model answered, else the HTTP status the caller got. */
  status: number;
}
export type NewPrediction = Omit<PredictionRow, 'id'>;

export interface PredictionTables {
  predictions: PredictionRow;
}

/** Rows per INSERT statement on SQLite (11 values per row, well under its 32766 parameter limit). */
const SQLITE_CHUNK = 2000;

/** All SQL of the prediction log. */
export class PredictionsRepository {
  constructor(
    private readonly db: Kysely<PredictionTables>,
    readonly dialect: DialectName,
  ) {}

  /**
   * Writes `rows` atomically and durably (one commit): on PostgreSQL one INSERT … SELECT FROM
   * unnest(arrays) (ten parameters whatever the batch size); on SQLite multi-row INSERTs of
   * {@link SQLITE_CHUNK} rows inside one transaction.
   */
  async insertBatch(rows: readonly NewPrediction[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.dialect === 'postgres') {
      const cols = { id: [] as string[], dep: [] as string[], variant: [] as string[], mn: [] as string[], mv: [] as string[], ts: [] as number[], lat: [] as number[], inp: [] as string[], out: [] as string[], st: [] as number[] };
      for (const r of rows) {
        cols.id.push(r.inference_id);
        cols.dep.push(r.deployment);
        cols.variant.push(r.variant);
        cols.mn.push(r.model_name);
        cols.mv.push(r.model_version);
        cols.ts.push(r.ts);
        cols.lat.push(r.latency_us);
        cols.inp.push(r.inputs);
        cols.out.push(r.outputs);
        cols.st.push(r.status);
      }
      await sql`INSERT INTO predictions (inference_id, deployment, variant, model_name, model_version, ts, latency_us, inputs, outputs, status)
        SELECT * FROM unnest(${cols.id}::text[], ${cols.dep}::text[], ${cols.variant}::text[], ${cols.mn}::text[], ${cols.mv}::text[],
          ${cols.ts}::bigint[], ${cols.lat}::bigint[], ${cols.inp}::text[], ${cols.out}::text[], ${cols.st}::smallint[])`.execute(this.db);
      return;
    }
    const insert = async (db: Kysely<PredictionTables>) => {
      for (let i = 0; i < rows.length; i += SQLITE_CHUNK) {
        const part = rows.slice(i, i + SQLITE_CHUNK);
        await sql`INSERT INTO predictions (inference_id, deployment, variant, model_name, model_version, ts, latency_us, inputs, outputs, status) VALUES ${sql.join(
          part.map((r) => sql`(${r.inference_id}, ${r.deployment}, ${r.variant}, ${r.model_name}, ${r.model_version}, ${r.ts}, ${r.latency_us}, ${r.inputs}, ${r.outputs}, ${r.status})`),
        )}`.execute(db);
      }
    };
    if (rows.length <= SQLITE_CHUNK || this.db.isTransaction) await insert(this.db);
    else await this.db.transaction().execute((trx) => insert(trx));
  }

  /**
   * One deployment's predictions with `since <= ts < until`, newest first, after the keyset
   * cursor `before` (ts, id) when given. Served by the (deployment, ts[, id]) index.
   */
  list(deployment: string, opts: { since?: number | undefined; until?: number | undefined; before?: { ts: number; id: number } | undefined; limit: number }): Promise<PredictionRow[]> {
    let q = this.db.selectFrom('predictions').selectAll().where('deployment', '=', deployment);
    if (opts.since !== undefined) q = q.where('ts', '>=', opts.since);
    if (opts.until !== undefined) q = q.where('ts', '<', opts.until);
    if (opts.before) {
      const { ts, id } = opts.before;
      q = q.where((eb) => eb.or([eb('ts', '<', ts), eb.and([eb('ts', '=', ts), eb('id', '<', id)])]));
    }
    return q.orderBy('ts', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  /** Every logged row with this inference id (normally one), oldest first. */
  getByInferenceId(inferenceId: string): Promise<PredictionRow[]> {
    return this.db.selectFrom('predictions').selectAll().where('inference_id', '=', inferenceId).orderBy('id').execute();
  }

  async count(deployment?: string): Promise<number> {
    let q = this.db.selectFrom('predictions').select((eb) => eb.fn.countAll().as('n'));
    if (deployment !== undefined) q = q.where('deployment', '=', deployment);
    const r = await q.executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
