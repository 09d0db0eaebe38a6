// Shapes of the org, projects, policies, audit, catalog and assessment APIs as the pages read them
// (mirroring packages/server/src/domains/{org,projects,policies,audit,catalog,assessment}).

export const STAGES = ['idea', 'poc', 'pilot', 'production', 'retired'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_LABEL: Record<Stage, string> = { idea: 'Idea', poc: 'POC', pilot: 'Pilot', production: 'Production', retired: 'Retired' };
/** The stage a project moves to next; null at the end of the line. */
export const nextStage = (s: Stage): Stage | null => (s === 'production' ? 'retired' : s === 'retired' ? null : STAGES[STAGES.indexOf(s) + 1]!);

export interface TeamNode {
  name: string;
  parent: string | null;
  description: string;
  children: TeamNode[];
}
export interface TeamWithMembers {
  name: string;
  parent: string | null;
  description: string;
  members: { username: string; displayName: string; role: string }[];
  children: string[];
}
export interface User {
  username: string;
  displayName: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  skills: string[];
}

export interface BusinessCase {
  businessChallenge: string | null;
  currentBaseline: string | null;
  businessValue: string | null;
  usersAndUsage: string | null;
  successMetric: string | null;
  successTarget: number | null;
  successDirection: 'higher' | 'lower';
  coreTeam: string | null;
  dataExists: boolean | null;
  dataLabeled: boolean | null;
  timeline: string | null;
  budget: string | null;
  decision: string | null;
  costOfErrors: string | null;
  riskRating: 'low' | 'medium' | 'high' | null;
}
export interface Project {
  name: string;
  description: string;
  ownerTeam: string | null;
  stage: Stage;
  businessCase: BusinessCase;
  pocEndDate: number | null;
  overdue: boolean;
  models: { name: string; version: string | null }[];
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
export interface Checklist {
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
export interface OutcomeSeries {
  project: string;
  metric: string;
  target: number | null;
  direction: 'higher' | 'lower';
  points: { ts: number; value: number }[];
  latest: number | null;
  metTarget: boolean | null;
}

export interface BudgetStatus {
  name: string;
  team: string;
  amount: number;
  period: string;
  enforce: boolean;
  periodStart: number;
  periodEnd: number;
  computeSeconds: number;
  spend: number;
  percent: number;
  remaining: number;
  alerts: { threshold: number; periodStart: number; spend: number; amount: number; at: number }[];
}
export interface TeamSpend {
  team: string;
  period: string;
  computeSeconds: number;
  compute: number;
  /** Deployment replica-seconds serving the team's models, and their price. */
  replicaSeconds?: number;
  replicas?: number;
  /** Bytes of the team's artifacts and datasets, their price this month, and when the store was last measured. */
  storageBytes?: number;
  storage: number | null;
  storageMeasuredAt?: number | null;
  spend: number;
}

export interface AuditEntry {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  team: string | null;
  source: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}
export interface VerifyResult {
  ok: boolean;
  checked: number;
  lastSeq: number;
  headHash: string;
  firstBrokenSeq?: number;
  reason?: string;
}

export type PolicyCondition =
  | { type: 'model_card_approved' }
  | { type: 'reviews'; min: number; excludeAuthor: boolean }
  | { type: 'metric'; name: string; op: string; threshold: number; on?: 'run' | 'evaluation' }
  | { type: 'fairness_gap'; metric: string; max: number };
export interface Policy {
  name: string;
  version: number;
  scope: { team?: string };
  action: string;
  alias?: string;
  conditions: PolicyCondition[];
  deleted: boolean;
  createdBy: string;
  createdAt: number;
}

export interface CatalogItem {
  kind: string;
  name: string;
  description: string;
  team: string | null;
  visibility: string | null;
  path: string;
  updatedAt: number | null;
  matched: string[];
}
