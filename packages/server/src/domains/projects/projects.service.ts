import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { Principal } from '../org/index.js';
import { gateChecklist } from './projects.gates.js';
import type { ProjectRow, ProjectsRepository } from './projects.repository.js';
import {
  DEFAULT_REQUIRED_SKILLS,
  type BusinessCase,
  type GateChecklist,
  type ModelEvidence,
  type MonitoringEvidence,
  type OutcomePoint,
  type OutcomeSeries,
  type Project,
  type Stage,
  type StageChange,
  type TeamEvidence,
} from './projects.types.js';
import {
  EMPTY_CASE,
  LIMITS,
  invalid,
  isObject,
  mergeBusinessCase,
  optionalText,
  parseDate,
  refuseUnknown,
  validateDeployments,
  validateModels,
  validateName,
  validateStage,
} from './projects.validation.js';

export interface ProjectsDeps {
  repo: ProjectsRepository;
  audit: AuditLog;
  clock: Clock;
  models: ModelEvidence;
  monitoring: MonitoringEvidence;
  teams: TeamEvidence;
  /** skills the owner team must cover to enter production (default data_scientist, ml_engineer, product_owner) */
  requiredSkills?: readonly string[] | undefined;
}

const CREATE_FIELDS = ['name', 'description', 'ownerTeam', 'businessCase', 'pocEndDate', 'models', 'deployments'] as const;
const UPDATE_FIELDS = ['description', 'ownerTeam', 'businessCase', 'pocEndDate', 'models', 'deployments'] as const;
/** Roles that may change a team's projects (viewers only read). */
const CHANGERS = new Set(['admin', 'maintainer', 'member']);
const MAX_SERIES = 10_000;

/** Projects with a business case, stage gates, time-boxed POCs and outcomes; every change is audited. */
export class ProjectsService {
  private readonly requiredSkills: readonly string[];
  constructor(private readonly deps: ProjectsDeps) {
    this.requiredSkills = deps.requiredSkills ?? DEFAULT_REQUIRED_SKILLS;
  }

  async create(ctx: ChangeContext, input: unknown): Promise<Project> {
    if (!isObject(input)) throw invalid('body must be an object');
    refuseUnknown('body', input, CREATE_FIELDS);
    const name = validateName('name', input.name);
    const description = optionalText('description', input.description, LIMITS.descriptionMaxLength) ?? '';
    const ownerTeam = await this.ownerTeam(input.ownerTeam);
    this.requireChange(ctx.principal, ownerTeam, `create a project owned by '${ownerTeam}'`);
    const now = this.deps.clock.now();
    const row: Omit<ProjectRow, 'id'> = {
      name,
      description,
      owner_team: ownerTeam,
      stage: 'idea',
      business_case: JSON.stringify(mergeBusinessCase(EMPTY_CASE, input.businessCase)),
      poc_end_date: parseDate('pocEndDate', input.pocEndDate),
      models: JSON.stringify(input.models === undefined ? [] : validateModels('models', input.models)),
      deployments: JSON.stringify(input.deployments === undefined ? [] : validateDeployments('deployments', input.deployments)),
      created_by: ctx.actor,
      created_at: now,
      updated_at: now,
      stage_changed_at: now,
    };
    return this.deps.repo.transaction(async (repo, trx) => {
      if (await repo.getByName(name)) throw new DomainError('ALREADY_EXISTS', `Project '${name}' already exists.`);
      const id = await repo.insert(row);
      const project = this.toProject({ ...row, id }, now);
      await this.deps.audit.record({ ...this.who(ctx), action: 'project.created', resourceType: 'project', resourceId: name, team: ownerTeam, after: project }, trx);
      return project;
    });
  }

  async get(name: string): Promise<Project> {
    return this.toProject(await this.row(this.deps.repo, name), this.deps.clock.now());
  }

  async list(q: { stage?: string | undefined; team?: string | undefined; overdue?: boolean | undefined; maxResults?: number | undefined; pageToken?: string | undefined }): Promise<{ items: Project[]; nextPageToken?: string }> {
    const limit = q.maxResults ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('maxResults must be an integer from 1 to 1000');
    const offset = decodePageToken(q.pageToken, 'pageToken');
    const now = this.deps.clock.now();
    const stage = q.stage === undefined ? undefined : validateStage('stage', q.stage);
    const rows = await this.deps.repo.list({ stage, team: q.team, overdueAt: q.overdue ? now : undefined }, offset, limit + 1);
    let items = rows.slice(0, limit).map((r) => this.toProject(r, now));
    // overdue=false: the ones that are not overdue (filtered after the page: a rare question).
    if (q.overdue === false) items = items.filter((p) => !p.overdue);
    return { items, ...(rows.length > limit ? { nextPageToken: encodePageToken(offset + limit) } : {}) };
  }

