import { sql, type Kysely } from 'kysely';
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
    const shadows = [shadow, ...opts.shadows];
    // Without table statistics SQLite would look answered rows up through the (deployment, ts)
    // index — a range scan per shadow row; the inference_id index finds each in one probe.
    const indexed = this.dialect === 'sqlite' ? sql` INDEXED BY predictions_inference_id` : sql``;
    const after = opts.after ? sql` AND (s.ts > ${opts.after.ts} OR (s.ts = ${opts.after.ts} AND s.id > ${opts.after.id}))` : sql``;
    const { rows } = await sql<{ ts: number; id: number; answered_outputs: string; shadow_outputs: string }>`
      SELECT s.ts AS ts, s.id AS id, p.outputs AS answered_outputs, s.outputs AS shadow_outputs
      FROM predictions s JOIN predictions p${indexed} ON p.inference_id = s.inference_id AND p.deployment = s.deployment AND p.ts = s.ts
      WHERE s.deployment = ${deployment} AND s.variant = ${shadow} AND s.status = 0 AND p.status = 0
        AND p.variant NOT IN (${sql.join(shadows)})
        AND s.ts >= ${opts.since ?? 0} AND s.ts < ${opts.until ?? Number.MAX_SAFE_INTEGER}${after}
      ORDER BY s.ts, s.id
      LIMIT ${opts.limit}`.execute(this.db);
    return rows.map((r) => ({ ts: Number(r.ts), id: Number(r.id), answered_outputs: r.answered_outputs, shadow_outputs: r.shadow_outputs }));
  }
}
