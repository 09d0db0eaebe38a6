import { DomainError } from '@flywheel/contract';

export type AlertOp = '>' | '>=' | '<' | '<=';
export type Aggregation = 'latest' | 'mean' | 'max' | 'min';
export type Severity = 'info' | 'warning' | 'critical';

/**
 * An alert rule over one metric series of {@link MetricPoint}s.
 *
 * @example
 *   { name: 'churn-age-drift', deployment: 'churn', metric: 'psi', column: 'age',
 *     condition: { op: '>', threshold: 0.2 }, window: { points: 3 }, aggregation: 'mean',
 *     minSampleSize: 500, cooldownSeconds: 3600, severity: 'warning', notify: ['wh_…'] }
 */
export interface AlertRuleSpec {
  name: string;
  deployment?: string | undefined;
  monitorId?: string | undefined;
  metric: string;
  /** undefined: any; null: only the series without a column (dataset/model level). */
  column?: string | null | undefined;
  variant?: string | null | undefined;
  group?: string | null | undefined;
  condition: { op: AlertOp; threshold: number };
  /** The latest `points` points, or the points whose window ended in the last `seconds`. */
  window: { points: number } | { seconds: number };
  aggregation: Aggregation;
  /** Points computed from fewer rows than this do not count. */
  minSampleSize: number;
  /** After firing, the rule does not fire again for this long (a resolve does not reset it). */
  cooldownSeconds: number;
  /** How often the scheduler evaluates the rule. */
  intervalSeconds: number;
  severity: Severity;
  /** Webhook ids notified on fired / resolved. */
  notify: string[];
  action?: { type: string; params: Record<string, unknown> } | undefined;
  enabled: boolean;
}

export const ALERT_DEFAULTS = {
  aggregation: 'latest' as Aggregation,
  minSampleSize: 1,
  cooldownSeconds: 3600, // 1 h
  intervalSeconds: 60, // 1 min
  severity: 'warning' as Severity,
  /** How far back a `points` window looks for its latest points. */
  pointsLookbackMs: 30 * 24 * 3600 * 1000, // 30 days
};

const OPS: readonly AlertOp[] = ['>', '>=', '<', '<='];
const AGGS: readonly Aggregation[] = ['latest', 'mean', 'max', 'min'];
const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
const KNOWN = new Set(['name', 'deployment', 'monitorId', 'metric', 'column', 'variant', 'group', 'condition', 'window', 'aggregation', 'minSampleSize', 'cooldownSeconds', 'intervalSeconds', 'severity', 'notify', 'action', 'enabled']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const invalid = (m: string) => new DomainError('INVALID_INPUT', m);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function str(v: unknown, field: string, max = 300): string {
  if (typeof v !== 'string') throw invalid(`${field} must be a string; got ${kind(v)}`);
  if (v.length === 0 || v.length > max) throw invalid(`${field} must be 1 to ${max} characters`);
  return v;
}
function optStr(v: unknown, field: string): string | undefined {
  return v === undefined ? undefined : str(v, field);
}
function slice(v: unknown, field: string): string | null | undefined {
  return v === null ? null : optStr(v, field);
}
function num(v: unknown, field: string, min: number, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${field} must be a finite number; got ${kind(v)}`);
  if (integer && !Number.isInteger(v)) throw invalid(`${field} must be an integer; got ${v}`);
  if (v < min) throw invalid(`${field} must be at least ${min}; got ${v}`);
  return v;
}
function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw invalid(`${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(v)}`);
  return v as T;
}
function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${field} must be an object; got ${kind(v)}`);
  return v as Record<string, unknown>;
}

/**
 * Checks a rule as sent by a user, naming the first bad field (`condition.op must be one of …`).
 * `actionTypes` are the action types wired on this server.
 */
