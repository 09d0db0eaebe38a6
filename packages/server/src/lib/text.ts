import { DomainError } from '@flywheel/contract';

/**
 * Refuses a NUL character (U+0000) in a text field: PostgreSQL's text type cannot store it, so
 * it would otherwise fail there (and only there) as a server error.
 *
 * @example validateNoNul('description', input.description);
 */
export function validateNoNul(what: string, value: unknown): void {
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new DomainError('INVALID_INPUT', `Invalid value for ${what}: it must not contain the NUL character (\\u0000).`);
  }
}
