import { randomBytes } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import { isUniqueViolation } from '../../store/index.js';
import type { Clock } from '../../lib/clock.js';
import type { AlertsRepository, AttemptRow, DeliveryRow, WebhookRow } from './alerts.repository.js';
import { SecretBox } from './webhook-secret-box.js';

export interface Webhook {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookDelivery {
  id: number;
  webhookId: string;
  ruleId: string | null;
  eventId: number | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  payload: unknown;
  history: { attempt: number; ts: number; statusCode: number | null; error: string | null; durationMs: number }[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const invalid = (m: string) => new DomainError('INVALID_INPUT', m);

function checkUrl(v: unknown): string {
  if (typeof v !== 'string') throw invalid('url must be a string');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalid(`url must be an absolute http(s) URL; got '${v.slice(0, 200)}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(`url must use http or https; got '${u.protocol}'`);
  if (v.length > 2000) throw invalid('url must be at most 2000 characters');
  return v;
}
function checkSecret(v: unknown): string {
  if (typeof v !== 'string' || v.length < 16 || v.length > 200) throw invalid('secret must be a string of 16 to 200 characters');
  return v;
}

/** Registered webhook endpoints and the delivery outbox as the API shows them. */
export class WebhooksService {
  /**
   * `secrets`: signing secrets are stored encrypted with it (main.ts always passes one); without
   * it they are stored as given.
   */
  constructor(private readonly deps: { repo: AlertsRepository; clock: Clock; secrets?: SecretBox | undefined }) {}

  private seal(secret: string, id: string): string {
    return this.deps.secrets ? this.deps.secrets.seal(secret, id) : secret;
  }

  /**
   * Encrypts the secrets of webhooks written before encryption (or without a key); returns how
   * many. Each row is replaced only if it still holds the clear value read, so processes
   * starting together do not encrypt one twice.
   */
  async encryptStoredSecrets(): Promise<number> {
    const box = this.deps.secrets;
    if (!box) return 0;
    let n = 0;
    for (const w of await this.deps.repo.listWebhooks()) {
      if (SecretBox.isSealed(w.secret)) continue;
      if (await this.deps.repo.replaceWebhookSecret(w.id, w.secret, box.seal(w.secret, w.id))) n++;
    }
    return n;
  }

  /** Registers an endpoint. The secret (given or generated) is returned here only. */
  async create(body: { name?: unknown; url?: unknown; secret?: unknown; enabled?: unknown }): Promise<Webhook & { secret: string }> {
    if (typeof body.name !== 'string' || !NAME.test(body.name)) throw invalid("name is required: letters, digits, '.', '_' and '-', at most 100");
    const url = checkUrl(body.url);
    const secret = body.secret === undefined ? `whsec_${randomBytes(24).toString('hex')}` : checkSecret(body.secret);
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw invalid('enabled must be a boolean');
    const now = this.deps.clock.now();
    const id = `wh_${randomBytes(8).toString('hex')}`;
    const row: WebhookRow = { id, name: body.name, url, secret: this.seal(secret, id), enabled: body.enabled === false ? 0 : 1, created_at: now, updated_at: now };
    try {
      await this.deps.repo.insertWebhook(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('ALREADY_EXISTS', `A webhook named '${body.name}' already exists.`);
      throw e;
    }
    return { ...toWebhook(row), secret };
  }

  async get(idOrName: string): Promise<Webhook> {
    return toWebhook(await this.row(idOrName));
  }

  async row(idOrName: string): Promise<WebhookRow> {
    const w = await this.deps.repo.getWebhook(idOrName);
    if (!w) throw new DomainError('NOT_FOUND', `Webhook '${idOrName}' not found.`);
    return w;
  }

  async list(): Promise<Webhook[]> {
    return (await this.deps.repo.listWebhooks()).map(toWebhook);
  }

  async update(idOrName: string, body: { url?: unknown; secret?: unknown; enabled?: unknown }): Promise<Webhook> {
    const w = await this.row(idOrName);
    const changes: Parameters<AlertsRepository['updateWebhook']>[1] = { updated_at: this.deps.clock.now() };
    if (body.url !== undefined) changes.url = checkUrl(body.url);
    if (body.secret !== undefined) changes.secret = this.seal(checkSecret(body.secret), w.id);
    if (body.enabled !== undefined) {
      if (typeof body.enabled !== 'boolean') throw invalid('enabled must be a boolean');
      changes.enabled = body.enabled ? 1 : 0;
    }
    await this.deps.repo.updateWebhook(w.id, changes);
    return this.get(w.id);
  }

  async delete(idOrName: string): Promise<void> {
    const w = await this.row(idOrName);
    await this.deps.repo.deleteWebhook(w.id);
  }

  async deliveries(q: { webhook?: string | undefined; ruleId?: string | undefined; limit?: number | undefined }): Promise<WebhookDelivery[]> {
    const webhookId = q.webhook === undefined ? undefined : (await this.row(q.webhook)).id;
    const rows = await this.deps.repo.deliveries({ webhookId, ruleId: q.ruleId, limit: q.limit ?? 100 });
    const attempts = await this.deps.repo.attempts(rows.map((r) => r.id));
    return rows.map((r) => toDelivery(r, attempts.filter((a) => a.delivery_id === r.id)));
  }
}

function toWebhook(w: WebhookRow): Webhook {
  return { id: w.id, name: w.name, url: w.url, enabled: w.enabled === 1, createdAt: w.created_at, updatedAt: w.updated_at };
}

function toDelivery(r: DeliveryRow, attempts: AttemptRow[]): WebhookDelivery {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    ruleId: r.rule_id,
    eventId: r.event_id,
    status: r.status as WebhookDelivery['status'],
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    payload: JSON.parse(r.payload) as unknown,
    history: attempts.map((a) => ({ attempt: a.attempt, ts: a.ts, statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
  };
}
