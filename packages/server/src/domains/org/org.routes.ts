import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import type { OrgService, UpdateUserInput } from './org.service.js';
import type { TeamsService } from './teams.service.js';
import {
  ChangePasswordBody,
  CreateTeamBody,
  CreateTokenBody,
  CreateUserBody,
  LoginBody,
  LoginResponse,
  MemberBody,
  NewTokenSchema,
  TeamTreeSchema,
  TeamWithMembersSchema,
  TokenInfoSchema,
  UpdateTeamBody,
  UpdateUserBody,
  UserSchema,
  UserWithTeamsSchema,
} from './org.schemas.js';
import { callerOf, clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from './session-cookie.js';
import type { ApiTokenInfo } from './org.types.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse };
const UserParams = Type.Object({ username: Type.String({ maxLength: 200 }) });
const TeamParams = Type.Object({ name: Type.String({ maxLength: 200 }) });
const MemberParams = Type.Object({ name: Type.String({ maxLength: 200 }), username: Type.String({ maxLength: 200 }) });

const withSecret = (r: { token: string; info: ApiTokenInfo }) => ({ token: r.token, ...r.info });

/** The native org API: /api/v1/auth, /users, /tokens and /teams. */
export async function orgRoutes(app: FastifyInstance, deps: { org: OrgService; teams: TeamsService; anonymous?: 'off' | 'read' | 'full' }): Promise<void> {
  const { org, teams } = deps;

  // The web UI asks this first: never an error, so a page load logs no failed request when anonymous.
  app.get('/api/v1/auth/session', {
    schema: {
      tags: ['auth'],
      summary: 'The caller (null when anonymous) and what anonymous callers may do on this server',
      response: { 200: Type.Object({ user: Type.Union([UserWithTeamsSchema, Type.Null()]), anonymous: Type.Union([Type.Literal('off'), Type.Literal('read'), Type.Literal('full')]) }), ...errors },
    },
  }, async (req) => {
    const me = callerOf(req);
    return { user: me ? await org.getUser(me.username) : null, anonymous: deps.anonymous ?? 'off' };
  });

  app.post('/api/v1/auth/login', {
    schema: {
      tags: ['auth'],
      summary: 'Log in with a username and password: a session cookie for the web UI, or an API token (shown once)',
      body: LoginBody,
      response: { 200: LoginResponse, ...errors },
    },
  }, async (req, reply) => {
    const b = req.body as { username: string; password: string; issue?: 'session' | 'token'; tokenName?: string; expiresInDays?: number };
    const row = await org.checkPassword(b.username, b.password, req.ip);
    const user = await org.getUser(row.username);
    if (b.issue === 'token') {
      const t = await org.issueToken(row.id, { name: b.tokenName ?? 'login', expiresInDays: b.expiresInDays });
      return { user, token: withSecret(t) };
    }
    if (b.tokenName !== undefined || b.expiresInDays !== undefined) throw new DomainError('INVALID_INPUT', "Invalid tokenName/expiresInDays: they apply to issue='token' only.");
    const s = await org.createSession(row.id);
    setSessionCookie(req, reply, s.token, org.sessionTtlMs);
    return { user, session: { expiresAt: s.expiresAt } };
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End the web session of the cookie (API tokens are revoked at /api/v1/tokens/:id)', response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await org.endSession(token);
    clearSessionCookie(req, reply);
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/me', {
    schema: { tags: ['auth'], summary: 'Who the caller is, with their teams and skills', response: { 200: UserWithTeamsSchema, ...errors } },
  }, async (req) => {
    const me = callerOf(req);
    if (!me) throw new DomainError('UNAUTHENTICATED', 'Not logged in: the request carries no credentials (anonymous access).');
    return org.getUser(me.username);
  });

  app.post('/api/v1/users', {
    schema: { tags: ['users'], summary: 'Create a user (platform admins)', body: CreateUserBody, response: { 201: UserSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await org.createUser(callerOf(req), req.body as Parameters<OrgService['createUser']>[1])));

  app.get('/api/v1/users', {
    schema: {
      tags: ['users'],
      summary: 'List users by username',
      querystring: Type.Object({ maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), pageToken: Type.Optional(Type.String({ maxLength: 1024 })) }),
      response: { 200: Type.Object({ users: Type.Array(UserSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const page = await org.listUsers(req.query as { maxResults?: number; pageToken?: string });
    return { users: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/users/:username', {
    schema: { tags: ['users'], summary: 'Get a user with their teams and skills', params: UserParams, response: { 200: UserWithTeamsSchema, ...errors } },
  }, async (req) => org.getUser((req.params as { username: string }).username));

  app.patch('/api/v1/users/:username', {
    schema: { tags: ['users'], summary: 'Edit a profile (yourself; platform admins anyone, and alone set isAdmin/disabled)', params: UserParams, body: UpdateUserBody, response: { 200: UserWithTeamsSchema, ...errors } },
  }, async (req) => org.updateUser(callerOf(req), (req.params as { username: string }).username, req.body as UpdateUserInput));

  app.post('/api/v1/users/:username/password', {
    schema: { tags: ['users'], summary: 'Change a password (yours with the current one; platform admins reset anyone\'s); other sessions end', params: UserParams, body: ChangePasswordBody, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await org.changePassword(callerOf(req), (req.params as { username: string }).username, req.body as { currentPassword?: string; newPassword: string }, readCookie(req, SESSION_COOKIE));
    return reply.status(204).send();
  });

  app.post('/api/v1/tokens', {
    schema: { tags: ['tokens'], summary: 'Create an API token for yourself; the secret is in this answer only', body: CreateTokenBody, response: { 201: NewTokenSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(withSecret(await org.createToken(callerOf(req), req.body as { name: string; expiresInDays?: number }))));

  app.get('/api/v1/tokens', {
    schema: {
      tags: ['tokens'],
      summary: 'List your API tokens without their secrets (platform admins: ?username=)',
      querystring: Type.Object({ username: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: Type.Object({ tokens: Type.Array(TokenInfoSchema) }), ...errors },
    },
  }, async (req) => ({ tokens: await org.listTokens(callerOf(req), (req.query as { username?: string }).username) }));

  app.delete('/api/v1/tokens/:id', {
    schema: { tags: ['tokens'], summary: 'Revoke an API token', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: TokenInfoSchema, ...errors } },
  }, async (req) => org.revokeToken(callerOf(req), (req.params as { id: number }).id));

  app.post('/api/v1/teams', {
    schema: { tags: ['teams'], summary: 'Create a team (platform admins; team admins under a team they administer)', body: CreateTeamBody, response: { 201: TeamWithMembersSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await teams.createTeam(callerOf(req), req.body as { name: string; parent?: string | null; description?: string })));

  app.get('/api/v1/teams', {
    schema: { tags: ['teams'], summary: 'Every team as a tree', response: { 200: TeamTreeSchema, ...errors } },
  }, async () => ({ teams: await teams.tree() }));

  app.get('/api/v1/teams/:name', {
    schema: { tags: ['teams'], summary: 'Get a team with its members and sub-teams', params: TeamParams, response: { 200: TeamWithMembersSchema, ...errors } },
  }, async (req) => teams.getTeam((req.params as { name: string }).name));

  app.patch('/api/v1/teams/:name', {
    schema: { tags: ['teams'], summary: 'Change a team\'s description or parent (no cycles)', params: TeamParams, body: UpdateTeamBody, response: { 200: TeamWithMembersSchema, ...errors } },
  }, async (req) => teams.updateTeam(callerOf(req), (req.params as { name: string }).name, req.body as { parent?: string | null; description?: string }));

  app.put('/api/v1/teams/:name/members/:username', {
    schema: { tags: ['teams'], summary: 'Add a member or change their role (team admins, platform admins)', params: MemberParams, body: MemberBody, response: { 200: TeamWithMembersSchema, ...errors } },
  }, async (req) => {
    const p = req.params as { name: string; username: string };
    return teams.setMember(callerOf(req), p.name, p.username, (req.body as { role: string }).role);
  });

  app.delete('/api/v1/teams/:name/members/:username', {
    schema: { tags: ['teams'], summary: 'Remove a member (team admins, platform admins)', params: MemberParams, response: { 200: TeamWithMembersSchema, ...errors } },
  }, async (req) => {
    const p = req.params as { name: string; username: string };
    return teams.removeMember(callerOf(req), p.name, p.username);
  });
}
