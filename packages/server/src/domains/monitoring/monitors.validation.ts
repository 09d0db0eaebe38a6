import { DomainError } from '@flywheel/contract';
import type { ColumnDriftConfig, DriftMethod, Label } from './stats/index.js';

/** Where an output tensor's value comes from: the tensor, and the column of a [n, k] tensor (0). */
export interface OutputRef {
  output: string;
  index: number;
}

/** What a monitor compares the deployment's traffic with. */
export type MonitorReference = { dataset: string; version: number | string } | { since: number; until: number };

/** A monitor's definition as stored (validated, defaults filled in). */
export interface MonitorConfig {
  name: string;
  deployment: string;
  reference: MonitorReference;
  /** Window length in ms (`window: "1h"` in requests). */
  windowMs: number;
  /** Column names for the second dimension of [n, k] input tensors, by tensor name. */
  inputs: Record<string, string[]>;
  /** Which columns are features; default: every input column the reference also has. */
  features?: string[] | undefined;
  /** The predicted label or value; default: column 0 of the first output, when no score is named. */
  prediction?: OutputRef | undefined;
  /** The probability of the positive class. */
  score?: OutputRef | undefined;
  positiveLabel: Label;
  task?: 'classification' | 'regression' | undefined;
  /** Input column holding the sensitive attribute (fairness). */
  sensitive?: string | undefined;
  drift: Record<string, ColumnDriftConfig>;
  driftShare?: number | undefined;
}

export const MONITOR_LIMITS = { nameMaxLength: 200, minWindowMs: 60_000, maxWindowMs: 31 * 24 * 3600_000, maxColumns: 10_000 } as const;
const METHODS: readonly DriftMethod[] = ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare'];
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };
const KNOWN = new Set(['name', 'deployment', 'reference', 'window', 'inputs', 'features', 'prediction', 'score', 'positiveLabel', 'task', 'sensitive', 'drift', 'driftShare']);

const bad = (field: string, problem: string) => new DomainError('INVALID_INPUT', `${field} ${problem}`, { field });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, field: string, max = 500): string {
  if (typeof v !== 'string' || v.length === 0) throw bad(field, `must be a non-empty string; got ${JSON.stringify(v) ?? 'nothing'}`);
  if (v.length > max) throw bad(field, `must be at most ${max} characters`);
  return v;
}

function strings(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw bad(field, 'must be a non-empty array of names');
  if (v.length > MONITOR_LIMITS.maxColumns) throw bad(field, `must have at most ${MONITOR_LIMITS.maxColumns} names`);
  const out = v.map((x, i) => str(x, `${field}[${i}]`));
  const dup = out.find((x, i) => out.indexOf(x) !== i);
  if (dup !== undefined) throw bad(field, `names '${dup}' twice`);
  return out;
}

/** A time: ms since epoch or an ISO-8601 date-time. */
export function parseTime(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw bad(field, `must be ms since epoch or an ISO-8601 date-time; got ${JSON.stringify(v) ?? 'nothing'}`);
}

/** A window length: ms, or "30m", "1h", "1d". */
export function parseWindow(v: unknown, field = 'window'): number {
  let ms: number | undefined;
  if (typeof v === 'number' && Number.isInteger(v)) ms = v;
  const m = typeof v === 'string' ? /^(\d+)\s*(s|m|h|d)$/.exec(v) : null;
  if (m) ms = Number(m[1]) * UNITS[m[2]!]!;
  if (ms === undefined) throw bad(field, `must be a duration such as "1h", "30m", "1d" or ms; got ${JSON.stringify(v) ?? 'nothing'}`);
  if (ms < MONITOR_LIMITS.minWindowMs || ms > MONITOR_LIMITS.maxWindowMs) throw bad(field, 'must be between 1 minute and 31 days');
  return ms;
}

export function parseRange(body: unknown, field: string): { since: number; until: number } {
  if (!isObject(body)) throw bad(field, 'must be an object {since, until}');
  const since = parseTime(body.since, `${field}.since`);
  const until = parseTime(body.until, `${field}.until`);
  if (!(until > since)) throw bad(`${field}.until`, 'must be after since');
  return { since, until };
}

