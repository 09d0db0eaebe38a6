import type { PolicyRecord, ProjectRecord, TeamRecord } from './assessment.evidence-types.js';
import type { LoneSuperhero } from './assessment.types.js';

/**
 * Organization maturity from evidence: the seeds' levels, Google's and Microsoft's MLOps levels,
 * the team archetype and its design axes, the Star Model review, skills coverage and lone
 * superheroes. Pure functions over {@link OrgInput}; README.md states every criterion.
 */

export const ARCHETYPES = ['nascent', 'rnd', 'embedded', 'independent', 'ml_first'] as const;
export type Archetype = (typeof ARCHETYPES)[number];
export const ARCHETYPE_NAMES: Record<Archetype, string> = {
  nascent: 'Nascent / ad-hoc ML',
  rnd: 'ML in R&D',
  embedded: 'ML embedded in product teams',
  independent: 'Independent ML organization',
  ml_first: 'ML-first organization',
};

/** The short questionnaire: confirms or overrides what the evidence suggests. Every answer is optional. */
export interface Questionnaire {
  archetype?: Archetype | undefined;
  engineering?: 'software' | 'balanced' | 'research' | undefined;
  dataOwnership?: 'central' | 'distributed' | undefined;
  modelOwnership?: 'central' | 'distributed' | undefined;
  strategy?: 'ml_core' | 'ml_supporting' | 'exploratory' | undefined;
  structure?: 'central' | 'embedded' | 'hybrid' | undefined;
  processes?: 'standardized' | 'per_team' | 'ad_hoc' | undefined;
  rewards?: 'production_impact' | 'research_output' | 'not_defined' | undefined;
  people?: 'full_skills' | 'some_gaps' | 'major_gaps' | undefined;
}
export const QUESTIONNAIRE_OPTIONS: { [K in keyof Required<Questionnaire>]: readonly string[] } = {
  archetype: ARCHETYPES,
  engineering: ['software', 'balanced', 'research'],
  dataOwnership: ['central', 'distributed'],
  modelOwnership: ['central', 'distributed'],
  strategy: ['ml_core', 'ml_supporting', 'exploratory'],
  structure: ['central', 'embedded', 'hybrid'],
  processes: ['standardized', 'per_team', 'ad_hoc'],
  rewards: ['production_impact', 'research_output', 'not_defined'],
  people: ['full_skills', 'some_gaps', 'major_gaps'],
};

/** One model as the organization's criteria see it (from its scorecard and facts). */
export interface ModelSummary {
  name: string;
  ownerTeam: string | null;
  /** served by a deployment: "in production" for these criteria */
  deployed: boolean;
  /** the newest version was trained by a pipeline */
  automated: boolean;
  pipeline: string | null;
  /** a monitor on a serving deployment */
  monitored: boolean;
  /** an enabled alert rule on a serving deployment */
  alerting: boolean;
  /** the newest version is approved */
  approved: boolean;
  /** a canary rollout was run on a serving deployment */
  canaried: boolean;
  /** the newest version links to a tracked run */
  tracked: boolean;
  /** registered training datasets */
  datasets: string[];
  /** teams of the people who deployed it */
  deployerTeams: string[];
  final: number;
  band: string;
  loneSuperhero: LoneSuperhero;
}

export interface OrgInput {
  teams: TeamRecord[];
  models: ModelSummary[];
  projects: ProjectRecord[];
  policies: PolicyRecord[];
  budgets: { name: string; team: string; enforce: boolean }[];
  datasetOwners: { name: string; ownerTeam: string | null }[];
  totals: { experiments: number; runs: number };
  pipelines: string[];
  /** alert rules whose action rolls back automatically, and retraining triggered by alerts */
  automatedResponses: number;
  questionnaire: Questionnaire;
}

export interface Criterion {
  key: string;
  label: string;
  met: boolean;
  /** the figure the decision rests on, e.g. "3 of 4 (75%)" */
  figure: string;
}

