import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { isUniqueViolation } from '../../store/index.js';
import { requireUser } from './org.access.js';
import type { OrgRepository } from './org.repository.js';
import type { TeamRow } from './org.tables.js';
import type { Principal, Team, TeamNode, TeamRole, TeamWithMembers } from './org.types.js';
import { ORG_LIMITS as L, validateRole, validateTeamName, validateText, validateUsername } from './org.validation.js';

export interface TeamsDeps {
  repo: OrgRepository;
  clock: Clock;
}

/**
 * Teams, the team tree and memberships. A team is managed (members, description, parent, sub-teams)
 * by a platform admin or an admin of the team or of any team above it.
 */
export class TeamsService {
  private readonly repo: OrgRepository;
  private readonly clock: Clock;

  constructor(deps: TeamsDeps) {
    this.repo = deps.repo;
    this.clock = deps.clock;
  }

  /** Creates a team: a platform admin anywhere; a team admin under a team they manage. */
  async createTeam(actor: Principal | null, input: { name: string; parent?: string | null | undefined; description?: string | undefined }): Promise<TeamWithMembers> {
    const me = requireUser(actor, 'create a team');
    const name = validateTeamName(input.name);
    const description = input.description === undefined ? '' : validateText(input.description, 'description', L.descriptionMax);
    const now = this.clock.now();
    try {
      await this.repo.transaction(async (repo) => {
        let parentId: number | null = null;
        if (input.parent !== undefined && input.parent !== null) {
          const parent = await this.teamRow(repo, validateTeamName(input.parent, 'parent'), 'parent');
          await this.requireManage(repo, me, parent, `create a team under '${parent.name}'`);
          parentId = parent.id;
        } else if (!me.isAdmin) {
          throw new DomainError('NOT_ALLOWED', `Only a platform admin may create a top-level team; '${me.username}' can create teams under a team they administer (parent).`);
        }
        await repo.insertTeam({ name, parent_id: parentId, description, created_at: now, updated_at: now });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('ALREADY_EXISTS', `Team '${name}' already exists.`);
      throw e;
    }
    return this.getTeam(name);
  }

  /** Every team as a tree: roots sorted by name, each with its children. */
  async tree(): Promise<TeamNode[]> {
    const rows = await this.repo.listTeams();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const nodes = new Map<number, TeamNode>(rows.map((r) => [r.id, { ...toTeam(r, byId), children: [] }]));
    const roots: TeamNode[] = [];
    for (const r of rows) {
      const node = nodes.get(r.id)!;
      const parent = r.parent_id === null ? undefined : nodes.get(r.parent_id);
      (parent ? parent.children : roots).push(node);
    }
    return roots;
  }

  async getTeam(name: string): Promise<TeamWithMembers> {
    const rows = await this.repo.listTeams();
    const row = rows.find((r) => r.name === validateTeamName(name));
    if (!row) throw new DomainError('NOT_FOUND', `Team '${name}' not found.`);
    const members = await this.repo.membershipsOfTeam(row.id);
    return {
      ...toTeam(row, new Map(rows.map((r) => [r.id, r]))),
      members: members.map((m) => ({ username: m.username, displayName: m.display_name, role: m.role as TeamRole })),
      children: rows.filter((r) => r.parent_id === row.id).map((r) => r.name),
    };
  }

  /**
   * Changes a team's description or parent. Moving a team needs the right to manage it and its new
   * parent; a parent that is the team itself or one of its descendants is refused (no cycles).
   */
  async updateTeam(actor: Principal | null, name: string, patch: { parent?: string | null | undefined; description?: string | undefined }): Promise<TeamWithMembers> {
    const me = requireUser(actor, 'change a team');
    const description = patch.description === undefined ? undefined : validateText(patch.description, 'description', L.descriptionMax);
    await this.repo.transaction(async (repo) => {
      // PostgreSQL: two concurrent moves (A under B, B under A) must not both pass the cycle check.
      await repo.lockTeams();
      const team = await this.teamRow(repo, validateTeamName(name), 'name');
      await this.requireManage(repo, me, team, `change team '${team.name}'`);
      const set: { parent_id?: number | null; description?: string; updated_at: number } = { updated_at: this.clock.now() };
      if (description !== undefined) set.description = description;
      if (patch.parent === null) {
        if (!me.isAdmin && team.parent_id !== null) throw new DomainError('NOT_ALLOWED', `Only a platform admin may make '${team.name}' a top-level team.`);
        set.parent_id = null;
      } else if (patch.parent !== undefined) {
        const parent = await this.teamRow(repo, validateTeamName(patch.parent, 'parent'), 'parent');
        const rows = await repo.listTeams();
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (let at: TeamRow | undefined = parent; at; at = at.parent_id === null ? undefined : byId.get(at.parent_id)) {
          if (at.id === team.id) {
            throw new DomainError('INVALID_INPUT', parent.id === team.id
              ? `Invalid parent '${parent.name}': a team cannot be its own parent.`
              : `Invalid parent '${parent.name}': it is inside '${team.name}', so the tree would loop.`);
          }
        }
        await this.requireManage(repo, me, parent, `move a team under '${parent.name}'`);
        set.parent_id = parent.id;
      }
      await repo.updateTeam(team.id, set);
    });
    return this.getTeam(name);
  }

  /** Adds a member or changes their role. */
  async setMember(actor: Principal | null, teamName: string, username: string, role: unknown): Promise<TeamWithMembers> {
    const me = requireUser(actor, 'change team members');
    const r = validateRole(role);
    await this.repo.transaction(async (repo) => {
      const team = await this.teamRow(repo, validateTeamName(teamName, 'team'), 'team');
      await this.requireManage(repo, me, team, `change the members of '${team.name}'`);
      const user = await repo.getUserByName(validateUsername(username));
      if (!user) throw new DomainError('NOT_FOUND', `User '${username}' not found.`);
      await repo.upsertMembership({ team_id: team.id, user_id: user.id, role: r, created_at: this.clock.now() });
    });
    return this.getTeam(teamName);
  }

  async removeMember(actor: Principal | null, teamName: string, username: string): Promise<TeamWithMembers> {
    const me = requireUser(actor, 'change team members');
    await this.repo.transaction(async (repo) => {
      const team = await this.teamRow(repo, validateTeamName(teamName, 'team'), 'team');
      await this.requireManage(repo, me, team, `change the members of '${team.name}'`);
      const user = await repo.getUserByName(validateUsername(username));
      if (!user || !(await repo.deleteMembership(team.id, user.id))) throw new DomainError('NOT_FOUND', `'${username}' is not a member of team '${team.name}'.`);
    });
    return this.getTeam(teamName);
  }

  /**
   * True when `actor` may manage `teamName`: a platform admin, or an admin of it or of a team
   * above it. Other domains call this for team-level admin actions.
   */
  async canManage(actor: Principal | null, teamName: string): Promise<boolean> {
    if (!actor) return false;
    const team = await this.repo.getTeamByName(teamName);
    return team !== undefined && (await this.manages(this.repo, actor, team));
  }

  private async manages(repo: OrgRepository, me: Principal, team: TeamRow): Promise<boolean> {
    if (me.isAdmin) return true;
    const adminOf = new Set(me.teams.filter((t) => t.role === 'admin').map((t) => t.teamId));
    if (adminOf.size === 0) return false;
    const byId = new Map((await repo.listTeams()).map((r) => [r.id, r]));
    const seen = new Set<number>();
    for (let at: TeamRow | undefined = team; at && !seen.has(at.id); at = at.parent_id === null ? undefined : byId.get(at.parent_id)) {
      if (adminOf.has(at.id)) return true;
      seen.add(at.id);
    }
    return false;
  }

  private async requireManage(repo: OrgRepository, me: Principal, team: TeamRow, action: string): Promise<void> {
    if (!(await this.manages(repo, me, team))) {
      throw new DomainError('NOT_ALLOWED', `'${me.username}' may not ${action}: that needs the admin role in '${team.name}' (or a team above it) or platform admin.`);
    }
  }

  private async teamRow(repo: OrgRepository, name: string, field: string): Promise<TeamRow> {
    const row = await repo.getTeamByName(name);
    if (!row) throw new DomainError('NOT_FOUND', `Invalid ${field}: team '${name}' not found.`);
    return row;
  }
}

function toTeam(r: TeamRow, byId: Map<number, TeamRow>): Team {
  return { name: r.name, parent: r.parent_id === null ? null : (byId.get(r.parent_id)?.name ?? null), description: r.description, createdAt: r.created_at, updatedAt: r.updated_at };
}
