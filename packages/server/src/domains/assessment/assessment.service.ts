import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { Principal } from '../org/index.js';
import type { AssessmentEvidence, ProjectRecord, TeamRecord } from './assessment.evidence-types.js';
import type { AttestationRow, AssessmentRepository } from './assessment.repository.js';
import type { Attestation, ModelFacts, ModelScorecard, ProjectScorecard } from './assessment.types.js';
import { bandOf, finalScore, scoreTests, TESTS } from './ml-test-score.js';
import { gatherModelFacts, loneSuperhero, readShared, type SharedEvidence } from './model-facts.js';
import {
  figures,
  googleLevel,
  inferArchetype,
  loneSuperheroes,
  microsoftLevel,
  projectTeamsCoverage,
  QUESTIONNAIRE_OPTIONS,
  seedsMaturity,
  skillsCoverage,
  starModel,
  type ModelSummary,
  type OrgInput,
  type Questionnaire,
} from './org-maturity.js';

/** Who is asking: the principal (null for an anonymous caller the auth plugin let through) and the name recorded. */
export interface AssessmentContext {
  actor: string;
  principal: Principal | null;
}

export interface AssessmentDeps {
  repo: AssessmentRepository;
  evidence: AssessmentEvidence;
  clock: Clock;
  /** evidence older than this earns at most 0.5 (default 30 days) */
  recencyWindowDays?: number | undefined;
}

export const ASSESSMENT_DEFAULTS = {
  recencyWindowDays: 30,
  historyLimit: 100,
  /** models scored in an organization or team pass */
  maxModels: 500,
  statementMaxLength: 5000,
  artifactUriMaxLength: 2048,
} as const;

const DAY = 86_400_000;
const LEVEL_INDEX = { Initial: 0, Spreading: 1, Widespread: 2, Mature: 3 } as const;
const invalid = (message: string, field: string) => new DomainError('INVALID_INPUT', message, { field });

export interface HistoryPoint {
  id: number;
  at: number;
  assessedBy: string;
  score: number;
  /** section scores (models) */
  sections?: Record<string, number>;
  /** maturity level (organization, team) */
  level?: string;
}

/** Scorecards of models, teams and the organization, measured from recorded evidence and kept over time. */
export class AssessmentService {
  private readonly windowMs: number;
  constructor(private readonly deps: AssessmentDeps) {
    const days = deps.recencyWindowDays ?? ASSESSMENT_DEFAULTS.recencyWindowDays;
    if (!(days > 0)) throw new Error(`recencyWindowDays must be positive, got ${days}`);
    this.windowMs = days * DAY;
  }

  // ---- models ------------------------------------------------------------------------------

  /** Scores `name` now; stores the scorecard as a snapshot unless `store` is false. */
  async assessModel(ctx: AssessmentContext, name: string, opts: { store?: boolean | undefined; windowDays?: number | undefined } = {}): Promise<ModelScorecard> {
    const now = this.deps.clock.now();
    const windowMs = this.window(opts.windowDays);
    const shared = await readShared(this.deps.evidence, now, windowMs);
    const card = await this.scoreModel(name, shared, now, windowMs);
    if (opts.store !== false) await this.deps.repo.insertSnapshot({ scope: 'model', subject: name, at: now, assessed_by: ctx.actor, score: card.final, report: JSON.stringify(card) });
    return card;
  }

  /** The newest stored scorecard (null before the first assessment) and the trend of past scores, newest first. */
  async modelReport(name: string): Promise<{ latest: ModelScorecard | null; history: HistoryPoint[] }> {
    await this.requireModel(name);
    return this.report<ModelScorecard>('model', name, (r) => ({ sections: Object.fromEntries((r as ModelScorecard).sections.map((s) => [s.id, s.score])) }));
  }