export interface LevelResult<L> {
  level: L;
  name: string;
  /** every level with its criteria, lowest first; a level is reached when it and every lower one are met */
  levels: { level: L; name: string; met: boolean; criteria: Criterion[] }[];
}

const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
const pct = (n: number, of: number) => `${n} of ${of}${of ? ` (${Math.round(share(n, of) * 100)}%)` : ''}`;

/** The figures every criterion reads. */
export function figures(input: OrgInput) {
  const prod = input.models.filter((m) => m.deployed);
  const count = (pred: (m: ModelSummary) => boolean) => prod.filter(pred).length;
  const modelTeams = new Set(input.models.map((m) => m.ownerTeam).filter((t): t is string => t !== null));
  const usingTeams = new Set([...modelTeams, ...input.projects.map((p) => p.ownerTeam).filter((t): t is string => t !== null), ...input.datasetOwners.map((d) => d.ownerTeam).filter((t): t is string => t !== null)]);
  // A pipeline or a dataset is shared when models of two or more teams came out of it.
  const teamsBy = (key: (m: ModelSummary) => string[]) => {
    const m = new Map<string, Set<string>>();
    for (const x of input.models) for (const k of key(x)) if (x.ownerTeam) (m.get(k) ?? m.set(k, new Set()).get(k)!).add(x.ownerTeam);
    return [...m.entries()].filter(([, t]) => t.size >= 2).map(([k]) => k);
  };
  return {
    registered: input.models.length,
    runs: input.totals.runs,
    experiments: input.totals.experiments,
    production: prod.length,
    owned: input.models.filter((m) => m.ownerTeam !== null).length,
    prodOwned: count((m) => m.ownerTeam !== null),
    prodAutomated: count((m) => m.automated),
    prodMonitored: count((m) => m.monitored),
    prodAlerting: count((m) => m.monitored && m.alerting),
    prodApproved: count((m) => m.approved),
    prodCanaried: count((m) => m.canaried),
    prodTracked: count((m) => m.tracked),
    modelTeams: modelTeams.size,
    prodTeams: new Set(prod.map((m) => m.ownerTeam).filter((t) => t !== null)).size,
    usingTeams: usingTeams.size,
    sharedPipelines: teamsBy((m) => (m.pipeline ? [m.pipeline] : [])),
    sharedDatasets: teamsBy((m) => m.datasets),
    enforcedPolicies: input.policies.filter((p) => p.action === 'model.alias_set').length,
    policies: input.policies.length,
    budgets: input.budgets.length,
    projects: input.projects.length,
    productionProjects: input.projects.filter((p) => p.stage === 'production').length,
    measuredProjects: input.projects.filter((p) => p.successMetric && p.successTarget !== null).length,
  };
}
export type Figures = ReturnType<typeof figures>;

const LEVELS = ['Initial', 'Spreading', 'Widespread', 'Mature'] as const;
export type MaturityLevel = (typeof LEVELS)[number];

