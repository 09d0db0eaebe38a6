import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { LinkKind, PostmortemLinkRow, PostmortemRow, PostmortemsRepository } from './postmortems.repository.js';

export const POSTMORTEM_KINDS = ['incident', 'success'] as const;
export type PostmortemKind = (typeof POSTMORTEM_KINDS)[number];
export const POSTMORTEM_STATUSES = ['draft', 'published'] as const;
const SECTIONS = ['summary', 'impact', 'timeline', 'rootCause', 'whatWentWell', 'whatWentWrong', 'lessons'] as const;
type Section = (typeof SECTIONS)[number];
const LINK_FIELDS = { projects: 'project', deployments: 'deployment', alerts: 'alert', alertEvents: 'alert_event', incidents: 'incident' } as const satisfies Record<string, LinkKind>;
type LinkField = keyof typeof LINK_FIELDS;
const FIELDS = ['kind', 'title', 'status', 'team', 'occurredAt', ...SECTIONS, 'actionItems', 'links'];
const MAX_TEXT = 20_000;
const MAX_LINKS = 50;
/** Roles that may change a team's postmortems (viewers only read). */
const CHANGERS = new Set(['admin', 'maintainer', 'member']);

export interface ActionItem {
  text: string;
  owner: string | null;
  done: boolean;
}

/** What happened, what we learned, what we will do: a failure to learn from or a success to repeat. */
export interface Postmortem {
  id: number;
  kind: PostmortemKind;
  title: string;
  status: 'draft' | 'published';
  team: string | null;
  occurredAt: number | null;
  sections: Partial<Record<Section, string>>;
  actionItems: ActionItem[];
  links: Record<LinkField, string[]>;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * Whether the things a postmortem links to exist, through their domains' services (wired in
 * main.ts). Incidents are external references (a ticket id) and are not checked; alert events
 * are checked to be event ids only (monitoring has no lookup of one event by id).
 */
export interface LinkTargets {
  project(name: string): Promise<boolean>;
  deployment(name: string): Promise<boolean>;
  /** an alert rule, by id or name */
  alertRule(idOrName: string): Promise<boolean>;
  team(name: string): Promise<boolean>;
}

export interface PostmortemsDeps {
  repo: PostmortemsRepository;
  audit: AuditLog;
  clock: Clock;
  targets: LinkTargets;
}

const invalid = (m: string) => new DomainError('INVALID_INPUT', m);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(field: string, v: unknown, max = MAX_TEXT): string {
  if (typeof v !== 'string') throw invalid(`${field} must be text`);
  if (v.length > max) throw invalid(`${field} is ${v.length} characters, more than ${max}`);
  return v;
}

/** Postmortems of incidents and successes, linked to projects, deployments, alerts and incidents; every change audited. */
export class PostmortemsService {
  constructor(private readonly deps: PostmortemsDeps) {}

  async create(ctx: ChangeContext, input: unknown): Promise<Postmortem> {
    if (!isObject(input)) throw invalid('body must be an object');
    this.refuseUnknown(input);
    if (!POSTMORTEM_KINDS.includes(input.kind as PostmortemKind)) throw invalid(`kind must be one of ${POSTMORTEM_KINDS.join(', ')} (a failure to learn from, or a success to repeat), got ${JSON.stringify(input.kind)}`);
    if (input.title === undefined || (typeof input.title === 'string' && input.title.trim() === '')) throw invalid('title is required');
    const now = this.deps.clock.now();
    const fields = await this.fields(input);
    const team = fields.team ?? null;
    this.requireChange(ctx, team, `write a postmortem for team '${team}'`);
    const row: Omit<PostmortemRow, 'id'> = {
      kind: input.kind as PostmortemKind,
      title: fields.title!,
      status: fields.status ?? 'draft',
      team,
      occurred_at: fields.occurredAt ?? null,
      body: JSON.stringify({ sections: fields.sections ?? {}, actionItems: fields.actionItems ?? [] }),
      created_by: ctx.actor,
      created_at: now,
      updated_at: now,
    };
    return this.deps.repo.transaction(async (repo, trx) => {
      const id = await repo.insert(row);
      await repo.setLinks(id, fields.links ?? []);
      const pm = await this.load(repo, id);
      await this.deps.audit.record({ actor: ctx.actor, source: ctx.source, action: 'postmortem.created', resourceType: 'postmortem', resourceId: String(id), team, after: pm }, trx);
      return pm;
    });
  }

