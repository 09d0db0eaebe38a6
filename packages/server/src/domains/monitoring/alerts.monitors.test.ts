import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { AlertsService } from './alerts.service.js';
import type { MetricPoint } from './metric-points.js';
import { MonitorsRepository } from './monitors.repository.js';
import { createAlertsFixture } from './test-support/alerts-fixtures.js';

// The same rules over the monitors' own table (the MetricReader main.ts wires), not the in-memory series.
for (const dialect of DIALECTS) {
  describe(`alerts over the monitors' metric points (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createAlertsFixture>>;
    before(async () => {
      f = await createAlertsFixture(dialect);
    });
    after(async () => {
      await f?.dispose();
    });

    test('a drifted feature of one variant fires; other columns, variants and small windows are not counted', async () => {
      const monitors = new MonitorsRepository(f.store.tables(), f.store.dialect);
      const alerts = new AlertsService({ repo: f.repo, metrics: monitors, clock: f.clock });
      const H = 3600_000;
      const end = f.clock.t - 1000;
      const point = (windowEnd: number, p: Partial<MetricPoint>): MetricPoint => ({ monitorId: 'mon1', deployment: 'churn', metric: 'psi', column: 'age', variant: 'canary', group: null, windowStart: windowEnd - H, windowEnd, value: 0, sampleSize: 1000, estimated: false, ...p });
      await monitors.replacePoints('mon1', end - 2 * H, end - H, [point(end - H, { value: 0.05 }), point(end - H, { column: 'income', value: 0.9 }), point(end - H, { variant: null, value: 0.9 })]);
      await monitors.replacePoints('mon1', end - H, end, [point(end, { value: 0.6, sampleSize: 20 }), point(end, { variant: 'stable', value: 0.7 })]);
      await alerts.create({ name: 'canary-age', monitorId: 'mon1', metric: 'psi', column: 'age', variant: 'canary', condition: { op: '>', threshold: 0.2 }, window: { seconds: 3 * 3600 }, aggregation: 'max', minSampleSize: 100 });
      let e = await alerts.evaluate('canary-age');
      assert.deepEqual([e.outcome, e.pointsInWindow, e.pointsCounted, e.value], ['ok', 2, 1, 0.05]);
      // The monitor re-evaluates the last window with more rows: now it counts.
      await monitors.replacePoints('mon1', end - H, end, [point(end, { value: 0.6, sampleSize: 5000 })]);
      f.clock.t += 60_000;
      e = await alerts.evaluate('canary-age');
      assert.deepEqual([e.outcome, e.transition, e.value], ['breach', 'fired', 0.6]);
    });
  });
}
