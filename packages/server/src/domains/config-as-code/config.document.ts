import { DomainError } from '@flywheel/contract';

/** Roles a membership may have (org's TEAM_ROLES; repeated here so a plan can name the field). */
const ROLES = ['admin', 'maintainer', 'member', 'viewer'] as const;
const TEAM_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A team as declared: `parent: null` makes it top-level, an absent key leaves the parent alone. */
export interface DeclaredTeam {
  name: string;
  parent?: string | null;
  description?: string;
  /** when present, the whole member list: members not listed are removed */
  members?: { user: string; role: (typeof ROLES)[number] }[];
}

/**
 * The organization as a configuration file declares it (`flywheel apply -f org.yaml`). Projects,
 * policies and budgets are validated by their own domains when the plan is made.
 */
export interface OrgDocument {
  teams: DeclaredTeam[];
  projects: Record<string, unknown>[];
  policies: Record<string, unknown>[];
  budgets: Record<string, unknown>[];
  /** cost rates, e.g. {compute_second: 0.001}; absent: left alone */
  rates?: Record<string, unknown>;
}

const DOC_KEYS = ['version', 'teams', 'projects', 'policies', 'budgets', 'rates'];
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(doc: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${key} must be a list`);
  const seen = new Set<string>();
  return v.map((item: unknown, i) => {
    if (!isObject(item)) throw invalid(`${key}[${i}] must be an object`);
    if (typeof item.name !== 'string' || item.name === '') throw invalid(`${key}[${i}].name is required`);
    if (seen.has(item.name)) throw invalid(`${key}[${i}].name '${item.name}' is declared twice`);
    seen.add(item.name);
    return item;
  });
}

function team(t: Record<string, unknown>, i: number): DeclaredTeam {
  const at = `teams[${i}]`;
  for (const k of Object.keys(t)) if (!['name', 'parent', 'description', 'members'].includes(k)) throw invalid(`${at}.${k} is not a known field (name, parent, description, members)`);
  const name = t.name as string;
  if (!TEAM_NAME.test(name)) throw invalid(`${at}.name '${name}' must be 1-100 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`);
  const out: DeclaredTeam = { name };
  if (t.parent !== undefined) {
    if (t.parent !== null && (typeof t.parent !== 'string' || !TEAM_NAME.test(t.parent))) throw invalid(`${at}.parent must be a team name or null`);
    if (t.parent === name) throw invalid(`${at}.parent: a team cannot be its own parent`);
    out.parent = t.parent;
  }
  if (t.description !== undefined) {
    if (typeof t.description !== 'string' || t.description.length > 2000) throw invalid(`${at}.description must be text of at most 2000 characters`);
    out.description = t.description;
  }
  if (t.members !== undefined) {
    if (!Array.isArray(t.members)) throw invalid(`${at}.members must be a list of {user, role}`);
    const seen = new Set<string>();
    out.members = t.members.map((m: unknown, j) => {
      const mat = `${at}.members[${j}]`;
      if (!isObject(m)) throw invalid(`${mat} must be {user, role}`);
      for (const k of Object.keys(m)) if (k !== 'user' && k !== 'role') throw invalid(`${mat}.${k} is not a known field (user, role)`);
      if (typeof m.user !== 'string' || !USERNAME.test(m.user)) throw invalid(`${mat}.user must be a username`);
      if (!ROLES.includes(m.role as never)) throw invalid(`${mat}.role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(m.role)}`);
      if (seen.has(m.user)) throw invalid(`${mat}.user '${m.user}' is listed twice`);
      seen.add(m.user);
      return { user: m.user, role: m.role as (typeof ROLES)[number] };
    });
  }
  return out;
}

/** Checks the document's shape, naming the first bad field (e.g. `teams[1].members[0].role`). */
export function parseOrgDocument(doc: unknown): OrgDocument {
  if (!isObject(doc)) throw invalid('document must be an object with teams, projects, policies, budgets and/or rates');
  for (const k of Object.keys(doc)) if (!DOC_KEYS.includes(k)) throw invalid(`document.${k} is not a known section (${DOC_KEYS.join(', ')})`);
  if (doc.version !== undefined && doc.version !== 1) throw invalid(`document.version must be 1, got ${JSON.stringify(doc.version)}`);
  const teams = list(doc, 'teams').map(team);
  const names = new Set(teams.map((t) => t.name));
  // A cycle among declared parents would never apply: refuse it before touching anything.
  for (const t of teams) {
    const seen = new Set<string>([t.name]);
    for (let p = t.parent; typeof p === 'string' && names.has(p); p = teams.find((x) => x.name === p)!.parent) {
      if (seen.has(p)) throw invalid(`teams: the parents of '${t.name}' form a loop through '${p}'`);
      seen.add(p);
    }
  }
  if (doc.rates !== undefined && !isObject(doc.rates)) throw invalid('rates must be an object, e.g. {compute_second: 0.001}');
  return { teams, projects: list(doc, 'projects'), policies: list(doc, 'policies'), budgets: list(doc, 'budgets'), ...(doc.rates === undefined ? {} : { rates: doc.rates as Record<string, unknown> }) };
}
