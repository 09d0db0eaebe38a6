import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServingMetrics } from '../../../../server/src/domains/serving/metrics.js';
import { countersOf, parsePrometheus, quantileFromBuckets, ratesBetween } from './prometheus.js';

test("the gateway's own exposition is read back per variant; rates come from the difference of two scrapes", async () => {
  const m = new ServingMetrics({ defaultMetrics: false });
  for (let i = 0; i < 40; i++) m.observe('churn', 'a', 200, 0.002);
  for (let i = 0; i < 10; i++) m.observe('churn', 'b', 200, 0.02);
  m.observe('churn', 'b', 500, 0.3);
  m.observe('other', 'a', 200, 1);
  const first = countersOf(parsePrometheus(await m.text()), 'churn');
  assert.deepEqual([...first.keys()].sort(), ['a', 'b']);
  assert.equal(first.get('a')!.requests, 40);
  assert.equal(first.get('b')!.requests, 11);
  assert.equal(first.get('b')!.errors, 1);
  assert.equal(first.get('b')!.latencyCount, 11);
  assert.ok(Math.abs(first.get('b')!.latencySum - (10 * 0.02 + 0.3)) < 1e-9);

  // Two seconds later: 20 more requests on a, at 5 ms; none on b.
  for (let i = 0; i < 20; i++) m.observe('churn', 'a', 200, 0.005);
  const second = countersOf(parsePrometheus(await m.text()), 'churn');
  const a = ratesBetween(first.get('a'), second.get('a')!, 2);
  assert.equal(a.rate, 10);
  assert.equal(a.errorShare, 0);
  assert.ok(Math.abs(a.meanMs! - 5) < 1e-9);
  // Every new request fell in the (2.5 ms, 5 ms] bucket: p95 interpolates inside it.
  assert.ok(a.p95Ms! > 2.5 && a.p95Ms! <= 5, String(a.p95Ms));
  const b = ratesBetween(first.get('b'), second.get('b')!, 2);
  assert.equal(b.rate, 0);
  assert.equal(b.errorShare, null, 'no requests, no share');
  assert.equal(b.p95Ms, null);
});

test('a counter that went down (the server restarted) counts from zero', () => {
  const before = { requests: 100, errors: 5, latencySum: 1, latencyCount: 100, buckets: [{ le: 0.01, count: 100 }, { le: Infinity, count: 100 }] };
  const after = { requests: 6, errors: 0, latencySum: 0.06, latencyCount: 6, buckets: [{ le: 0.01, count: 6 }, { le: Infinity, count: 6 }] };
  const r = ratesBetween(before, after, 3);
  assert.equal(r.rate, 2);
  assert.ok(Math.abs(r.meanMs! - 10) < 1e-9);
});

test('quantiles as histogram_quantile computes them; label values are unescaped', () => {
  const buckets = [{ le: 0.1, count: 50 }, { le: 0.2, count: 100 }, { le: Infinity, count: 100 }];
  assert.equal(quantileFromBuckets(0.5, buckets), 0.1);
  assert.ok(Math.abs(quantileFromBuckets(0.75, buckets)! - 0.15) < 1e-12);
  assert.equal(quantileFromBuckets(0.5, [{ le: Infinity, count: 0 }]), null);
  // Beyond the last finite bound only that bound is known.
  assert.equal(quantileFromBuckets(0.99, [{ le: 0.1, count: 1 }, { le: Infinity, count: 10 }]), 0.1);
  const [s] = parsePrometheus('flywheel_serving_requests_total{deployment="we\\"ird\\\\name",variant="a",code="2xx"} 7\n# HELP x y\n');
  assert.deepEqual(s, { name: 'flywheel_serving_requests_total', labels: { deployment: 'we"ird\\name', variant: 'a', code: '2xx' }, value: 7 });
});
