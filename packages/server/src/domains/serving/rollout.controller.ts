import type { Clock } from '../../lib/clock.js';
import { DEFAULT_MIN_REQUESTS, hasGuardrails } from './rollout-plan.js';
import type { RolloutRow, WindowStats } from './rollout.repository.js';
import { CONTROLLER_ACTOR, parsePlan, type RolloutDeployments, type RolloutLogger, type RolloutService } from './rollout.service.js';

export interface RolloutControllerOptions {
  /** Time between evaluations, ms (default 5000). */
  intervalMs?: number;
  /**
   * How long a rollout's weights may stay unwritten before any process writes them, ms (default
   * 30000). The process that made the transition writes them at once; this covers it dying first.
   */
  applyLeaseMs?: number;
}

export interface GuardrailCheck {
  guardrail: string;
  observed: number | null;
  limit: number;
  /** 'max': observed must not exceed limit; 'min': must not fall below. */
  kind: 'max' | 'min';
  breached: boolean;
}

/** What one tick saw for a running rollout; stored as the rollout's `lastEvaluation`. */
export interface Evaluation {
  at: number;
  window: { since: number; until: number };
  step: number;
  canary: VariantFigures;
  baseline: VariantFigures & { variants: string[] };
  minRequests: number;
  /** Whether the canary had enough requests for the guardrails to be judged. */
  judged: boolean;
  checks: GuardrailCheck[];
  holdMet: boolean;
}
interface VariantFigures {
  requests: number;
  errors: number;
  errorRate: number | null;
  p99LatencyMs: number | null;
}

const figures = (s: WindowStats): VariantFigures => ({
  requests: s.requests,
  errors: s.errors,
  errorRate: s.requests > 0 ? s.errors / s.requests : null,
  p99LatencyMs: s.p99LatencyUs === null ? null : s.p99LatencyUs / 1000,
});

/**
 * Steps running rollouts forward on a timer. Each tick reads every running rollout and the canary's
 * (and, for comparison, the other variants') traffic in the current step's window from the shared
 * prediction log: a breached guardrail (judged once the canary has `minRequests` requests) rolls
 * back; a satisfied hold with no breach moves to the next step or completes. Every transition is a
 * conditional update on the rollout's version, so several server processes can run controllers on
 * one database and each step is taken once; all state is in the database, so a restarted process
 * carries on where the rollout stands.
 */
export class RolloutController {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly applyLeaseMs: number;

  constructor(
    private readonly deps: { rollouts: RolloutService; deployments: RolloutDeployments; clock: Clock; logger?: RolloutLogger | undefined },
    opts: RolloutControllerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.applyLeaseMs = opts.applyLeaseMs ?? 30_000;
  }

