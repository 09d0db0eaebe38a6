import type { Generated, Kysely, Selectable, Transaction } from 'kysely';
import type { DialectName } from '../../store/index.js';

export interface PostmortemTable {
  id: Generated<number>;
  kind: 'incident' | 'success';
  title: string;
  status: 'draft' | 'published';
  team: string | null;
  occurred_at: number | null;
  /** JSON: the sections and action items */
  body: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}
export interface PostmortemLinkRow {
  postmortem_id: number;
  kind: LinkKind;
  ref: string;
}
export type LinkKind = 'project' | 'deployment' | 'alert' | 'alert_event' | 'incident';
export type PostmortemRow = Selectable<PostmortemTable>;
export interface KnowledgeTables {
  postmortems: PostmortemTable;
  postmortem_links: PostmortemLinkRow;
}

/** All SQL of the knowledge domain. */
export class PostmortemsRepository {
  constructor(
    private readonly db: Kysely<KnowledgeTables>,
    readonly dialect: DialectName,
  ) {}

  /** One transaction, with the raw transaction for the audit log (change and entry commit together). */
  transaction<R>(fn: (repo: PostmortemsRepository, trx: Kysely<unknown>) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this, this.db as unknown as Kysely<unknown>);
    return this.db.transaction().execute((trx: Transaction<KnowledgeTables>) => fn(new PostmortemsRepository(trx, this.dialect), trx as unknown as Kysely<unknown>));
  }

  async insert(row: Omit<PostmortemRow, 'id'>): Promise<number> {
    return (await this.db.insertInto('postmortems').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  async update(id: number, patch: Partial<Omit<PostmortemRow, 'id'>>): Promise<void> {
    await this.db.updateTable('postmortems').set(patch).where('id', '=', id).execute();
  }

  get(id: number): Promise<PostmortemRow | undefined> {
    return this.db.selectFrom('postmortems').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async setLinks(id: number, links: { kind: LinkKind; ref: string }[]): Promise<void> {
    await this.db.deleteFrom('postmortem_links').where('postmortem_id', '=', id).execute();
    if (links.length) await this.db.insertInto('postmortem_links').values(links.map((l) => ({ postmortem_id: id, ...l }))).execute();
  }

  async links(ids: number[]): Promise<PostmortemLinkRow[]> {
    if (!ids.length) return [];
    return this.db.selectFrom('postmortem_links').selectAll().where('postmortem_id', 'in', ids).orderBy('kind').orderBy('ref').execute();
  }

  /** Newest first; `link` keeps those linked to that thing. */
  list(q: { kind?: string | undefined; team?: string | undefined; status?: string | undefined; link?: { kind: LinkKind; ref: string } | undefined }, offset: number, limit: number): Promise<PostmortemRow[]> {
    let s = this.db.selectFrom('postmortems').selectAll('postmortems');
    if (q.kind) s = s.where('postmortems.kind', '=', q.kind as PostmortemRow['kind']);
    if (q.team) s = s.where('postmortems.team', '=', q.team);
    if (q.status) s = s.where('postmortems.status', '=', q.status as PostmortemRow['status']);
    if (q.link) {
      const link = q.link;
      s = s.where(({ exists, selectFrom }) =>
        exists(selectFrom('postmortem_links as l').select('l.ref').whereRef('l.postmortem_id', '=', 'postmortems.id').where('l.kind', '=', link.kind).where('l.ref', '=', link.ref)),
      );
    }
    return s.orderBy('postmortems.id', 'desc').offset(offset).limit(limit).execute();
  }
}
