import type { Kysely } from 'kysely';
import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { canonicalJson, entryHash } from './audit.chain.js';
import { GENESIS_HASH } from './audit.migrations.js';
import type { AuditFilter, AuditRepository } from './audit.repository.js';
import type { AuditLogRow } from './audit.tables.js';
import type { AuditEntry, AuditEntryInput, AuditLog, AuditQuery, VerifyResult } from './audit.types.js';

export interface AuditDeps {
  repo: AuditRepository;
  clock: Clock;
}

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const MAX_TEXT = 500;
const BATCH = 1000;

function text(field: string, v: unknown, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${field} is required`);
    return null;
  }
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  if (required && v === '') throw invalid(`${field} must not be empty`);
  if (v.length > MAX_TEXT) throw invalid(`${field} is ${v.length} characters, more than ${MAX_TEXT}`);
  return v;
}

/** A time bound given as ms since epoch or an ISO date. */
export function parseInstant(field: string, v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'number' || /^\d+$/.test(v)) {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw invalid(`${field} must be ms since epoch or an ISO date, got '${v}'`);
    return n;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`${field} must be ms since epoch or an ISO date, got '${v}'`);
  return t;
}

export function toEntry(r: AuditLogRow): AuditEntry {
  return {
    seq: Number(r.seq),
    ts: Number(r.ts),
    actor: r.actor,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    team: r.team,
    source: r.source,
    before: r.before_json === null ? null : (JSON.parse(r.before_json) as unknown),
    after: r.after_json === null ? null : (JSON.parse(r.after_json) as unknown),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const encodeToken = (seq: number) => Buffer.from(JSON.stringify({ seq })).toString('base64url');
function decodeToken(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const seq = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { seq?: unknown }).seq;
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) return seq;
  } catch {
    /* answered below */
  }
  throw invalid(`Invalid pageToken '${token.slice(0, 40)}': it is not a token this server issued.`);
}

/** The tamper-evident audit log: appends chained by hash, queries, export and verification. */
export class AuditService implements AuditLog {
  constructor(private readonly deps: AuditDeps) {}

  async record(entry: AuditEntryInput, trx?: Kysely<any>): Promise<AuditEntry> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const actor = text('actor', entry.actor, true)!;
    const action = text('action', entry.action, true)!;
    if (!ACTION.test(action)) throw invalid(`action '${action}' must look like 'resource.verb' (lowercase, dot-separated)`);
    const resourceType = text('resourceType', entry.resourceType, true)!;
    const resourceId = text('resourceId', entry.resourceId, true)!;
    const team = text('team', entry.team, false);
    const source = text('source', entry.source, false);
    const ts = entry.ts ?? this.deps.clock.now();
    const before = entry.before === undefined || entry.before === null ? null : canonicalJson(entry.before);
    const after = entry.after === undefined || entry.after === null ? null : canonicalJson(entry.after);
    return this.deps.repo.inTransaction(trx, async (repo) => {
      const head = await repo.lockHead();
      const partial = { seq: head.seq + 1, ts, actor, action, resource_type: resourceType, resource_id: resourceId, team, source, before_json: before, after_json: after, prev_hash: head.hash };
      const row: AuditLogRow = { ...partial, hash: entryHash(partial) };
      await repo.append(row);
      return toEntry(row);
    });
  }

  /** Newest first; `nextPageToken` continues below the last entry. */
  async list(q: AuditQuery & { pageToken?: string | undefined; maxResults?: number | undefined }): Promise<{ items: AuditEntry[]; nextPageToken?: string }> {
    const limit = q.maxResults ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('maxResults must be an integer from 1 to 1000');
    const rows = await this.deps.repo.page(this.filter(q), decodeToken(q.pageToken), limit + 1);
    const items = rows.slice(0, limit).map(toEntry);
    return { items, ...(rows.length > limit ? { nextPageToken: encodeToken(items[items.length - 1]!.seq) } : {}) };
  }

  /** Every matching entry, oldest first, read in batches (for export). */
  async *entries(q: AuditQuery): AsyncGenerator<AuditEntry> {
    const f = this.filter(q);
    let after = 0;
    for (;;) {
      const rows = await this.deps.repo.ascending(f, after, BATCH);
      for (const r of rows) yield toEntry(r);
      if (rows.length < BATCH) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  /**
   * Recomputes the chain from seq 1: each entry's seq follows the previous one, its prev_hash is
   * the previous hash, and its hash is what its columns hash to; the head names the last entry.
   */
  async verify(): Promise<VerifyResult> {
    const head = await this.deps.repo.head();
    const headSeq = Number(head?.seq ?? 0);
    const headHash = head?.hash ?? GENESIS_HASH;
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    const broken = (seq: number, reason: string): VerifyResult => ({ ok: false, checked, lastSeq: prevSeq, headHash, firstBrokenSeq: seq, reason });
    for (;;) {
      const rows = await this.deps.repo.ascending({}, prevSeq, BATCH);
      for (const r of rows) {
        const seq = Number(r.seq);
        if (seq !== prevSeq + 1) return broken(prevSeq + 1, `entry ${prevSeq + 1} is missing (the next one is ${seq})`);
        if (r.prev_hash !== prevHash) return broken(seq, `prev_hash does not match the hash of entry ${prevSeq}`);
        const { hash: stored, ...rest } = r;
        if (entryHash({ ...rest, seq, ts: Number(r.ts) }) !== stored) return broken(seq, 'its content does not match its hash (changed after it was written)');
        prevSeq = seq;
        prevHash = stored;
        checked++;
      }
      if (rows.length < BATCH) break;
    }
    if (headSeq > prevSeq) return broken(prevSeq + 1, `the log ends at ${prevSeq} but entries up to ${headSeq} were written`);
    if (headSeq < prevSeq) return broken(headSeq + 1, `entries after ${headSeq} were added outside the audit log's append`);
    if (headSeq === prevSeq && headHash !== prevHash) return broken(prevSeq, 'the head hash does not match the last entry');
    return { ok: true, checked, lastSeq: prevSeq, headHash };
  }

  private filter(q: AuditQuery): AuditFilter {
    const f: AuditFilter = {};
    if (q.actor) f.actor = q.actor;
    if (q.action) f.action = q.action.endsWith('*') ? { prefix: q.action.slice(0, -1) } : { exact: q.action };
    if (q.resource) {
      const colon = q.resource.indexOf(':');
      f.resourceType = colon < 0 ? q.resource : q.resource.slice(0, colon);
      if (colon >= 0) f.resourceId = q.resource.slice(colon + 1);
    }
    if (q.team) f.team = q.team;
    f.since = parseInstant('since', q.since);
    f.until = parseInstant('until', q.until);
    return f;
  }
}