  /** Starts ticking every `intervalMs` (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One evaluation of every rollout with work to do. Ticks never overlap within a process; errors are logged per rollout. */
  tick(): Promise<void> {
    this.running ??= this.evaluateAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async evaluateAll(): Promise<void> {
    const { rollouts, logger } = this.deps;
    for (const row of await rollouts.repo.pending()) {
      try {
        if (row.applied_revision === null) {
          if (this.deps.clock.now() - row.updated_at >= this.applyLeaseMs) await rollouts.applyPending(row);
        } else if (row.state === 'running') {
          await this.evaluate(row);
        }
      } catch (e) {
        logger?.warn({ err: e, rollout: row.id, deployment: row.deployment }, 'rollout evaluation failed; retrying on the next tick');
      }
    }
  }

  private async evaluate(row: RolloutRow): Promise<void> {
    const { rollouts, clock } = this.deps;
    const { steps, guardrails } = parsePlan(row);
    const step = steps[row.step]!;
    const now = clock.now();
    let config;
    try {
      config = (await this.deps.deployments.get(row.deployment)).config;
    } catch {
      await rollouts.applyPending(row); // records the deployment as gone
      return;
    }
    const canary = config.variants.find((v) => v.name === row.canary);
    if (!canary || Math.abs(canary.weight - step.weight) > 1e-6) {
      // Someone else changed the weights: their config wins and the rollout stops.
      const reason = canary ? `the canary's weight was changed outside the rollout (${canary.weight}, expected ${step.weight})` : `the canary variant '${row.canary}' was removed from the deployment`;
      await rollouts.transition(row, { state: 'aborted', reason, updated_at: now }, [{ ts: now, type: 'changed_outside', actor: CONTROLLER_ACTOR, step: row.step + 1, detail: { reason } }]);
      return;
    }
    const since = row.step_started_at!;
    const window = { since, until: now };
    const others = config.variants.filter((v) => v.role !== 'shadow' && v.name !== row.canary).map((v) => v.name);
    const [c, b] = await Promise.all([rollouts.repo.windowStats(row.deployment, [row.canary], since), rollouts.repo.windowStats(row.deployment, others, since)]);
    const minRequests = guardrails.minRequests ?? DEFAULT_MIN_REQUESTS;
    const judged = c.requests >= minRequests;
    const cf = figures(c);
    const checks: GuardrailCheck[] = [];
    if (judged) {
      if (guardrails.maxErrorRate !== undefined) checks.push({ guardrail: 'maxErrorRate', observed: cf.errorRate, limit: guardrails.maxErrorRate, kind: 'max', breached: cf.errorRate! > guardrails.maxErrorRate });
      if (guardrails.maxP99LatencyMs !== undefined) checks.push({ guardrail: 'maxP99LatencyMs', observed: cf.p99LatencyMs, limit: guardrails.maxP99LatencyMs, kind: 'max', breached: cf.p99LatencyMs! > guardrails.maxP99LatencyMs });
      for (const m of guardrails.metrics ?? []) {
        const source = rollouts.sources.find((s) => s.name === m.name);
        const value = source ? await source.evaluate(row.deployment, row.canary, window) : null;
        if (m.max !== undefined) checks.push({ guardrail: `${m.name}.max`, observed: value, limit: m.max, kind: 'max', breached: value !== null && value > m.max });
        if (m.min !== undefined) checks.push({ guardrail: `${m.name}.min`, observed: value, limit: m.min, kind: 'min', breached: value !== null && value < m.min });
      }
    }
    const holdMet = (step.hold.seconds === undefined || now - since >= step.hold.seconds * 1000) && (step.hold.requests === undefined || c.requests >= step.hold.requests);
    const evaluation: Evaluation = { at: now, window, step: row.step + 1, canary: cf, baseline: { variants: others, ...figures(b) }, minRequests, judged, checks, holdMet };
    const text = JSON.stringify(evaluation);
    const breach = checks.find((x) => x.breached);
    if (breach) {
      const reason = `${breach.guardrail} breached at step ${row.step + 1} (weight ${step.weight}): observed ${breach.observed} ${breach.kind === 'max' ? '>' : '<'} limit ${breach.limit} over ${c.requests} canary requests since ${new Date(since).toISOString()}`;
      const won = await rollouts.transition(row, { state: 'rolled_back', applied_revision: null, reason, last_evaluation: text, updated_at: now }, [
        { ts: now, type: 'guardrail_breached', actor: CONTROLLER_ACTOR, step: row.step + 1, detail: { ...breach, window, canaryRequests: c.requests } },
        { ts: now, type: 'rolled_back', actor: CONTROLLER_ACTOR, step: row.step + 1, detail: { reason } },
      ]);
      if (!won) return;
      this.deps.logger?.warn({ rollout: row.id, deployment: row.deployment, canary: row.canary, reason }, 'canary rolled back');
      await rollouts.applyPending({ ...row, state: 'rolled_back', applied_revision: null, reason, last_evaluation: text, updated_at: now, version: row.version + 1 });
      return;
    }
    // With guardrails, a step is only passed once they were judged (and every extra source had a value).
    const gated = !hasGuardrails(guardrails) || (judged && checks.every((x) => x.observed !== null));
    if (!holdMet || !gated) {
      await rollouts.repo.recordEvaluation(row.id, row.version, text, now);
      return;
    }
    if (row.step + 1 >= steps.length) {
      if (await rollouts.transition(row, { state: 'completed', last_evaluation: text, updated_at: now }, [{ ts: now, type: 'completed', actor: CONTROLLER_ACTOR, step: row.step + 1, detail: { evaluation } }])) {
        this.deps.logger?.info({ rollout: row.id, deployment: row.deployment, canary: row.canary, weight: step.weight }, 'canary rollout completed');
      }
      return;
    }
    const next = { ...row, step: row.step + 1, applied_revision: null, step_started_at: null, last_evaluation: text, updated_at: now, version: row.version + 1 };
    const won = await rollouts.transition(row, { step: next.step, applied_revision: null, step_started_at: null, last_evaluation: text, updated_at: now }, [
      { ts: now, type: 'step_advanced', actor: CONTROLLER_ACTOR, step: next.step + 1, detail: { from: row.step + 1, to: next.step + 1, weight: steps[next.step]!.weight, evaluation } },
    ]);
    if (!won) return;
    this.deps.logger?.info({ rollout: row.id, deployment: row.deployment, canary: row.canary, step: next.step + 1, weight: steps[next.step]!.weight }, 'canary rollout advanced');
    await rollouts.applyPending(next);
  }
}