  /** Changes the given fields; `sections` merge one by one, `links` and `actionItems` are replaced whole. */
  async update(ctx: ChangeContext, id: number, patch: unknown): Promise<Postmortem> {
    if (!isObject(patch)) throw invalid('body must be an object');
    this.refuseUnknown(patch);
    if (patch.kind !== undefined && !POSTMORTEM_KINDS.includes(patch.kind as PostmortemKind)) throw invalid(`kind must be one of ${POSTMORTEM_KINDS.join(', ')}, got ${JSON.stringify(patch.kind)}`);
    const before = await this.get(id);
    const fields = await this.fields(patch);
    this.requireChange(ctx, before.team, `change postmortem ${id}`, before.createdBy);
    if (fields.team !== undefined && fields.team !== before.team) this.requireChange(ctx, fields.team, `give postmortem ${id} to team '${fields.team}'`);
    return this.deps.repo.transaction(async (repo, trx) => {
      const set: Partial<Omit<PostmortemRow, 'id'>> = { updated_at: this.deps.clock.now() };
      if (patch.kind !== undefined) set.kind = patch.kind as PostmortemKind;
      if (fields.title !== undefined) set.title = fields.title;
      if (fields.status !== undefined) set.status = fields.status;
      if (fields.team !== undefined) set.team = fields.team;
      if (fields.occurredAt !== undefined) set.occurred_at = fields.occurredAt;
      if (fields.sections !== undefined || fields.actionItems !== undefined) {
        set.body = JSON.stringify({ sections: { ...before.sections, ...(fields.sections ?? {}) }, actionItems: fields.actionItems ?? before.actionItems });
      }
      await repo.update(id, set);
      if (fields.links !== undefined) await repo.setLinks(id, fields.links);
      const after = await this.load(repo, id);
      await this.deps.audit.record({ actor: ctx.actor, source: ctx.source, action: 'postmortem.updated', resourceType: 'postmortem', resourceId: String(id), team: after.team, before, after }, trx);
      return after;
    });
  }

  async get(id: number): Promise<Postmortem> {
    return this.load(this.deps.repo, id);
  }

  /** Newest first, filtered by kind, team, status or one linked thing (`project=churn`, `deployment=…`, `alert=…`, `incident=…`). */
  async list(q: {
    kind?: string | undefined;
    team?: string | undefined;
    status?: string | undefined;
    project?: string | undefined;
    deployment?: string | undefined;
    alert?: string | undefined;
    incident?: string | undefined;
    maxResults?: number | undefined;
    pageToken?: string | undefined;
  }): Promise<{ items: Postmortem[]; nextPageToken?: string }> {
    const limit = q.maxResults ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('maxResults must be an integer from 1 to 500');
    if (q.kind !== undefined && !POSTMORTEM_KINDS.includes(q.kind as PostmortemKind)) throw invalid(`kind must be one of ${POSTMORTEM_KINDS.join(', ')}`);
    const linkBy = (['project', 'deployment', 'alert', 'incident'] as const).filter((k) => q[k] !== undefined);
    if (linkBy.length > 1) throw invalid(`filter by one linked thing at a time, not ${linkBy.join(' and ')}`);
    const link = linkBy.length ? { kind: linkBy[0]!, ref: q[linkBy[0]!]! } : undefined;
    const offset = decodePageToken(q.pageToken, 'pageToken');
    const rows = await this.deps.repo.list({ kind: q.kind, team: q.team, status: q.status, link }, offset, limit + 1);
    const page = rows.slice(0, limit);
    const links = await this.deps.repo.links(page.map((r) => r.id));
    return { items: page.map((r) => toPostmortem(r, links.filter((l) => l.postmortem_id === r.id))), ...(rows.length > limit ? { nextPageToken: encodePageToken(offset + limit) } : {}) };
  }

  private async load(repo: PostmortemsRepository, id: number): Promise<Postmortem> {
    const row = await repo.get(id);
    if (!row) throw new DomainError('NOT_FOUND', `Postmortem ${id} not found.`);
    return toPostmortem(row, await repo.links([id]));
  }

  private refuseUnknown(o: Record<string, unknown>): void {
    for (const k of Object.keys(o)) if (!FIELDS.includes(k)) throw invalid(`body.${k} is not a known field (${FIELDS.join(', ')})`);
  }

