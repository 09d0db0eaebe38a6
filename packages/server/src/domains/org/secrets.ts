import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 hex: how session and API tokens are stored (they are random, so no salt or slow hash is needed). */
export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** Constant-time equality of two hex digests. */
export function digestEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

const TOKEN_RE = /^fw_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

/**
 * A new API token `fw_<prefix>_<secret>`: the prefix (10 base-36 characters) is stored in clear to
 * find the row and to show in lists; the secret is 32 random bytes. The `fw_` start lets secret
 * scanners recognise a leaked token.
 */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const prefix = Array.from(randomBytes(10), (b) => (b % 36).toString(36)).join('');
  const token = `fw_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: sha256Hex(token) };
}

/** The prefix of a token of ours, or undefined when `token` does not have our shape. */
export function apiTokenPrefix(token: string): string | undefined {
  return TOKEN_RE.exec(token)?.[1];
}

/** A new session id for the cookie (32 random bytes) and the digest stored for it. */
export function newSessionToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}
