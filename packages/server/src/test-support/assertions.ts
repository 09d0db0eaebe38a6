import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';

/** Asserts that `p` rejects with a DomainError of `code` whose message matches `re`. */
export const rejectsWith = (p: Promise<unknown>, code: DomainError['code'], re: RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });

/** Asserts that `fn` throws an INVALID_INPUT DomainError whose message matches `re`. */
export const throwsInvalid = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_INPUT');
    assert.match(e.message, re);
    return true;
  });
