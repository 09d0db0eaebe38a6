/** Project stages, in the order a project moves through them. */
export const STAGES = ['idea', 'poc', 'pilot', 'production', 'retired'] as const;
export type Stage = (typeof STAGES)[number];

export const RISK_RATINGS = ['low', 'medium', 'high'] as const;
export type RiskRating = (typeof RISK_RATINGS)[number];

/** Roles a production team must cover by default (org's skills matrix). */
export const DEFAULT_REQUIRED_SKILLS = ['data_scientist', 'ml_engineer', 'product_owner'] as const;

/** The seeds' POC questions, plus the decision the prediction drives, the cost of errors and a risk rating. */
export interface BusinessCase {
  businessChallenge: string | null;
  /** how well it is solved today */
  currentBaseline: string | null;
  businessValue: string | null;
  /** who uses it and how */
  usersAndUsage: string | null;
  successMetric: string | null;
  successTarget: number | null;
  /** whether higher or lower values of the metric are better */
  successDirection: 'higher' | 'lower';
  coreTeam: string | null;
  dataExists: boolean | null;
  dataLabeled: boolean | null;
  timeline: string | null;
  budget: string | null;
  decision: string | null;
  costOfErrors: string | null;
  riskRating: RiskRating | null;
}

export interface ModelLink {
  name: string;
  /** null: the model, no particular version yet */
  version: string | null;
}

export interface Project {
  name: string;
  description: string;
  ownerTeam: string | null;
  stage: Stage;
  businessCase: BusinessCase;
  /** ms since epoch; a POC is time-boxed */
  pocEndDate: number | null;
  /** in POC past its end date */
  overdue: boolean;
  models: ModelLink[];
  deployments: string[];
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  stageChangedAt: number;
}

export interface GateCondition {
  key: string;
  label: string;
  passed: boolean;
  why: string;
}

export interface GateChecklist {
  project: string;
  from: Stage;
  to: Stage;
  passed: boolean;
  conditions: GateCondition[];
}

export interface StageChange {
  from: Stage;
  to: Stage;
  reason: string | null;
  actor: string;
  at: number;
  checklist: GateCondition[];
}

export interface OutcomePoint {
  metric: string;
  value: number;
  ts: number;
  recordedBy: string;
}

export interface OutcomeSeries {
  project: string;
  metric: string;
  target: number | null;
  direction: 'higher' | 'lower';
  points: { ts: number; value: number }[];
  latest: number | null;
  /** whether the latest value meets the target; null without a target or a value */
  metTarget: boolean | null;
}

// ---- ports: what the gates read from other domains ------------------------------------------

/** What the registry says about a model version (wired to RegistryService in main.ts). */
export interface ModelEvidence {
  /** undefined when the version does not exist */
  modelVersion(name: string, version: string): Promise<{ cardStatus: string | null; approval: 'pending' | 'approved' | 'rejected' } | undefined>;
}

/** Whether a deployment is watched by a monitor (wired to the monitors domain once it exists). */
export interface MonitoringEvidence {
  hasMonitor(deployment: string): Promise<boolean>;
}

/** A team's members and their skills (wired to OrgService/TeamsService). */
export interface TeamEvidence {
  /** undefined when there is no such team */
  members(team: string): Promise<{ username: string; skills: string[] }[] | undefined>;
}
