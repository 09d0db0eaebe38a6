import type { DialectName } from '../../../store/index.js';
import { createTestStore } from '../../../store/test-support/stores.js';
import { servingMigrations } from '../../serving/index.js';
import { monitoringMigrations } from '../monitoring.migrations.js';
import { alertsMigrations } from '../alerts.migrations.js';
import { AlertsRepository } from '../alerts.repository.js';
import { AlertsService } from '../alerts.service.js';
import { WebhooksService } from '../webhooks.service.js';
import { WebhookNotifier, type WebhookRetryPolicy } from '../webhook-notifier.js';
import type { AlertAction } from '../alert-actions.js';
import type { MetricPoint, MetricQuery, MetricReader } from '../metric-points.js';
import { ManualClock } from './actuals-fixtures.js';

/**
 * The writing side of the MetricReader port, kept in memory: what monitors do through their own
 * store, reduced to "append a point, read matching points oldest first".
 */
export class InMemoryMetricSeries implements MetricReader {
  readonly all: MetricPoint[] = [];
  add(p: Partial<MetricPoint> & Pick<MetricPoint, 'metric' | 'windowEnd' | 'value'>): void {
    this.all.push({ monitorId: 'm1', deployment: 'churn', column: null, variant: null, group: null, windowStart: p.windowEnd - 60_000, sampleSize: 1000, estimated: false, ...p });
  }
  async points(q: MetricQuery): Promise<MetricPoint[]> {
    const match = (want: string | null | undefined, got: string | null) => want === undefined || want === got;
    return this.all
      .filter((p) => p.metric === q.metric && match(q.monitorId, p.monitorId) && match(q.deployment, p.deployment) && match(q.column, p.column) && match(q.variant, p.variant) && match(q.group, p.group) && p.windowEnd >= q.since && p.windowEnd < q.until)
      .sort((a, b) => a.windowEnd - b.windowEnd);
  }
}

/** A fresh database with the alert tables, the services over it, a manual clock and an in-memory metric series. */
export async function createAlertsFixture(dialect: DialectName, opts: { actions?: AlertAction[]; policy?: Partial<WebhookRetryPolicy> } = {}) {
  const store = await createTestStore(dialect, [servingMigrations, monitoringMigrations, alertsMigrations]);
  const clock = new ManualClock();
  const metrics = new InMemoryMetricSeries();
  const repo = new AlertsRepository(store.tables(), store.dialect);
  const alerts = new AlertsService({ repo, metrics, clock, actions: opts.actions ?? [] });
  const webhooks = new WebhooksService({ repo, clock });
  const notifier = new WebhookNotifier({ repo, clock, policy: { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 4, timeoutMs: 5000, ...opts.policy } });
  return { store, clock, metrics, repo, alerts, webhooks, notifier, dispose: () => store.dispose() };
}