function outputRef(v: unknown, field: string): OutputRef {
  if (typeof v === 'string') return { output: str(v, field), index: 0 };
  if (!isObject(v)) throw bad(field, 'must be an output tensor name or {output, index}');
  const index = v.index ?? 0;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw bad(`${field}.index`, 'must be an integer ≥ 0');
  return { output: str(v.output, `${field}.output`), index };
}

/** Validates a monitor definition (create, or the whole document on update); errors name the field. */
export function validateMonitorConfig(body: unknown): MonitorConfig {
  if (!isObject(body)) throw bad('body', 'must be a JSON object');
  for (const k of Object.keys(body)) if (!KNOWN.has(k)) throw bad(`body.${k}`, 'is not a known field');
  const deployment = str(body.deployment, 'deployment', 200);
  const name = body.name === undefined ? deployment : str(body.name, 'name', MONITOR_LIMITS.nameMaxLength);
  let reference: MonitorReference;
  const ref = body.reference;
  if (!isObject(ref)) throw bad('reference', 'must be {dataset, version} or {since, until}');
  if ('dataset' in ref) {
    const version = ref.version;
    if (!((typeof version === 'number' && Number.isInteger(version) && version > 0) || (typeof version === 'string' && version.length > 0))) throw bad('reference.version', 'must be a version number or alias');
    reference = { dataset: str(ref.dataset, 'reference.dataset', 200), version };
  } else reference = parseRange(ref, 'reference');
  const windowMs = parseWindow(body.window ?? '1h');
  const inputs: Record<string, string[]> = {};
  if (body.inputs !== undefined) {
    if (!isObject(body.inputs)) throw bad('inputs', 'must map input tensor names to column names');
    for (const [k, v] of Object.entries(body.inputs)) inputs[k] = strings(v, `inputs.${k}`);
  }
  const features = body.features === undefined ? undefined : strings(body.features, 'features');
  const positiveLabel = body.positiveLabel ?? 1;
  if (!(typeof positiveLabel === 'number' || typeof positiveLabel === 'boolean' || (typeof positiveLabel === 'string' && positiveLabel !== ''))) throw bad('positiveLabel', 'must be a number, a string or a boolean');
  const task = body.task;
  if (task !== undefined && task !== 'classification' && task !== 'regression') throw bad('task', "must be 'classification' or 'regression'");
  const drift: Record<string, ColumnDriftConfig> = {};
  if (body.drift !== undefined) {
    if (!isObject(body.drift)) throw bad('drift', 'must map column names to {method?, threshold?, kind?}');
    for (const [col, c] of Object.entries(body.drift)) {
      const f = `drift.${col}`;
      if (!isObject(c)) throw bad(f, 'must be {method?, threshold?, kind?}');
      for (const k of Object.keys(c)) if (!['method', 'threshold', 'kind'].includes(k)) throw bad(`${f}.${k}`, 'is not a known field');
      if (c.method !== undefined && !METHODS.includes(c.method as DriftMethod)) throw bad(`${f}.method`, `must be one of ${METHODS.join(', ')}`);
      if (c.threshold !== undefined && !(typeof c.threshold === 'number' && Number.isFinite(c.threshold) && c.threshold >= 0)) throw bad(`${f}.threshold`, 'must be a finite number ≥ 0');
      if (c.kind !== undefined && c.kind !== 'numerical' && c.kind !== 'categorical') throw bad(`${f}.kind`, "must be 'numerical' or 'categorical'");
      drift[col] = { ...(c.method !== undefined ? { method: c.method as DriftMethod } : {}), ...(c.threshold !== undefined ? { threshold: c.threshold as number } : {}), ...(c.kind !== undefined ? { kind: c.kind as 'numerical' } : {}) };
    }
  }
  const driftShare = body.driftShare;
  if (driftShare !== undefined && !(typeof driftShare === 'number' && driftShare >= 0 && driftShare <= 1)) throw bad('driftShare', 'must be a number in [0, 1]');
  return {
    name,
    deployment,
    reference,
    windowMs,
    inputs,
    features,
    prediction: body.prediction === undefined ? undefined : outputRef(body.prediction, 'prediction'),
    score: body.score === undefined ? undefined : outputRef(body.score, 'score'),
    positiveLabel,
    task,
    sensitive: body.sensitive === undefined ? undefined : str(body.sensitive, 'sensitive'),
    drift,
    driftShare: driftShare as number | undefined,
  };
}
