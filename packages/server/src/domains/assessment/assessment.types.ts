import type { AlertRuleRecord, AuditRecord, DatasetVersionRecord, DeploymentRecord, ModelRecord, MonitorRecord, PipelineRunRecord, PolicyRecord, ProjectRecord, RolloutRecord, RunRecord, VersionRecord } from './assessment.evidence-types.js';

export const SECTIONS = ['data', 'model', 'infrastructure', 'monitoring'] as const;
export type SectionId = (typeof SECTIONS)[number];
export const SECTION_NAMES: Record<SectionId, string> = {
  data: 'Features and Data',
  model: 'Model Development',
  infrastructure: 'ML Infrastructure',
  monitoring: 'Monitoring',
};

/** How a test earned its score: automated and recent (1), by hand (0.5), a person's attestation (0.5), or nothing. */
export type Basis = 'automated' | 'manual' | 'attestation' | 'none';

/** One piece of evidence a score rests on: what it is, how to find it, what it showed. */
export interface EvidenceRef {
  /** e.g. dataset_version, run, baseline_run, model_card, approval, rollout, monitor, alert_rule, pipeline_run, rollback, attestation */
  kind: string;
  /** a stable reference: `dataset:sales/3`, `run:<id>`, `deployment:churn/rollout:<id>`, `monitor:<id>` … */
  ref: string;
  detail: string;
  /** ms since epoch, when the evidence has a time */
  at?: number | null;
}

export interface RuleOutcome {
  score: 0 | 0.5 | 1;
  basis: Basis;
  evidence: EvidenceRef[];
  /** one sentence: why this score */
  why: string;
  /** what would raise it; null at 1 */
  raise: string | null;
}

export interface TestResult extends RuleOutcome {
  id: string;
  section: SectionId;
  name: string;
}

export interface SectionResult {
  id: SectionId;
  name: string;
  score: number;
  max: number;
  tests: TestResult[];
}

export interface Band {
  /** e.g. "(1,2]" */
  range: string;
  meaning: string;
}

export interface Attestation {
  id: number;
  model: string;
  testId: string;
  statement: string;
  artifactUri: string | null;
  attestedBy: string;
  attestedAt: number;
}

export interface LoneSuperhero {
  flagged: boolean;
  trainers: string[];
  registrars: string[];
  deployers: string[];
  /** the one person who did everything, when flagged */
  person: string | null;
  why: string;
}

/** The ML Test Score of one registered model, with every test's evidence. */
export interface ModelScorecard {
  model: string;
  ownerTeam: string | null;
  /** the version the score is about (the newest); null when the model has none */
  version: string | null;
  projects: string[];
  deployments: string[];
  assessedAt: number;
  recencyWindowDays: number;
  sections: SectionResult[];
  /** min of the four section scores (Breck et al. 2017) */
  final: number;
  band: Band;
  loneSuperhero: LoneSuperhero;
}

/** A project's readiness: its models' ML Test Scores; the final is its weakest model's. */
export interface ProjectScorecard {
  project: string;
  stage: string;
  ownerTeam: string | null;
  assessedAt: number;
  recencyWindowDays: number;
  final: number;
  band: Band;
  models: { model: string; version: string | null; final: number; band: string; sections: Record<string, number>; loneSuperhero: string | null }[];
  /** linked models that are not registered (yet) */
  missingModels: string[];
  skills: { team: string; projects: string[]; members: number; covered: string[]; missing: string[]; twoPizza: boolean } | null;
}

/** What the rules read about one model, gathered once per assessment. */
export interface ModelFacts {
  now: number;
  windowMs: number;
  model: ModelRecord;
  versions: VersionRecord[];
  /** the newest version */
  version: VersionRecord | null;
  run: RunRecord | null;
  /** the training runs of every fetched version (lone-superhero check) */
  versionRuns: RunRecord[];
  /** the pipeline run whose step created `run` */
  pipelineRun: PipelineRunRecord | null;
  /** other runs of the same experiment (tuning) */
  siblingRuns: RunRecord[];
  /** the run named by `run`'s baseline tag */
  baselineRun: RunRecord | null;
  /** the registered dataset versions `run` trained on */
  datasets: DatasetVersionRecord[];
  deployments: DeploymentFacts[];
  projects: ProjectRecord[];
  /** policies that apply to the model (organization-wide or its owner team) */
  policies: PolicyRecord[];
  attestations: Attestation[];
}

export interface DeploymentFacts extends DeploymentRecord {
  /** a variant serves the newest version */
  servesLatest: boolean;
  rollouts: RolloutRecord[];
  monitors: MonitorRecord[];
  alertRules: AlertRuleRecord[];
  /** over the recency window */
  actuals: { predictions: number; withActuals: number };
  rollbacks: AuditRecord[];
}