  async attest(ctx: AssessmentContext, model: string, input: { testId: string; statement: string; artifactUri?: string | null | undefined }): Promise<Attestation> {
    if (!TESTS.some((t) => t.id === input.testId)) throw invalid(`testId '${input.testId}' is not one of the 28 tests (${TESTS.map((t) => t.id).join(', ')})`, 'testId');
    const statement = input.statement.trim();
    if (!statement) throw invalid('statement must say what was done', 'statement');
    if (statement.length > ASSESSMENT_DEFAULTS.statementMaxLength) throw invalid(`statement must be at most ${ASSESSMENT_DEFAULTS.statementMaxLength} characters`, 'statement');
    const uri = input.artifactUri ?? null;
    if (uri !== null && (uri.length === 0 || uri.length > ASSESSMENT_DEFAULTS.artifactUriMaxLength)) throw invalid(`artifactUri must be 1 to ${ASSESSMENT_DEFAULTS.artifactUriMaxLength} characters`, 'artifactUri');
    await this.requireModel(model);
    const row = { model, test_id: input.testId, statement, artifact_uri: uri, attested_by: ctx.actor, attested_at: this.deps.clock.now() };
    const id = await this.deps.repo.insertAttestation(row);
    return toAttestation({ ...row, id });
  }

  async attestations(model: string): Promise<Attestation[]> {
    await this.requireModel(model);
    return (await this.deps.repo.attestations(model)).map(toAttestation);
  }

  // ---- projects ------------------------------------------------------------------------------

  /**
   * A project's scorecard: each linked model's ML Test Score, the project's final score (its
   * weakest model's: a project is as production-ready as its least tested model), its owner team's
   * skills coverage and lone superheroes. The owner team's members and admins.
   */
  async assessProject(ctx: AssessmentContext, name: string, opts: { store?: boolean | undefined; windowDays?: number | undefined; canRead?: (model: string) => Promise<boolean> } = {}): Promise<ProjectScorecard> {
    const now = this.deps.clock.now();
    const windowMs = this.window(opts.windowDays);
    const shared = await readShared(this.deps.evidence, now, windowMs);
    const project = this.requireProject(ctx, shared.projects, name);
    const cards: ModelScorecard[] = [];
    const missing: string[] = [];
    for (const m of project.models) {
      if (opts.canRead && !(await opts.canRead(m))) missing.push(m);
      else if (await this.deps.evidence.registry.model(m)) cards.push(await this.scoreModel(m, shared, now, windowMs));
      else missing.push(m);
    }
    const team = project.ownerTeam ? (await this.deps.evidence.org.teams()).find((t) => t.name === project.ownerTeam) : undefined;
    const final = cards.length ? Math.min(...cards.map((c) => c.final)) : 0;
    const report: ProjectScorecard = {
      project: project.name,
      stage: project.stage,
      ownerTeam: project.ownerTeam,
      assessedAt: now,
      recencyWindowDays: Math.round(windowMs / DAY),
      final,
      band: bandOf(final),
      models: cards.map((c) => ({ model: c.model, version: c.version, final: c.final, band: c.band.range, sections: Object.fromEntries(c.sections.map((x) => [x.id, x.score])), loneSuperhero: c.loneSuperhero.flagged ? c.loneSuperhero.person : null })),
      missingModels: missing,
      skills: team ? skillsCoverage(team, [project.name]) : null,
    };
    if (opts.store !== false) await this.deps.repo.insertSnapshot({ scope: 'project', subject: name, at: now, assessed_by: ctx.actor, score: final, report: JSON.stringify(report) });
    return report;
  }

  async projectReport(ctx: AssessmentContext, name: string): Promise<{ latest: ProjectScorecard | null; history: HistoryPoint[] }> {
    this.requireProject(ctx, await this.deps.evidence.projects.list(), name);
    return this.report<ProjectScorecard>('project', name, () => ({}));
  }

  private requireProject(ctx: AssessmentContext, projects: ProjectRecord[], name: string): ProjectRecord {
    const p = projects.find((x) => x.name === name);
    if (!p) throw new DomainError('NOT_FOUND', `Project '${name}' not found.`);
    if (p.ownerTeam) this.requireTeamRole(ctx.principal, p.ownerTeam, ['admin', 'maintainer', 'member', 'viewer'], `assess project '${name}'`);
    return p;
  }

