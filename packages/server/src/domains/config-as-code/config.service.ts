import { DomainError, isDomainError } from '@flywheel/contract';
import type { Kysely } from 'kysely';
import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { TeamsService } from '../org/index.js';
import { declaredProjectChanges, projectDeclaration, type FieldChange, type Project, type ProjectsService } from '../projects/index.js';
import { BudgetsService, PoliciesService, RATE_KEYS } from '../policies/index.js';
import { parseOrgDocument, type DeclaredTeam } from './config.document.js';

/** What the configuration reads and writes, through the owning domains' services. */
export interface ConfigPorts {
  teams: Pick<TeamsService, 'tree' | 'getTeam' | 'createTeam' | 'updateTeam' | 'setMember' | 'removeMember'>;
  userExists(username: string): Promise<boolean>;
  projects: Pick<ProjectsService, 'list' | 'create' | 'update'>;
  policies: Pick<PoliciesService, 'list' | 'apply'>;
  budgets: Pick<BudgetsService, 'list' | 'put' | 'rates' | 'setRates'>;
}

export interface ConfigAsCodeDeps {
  /** the platform's services, for plans and exports */
  read: ConfigPorts;
  /**
   * Runs `fn` in one store transaction with services bound to it: an apply writes everything or
   * nothing (`platformConfigPorts` in config.ports.ts builds them).
   */
  transaction<R>(fn: (ports: ConfigPorts, trx: Kysely<any>) => Promise<R>): Promise<R>; // eslint-disable-line @typescript-eslint/no-explicit-any
  audit: AuditLog;
}

export type ConfigKind = 'team' | 'member' | 'project' | 'policy' | 'budget' | 'rates';

/** One thing an apply creates, changes or removes, with its fields before and after. */
export interface ConfigChange {
  op: 'create' | 'update' | 'delete';
  kind: ConfigKind;
  /** `team/user` for a membership */
  name: string;
  changes: FieldChange[];
}

export interface ConfigPlan {
  changes: ConfigChange[];
  /** declared things already as declared */
  unchanged: number;
  summary: { create: number; update: number; delete: number };
}

interface Step {
  change: ConfigChange;
  run(ports: ConfigPorts, ctx: ChangeContext): Promise<unknown>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const by = (ctx: ChangeContext) => ({ actor: ctx.actor, source: ctx.source });

/** Re-throws a domain's validation error with the place in the document it came from. */
function at<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isDomainError(e) && e.code === 'INVALID_INPUT' && !e.message.startsWith(where.split('[')[0]!)) throw new DomainError('INVALID_INPUT', `${where}: ${e.message}`, e.details);
    throw e;
  }
}

/**
 * Configuration as code: the organization's teams, members, projects, policies, budgets and cost
 * rates declared in one document, planned against what exists and applied in one transaction.
 * Applying the same document twice changes nothing the second time; `export()` gives a document
 * that plans to no change.
 */
export class ConfigAsCodeService {
  constructor(private readonly deps: ConfigAsCodeDeps) {}

  /** What applying `doc` would change; nothing is written. */
  async plan(doc: unknown): Promise<ConfigPlan> {
    return toPlan(await this.steps(this.deps.read, doc));
  }

  /**
   * Applies `doc` in one transaction: every change and its audit entries, or none. The plan is
   * made inside the transaction, so it is exactly what was applied.
   */
  async apply(ctx: ChangeContext, doc: unknown): Promise<ConfigPlan> {
    return this.deps.transaction(async (ports, trx) => {
      const planned = await this.steps(ports, doc);
      for (const s of planned.steps) {
        try {
          await s.run(ports, ctx);
        } catch (e) {
          if (isDomainError(e)) throw new DomainError(e.code, `Could not ${s.change.op} ${s.change.kind} '${s.change.name}' (nothing was applied): ${e.message}`, e.details);
          throw e;
        }
      }
      const plan = toPlan(planned);
      if (plan.changes.length) {
        await this.deps.audit.record(
          { actor: ctx.actor, source: ctx.source, action: 'config.applied', resourceType: 'config', resourceId: 'organization', before: null, after: { summary: plan.summary, changes: plan.changes.map((c) => ({ op: c.op, kind: c.kind, name: c.name, fields: c.changes.map((f) => f.field) })) } },
          trx,
        );
      }
      return plan;
    });
  }

