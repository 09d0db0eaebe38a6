import type { Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';
import type { PredictionTables } from './predictions.repository.js';

/** One shadow row and the answered row of the same request. */
export interface ShadowPair {
  ts: number;
  id: number;
  answered_outputs: string;
  shadow_outputs: string;
}

/** Reads the prediction log (the `predictions` table, read-only) to pair shadow outputs with answered ones. */
export class ShadowRepository {
  constructor(
    private readonly db: Kysely<PredictionTables>,
    readonly dialect: DialectName,
  ) {}

  /**
   * Pairs of (answered, shadow) outputs of `shadow` in `since <= ts < until`, both answered
   * (status 0), oldest first, after the keyset cursor `after` (ts, id of the shadow row). A shadow
   * row carries the mirrored request's inference id and ts, so the answered row is the one with
   * the same (inference_id, ts) whose variant is not a shadow: found through the inference_id
   * index; the shadow rows through the (deployment, ts[, id]) index.
   */
  async pairs(
    deployment: string,
    shadow: string,
    opts: { shadows: readonly string[]; since?: number | undefined; until?: number | undefined; after?: { ts: number; id: number } | undefined; limit: number },
  ): Promise<ShadowPair[]> {
    let q = this.db
      .selectFrom('predictions as s')
      .innerJoin('predictions as p', (j) => j.onRef('p.inference_id', '=', 's.inference_id').onRef('p.deployment', '=', 's.deployment').onRef('p.ts', '=', 's.ts'))
      .select(['s.ts as ts', 's.id as id', 'p.outputs as answered_outputs', 's.outputs as shadow_outputs'])
      .where('s.deployment', '=', deployment)
      .where('s.variant', '=', shadow)
      .where('s.status', '=', 0)
      .where('p.status', '=', 0)
      .where('p.variant', 'not in', [shadow, ...opts.shadows]);
    if (opts.since !== undefined) q = q.where('s.ts', '>=', opts.since);
    if (opts.until !== undefined) q = q.where('s.ts', '<', opts.until);
    if (opts.after) {
      const { ts, id } = opts.after;
      q = q.where((eb) => eb.or([eb('s.ts', '>', ts), eb.and([eb('s.ts', '=', ts), eb('s.id', '>', id)])]));
    }
    const rows = await q.orderBy('s.ts').orderBy('s.id').limit(opts.limit).execute();
    return rows.map((r) => ({ ts: Number(r.ts), id: Number(r.id), answered_outputs: r.answered_outputs, shadow_outputs: r.shadow_outputs }));
  }
}
