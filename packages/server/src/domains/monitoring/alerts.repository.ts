import type { Generated, Kysely, Selectable } from 'kysely';
import type { DialectName } from '../../store/index.js';

export interface AlertTables {
  alert_rules: {
    id: string; name: string; definition: string; enabled: number; state: string; revision: number;
    next_eval_at: number; last_evaluated_at: number | null; last_fired_at: number | null; last_outcome: string | null; last_value: number | null;
    created_at: number; updated_at: number;
  };
  alert_events: { id: Generated<number>; rule_id: string; ts: number; type: string; value: number | null; message: string; details: string | null };
  webhooks: { id: string; name: string; url: string; secret: string; enabled: number; created_at: number; updated_at: number };
  webhook_deliveries: {
    id: Generated<number>; webhook_id: string; rule_id: string | null; event_id: number | null; payload: string; status: string; attempts: number;
    next_attempt_at: number; last_status_code: number | null; last_error: string | null; created_at: number; delivered_at: number | null;
  };
  webhook_attempts: { delivery_id: number; attempt: number; ts: number; status_code: number | null; error: string | null; duration_ms: number };
}

export type RuleRow = Selectable<AlertTables['alert_rules']>;
export type EventRow = Selectable<AlertTables['alert_events']>;
export type WebhookRow = AlertTables['webhooks'];
export type DeliveryRow = Selectable<AlertTables['webhook_deliveries']>;
export type AttemptRow = AlertTables['webhook_attempts'];

/** pg returns bigint columns as strings: numbers once, here. */
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const rule = (r: RuleRow): RuleRow => ({ ...r, enabled: Number(r.enabled), revision: Number(r.revision), next_eval_at: Number(r.next_eval_at), last_evaluated_at: n(r.last_evaluated_at), last_fired_at: n(r.last_fired_at), last_value: n(r.last_value), created_at: Number(r.created_at), updated_at: Number(r.updated_at) });
const event = (r: EventRow): EventRow => ({ ...r, id: Number(r.id), ts: Number(r.ts), value: n(r.value) });
const delivery = (r: DeliveryRow): DeliveryRow => ({ ...r, id: Number(r.id), event_id: n(r.event_id), attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at), last_status_code: n(r.last_status_code), created_at: Number(r.created_at), delivered_at: n(r.delivered_at) });

/** All SQL of alert rules, their events, webhooks and the delivery outbox. */
export class AlertsRepository {
  constructor(private readonly db: Kysely<AlertTables>, readonly dialect: DialectName) {}

