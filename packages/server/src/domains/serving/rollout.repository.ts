import { sql, type Kysely } from 'kysely';
import { inList, type DialectName } from '../../store/index.js';
import type { PredictionTables } from './predictions.repository.js';

export const ROLLOUT_STATES = ['running', 'paused', 'completed', 'rolled_back', 'aborted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export interface RolloutRow {
  id: string;
  deployment: string;
  canary: string;
  /** `{steps, guardrails}` as JSON text. */
  plan: string;
  /** The non-shadow weights before the rollout, `{variant: weight}` as JSON text. */
  base_weights: string;
  state: RolloutState;
  /** 0-based index of the current step. */
  step: number;
  /** When the current step's weights took effect (ms); null until they have. */
  step_started_at: number | null;
  /** The deployment revision that carries the weights the state asks for; null while still to be written. */
  applied_revision: number | null;
  /** Bumped by every transition; transitions are conditional on it. */
  version: number;
  last_evaluation: string | null;
  reason: string | null;
  created_at: number;
  updated_at: number;
  created_by: string | null;
}
export interface RolloutEventRow {
  rollout_id: string;
  seq: number;
  ts: number;
  type: string;
  actor: string | null;
  step: number | null;
  /** JSON text. */
  detail: string | null;
}
export interface RolloutTables extends PredictionTables {
  serving_rollouts: RolloutRow;
  serving_rollout_events: RolloutEventRow;
}

/** What the prediction log says about some variants of a deployment since a time. */
export interface WindowStats {
  requests: number;
  errors: number;
  /** p99 of the model-call latency, µs (nearest rank); null without requests. */
  p99LatencyUs: number | null;
}

export type NewEvent = Omit<RolloutEventRow, 'rollout_id' | 'seq' | 'detail'> & { detail?: unknown };

const ACTIVE: RolloutState[] = ['running', 'paused'];

/** All SQL of canary rollouts, and the one read they make of the prediction log. */
export class RolloutRepository {
  constructor(
    private readonly db: Kysely<RolloutTables>,
    readonly dialect: DialectName,
  ) {}

  transaction<R>(fn: (repo: RolloutRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new RolloutRepository(trx, this.dialect)));
  }

  async insert(row: RolloutRow): Promise<void> {
    await this.db.insertInto('serving_rollouts').values(row).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('serving_rollout_events').where('rollout_id', '=', id).execute();
    await this.db.deleteFrom('serving_rollouts').where('id', '=', id).execute();
  }

  get(id: string): Promise<RolloutRow | undefined> {
    return this.db.selectFrom('serving_rollouts').selectAll().where('id', '=', id).executeTakeFirst().then((r) => r && normalize(r));
  }

  async list(deployment: string): Promise<RolloutRow[]> {
    return (await this.db.selectFrom('serving_rollouts').selectAll().where('deployment', '=', deployment).orderBy('created_at', 'desc').orderBy('id').execute()).map(normalize);
  }

  async active(deployment: string): Promise<RolloutRow | undefined> {
    const r = await this.db.selectFrom('serving_rollouts').selectAll().where('deployment', '=', deployment).where('state', 'in', ACTIVE).executeTakeFirst();
    return r && normalize(r);
  }

  /** Rollouts the controller has work on: running ones, and any whose weights are still to be written. */
  async pending(): Promise<RolloutRow[]> {
    const rows = await this.db.selectFrom('serving_rollouts').selectAll()
      .where((eb) => eb.or([eb('state', '=', 'running'), eb.and([eb('applied_revision', 'is', null), eb('state', '!=', 'completed')])]))
      .orderBy('created_at').execute();
    return rows.map(normalize);
  }

  /**
   * Sets `changes` and bumps the version only if the row is still at `version` (the optimistic
   * check: of several processes acting on one read, one wins). True when this call won.
   */
  async transition(id: string, version: number, changes: Partial<Omit<RolloutRow, 'id' | 'version'>>): Promise<boolean> {
    const r = await this.db.updateTable('serving_rollouts').set({ ...changes, version: version + 1 }).where('id', '=', id).where('version', '=', version).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Writes the last evaluation without a transition (no version bump), unless the row moved on. */
  async recordEvaluation(id: string, version: number, evaluation: string, now: number): Promise<void> {
    await this.db.updateTable('serving_rollouts').set({ last_evaluation: evaluation, updated_at: now }).where('id', '=', id).where('version', '=', version).execute();
  }

  /** Appends events after the rollout's last one. Call inside the transaction of a won transition. */
  async appendEvents(id: string, events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const r = await this.db.selectFrom('serving_rollout_events').select((eb) => eb.fn.max('seq').as('m')).where('rollout_id', '=', id).executeTakeFirst();
    let seq = r?.m == null ? 0 : Number(r.m);
    await this.db.insertInto('serving_rollout_events').values(events.map((e) => ({
      rollout_id: id,
      seq: ++seq,
      ts: e.ts,
      type: e.type,
      actor: e.actor,
      step: e.step,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
    }))).execute();
  }

  async events(id: string): Promise<RolloutEventRow[]> {
    const rows = await this.db.selectFrom('serving_rollout_events').selectAll().where('rollout_id', '=', id).orderBy('seq').execute();
    return rows.map((e) => ({ ...e, seq: Number(e.seq), ts: Number(e.ts), step: e.step === null ? null : Number(e.step) }));
  }

  /**
   * Requests, failures (status ≠ 0) and the p99 model latency of `variants` of `deployment` logged
   * at `ts >= since`. Reads the shared prediction log (read-only), so every gateway process's
   * traffic counts. Served by the predictions (deployment, ts) index.
   */
  async windowStats(deployment: string, variants: readonly string[], since: number): Promise<WindowStats> {
    if (variants.length === 0) return { requests: 0, errors: 0, p99LatencyUs: null };
    const base = () => this.db.selectFrom('predictions').where('deployment', '=', deployment).where('ts', '>=', since).where(inList(this.dialect, 'variant', variants));
    const agg = await base()
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum(sql<number>`case when status <> 0 then 1 else 0 end`).as('e')])
      .executeTakeFirst();
    const requests = Number(agg?.n ?? 0);
    if (requests === 0) return { requests: 0, errors: 0, p99LatencyUs: null };
    const rank = Math.ceil(0.99 * requests); // nearest-rank percentile
    const p = await base().select('latency_us').orderBy('latency_us').limit(1).offset(rank - 1).executeTakeFirst();
    return { requests, errors: Number(agg?.e ?? 0), p99LatencyUs: p ? Number(p.latency_us) : null };
  }
}

// PostgreSQL returns bigint columns as strings.
function normalize(r: RolloutRow): RolloutRow {
  return {
    ...r,
    step: Number(r.step),
    step_started_at: r.step_started_at === null ? null : Number(r.step_started_at),
    applied_revision: r.applied_revision === null ? null : Number(r.applied_revision),
    version: Number(r.version),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  };
}
