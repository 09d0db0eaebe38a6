import { posix } from 'node:path';
import { DomainError } from '@flywheel/contract';

// Rules and messages follow mlflow/utils/validation.py and mlflow/entities/model_registry, so a
// request MLflow's registry refuses is refused here with the same words.

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

export const MAX_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 5000;
export const MAX_ALIAS_LENGTH = 255;

/** MLflow's stages, canonical spelling; input is matched case-insensitively. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
/** The stages `archive_existing_versions` may be used with. */
export const ACTIVE_STAGES: readonly Stage[] = ['Staging', 'Production'];

const VALID_TAG_NAME = /^[/\w.\- :]*$/;

export { validateNoNul } from '../../lib/text.js';
import { validateNoNul } from '../../lib/text.js';

export function validateLength(what: string, value: string, limit: number): void {
  validateNoNul(what, value);
  if (value.length > limit) {
    throw invalid(`${what} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`);
  }
}

export function validateModelName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw invalid('Registered model name cannot be empty.');
  if (typeof name !== 'string') throw invalid(`Invalid registered model name: '${String(name)}'. Expects a string.`);
  validateNoNul('registered model name', name);
  return name;
}

/** Version numbers travel as strings; they must be integers. */
export function parseVersion(version: unknown): number {
  const s = typeof version === 'number' ? String(version) : version;
  if (typeof s !== 'string' || !/^\s*\d{1,15}\s*$/.test(s)) {
    throw invalid(`Model version must be an integer, got '${String(version)}'`);
  }
  return Number(s);
}

export function validateTag(key: unknown, value: unknown): { key: string; value: string } {
  if (key === undefined || key === null) throw invalid('Tag name cannot be None.');
  if (typeof key !== 'string') throw invalid(`Invalid tag name: '${String(key)}'. Tag names must be strings.`);
  if (!VALID_TAG_NAME.test(key)) {
    throw invalid(
      `Invalid tag name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  const norm = posix.normalize(key);
  if (key !== '' && (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/'))) {
    throw invalid(
      `Invalid tag name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
  if (key === '') throw invalid(`Invalid tag name: ''. Tag names cannot be empty.`);
  validateLength('key', key, MAX_REGISTRY_TAG_KEY_LENGTH);
  const v = value === undefined || value === null ? '' : String(value);
  validateNoNul(`tag '${key}' value`, v);
  validateLength('value', v, MAX_REGISTRY_TAG_VALUE_LENGTH);
  return { key, value: v };
}

export function validateAlias(alias: unknown): string {
  if (alias === undefined || alias === null || alias === '') throw invalid('Registered model alias name cannot be empty.');
  if (typeof alias !== 'string' || !/^[\w-]*$/.test(alias)) {
    throw invalid(`Invalid alias name: '${String(alias)}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  validateLength('Registered model alias name', alias, MAX_ALIAS_LENGTH);
  if (alias.toLowerCase() === 'latest') throw invalid("'latest' alias name (case insensitive) is reserved.");
  if (/^v\d+$/i.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
  return alias;
}

/** A stage name as MLflow spells it, whatever case the client used. */
export function canonicalStage(stage: unknown): Stage {
  const found = typeof stage === 'string' ? STAGES.find((s) => s.toLowerCase() === stage.toLowerCase()) : undefined;
  if (!found) throw invalid(`Invalid Model Version stage: ${String(stage)}. Value must be one of ${STAGES.join(', ')}.`);
  return found;
}

export function validateMaxResults(n: number | undefined, def: number, max: number): number {
  if (n === undefined) return def;
  if (!Number.isInteger(n) || n < 1) {
    throw invalid(`Invalid value for request parameter max_results. It must be a positive integer, but got value ${n}`);
  }
  if (n > max) throw invalid(`Invalid value for request parameter max_results. It must be at most ${max}, but got value ${n}`);
  return n;
}
