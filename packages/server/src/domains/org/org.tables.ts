import type { Generated, Selectable } from 'kysely';

/** Row shapes of the tables org owns (see org.migrations.ts). */
export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  email: string | null;
  /** `scrypt$N=…,r=…,p=…$salt$hash` (see passwords.ts) */
  password_hash: string;
  /** 0 or 1 */
  is_admin: number;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}
export type UserRow = Selectable<UserTable>;

export interface SessionRow {
  /** SHA-256 hex of the cookie value */
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  prefix: string;
  /** SHA-256 hex of the whole token */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}
export type ApiTokenRow = Selectable<ApiTokenTable>;

export interface TeamTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  description: string;
  created_at: number;
  updated_at: number;
}
export type TeamRow = Selectable<TeamTable>;

export interface MembershipRow {
  team_id: number;
  user_id: number;
  role: string;
  created_at: number;
}

export interface UserSkillRow {
  user_id: number;
  skill: string;
}

export interface OrgTables {
  users: UserTable;
  sessions: SessionRow;
  api_tokens: ApiTokenTable;
  teams: TeamTable;
  memberships: MembershipRow;
  user_skills: UserSkillRow;
}