  /** The organization as a document: applying it back plans to no change. */
  async export(): Promise<Record<string, unknown>> {
    const { teams, projects, policies, budgets } = this.deps.read;
    const out: Record<string, unknown>[] = [];
    const walk = async (nodes: Awaited<ReturnType<ConfigPorts['teams']['tree']>>) => {
      for (const n of nodes) {
        const t = await teams.getTeam(n.name);
        out.push({
          name: t.name,
          ...(t.parent === null ? {} : { parent: t.parent }),
          ...(t.description ? { description: t.description } : {}),
          members: [...t.members].sort((a, b) => a.username.localeCompare(b.username)).map((m) => ({ user: m.username, role: m.role })),
        });
        await walk(n.children);
      }
    };
    await walk(await teams.tree());
    return {
      version: 1,
      teams: out,
      projects: (await allProjects(projects)).map(projectDeclaration),
      policies: (await policies.list()).map((p) => ({ name: p.name, scope: p.scope, action: p.action, ...(p.alias === undefined ? {} : { alias: p.alias }), conditions: p.conditions })),
      budgets: (await budgets.list()).map((b) => ({ name: b.name, ...(b.project === null ? { team: b.team } : { project: b.project }), amount: b.amount, period: b.period, enforce: b.enforce })),
      rates: await budgets.rates(),
    };
  }

