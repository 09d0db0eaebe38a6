import type { AlertRuleSpec } from './alert-rules.js';

/** The rule and the firing an action runs for. */
export interface AlertFiring {
  ruleId: string;
  rule: AlertRuleSpec;
  eventId: number;
  ts: number;
  value: number;
  message: string;
}

export interface AlertActionResult {
  ok: boolean;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The AlertAction port: what a firing rule may do besides notifying. Each wired action has a
 * `type` that rules name (`action: {type: 'rollback_canary', params: {...}}`). A retraining
 * pipeline becomes one more implementation once pipelines exist.
 */
export interface AlertAction {
  readonly type: string;
  run(firing: AlertFiring, params: Record<string, unknown>): Promise<AlertActionResult>;
}

/**
 * An action that calls a function given at wiring.
 *
 * @example
 *   new FunctionAlertAction('rollback_canary', async (f, params) => {
 *     const d = await deployments.rollback(String(params.deployment ?? f.rule.deployment));
 *     return { ok: true, message: `rolled ${d.name} back to revision ${d.revision}` };
 *   })
 */
export class FunctionAlertAction implements AlertAction {
  constructor(readonly type: string, private readonly fn: (firing: AlertFiring, params: Record<string, unknown>) => Promise<AlertActionResult>) {}
  run(firing: AlertFiring, params: Record<string, unknown>): Promise<AlertActionResult> {
    return this.fn(firing, params);
  }
}
