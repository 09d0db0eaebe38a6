import type { Kysely } from 'kysely';
import type { DialectName } from '../../store/index.js';
import type { ApiTokenRow, MembershipRow, OrgTables, SessionRow, TeamRow, UserRow } from './org.tables.js';

type DB = Kysely<OrgTables>;

/** A membership with the names of its team and user. */
export type MembershipView = MembershipRow & { team: string; username: string; display_name: string };

/** All SQL of the org domain; nothing in it differs between the dialects. */
export class OrgRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  /** Runs `fn` with a repository bound to one transaction. */
  transaction<R>(fn: (repo: OrgRepository) => Promise<R>): Promise<R> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new OrgRepository(trx, this.dialect)));
  }

  // users

  async insertUser(row: Omit<UserRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  getUserByName(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  getUserById(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listUsers(offset: number, limit: number): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').limit(limit).offset(offset).execute();
  }

  async countUsers(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async updateUser(id: number, set: Partial<Omit<UserRow, 'id' | 'username' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('users').set(set).where('id', '=', id).execute();
  }

  async skillsOf(userIds: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (userIds.length === 0) return out;
    const rows = await this.db.selectFrom('user_skills').selectAll().where('user_id', 'in', userIds).orderBy('skill').execute();
    for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), r.skill]);
    return out;
  }

  async setSkills(userId: number, skills: readonly string[]): Promise<void> {
    await this.db.deleteFrom('user_skills').where('user_id', '=', userId).execute();
    if (skills.length) await this.db.insertInto('user_skills').values(skills.map((skill) => ({ user_id: userId, skill }))).execute();
  }

  // sessions

  async insertSession(row: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  getSession(tokenHash: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Removes every session of a user except `keep` (after a password change). */
  async deleteSessionsOf(userId: number, keep?: string): Promise<void> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keep) q = q.where('token_hash', '!=', keep);
    await q.execute();
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // API tokens

  async insertToken(row: Omit<ApiTokenRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('api_tokens').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  getTokenByPrefix(prefix: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('prefix', '=', prefix).executeTakeFirst();
  }

  getToken(id: number): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listTokens(userId: number): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  }

  async revokeToken(id: number, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async touchToken(id: number, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  // teams

  async insertTeam(row: Omit<TeamRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('teams').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  getTeamByName(name: string): Promise<TeamRow | undefined> {
    return this.db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Every team: organizations have tens to hundreds, and the tree needs them all. */
  listTeams(): Promise<TeamRow[]> {
    return this.db.selectFrom('teams').selectAll().orderBy('name').execute();
  }

  /** PostgreSQL: locks every team row until the transaction ends (SQLite serialises writers already). */
  async lockTeams(): Promise<void> {
    if (this.dialect === 'postgres') await this.db.selectFrom('teams').select('id').forUpdate().execute();
  }

  async updateTeam(id: number, set: Partial<Pick<TeamRow, 'parent_id' | 'description' | 'updated_at'>>): Promise<void> {
    await this.db.updateTable('teams').set(set).where('id', '=', id).execute();
  }

  // memberships

  private memberships() {
    return this.db
      .selectFrom('memberships')
      .innerJoin('teams', 'teams.id', 'memberships.team_id')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .selectAll('memberships')
      .select(['teams.name as team', 'users.username', 'users.display_name']);
  }

  membershipsOfUser(userId: number): Promise<MembershipView[]> {
    return this.memberships().where('memberships.user_id', '=', userId).orderBy('teams.name').execute();
  }

  membershipsOfTeam(teamId: number): Promise<MembershipView[]> {
    return this.memberships().where('memberships.team_id', '=', teamId).orderBy('users.username').execute();
  }

  getMembership(teamId: number, userId: number): Promise<MembershipRow | undefined> {
    return this.db.selectFrom('memberships').selectAll().where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
  }

  async upsertMembership(row: MembershipRow): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values(row)
      .onConflict((oc) => oc.columns(['team_id', 'user_id']).doUpdateSet({ role: row.role }))
      .execute();
  }

  async deleteMembership(teamId: number, userId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('memberships').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async countRole(teamId: number, role: string): Promise<number> {
    const r = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('team_id', '=', teamId)
      .where('role', '=', role)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
