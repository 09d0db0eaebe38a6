import type { BudgetsService } from './budgets.service.js';
import type { PoliciesService } from './policies.service.js';

/**
 * The one object the registry and tracking services consult before an action the organization
 * governs (their `RegistryActionGate` / `TrackingActionGate` ports, matched structurally so those
 * domains do not import this one): approval policies before an alias is set, budgets before a run or a deployment.
 */
export class PolicyGate {
  constructor(private readonly deps: { policies: PoliciesService; budgets: BudgetsService }) {}

  beforeAliasSet(input: { model: string; alias: string; version: number; actor: string; source: string | null }): Promise<void> {
    return this.deps.policies.enforce({ action: 'model.alias_set', model: input.model, version: input.version, alias: input.alias }, input);
  }

  beforeRunCreate(input: { experimentId: number; actor: string; source: string | null }): Promise<void> {
    return this.deps.budgets.enforceRunCreate(input.experimentId, input);
  }

  /** Serving's `DeploymentBudgetGate`: budgets before a deployment is created or changed. */
  beforeDeploy(input: { deployment: string; models: string[]; actor: string; source: string | null }): Promise<void> {
    return this.deps.budgets.enforceDeployment(input, input);
  }
}
