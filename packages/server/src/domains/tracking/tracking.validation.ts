import { posix } from 'node:path';
import { DomainError, TRACKING_LIMITS as L } from '@flywheel/contract';

// The rules and messages follow mlflow/utils/validation.py so that a script that MLflow refuses
// is refused here with the same words, and one it accepts is accepted.

// Python's \w is Unicode-aware, so MLflow accepts 'précision' and 'モデル'; so do we.
const VALID_NAME = /^[/\p{L}\p{M}\p{N}_.\- :]*$/u;

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

/** Validates a metric, param or tag key. `kind` is 'metric', 'parameter' or 'tag'. */
export function validateKey(kind: 'metric' | 'parameter' | 'tag', key: unknown): string {
  const label = kind === 'parameter' ? 'Parameter' : kind === 'metric' ? 'Metric' : 'Tag';
  if (key === undefined || key === null) throw invalid(`${label} name cannot be None.`);
  if (typeof key !== 'string') throw invalid(`Invalid ${kind} name: '${String(key)}'. ${label} names must be strings.`);
  if (!VALID_NAME.test(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  const norm = posix.normalize(key);
  if (key !== '' && (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/'))) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
  if (key === '') throw invalid(`Invalid ${kind} name: ''. ${label} names cannot be empty.`);
  validateLength(kind === 'parameter' ? 'Param key' : kind === 'tag' ? 'Tag key' : 'Metric name', key, L.maxEntityKeyLength);
  return key;
}

export { validateNoNul } from '../../lib/text.js';
import { validateNoNul } from '../../lib/text.js';

/**
 * Lengths are in characters (code points), as Python counts them, not UTF-16 units. Every
 * stored text field passes here, so the NUL check lives here too.
 */
export function validateLength(what: string, value: string, limit: number): void {
  validateNoNul(what, value);
  if (value.length <= limit) return; // code points never outnumber UTF-16 units
  const chars = [...value];
  if (chars.length > limit) {
    throw invalid(`${what} '${chars.slice(0, 250).join('')}' had length ${chars.length}, which exceeded length limit of ${limit}`);
  }
}

export function validateParamValue(key: string, value: string): void {
  validateLength('Param value', value, L.maxParamValueLength);
  void key;
}

export function validateTagValue(value: string): void {
  validateLength('Tag value', value, L.maxTagValueLength);
}

export function validateExperimentName(name: unknown): string {
  if (typeof name !== 'string') throw invalid(`Invalid experiment name: '${String(name)}'. Expects a string.`);
  if (name.trim() === '') throw invalid(`Invalid experiment name: '${name}'. An experiment name must be a non-empty string.`);
  validateLength('Experiment name', name, L.maxExperimentNameLength);
  return name;
}

export function validateExperimentTag(key: string, value: string): void {
  validateKey('tag', key);
  validateLength('Experiment tag value', value, L.maxExperimentTagValueLength);
}

export function validateMaxResults(n: number | undefined, max: number = L.maxSearchResults): number {
  if (n === undefined) return L.defaultSearchResults;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${max} and at least 1.`);
  }
  return n;
}

export function validateBatchSizes(metrics: number, params: number, tags: number): void {
  if (metrics > L.maxMetricsPerBatch) {
    throw invalid(`A batch logging request can contain at most ${L.maxMetricsPerBatch} metrics. Got ${metrics} metrics. Please split up metrics across multiple requests and try again.`);
  }
  if (params > L.maxParamsTagsPerBatch) {
    throw invalid(`A batch logging request can contain at most ${L.maxParamsTagsPerBatch} params. Got ${params} params. Please split up params across multiple requests and try again.`);
  }
  if (tags > L.maxParamsTagsPerBatch) {
    throw invalid(`A batch logging request can contain at most ${L.maxParamsTagsPerBatch} tags. Got ${tags} tags. Please split up tags across multiple requests and try again.`);
  }
  const total = metrics + params + tags;
  if (total > L.maxEntitiesPerBatch) {
    throw invalid(`A batch logging request can contain at most ${L.maxEntitiesPerBatch} total metrics, params, and tags. Got ${metrics} metrics, ${params} params, and ${tags} tags. Please split up metrics, params, and tags across multiple requests and try again.`);
  }
}

export function validateMetricValue(key: string, value: unknown, timestamp: number): number {
  if (typeof value !== 'number') {
    throw invalid(`Got invalid value ${String(value)} for metric '${key}' (timestamp=${timestamp}). Please specify value as a valid double (64-bit floating point)`);
  }
  return value;
}

export function validateTimestamp(key: string, value: number, timestamp: unknown): number {
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw invalid(`Got invalid timestamp ${String(timestamp)} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `);
  }
  return timestamp;
}

export function validateInt64(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: it must be an integer.`);
  }
  return value;
}