  transaction<R>(fn: (repo: AlertsRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new AlertsRepository(trx, this.dialect)));
  }

  async insertRule(r: RuleRow): Promise<void> {
    await this.db.insertInto('alert_rules').values(r).execute();
  }
  async getRule(idOrName: string): Promise<RuleRow | undefined> {
    const r = await this.db.selectFrom('alert_rules').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
    return r && rule(r);
  }
  async listRules(): Promise<RuleRow[]> {
    return (await this.db.selectFrom('alert_rules').selectAll().orderBy('name').execute()).map(rule);
  }
  async updateDefinition(id: string, definition: string, enabled: boolean, now: number): Promise<void> {
    await this.db.updateTable('alert_rules').set({ definition, enabled: enabled ? 1 : 0, updated_at: now, next_eval_at: now }).where('id', '=', id).execute();
  }
  async deleteRule(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async dueRules(now: number, limit: number): Promise<RuleRow[]> {
    return (await this.db.selectFrom('alert_rules').selectAll().where('enabled', '=', 1).where('next_eval_at', '<=', now).orderBy('next_eval_at').limit(limit).execute()).map(rule);
  }

  /**
   * Claims one evaluation of a rule: only the process whose UPDATE still sees the revision it
   * read wins; the others skip the rule until its next tick.
   */
  async claimRule(id: string, revision: number, nextEvalAt: number): Promise<boolean> {
    const r = await this.db.updateTable('alert_rules').set({ next_eval_at: nextEvalAt, revision: revision + 1 }).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  /** Records an evaluation only if the rule is still at `revision` (nobody claimed it since). */
  async recordEvaluationIf(id: string, revision: number, changes: Partial<Pick<RuleRow, 'state' | 'last_evaluated_at' | 'last_fired_at' | 'last_outcome' | 'last_value'>>): Promise<boolean> {
    const r = await this.db.updateTable('alert_rules').set(changes).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async insertEvent(e: Omit<EventRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('alert_events').values(e).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async events(q: { ruleId?: string | undefined; since?: number | undefined; limit: number }): Promise<EventRow[]> {
    let s = this.db.selectFrom('alert_events').selectAll();
    if (q.ruleId !== undefined) s = s.where('rule_id', '=', q.ruleId);
    if (q.since !== undefined) s = s.where('ts', '>=', q.since);
    return (await s.orderBy('ts', 'desc').orderBy('id', 'desc').limit(q.limit).execute()).map(event);
  }

  async insertWebhook(w: WebhookRow): Promise<void> {
    await this.db.insertInto('webhooks').values(w).execute();
  }
  async getWebhook(idOrName: string): Promise<WebhookRow | undefined> {
    const r = await this.db.selectFrom('webhooks').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
    return r && { ...r, enabled: Number(r.enabled), created_at: Number(r.created_at), updated_at: Number(r.updated_at) };
  }
  async listWebhooks(): Promise<WebhookRow[]> {
    return (await this.db.selectFrom('webhooks').selectAll().orderBy('name').execute()).map((r) => ({ ...r, enabled: Number(r.enabled), created_at: Number(r.created_at), updated_at: Number(r.updated_at) }));
  }
  async updateWebhook(id: string, changes: Partial<Pick<WebhookRow, 'url' | 'secret' | 'enabled' | 'updated_at'>>): Promise<void> {
    await this.db.updateTable('webhooks').set(changes).where('id', '=', id).execute();
  }
  /** Sets the stored secret only if it is still `from`; true when it was replaced. */
  async replaceWebhookSecret(id: string, from: string, to: string): Promise<boolean> {
    const r = await this.db.updateTable('webhooks').set({ secret: to }).where('id', '=', id).where('secret', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async deleteWebhook(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async enqueueDelivery(d: Omit<DeliveryRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('webhook_deliveries').values(d).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async dueDeliveries(now: number, limit: number): Promise<DeliveryRow[]> {
    return (await this.db.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(limit).execute()).map(delivery);
  }
  /** Leases a due delivery to this sender until `leaseUntil` (a crash mid-send: another sender retries it then). */
  async claimDelivery(id: number, seenNextAttemptAt: number, leaseUntil: number): Promise<boolean> {
    const r = await this.db.updateTable('webhook_deliveries').set({ next_attempt_at: leaseUntil }).where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '=', seenNextAttemptAt).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async updateDelivery(id: number, changes: Partial<Omit<DeliveryRow, 'id'>>): Promise<void> {
    await this.db.updateTable('webhook_deliveries').set(changes).where('id', '=', id).execute();
  }
  async insertAttempt(a: AttemptRow): Promise<void> {
    await this.db.insertInto('webhook_attempts').values(a).execute();
  }
  async deliveries(q: { webhookId?: string | undefined; ruleId?: string | undefined; limit: number }): Promise<DeliveryRow[]> {
    let s = this.db.selectFrom('webhook_deliveries').selectAll();
    if (q.webhookId !== undefined) s = s.where('webhook_id', '=', q.webhookId);
    if (q.ruleId !== undefined) s = s.where('rule_id', '=', q.ruleId);
    return (await s.orderBy('id', 'desc').limit(q.limit).execute()).map(delivery);
  }
  async getDelivery(id: number): Promise<DeliveryRow | undefined> {
    const r = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return r && delivery(r);
  }
  async attempts(deliveryIds: readonly number[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', [...deliveryIds]).orderBy('delivery_id').orderBy('attempt').execute();
    return rows.map((a) => ({ ...a, delivery_id: Number(a.delivery_id), attempt: Number(a.attempt), ts: Number(a.ts), status_code: n(a.status_code), duration_ms: Number(a.duration_ms) }));
  }
}
