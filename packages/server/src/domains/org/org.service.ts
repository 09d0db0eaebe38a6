import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import { isUniqueViolation } from '../../store/index.js';
import { requireAdmin, requireUser } from './org.access.js';
import type { OrgRepository } from './org.repository.js';
import type { ApiTokenRow, UserRow } from './org.tables.js';
import type { ApiTokenInfo, Principal, Skill, TeamRole, User, UserWithTeams } from './org.types.js';
import { ORG_LIMITS as L, validateEmail, validatePassword, validateSkills, validateText, validateUsername } from './org.validation.js';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
import { DEFAULT_SCRYPT, dummyHash, hashPassword, needsRehash, verifyPassword, type ScryptParams } from './passwords.js';
import { apiTokenPrefix, digestEquals, newApiToken, newSessionToken, sha256Hex } from './secrets.js';

export interface OrgDeps {
  repo: OrgRepository;
  clock: Clock;
  /** Cost of new password hashes; {@link DEFAULT_SCRYPT} by default. */
  scrypt?: ScryptParams;
  /** How long a web session lasts, in ms; {@link SESSION_TTL_MS} by default. */
  sessionTtlMs?: number;
  /** Limits on password guessing; 10 failures per username and address per 15 min by default. */
  throttle?: LoginThrottleOptions;
}

/** A web session lasts 12 hours (a working day), then the user logs in again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** last_used_at of a token is written at most once a minute: an MLflow loop must not write per call. */
const TOKEN_TOUCH_MS = 60_000;
const MAX_TOKEN_DAYS = 3650;

export interface CreateUserInput {
  username: string;
  password: string;
  displayName?: string | undefined;
  email?: string | null | undefined;
  isAdmin?: boolean | undefined;
  skills?: string[] | undefined;
}

export interface UpdateUserInput {
  displayName?: string | undefined;
  email?: string | null | undefined;
  skills?: string[] | undefined;
  /** Platform admins only. */
  isAdmin?: boolean | undefined;
  /** Platform admins only. */
  disabled?: boolean | undefined;
}

const WRONG_CREDENTIALS = 'Wrong username or password.';

/** People and their credentials: users, skills, password login, web sessions and API tokens. */
export class OrgService {
  private readonly repo: OrgRepository;
  private readonly clock: Clock;
  private readonly scrypt: ScryptParams;
  readonly sessionTtlMs: number;
  private readonly throttle: LoginThrottle;

  constructor(deps: OrgDeps) {
    this.throttle = new LoginThrottle(deps.clock, deps.throttle);
    this.repo = deps.repo;
    this.clock = deps.clock;
    this.scrypt = deps.scrypt ?? DEFAULT_SCRYPT;
    this.sessionTtlMs = deps.sessionTtlMs ?? SESSION_TTL_MS;
  }

  // users

  /** A platform admin creates a user. */
  async createUser(actor: Principal | null, input: CreateUserInput): Promise<User> {
    requireAdmin(actor, 'create users');
    return this.insertUser(input);
  }

  /**
   * Creates a user without an actor: for `flywheel admin create`, which has the store itself
   * (whoever can open the database owns the platform already).
   */
  bootstrapUser(input: CreateUserInput): Promise<User> {
    return this.insertUser(input);
  }

