import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../lib/clock.js';
import { DIALECTS } from '../../store/test-support/stores.js';
import { AlertScheduler } from './alert-scheduler.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';
import { WebhookNotifier } from './webhook-notifier.js';
import { createAlertsFixture } from './test-support/alerts-fixtures.js';
import { startWebhookReceiver } from './test-support/webhook-receiver.js';

async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const dialect of DIALECTS) {
  describe(`alert scheduler (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createAlertsFixture>>;
    let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
    before(async () => {
      f = await createAlertsFixture(dialect);
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await f?.dispose();
      await receiver?.close();
    });

    test('a pending delivery survives a restart: a new notifier over the same store sends it', async () => {
      const wh = await f.webhooks.create({ name: 'restart', url: receiver.url });
      await f.alerts.create({ name: 'r1', metric: 'psi', condition: { op: '>', threshold: 0.2 }, window: { points: 1 }, notify: [wh.id] });
      f.metrics.add({ metric: 'psi', windowEnd: f.clock.t - 1, value: 0.3 });
      assert.equal((await f.alerts.evaluate('r1')).transition, 'fired');
      assert.equal(receiver.received.length, 0, 'evaluation only wrote the outbox');
      // "After a restart": fresh repository and notifier objects, nothing kept in memory.
      const repo = new AlertsRepository(f.store.tables(), f.store.dialect);
      assert.equal(await new WebhookNotifier({ repo, clock: f.clock }).runOnce(), 1);
      assert.equal(receiver.received.length, 1);
    });

    test('started on a timer (real clock), two schedulers over one store evaluate and notify once', async () => {
      const wh = await f.webhooks.create({ name: 'timer', url: receiver.url });
      const repo = new AlertsRepository(f.store.tables(), f.store.dialect);
      const a = new AlertsService({ repo, metrics: f.metrics, clock: systemClock });
      const b = new AlertsService({ repo, metrics: f.metrics, clock: systemClock });
      await a.create({ name: 'timed', metric: 'missing_share', column: 'age', condition: { op: '>', threshold: 0.1 }, window: { seconds: 3600 }, notify: [wh.id], intervalSeconds: 1 });
      f.metrics.add({ metric: 'missing_share', column: 'age', windowEnd: Date.now() - 1000, value: 0.5 });
      const before = receiver.received.length;
      const errors: unknown[] = [];
      const s1 = new AlertScheduler({ alerts: a, notifier: new WebhookNotifier({ repo, clock: systemClock }), clock: systemClock, tickMs: 20, onError: (e) => errors.push(e) });
      const s2 = new AlertScheduler({ alerts: b, notifier: new WebhookNotifier({ repo, clock: systemClock }), clock: systemClock, tickMs: 20, onError: (e) => errors.push(e) });
      s1.start();
      s2.start();
      try {
        await until(() => receiver.received.length > before);
        // A few more ticks of both: still one firing, one delivery.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await Promise.all([s1.stop(), s2.stop()]);
      }
      assert.deepEqual(errors, []);
      assert.equal(receiver.received.length - before, 1);
      const evs = (await a.events({ rule: 'timed' })).map((e) => e.type).sort();
      assert.deepEqual(evs, ['fired', 'notified']);
    });
  });
}
