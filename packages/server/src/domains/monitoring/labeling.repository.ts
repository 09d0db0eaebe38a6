import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { DialectName } from '../../store/index.js';

export interface LabelingTables {
  labeling_policies: { deployment: string; definition: string; sampled_until: number | null; updated_at: number };
  labeling_items: {
    id: Generated<number>; deployment: string; inference_id: string; variant: string; prediction_ts: number; priority: number;
    inputs: string | null; outputs: string | null; state: string; claimed_by: string | null; lease_until: number | null;
    label: string | null; reviewer: string | null; reason: string | null; created_at: number; done_at: number | null;
  };
}
export type PolicyRow = LabelingTables['labeling_policies'];
export type ItemRow = Selectable<LabelingTables['labeling_items']>;

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const item = (r: ItemRow): ItemRow => ({ ...r, id: Number(r.id), prediction_ts: Number(r.prediction_ts), priority: Number(r.priority), lease_until: n(r.lease_until), created_at: Number(r.created_at), done_at: n(r.done_at) });

/** All SQL of the labeling queue. */
export class LabelingRepository {
  constructor(private readonly db: Kysely<LabelingTables>, readonly dialect: DialectName) {}

  async getPolicy(deployment: string): Promise<PolicyRow | undefined> {
    const r = await this.db.selectFrom('labeling_policies').selectAll().where('deployment', '=', deployment).executeTakeFirst();
    return r && { ...r, sampled_until: n(r.sampled_until), updated_at: Number(r.updated_at) };
  }
  async putPolicy(deployment: string, definition: string, now: number): Promise<void> {
    await this.db.insertInto('labeling_policies').values({ deployment, definition, sampled_until: null, updated_at: now })
      .onConflict((oc) => oc.column('deployment').doUpdateSet({ definition, updated_at: now })).execute();
  }
  async setSampledUntil(deployment: string, until: number): Promise<void> {
    await this.db.updateTable('labeling_policies').set({ sampled_until: until }).where('deployment', '=', deployment).execute();
  }

  /** Queues items; an inference id already queued for the deployment is left as it is. Returns how many were new. */
  async enqueue(rows: Omit<ItemRow, 'id'>[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const r = await this.db.insertInto('labeling_items').values(rows.slice(i, i + 500)).onConflict((oc) => oc.columns(['deployment', 'inference_id']).doNothing()).executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  /** Items open for review: pending, or claimed with an expired lease; least priority first. */
  async claimable(deployment: string, now: number, limit: number): Promise<ItemRow[]> {
    const rows = await this.db.selectFrom('labeling_items').selectAll().where('deployment', '=', deployment)
      .where((eb) => eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'claimed'), eb('lease_until', '<=', now)])]))
      .orderBy('priority').orderBy('id').limit(limit).execute();
    return rows.map(item);
  }
  /** Claims an item if it is still open (another reviewer may have taken it meanwhile). */
  async claim(id: number, reviewer: string, now: number, leaseUntil: number): Promise<boolean> {
    const r = await this.db.updateTable('labeling_items').set({ state: 'claimed', claimed_by: reviewer, lease_until: leaseUntil }).where('id', '=', id)
      .where((eb) => eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'claimed'), eb('lease_until', '<=', now)])])).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async get(id: number): Promise<ItemRow | undefined> {
    const r = await this.db.selectFrom('labeling_items').selectAll().where('id', '=', id).executeTakeFirst();
    return r && item(r);
  }
  async finish(id: number, changes: Pick<ItemRow, 'state' | 'label' | 'reviewer' | 'reason' | 'done_at'>): Promise<void> {
    await this.db.updateTable('labeling_items').set({ ...changes, lease_until: null }).where('id', '=', id).execute();
  }
  async stats(deployment: string, now: number): Promise<{ variant: string; state: string; n: number }[]> {
    const rows = await this.db.selectFrom('labeling_items')
      .select(['variant', sql<string>`case when state = 'claimed' and lease_until <= ${now} then 'pending' else state end`.as('st'), (eb) => eb.fn.countAll().as('n')])
      .where('deployment', '=', deployment).groupBy(['variant', 'st']).execute();
    return rows.map((r) => ({ variant: r.variant, state: r.st, n: Number(r.n) }));
  }
  async reviewers(deployment: string): Promise<{ reviewer: string; n: number }[]> {
    const rows = await this.db.selectFrom('labeling_items').select(['reviewer', (eb) => eb.fn.countAll().as('n')]).where('deployment', '=', deployment).where('state', '=', 'labeled').groupBy('reviewer').orderBy('reviewer').execute();
    return rows.map((r) => ({ reviewer: r.reviewer ?? '', n: Number(r.n) }));
  }
}
