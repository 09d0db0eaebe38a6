import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createApp } from '../app.js';
import { registerAuth } from '../auth.js';
import { registerMlflowApi } from './index.js';
import { trackingRoutes } from '../../domains/tracking/index.js';
import { registryRoutes } from '../../domains/registry/index.js';
import { datasetsRoutes } from '../../domains/datasets/index.js';
import { createAccessFixture, type AccessFixture } from './test-support/access-fixture.js';

// Issue 6 with `anonymous: 'read'`: callers without credentials read internal work only. The routes
// learn the mode from their `anonymous` option; this app is wired as main.ts is to wire it.

for (const dialect of DIALECTS) {
  describe(`anonymous 'read' on ${dialect}`, () => {
    let f: AccessFixture;
    let app: FastifyInstance;
    let privateExp: string;
    before(async () => {
      f = await createAccessFixture(dialect);
      const { tracking, registry, datasets, org } = f.platform.services;
      app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1 << 20, version: 'test', readinessChecks: {} });
      registerAuth(app, { org, anonymous: 'read' });
      await app.register(async (scope) => trackingRoutes(scope, { tracking, anonymous: 'read' }));
      await app.register(async (scope) => registryRoutes(scope, { registry, anonymous: 'read' }));
      await app.register(async (scope) => datasetsRoutes(scope, { datasets, anonymous: 'read' }));
      await registerMlflowApi(app, { tracking, registry, artifacts: f.platform.artifacts, anonymous: 'read' });
      await app.ready();
      privateExp = (await f.call('alice', 'POST', '/api/2.0/mlflow/experiments/create', { name: 'a-private' })).body.experiment_id;
      await f.call('alice', 'POST', '/api/2.0/mlflow/experiments/create', { name: 'a-open', tags: [{ key: 'flywheel.visibility', value: 'internal' }] });
      await f.call('alice', 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'a-model' });
      await f.call('alice', 'POST', '/api/v1/datasets', { name: 'a-data' });
      await f.call('alice', 'POST', '/api/v1/datasets', { name: 'a-open-data', visibility: 'internal' });
    });
    after(async () => {
      await app?.close();
      await f?.dispose();
    });

    const get = async (url: string) => {
      const r = await app.inject({ method: 'GET', url });
      return { status: r.statusCode, body: r.json() };
    };

    test('reads internal work only; changes need credentials', async () => {
      const s = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', payload: {} });
      assert.equal(s.statusCode, 200);
      assert.deepEqual(s.json().experiments.map((e: { name: string }) => e.name).sort(), ['Default', 'a-open']);
      assert.equal((await get(`/api/2.0/mlflow/experiments/get?experiment_id=${privateExp}`)).status, 404);
      assert.equal((await get(`/api/v1/experiments/${privateExp}`)).status, 404);
      assert.equal((await get('/api/2.0/mlflow/registered-models/get?name=a-model')).status, 404);
      assert.deepEqual((await get('/api/2.0/mlflow/registered-models/search')).body, {});
      assert.deepEqual((await get('/api/v1/datasets')).body.datasets.map((d: { name: string }) => d.name), ['a-open-data']);
      assert.equal((await get('/api/v1/datasets/a-data')).status, 404);
      const write = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: { experiment_id: '0' } });
      assert.equal(write.statusCode, 401);
      // With a token the same app serves the owner everything.
      const mine = await app.inject({ method: 'GET', url: `/api/2.0/mlflow/experiments/get?experiment_id=${privateExp}`, headers: { authorization: `Bearer ${f.tokens.alice}` } });
      assert.equal(mine.statusCode, 200);
    });
  });
}
