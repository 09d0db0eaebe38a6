import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepWeights, validatePlan, weightsOf, withWeights } from './rollout-plan.js';

const ok = { canary: 'c', steps: [{ weight: 5, hold: { seconds: 60 } }, { weight: 50, hold: { requests: 100 } }, { weight: 100, hold: { seconds: 10, requests: 10 } }] };
const rejects = (body: unknown, field: RegExp, metrics: string[] = []) =>
  assert.throws(() => validatePlan(body, metrics), (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && field.test(e.message), `expected ${String(field)}`);

test('validatePlan keeps a good plan and fills nothing in', () => {
  const plan = validatePlan({ ...ok, guardrails: { maxErrorRate: 0.01, maxP99LatencyMs: 50, minRequests: 20, metrics: [{ name: 'psi', max: 0.2 }] } }, ['psi']);
  assert.deepEqual(plan.steps, ok.steps);
  assert.deepEqual(plan.guardrails, { maxErrorRate: 0.01, maxP99LatencyMs: 50, minRequests: 20, metrics: [{ name: 'psi', max: 0.2 }] });
  assert.deepEqual(validatePlan(ok).guardrails, {});
});

test('validatePlan names the field of every mistake', () => {
  rejects(null, /^body must be an object/);
  rejects({ ...ok, canary: '' }, /^canary /);
  rejects({ ...ok, steps: [] }, /^steps must be a non-empty list/);
  rejects({ ...ok, steps: Array.from({ length: 101 }, (_, i) => ({ weight: (i + 1) / 1.01, hold: { seconds: 1 } })) }, /^steps has 101 steps; at most 100/);
  rejects({ ...ok, steps: [{ weight: 0, hold: { seconds: 1 } }] }, /^steps\[0\]\.weight must be a number greater than 0/);
  rejects({ ...ok, steps: [{ weight: 101, hold: { seconds: 1 } }] }, /^steps\[0\]\.weight/);
  rejects({ ...ok, steps: [{ weight: 50, hold: { seconds: 1 } }, { weight: 50, hold: { seconds: 1 } }] }, /^steps\[1\]\.weight must be greater than steps\[0\]\.weight \(50\)/);
  rejects({ ...ok, steps: [{ weight: 50, hold: {} }] }, /^steps\[0\]\.hold needs seconds, requests or both/);
  rejects({ ...ok, steps: [{ weight: 50 }] }, /^steps\[0\]\.hold must be an object/);
  rejects({ ...ok, steps: [{ weight: 50, hold: { seconds: -1 } }] }, /^steps\[0\]\.hold\.seconds/);
  rejects({ ...ok, steps: [{ weight: 50, hold: { requests: 1.5 } }] }, /^steps\[0\]\.hold\.requests must be an integer/);
  rejects({ ...ok, steps: [{ weight: 50, hold: { minutes: 1 } }] }, /^steps\[0\]\.hold\.minutes is not a known field/);
  rejects({ ...ok, guardrails: { maxErrorRate: 1.5 } }, /^guardrails\.maxErrorRate must be a number from 0 to 1/);
  rejects({ ...ok, guardrails: { maxP99LatencyMs: 0 } }, /^guardrails\.maxP99LatencyMs/);
  rejects({ ...ok, guardrails: { minRequests: 0 } }, /^guardrails\.minRequests/);
  rejects({ ...ok, guardrails: { metrics: [{ name: 'nope', max: 1 }] } }, /^guardrails\.metrics\[0\]\.name must be one of the guardrail sources this server has \('psi'\)/, ['psi']);
  rejects({ ...ok, guardrails: { metrics: [{ name: 'psi' }] } }, /^guardrails\.metrics\[0\] needs max, min or both/, ['psi']);
  rejects({ ...ok, guardrails: { metrics: [{ name: 'psi', min: 2, max: 1 }] } }, /^guardrails\.metrics\[0\]\.min must not be greater/, ['psi']);
  rejects({ ...ok, extra: 1 }, /^body\.extra is not a known field/);
});

test('stepWeights shares the rest among the other non-shadow variants in their base proportions, summing to 100', () => {
  const config = { variants: [{ name: 'a', role: 'primary', weight: 60 }, { name: 'b', role: 'primary', weight: 20 }, { name: 'c', role: 'canary', weight: 20 }, { name: 's', role: 'shadow', weight: 0 }] };
  const base = weightsOf(config);
  assert.deepEqual(base, { a: 60, b: 20, c: 20 });
  assert.deepEqual(stepWeights(config, base, 'c', 50), { c: 50, a: 37.5, b: 12.5 });
  assert.deepEqual(stepWeights(config, base, 'c', 100), { c: 100, a: 0, b: 0 });
  assert.deepEqual(stepWeights(config, base, 'c', 20), { c: 20, a: 60, b: 20 }, 'the base canary weight gives back the base weights');
  assert.deepEqual(stepWeights(config, base, 'c', 0), { c: 0, a: 75, b: 25 });
  for (const w of [1, 3, 7, 33.3, 66.7, 99]) {
    const split = { ...stepWeights({ variants: [...config.variants, { name: 'd', role: 'primary', weight: 0 }] }, { a: 1, b: 1, d: 1, c: 0 }, 'c', w) };
    const sum = Object.values(split).reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(sum - 100) < 1e-9, `w=${w}: sum ${sum}`);
  }
  // Others all at 0 before (the canary had everything): equal shares.
  assert.deepEqual(stepWeights(config, { a: 0, b: 0, c: 100 }, 'c', 50), { c: 50, a: 25, b: 25 });
  assert.throws(() => stepWeights({ variants: [{ name: 'c', role: 'canary', weight: 100 }] }, {}, 'c', 50), /no variant besides the canary/);
});

test('withWeights changes weights only and passes every other field through', () => {
  const config = { routingKey: { header: 'x-user' }, shadow: { sample: 0.1 }, variants: [{ name: 'a', role: 'primary', weight: 100, runtime: 'http', url: 'http://m' }, { name: 's', role: 'shadow', weight: 0 }, { name: 'c', role: 'canary', weight: 0 }] };
  const out = withWeights(config, { a: 90, c: 10, s: 50 });
  assert.deepEqual(out, { routingKey: { header: 'x-user' }, shadow: { sample: 0.1 }, variants: [{ name: 'a', role: 'primary', weight: 90, runtime: 'http', url: 'http://m' }, { name: 's', role: 'shadow', weight: 0 }, { name: 'c', role: 'canary', weight: 10 }] });
  assert.equal(config.variants[0]!.weight, 100, 'the input is not changed');
});