/** The seeds' maturity levels: Initial → Spreading → Widespread → Mature. */
export function seedsMaturity(f: Figures): LevelResult<MaturityLevel> {
  const atLeast = (n: number, of: number, min: number) => of > 0 && share(n, of) >= min;
  const criteria: Record<MaturityLevel, Criterion[]> = {
    Initial: [{ key: 'initial.platform', label: 'the platform is installed (every organization starts here)', met: true, figure: `${f.registered} registered model(s)` }],
    Spreading: [
      { key: 'spreading.teams', label: 'at least 2 teams use the platform (own models, datasets or projects)', met: f.usingTeams >= 2, figure: `${f.usingTeams} team(s)` },
      { key: 'spreading.production', label: 'at least 1 model in production (served by a deployment)', met: f.production >= 1, figure: `${f.production} model(s)` },
      { key: 'spreading.owners', label: 'at least half the registered models have an owner team', met: atLeast(f.owned, f.registered, 0.5), figure: pct(f.owned, f.registered) },
    ],
    Widespread: [
      { key: 'widespread.teams', label: 'at least 3 teams use the platform', met: f.usingTeams >= 3, figure: `${f.usingTeams} team(s)` },
      { key: 'widespread.shared', label: 'shared components: a pipeline or a dataset that models of 2+ teams came from', met: f.sharedPipelines.length + f.sharedDatasets.length > 0, figure: `pipelines: ${f.sharedPipelines.join(', ') || 'none'}; datasets: ${f.sharedDatasets.join(', ') || 'none'}` },
      { key: 'widespread.automated', label: 'at least half the production models trained by pipelines', met: atLeast(f.prodAutomated, f.production, 0.5), figure: pct(f.prodAutomated, f.production) },
      { key: 'widespread.monitored', label: 'at least half the production models monitored', met: atLeast(f.prodMonitored, f.production, 0.5), figure: pct(f.prodMonitored, f.production) },
      { key: 'widespread.approved', label: 'at least half the production models approved', met: atLeast(f.prodApproved, f.production, 0.5), figure: pct(f.prodApproved, f.production) },
    ],
    Mature: [
      { key: 'mature.automated', label: 'at least 80% of production models trained by pipelines', met: atLeast(f.prodAutomated, f.production, 0.8), figure: pct(f.prodAutomated, f.production) },
      { key: 'mature.monitored', label: 'at least 80% of production models monitored with alerts', met: atLeast(f.prodAlerting, f.production, 0.8), figure: pct(f.prodAlerting, f.production) },
      { key: 'mature.approved', label: 'at least 80% of production models approved', met: atLeast(f.prodApproved, f.production, 0.8), figure: pct(f.prodApproved, f.production) },
      { key: 'mature.owners', label: 'every production model has an owner team', met: f.production > 0 && f.prodOwned === f.production, figure: pct(f.prodOwned, f.production) },
      { key: 'mature.policies', label: "the Center of Excellence's policies exist and are enforced (on model promotion)", met: f.enforcedPolicies > 0, figure: `${f.policies} policies, ${f.enforcedPolicies} enforced` },
      { key: 'mature.budgets', label: 'budgets are set (cost is attributed and watched)', met: f.budgets > 0, figure: `${f.budgets} budget(s)` },
    ],
  };
  return ladder(LEVELS, (l) => l, criteria);
}

function ladder<L extends string | number>(order: readonly L[], name: (l: L) => string, criteria: Record<L, Criterion[]>): LevelResult<L> {
  const levels = order.map((level) => ({ level, name: name(level), met: criteria[level].every((c) => c.met), criteria: criteria[level] }));
  let reached = order[0]!;
  for (const l of levels) {
    if (!l.met) break;
    reached = l.level;
  }
  return { level: reached, name: name(reached), levels };
}

const GOOGLE = ['Manual process', 'ML pipeline automation', 'CI/CD pipeline automation'];
/** Google Cloud's "MLOps: continuous delivery and automation pipelines in ML" levels 0–2. */
export function googleLevel(f: Figures): LevelResult<number> {
  const half = (n: number) => f.production > 0 && share(n, f.production) >= 0.5;
  return ladder([0, 1, 2], (l) => `Level ${l}: ${GOOGLE[l]}`, {
    0: [{ key: 'google.0', label: 'models are trained and deployed (by hand is fine)', met: true, figure: `${f.production} production model(s)` }],
    1: [
      { key: 'google.1.ct', label: 'continuous training: at least half the production models trained by pipelines', met: half(f.prodAutomated), figure: pct(f.prodAutomated, f.production) },
      { key: 'google.1.monitoring', label: 'at least half the production models monitored', met: half(f.prodMonitored), figure: pct(f.prodMonitored, f.production) },
      { key: 'google.1.metadata', label: 'at least half the production models trace to tracked runs (metadata)', met: half(f.prodTracked), figure: pct(f.prodTracked, f.production) },
    ],
    2: [
      { key: 'google.2.cd', label: 'automated delivery: at least half the production models reached traffic through canary rollouts', met: half(f.prodCanaried), figure: pct(f.prodCanaried, f.production) },
      { key: 'google.2.gates', label: 'promotion gated by enforced policies', met: f.enforcedPolicies > 0, figure: `${f.enforcedPolicies} enforced policies` },
      { key: 'google.2.alerts', label: 'at least half the production models alert on what monitors measure', met: half(f.prodAlerting), figure: pct(f.prodAlerting, f.production) },
    ],
  } as Record<number, Criterion[]>);
}

