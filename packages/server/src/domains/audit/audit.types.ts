import type { Kysely } from 'kysely';

/** What a domain records about one change. */
export interface AuditEntryInput {
  /** username, or 'anonymous' / 'system' */
  actor: string;
  /** `<domain resource>.<verb>`, e.g. `project.stage_changed`, `model.alias_set` */
  action: string;
  resourceType: string;
  resourceId: string;
  /** the owner team of the resource, when it has one */
  team?: string | null | undefined;
  /** the client address the change came from */
  source?: string | null | undefined;
  before?: unknown;
  after?: unknown;
  /** ms since epoch; default the audit log's clock */
  ts?: number | undefined;
}

export interface AuditEntry {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  team: string | null;
  source: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

/**
 * The AuditLog port other domains write through. Pass the Kysely transaction your change runs in
 * as `trx`: the change and its entry then commit (or roll back) together. Without `trx` the entry
 * is written in a transaction of its own — never call it that way while your own transaction is
 * open on SQLite (one connection: it would wait for itself).
 */
export interface AuditLog {
  record(entry: AuditEntryInput, trx?: Kysely<any>): Promise<AuditEntry>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface AuditQuery {
  actor?: string | undefined;
  /** exact, or a prefix ending in `*` (`project.*`) */
  action?: string | undefined;
  /** `type` or `type:id` */
  resource?: string | undefined;
  team?: string | undefined;
  /** ms since epoch or an ISO date, inclusive */
  since?: string | number | undefined;
  /** ms since epoch or an ISO date, exclusive */
  until?: string | number | undefined;
}

export interface VerifyResult {
  ok: boolean;
  /** entries checked */
  checked: number;
  lastSeq: number;
  headHash: string;
  /** the first entry whose chain does not hold, when !ok */
  firstBrokenSeq?: number;
  reason?: string;
}