  async update(ctx: ChangeContext, name: string, patch: unknown): Promise<Project> {
    if (!isObject(patch)) throw invalid('body must be an object');
    refuseUnknown('body', patch, UPDATE_FIELDS);
    const ownerTeam = patch.ownerTeam === undefined ? undefined : await this.ownerTeam(patch.ownerTeam);
    return this.deps.repo.transaction(async (repo, trx) => {
      const row = await this.row(repo, name);
      const now = this.deps.clock.now();
      const before = this.toProject(row, now);
      this.requireChange(ctx.principal, row.owner_team, `change project '${name}'`);
      if (ownerTeam !== undefined) this.requireChange(ctx.principal, ownerTeam, `give project '${name}' to '${ownerTeam}'`);
      const set: Partial<Omit<ProjectRow, 'id'>> = { updated_at: now };
      if (patch.description !== undefined) set.description = optionalText('description', patch.description, LIMITS.descriptionMaxLength) ?? '';
      if (ownerTeam !== undefined) set.owner_team = ownerTeam;
      if (patch.businessCase !== undefined) set.business_case = JSON.stringify(mergeBusinessCase(before.businessCase, patch.businessCase));
      if (patch.pocEndDate !== undefined) set.poc_end_date = parseDate('pocEndDate', patch.pocEndDate);
      if (patch.models !== undefined) set.models = JSON.stringify(validateModels('models', patch.models));
      if (patch.deployments !== undefined) set.deployments = JSON.stringify(validateDeployments('deployments', patch.deployments));
      await repo.update(row.id, set);
      const after = this.toProject({ ...row, ...set }, now);
      await this.deps.audit.record({ ...this.who(ctx), action: 'project.updated', resourceType: 'project', resourceId: name, team: after.ownerTeam, before, after }, trx);
      return after;
    });
  }

  async delete(ctx: ChangeContext, name: string): Promise<void> {
    await this.deps.repo.transaction(async (repo, trx) => {
      const row = await this.row(repo, name);
      this.requireChange(ctx.principal, row.owner_team, `delete project '${name}'`);
      await repo.delete(row.id);
      await this.deps.audit.record({ ...this.who(ctx), action: 'project.deleted', resourceType: 'project', resourceId: name, team: row.owner_team, before: this.toProject(row, this.deps.clock.now()) }, trx);
    });
  }

  /** The checklist of moving `name` to `to`, without moving it. */
  async gate(name: string, to: unknown): Promise<GateChecklist> {
    const target = validateStage('to', to);
    return this.checklist(await this.get(name), target);
  }

  /**
   * Moves the project when every gate condition passes; otherwise INVALID_STATE (409) with the
   * whole checklist in `details.checklist`, and the refusal is audited too.
   */
  async changeStage(ctx: ChangeContext, name: string, input: unknown): Promise<{ project: Project; checklist: GateChecklist }> {
    if (!isObject(input)) throw invalid('body must be an object');
    refuseUnknown('body', input, ['to', 'reason']);
    const to = validateStage('to', input.to);
    const reason = optionalText('reason', input.reason, LIMITS.reasonMaxLength);
    const project = await this.get(name);
    this.requireChange(ctx.principal, project.ownerTeam, `move project '${name}'`);
    // Evidence is read before the transaction: other domains' services use the store themselves
    // (on SQLite, inside our transaction they would wait for it). The row is re-checked inside.
    const checklist = await this.checklist(project, to);
    if (!checklist.passed) {
      const unmet = checklist.conditions.filter((c) => !c.passed);
      await this.deps.audit.record({ ...this.who(ctx), action: 'project.stage_refused', resourceType: 'project', resourceId: name, team: project.ownerTeam, before: { stage: project.stage }, after: { requested: to, reason, unmet } });
      throw new DomainError(
        'INVALID_STATE',
        `Project '${name}' cannot move from ${project.stage} to ${to}: ${unmet.length} condition${unmet.length === 1 ? '' : 's'} unmet — ${unmet.map((c) => `${c.key}: ${c.why}`).join('; ')}.`,
        { checklist },
      );
    }
    return this.deps.repo.transaction(async (repo, trx) => {
      const row = await this.row(repo, name);
      if (row.updated_at !== project.updatedAt || row.stage !== project.stage) {
        throw new DomainError('CONFLICT', `Project '${name}' changed while its gate was checked; check the gate again.`);
      }
      const now = this.deps.clock.now();
      await repo.update(row.id, { stage: to, stage_changed_at: now, updated_at: now });
      await repo.insertStageChange({ project_id: row.id, from_stage: row.stage, to_stage: to, reason, actor: ctx.actor, at: now, checklist: JSON.stringify(checklist.conditions) });
      const after = this.toProject({ ...row, stage: to, stage_changed_at: now, updated_at: now }, now);
      await this.deps.audit.record({ ...this.who(ctx), action: 'project.stage_changed', resourceType: 'project', resourceId: name, team: row.owner_team, before: { stage: row.stage }, after: { stage: to, reason, checklist: checklist.conditions } }, trx);
      return { project: after, checklist };
    });
  }

  async history(name: string): Promise<StageChange[]> {
    const row = await this.row(this.deps.repo, name);
    return (await this.deps.repo.stageChanges(row.id)).map((r) => ({
      from: r.from_stage as Stage,
      to: r.to_stage as Stage,
      reason: r.reason,
      actor: r.actor,
      at: Number(r.at),
      checklist: JSON.parse(r.checklist) as StageChange['checklist'],
    }));
  }

