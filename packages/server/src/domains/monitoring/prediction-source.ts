import type { Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';
import { idIn } from './actuals.repository.js';

/** One answered prediction as monitoring sees it. `inputs` / `outputs` are the log's JSON text. */
export interface PredictionRecord {
  /** The log's row id: with `ts`, the paging cursor. */
  id: number;
  inferenceId: string;
  variant: string;
  modelName: string;
  modelVersion: string;
  /** ms since epoch */
  ts: number;
  /** Present when the page asked for `outputs` or `all`. */
  outputs?: string;
  /** Present when the page asked for `all`. */
  inputs?: string;
}

export interface PredictionPageQuery {
  /** ms since epoch, inclusive */
  since?: number | undefined;
  /** ms since epoch, exclusive */
  until?: number | undefined;
  variant?: string | undefined;
  /** Keyset cursor: rows strictly after this (ts, id). */
  after?: { ts: number; id: number } | undefined;
  limit: number;
  /** `keys`: ids, variant, model and ts only (cheap); `outputs`: plus outputs; `all`: plus inputs. */
  columns: 'keys' | 'outputs' | 'all';
}

/**
 * The port through which monitoring reads serving's prediction log. Monitoring never writes
 * predictions and never joins them in SQL: it pages predictions through this port and looks up
 * its own actuals for each page, so the log could move to another store without touching
 * monitoring's SQL. Only answered predictions (status 0) are visible: a failed request has no
 * output to judge.
 */
export interface PredictionSource {
  /** The inference ids among `ids` that have at least one answered prediction logged. */
  existing(ids: readonly string[]): Promise<Set<string>>;
  /** One deployment's answered predictions in [since, until), oldest first (ts, id). */
  page(deployment: string, q: PredictionPageQuery): Promise<PredictionRecord[]>;
}

interface PredictionsTable {
  predictions: {
    id: number;
    inference_id: string;
    deployment: string;
    variant: string;
    model_name: string;
    model_version: string;
    ts: number;
    inputs: string;
    outputs: string;
    status: number;
  };
}

/** Ids per lookup statement (one parameter: an array on PostgreSQL, a JSON array on SQLite). */
const LOOKUP_CHUNK = 10_000;

/**
 * {@link PredictionSource} over the `predictions` table in the same database, read-only.
 * It lives here, not in serving, only because serving's `PredictionsRepository` has no batch
 * lookup by inference id nor an ascending page with a column choice yet; when it has, this
 * becomes a thin adapter over it and this file's SQL goes away. Served by serving's indexes
 * (inference_id) and (deployment, ts[, id]).
 */
export class PredictionsTableSource implements PredictionSource {
  private readonly db: Kysely<PredictionsTable>;
  constructor(db: Kysely<unknown>, private readonly dialect: DialectName) {
    this.db = db as Kysely<PredictionsTable>;
  }

  async existing(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const part = ids.slice(i, i + LOOKUP_CHUNK);
      const rows = await this.db.selectFrom('predictions').select('inference_id').distinct()
        .where(idIn(this.dialect, part)).where('status', '=', 0).execute();
      for (const r of rows) found.add(r.inference_id);
    }
    return found;
  }

  async page(deployment: string, q: PredictionPageQuery): Promise<PredictionRecord[]> {
    const cols = ['id', 'inference_id', 'variant', 'model_name', 'model_version', 'ts'] as const;
    const extra = q.columns === 'all' ? (['outputs', 'inputs'] as const) : q.columns === 'outputs' ? (['outputs'] as const) : ([] as const);
    let s = this.db.selectFrom('predictions').select([...cols, ...extra]).where('deployment', '=', deployment).where('status', '=', 0);
    if (q.since !== undefined) s = s.where('ts', '>=', q.since);
    if (q.until !== undefined) s = s.where('ts', '<', q.until);
    if (q.variant !== undefined) s = s.where('variant', '=', q.variant);
    if (q.after) {
      const { ts, id } = q.after;
      // The plain `ts >= cursor` bound lets the (deployment, ts) index seek to the cursor;
      // the OR alone would make every page rescan the window from its start.
      s = s.where('ts', '>=', ts).where((eb) => eb.or([eb('ts', '>', ts), eb('id', '>', id)]));
    }
    const rows = await s.orderBy('ts').orderBy('id').limit(q.limit).execute();
    return rows.map((r) => {
      const rec: PredictionRecord = { id: Number(r.id), inferenceId: r.inference_id, variant: r.variant, modelName: r.model_name, modelVersion: r.model_version, ts: Number(r.ts) };
      const wide = r as { outputs?: string; inputs?: string };
      if (wide.outputs !== undefined) rec.outputs = wide.outputs;
      if (wide.inputs !== undefined) rec.inputs = wide.inputs;
      return rec;
    });
  }
}
