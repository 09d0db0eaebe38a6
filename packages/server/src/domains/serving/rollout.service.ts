import { randomUUID } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { isUniqueViolation } from '../../store/index.js';
import { stepWeights, validatePlan, weightsOf, withWeights, type Guardrails, type RolloutStep, type WeightedConfig } from './rollout-plan.js';
import type { NewEvent, RolloutRepository, RolloutRow, RolloutState } from './rollout.repository.js';

/** The window a guardrail is judged over: the current step, from when its weights took effect. */
export interface GuardrailWindow {
  /** ms since epoch, inclusive. */
  since: number;
  /** ms since epoch (the evaluation time). */
  until: number;
}

/**
 * A port for extra guardrails (e.g. a monitoring metric): `evaluate` returns the metric's value for
 * one variant of a deployment over the window, or null when it has no value yet (the step then
 * waits). A plan limits it with `guardrails.metrics: [{ name, max?, min? }]`.
 *
 * @example
 *   const drift: GuardrailSource = { name: 'psi', evaluate: (d, v, w) => monitoring.psi(d, v, w.since, w.until) };
 */
export interface GuardrailSource {
  readonly name: string;
  evaluate(deployment: string, variant: string, window: GuardrailWindow): Promise<number | null>;
}

/** What rollouts need of deployments: read the current config, write a new revision. */
export interface RolloutDeployments {
  get(name: string): Promise<{ revision: number; config: WeightedConfig }>;
  update(name: string, config: unknown, createdBy?: string): Promise<{ revision: number }>;
}

export interface RolloutLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface RolloutDeps {
  repo: RolloutRepository;
  deployments: RolloutDeployments;
  clock: Clock;
  guardrails?: readonly GuardrailSource[] | undefined;
  logger?: RolloutLogger | undefined;
}

export interface RolloutEvent {
  seq: number;
  at: number;
  type: string;
  actor: string | null;
  /** 1-based step the event happened at. */
  step: number | null;
  detail: unknown;
}

export interface Rollout {
  id: string;
  deployment: string;
  canary: string;
  state: RolloutState;
  steps: RolloutStep[];
  guardrails: Guardrails;
  /** 1-based. */
  currentStep: number;
  currentWeight: number;
  stepStartedAt: number | null;
  /** Canary requests since the current step's weights took effect. */
  requestsInStep: number;
  /** Non-shadow weights before the rollout. */
  baseWeights: Record<string, number>;
  /** The deployment revision carrying this rollout's weights for its state; null while it is being written. */
  revision: number | null;
  lastEvaluation: unknown;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
  events: RolloutEvent[];
}

export const CONTROLLER_ACTOR = 'controller';
const ACTIVE_STATES: RolloutState[] = ['running', 'paused'];

export function parsePlan(row: RolloutRow): { steps: RolloutStep[]; guardrails: Guardrails } {
  return JSON.parse(row.plan) as { steps: RolloutStep[]; guardrails: Guardrails };
}

/**
 * Canary rollouts as operations: start, read, pause, resume, abort, and writing the weights a
 * rollout's state asks for. The stepping itself is {@link RolloutController}'s.
 */
export class RolloutService {
  readonly repo: RolloutRepository;

  constructor(private readonly deps: RolloutDeps) {
    this.repo = deps.repo;
  }

  get sources(): readonly GuardrailSource[] {
    return this.deps.guardrails ?? [];
  }