  /** Validates the fields present; links are checked against their domains. */
  private async fields(o: Record<string, unknown>) {
    const out: {
      title?: string;
      status?: 'draft' | 'published';
      team?: string | null;
      occurredAt?: number | null;
      sections?: Partial<Record<Section, string>>;
      actionItems?: ActionItem[];
      links?: { kind: LinkKind; ref: string }[];
    } = {};
    if (o.title !== undefined) {
      out.title = text('title', o.title, 300).trim();
      if (!out.title) throw invalid('title must not be empty');
    }
    if (o.status !== undefined) {
      if (!POSTMORTEM_STATUSES.includes(o.status as 'draft')) throw invalid(`status must be draft or published, got ${JSON.stringify(o.status)}`);
      out.status = o.status as 'draft' | 'published';
    }
    if (o.team !== undefined) {
      if (o.team !== null && (typeof o.team !== 'string' || !(await this.deps.targets.team(o.team)))) throw invalid(`team ${JSON.stringify(o.team)} is not a team`);
      out.team = o.team;
    }
    if (o.occurredAt !== undefined) {
      if (o.occurredAt === null) out.occurredAt = null;
      else {
        const t = typeof o.occurredAt === 'number' ? o.occurredAt : typeof o.occurredAt === 'string' ? Date.parse(o.occurredAt) : NaN;
        if (!Number.isSafeInteger(t) || t < 0) throw invalid(`occurredAt must be ms since epoch or an ISO date, got ${JSON.stringify(o.occurredAt)}`);
        out.occurredAt = t;
      }
    }
    for (const s of SECTIONS) if (o[s] !== undefined) (out.sections ??= {})[s] = text(s, o[s]);
    if (o.actionItems !== undefined) {
      if (!Array.isArray(o.actionItems) || o.actionItems.length > 100) throw invalid('actionItems must be a list of at most 100 {text, owner?, done?}');
      out.actionItems = o.actionItems.map((a: unknown, i) => {
        const at = `actionItems[${i}]`;
        if (typeof a === 'string') a = { text: a };
        if (!isObject(a)) throw invalid(`${at} must be {text, owner?, done?}`);
        for (const k of Object.keys(a)) if (!['text', 'owner', 'done'].includes(k)) throw invalid(`${at}.${k} is not a known field (text, owner, done)`);
        const t = text(`${at}.text`, a.text, 2000).trim();
        if (!t) throw invalid(`${at}.text is required`);
        if (a.owner !== undefined && a.owner !== null && typeof a.owner !== 'string') throw invalid(`${at}.owner must be a username or team`);
        if (a.done !== undefined && typeof a.done !== 'boolean') throw invalid(`${at}.done must be true or false`);
        return { text: t, owner: (a.owner as string | null | undefined) ?? null, done: a.done === true };
      });
    }
    if (o.links !== undefined) out.links = await this.links(o.links);
    return out;
  }

  private async links(v: unknown): Promise<{ kind: LinkKind; ref: string }[]> {
    if (!isObject(v)) throw invalid(`links must be an object with ${Object.keys(LINK_FIELDS).join(', ')}`);
    const out: { kind: LinkKind; ref: string }[] = [];
    for (const [field, refs] of Object.entries(v)) {
      const kind = LINK_FIELDS[field as LinkField];
      if (!kind) throw invalid(`links.${field} is not a known link (${Object.keys(LINK_FIELDS).join(', ')})`);
      if (!Array.isArray(refs)) throw invalid(`links.${field} must be a list`);
      for (const [i, raw] of refs.entries()) {
        const at = `links.${field}[${i}]`;
        const ref = typeof raw === 'number' && kind === 'alert_event' ? String(raw) : raw;
        if (typeof ref !== 'string' || ref === '' || ref.length > 500) throw invalid(`${at} must be a name or id`);
        const t = this.deps.targets;
        const exists =
          kind === 'project' ? await t.project(ref)
          : kind === 'deployment' ? await t.deployment(ref)
          : kind === 'alert' ? await t.alertRule(ref)
          : kind === 'alert_event' ? /^[1-9]\d{0,15}$/.test(ref)
          : true;
        if (!exists) throw invalid(`${at}: ${kind.replace('_', ' ')} '${ref}' does not exist`);
        if (!out.some((l) => l.kind === kind && l.ref === ref)) out.push({ kind, ref });
      }
    }
    if (out.length > MAX_LINKS) throw invalid(`links has ${out.length} entries, more than ${MAX_LINKS}`);
    return out;
  }

  /**
   * Anonymous callers as the auth plugin allows; a logged-in caller writes a team's postmortem as
   * a platform admin or a non-viewer member of the team; the author may always edit their own.
   */
  private requireChange(ctx: ChangeContext, team: string | null, what: string, author?: string): void {
    const p = ctx.principal;
    if (!p || p.isAdmin || team === null || author === p.username) return;
    if (p.teams.some((t) => t.team === team && CHANGERS.has(t.role))) return;
    throw new DomainError('NOT_ALLOWED', `Only admins, maintainers and members of team '${team}' may ${what}.`);
  }
}

function toPostmortem(r: PostmortemRow, links: PostmortemLinkRow[]): Postmortem {
  const body = JSON.parse(r.body) as { sections: Postmortem['sections']; actionItems: ActionItem[] };
  const byKind = (k: LinkKind) => links.filter((l) => l.kind === k).map((l) => l.ref);
  return {
    id: Number(r.id),
    kind: r.kind,
    title: r.title,
    status: r.status,
    team: r.team,
    occurredAt: r.occurred_at === null ? null : Number(r.occurred_at),
    sections: body.sections,
    actionItems: body.actionItems,
    links: { projects: byKind('project'), deployments: byKind('deployment'), alerts: byKind('alert'), alertEvents: byKind('alert_event'), incidents: byKind('incident') },
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
