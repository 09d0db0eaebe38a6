/** Row shapes of the tables audit owns (see audit.migrations.ts). */
export interface AuditLogRow {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string;
  team: string | null;
  /** the client address the change came from */
  source: string | null;
  /** canonical JSON text, hashed as stored */
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadRow {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditTables {
  audit_log: AuditLogRow;
  audit_head: AuditHeadRow;
}