const MICROSOFT = ['No MLOps', 'DevOps but no MLOps', 'Automated training', 'Automated model deployment', 'Full MLOps automated operations'];
/** Microsoft's "Machine Learning operations maturity model" levels 0–4. */
export function microsoftLevel(f: Figures, automatedResponses: number): LevelResult<number> {
  const half = (n: number) => f.production > 0 && share(n, f.production) >= 0.5;
  return ladder([0, 1, 2, 3, 4], (l) => `Level ${l}: ${MICROSOFT[l]}`, {
    0: [{ key: 'microsoft.0', label: 'starting point', met: true, figure: '' }],
    1: [{ key: 'microsoft.1.deployed', label: 'models are released to a serving endpoint', met: f.production > 0, figure: `${f.production} production model(s)` }],
    2: [
      { key: 'microsoft.2.tracked', label: 'at least half the production models trace to tracked experiments', met: half(f.prodTracked), figure: pct(f.prodTracked, f.production) },
      { key: 'microsoft.2.pipelines', label: 'at least half the production models trained by pipelines', met: half(f.prodAutomated), figure: pct(f.prodAutomated, f.production) },
    ],
    3: [
      { key: 'microsoft.3.canary', label: 'at least half the production models released by canary rollouts', met: half(f.prodCanaried), figure: pct(f.prodCanaried, f.production) },
      { key: 'microsoft.3.approved', label: 'at least half the production models approved before release', met: half(f.prodApproved), figure: pct(f.prodApproved, f.production) },
    ],
    4: [
      { key: 'microsoft.4.monitored', label: 'at least half the production models monitored with alerts', met: half(f.prodAlerting), figure: pct(f.prodAlerting, f.production) },
      { key: 'microsoft.4.responses', label: 'alerts act on their own (automatic rollback or retraining)', met: automatedResponses > 0, figure: `${automatedResponses} automated response(s)` },
    ],
  } as Record<number, Criterion[]>);
}

/** Known strengths and failure modes of each archetype (after the seeds' talks on ML team design). */
export const ARCHETYPE_TRAITS: Record<Archetype, { strengths: string[]; failureModes: string[] }> = {
  nascent: {
    strengths: ['cheap to start; fast to try ideas', 'close to the business problem'],
    failureModes: ['POCs that never reach production', 'no ownership of models after the author leaves', 'no monitoring: failures found by customers'],
  },
  rnd: {
    strengths: ['strong research and experimentation', 'deep expertise concentrated in one place'],
    failureModes: ['work thrown over the wall to product teams', 'models optimized for offline metrics, not business outcomes', 'few models reach production'],
  },
  embedded: {
    strengths: ['models tied to product goals and users', 'fast iteration with the product team'],
    failureModes: ['duplicated tooling and pipelines in every team', 'isolated ML practitioners without peers (lone superheroes)', 'inconsistent standards for quality and monitoring'],
  },
  independent: {
    strengths: ['shared platform, standards and career paths for ML people', 'reuse of components across projects'],
    failureModes: ['distance from product teams and their priorities', 'a queue of requests: the central team becomes a bottleneck', 'ownership disputes between the ML and product teams'],
  },
  ml_first: {
    strengths: ['ML is the product: investment follows', 'automation and monitoring are the default'],
    failureModes: ['complexity and technical debt of many interacting models', 'cost growth without budgets', 'hard to change course: everything depends on the models'],
  },
};

