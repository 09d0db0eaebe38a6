export const POLICY_ACTIONS = ['model.alias_set', 'deployment.production', 'project.stage'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];
export const METRIC_OPS = ['>=', '>', '<=', '<', '=='] as const;
export type MetricOp = (typeof METRIC_OPS)[number];

export type Condition =
  | { type: 'model_card_approved' }
  | { type: 'reviews'; min: number; excludeAuthor: boolean }
  | { type: 'metric'; name: string; op: MetricOp; threshold: number; on?: 'run' | 'evaluation' }
  | { type: 'fairness_gap'; metric: string; max: number };

export interface Policy {
  name: string;
  version: number;
  scope: { team?: string };
  action: PolicyAction;
  /** for model.alias_set: the alias it guards; `*` matches any run of characters */
  alias?: string;
  conditions: Condition[];
  deleted: boolean;
  createdBy: string;
  createdAt: number;
}

/** What an action is about, for evaluation. */
export interface ActionSubject {
  action: PolicyAction;
  model: string;
  version: number;
  alias?: string | undefined;
}

export interface ConditionResult {
  policy: string;
  policyVersion: number;
  condition: Condition;
  met: boolean;
  /** what was found, in words */
  detail: string;
}

export interface Checklist {
  action: PolicyAction;
  subject: ActionSubject;
  allowed: boolean;
  policies: { name: string; version: number }[];
  results: ConditionResult[];
}

/** Who acts and from where (audit). */
export interface Actor {
  actor: string;
  source?: string | null | undefined;
}
