import type { Generated } from 'kysely';

/** Row shapes of the tables this domain owns (policies.migrations.ts). */
export interface PolicyVersionRow {
  name: string;
  version: number;
  scope_team: string | null;
  action: string;
  alias_pattern: string | null;
  /** JSON array of conditions */
  conditions: string;
  deleted: number;
  created_by: string;
  created_at: number;
}
export interface CostRateRow { key: string; price: number; updated_by: string; updated_at: number }
export interface BudgetTable {
  id: Generated<number>;
  name: string;
  /** a team's budget: the team; a project's: the project's owner team when set ('' without one) */
  team: string;
  /** a project's budget: the project; null for a team's */
  project: string | null;
  period: 'month';
  amount: number;
  enforce: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}
export interface BudgetAlertTable {
  id: Generated<number>;
  budget_id: number;
  period_start: number;
  threshold: number;
  spend: number;
  amount: number;
  at: number;
}

/** Other domains' tables this one reads (never writes): the evidence policies and costs are computed from. */
export interface EvidenceTables {
  teams: { id: number; name: string };
  experiments: { experiment_id: number; owner_team: number | null };
  runs: { run_uuid: string; experiment_id: number; user_id: string; status: string; start_time: number; end_time: number | null; lifecycle_stage: string };
  latest_metrics: { run_uuid: string; key: string; value: number; is_nan: number };
  registered_models: { name: string; owner_team: number | null };
  model_versions: { name: string; version: number; user_id: string | null; run_id: string | null };
  model_cards: { name: string; version: number; status: string };
  model_version_approvals: { id: number; name: string; version: number; status: string; decided_by: string | null; decided_at: number; reason: string | null };
  experiment_tags: { experiment_id: number; key: string; value: string };
  deployments: { name: string; created_at: number; current_revision: number };
  deployment_revisions: { deployment: string; revision: number; config: string; created_at: number };
  projects: { name: string; owner_team: string | null; deployments: string };
  named_datasets: { name: string; owner_team: number | null };
}

export interface PoliciesTables extends EvidenceTables {
  policy_versions: PolicyVersionRow;
  cost_rates: CostRateRow;
  budgets: BudgetTable;
  budget_alerts: BudgetAlertTable;
}