export interface AxisResult {
  axis: 'engineering' | 'dataOwnership' | 'modelOwnership';
  label: string;
  inferred: string;
  declared: string | null;
  effective: string;
  figure: string;
}

export interface ArchetypeResult {
  inferred: Archetype;
  declared: Archetype | null;
  effective: Archetype;
  name: string;
  /** null without an answer; false when the answer overrides the evidence */
  confirmed: boolean | null;
  reasons: string[];
  strengths: string[];
  failureModes: string[];
  axes: AxisResult[];
}

/** The concentration of `owners`: the biggest owner's share. */
function concentration(owners: (string | null)[]): { top: string | null; share: number; n: number } {
  const counts = new Map<string, number>();
  for (const o of owners) if (o) counts.set(o, (counts.get(o) ?? 0) + 1);
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const [top, c] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  return { top, share: share(c, n), n };
}

/** Infers the archetype and the three axes from where models are owned and deployed. */
export function inferArchetype(input: OrgInput, f: Figures): ArchetypeResult {
  const prod = input.models.filter((m) => m.deployed);
  const owner = concentration(prod.map((m) => m.ownerTeam));
  // Projects using the central team's models but owned by another team: the central team serves others.
  const servedOthers = owner.top ? input.projects.filter((p) => p.ownerTeam && p.ownerTeam !== owner.top && p.models.some((m) => prod.find((x) => x.name === m)?.ownerTeam === owner.top)).length : 0;
  const reasons: string[] = [];
  let inferred: Archetype;
  if (f.production === 0) {
    inferred = f.runs >= 20 && f.registered >= 2 ? 'rnd' : 'nascent';
    reasons.push(`no model in production; ${f.runs} runs and ${f.registered} registered models`);
  } else if (f.production <= 1 && f.modelTeams <= 1) {
    inferred = 'nascent';
    reasons.push(`${f.production} production model owned by ${f.modelTeams} team`);
  } else if (f.prodTeams >= 3 && share(f.productionProjects, f.projects) >= 0.5 && share(f.prodAutomated, f.production) >= 0.5) {
    inferred = 'ml_first';
    reasons.push(`${f.prodTeams} teams run production models; ${pct(f.productionProjects, f.projects)} projects in production; ${pct(f.prodAutomated, f.production)} trained by pipelines`);
  } else if (owner.share >= 0.6 && owner.n >= 2) {
    inferred = 'independent';
    reasons.push(`team '${owner.top}' owns ${Math.round(owner.share * 100)}% of production models${servedOthers ? `, used by ${servedOthers} project(s) of other teams` : ''}`);
  } else if (f.prodTeams >= 2) {
    inferred = 'embedded';
    reasons.push(`production models spread over ${f.prodTeams} owner teams, none owning 60%`);
  } else {
    inferred = share(f.production, f.registered) < 0.25 ? 'rnd' : 'nascent';
    reasons.push(`${pct(f.production, f.registered)} registered models in production`);
  }
  const q = input.questionnaire;
  const declared = q.archetype ?? null;
  const effective = declared ?? inferred;
  const data = concentration(input.datasetOwners.map((d) => d.ownerTeam));
  const models = concentration(input.models.map((m) => m.ownerTeam));
  const engineeringShare = share(f.production + f.prodAutomated, 2 * Math.max(f.registered, 1));
  const axis = (a: AxisResult['axis'], label: string, inferredValue: string, declaredValue: string | undefined, figure: string): AxisResult => ({ axis: a, label, inferred: inferredValue, declared: declaredValue ?? null, effective: declaredValue ?? inferredValue, figure });
  const axes = [
    axis('engineering', 'software engineering vs research', engineeringShare >= 0.5 ? 'software' : engineeringShare < 0.25 ? 'research' : 'balanced', q.engineering, `${pct(f.production, f.registered)} registered models in production, ${pct(f.prodAutomated, f.production)} of them pipeline-trained; ${f.runs} runs in ${f.experiments} experiments`),
    axis('dataOwnership', 'data ownership', data.n === 0 ? 'unknown' : data.share >= 0.6 ? 'central' : 'distributed', q.dataOwnership, data.n ? `team '${data.top}' owns ${Math.round(data.share * 100)}% of ${data.n} owned datasets` : 'no owned datasets'),
    axis('modelOwnership', 'model ownership', models.n === 0 ? 'unknown' : models.share >= 0.6 ? 'central' : 'distributed', q.modelOwnership, models.n ? `team '${models.top}' owns ${Math.round(models.share * 100)}% of ${models.n} owned models` : 'no owned models'),
  ];
  return { inferred, declared, effective, name: ARCHETYPE_NAMES[effective], confirmed: declared === null ? null : declared === inferred, reasons, ...ARCHETYPE_TRAITS[effective], axes };
}

