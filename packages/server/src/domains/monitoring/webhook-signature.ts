import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-flywheel-signature';
export const TIMESTAMP_HEADER = 'x-flywheel-timestamp';
export const DELIVERY_HEADER = 'x-flywheel-delivery';
export const EVENT_HEADER = 'x-flywheel-event';

/**
 * `sha256=<hex>`: HMAC-SHA256 with the webhook's secret over `<timestamp>.<body>` (timestamp in
 * seconds since epoch, the value of {@link TIMESTAMP_HEADER}). Signing the timestamp with the
 * body (as Stripe and Slack do) lets a receiver refuse an old request replayed by someone who
 * captured it: a changed timestamp breaks the signature.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does: recompute the signature over the raw body, compare in constant time, and
 * refuse timestamps more than `toleranceSeconds` from its own clock.
 */
export function verifyWebhook(secret: string, signature: string | undefined, timestamp: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const want = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
