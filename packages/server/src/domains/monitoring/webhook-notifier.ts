import { isDomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { AlertsRepository, DeliveryRow } from './alerts.repository.js';
import type { SecretBox } from './webhook-secret-box.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookRetryPolicy {
  /** Attempts in all, the first included; then the delivery is `failed`. */
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubles each time up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** One HTTP attempt gives up after this long. */
  timeoutMs: number;
  /** A claimed delivery is retried by any sender after this long (its sender died mid-send). */
  leaseMs: number;
}

export const WEBHOOK_RETRY_DEFAULTS: WebhookRetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 5_000, // 5 s, 10 s, 20 s, … capped at 15 min
  maxDelayMs: 15 * 60_000,
  timeoutMs: 10_000, // 10 s
  leaseMs: 60_000, // 1 min: well over timeoutMs
};

/** The delay after `attempts` failed attempts: base·2^(attempts−1), at most the cap. */
export function backoffMs(attempts: number, p: Pick<WebhookRetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(p.baseDelayMs * 2 ** Math.max(0, attempts - 1), p.maxDelayMs);
}

/**
 * Sends the delivery outbox: each due delivery is leased by a conditional UPDATE (so several
 * processes may run senders), POSTed once with its signature, and either marked delivered or
 * rescheduled with exponential backoff; every attempt is recorded. The alert's history gets a
 * `notified` or (after the last attempt) `notify_failed` event.
 */
export class WebhookNotifier {
  private readonly policy: WebhookRetryPolicy;
  /** `secrets` opens the stored (encrypted) signing secrets; without it they are used as stored. */
  constructor(private readonly deps: { repo: AlertsRepository; clock: Clock; fetch?: typeof fetch; policy?: Partial<WebhookRetryPolicy>; secrets?: SecretBox | undefined }) {
    this.policy = { ...WEBHOOK_RETRY_DEFAULTS, ...deps.policy };
  }

  /** Sends what is due now; returns how many deliveries were attempted. */
  async runOnce(limit = 50): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.repo.dueDeliveries(now, limit);
    let sent = 0;
    await Promise.all(due.map(async (d) => {
      if (!(await this.deps.repo.claimDelivery(d.id, d.next_attempt_at, now + this.policy.leaseMs))) return;
      sent++;
      await this.attempt(d);
    }));
    return sent;
  }

  private async attempt(d: DeliveryRow): Promise<void> {
    const { repo, clock } = this.deps;
    const hook = await repo.getWebhook(d.webhook_id);
    const attempt = d.attempts + 1;
    const started = clock.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!hook || hook.enabled !== 1) {
      error = hook ? 'the webhook is disabled' : 'the webhook was deleted';
    } else {
      const ts = Math.floor(started / 1000);
      const type = (JSON.parse(d.payload) as { type?: string }).type ?? 'alert';
      const realStart = Date.now();
      try {
        const secret = this.deps.secrets ? this.deps.secrets.open(hook.secret, hook.id) : hook.secret;
        const res = await (this.deps.fetch ?? fetch)(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'flywheel-webhooks/1',
            [SIGNATURE_HEADER]: signWebhook(secret, ts, d.payload),
            [TIMESTAMP_HEADER]: String(ts),
            [DELIVERY_HEADER]: String(d.id),
            [EVENT_HEADER]: type,
          },
          body: d.payload,
          signal: AbortSignal.timeout(this.policy.timeoutMs),
          redirect: 'manual',
        });
        statusCode = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (res.status < 200 || res.status >= 300) error = `the receiver answered ${res.status}`;
      } catch (e) {
        const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
        error = (e as Error).name === 'TimeoutError' ? `no answer within ${this.policy.timeoutMs} ms` : isDomainError(e) ? `not sent: ${e.message}` : `could not connect: ${cause}`;
      }
      await repo.insertAttempt({ delivery_id: d.id, attempt, ts: started, status_code: statusCode, error, duration_ms: Date.now() - realStart });
    }
    if (hook && hook.enabled === 1 && error === null) {
      await repo.transaction(async (r) => {
        await r.updateDelivery(d.id, { status: 'delivered', attempts: attempt, last_status_code: statusCode, last_error: null, delivered_at: clock.now() });
        if (d.rule_id) await r.insertEvent({ rule_id: d.rule_id, ts: clock.now(), type: 'notified', value: null, message: `webhook '${hook.name}' answered ${statusCode} (attempt ${attempt})`, details: JSON.stringify({ deliveryId: d.id, webhookId: hook.id, eventId: d.event_id }) });
      });
      return;
    }
    const final = !hook || hook.enabled !== 1 || attempt >= this.policy.maxAttempts;
    await repo.transaction(async (r) => {
      if (final) {
        await r.updateDelivery(d.id, { status: 'failed', attempts: attempt, last_status_code: statusCode, last_error: error });
        if (d.rule_id) await r.insertEvent({ rule_id: d.rule_id, ts: clock.now(), type: 'notify_failed', value: null, message: `webhook '${hook?.name ?? d.webhook_id}' not notified after ${attempt} attempt(s): ${error}`, details: JSON.stringify({ deliveryId: d.id, webhookId: d.webhook_id, eventId: d.event_id }) });
      } else {
        await r.updateDelivery(d.id, { attempts: attempt, last_status_code: statusCode, last_error: error, next_attempt_at: clock.now() + backoffMs(attempt, this.policy) });
      }
    });
  }
}