// ---- skills ------------------------------------------------------------------------------------

/** The seeds' roles of a project team, each covered by any of its skills. */
export const TEAM_ROLES_REQUIRED: readonly { role: string; skills: readonly string[] }[] = [
  { role: 'research scientist / data scientist', skills: ['research_scientist', 'data_scientist'] },
  { role: 'engineer (ML, software or data)', skills: ['ml_engineer', 'software_engineer', 'data_engineer'] },
  { role: 'product owner', skills: ['product_owner'] },
  { role: 'statistician', skills: ['statistician'] },
];
/** A two-pizza team: small enough to feed with two pizzas. */
export const TWO_PIZZA_MAX = 10;

export interface SkillsCoverage {
  team: string;
  projects: string[];
  members: number;
  covered: string[];
  missing: string[];
  twoPizza: boolean;
}

export function skillsCoverage(team: TeamRecord, projects: string[]): SkillsCoverage {
  const skills = new Set(team.members.flatMap((m) => m.skills));
  const covered = TEAM_ROLES_REQUIRED.filter((r) => r.skills.some((s) => skills.has(s))).map((r) => r.role);
  return {
    team: team.name,
    projects,
    members: team.members.length,
    covered,
    missing: TEAM_ROLES_REQUIRED.map((r) => r.role).filter((r) => !covered.includes(r)),
    twoPizza: team.members.length > 0 && team.members.length <= TWO_PIZZA_MAX,
  };
}

/** Every team that owns a project, against the skills matrix. */
export function projectTeamsCoverage(teams: readonly TeamRecord[], projects: readonly ProjectRecord[]): SkillsCoverage[] {
  const byTeam = new Map<string, string[]>();
  for (const p of projects) if (p.ownerTeam && p.stage !== 'retired') (byTeam.get(p.ownerTeam) ?? byTeam.set(p.ownerTeam, []).get(p.ownerTeam)!).push(p.name);
  return [...byTeam.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([name, ps]) => {
    const t = teams.find((x) => x.name === name);
    return t ? [skillsCoverage(t, ps)] : [];
  });
}

// ---- Star Model --------------------------------------------------------------------------------

export interface StarPoint {
  point: 'strategy' | 'structure' | 'processes' | 'rewards' | 'people';
  declared: string | null;
  evidence: string;
  /** null when the question is unanswered */
  aligned: boolean | null;
  misalignment: string | null;
  suggestion: string | null;
}

/**
 * Galbraith's Star Model: strategy, structure, processes, rewards and people must fit each other.
 * Each answer is checked against the evidence (and against the strategy).
 */
