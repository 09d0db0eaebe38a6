import { DomainError } from '@flywheel/contract';
import { SKILLS, TEAM_ROLES, type Skill, type TeamRole } from './org.types.js';

/** Limits of the org domain, in characters. */
export const ORG_LIMITS = {
  usernameMax: 64,
  teamNameMax: 100,
  displayNameMax: 200,
  emailMax: 320,
  descriptionMax: 5000,
  tokenNameMax: 100,
  passwordMin: 8,
  // scrypt's cost does not grow with the input, but nobody needs more, and a cap bounds the work.
  passwordMax: 1024,
} as const;

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const TEAM_RE = /^[a-z0-9][a-z0-9._-]*$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

export function validateUsername(value: unknown, field = 'username'): string {
  if (typeof value !== 'string' || value === '') throw invalid(`Invalid ${field}: a username is required.`);
  if (value.length > ORG_LIMITS.usernameMax || !USERNAME_RE.test(value)) {
    throw invalid(`Invalid ${field} '${value.slice(0, 100)}': a username is 1–${ORG_LIMITS.usernameMax} lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
  return value;
}

export function validateTeamName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value === '') throw invalid(`Invalid ${field}: a team name is required.`);
  if (value.length > ORG_LIMITS.teamNameMax || !TEAM_RE.test(value)) {
    throw invalid(`Invalid ${field} '${value.slice(0, 120)}': a team name is 1–${ORG_LIMITS.teamNameMax} lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
  return value;
}

export function validatePassword(value: unknown, field = 'password'): string {
  if (typeof value !== 'string' || value === '') throw invalid(`Invalid ${field}: a password is required.`);
  if (value.length < ORG_LIMITS.passwordMin) throw invalid(`Invalid ${field}: at least ${ORG_LIMITS.passwordMin} characters (got ${value.length}).`);
  if (value.length > ORG_LIMITS.passwordMax) throw invalid(`Invalid ${field}: at most ${ORG_LIMITS.passwordMax} characters.`);
  return value;
}

export function validateText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw invalid(`Invalid ${field}: expected a string.`);
  if (value.length > max) throw invalid(`Invalid ${field}: at most ${max} characters (got ${value.length}).`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) throw invalid(`Invalid ${field}: control characters are not allowed.`);
  return value;
}

export function validateEmail(value: unknown, field = 'email'): string | null {
  if (value === null || value === undefined || value === '') return null;
  const s = validateText(value, field, ORG_LIMITS.emailMax);
  if (!EMAIL_RE.test(s)) throw invalid(`Invalid ${field} '${s.slice(0, 100)}': expected an address like name@example.org.`);
  return s;
}

export function validateRole(value: unknown, field = 'role'): TeamRole {
  if (typeof value !== 'string' || !(TEAM_ROLES as readonly string[]).includes(value)) {
    throw invalid(`Invalid ${field} '${String(value).slice(0, 50)}': one of ${TEAM_ROLES.join(', ')}.`);
  }
  return value as TeamRole;
}

export function validateSkills(value: unknown, field = 'skills'): Skill[] {
  if (!Array.isArray(value)) throw invalid(`Invalid ${field}: expected a list of skills (${SKILLS.join(', ')}).`);
  const out = new Set<Skill>();
  value.forEach((s, i) => {
    if (typeof s !== 'string' || !(SKILLS as readonly string[]).includes(s)) {
      throw invalid(`Invalid ${field}[${i}] '${String(s).slice(0, 50)}': one of ${SKILLS.join(', ')}.`);
    }
    out.add(s as Skill);
  });
  return [...out].sort();
}