  private async insertUser(input: CreateUserInput): Promise<User> {
    const username = validateUsername(input.username);
    const password = validatePassword(input.password);
    const displayName = input.displayName === undefined ? username : validateText(input.displayName, 'displayName', L.displayNameMax);
    const email = validateEmail(input.email);
    const skills = input.skills === undefined ? [] : validateSkills(input.skills);
    const hash = await hashPassword(password, this.scrypt);
    const now = this.clock.now();
    try {
      await this.repo.transaction(async (repo) => {
        const id = await repo.insertUser({ username, display_name: displayName, email, password_hash: hash, is_admin: input.isAdmin ? 1 : 0, disabled_at: null, created_at: now, updated_at: now });
        await repo.setSkills(id, skills);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('ALREADY_EXISTS', `User '${username}' already exists.`);
      throw e;
    }
    return this.getUser(username);
  }

  async getUser(username: string): Promise<UserWithTeams> {
    const row = await this.userRow(username);
    const [skills, teams] = await Promise.all([this.repo.skillsOf([row.id]), this.repo.membershipsOfUser(row.id)]);
    return { ...toUser(row, skills.get(row.id) ?? []), teams: teams.map((m) => ({ team: m.team, role: m.role as TeamRole })) };
  }

  async listUsers(q: { maxResults?: number | undefined; pageToken?: string | undefined }): Promise<{ items: User[]; nextPageToken?: string }> {
    const limit = q.maxResults ?? 100;
    const offset = decodePageToken(q.pageToken, 'pageToken');
    const rows = await this.repo.listUsers(offset, limit + 1);
    const page = rows.slice(0, limit);
    const skills = await this.repo.skillsOf(page.map((r) => r.id));
    return { items: page.map((r) => toUser(r, skills.get(r.id) ?? [])), ...(rows.length > limit ? { nextPageToken: encodePageToken(offset + limit) } : {}) };
  }

  /** A user edits their own profile; a platform admin edits anyone's, and alone sets isAdmin and disabled. */
  async updateUser(actor: Principal | null, username: string, patch: UpdateUserInput): Promise<UserWithTeams> {
    const me = requireUser(actor, 'edit a user');
    const row = await this.userRow(username);
    if (row.id !== me.userId && !me.isAdmin) throw new DomainError('NOT_ALLOWED', `'${me.username}' may edit only their own profile, not '${username}'.`);
    if ((patch.isAdmin !== undefined || patch.disabled !== undefined) && !me.isAdmin) {
      throw new DomainError('NOT_ALLOWED', `Only a platform admin may change ${patch.isAdmin !== undefined ? 'isAdmin' : 'disabled'}.`);
    }
    if (row.id === me.userId && (patch.isAdmin === false || patch.disabled === true)) {
      // The last admin locking themselves out would need the CLI to recover; another admin can do it.
      throw new DomainError('INVALID_STATE', `An admin cannot ${patch.disabled ? 'disable' : 'demote'} themselves; ask another platform admin.`);
    }
    const set: Parameters<OrgRepository['updateUser']>[1] = {};
    if (patch.displayName !== undefined) set.display_name = validateText(patch.displayName, 'displayName', L.displayNameMax);
    if (patch.email !== undefined) set.email = validateEmail(patch.email);
    if (patch.isAdmin !== undefined) set.is_admin = patch.isAdmin ? 1 : 0;
    if (patch.disabled !== undefined) set.disabled_at = patch.disabled ? (row.disabled_at ?? this.clock.now()) : null;
    const skills = patch.skills === undefined ? undefined : validateSkills(patch.skills);
    await this.repo.transaction(async (repo) => {
      await repo.updateUser(row.id, { ...set, updated_at: this.clock.now() });
      if (skills) await repo.setSkills(row.id, skills);
      // A disabled account loses its web sessions at once; its tokens are refused while disabled.
      if (patch.disabled) await repo.deleteSessionsOf(row.id);
    });
    return this.getUser(username);
  }

  /**
   * Changes a password. The user gives the current one; a platform admin resetting someone
   * else's does not. Every other web session of the user ends.
   */
  async changePassword(actor: Principal | null, username: string, input: { currentPassword?: string | undefined; newPassword: string }, keepSession?: string): Promise<void> {
    const me = requireUser(actor, 'change a password');
    const row = await this.userRow(username);
    const self = row.id === me.userId;
    if (!self && !me.isAdmin) throw new DomainError('NOT_ALLOWED', `'${me.username}' may change only their own password.`);
    const next = validatePassword(input.newPassword, 'newPassword');
    if (self) {
      if (typeof input.currentPassword !== 'string' || input.currentPassword === '') throw new DomainError('INVALID_INPUT', 'Invalid currentPassword: the current password is required to change your own.');
      // A stolen session must not become a way to guess the password: same limit as logins.
      this.throttle.check(row.username, 'password-change');
      if (!(await verifyPassword(input.currentPassword, row.password_hash))) {
        this.throttle.failed(row.username, 'password-change');
        throw new DomainError('NOT_ALLOWED', 'Invalid currentPassword: it does not match.');
      }
    }
    const hash = await hashPassword(next, this.scrypt);
    await this.repo.transaction(async (repo) => {
      await repo.updateUser(row.id, { password_hash: hash, updated_at: this.clock.now() });
      await repo.deleteSessionsOf(row.id, keepSession === undefined ? undefined : sha256Hex(keepSession));
    });
  }

  // authentication

  /**
   * Checks a username and password. Unknown user and wrong password take the same time and give
   * the same message, so the answer does not reveal which usernames exist. `source` (the client
   * address) scopes the guessing limit.
   */
  async checkPassword(username: string, password: string, source?: string): Promise<UserRow> {
    this.throttle.check(username, source);
    const row = typeof username === 'string' ? await this.repo.getUserByName(username) : undefined;
    const ok = await verifyPassword(typeof password === 'string' ? password : '', row?.password_hash ?? (await dummyHash(this.scrypt)));
    if (!row || !ok) {
      this.throttle.failed(username, source);
      throw new DomainError('UNAUTHENTICATED', WRONG_CREDENTIALS);
    }
    this.throttle.succeeded(username, source);
    if (row.disabled_at !== null) throw new DomainError('UNAUTHENTICATED', `The account '${row.username}' is disabled; ask a platform admin.`);
    if (needsRehash(row.password_hash, this.scrypt)) {
      // Raised parameters reach every user at their next login, without a reset.
      const password_hash = await hashPassword(password, this.scrypt);
      await this.repo.updateUser(row.id, { password_hash });
      return { ...row, password_hash };
    }
    return row;
  }

  /** Starts a web session; the token goes in the cookie and only its digest is stored. */
  async createSession(userId: number): Promise<{ token: string; expiresAt: number }> {
    const { token, hash } = newSessionToken();
    const now = this.clock.now();
    const expiresAt = now + this.sessionTtlMs;
    await this.repo.insertSession({ token_hash: hash, user_id: userId, created_at: now, expires_at: expiresAt });
    return { token, expiresAt };
  }

  /** The user of a live session, or undefined (unknown or expired; an expired one is deleted). */
  async resolveSession(token: string): Promise<number | undefined> {
    if (!token || token.length > 200) return undefined;
    const hash = sha256Hex(token);
    const s = await this.repo.getSession(hash);
    if (!s) return undefined;
    if (s.expires_at <= this.clock.now()) {
      await this.repo.deleteSession(hash);
      return undefined;
    }
    return s.user_id;
  }

  async endSession(token: string): Promise<void> {
    await this.repo.deleteSession(sha256Hex(token));
  }

  /** Deletes expired sessions (they are also dropped when presented); returns how many. */
  purgeExpiredSessions(): Promise<number> {
    return this.repo.deleteExpiredSessions(this.clock.now());
  }

  /**
   * The user an API token belongs to, or a reason it is refused. Lookup by the clear prefix, then
   * a constant-time comparison of the digests.
   */
  async resolveToken(token: string): Promise<{ userId: number } | { refused: string }> {
    const prefix = apiTokenPrefix(token);
    if (!prefix) return { refused: 'The bearer token is not a Flywheel API token (fw_…).' };
    const row = await this.repo.getTokenByPrefix(prefix);
    if (!row || !digestEquals(row.token_hash, sha256Hex(token))) return { refused: 'The API token is not valid.' };
    const now = this.clock.now();
    if (row.revoked_at !== null) return { refused: `The API token '${row.name}' (fw_${row.prefix}_…) was revoked.` };
    if (row.expires_at !== null && row.expires_at <= now) return { refused: `The API token '${row.name}' (fw_${row.prefix}_…) has expired; create a new one.` };
    if (row.last_used_at === null || now - row.last_used_at >= TOKEN_TOUCH_MS) await this.repo.touchToken(row.id, now);
    return { userId: row.user_id };
  }

  /**
   * Who a user is for access checks, or undefined when the user is gone or disabled. With
   * `passwordHash`, also undefined when the password changed since it was read (stale cache).
   */
  async principal(userId: number, opts: { passwordHash?: string } = {}): Promise<Principal | undefined> {
    const row = await this.repo.getUserById(userId);
    if (!row || row.disabled_at !== null) return undefined;
    if (opts.passwordHash !== undefined && opts.passwordHash !== row.password_hash) return undefined;
    const teams = await this.repo.membershipsOfUser(userId);
    return { userId, username: row.username, isAdmin: row.is_admin === 1, teams: teams.map((m) => ({ teamId: m.team_id, team: m.team, role: m.role as TeamRole })) };
  }

  // API tokens

  /** Creates an API token for the caller; the secret is in this answer only. */
  async createToken(actor: Principal | null, input: { name: string; expiresInDays?: number | undefined }): Promise<{ token: string; info: ApiTokenInfo }> {
    const me = requireUser(actor, 'create an API token');
    return this.issueToken(me.userId, input);
  }

  /** Issues a token to a user whose password was just checked (login with `issue: 'token'`). */
  async issueToken(userId: number, input: { name: string; expiresInDays?: number | undefined }): Promise<{ token: string; info: ApiTokenInfo }> {
    const name = validateText(input.name, 'name', L.tokenNameMax).trim();
    if (name === '') throw new DomainError('INVALID_INPUT', 'Invalid name: a token needs a name (what it is for, e.g. "laptop" or "ci").');
    const days = input.expiresInDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) {
      throw new DomainError('INVALID_INPUT', `Invalid expiresInDays: a whole number of days from 1 to ${MAX_TOKEN_DAYS}.`);
    }
    const { token, prefix, hash } = newApiToken();
    const now = this.clock.now();
    const row: Omit<ApiTokenRow, 'id'> = { user_id: userId, name, prefix, token_hash: hash, created_at: now, last_used_at: null, expires_at: days === undefined ? null : now + days * 86_400_000, revoked_at: null };
    const id = await this.repo.insertToken(row);
    return { token, info: toTokenInfo({ ...row, id }) };
  }

  /** The caller's tokens (an admin may list anyone's), without secrets. */
  async listTokens(actor: Principal | null, username?: string): Promise<ApiTokenInfo[]> {
    const me = requireUser(actor, 'list API tokens');
    let userId = me.userId;
    if (username !== undefined && username !== me.username) {
      if (!me.isAdmin) throw new DomainError('NOT_ALLOWED', `'${me.username}' may list only their own tokens.`);
      userId = (await this.userRow(username)).id;
    }
    return (await this.repo.listTokens(userId)).map(toTokenInfo);
  }

  /** Revokes a token of the caller (an admin may revoke anyone's); revoking twice is harmless. */
  async revokeToken(actor: Principal | null, id: number): Promise<ApiTokenInfo> {
    const me = requireUser(actor, 'revoke an API token');
    const row = await this.repo.getToken(id);
    // Someone else's token answers 404 like a missing one: ids of others' tokens are not revealed.
    if (!row || (row.user_id !== me.userId && !me.isAdmin)) throw new DomainError('NOT_FOUND', `API token ${id} not found.`);
    await this.repo.revokeToken(id, this.clock.now());
    return toTokenInfo((await this.repo.getToken(id))!);
  }

  private async userRow(username: string): Promise<UserRow> {
    const row = await this.repo.getUserByName(validateUsername(username));
    if (!row) throw new DomainError('NOT_FOUND', `User '${username}' not found.`);
    return row;
  }
}

function toUser(r: UserRow, skills: string[]): User {
  return {
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    isAdmin: r.is_admin === 1,
    disabled: r.disabled_at !== null,
    skills: skills as Skill[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toTokenInfo(r: ApiTokenRow): ApiTokenInfo {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, expiresAt: r.expires_at, revokedAt: r.revoked_at };
}