export function validateAlertRule(body: unknown, actionTypes: readonly string[]): AlertRuleSpec {
  const o = obj(body, 'rule');
  const unknown = Object.keys(o).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) throw invalid(`${unknown} is not a known field of an alert rule`);
  if (o.name === undefined) throw invalid('name is required');
  const name = str(o.name, 'name', 100);
  if (name === 'history') throw invalid("name 'history' is reserved (GET /api/v1/alerts/history)");
  if (!NAME.test(name)) throw invalid(`name must start with a letter or digit and use only letters, digits, '.', '_' and '-'; got '${name}'`);
  if (o.metric === undefined) throw invalid('metric is required');
  if (o.condition === undefined) throw invalid('condition is required');
  const c = obj(o.condition, 'condition');
  const condition = { op: oneOf(c.op, 'condition.op', OPS), threshold: num(c.threshold, 'condition.threshold', -Infinity, false) };
  if (o.window === undefined) throw invalid('window is required ({points: n} or {seconds: s})');
  const w = obj(o.window, 'window');
  let window: AlertRuleSpec['window'];
  if (w.points !== undefined && w.seconds !== undefined) throw invalid('window must have either points or seconds, not both');
  if (w.points !== undefined) window = { points: num(w.points, 'window.points', 1, true) };
  else if (w.seconds !== undefined) window = { seconds: num(w.seconds, 'window.seconds', 1, false) };
  else throw invalid('window must have points (the latest n points) or seconds (points whose window ended in the last s seconds)');
  if (Object.keys(w).length !== 1) throw invalid(`window.${Object.keys(w).find((k) => k !== 'points' && k !== 'seconds')} is not a known field`);
  let notify: string[] = [];
  if (o.notify !== undefined) {
    if (!Array.isArray(o.notify)) throw invalid(`notify must be an array of webhook ids; got ${kind(o.notify)}`);
    notify = o.notify.map((n, i) => str(n, `notify[${i}]`, 100));
  }
  let action: AlertRuleSpec['action'];
  if (o.action !== undefined && o.action !== null) {
    const a = obj(o.action, 'action');
    const type = oneOf(a.type, 'action.type', actionTypes.length ? actionTypes : ['(no action is wired on this server)']);
    action = { type, params: a.params === undefined ? {} : obj(a.params, 'action.params') };
  }
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') throw invalid(`enabled must be a boolean; got ${kind(o.enabled)}`);
  return {
    name,
    deployment: optStr(o.deployment, 'deployment'),
    monitorId: optStr(o.monitorId, 'monitorId'),
    metric: str(o.metric, 'metric', 100),
    column: slice(o.column, 'column'),
    variant: slice(o.variant, 'variant'),
    group: slice(o.group, 'group'),
    condition,
    window,
    aggregation: o.aggregation === undefined ? ALERT_DEFAULTS.aggregation : oneOf(o.aggregation, 'aggregation', AGGS),
    minSampleSize: o.minSampleSize === undefined ? ALERT_DEFAULTS.minSampleSize : num(o.minSampleSize, 'minSampleSize', 0, true),
    cooldownSeconds: o.cooldownSeconds === undefined ? ALERT_DEFAULTS.cooldownSeconds : num(o.cooldownSeconds, 'cooldownSeconds', 0, false),
    intervalSeconds: o.intervalSeconds === undefined ? ALERT_DEFAULTS.intervalSeconds : num(o.intervalSeconds, 'intervalSeconds', 1, false),
    severity: o.severity === undefined ? ALERT_DEFAULTS.severity : oneOf(o.severity, 'severity', SEVERITIES),
    notify,
    action,
    enabled: o.enabled === undefined ? true : o.enabled,
  };
}

export function breaches(value: number, c: AlertRuleSpec['condition']): boolean {
  switch (c.op) {
    case '>': return value > c.threshold;
    case '>=': return value >= c.threshold;
    case '<': return value < c.threshold;
    case '<=': return value <= c.threshold;
  }
}

export function aggregate(values: readonly number[], how: Aggregation): number {
  switch (how) {
    case 'latest': return values[values.length - 1]!;
    case 'mean': return values.reduce((a, b) => a + b, 0) / values.length;
    case 'max': return Math.max(...values);
    case 'min': return Math.min(...values);
  }
}
