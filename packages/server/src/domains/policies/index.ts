/** Policies and budgets: approval policies as versioned data, cost rates, budgets, and the gate that enforces them. */
export { PoliciesService } from './policies.service.js';
export type { PoliciesDeps } from './policies.service.js';
export { BudgetsService, monthOf, ALERT_THRESHOLDS, RATE_KEYS } from './budgets.service.js';
export type { Budget, BudgetStatus, BudgetAlert, BudgetsDeps, Spend } from './budgets.service.js';
export { StorageMeter, STORAGE_CACHE_MS } from './storage-meter.js';
export type { StorageSnapshot } from './storage-meter.js';
export { PoliciesRepository, PROJECT_TAG } from './policies.repository.js';
export { policiesMigrations } from './policies.migrations.js';
export { policiesRoutes } from './policies.routes.js';
export { PolicyGate } from './policy-gate.js';
export type { Policy, Condition, Checklist, ActionSubject, PolicyAction } from './policies.types.js';