export function starModel(q: Questionnaire, f: Figures, archetype: ArchetypeResult, skills: readonly SkillsCoverage[]): StarPoint[] {
  const out: StarPoint[] = [];
  const add = (point: StarPoint['point'], declared: string | undefined, evidence: string, problem: string | null, suggestion: string | null) =>
    out.push({ point, declared: declared ?? null, evidence, aligned: declared === undefined ? null : problem === null, misalignment: declared === undefined ? null : problem, suggestion: declared === undefined ? `answer the '${point}' question` : problem === null ? null : suggestion });

  const prodShare = share(f.productionProjects, f.projects);
  add('strategy', q.strategy, `${pct(f.productionProjects, f.projects)} projects in production; ${f.production} production models`,
    q.strategy === 'ml_core' && prodShare < 0.25 ? 'ML is declared core to the strategy, but few projects reach production'
      : q.strategy === 'exploratory' && f.production >= 3 ? `ML is declared exploratory, but ${f.production} models already serve production traffic` : null,
    q.strategy === 'ml_core' ? 'time-box POCs and fund the path to production (stage gates, a platform team)' : 'treat the production models as products: owners, monitoring and budgets');

  const modelAxis = archetype.axes.find((a) => a.axis === 'modelOwnership')!;
  add('structure', q.structure, `model ownership looks ${modelAxis.inferred} (${modelAxis.figure})`,
    q.structure === 'central' && modelAxis.inferred === 'distributed' ? 'a central ML team is declared, but models are owned across many teams'
      : q.structure === 'embedded' && modelAxis.inferred === 'central' ? 'ML is declared embedded in product teams, but one team owns most models' : null,
    q.structure === 'central' ? 'move ownership of models to the central team, or declare a hybrid structure with a platform team' : 'give product teams ownership of their models, with a small platform team for shared tooling');

  const automation = share(f.prodAutomated, f.production);
  add('processes', q.processes, `${pct(f.prodAutomated, f.production)} production models trained by pipelines; ${f.enforcedPolicies} enforced policies`,
    q.processes === 'standardized' && (automation < 0.5 || f.enforcedPolicies === 0) ? 'processes are declared standardized, but most training is manual or no policy is enforced'
      : q.processes === 'ad_hoc' && automation >= 0.8 ? 'processes are declared ad hoc, yet most training is automated: write the standard down' : null,
    q.processes === 'standardized' ? 'share pipeline templates and apply Center-of-Excellence policies on promotion' : 'document the de-facto standard as policies and templates');

  const measured = share(f.measuredProjects, f.projects);
  add('rewards', q.rewards, `${pct(f.measuredProjects, f.projects)} projects have a success metric with a target`,
    q.rewards === 'production_impact' && measured < 0.5 ? 'production impact is declared the reward, but most projects have no measurable success metric and target'
      : q.rewards === 'research_output' && q.strategy === 'ml_core' ? 'research output is rewarded while ML is core to the strategy: people are paid for papers, the business needs products'
        : q.rewards === 'not_defined' ? 'no reward is tied to ML outcomes' : null,
    q.rewards === 'research_output' ? 'reward shipped models and their business results' : 'set a success metric and target on every project and recognize the teams that meet them');

  const gaps = skills.filter((s) => s.missing.length > 0);
  add('people', q.people, gaps.length ? `${gaps.length} of ${skills.length} project teams miss roles: ${gaps.map((g) => `${g.team} (${g.missing.join(', ')})`).join('; ')}` : `${skills.length} project teams cover every role`,
    q.people === 'full_skills' && gaps.length ? 'the skills are declared complete, but project teams miss roles' : q.people === 'major_gaps' && skills.length > 0 && gaps.length === 0 ? 'major gaps are declared, but every project team covers the roles' : null,
    gaps.length ? `staff the missing roles: ${[...new Set(gaps.flatMap((g) => g.missing))].join(', ')}` : 'record members\' skills in the org (users\' skills) so the evidence reflects them');
  return out;
}

/** The lone superheroes among `models`, with the projects they carry. */
export function loneSuperheroes(models: readonly ModelSummary[], projects: readonly ProjectRecord[]) {
  return models.filter((m) => m.loneSuperhero.flagged).map((m) => ({ model: m.name, person: m.loneSuperhero.person!, projects: projects.filter((p) => p.models.includes(m.name)).map((p) => p.name), why: m.loneSuperhero.why }));
}