  /**
   * Starts a rollout: writes a revision with the canary at the first step's weight (the rest
   * shared among the other non-shadow variants in their current proportions).
   *
   * @example
   *   await rollouts.start('churn', { canary: 'v2', steps: [{ weight: 5, hold: { seconds: 600 } }, { weight: 100, hold: { requests: 1000 } }], guardrails: { maxErrorRate: 0.01 } })
   */
  async start(deployment: string, body: unknown, actor?: string): Promise<Rollout> {
    const plan = validatePlan(body, this.sources.map((s) => s.name));
    const d = await this.deps.deployments.get(deployment);
    const canary = d.config.variants.find((v) => v.name === plan.canary);
    if (!canary) throw new DomainError('INVALID_INPUT', `canary: deployment '${deployment}' has no variant '${plan.canary}' (variants: ${d.config.variants.map((v) => `'${v.name}'`).join(', ')}).`);
    if (canary.role !== 'canary') throw new DomainError('INVALID_INPUT', `canary: variant '${plan.canary}' has role '${canary.role}'; a rollout moves a variant with role 'canary'.`);
    const base = weightsOf(d.config);
    const weights = stepWeights(d.config, base, plan.canary, plan.steps[0]!.weight);
    if (await this.repo.active(deployment)) throw conflict(deployment);
    const now = this.deps.clock.now();
    const row: RolloutRow = {
      id: randomUUID(),
      deployment,
      canary: plan.canary,
      plan: JSON.stringify({ steps: plan.steps, guardrails: plan.guardrails }),
      base_weights: JSON.stringify(base),
      state: 'running',
      step: 0,
      step_started_at: null,
      applied_revision: null,
      version: 0,
      last_evaluation: null,
      reason: null,
      created_at: now,
      updated_at: now,
      created_by: actor ?? null,
    };
    try {
      await this.repo.insert(row);
    } catch (e) {
      // Another process started one in between: the partial unique index decides.
      if (isUniqueViolation(e)) throw conflict(deployment);
      throw e;
    }
    let revision: number;
    try {
      revision = (await this.deps.deployments.update(deployment, withWeights(d.config, weights), actor)).revision;
    } catch (e) {
      await this.repo.transaction((r) => r.delete(row.id));
      throw e;
    }
    const started = this.deps.clock.now();
    await this.transition(row, { applied_revision: revision, step_started_at: started, updated_at: started }, [
      { ts: started, type: 'started', actor: actor ?? null, step: 1, detail: { steps: plan.steps, guardrails: plan.guardrails, baseWeights: base, weights, revision } },
    ]);
    return this.get(deployment, row.id);
  }

  async list(deployment: string): Promise<Rollout[]> {
    await this.deps.deployments.get(deployment);
    const rows = await this.repo.list(deployment);
    return Promise.all(rows.map(async (r) => this.view(r, false)));
  }

  async get(deployment: string, id: string): Promise<Rollout> {
    return this.view(await this.require(deployment, id), true);
  }

  /** Holds the canary at its current weight; the controller leaves a paused rollout alone. */
  async pause(deployment: string, id: string, actor?: string): Promise<Rollout> {
    await this.act(deployment, id, ['running'], 'paused', (row, now) => ({ changes: { state: 'paused', updated_at: now }, event: { ts: now, type: 'paused', actor: actor ?? null, step: row.step + 1 } }));
    return this.get(deployment, id);
  }

  /** Continues a paused rollout; the current step's hold and window start again from now. */
  async resume(deployment: string, id: string, actor?: string): Promise<Rollout> {
    await this.act(deployment, id, ['paused'], 'resumed', (row, now) => ({
      changes: { state: 'running', updated_at: now, last_evaluation: null, step_started_at: row.applied_revision === null ? row.step_started_at : now },
      event: { ts: now, type: 'resumed', actor: actor ?? null, step: row.step + 1 },
    }));
    return this.get(deployment, id);
  }

  /** Stops the rollout and restores the pre-rollout weights as a new revision. */
  async abort(deployment: string, id: string, actor?: string): Promise<Rollout> {
    const row = await this.act(deployment, id, ACTIVE_STATES, 'aborted', (r, now) => ({
      changes: { state: 'aborted', applied_revision: null, reason: `aborted by ${actor ?? 'an operator'}`, updated_at: now },
      event: { ts: now, type: 'aborted', actor: actor ?? null, step: r.step + 1 },
    }));
    await this.applyPending(row, actor);
    return this.get(deployment, id);
  }