  // ---- questionnaires ------------------------------------------------------------------------

  async questionnaire(scope: 'organization' | 'team', subject: string): Promise<{ answers: Questionnaire; updatedBy: string | null; updatedAt: number | null }> {
    if (scope === 'team') await this.requireTeam(subject);
    const row = await this.deps.repo.questionnaire(scope, subject);
    return row ? { answers: JSON.parse(row.answers) as Questionnaire, updatedBy: row.updated_by, updatedAt: Number(row.updated_at) } : { answers: {}, updatedBy: null, updatedAt: null };
  }

  /** Replaces the answers. The organization's: admins; a team's: its admins and maintainers. */
  async putQuestionnaire(ctx: AssessmentContext, scope: 'organization' | 'team', subject: string, answers: Record<string, unknown>) {
    if (scope === 'team') {
      await this.requireTeam(subject);
      this.requireTeamRole(ctx.principal, subject, ['admin', 'maintainer'], `answer team '${subject}'s questionnaire`);
    } else this.requireAdmin(ctx.principal, "answer the organization's questionnaire");
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(answers)) {
      const options = (QUESTIONNAIRE_OPTIONS as Record<string, readonly string[]>)[k];
      if (!options) throw invalid(`${k} is not a question (${Object.keys(QUESTIONNAIRE_OPTIONS).join(', ')})`, k);
      if (v === null || v === undefined) continue;
      if (typeof v !== 'string' || !options.includes(v)) throw invalid(`${k} must be one of ${options.join(', ')}`, k);
      clean[k] = v;
    }
    const now = this.deps.clock.now();
    await this.deps.repo.putQuestionnaire({ scope, subject, answers: JSON.stringify(clean), updated_by: ctx.actor, updated_at: now });
    return { answers: clean as Questionnaire, updatedBy: ctx.actor, updatedAt: now };
  }

  // ---- organization and teams ------------------------------------------------------------------

  /** The organization's maturity from every model, team and project; admins only. */
  async assessOrganization(ctx: AssessmentContext, opts: { store?: boolean | undefined; windowDays?: number | undefined } = {}) {
    this.requireAdmin(ctx.principal, "assess the organization's maturity");
    const now = this.deps.clock.now();
    const windowMs = this.window(opts.windowDays);
    const ev = this.deps.evidence;
    const shared = await readShared(ev, now, windowMs);
    const teams = await ev.org.teams();
    const models = await this.summaries((await ev.registry.models()).slice(0, ASSESSMENT_DEFAULTS.maxModels), shared, teams, now, windowMs);
    const questionnaire = (await this.questionnaire('organization', '')).answers;
    const input: OrgInput = {
      teams,
      models,
      projects: shared.projects,
      policies: shared.policies,
      budgets: await ev.governance.budgets(),
      datasetOwners: await ev.datasets.owners(),
      totals: await ev.tracking.totals(),
      pipelines: await ev.pipelines.names(),
      automatedResponses: shared.alertRules.filter((a) => a.enabled && a.action !== null).length,
      questionnaire,
    };
    const report = buildOrgReport('organization', '', now, windowMs, input);
    if (opts.store !== false) await this.deps.repo.insertSnapshot({ scope: 'organization', subject: '', at: now, assessed_by: ctx.actor, score: LEVEL_INDEX[report.maturity.level], report: JSON.stringify(report) });
    return report;
  }

  async organizationReport(ctx: AssessmentContext) {
    this.requireAdmin(ctx.principal, "read the organization's maturity");
    return this.report<OrgReport>('organization', '', (r) => ({ level: (r as OrgReport).maturity.level }));
  }

  /** One team: its models' scores, skills coverage, its own maturity criteria and Star Model review; members and admins. */
  async assessTeam(ctx: AssessmentContext, name: string, opts: { store?: boolean | undefined; windowDays?: number | undefined } = {}) {
    const team = await this.requireTeam(name);
    this.requireTeamRole(ctx.principal, name, ['admin', 'maintainer', 'member', 'viewer'], `assess team '${name}'`);
    const now = this.deps.clock.now();
    const windowMs = this.window(opts.windowDays);
    const ev = this.deps.evidence;
    const shared = await readShared(ev, now, windowMs);
    const teams = await ev.org.teams();
    const owned = (await ev.registry.models()).filter((m) => m.ownerTeam === name).slice(0, ASSESSMENT_DEFAULTS.maxModels);
    const models = await this.summaries(owned, shared, teams, now, windowMs);
    const projects = shared.projects.filter((p) => p.ownerTeam === name);
    const input: OrgInput = {
      teams: [team],
      models,
      projects,
      policies: shared.policies.filter((p) => p.scopeTeam === null || p.scopeTeam === name),
      budgets: (await ev.governance.budgets()).filter((b) => b.team === name),
      datasetOwners: (await ev.datasets.owners()).filter((d) => d.ownerTeam === name),
      totals: { experiments: 0, runs: 0 },
      pipelines: [],
      automatedResponses: shared.alertRules.filter((a) => a.enabled && a.action !== null && models.some((m) => m.deployed && shared.deployments.some((d) => d.name === a.deployment && d.variants.some((v) => v.model === m.name)))).length,
      questionnaire: (await this.questionnaire('team', name)).answers,
    };
    const base = buildOrgReport('team', name, now, windowMs, input);
    const report = { ...base, coverage: skillsCoverage(team, projects.map((p) => p.name)) };
    const mean = models.length ? models.reduce((s, m) => s + m.final, 0) / models.length : 0;
    if (opts.store !== false) await this.deps.repo.insertSnapshot({ scope: 'team', subject: name, at: now, assessed_by: ctx.actor, score: mean, report: JSON.stringify(report) });
    return report;
  }

  async teamReport(ctx: AssessmentContext, name: string) {
    await this.requireTeam(name);
    this.requireTeamRole(ctx.principal, name, ['admin', 'maintainer', 'member', 'viewer'], `read team '${name}'s assessment`);
    return this.report<OrgReport>('team', name, (r) => ({ level: (r as OrgReport).maturity.level }));
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The recency window of one assessment: `days` when given (1 to 365), else the configured one. */
  private window(days: number | undefined): number {
    if (days === undefined) return this.windowMs;
    if (!Number.isInteger(days) || days < 1 || days > 365) throw invalid('windowDays must be a whole number of days from 1 to 365', 'windowDays');
    return days * DAY;
  }

  private async scoreModel(name: string, shared: SharedEvidence, now: number, windowMs: number): Promise<ModelScorecard> {
    const model = await this.requireModel(name);
    const attestations = (await this.deps.repo.attestations(name)).map(toAttestation);
    const facts = await gatherModelFacts(this.deps.evidence, model, shared, attestations, now, windowMs);
    return this.scorecard(facts);
  }

  private scorecard(facts: ModelFacts): ModelScorecard {
    const sections = scoreTests(facts);
    const final = finalScore(sections);
    return {
      model: facts.model.name,
      ownerTeam: facts.model.ownerTeam,
      version: facts.version?.version ?? null,
      projects: facts.projects.map((p) => p.name),
      deployments: facts.deployments.map((d) => d.name),
      assessedAt: facts.now,
      recencyWindowDays: Math.round(facts.windowMs / DAY),
      sections,
      final,
      band: bandOf(final),
      loneSuperhero: loneSuperhero(facts),
    };
  }

  private async summaries(models: Awaited<ReturnType<AssessmentEvidence['registry']['models']>>, shared: SharedEvidence, teams: TeamRecord[], now: number, windowMs: number): Promise<ModelSummary[]> {
    const out: ModelSummary[] = [];
    for (const m of models) {
      const facts = await gatherModelFacts(this.deps.evidence, m, shared, (await this.deps.repo.attestations(m.name)).map(toAttestation), now, windowMs);
      const card = this.scorecard(facts);
      const deployers = card.loneSuperhero.deployers;
      out.push({
        name: m.name,
        ownerTeam: m.ownerTeam,
        deployed: facts.deployments.length > 0,
        automated: facts.pipelineRun !== null,
        pipeline: facts.pipelineRun?.pipeline ?? null,
        monitored: facts.deployments.some((d) => d.monitors.length > 0),
        alerting: facts.deployments.some((d) => d.alertRules.some((a) => a.enabled)),
        approved: facts.version?.approval.status === 'approved',
        canaried: facts.deployments.some((d) => d.rollouts.length > 0),
        tracked: facts.run !== null,
        datasets: [...new Set(facts.datasets.map((d) => d.name))],
        deployerTeams: [...new Set(teams.filter((t) => t.members.some((x) => deployers.includes(x.username))).map((t) => t.name))],
        final: card.final,
        band: card.band.range,
        loneSuperhero: card.loneSuperhero,
      });
    }
    return out;
  }

  private async report<R>(scope: string, subject: string, summarize: (r: unknown) => Partial<HistoryPoint>): Promise<{ latest: R | null; history: HistoryPoint[] }> {
    const latest = await this.deps.repo.latest(scope, subject);
    const rows = await this.deps.repo.history(scope, subject, ASSESSMENT_DEFAULTS.historyLimit);
    const history: HistoryPoint[] = [];
    for (const r of rows) history.push({ id: Number(r.id), at: Number(r.at), assessedBy: r.assessed_by, score: Number(r.score), ...summarize(JSON.parse(r.report)) });
    return { latest: latest ? (JSON.parse(latest.report) as R) : null, history };
  }

  private async requireModel(name: string) {
    const m = await this.deps.evidence.registry.model(name);
    if (!m) throw new DomainError('NOT_FOUND', `Registered model '${name}' not found.`);
    return m;
  }

  private async requireTeam(name: string): Promise<TeamRecord> {
    const t = (await this.deps.evidence.org.teams()).find((x) => x.name === name);
    if (!t) throw new DomainError('NOT_FOUND', `Team '${name}' not found.`);
    return t;
  }

  /** Anonymous callers got past the auth plugin already (single-user local use). */
  private requireAdmin(p: Principal | null, what: string): void {
    if (!p || p.isAdmin) return;
    throw new DomainError('NOT_ALLOWED', `Only platform admins may ${what}.`);
  }

  private requireTeamRole(p: Principal | null, team: string, roles: string[], what: string): void {
    if (!p || p.isAdmin) return;
    if (p.teams.some((t) => t.team === team && roles.includes(t.role))) return;
    throw new DomainError('NOT_ALLOWED', `Only admins and ${roles.join('/')} members of team '${team}' may ${what}.`);
  }
}

