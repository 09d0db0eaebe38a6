import { DomainError } from '@flywheel/contract';
import { sql, type Kysely } from 'kysely';
import type { Principal, TeamRole } from './org.types.js';

/**
 * Who may read and change team-owned work (experiments and their runs, registered models and
 * their versions, datasets). The rule is in ACCESS.md; the functions here are pure except
 * {@link Access}, which memoizes the team tree for one request, and {@link loadTeamTree}.
 */

/** What callers without credentials may do (mirrors `AnonymousAccess` of http/auth.ts). */
export type AnonymousMode = 'off' | 'read' | 'full';
export const VISIBILITIES = ['private', 'internal'] as const;
export type Visibility = (typeof VISIBILITIES)[number];
/** What an action needs: reading, changing (runs, logging, tags, aliases…), or deleting the owned thing itself. */
export type Need = 'read' | 'write' | 'delete';
/** `allow`; `hide` (answer 404: the caller must not learn it exists); `deny` (403: visible, not changeable). */
export type Decision = 'allow' | 'hide' | 'deny';

/** The owner and visibility of a resource. `ownerTeam` null: legacy or anonymously created, owned by nobody. */
export interface Owned {
  ownerTeam: number | null;
  visibility: Visibility;
}

export interface TeamLink {
  id: number;
  name: string;
  parentId: number | null;
}

/** The tag (MLflow) carrying the owner team on create: a team name or id. */
export const OWNER_TEAM_TAG = 'flywheel.owner_team';
/** The tag (MLflow) carrying the visibility on create: `private` or `internal`. */
export const VISIBILITY_TAG = 'flywheel.visibility';

const WRITE_ROLES: ReadonlySet<TeamRole> = new Set(['admin', 'maintainer', 'member']);
const DELETE_ROLES: ReadonlySet<TeamRole> = new Set(['admin', 'maintainer']);

/** Every team below `roots` in the tree (not the roots themselves). */
export function descendantsOf(roots: Iterable<number>, tree: readonly TeamLink[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const t of tree) {
    if (t.parentId === null) continue;
    const list = children.get(t.parentId);
    if (list) list.push(t.id);
    else children.set(t.parentId, [t.id]);
  }
  const out = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (!out.has(c)) {
        out.add(c);
        stack.push(c);
      }
    }
  }
  return out;
}

/** The teams whose private work `p` reads: its own teams and every team below them. */
export function readableTeams(p: Principal, tree: readonly TeamLink[]): Set<number> {
  const own = p.teams.map((t) => t.teamId);
  const out = descendantsOf(own, tree);
  for (const id of own) out.add(id);
  return out;
}

/** The caller's direct role in `team`, if any. */
export function roleIn(p: Principal, team: number): TeamRole | undefined {
  return p.teams.find((t) => t.teamId === team)?.role;
}

/**
 * The decision for `need` on `res`. `readable` is {@link readableTeams} of the principal; it is
 * only consulted for private work of a team the caller is not a direct member of (pass
 * undefined to get `undefined` back in that one case, so callers load the tree only then).
 */
export function decide(principal: Principal | null, anonymous: AnonymousMode, res: Owned, need: Need, readable?: ReadonlySet<number>): Decision | undefined {
  if (!principal) {
    if (anonymous === 'full') return 'allow';
    if (anonymous === 'read' && res.visibility === 'internal') return need === 'read' ? 'allow' : 'deny';
    return 'hide';
  }
  if (principal.isAdmin) return 'allow';
  // Unowned work (legacy rows, the Default experiment, anonymous creations) is shared as before.
  if (res.ownerTeam === null) return res.visibility === 'internal' ? 'allow' : 'hide';
  const role = roleIn(principal, res.ownerTeam);
  if (role === undefined && res.visibility === 'private') {
    if (readable === undefined) return undefined;
    if (!readable.has(res.ownerTeam)) return 'hide';
  }
  if (need === 'read') return 'allow';
  if (role === undefined) return 'deny';
  return (need === 'delete' ? DELETE_ROLES : WRITE_ROLES).has(role) ? 'allow' : 'deny';
}

/** What a caller may read, as a filter: everything, or internal work plus private work of `teams`. */
export type ReadScope = { all: true } | { all: false; internal: boolean; teams: number[] };

export function readScope(principal: Principal | null, anonymous: AnonymousMode, readable?: ReadonlySet<number>): ReadScope {
  if (!principal) return anonymous === 'full' ? { all: true } : { all: false, internal: anonymous === 'read', teams: [] };
  if (principal.isAdmin) return { all: true };
  return { all: false, internal: true, teams: [...(readable ?? principal.teams.map((t) => t.teamId))] };
}

/**
 * The owner and visibility of something `principal` creates. `team` (a team name or id) is what
 * the caller asked for under `field`; without it, the creator's only team where they may write;
 * several such teams and no choice is refused (400 naming `field`); none gives unowned internal.
 */
