/** Roles a member holds in a team, strongest first. */
export const TEAM_ROLES = ['admin', 'maintainer', 'member', 'viewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** The seeds' skills matrix: what a person brings to a team. */
export const SKILLS = [
  'research_scientist',
  'data_scientist',
  'ml_engineer',
  'data_engineer',
  'software_engineer',
  'statistician',
  'product_owner',
  'domain_expert',
  'devops',
  'security',
] as const;
export type Skill = (typeof SKILLS)[number];

/**
 * Who is calling: resolved once per request by http/auth.ts from a bearer token, basic
 * credentials or the session cookie. `teams` are direct memberships (not inherited from parents).
 */
export interface Principal {
  userId: number;
  username: string;
  isAdmin: boolean;
  teams: { teamId: number; team: string; role: TeamRole }[];
}

export interface User {
  username: string;
  displayName: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  skills: Skill[];
  createdAt: number;
  updatedAt: number;
}

export interface UserWithTeams extends User {
  teams: { team: string; role: TeamRole }[];
}

/** An API token as listed: never the secret. */
export interface ApiTokenInfo {
  id: number;
  name: string;
  /** `fw_<prefix>_…`: enough to recognise the token, not to use it */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface Team {
  name: string;
  parent: string | null;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface TeamNode extends Team {
  children: TeamNode[];
}

export interface TeamMember {
  username: string;
  displayName: string;
  role: TeamRole;
}

export interface TeamWithMembers extends Team {
  members: TeamMember[];
  children: string[];
}
