import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ tol · max(1, |expected|). */
export function assertClose(actual: number | null | undefined, expected: number, tol: number, what: string): void {
  assert.ok(typeof actual === 'number', `${what}: expected a number, got ${actual}`);
  const err = Math.abs(actual - expected);
  assert.ok(err <= tol * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, expected ${expected} (error ${err}, tolerance ${tol})`);
}
