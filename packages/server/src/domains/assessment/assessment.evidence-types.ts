/**
 * The evidence ports of the assessment domain: what it reads of the platform, and nothing more.
 * Each is a narrow view of another domain's service, adapted in assessment.evidence.ts (wired in
 * main.ts). The assessment never touches another domain's tables.
 */

/** A registered model as the scorecard needs it. */
export interface ModelRecord {
  name: string;
  /** owner team name; null when unowned */
  ownerTeam: string | null;
  createdAt: number;
  aliases: { alias: string; version: string }[];
}

export interface VersionRecord {
  model: string;
  version: string;
  createdAt: number;
  /** who registered it (the registry's user_id) */
  registeredBy: string | null;
  runId: string | null;
  signature: { inputs: number; outputs: number; source: string } | null;
  card: {
    status: string;
    updatedAt: number;
    updatedBy: string | null;
    /** sections with text */
    sections: string[];
    /** distinct groups of the card's quantitative analyses */
    analysisGroups: number;
  } | null;
  approval: { status: string; decidedBy: string | null; decidedAt: number | null };
}

export interface RunRecord {
  runId: string;
  experimentId: string;
  userId: string;
  status: string;
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** latest value per key */
  metrics: Record<string, { value: number; timestamp: number; step: number }>;
  inputs: { name: string; digest: string; source: string }[];
}

export interface DatasetVersionRecord {
  name: string;
  version: number;
  createdAt: number;
  createdBy: string | null;
  columns: number | null;
  hasProfile: boolean;
  datasheetSections: string[];
  /** owner team name and visibility of the dataset */
  ownerTeam: string | null;
  visibility: string;
}

export interface DeploymentRecord {
  name: string;
  revision: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
  variants: { name: string; role: string; weight: number; model: string | null; version: string | null }[];
  revisions: { revision: number; createdAt: number; createdBy: string | null; models: { model: string; version: string; role: string }[] }[];
}

export interface RolloutRecord {
  id: string;
  deployment: string;
  canary: string;
  state: string;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
  guardrails: { errorRate: boolean; latency: boolean; metrics: string[] };
}

export interface MonitorRecord {
  id: string;
  name: string;
  deployment: string;
  createdAt: number;
  createdBy: string | null;
  referenceDataset: { name: string; version: string } | null;
  drift: boolean;
  quality: boolean;
  fairness: boolean;
  /** end of the newest evaluated window, null when never evaluated */
  lastEvaluatedAt: number | null;
}

export interface AlertRuleRecord {
  id: string;
  name: string;
  deployment: string | null;
  monitorId: string | null;
  metric: string;
  enabled: boolean;
  notifies: number;
  action: string | null;
  lastEvaluatedAt: number | null;
}

export interface PipelineRunRecord {
  id: string;
  pipeline: string;
  state: string;
  createdAt: number;
  finishedAt: number | null;
  steps: { name: string; state: string; finishedAt: number | null }[];
}

export interface TeamRecord {
  name: string;
  parent: string | null;
  members: { username: string; role: string; skills: string[] }[];
}

export interface ProjectRecord {
  name: string;
  ownerTeam: string | null;
  stage: string;
  createdBy: string;
  models: string[];
  deployments: string[];
  successMetric: string | null;
  successTarget: number | null;
}

export interface PolicyRecord {
  name: string;
  action: string;
  scopeTeam: string | null;
  conditions: string[];
  createdAt: number;
}

export interface AuditRecord {
  ts: number;
  actor: string;
  action: string;
  resource: string;
}

/**
 * What the assessment reads of the platform. Every method is a read; `undefined` means "no such
 * thing". Wired to the services in main.ts (see {@link platformEvidence}).
 */
export interface AssessmentEvidence {
  registry: {
    model(name: string): Promise<ModelRecord | undefined>;
    models(): Promise<ModelRecord[]>;
    /** newest first, at most `limit` */
    versions(model: string, limit: number): Promise<VersionRecord[]>;
  };
  tracking: {
    run(runId: string): Promise<RunRecord | undefined>;
    /** runs of an experiment, newest first, at most `limit` */
    experimentRuns(experimentId: string, limit: number): Promise<RunRecord[]>;
    /** experiments and runs overall (the research side of the org) */
    totals(): Promise<{ experiments: number; runs: number }>;
  };
  datasets: {
    /** the registered dataset versions a run's inputs match (by digest or source) */
    versionsForInputs(inputs: { digest: string; source: string }[]): Promise<DatasetVersionRecord[]>;
    /** every dataset with its owner team */
    owners(): Promise<{ name: string; ownerTeam: string | null }[]>;
  };
  serving: {
    deployments(): Promise<DeploymentRecord[]>;
    rollouts(deployment: string): Promise<RolloutRecord[]>;
  };
  monitoring: {
    monitors(deployment: string): Promise<MonitorRecord[]>;
    alertRules(): Promise<AlertRuleRecord[]>;
    /** predictions and those joined to actuals in [since, until) */
    actuals(deployment: string, since: number, until: number): Promise<{ predictions: number; withActuals: number }>;
  };
  pipelines: {
    run(id: string): Promise<PipelineRunRecord | undefined>;
    names(): Promise<string[]>;
  };
  org: {
    teams(): Promise<TeamRecord[]>;
  };
  projects: {
    list(): Promise<ProjectRecord[]>;
  };
  governance: {
    policies(): Promise<PolicyRecord[]>;
    budgets(): Promise<{ name: string; team: string; enforce: boolean }[]>;
    /** audit entries of an action (exact or `prefix.*`) since `since`, newest first */
    audit(action: string, since: number, limit: number): Promise<AuditRecord[]>;
  };
}
