import { DomainError } from '@flywheel/contract';
import { METRIC_OPS, POLICY_ACTIONS, type Condition, type PolicyAction } from './policies.types.js';

export const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkName(field: string, v: unknown): string {
  if (typeof v !== 'string' || !NAME.test(v)) throw invalid(`${field} must be 1-100 letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(v)}`);
  return v;
}

export function checkNumber(field: string, v: unknown, opts: { min?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${field} must be a finite number, got ${JSON.stringify(v)}`);
  if (opts.integer && !Number.isInteger(v)) throw invalid(`${field} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw invalid(`${field} must be at least ${opts.min}, got ${v}`);
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(field: string, o: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalid(`${field} has unknown field(s) ${extra.join(', ')}; allowed: ${allowed.join(', ')}`);
}

function checkCondition(field: string, c: unknown): Condition {
  if (!isObject(c)) throw invalid(`${field} must be an object`);
  switch (c.type) {
    case 'model_card_approved':
      unknownKeys(field, c, ['type']);
      return { type: 'model_card_approved' };
    case 'reviews':
      unknownKeys(field, c, ['type', 'min', 'excludeAuthor']);
      if (c.excludeAuthor !== undefined && typeof c.excludeAuthor !== 'boolean') throw invalid(`${field}.excludeAuthor must be a boolean`);
      return { type: 'reviews', min: checkNumber(`${field}.min`, c.min, { min: 1, integer: true }), excludeAuthor: c.excludeAuthor !== false };
    case 'metric': {
      unknownKeys(field, c, ['type', 'name', 'op', 'threshold', 'on']);
      if (typeof c.name !== 'string' || c.name === '' || c.name.length > 250) throw invalid(`${field}.name must be a metric name (1-250 characters)`);
      if (!METRIC_OPS.includes(c.op as never)) throw invalid(`${field}.op must be one of ${METRIC_OPS.join(' ')}, got ${JSON.stringify(c.op)}`);
      if (c.on !== undefined && c.on !== 'run' && c.on !== 'evaluation') throw invalid(`${field}.on must be 'run' or 'evaluation', got ${JSON.stringify(c.on)}`);
      const out: Condition = { type: 'metric', name: c.name, op: c.op as (typeof METRIC_OPS)[number], threshold: checkNumber(`${field}.threshold`, c.threshold) };
      return c.on === undefined ? out : { ...out, on: c.on };
    }
    case 'fairness_gap':
      unknownKeys(field, c, ['type', 'metric', 'max']);
      if (typeof c.metric !== 'string' || c.metric === '' || c.metric.length > 250) throw invalid(`${field}.metric must be a metric name (1-250 characters)`);
      return { type: 'fairness_gap', metric: c.metric, max: checkNumber(`${field}.max`, c.max, { min: 0 }) };
    default:
      throw invalid(`${field}.type must be one of model_card_approved, reviews, metric, fairness_gap, got ${JSON.stringify(c.type)}`);
  }
}

export interface PolicyInput {
  name: string;
  scopeTeam: string | null;
  action: PolicyAction;
  alias: string | null;
  conditions: Condition[];
}

export function checkPolicy(body: unknown): PolicyInput {
  if (!isObject(body)) throw invalid('the policy must be an object');
  unknownKeys('policy', body, ['name', 'scope', 'action', 'alias', 'conditions']);
  const name = checkName('name', body.name);
  let scopeTeam: string | null = null;
  if (body.scope !== undefined) {
    if (!isObject(body.scope)) throw invalid('scope must be an object ({} for the organization, {team} for a team)');
    unknownKeys('scope', body.scope, ['team']);
    if (body.scope.team !== undefined) scopeTeam = checkName('scope.team', body.scope.team);
  }
  if (!POLICY_ACTIONS.includes(body.action as never)) throw invalid(`action must be one of ${POLICY_ACTIONS.join(', ')}, got ${JSON.stringify(body.action)}`);
  const action = body.action as PolicyAction;
  let alias: string | null = null;
  if (action === 'model.alias_set') {
    if (typeof body.alias !== 'string' || !/^[A-Za-z0-9_*-]{1,255}$/.test(body.alias)) throw invalid(`alias must be the alias (or pattern with *) the policy guards, e.g. 'champion', got ${JSON.stringify(body.alias)}`);
    alias = body.alias;
  } else if (body.alias !== undefined) {
    throw invalid(`alias only applies to action model.alias_set`);
  }
  if (!Array.isArray(body.conditions) || body.conditions.length === 0) throw invalid('conditions must be a non-empty array');
  if (body.conditions.length > 50) throw invalid(`conditions has ${body.conditions.length} entries, more than 50`);
  const conditions = body.conditions.map((c, i) => checkCondition(`conditions[${i}]`, c));
  return { name, scopeTeam, action, alias, conditions };
}

/** `champion` matches only itself; `*` matches any run of characters. */
export function aliasMatches(pattern: string, alias: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(alias);
}
