import { DomainError } from '@flywheel/contract';
import { checkTimestamp } from './actuals.validation.js';

/** One feedback event as accepted by the API, checked. */
export interface FeedbackInput {
  inferenceId: string;
  name: string;
  value: number;
  /** ms since epoch when the outcome happened; absent → the time it is received. */
  timestamp?: number;
}

export const FEEDBACK_LIMITS = {
  maxBatch: 10_000,
  inferenceIdMaxLength: 256,
  nameMaxLength: 100,
  /** 9999-12-31: beyond it a number is surely not ms since epoch. */
} as const;

/** Quality metrics computed from actuals; a feedback metric of the same name would be ambiguous in `?metric=`. */
export const QUALITY_METRICS = ['accuracy', 'error_rate', 'mae'] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

/** Metric names: a letter or underscore, then letters, digits, `_ . : -` (safe in URLs and dashboards). */
export const FEEDBACK_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

const L = FEEDBACK_LIMITS;
const KNOWN_FIELDS = ['inferenceId', 'name', 'value', 'timestamp'];
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Checks a metric name; `at` names it in messages. */
export function checkFeedbackName(v: unknown, at: string): string {
  if (typeof v !== 'string') throw invalid(`${at} must be a string; got ${typeOf(v)}`);
  if (v.length === 0) throw invalid(`${at} is empty`);
  if (v.length > L.nameMaxLength) throw invalid(`${at} is longer than ${L.nameMaxLength} characters`);
  if (!FEEDBACK_NAME.test(v)) throw invalid(`${at} must start with a letter or _ and contain only letters, digits, _ . : -; got ${JSON.stringify(v)}`);
  if ((QUALITY_METRICS as readonly string[]).includes(v)) throw invalid(`${at} '${v}' is reserved for a quality metric computed from actuals`);
  return v;
}

/** Checks one event; `at` is its path in messages (`events[12]`). */
export function checkFeedbackEvent(item: unknown, at: string): FeedbackInput {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalid(`${at} must be an object {inferenceId, name, value, timestamp?}`);
  const o = item as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KNOWN_FIELDS.includes(k));
  if (unknown !== undefined) throw invalid(`${at}.${unknown} is not a known field (${KNOWN_FIELDS.join(', ')})`);
  for (const f of ['inferenceId', 'name', 'value']) if (o[f] === undefined) throw invalid(`${at}.${f} is required`);
  if (typeof o.inferenceId !== 'string') throw invalid(`${at}.inferenceId must be a string; got ${typeOf(o.inferenceId)}`);
  if (o.inferenceId.length === 0) throw invalid(`${at}.inferenceId is empty`);
  if (o.inferenceId.length > L.inferenceIdMaxLength) throw invalid(`${at}.inferenceId is longer than ${L.inferenceIdMaxLength} characters`);
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) throw invalid(`${at}.value must be a finite number; got ${typeof o.value === 'number' ? String(o.value) : typeOf(o.value)}`);
  const out: FeedbackInput = { inferenceId: o.inferenceId, name: checkFeedbackName(o.name, `${at}.name`), value: o.value };
  if (o.timestamp !== undefined && o.timestamp !== null) out.timestamp = checkTimestamp(o.timestamp, `${at}.timestamp`);
  return out;
}

/** Checks a body `{events: [...]}`; the first problem is thrown, naming its index and field. */
export function validateFeedbackBody(body: unknown): FeedbackInput[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('body must be a JSON object {events: [{inferenceId, name, value, timestamp?}]}');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => k !== 'events');
  if (unknown !== undefined) throw invalid(`body.${unknown} is not a known field`);
  if (!Array.isArray(b.events)) throw invalid(`events ${b.events === undefined ? 'is required' : 'must be an array'}`);
  if (b.events.length === 0) throw invalid('events is empty: send at least one event');
  if (b.events.length > L.maxBatch) throw invalid(`events has ${b.events.length} events; at most ${L.maxBatch} per request`);
  return b.events.map((item, i) => checkFeedbackEvent(item, `events[${i}]`));
}