  private async steps(ports: ConfigPorts, raw: unknown): Promise<{ steps: Step[]; unchanged: number }> {
    const doc = parseOrgDocument(raw);
    const steps: Step[] = [];
    let unchanged = 0;

    // ---- teams, parents before children
    const existing = new Map<string, { parent: string | null; description: string; members: Map<string, string> }>();
    const flatten = async (nodes: Awaited<ReturnType<ConfigPorts['teams']['tree']>>) => {
      for (const n of nodes) {
        const t = await ports.teams.getTeam(n.name);
        existing.set(t.name, { parent: t.parent, description: t.description, members: new Map(t.members.map((m) => [m.username, m.role])) });
        await flatten(n.children);
      }
    };
    await flatten(await ports.teams.tree());
    const declaredTeams = new Set(doc.teams.map((t) => t.name));
    const teamKnown = (name: string) => existing.has(name) || declaredTeams.has(name);
    const creates: DeclaredTeam[] = [];
    const updates: Step[] = [];
    const members: Step[] = [];
    for (const [i, t] of doc.teams.entries()) {
      if (typeof t.parent === 'string' && !teamKnown(t.parent)) throw new DomainError('INVALID_INPUT', `teams[${i}].parent: team '${t.parent}' neither exists nor is declared`);
      const cur = existing.get(t.name);
      if (!cur) creates.push(t);
      else {
        const fields: FieldChange[] = [];
        if (t.parent !== undefined && t.parent !== cur.parent) fields.push({ field: 'parent', from: cur.parent, to: t.parent });
        if (t.description !== undefined && t.description !== cur.description) fields.push({ field: 'description', from: cur.description, to: t.description });
        if (fields.length) {
          const patch = { ...(t.parent !== undefined && t.parent !== cur.parent ? { parent: t.parent } : {}), ...(t.description !== undefined && t.description !== cur.description ? { description: t.description } : {}) };
          updates.push({ change: { op: 'update', kind: 'team', name: t.name, changes: fields }, run: (p, ctx) => p.teams.updateTeam(ctx.principal, t.name, patch) });
        } else unchanged++;
      }
      if (t.members === undefined) continue;
      const now = cur?.members ?? new Map<string, string>();
      for (const [j, m] of t.members.entries()) {
        if (!(await ports.userExists(m.user))) throw new DomainError('INVALID_INPUT', `teams[${i}].members[${j}].user: user '${m.user}' does not exist; create it first (POST /api/v1/users)`);
        const role = now.get(m.user);
        if (role === m.role) unchanged++;
        else members.push({ change: { op: role === undefined ? 'create' : 'update', kind: 'member', name: `${t.name}/${m.user}`, changes: [{ field: 'role', from: role ?? null, to: m.role }] }, run: (p, ctx) => p.teams.setMember(ctx.principal, t.name, m.user, m.role) });
      }
      const keep = new Set(t.members.map((m) => m.user));
      for (const [user, role] of now) {
        if (!keep.has(user)) members.push({ change: { op: 'delete', kind: 'member', name: `${t.name}/${user}`, changes: [{ field: 'role', from: role, to: null }] }, run: (p, ctx) => p.teams.removeMember(ctx.principal, t.name, user) });
      }
    }
    // New teams whose parent is new too come after it.
    const ordered: DeclaredTeam[] = [];
    const placed = new Set<string>();
    while (ordered.length < creates.length) {
      const next = creates.filter((t) => !placed.has(t.name) && (typeof t.parent !== 'string' || existing.has(t.parent) || placed.has(t.parent)));
      for (const t of next) {
        ordered.push(t);
        placed.add(t.name);
      }
    }
    for (const t of ordered) {
      const fields: FieldChange[] = [{ field: 'parent', from: null, to: t.parent ?? null }, ...(t.description ? [{ field: 'description', from: null, to: t.description }] : [])];
      steps.push({ change: { op: 'create', kind: 'team', name: t.name, changes: fields }, run: (p, ctx) => p.teams.createTeam(ctx.principal, { name: t.name, parent: t.parent ?? null, ...(t.description === undefined ? {} : { description: t.description }) }) });
    }
    steps.push(...updates, ...members);

    // ---- cost rates
    if (doc.rates) {
      const cur = await ports.budgets.rates();
      const fields: FieldChange[] = [];
      for (const [k, v] of Object.entries(doc.rates)) {
        if (!(RATE_KEYS as readonly string[]).includes(k)) throw new DomainError('INVALID_INPUT', `rates.${k} is not a rate (${RATE_KEYS.join(', ')})`);
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DomainError('INVALID_INPUT', `rates.${k} must be a number ≥ 0, got ${JSON.stringify(v)}`);
        if (cur[k as keyof typeof cur] !== v) fields.push({ field: k, from: cur[k as keyof typeof cur], to: v });
      }
      if (fields.length) steps.push({ change: { op: 'update', kind: 'rates', name: 'rates', changes: fields }, run: (p, ctx) => p.budgets.setRates(Object.fromEntries(fields.map((f) => [f.field, f.to])), by(ctx)) });
      else unchanged++;
    }

    // ---- projects
    const projects = new Map((await allProjects(ports.projects)).map((p) => [p.name, p]));
    for (const [i, raw] of doc.projects.entries()) {
      const name = raw.name as string;
      const cur = projects.get(name) ?? null;
      const d = declaredProjectChanges(cur, raw, `projects[${i}]`);
      if (typeof raw.ownerTeam === 'string' && !teamKnown(raw.ownerTeam)) throw new DomainError('INVALID_INPUT', `projects[${i}].ownerTeam: team '${raw.ownerTeam}' neither exists nor is declared`);
      if (!cur) steps.push({ change: { op: 'create', kind: 'project', name, changes: d.changes }, run: (p, ctx) => p.projects.create(ctx, d.body) });
      else if (d.changes.length) steps.push({ change: { op: 'update', kind: 'project', name, changes: d.changes }, run: (p, ctx) => p.projects.update(ctx, name, d.body) });
      else unchanged++;
    }

    // ---- policies
    const policies = new Map((await ports.policies.list()).map((p) => [p.name, p]));
    for (const [i, raw] of doc.policies.entries()) {
      const d = at(`policies[${i}]`, () => PoliciesService.declared(raw));
      if (d.scope.team !== undefined && !teamKnown(d.scope.team)) throw new DomainError('INVALID_INPUT', `policies[${i}].scope.team: team '${d.scope.team}' neither exists nor is declared`);
      const cur = policies.get(d.name);
      const fields: FieldChange[] = [];
      for (const k of ['scope', 'action', 'alias', 'conditions'] as const) if (!same(cur?.[k] ?? null, d[k] ?? null)) fields.push({ field: k, from: cur?.[k] ?? null, to: d[k] ?? null });
      if (fields.length) steps.push({ change: { op: cur ? 'update' : 'create', kind: 'policy', name: d.name, changes: fields }, run: (p, ctx) => p.policies.apply(raw, by(ctx)) });
      else unchanged++;
    }

    // ---- budgets
    const budgets = new Map((await ports.budgets.list()).map((b) => [b.name, b]));
    for (const [i, raw] of doc.budgets.entries()) {
      const d = at(`budgets[${i}]`, () => BudgetsService.declared(raw));
      if (d.team !== null && !teamKnown(d.team)) throw new DomainError('INVALID_INPUT', `budgets[${i}].team: team '${d.team}' neither exists nor is declared`);
      if (d.project !== null && !projects.has(d.project) && !doc.projects.some((p) => p.name === d.project)) throw new DomainError('INVALID_INPUT', `budgets[${i}].project: project '${d.project}' neither exists nor is declared`);
      const cur = budgets.get(d.name);
      const fields: FieldChange[] = [];
      // A project's budget keeps its project's owner team by itself: only the project is compared.
      const keys = d.project === null ? (['team', 'project', 'amount', 'period', 'enforce'] as const) : (['project', 'amount', 'period', 'enforce'] as const);
      for (const k of keys) if (!same(cur?.[k] ?? null, d[k])) fields.push({ field: k, from: cur?.[k] ?? null, to: d[k] });
      if (fields.length) steps.push({ change: { op: cur ? 'update' : 'create', kind: 'budget', name: d.name, changes: fields }, run: (p, ctx) => p.budgets.put(raw, by(ctx)) });
      else unchanged++;
    }
    return { steps, unchanged };
  }
}

async function allProjects(projects: Pick<ProjectsService, 'list'>): Promise<Project[]> {
  const out: Project[] = [];
  let pageToken: string | undefined;
  do {
    const page = await projects.list({ maxResults: 1000, pageToken });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

function toPlan(p: { steps: Step[]; unchanged: number }): ConfigPlan {
  const changes = p.steps.map((s) => s.change);
  const count = (op: ConfigChange['op']) => changes.filter((c) => c.op === op).length;
  return { changes, unchanged: p.unchanged, summary: { create: count('create'), update: count('update'), delete: count('delete') } };
}
