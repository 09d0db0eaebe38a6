/** Org: users, credentials (passwords, sessions, API tokens), teams, the team tree and memberships. */
export { OrgService, SESSION_TTL_MS } from './org.service.js';
export type { OrgDeps, CreateUserInput, UpdateUserInput } from './org.service.js';
export { TeamsService } from './teams.service.js';
export type { TeamsDeps } from './teams.service.js';
export { OrgRepository } from './org.repository.js';
export { orgMigrations } from './org.migrations.js';
export { orgRoutes } from './org.routes.js';
export { createFirstAdmin } from './first-admin.js';
export { callerOf, readCookie, SESSION_COOKIE } from './session-cookie.js';
export { DEFAULT_SCRYPT, hashPassword, verifyPassword } from './passwords.js';
export type { ScryptParams } from './passwords.js';
export { SKILLS, TEAM_ROLES } from './org.types.js';
export type { Principal, TeamRole, Skill, User, UserWithTeams, ApiTokenInfo, Team, TeamNode, TeamWithMembers } from './org.types.js';