/** The organization's (or a team's) report from its evidence. */
function buildOrgReport(scope: 'organization' | 'team', subject: string, now: number, windowMs: number, input: OrgInput) {
  const f = figures(input);
  const archetype = inferArchetype(input, f);
  const skills = projectTeamsCoverage(input.teams, input.projects);
  return {
    scope,
    subject,
    assessedAt: now,
    recencyWindowDays: Math.round(windowMs / DAY),
    figures: f,
    maturity: seedsMaturity(f),
    google: googleLevel(f),
    microsoft: microsoftLevel(f, input.automatedResponses),
    archetype,
    starModel: starModel(input.questionnaire, f, archetype, skills),
    questionnaire: input.questionnaire,
    skills,
    loneSuperheroes: loneSuperheroes(input.models, input.projects),
    models: input.models.map((m) => ({ name: m.name, ownerTeam: m.ownerTeam, deployed: m.deployed, final: m.final, band: m.band })),
  };
}

export type OrgReport = ReturnType<typeof buildOrgReport>;

function toAttestation(r: AttestationRow): Attestation {
  return { id: Number(r.id), model: r.model, testId: r.test_id, statement: r.statement, artifactUri: r.artifact_uri, attestedBy: r.attested_by, attestedAt: Number(r.attested_at) };
}