  /** One measurement of a business outcome (by default of the success metric). */
  async recordOutcome(ctx: ChangeContext, name: string, input: unknown): Promise<OutcomePoint> {
    if (!isObject(input)) throw invalid('body must be an object');
    refuseUnknown('body', input, ['metric', 'value', 'ts']);
    if (typeof input.value !== 'number' || !Number.isFinite(input.value)) throw invalid('value must be a finite number');
    const value = input.value;
    const now = this.deps.clock.now();
    const ts = parseDate('ts', input.ts) ?? now;
    return this.deps.repo.transaction(async (repo, trx) => {
      const row = await this.row(repo, name);
      this.requireChange(ctx.principal, row.owner_team, `record outcomes of project '${name}'`);
      const metric = this.metricOf(row, input.metric);
      await repo.insertOutcome({ project_id: row.id, metric, value, ts, recorded_by: ctx.actor, recorded_at: now });
      const point: OutcomePoint = { metric, value, ts, recordedBy: ctx.actor };
      await this.deps.audit.record({ ...this.who(ctx), action: 'project.outcome_recorded', resourceType: 'project', resourceId: name, team: row.owner_team, after: point }, trx);
      return point;
    });
  }

  /** A metric over time against the project's target (the success metric unless `metric` names another). */
  async series(name: string, q: { metric?: string | undefined; since?: string | undefined; until?: string | undefined }): Promise<OutcomeSeries> {
    const row = await this.row(this.deps.repo, name);
    const metric = this.metricOf(row, q.metric);
    const since = parseDate('since', q.since === undefined || !/^\d+$/.test(q.since) ? q.since : Number(q.since)) ?? undefined;
    const until = parseDate('until', q.until === undefined || !/^\d+$/.test(q.until) ? q.until : Number(q.until)) ?? undefined;
    const rows = await this.deps.repo.outcomes(row.id, metric, since, until, MAX_SERIES);
    const bc = JSON.parse(row.business_case) as BusinessCase;
    const target = metric === bc.successMetric ? bc.successTarget : null;
    const points = rows.map((r) => ({ ts: Number(r.ts), value: Number(r.value) }));
    const latest = points.length ? points[points.length - 1]!.value : null;
    const metTarget = target === null || latest === null ? null : bc.successDirection === 'higher' ? latest >= target : latest <= target;
    return { project: name, metric, target, direction: bc.successDirection, points, latest, metTarget };
  }

  private metricOf(row: ProjectRow, given: unknown): string {
    if (given !== undefined && given !== null) {
      if (typeof given !== 'string' || given === '' || given.length > LIMITS.metricMaxLength) throw invalid(`metric must be a name of at most ${LIMITS.metricMaxLength} characters`);
      return given;
    }
    const m = (JSON.parse(row.business_case) as BusinessCase).successMetric;
    if (!m) throw invalid(`metric is required: project '${row.name}' has no businessCase.successMetric to default to`);
    return m;
  }

  private checklist(p: Project, to: Stage): Promise<GateChecklist> {
    return gateChecklist(p, to, { models: this.deps.models, monitoring: this.deps.monitoring, teams: this.deps.teams, requiredSkills: this.requiredSkills, now: this.deps.clock.now() });
  }

  private async ownerTeam(v: unknown): Promise<string | null> {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v === '' || v.length > 200) throw invalid('ownerTeam must be a team name');
    if (!(await this.deps.teams.members(v))) throw invalid(`ownerTeam '${v}' is not a team`);
    return v;
  }

  /**
   * Anonymous callers got past the auth plugin already (single-user local use); a logged-in
   * caller changes a team's project as a platform admin or a non-viewer member of that team.
   */
  private requireChange(p: Principal | null, team: string | null, what: string): void {
    if (!p || p.isAdmin || team === null) return;
    if (p.teams.some((t) => t.team === team && CHANGERS.has(t.role))) return;
    throw new DomainError('NOT_ALLOWED', `Only admins, maintainers and members of team '${team}' may ${what}.`);
  }

  private who(ctx: ChangeContext) {
    return { actor: ctx.actor, source: ctx.source };
  }

  private async row(repo: ProjectsRepository, name: string): Promise<ProjectRow> {
    const row = await repo.getByName(name);
    if (!row) throw new DomainError('NOT_FOUND', `Project '${name}' not found.`);
    return row;
  }

  private toProject(r: ProjectRow, now: number): Project {
    const pocEnd = r.poc_end_date === null ? null : Number(r.poc_end_date);
    return {
      name: r.name,
      description: r.description,
      ownerTeam: r.owner_team,
      stage: r.stage as Stage,
      businessCase: JSON.parse(r.business_case) as BusinessCase,
      pocEndDate: pocEnd,
      overdue: r.stage === 'poc' && pocEnd !== null && pocEnd < now,
      models: JSON.parse(r.models) as Project['models'],
      deployments: JSON.parse(r.deployments) as string[],
      createdBy: r.created_by,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      stageChangedAt: Number(r.stage_changed_at),
    };
  }
}
