import { randomBytes } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import { isUniqueViolation } from '../../store/index.js';
import type { Clock } from '../../lib/clock.js';
import type { MetricPoint, MetricReader } from './metric-points.js';
import { ALERT_DEFAULTS, aggregate, breaches, validateAlertRule, type AlertRuleSpec } from './alert-rules.js';
import type { AlertAction, AlertFiring } from './alert-actions.js';
import type { AlertsRepository, EventRow, RuleRow } from './alerts.repository.js';

export type AlertState = 'ok' | 'firing' | 'resolved';
export type AlertEventType = 'fired' | 'resolved' | 'not_enough_data' | 'suppressed' | 'notified' | 'notify_failed' | 'action' | 'action_failed' | 'test';

export interface AlertRule extends AlertRuleSpec {
  id: string;
  state: AlertState;
  lastEvaluatedAt: number | null;
  lastFiredAt: number | null;
  lastValue: number | null;
  /** `ok`, `breach`, `cooldown` or `not_enough_data`: what the last evaluation saw. */
  lastOutcome: string | null;
  nextEvaluationAt: number;
  createdAt: number;
  updatedAt: number;
}

export interface AlertEvent {
  id: number;
  ruleId: string;
  ts: number;
  type: AlertEventType;
  value: number | null;
  message: string;
  details: Record<string, unknown> | null;
}

export interface Evaluation {
  ruleId: string;
  outcome: 'ok' | 'breach' | 'cooldown' | 'not_enough_data';
  /** What changed: a transition, or nothing. */
  transition: 'fired' | 'resolved' | null;
  value: number | null;
  pointsInWindow: number;
  pointsCounted: number;
}

export interface AlertsDeps {
  repo: AlertsRepository;
  metrics: MetricReader;
  clock: Clock;
  actions?: readonly AlertAction[];
}

/** Thrown inside a transition when another process moved the rule meanwhile: the transition rolls back. */
class LostRace extends Error {}

/**
 * Alert rules over the metric series monitors write: CRUD, evaluation (ok → firing → resolved,
 * cooldown, minimum sample size) with its history, webhook notifications written to the outbox in
 * the same transaction as the event, and actions run on firing.
 */
export class AlertsService {
  private readonly actions: Map<string, AlertAction>;
  constructor(private readonly deps: AlertsDeps) {
    this.actions = new Map((deps.actions ?? []).map((a) => [a.type, a]));
  }

  get actionTypes(): string[] {
    return [...this.actions.keys()];
  }

