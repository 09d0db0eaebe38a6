import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { createApp } from '../../http/app.js';
import { systemClock } from '../../lib/clock.js';
import { MonitorsRepository } from './monitors.repository.js';
import { MonitorsService } from './monitors.service.js';
import { monitorsRoutes } from './monitors.routes.js';
import type { MonitorsTables } from './monitors.tables.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

for (const dialect of DIALECTS) {
  describe(`monitors HTTP API (${dialect})`, () => {
    let platform: TestPlatform;
    let api: FastifyInstance;
    const body = { deployment: 'd1', reference: { since: 0, until: 1000 }, window: '1h', inputs: { x: ['a', 'b'] }, score: 'p' };

    before(async () => {
      platform = await createTestPlatform(dialect);
      const monitors = new MonitorsService({ repo: new MonitorsRepository(platform.store.tables<MonitorsTables>(), platform.store.dialect), actuals: platform.services.actuals, clock: systemClock });
      api = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
      await api.register(async (scope) => monitorsRoutes(scope, { monitors }));
      await api.ready();
    });
    after(async () => {
      await api?.close();
      await platform?.dispose();
    });

    test('create, read, list, update, delete; 400s name the field, 404s', async () => {
      const bad = await api.inject({ method: 'POST', url: '/api/v1/monitors', payload: { ...body, window: 'soon' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /window must be a duration/);
      assert.equal((await api.inject({ method: 'POST', url: '/api/v1/monitors', payload: { ...body, prediction: { output: '' } } })).json().error.message, 'prediction.output must be a non-empty string; got ""');
      assert.equal((await api.inject({ url: '/api/v1/monitors' })).json().monitors.length, 0, 'nothing written');

      const res = await api.inject({ method: 'POST', url: '/api/v1/monitors', payload: body });
      assert.equal(res.statusCode, 201, res.body);
      const m = res.json();
      assert.equal(m.windowMs, 3_600_000);
      assert.deepEqual(m.score, { output: 'p', index: 0 });
      assert.deepEqual((await api.inject({ url: `/api/v1/monitors/${m.id}` })).json(), m);
      assert.equal((await api.inject({ url: '/api/v1/monitors?deployment=d1' })).json().monitors.length, 1);
      assert.equal((await api.inject({ url: '/api/v1/monitors?deployment=d2' })).json().monitors.length, 0);
      const put = await api.inject({ method: 'PUT', url: `/api/v1/monitors/${m.id}`, payload: { ...body, window: '1d' } });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal(put.json().windowMs, 86_400_000);
      assert.equal((await api.inject({ method: 'PUT', url: `/api/v1/monitors/${m.id}`, payload: { ...body, driftShare: 2 } })).statusCode, 400);
      assert.equal((await api.inject({ url: '/api/v1/monitors/nope' })).statusCode, 404);
      assert.equal((await api.inject({ method: 'DELETE', url: `/api/v1/monitors/${m.id}` })).statusCode, 204);
      assert.equal((await api.inject({ method: 'DELETE', url: `/api/v1/monitors/${m.id}` })).statusCode, 404);
    });

    test('evaluate an empty window, then read its points; bad ranges are 400', async () => {
      const m = (await api.inject({ method: 'POST', url: '/api/v1/monitors', payload: body })).json();
      const since = Date.parse('2026-01-01T00:00:00Z');
      const ev = await api.inject({ method: 'POST', url: `/api/v1/monitors/${m.id}/evaluate`, payload: { since: '2026-01-01T00:00:00Z', until: since + 3600_000 } });
      assert.equal(ev.statusCode, 200, ev.body);
      assert.equal(ev.json().overall, null);
      assert.equal(ev.json().points, 1);
      const again = () => api.inject({ method: 'POST', url: `/api/v1/monitors/${m.id}/evaluate`, payload: { since, until: since + 3600_000 } });
      const concurrent = await Promise.all([again(), again(), again()]);
      assert.deepEqual(concurrent.map((r) => r.statusCode), [200, 200, 200]);
      const bad = await api.inject({ method: 'POST', url: `/api/v1/monitors/${m.id}/evaluate`, payload: { since: 10, until: 5 } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /window.until must be after since/);
      const pts = await api.inject({ url: `/api/v1/monitors/${m.id}/metrics?metric=row_count&column=null&variant=null&since=${since}&until=${since + 3600_001}` });
      assert.equal(pts.statusCode, 200, pts.body);
      assert.deepEqual(pts.json().points.map((p: { value: number; windowStart: number }) => [p.value, p.windowStart]), [[0, since]], 'concurrent re-evaluations replaced each other');
      assert.equal((await api.inject({ url: `/api/v1/monitors/${m.id}/metrics?metric=row_count&since=x` })).statusCode, 400);
      assert.equal((await api.inject({ url: `/api/v1/monitors/${m.id}/metrics` })).statusCode, 400, 'metric is required');
    });
  });
}