  /**
   * Writes the weights `row`'s state asks for as a new revision and records it, conditional on
   * the row not having moved on. Running/paused: the current step's weight; rolled_back: the
   * canary at 0, the others in their pre-rollout proportions; aborted: the pre-rollout weights.
   */
  async applyPending(row: RolloutRow, actor?: string, depth = 0): Promise<void> {
    const now = this.deps.clock.now();
    let d: Awaited<ReturnType<RolloutDeployments['get']>>;
    try {
      d = await this.deps.deployments.get(row.deployment);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'NOT_FOUND')) throw e;
      await this.transition(row, { ...(ACTIVE_STATES.includes(row.state) ? { state: 'aborted', reason: 'the deployment was deleted' } : {}), applied_revision: 0, updated_at: now }, [
        { ts: now, type: 'deployment_deleted', actor: CONTROLLER_ACTOR, step: row.step + 1 },
      ]);
      return;
    }
    if (!d.config.variants.some((v) => v.name === row.canary)) {
      const reason = `the canary variant '${row.canary}' is no longer in the deployment (revision ${d.revision})`;
      await this.transition(row, { ...(ACTIVE_STATES.includes(row.state) ? { state: 'aborted', reason } : {}), applied_revision: d.revision, updated_at: now }, [
        { ts: now, type: 'changed_outside', actor: CONTROLLER_ACTOR, step: row.step + 1, detail: { reason } },
      ]);
      return;
    }
    const base = JSON.parse(row.base_weights) as Record<string, number>;
    const { steps } = parsePlan(row);
    const canaryWeight = row.state === 'rolled_back' ? 0 : row.state === 'aborted' ? (base[row.canary] ?? 0) : steps[row.step]!.weight;
    const weights = stepWeights(d.config, base, row.canary, canaryWeight);
    const revision = (await this.deps.deployments.update(row.deployment, withWeights(d.config, weights), actor ?? CONTROLLER_ACTOR)).revision;
    const at = this.deps.clock.now();
    const won = await this.transition(row, { applied_revision: revision, updated_at: at, ...(row.state === 'running' || row.state === 'paused' ? { step_started_at: at } : {}) }, [
      { ts: at, type: 'weights_applied', actor: actor ?? CONTROLLER_ACTOR, step: row.step + 1, detail: { revision, weights } },
    ]);
    if (won || depth > 0) return;
    // Another process moved the row while we wrote (e.g. an abort on another server whose restore
    // revision landed before ours): if our revision is now the newest, write the row's weights again.
    const now2 = await this.repo.get(row.id);
    if (now2 && now2.applied_revision !== null && now2.applied_revision > 0 && now2.applied_revision < revision) {
      const reopened = { ...now2, applied_revision: null, version: now2.version + 1 };
      if (await this.transition(now2, { applied_revision: null }, [])) await this.applyPending(reopened, actor, depth + 1);
    }
  }

  /** A conditional transition and its events in one transaction; false when another writer moved the row first. */
  async transition(row: RolloutRow, changes: Partial<Omit<RolloutRow, 'id' | 'version'>>, events: NewEvent[]): Promise<boolean> {
    return this.repo.transaction(async (r) => {
      if (!(await r.transition(row.id, row.version, changes))) return false;
      await r.appendEvents(row.id, events);
      return true;
    });
  }

  private async require(deployment: string, id: string): Promise<RolloutRow> {
    const row = await this.repo.get(id);
    if (!row || row.deployment !== deployment) {
      await this.deps.deployments.get(deployment);
      throw new DomainError('NOT_FOUND', `Deployment '${deployment}' has no rollout '${id}'.`);
    }
    return row;
  }

  /** A user action: a few tries, since the controller may move the row between our read and our write. */
  private async act(
    deployment: string,
    id: string,
    from: RolloutState[],
    verb: string,
    change: (row: RolloutRow, now: number) => { changes: Partial<Omit<RolloutRow, 'id' | 'version'>>; event: NewEvent },
  ): Promise<RolloutRow> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.require(deployment, id);
      if (!from.includes(row.state)) throw new DomainError('INVALID_STATE', `Rollout '${id}' is ${row.state}; only a ${from.join(' or ')} rollout can be ${verb}.`);
      const { changes, event } = change(row, this.deps.clock.now());
      if (await this.transition(row, changes, [event])) return { ...row, ...changes, version: row.version + 1 };
    }
    throw new DomainError('CONFLICT', `Rollout '${id}' kept changing while being ${verb}; try again.`);
  }

  private async view(row: RolloutRow, live: boolean): Promise<Rollout> {
    const plan = parsePlan(row);
    const evaluation = row.last_evaluation === null ? null : (JSON.parse(row.last_evaluation) as { step?: number; canary?: { requests?: number } });
    // The evaluation that passed a step stays as the last one until the next tick: it counts for its own step only.
    let requestsInStep = evaluation?.step === row.step + 1 ? (evaluation.canary?.requests ?? 0) : 0;
    if (live && ACTIVE_STATES.includes(row.state) && row.step_started_at !== null) {
      requestsInStep = (await this.repo.windowStats(row.deployment, [row.canary], row.step_started_at)).requests;
    }
    const events = await this.repo.events(row.id);
    return {
      id: row.id,
      deployment: row.deployment,
      canary: row.canary,
      state: row.state,
      steps: plan.steps,
      guardrails: plan.guardrails,
      currentStep: row.step + 1,
      currentWeight: plan.steps[row.step]!.weight,
      stepStartedAt: row.step_started_at,
      requestsInStep,
      baseWeights: JSON.parse(row.base_weights) as Record<string, number>,
      revision: row.applied_revision,
      lastEvaluation: evaluation,
      reason: row.reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      createdBy: row.created_by,
      events: events.map((e) => ({ seq: e.seq, at: e.ts, type: e.type, actor: e.actor, step: e.step, detail: e.detail === null ? null : (JSON.parse(e.detail) as unknown) })),
    };
  }
}

function conflict(deployment: string): DomainError {
  return new DomainError('CONFLICT', `Deployment '${deployment}' already has a running or paused rollout; abort it or let it finish first.`);
}
