import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from '../../store/index.js';
import type { AuditHeadRow, AuditLogRow, AuditTables } from './audit.tables.js';

type DB = Kysely<AuditTables>;

/** Filters already parsed by the service. */
export interface AuditFilter {
  actor?: string | undefined;
  action?: { exact: string } | { prefix: string } | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  team?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

/** All SQL of the audit log. */
export class AuditRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` on `trx` when given (the caller's transaction), else in a transaction of its own. */
  inTransaction<R>(trx: Kysely<unknown> | undefined, fn: (repo: AuditRepository) => Promise<R>): Promise<R> {
    if (trx) return fn(new AuditRepository(trx as unknown as DB, this.dialect));
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((t) => fn(new AuditRepository(t, this.dialect)));
  }

  /** The head row, locked until the transaction ends (SQLite: the IMMEDIATE transaction holds the write lock already). */
  async lockHead(): Promise<AuditHeadRow> {
    const lock = this.dialect === 'postgres' ? sql` FOR UPDATE` : sql``;
    const r = await sql<AuditHeadRow>`SELECT id, seq, hash FROM audit_head WHERE id = 1${lock}`.execute(this.db);
    const head = r.rows[0];
    if (!head) throw new Error('audit_head has no row: the audit migration did not run');
    return { id: Number(head.id), seq: Number(head.seq), hash: head.hash };
  }

  async append(row: AuditLogRow): Promise<void> {
    await this.db.insertInto('audit_log').values(row).execute();
    await this.db.updateTable('audit_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
  }

  head(): Promise<AuditHeadRow | undefined> {
    return this.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
  }

  /** Newest first, entries with seq below `beforeSeq`. */
  page(f: AuditFilter, beforeSeq: number | undefined, limit: number): Promise<AuditLogRow[]> {
    let q = this.filtered(f);
    if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
    return q.orderBy('seq', 'desc').limit(limit).execute();
  }

  /** Oldest first, entries with seq above `afterSeq` (export, verify). */
  ascending(f: AuditFilter, afterSeq: number, limit: number): Promise<AuditLogRow[]> {
    return this.filtered(f).where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute();
  }

  private filtered(f: AuditFilter): SelectQueryBuilder<AuditTables, 'audit_log', AuditLogRow> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
    if (f.action && 'exact' in f.action) q = q.where('action', '=', f.action.exact);
    // substr, not LIKE (`_` is a wildcard there) nor a range (PostgreSQL collations order punctuation oddly).
    if (f.action && 'prefix' in f.action) {
      const prefix = f.action.prefix;
      q = q.where(sql<string>`substr(action, 1, ${sql.lit(prefix.length)})`, '=', prefix);
    }
    if (f.resourceType !== undefined) q = q.where('resource_type', '=', f.resourceType);
    if (f.resourceId !== undefined) q = q.where('resource_id', '=', f.resourceId);
    if (f.team !== undefined) q = q.where('team', '=', f.team);
    if (f.since !== undefined) q = q.where('ts', '>=', f.since);
    if (f.until !== undefined) q = q.where('ts', '<', f.until);
    return q;
  }
}
