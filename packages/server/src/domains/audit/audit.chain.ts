import { createHash } from 'node:crypto';
import type { AuditLogRow } from './audit.tables.js';

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped: the same value
 * always gives the same text, whichever order its keys were built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** sha256(prev_hash ‖ canonical JSON of every other column): what `hash` must equal. */
export function entryHash(row: Omit<AuditLogRow, 'hash'>): string {
  const body = canonicalJson({
    seq: row.seq,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    team: row.team,
    source: row.source,
    before: row.before_json,
    after: row.after_json,
  });
  return createHash('sha256').update(row.prev_hash).update(body).digest('hex');
}