export function ownerForCreate(
  principal: Principal | null,
  tree: readonly TeamLink[],
  requested: { team?: string | number | null | undefined; visibility?: string | null | undefined },
  fields: { team: string; visibility: string },
): Owned {
  let visibility: Visibility | undefined;
  if (requested.visibility !== undefined && requested.visibility !== null && requested.visibility !== '') {
    if (!(VISIBILITIES as readonly string[]).includes(requested.visibility)) {
      throw new DomainError('INVALID_INPUT', `Invalid value '${requested.visibility}' for ${fields.visibility}: expected one of ${VISIBILITIES.join(', ')}.`);
    }
    visibility = requested.visibility as Visibility;
  }
  let ownerTeam: number | null = null;
  const asked = requested.team;
  if (asked !== undefined && asked !== null && asked !== '') {
    const team = tree.find((t) => t.name === String(asked) || String(t.id) === String(asked));
    if (!team) throw new DomainError('INVALID_INPUT', `Invalid value for ${fields.team}: no team '${String(asked)}'.`);
    if (principal && !principal.isAdmin) {
      const role = roleIn(principal, team.id);
      if (!role || !WRITE_ROLES.has(role)) {
        throw new DomainError('NOT_ALLOWED', `'${principal.username}' cannot create work owned by team '${team.name}': it needs the role member, maintainer or admin in that team.`);
      }
    }
    ownerTeam = team.id;
  } else if (principal) {
    const writable = principal.teams.filter((t) => WRITE_ROLES.has(t.role));
    if (writable.length === 1) ownerTeam = writable[0]!.teamId;
    else if (writable.length > 1) {
      throw new DomainError(
        'INVALID_INPUT',
        `Missing ${fields.team}: '${principal.username}' belongs to several teams (${writable.map((t) => t.team).join(', ')}); say which team owns it.`,
      );
    }
  }
  visibility ??= ownerTeam === null ? 'internal' : 'private';
  if (visibility === 'private' && ownerTeam === null) {
    throw new DomainError('INVALID_INPUT', `Invalid value 'private' for ${fields.visibility}: private work needs an owner team (${fields.team}).`);
  }
  return { ownerTeam, visibility };
}

/** The team tree, as the access rule needs it (one small indexed read). */
export async function loadTeamTree(db: Kysely<unknown>): Promise<TeamLink[]> {
  const r = await sql<{ id: number | string; name: string; parent_id: number | string | null }>`SELECT id, name, parent_id FROM teams`.execute(db);
  return r.rows.map((t) => ({ id: Number(t.id), name: t.name, parentId: t.parent_id === null ? null : Number(t.parent_id) }));
}

/**
 * One request's caller and what it may touch. The team tree is read at most once per request,
 * and only when a decision needs it (private work of a team the caller is not directly in,
 * searches, creates).
 */
export class Access {
  private tree: Promise<TeamLink[]> | undefined;
  private readable: Promise<Set<number>> | undefined;

  constructor(
    readonly principal: Principal | null,
    readonly anonymous: AnonymousMode,
    private readonly loadTree: () => Promise<TeamLink[]>,
  ) {}

  /** True when nothing is filtered: the checks can be skipped (admins, anonymous 'full'). */
  get unrestricted(): boolean {
    return this.principal ? this.principal.isAdmin : this.anonymous === 'full';
  }

  teams(): Promise<TeamLink[]> {
    this.tree ??= this.loadTree();
    return this.tree;
  }

  private readableTeams(): Promise<Set<number>> {
    this.readable ??= this.teams().then((tree) => readableTeams(this.principal!, tree));
    return this.readable;
  }

  async decide(res: Owned, need: Need): Promise<Decision> {
    const d = decide(this.principal, this.anonymous, res, need);
    if (d !== undefined) return d;
    return decide(this.principal, this.anonymous, res, need, await this.readableTeams())!;
  }

  /**
   * Throws `notFound()` when the caller may not see `res`, NOT_ALLOWED when it may see but not
   * do `need`. `what` names the thing in the 403 message.
   */
  async require(res: Owned | undefined, need: Need, what: string, notFound: () => Error): Promise<void> {
    if (!res) throw notFound();
    const d = await this.decide(res, need);
    if (d === 'hide') throw notFound();
    if (d === 'deny') {
      const who = this.principal ? `'${this.principal.username}'` : 'An anonymous caller';
      const how = need === 'delete' ? 'the role maintainer or admin' : 'the role member, maintainer or admin';
      throw new DomainError('NOT_ALLOWED', `Permission denied: ${who} may read ${what} but not ${need === 'delete' ? 'delete' : 'change'} it; that needs ${how} in its owner team.`);
    }
  }

  async scope(): Promise<ReadScope> {
    if (this.unrestricted || !this.principal) return readScope(this.principal, this.anonymous);
    return readScope(this.principal, this.anonymous, await this.readableTeams());
  }

  async ownerForCreate(requested: { team?: string | number | null | undefined; visibility?: string | null | undefined }, fields: { team: string; visibility: string }): Promise<Owned> {
    const needTree = requested.team !== undefined && requested.team !== null && requested.team !== '';
    return ownerForCreate(this.principal, needTree ? await this.teams() : [], requested, fields);
  }
}

/** Access of internal callers (lineage, serving, tests): everything, as before ownership existed. */
export const SYSTEM_ACCESS = new Access(null, 'full', async () => []);

const perRequest = new WeakMap<object, Access>();

/** The {@link Access} of one request (made once, shared by every route and service it reaches). */
export function accessOf(req: object & { principal?: Principal | null }, anonymous: AnonymousMode, loadTree: () => Promise<TeamLink[]>): Access {
  let a = perRequest.get(req);
  if (!a) {
    a = new Access(req.principal ?? null, anonymous, loadTree);
    perRequest.set(req, a);
  }
  return a;
}
