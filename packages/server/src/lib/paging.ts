import { DomainError } from '@flywheel/contract';

/** Largest offset a page token may carry; no search pages this deep, and SQL needs a sane integer. */
export const MAX_PAGE_OFFSET = 10_000_000;

/** Page tokens are opaque to clients: base64 of a small JSON object, as MLflow's are. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** Decodes a token from {@link encodePageToken}; a token that is not ours is a clear 400. */
export function decodePageToken(token: string | undefined | null, field = 'page_token'): number {
  if (token === undefined || token === null || token === '') return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw new DomainError('INVALID_INPUT', `Invalid ${field} '${token}': it is not a token this server issued (could not decode it).`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new DomainError('INVALID_INPUT', `Invalid ${field} '${token}': it has no valid offset.`);
  }
  if (offset > MAX_PAGE_OFFSET) {
    throw new DomainError('INVALID_INPUT', `Invalid ${field} '${token}': its offset ${offset} exceeds the limit of ${MAX_PAGE_OFFSET}.`);
  }
  return offset;
}
