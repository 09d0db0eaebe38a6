import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { DIALECTS } from '../../store/test-support/stores.js';
import { FunctionAlertAction, type AlertFiring } from './alert-actions.js';
import { AlertsService } from './alerts.service.js';
import { createAlertsFixture } from './test-support/alerts-fixtures.js';
import { startWebhookReceiver } from './test-support/webhook-receiver.js';

const MIN = 60_000;

for (const dialect of DIALECTS) {
  describe(`alerts (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createAlertsFixture>>;
    let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
    const actionCalls: { firing: AlertFiring; params: Record<string, unknown> }[] = [];
    before(async () => {
      receiver = await startWebhookReceiver();
      f = await createAlertsFixture(dialect, {
        actions: [new FunctionAlertAction('rollback_canary', async (firing, params) => {
          actionCalls.push({ firing, params });
          return { ok: true, message: `rolled ${String(params.deployment)} back`, details: { revision: 7 } };
        })],
      });
    });
    after(async () => {
      await f?.dispose();
      await receiver?.close();
    });
    const types = async (rule: string) => (await f.alerts.events({ rule })).map((e) => e.type).reverse();

    test('a breach fires once, is not re-fired while firing, resolves, and respects the cooldown', async () => {
      const wh = await f.webhooks.create({ name: 'ops', url: receiver.url });
      const rule = await f.alerts.create({ name: 'age-drift', deployment: 'churn', metric: 'psi', column: 'age', condition: { op: '>', threshold: 0.2 }, window: { points: 2 }, aggregation: 'mean', minSampleSize: 100, cooldownSeconds: 3600, intervalSeconds: 60, notify: [wh.id] });
      assert.equal(rule.state, 'ok');
      const t = f.clock.t;
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: t - 2 * MIN, value: 0.1 });
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: t - MIN, value: 0.15 });
      f.metrics.add({ metric: 'psi', column: 'income', windowEnd: t - MIN, value: 0.9 }); // another column: ignored
      let [e] = await f.alerts.evaluateDue();
      assert.deepEqual([e!.outcome, e!.transition, e!.value], ['ok', null, 0.125]);
      assert.equal((await f.alerts.evaluateDue()).length, 0, 'not due again before its interval');

      f.clock.t += MIN;
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 1, value: 0.45 });
      [e] = await f.alerts.evaluateDue();
      assert.deepEqual([e!.outcome, e!.transition, e!.value], ['breach', 'fired', 0.3]);
      assert.equal((await f.alerts.get('age-drift')).state, 'firing');

      f.clock.t += MIN;
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 1, value: 0.5 });
      [e] = await f.alerts.evaluateDue();
      assert.deepEqual([e!.outcome, e!.transition], ['breach', null], 'still breaching: no second firing');

      f.clock.t += MIN;
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 2, value: 0.05 });
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 1, value: 0.05 });
      [e] = await f.alerts.evaluateDue();
      assert.deepEqual([e!.outcome, e!.transition], ['ok', 'resolved']);
      assert.equal((await f.alerts.get('age-drift')).state, 'resolved');

      // A new breach within the hour of cooldown is suppressed (once in the history), then fires after it.
      f.clock.t += MIN;
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 2, value: 0.6 });
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 1, value: 0.6 });
      [e] = await f.alerts.evaluateDue();
      assert.deepEqual([e!.outcome, e!.transition], ['cooldown', null]);
      f.clock.t += MIN;
      [e] = await f.alerts.evaluateDue();
      assert.equal(e!.outcome, 'cooldown');
      f.clock.t += 3600_000;
      f.metrics.add({ metric: 'psi', column: 'age', windowEnd: f.clock.t - 1, value: 0.7 });
      [e] = await f.alerts.evaluateDue();
      assert.deepEqual([e!.outcome, e!.transition], ['breach', 'fired']);
      assert.deepEqual(await types('age-drift'), ['fired', 'resolved', 'suppressed', 'fired']);
    });

    test('the webhook receives each fired/resolved event as a signed JSON payload that verifies with the secret', async () => {
      const before = receiver.received.length;
      const sent = await f.notifier.runOnce();
      assert.equal(sent, 3);
      const got = receiver.received.slice(before);
      assert.equal(got.length, 3);
      const wh = (await f.webhooks.list()).find((w) => w.name === 'ops')!;
      const secret = (await f.webhooks.row(wh.id)).secret;
      for (const r of got) {
        const ts = String(r.headers['x-flywheel-timestamp']);
        const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
        assert.equal(r.headers['x-flywheel-signature'], expected);
        assert.equal(Number(ts), Math.floor(f.clock.t / 1000));
        assert.equal(r.headers['content-type'], 'application/json');
      }
      const payloads = got.map((r) => JSON.parse(r.body) as { type: string; rule: { name: string; metric: string; column: string }; event: { value: number } });
      assert.deepEqual(payloads.map((p) => p.type).sort(), ['alert.fired', 'alert.fired', 'alert.resolved']);
      assert.deepEqual([payloads[0]!.rule.name, payloads[0]!.rule.metric, payloads[0]!.rule.column], ['age-drift', 'psi', 'age']);
      // A tampered body no longer matches its signature.
      const tampered = got[0]!.body.replace('age-drift', 'age-drifT');
      assert.notEqual(`sha256=${createHmac('sha256', secret).update(`${String(got[0]!.headers['x-flywheel-timestamp'])}.${tampered}`).digest('hex')}`, got[0]!.headers['x-flywheel-signature']);
      assert.equal((await f.notifier.runOnce()), 0, 'delivered once');
      const notified = (await f.alerts.events({ rule: 'age-drift' })).filter((e) => e.type === 'notified');
      assert.equal(notified.length, 3);
      const deliveries = await f.webhooks.deliveries({ webhook: 'ops' });
      assert.ok(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.history.length === 1 && d.history[0]!.statusCode === 200));
    });

    test('a failing receiver is retried with exponential backoff until it answers; attempts are recorded', async () => {
      const flaky = await startWebhookReceiver([500, 503]);
      try {
        const wh = await f.webhooks.create({ name: 'flaky', url: flaky.url, secret: 'a-secret-of-sixteen-chars' });
        await f.alerts.create({ name: 'acc-drop', metric: 'accuracy', condition: { op: '<', threshold: 0.8 }, window: { seconds: 600 }, notify: [wh.id] });
        f.metrics.add({ metric: 'accuracy', windowEnd: f.clock.t - 1, value: 0.7 });
        const evals = await f.alerts.evaluateDue();
        assert.equal(evals.find((x) => x.transition === 'fired')?.value, 0.7);
        assert.equal(await f.notifier.runOnce(), 1);
        let [d] = await f.webhooks.deliveries({ webhook: 'flaky' });
        assert.deepEqual([d!.status, d!.attempts, d!.lastStatusCode, d!.nextAttemptAt], ['pending', 1, 500, f.clock.t + 1000]);
        assert.equal(await f.notifier.runOnce(), 0, 'not before its backoff');
        f.clock.t += 1000;
        assert.equal(await f.notifier.runOnce(), 1);
        [d] = await f.webhooks.deliveries({ webhook: 'flaky' });
        assert.deepEqual([d!.status, d!.attempts, d!.lastStatusCode, d!.nextAttemptAt], ['pending', 2, 503, f.clock.t + 2000], 'the delay doubles');
        f.clock.t += 2000;
        assert.equal(await f.notifier.runOnce(), 1);
        [d] = await f.webhooks.deliveries({ webhook: 'flaky' });
        assert.deepEqual([d!.status, d!.attempts, d!.history.map((h) => h.statusCode)], ['delivered', 3, [500, 503, 200]]);
        assert.equal(flaky.received.length, 3);
        assert.deepEqual(new Set(flaky.received.map((r) => r.body)).size, 1, 'the same payload each time');
      } finally {
        await flaky.close();
      }
    });

    test('an unreachable receiver: attempts stop at the cap and the history says notify_failed', async () => {
      const gone = await startWebhookReceiver();
      await gone.close();
      const wh = await f.webhooks.create({ name: 'gone', url: gone.url });
      await f.alerts.create({ name: 'gone-rule', metric: 'missing_share', condition: { op: '>=', threshold: 0.1 }, window: { points: 1 }, notify: [wh.id] });
      f.metrics.add({ metric: 'missing_share', windowEnd: f.clock.t - 1, value: 0.1 });
      await f.alerts.evaluate('gone-rule');
      for (let i = 0; i < 6; i++) {
        await f.notifier.runOnce();
        f.clock.t += 4000; // the cap
      }
      const [d] = await f.webhooks.deliveries({ webhook: 'gone' });
      assert.deepEqual([d!.status, d!.attempts], ['failed', 4]);
      assert.match(d!.lastError!, /could not connect/);
      assert.deepEqual(await types('gone-rule'), ['fired', 'notify_failed']);
    });

    test('not enough data: points with a small sample do not count, and the history says so once', async () => {
      await f.alerts.create({ name: 'f1', metric: 'f1', condition: { op: '<', threshold: 0.5 }, window: { seconds: 3600 }, minSampleSize: 200 });
      f.metrics.add({ metric: 'f1', windowEnd: f.clock.t - 10, value: 0.1, sampleSize: 50 });
      f.metrics.add({ metric: 'f1', windowEnd: f.clock.t - 5, value: 0.2, sampleSize: 199 });
      let e = await f.alerts.evaluate('f1');
      assert.deepEqual([e.outcome, e.pointsInWindow, e.pointsCounted, e.transition], ['not_enough_data', 2, 0, null]);
      f.clock.t += MIN;
      e = await f.alerts.evaluate('f1');
      assert.equal(e.outcome, 'not_enough_data');
      const evs = await f.alerts.events({ rule: 'f1' });
      assert.equal(evs.length, 1);
      assert.match(evs[0]!.message, /not enough data: 2 point\(s\) of f1 in the window, none computed from at least 200 rows \(largest: 199\)/);
      // A sufficient point counts; the small one beside it still does not.
      f.metrics.add({ metric: 'f1', windowEnd: f.clock.t - 1, value: 0.9, sampleSize: 500 });
      e = await f.alerts.evaluate('f1');
      assert.deepEqual([e.outcome, e.value, e.pointsCounted], ['ok', 0.9, 1]);
      assert.equal((await f.alerts.get('f1')).state, 'ok');
    });

    test('a firing rule runs its action through the AlertAction port and records the result', async () => {
      await f.alerts.create({ name: 'canary-guard', deployment: 'churn', variant: 'canary', metric: 'error_rate', condition: { op: '>', threshold: 0.05 }, window: { points: 1 }, action: { type: 'rollback_canary', params: { deployment: 'churn' } } });
      f.metrics.add({ metric: 'error_rate', variant: 'canary', windowEnd: f.clock.t - 1, value: 0.2 });
      f.metrics.add({ metric: 'error_rate', variant: 'stable', windowEnd: f.clock.t - 1, value: 0.01 });
      const before = actionCalls.length;
      const e = await f.alerts.evaluate('canary-guard');
      assert.equal(e.transition, 'fired');
      assert.equal(actionCalls.length, before + 1);
      assert.deepEqual([actionCalls.at(-1)!.params, actionCalls.at(-1)!.firing.value, actionCalls.at(-1)!.firing.rule.name], [{ deployment: 'churn' }, 0.2, 'canary-guard']);
      const evs = (await f.alerts.events({ rule: 'canary-guard' })).reverse();
      assert.deepEqual(evs.map((x) => x.type), ['fired', 'action']);
      assert.equal(evs[1]!.message, 'rollback_canary: rolled churn back');
      assert.deepEqual(evs[1]!.details, { eventId: evs[0]!.id, result: { revision: 7 } });
    });

    test('an action that throws is recorded as action_failed; the firing stands', async () => {
      const failing = new AlertsService({ repo: f.repo, metrics: f.metrics, clock: f.clock, actions: [new FunctionAlertAction('rollback_canary', async () => { throw new Error('deployment churn has no previous revision'); })] });
      await failing.create({ name: 'guard-2', metric: 'error_rate', variant: 'canary', condition: { op: '>', threshold: 0.05 }, window: { points: 1 }, action: { type: 'rollback_canary' } });
      const e = await failing.evaluate('guard-2');
      assert.equal(e.transition, 'fired');
      const evs = (await failing.events({ rule: 'guard-2' })).reverse();
      assert.deepEqual(evs.map((x) => [x.type, x.message]), [['fired', evs[0]!.message], ['action_failed', 'rollback_canary failed: deployment churn has no previous revision']]);
    });

    test('two processes evaluating the same due rule: it is claimed, evaluated and fired once', async () => {
      await f.alerts.create({ name: 'race', metric: 'drift_share', condition: { op: '>', threshold: 0.3 }, window: { points: 1 } });
      f.metrics.add({ metric: 'drift_share', windowEnd: f.clock.t - 1, value: 0.5 });
      const other = new AlertsService({ repo: f.repo, metrics: f.metrics, clock: f.clock });
      const [a, b] = await Promise.all([f.alerts.evaluateDue(), other.evaluateDue()]);
      const id = (await f.alerts.get('race')).id;
      const fired = [...a, ...b].filter((x) => x.ruleId === id);
      assert.equal(fired.length, 1);
      assert.equal(fired[0]!.transition, 'fired');
      assert.deepEqual(await types('race'), ['fired']);
    });

    test('test-fire notifies the webhooks without changing state', async () => {
      const wh = await f.webhooks.create({ name: 'tests', url: receiver.url });
      await f.alerts.create({ name: 'quiet', metric: 'psi', column: 'zzz', condition: { op: '>', threshold: 1 }, window: { points: 1 }, notify: [wh.id] });
      const ev = await f.alerts.testFire('quiet');
      assert.equal(ev.type, 'test');
      const n = receiver.received.length;
      await f.notifier.runOnce();
      const last = receiver.received.slice(n).find((r) => (JSON.parse(r.body) as { rule: { name: string } }).rule.name === 'quiet');
      assert.equal((JSON.parse(last!.body) as { type: string }).type, 'alert.test');
      assert.equal(last!.headers['x-flywheel-event'], 'alert.test');
      assert.equal((await f.alerts.get('quiet')).state, 'ok');
    });

    test('validation names the field', async () => {
      const bad: [unknown, RegExp][] = [
        [{ metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 } }, /^name is required/],
        [{ name: 'x', metric: 'psi', condition: { op: '=>', threshold: 1 }, window: { points: 1 } }, /^condition\.op must be one of '>', '>=', '<', '<='/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 'high' }, window: { points: 1 } }, /^condition\.threshold must be a finite number; got string/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 0 } }, /^window\.points must be at least 1/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: {} }, /^window must have points/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 }, aggregation: 'median' }, /^aggregation must be one of/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 }, minSampleSize: 1.5 }, /^minSampleSize must be an integer/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 }, notify: ['wh_nope'] }, /^notify\[0\]: webhook 'wh_nope' is not registered/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 }, action: { type: 'retrain' } }, /^action\.type must be one of 'rollback_canary'/],
        [{ name: 'x', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 }, sevrity: 'high' }, /^sevrity is not a known field/],
      ];
      for (const [body, re] of bad) await assert.rejects(f.alerts.create(body), (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && re.test(e.message));
      await assert.rejects(f.alerts.create({ name: 'race', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 } }), { code: 'ALREADY_EXISTS' });
      assert.equal((await f.alerts.list()).filter((r) => r.name === 'x').length, 0);
    });
  });
}