  async create(body: unknown): Promise<AlertRule> {
    const spec = validateAlertRule(body, this.actionTypes);
    await this.checkWebhooks(spec.notify);
    const now = this.deps.clock.now();
    const row: RuleRow = {
      id: `al_${randomBytes(8).toString('hex')}`, name: spec.name, definition: JSON.stringify(spec), enabled: spec.enabled ? 1 : 0, state: 'ok', revision: 0,
      next_eval_at: now, last_evaluated_at: null, last_fired_at: null, last_outcome: null, last_value: null, created_at: now, updated_at: now,
    };
    try {
      await this.deps.repo.insertRule(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('ALREADY_EXISTS', `An alert rule named '${spec.name}' already exists.`);
      throw e;
    }
    return toRule(row);
  }

  /** Replaces a rule's definition (its name stays); its state and history are kept. */
  async update(idOrName: string, body: unknown): Promise<AlertRule> {
    const row = await this.row(idOrName);
    const merged = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as object), name: row.name } : body;
    const spec = validateAlertRule(merged, this.actionTypes);
    await this.checkWebhooks(spec.notify);
    await this.deps.repo.updateDefinition(row.id, JSON.stringify(spec), spec.enabled, this.deps.clock.now());
    return this.get(row.id);
  }

  async get(idOrName: string): Promise<AlertRule> {
    return toRule(await this.row(idOrName));
  }

  async list(): Promise<AlertRule[]> {
    return (await this.deps.repo.listRules()).map(toRule);
  }

  async delete(idOrName: string): Promise<void> {
    await this.deps.repo.deleteRule((await this.row(idOrName)).id);
  }

  async events(q: { rule?: string | undefined; since?: number | undefined; limit?: number | undefined }): Promise<AlertEvent[]> {
    const ruleId = q.rule === undefined ? undefined : (await this.row(q.rule)).id;
    return (await this.deps.repo.events({ ruleId, since: q.since, limit: q.limit ?? 100 })).map(toEvent);
  }

  /** Evaluates every enabled rule whose time has come; each is claimed first, so a rule is evaluated by one process per tick. */
  async evaluateDue(limit = 100): Promise<Evaluation[]> {
    const now = this.deps.clock.now();
    const out: Evaluation[] = [];
    for (const row of await this.deps.repo.dueRules(now, limit)) {
      const spec = JSON.parse(row.definition) as AlertRuleSpec;
      if (!(await this.deps.repo.claimRule(row.id, row.revision, now + spec.intervalSeconds * 1000))) continue;
      out.push(await this.evaluateClaimed({ ...row, revision: row.revision + 1 }, spec, now));
    }
    return out;
  }

  /** Evaluates one rule now, whatever its schedule (the API's "evaluate now"). */
  async evaluate(idOrName: string): Promise<Evaluation> {
    const row = await this.row(idOrName);
    const spec = JSON.parse(row.definition) as AlertRuleSpec;
    const now = this.deps.clock.now();
    if (!(await this.deps.repo.claimRule(row.id, row.revision, now + spec.intervalSeconds * 1000))) throw new DomainError('CONFLICT', `Alert rule '${row.name}' is being evaluated by another process; retry.`);
    return this.evaluateClaimed({ ...row, revision: row.revision + 1 }, spec, now);
  }

  /**
   * Sends a `test` notification to the rule's webhooks (state and cooldown untouched, no action),
   * so a receiver can be checked before a real alert.
   */
  async testFire(idOrName: string): Promise<AlertEvent> {
    const row = await this.row(idOrName);
    const spec = JSON.parse(row.definition) as AlertRuleSpec;
    const now = this.deps.clock.now();
    const id = await this.deps.repo.transaction(async (r) => {
      const message = `test notification of '${spec.name}'`;
      const eventId = await r.insertEvent({ rule_id: row.id, ts: now, type: 'test', value: null, message, details: null });
      await this.enqueue(r, row.id, spec, { id: eventId, ts: now, type: 'test', value: null, message }, now);
      return eventId;
    });
    return (await this.events({ rule: row.id, limit: 50 })).find((e) => e.id === id)!;
  }

  private async evaluateClaimed(row: RuleRow, spec: AlertRuleSpec, now: number): Promise<Evaluation> {
    const { points, inWindow } = await this.window(spec, now);
    const counted = points.filter((p) => p.sampleSize >= spec.minSampleSize && Number.isFinite(p.value));
    const base = { ruleId: row.id, pointsInWindow: inWindow, pointsCounted: counted.length };
    const state = row.state as AlertState;

    if (counted.length === 0) {
      const message = inWindow === 0
        ? `not enough data: no point of ${spec.metric} in the window`
        : `not enough data: ${inWindow} point(s) of ${spec.metric} in the window, none computed from at least ${spec.minSampleSize} rows (largest: ${Math.max(...points.map((p) => p.sampleSize))})`;
      await this.transition(row, { last_evaluated_at: now, last_outcome: 'not_enough_data' }, row.last_outcome === 'not_enough_data' ? [] : [{ type: 'not_enough_data', value: null, message }]);
      return { ...base, outcome: 'not_enough_data', transition: null, value: null };
    }
    const value = aggregate(counted.map((p) => p.value), spec.aggregation);
    const describe = `${spec.aggregation} of ${counted.length} point(s) of ${spec.metric}${spec.column ? ` (${spec.column})` : ''} = ${round(value)}`;
    const breach = breaches(value, spec.condition);

    if (breach && state !== 'firing') {
      const cooling = row.last_fired_at !== null && now - row.last_fired_at < spec.cooldownSeconds * 1000;
      if (cooling) {
        const until = row.last_fired_at! + spec.cooldownSeconds * 1000;
        await this.transition(row, { last_evaluated_at: now, last_outcome: 'cooldown', last_value: value }, row.last_outcome === 'cooldown' ? [] : [{ type: 'suppressed', value, message: `${describe} ${spec.condition.op} ${spec.condition.threshold}, but the rule is cooling down until ${new Date(until).toISOString()}` }]);
        return { ...base, outcome: 'cooldown', transition: null, value };
      }
      const message = `${describe} ${spec.condition.op} ${spec.condition.threshold}`;
      const eventId = await this.transition(row, { state: 'firing', last_fired_at: now, last_evaluated_at: now, last_outcome: 'breach', last_value: value }, [{ type: 'fired', value, message }], true);
      if (eventId !== null) await this.runAction(row.id, spec, { ruleId: row.id, rule: spec, eventId, ts: now, value, message });
      return { ...base, outcome: 'breach', transition: eventId === null ? null : 'fired', value };
    }
    if (!breach && state === 'firing') {
      const message = `${describe}: no longer ${spec.condition.op} ${spec.condition.threshold}`;
      const eventId = await this.transition(row, { state: 'resolved', last_evaluated_at: now, last_outcome: 'ok', last_value: value }, [{ type: 'resolved', value, message }], true);
      return { ...base, outcome: 'ok', transition: eventId === null ? null : 'resolved', value };
    }
    await this.transition(row, { last_evaluated_at: now, last_outcome: breach ? 'breach' : 'ok', last_value: value }, []);
    return { ...base, outcome: breach ? 'breach' : 'ok', transition: null, value };
  }

  /** The points a rule looks at: those whose window ended in the last `seconds`, or the latest `points`. */
  private async window(spec: AlertRuleSpec, now: number): Promise<{ points: MetricPoint[]; inWindow: number }> {
    const since = 'seconds' in spec.window ? now - spec.window.seconds * 1000 : now - ALERT_DEFAULTS.pointsLookbackMs;
    const all = await this.deps.metrics.points({ monitorId: spec.monitorId, deployment: spec.deployment, metric: spec.metric, column: spec.column, variant: spec.variant, group: spec.group, since, until: now + 1 });
    const points = 'points' in spec.window ? all.slice(-spec.window.points) : all;
    return { points, inWindow: points.length };
  }

  /**
   * Writes the evaluation and its events (and for a fired/resolved event its webhook deliveries)
   * in one transaction, only if no other process moved the rule since this one claimed it.
   * Returns the first event's id, or null when there was none or the race was lost.
   */
  private async transition(row: RuleRow, changes: Parameters<AlertsRepository['recordEvaluationIf']>[2], events: { type: AlertEventType; value: number | null; message: string }[], notify = false): Promise<number | null> {
    const spec = JSON.parse(row.definition) as AlertRuleSpec;
    const now = this.deps.clock.now();
    try {
      return await this.deps.repo.transaction(async (r) => {
        if (!(await r.recordEvaluationIf(row.id, row.revision, changes))) throw new LostRace();
        let first: number | null = null;
        for (const e of events) {
          const id = await r.insertEvent({ rule_id: row.id, ts: now, type: e.type, value: e.value, message: e.message, details: null });
          first ??= id;
          if (notify) await this.enqueue(r, row.id, spec, { id, ts: now, type: e.type, value: e.value, message: e.message }, now);
        }
        return first;
      });
    } catch (e) {
      if (e instanceof LostRace) return null;
      throw e;
    }
  }

  private async enqueue(r: AlertsRepository, ruleId: string, spec: AlertRuleSpec, e: { id: number; ts: number; type: string; value: number | null; message: string }, now: number): Promise<void> {
    const payload = JSON.stringify({
      type: `alert.${e.type}`,
      rule: { id: ruleId, name: spec.name, severity: spec.severity, deployment: spec.deployment ?? null, monitorId: spec.monitorId ?? null, metric: spec.metric, column: spec.column ?? null, variant: spec.variant ?? null, group: spec.group ?? null, condition: spec.condition, window: spec.window, aggregation: spec.aggregation },
      event: { id: e.id, ts: e.ts, time: new Date(e.ts).toISOString(), type: e.type, value: e.value, message: e.message },
    });
    for (const webhookId of spec.notify) {
      await r.enqueueDelivery({ webhook_id: webhookId, rule_id: ruleId, event_id: e.id, payload, status: 'pending', attempts: 0, next_attempt_at: now, last_status_code: null, last_error: null, created_at: now, delivered_at: null });
    }
  }

  /** Actions run after the firing is committed; their failure is history, never a failed evaluation. */
  private async runAction(ruleId: string, spec: AlertRuleSpec, firing: AlertFiring): Promise<void> {
    if (!spec.action) return;
    const action = this.actions.get(spec.action.type);
    let type: AlertEventType = 'action_failed';
    let message: string;
    let details: Record<string, unknown> | undefined;
    if (!action) message = `action '${spec.action.type}' is not wired on this server`;
    else {
      try {
        const res = await withTimeout(action.run(firing, spec.action.params), ACTION_TIMEOUT_MS, `no result within ${ACTION_TIMEOUT_MS / 1000} s`);
        type = res.ok ? 'action' : 'action_failed';
        message = `${spec.action.type}: ${res.message}`;
        details = res.details;
      } catch (e) {
        message = `${spec.action.type} failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    await this.deps.repo.insertEvent({ rule_id: ruleId, ts: this.deps.clock.now(), type, value: null, message, details: JSON.stringify({ eventId: firing.eventId, ...(details ? { result: details } : {}) }) });
  }

  private async checkWebhooks(ids: readonly string[]): Promise<void> {
    for (const [i, id] of ids.entries()) {
      if (!(await this.deps.repo.getWebhook(id))) throw new DomainError('INVALID_INPUT', `notify[${i}]: webhook '${id}' is not registered`);
    }
  }

  private async row(idOrName: string): Promise<RuleRow> {
    const r = await this.deps.repo.getRule(idOrName);
    if (!r) throw new DomainError('NOT_FOUND', `Alert rule '${idOrName}' not found.`);
    return r;
  }
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** An action runs inside the scheduler's tick: one that hangs must not stop every other rule. */
const ACTION_TIMEOUT_MS = 60_000; // 1 min

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function toRule(r: RuleRow): AlertRule {
  const spec = JSON.parse(r.definition) as AlertRuleSpec;
  return { id: r.id, ...spec, state: r.state as AlertState, lastEvaluatedAt: r.last_evaluated_at, lastFiredAt: r.last_fired_at, lastValue: r.last_value, lastOutcome: r.last_outcome, nextEvaluationAt: r.next_eval_at, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toEvent(e: EventRow): AlertEvent {
  return { id: e.id, ruleId: e.rule_id, ts: e.ts, type: e.type as AlertEventType, value: e.value, message: e.message, details: e.details === null ? null : (JSON.parse(e.details) as Record<string, unknown>) };
}
