import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { AuditLog } from '../audit/index.js';
import { evaluateCondition } from './conditions.js';
import type { PoliciesRepository } from './policies.repository.js';
import type { PolicyVersionRow } from './policies.tables.js';
import type { ActionSubject, Actor, Checklist, Condition, Policy, PolicyAction } from './policies.types.js';
import { aliasMatches, checkName, checkPolicy, invalid } from './policies.validation.js';

export interface PoliciesDeps {
  repo: PoliciesRepository;
  clock: Clock;
  audit: AuditLog;
}

const toPolicy = (r: PolicyVersionRow): Policy => ({
  name: r.name,
  version: Number(r.version),
  scope: r.scope_team === null ? {} : { team: r.scope_team },
  action: r.action as PolicyAction,
  ...(r.alias_pattern === null ? {} : { alias: r.alias_pattern }),
  conditions: JSON.parse(r.conditions) as Condition[],
  deleted: r.deleted === 1,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

const notFound = (name: string) => new DomainError('NOT_FOUND', `Policy '${name}' not found.`);

/** Approval policies as versioned data, evaluated where an action happens (README.md). */
export class PoliciesService {
  constructor(private readonly deps: PoliciesDeps) {}

  async list(): Promise<Policy[]> {
    return (await this.deps.repo.currentPolicies()).map(toPolicy).filter((p) => !p.deleted);
  }

  async get(name: string): Promise<Policy> {
    const row = await this.deps.repo.latestPolicy(checkName('name', name));
    if (!row || row.deleted === 1) throw notFound(name);
    return toPolicy(row);
  }

  async versions(name: string): Promise<Policy[]> {
    const rows = await this.deps.repo.policyVersions(checkName('name', name));
    if (!rows.length) throw notFound(name);
    return rows.map(toPolicy);
  }

  /** Creates the policy or writes its next version; applying an identical policy writes nothing. */
  async apply(body: unknown, by: Actor): Promise<{ policy: Policy; changed: boolean }> {
    const input = checkPolicy(body);
    return this.deps.repo.transaction(async (repo, trx) => {
      const prev = await repo.latestPolicy(input.name);
      const row: PolicyVersionRow = {
        name: input.name,
        version: prev ? Number(prev.version) + 1 : 1,
        scope_team: input.scopeTeam,
        action: input.action,
        alias_pattern: input.alias,
        conditions: JSON.stringify(input.conditions),
        deleted: 0,
        created_by: by.actor,
        created_at: this.deps.clock.now(),
      };
      if (prev && prev.deleted === 0 && prev.scope_team === row.scope_team && prev.action === row.action && prev.alias_pattern === row.alias_pattern && prev.conditions === row.conditions) {
        return { policy: toPolicy(prev), changed: false };
      }
      await repo.insertPolicyVersion(row);
      const before = prev && prev.deleted === 0 ? toPolicy(prev) : null;
      await this.deps.audit.record(
        { actor: by.actor, source: by.source, action: before ? 'policy.updated' : 'policy.created', resourceType: 'policy', resourceId: input.name, team: input.scopeTeam, before, after: toPolicy(row) },
        trx,
      );
      return { policy: toPolicy(row), changed: true };
    });
  }

  /** Deleting is a new version marked deleted: the history stays. */
  async delete(name: string, by: Actor): Promise<void> {
    checkName('name', name);
    await this.deps.repo.transaction(async (repo, trx) => {
      const prev = await repo.latestPolicy(name);
      if (!prev || prev.deleted === 1) throw notFound(name);
      const row: PolicyVersionRow = { ...prev, version: Number(prev.version) + 1, deleted: 1, created_by: by.actor, created_at: this.deps.clock.now() };
      await repo.insertPolicyVersion(row);
      await this.deps.audit.record({ actor: by.actor, source: by.source, action: 'policy.deleted', resourceType: 'policy', resourceId: name, team: prev.scope_team, before: toPolicy(prev), after: null }, trx);
    });
  }

  /** The checklist of every policy that applies to the action: a dry run, nothing recorded. */
  async evaluate(subject: ActionSubject): Promise<Checklist> {
    const { repo } = this.deps;
    const owner = await repo.modelOwner(subject.model);
    if (owner === undefined) throw new DomainError('NOT_FOUND', `Registered Model with name=${subject.model} not found`);
    const mv = await repo.modelVersion(subject.model, subject.version);
    if (!mv) throw new DomainError('NOT_FOUND', `Model Version (name=${subject.model}, version=${subject.version}) not found`);
    const team = await repo.teamName(owner);
    // MLflow records no author on a model version: whoever trained its run is the author then.
    const author = mv.user_id ?? (mv.run_id ? await repo.runUser(mv.run_id) : null);
    const applicable = (await this.list()).filter(
      (p) =>
        p.action === subject.action &&
        (p.scope.team === undefined || p.scope.team === team) &&
        (p.action !== 'model.alias_set' || (subject.alias !== undefined && aliasMatches(p.alias ?? '*', subject.alias))),
    );
    const results = [];
    for (const p of applicable) {
      for (const c of p.conditions) {
        const r = await evaluateCondition(repo, { ...subject, author, runId: mv.run_id }, c);
        results.push({ policy: p.name, policyVersion: p.version, condition: c, ...r });
      }
    }
    return { action: subject.action, subject, allowed: results.every((r) => r.met), policies: applicable.map((p) => ({ name: p.name, version: p.version })), results };
  }

  /**
   * Throws POLICY_VIOLATION listing every unmet condition when a policy blocks the action, and
   * records the refusal in the audit log (on its own: the caller has no transaction open yet).
   */
  async enforce(subject: ActionSubject, by: Actor): Promise<void> {
    const checklist = await this.evaluate(subject);
    if (checklist.allowed) return;
    const unmet = checklist.results.filter((r) => !r.met);
    const what = subject.action === 'model.alias_set' ? `Setting alias '${subject.alias}' on model '${subject.model}' version ${subject.version}` : `${subject.action} of model '${subject.model}' version ${subject.version}`;
    const message = `${what} is blocked by policy: ${unmet.length} unmet condition(s): ${unmet.map((r, i) => `(${i + 1}) [${r.policy} v${r.policyVersion}] ${r.detail}`).join('; ')}.`;
    const team = await this.deps.repo.teamName(await this.deps.repo.modelOwner(subject.model));
    await this.deps.audit.record({
      actor: by.actor,
      source: by.source,
      action: 'policy.blocked',
      resourceType: 'model',
      resourceId: `${subject.model}/${subject.version}`,
      team,
      before: null,
      after: { subject, policies: checklist.policies, unmet: unmet.map((r) => ({ policy: r.policy, version: r.policyVersion, condition: r.condition, detail: r.detail })) },
    });
    throw new DomainError('POLICY_VIOLATION', message, { unmet: unmet.map((r) => ({ policy: r.policy, policyVersion: r.policyVersion, condition: r.condition, detail: r.detail })) });
  }

  /**
   * The policy `body` declares, normalized as it would be stored (defaults filled in), without
   * writing it: what a configuration plan compares with the current version.
   */
  static declared(body: unknown): Pick<Policy, 'name' | 'scope' | 'action' | 'alias' | 'conditions'> {
    const p = checkPolicy(body);
    return { name: p.name, scope: p.scopeTeam === null ? {} : { team: p.scopeTeam }, action: p.action, ...(p.alias === null ? {} : { alias: p.alias }), conditions: p.conditions };
  }

  /** Parses the body of `POST /policies/evaluate`. */
  static subjectOf(body: unknown): ActionSubject {
    if (typeof body !== 'object' || body === null) throw invalid('the body must be an object {action, model, version, alias?}');
    const b = body as Record<string, unknown>;
    if (b.action !== 'model.alias_set' && b.action !== 'deployment.production' && b.action !== 'project.stage') {
      throw invalid(`action must be one of model.alias_set, deployment.production, project.stage, got ${JSON.stringify(b.action)}`);
    }
    if (typeof b.model !== 'string' || b.model === '') throw invalid('model must be a registered model name');
    const version = typeof b.version === 'string' && /^\d+$/.test(b.version) ? Number(b.version) : b.version;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw invalid(`version must be a model version number, got ${JSON.stringify(b.version)}`);
    if (b.action === 'model.alias_set' && (typeof b.alias !== 'string' || b.alias === '')) throw invalid('alias is required for model.alias_set');
    return { action: b.action, model: b.model, version, ...(typeof b.alias === 'string' ? { alias: b.alias } : {}) };
  }
}
