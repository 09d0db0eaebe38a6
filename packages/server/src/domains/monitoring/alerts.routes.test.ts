import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createAlertsApp } from './test-support/alerts-app.js';
import { startWebhookReceiver } from './test-support/webhook-receiver.js';

for (const dialect of DIALECTS) {
  describe(`alerts, webhooks and labeling API (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createAlertsApp>>;
    let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
    const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
      const res = await f.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: res.statusCode, body: res.body ? (res.json() as Record<string, any>) : {} }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    before(async () => {
      f = await createAlertsApp(dialect);
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await f?.dispose();
      await receiver?.close();
    });

    test('webhook + rule over HTTP: a drifted feature fires, reaches the webhook signed, runs the action, and shows in the history', async () => {
      const wh = await call('POST', '/api/v1/webhooks', { name: 'ops', url: receiver.url });
      assert.equal(wh.status, 201, JSON.stringify(wh.body));
      assert.match(wh.body.secret, /^whsec_[0-9a-f]{48}$/);
      assert.equal((await call('GET', '/api/v1/webhooks/ops')).body.secret, undefined, 'the secret is shown once');
      const rule = await call('POST', '/api/v1/alerts', { name: 'age-psi', deployment: 'churn', metric: 'psi', column: 'age', condition: { op: '>', threshold: 0.25 }, window: { points: 1 }, notify: [wh.body.id], action: { type: 'rollback_canary', params: { deployment: 'churn' } }, severity: 'critical' });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 1, value: 0.4 });
      const ev = await call('POST', '/api/v1/alerts/age-psi/evaluate');
      assert.deepEqual([ev.status, ev.body.transition, ev.body.value], [200, 'fired', 0.4]);
      assert.deepEqual(f.rollbacks, ['churn']);
      assert.equal((await call('GET', '/api/v1/alerts/age-psi')).body.state, 'firing');
      assert.equal(await f.notifier.runOnce(), 1);
      const got = receiver.received.at(-1)!;
      const ts = String(got.headers['x-flywheel-timestamp']);
      assert.equal(got.headers['x-flywheel-signature'], `sha256=${createHmac('sha256', wh.body.secret as string).update(`${ts}.${got.body}`).digest('hex')}`);
      assert.equal((JSON.parse(got.body) as { rule: { severity: string } }).rule.severity, 'critical');
      const hist = await call('GET', '/api/v1/alerts/age-psi/events');
      assert.deepEqual((hist.body.events as { type: string }[]).map((e) => e.type).sort(), ['action', 'fired', 'notified']);
      const all = await call('GET', '/api/v1/alerts/history?limit=2');
      assert.equal(all.body.events.length, 2);
      const deliveries = await call('GET', '/api/v1/webhooks/ops/deliveries');
      assert.deepEqual([deliveries.body.deliveries[0].status, deliveries.body.deliveries[0].history[0].statusCode], ['delivered', 200]);
      const t = await call('POST', '/api/v1/alerts/age-psi/test');
      assert.equal(t.body.type, 'test');
      assert.equal((await call('GET', '/api/v1/alerts')).body.rules.length, 1);
    });

    test('bad input: 400 naming the field, nothing written; unknown ids 404', async () => {
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/api/v1/alerts', { name: 'bad', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { seconds: -5 } }, /^window\.seconds must be at least 1/],
        ['POST', '/api/v1/alerts', { name: 'bad', metric: 'psi', condition: { op: '>' }, window: { points: 1 } }, /^condition\.threshold must be a finite number/],
        ['POST', '/api/v1/alerts', [1, 2], /^rule must be an object/],
        ['POST', '/api/v1/webhooks', { name: 'w', url: 'ftp://x' }, /^url must use http or https/],
        ['POST', '/api/v1/webhooks', { name: 'w', url: 'http://x', secret: 'short' }, /^body\.secret must NOT have fewer than 16 characters/],
        ['GET', '/api/v1/alerts/history?limit=0', undefined, /^querystring\.limit must be >= 1/],
        ['PUT', '/api/v1/labeling/churn/policy', { strategy: 'random', share: 0 }, /^share must be a number in \(0, 1\]/],
        ['GET', '/api/v1/labeling/churn/next?count=5', undefined, /^querystring\.reviewer is required/],
        ['POST', '/api/v1/labeling/items/abc/label', { label: 1, reviewer: 'x' }, /^params\.id must be integer/],
      ];
      for (const [method, url, payload, re] of cases) {
        const r = await call(method as 'GET', url, payload);
        assert.equal(r.status, 400, `${method} ${url}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'INVALID_INPUT');
        assert.match(r.body.error.message, re);
      }
      assert.equal((await call('GET', '/api/v1/alerts')).body.rules.filter((r: { name: string }) => r.name === 'bad').length, 0);
      assert.equal((await call('GET', '/api/v1/alerts/nope')).status, 404);
      assert.equal((await call('GET', '/api/v1/webhooks/nope/deliveries')).status, 404);
      assert.equal((await call('POST', '/api/v1/labeling/items/424242/label', { label: 1, reviewer: 'x' })).status, 404);
      assert.equal((await call('POST', '/api/v1/webhooks', { name: 'ops', url: 'http://127.0.0.1:1/' })).status, 409);
      assert.equal((await call('DELETE', '/api/v1/alerts/age-psi')).status, 204);
      assert.equal((await call('GET', '/api/v1/alerts/age-psi')).status, 404);
    });

    test('labeling over HTTP: policy, sample, next with a lease, label → actual, skip, stats', async () => {
      const T = f.clock.t - 60_000;
      await f.logPredictions([0.5, 0.9, 0.45, 0.05].map((p, i) => ({ id: `h${i}`, deployment: 'web', ts: T + i, p })));
      assert.equal((await call('PUT', '/api/v1/labeling/web/policy', { strategy: 'least_confident', share: 0.5 })).status, 200);
      const s = await call('POST', '/api/v1/labeling/web/sample', {});
      assert.deepEqual([s.status, s.body.scanned, s.body.queued], [200, 4, 2]);
      const next = await call('GET', '/api/v1/labeling/web/next?count=5&reviewer=ann');
      assert.deepEqual((next.body.items as { inferenceId: string }[]).map((i) => i.inferenceId), ['h0', 'h2']);
      const [a, b] = next.body.items as { id: number }[];
      const lab = await call('POST', `/api/v1/labeling/items/${a!.id}/label`, { label: 'churned', reviewer: 'ann' });
      assert.deepEqual([lab.status, lab.body.state, lab.body.label], [200, 'labeled', 'churned']);
      assert.equal((await f.actuals.get('h0')).value, 'churned');
      const stolen = await call('POST', `/api/v1/labeling/items/${b!.id}/skip`, { reviewer: 'bob' });
      assert.equal(stolen.status, 409);
      assert.equal((await call('POST', `/api/v1/labeling/items/${b!.id}/skip`, { reviewer: 'ann', reason: 'blurry' })).body.state, 'skipped');
      const stats = await call('GET', '/api/v1/labeling/web/stats');
      assert.deepEqual([stats.body.labeled, stats.body.skipped, stats.body.pending], [1, 1, 0]);
    });
  });
}
