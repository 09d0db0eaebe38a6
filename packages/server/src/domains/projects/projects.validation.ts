import { DomainError } from '@flywheel/contract';
import { RISK_RATINGS, STAGES, type BusinessCase, type ModelLink, type RiskRating, type Stage } from './projects.types.js';

export const LIMITS = {
  nameMaxLength: 100,
  descriptionMaxLength: 5000,
  fieldMaxLength: 5000,
  maxModels: 50,
  maxDeployments: 50,
  reasonMaxLength: 2000,
  metricMaxLength: 250,
};

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const EMPTY_CASE: BusinessCase = {
  businessChallenge: null,
  currentBaseline: null,
  businessValue: null,
  usersAndUsage: null,
  successMetric: null,
  successTarget: null,
  successDirection: 'higher',
  coreTeam: null,
  dataExists: null,
  dataLabeled: null,
  timeline: null,
  budget: null,
  decision: null,
  costOfErrors: null,
  riskRating: null,
};

const TEXT_FIELDS = ['businessChallenge', 'currentBaseline', 'businessValue', 'usersAndUsage', 'successMetric', 'coreTeam', 'timeline', 'budget', 'decision', 'costOfErrors'] as const;

export function validateName(field: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${field} is required`);
  if (v.length > LIMITS.nameMaxLength) throw invalid(`${field} is ${v.length} characters, more than ${LIMITS.nameMaxLength}`);
  if (!NAME.test(v)) throw invalid(`${field} '${v}' must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return v;
}

export function optionalText(field: string, v: unknown, max = LIMITS.fieldMaxLength): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  if (v.length > max) throw invalid(`${field} is ${v.length} characters, more than ${max}`);
  return v.trim() === '' ? null : v;
}

/** A business case patch merged over `base`, field by field; unknown fields are refused. */
export function mergeBusinessCase(base: BusinessCase, patch: unknown, field = 'businessCase'): BusinessCase {
  if (patch === undefined) return base;
  if (!isObject(patch)) throw invalid(`${field} must be an object`);
  const out: BusinessCase = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const at = `${field}.${k}`;
    if ((TEXT_FIELDS as readonly string[]).includes(k)) out[k as (typeof TEXT_FIELDS)[number]] = optionalText(at, v);
    else if (k === 'successTarget') {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw invalid(`${at} must be a finite number or null`);
      out.successTarget = v;
    } else if (k === 'successDirection') {
      if (v !== 'higher' && v !== 'lower') throw invalid(`${at} must be 'higher' or 'lower', got '${String(v)}'`);
      out.successDirection = v;
    } else if (k === 'dataExists' || k === 'dataLabeled') {
      if (v !== null && typeof v !== 'boolean') throw invalid(`${at} must be true, false or null`);
      out[k] = v;
    } else if (k === 'riskRating') {
      if (v !== null && !RISK_RATINGS.includes(v as RiskRating)) throw invalid(`${at} must be one of ${RISK_RATINGS.join(', ')} or null, got '${String(v)}'`);
      out.riskRating = v as RiskRating | null;
    } else throw invalid(`${at} is not a known field`);
  }
  return out;
}

/** An instant as ms since epoch or an ISO date (`2026-03-31`), or null. */
export function parseDate(field: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw invalid(`${field} must be ms since epoch or an ISO date`);
    return v;
  }
  if (typeof v !== 'string') throw invalid(`${field} must be ms since epoch or an ISO date`);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`${field} '${v}' is not a date: use ISO 8601 (2026-03-31) or ms since epoch`);
  return t;
}

export function validateModels(field: string, v: unknown): ModelLink[] {
  if (!Array.isArray(v)) throw invalid(`${field} must be an array of {name, version?}`);
  if (v.length > LIMITS.maxModels) throw invalid(`${field} has ${v.length} entries, more than ${LIMITS.maxModels}`);
  const seen = new Set<string>();
  return v.map((m: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof m === 'string') m = { name: m };
    if (!isObject(m)) throw invalid(`${at} must be {name, version?}`);
    for (const k of Object.keys(m)) if (k !== 'name' && k !== 'version') throw invalid(`${at}.${k} is not a known field`);
    if (typeof m.name !== 'string' || m.name === '' || m.name.length > 500) throw invalid(`${at}.name must be a model name`);
    let version: string | null = null;
    if (m.version !== undefined && m.version !== null) {
      const s = typeof m.version === 'number' ? String(m.version) : m.version;
      if (typeof s !== 'string' || !/^[1-9]\d{0,9}$/.test(s)) throw invalid(`${at}.version must be a version number`);
      version = s;
    }
    const key = `${m.name}/${version ?? ''}`;
    if (seen.has(key)) throw invalid(`${at} links ${m.name}${version ? ` version ${version}` : ''} twice`);
    seen.add(key);
    return { name: m.name, version };
  });
}

export function validateDeployments(field: string, v: unknown): string[] {
  if (!Array.isArray(v)) throw invalid(`${field} must be an array of deployment names`);
  if (v.length > LIMITS.maxDeployments) throw invalid(`${field} has ${v.length} entries, more than ${LIMITS.maxDeployments}`);
  const out = v.map((d: unknown, i) => {
    if (typeof d !== 'string' || d === '' || d.length > 200) throw invalid(`${field}[${i}] must be a deployment name`);
    return d;
  });
  if (new Set(out).size !== out.length) throw invalid(`${field} names a deployment twice`);
  return out;
}

export function validateStage(field: string, v: unknown): Stage {
  if (!STAGES.includes(v as Stage)) throw invalid(`${field} must be one of ${STAGES.join(', ')}, got '${String(v)}'`);
  return v as Stage;
}

export function refuseUnknown(field: string, obj: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(obj)) if (!known.includes(k)) throw invalid(`${field}.${k} is not a known field`);
}

export { invalid, isObject };
