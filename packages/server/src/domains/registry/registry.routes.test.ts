import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { createApp } from '../../http/app.js';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { registryMigrations } from './registry.migrations.js';
import { RegistryRepository } from './registry.repository.js';
import { registryRoutes } from './registry.routes.js';
import { RegistryService } from './registry.service.js';
import { classifierModel } from './test-support/onnx-models.js';

// The native registry API as main.ts mounts it: createApp's JSON bodies, validators and native
// error handler, with the registry routes registered in a scope.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

const RUN = 'feedfeedfeedfeedfeedfeedfeedfeed';
const base = '/api/v1/models';

for (const dialect of DIALECTS) {
  describe(`native registry API on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let app: FastifyInstance;
    let registry: RegistryService;
    const root = mkdtempSync(join(tmpdir(), 'fw-registry-routes-'));
    let now = 1_700_000_000_000;

    async function call(method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: Body }> {
      const res = await app.inject({ method, url, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    }
    const fails = (r: { status: number; body: Body }, status: number, code: string, message: RegExp) => {
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.error.code, code);
      assert.match(r.body.error.message, message);
    };

    before(async () => {
      store = await createTestStore(dialect, [registryMigrations]);
      const artifacts = new LocalFsArtifactStore(root);
      await artifacts.put(`0/${RUN}/artifacts/model/model.onnx`, Buffer.from(classifierModel()));
      registry = new RegistryService({ repo: new RegistryRepository(store.tables(), store.dialect), clock: { now: () => now }, artifacts });
      app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
      await app.register(async (scope) => registryRoutes(scope, { registry }));
      await app.ready();
      await registry.createRegisteredModel({ name: 'churn', tags: [{ key: 'team', value: 'growth' }] });
      await registry.createRegisteredModel({ name: 'fraud' });
      await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/${RUN}/artifacts/model`, runId: RUN });
      await registry.setRegisteredModelAlias('churn', 'champion', '1');
    });
    after(async () => {
      await app.close();
      await store.dispose();
      rmSync(root, { recursive: true, force: true });
    });

    test('models: search, paging, get', async () => {
      const all = await call('GET', base);
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.models.map((m: Body) => m.name), ['churn', 'fraud']);
      const found = await call('GET', `${base}?search=HUR`);
      assert.deepEqual(found.body.models.map((m: Body) => m.name), ['churn']);
      assert.deepEqual((await call('GET', `${base}?search=it's`)).body.models, []);
      assert.deepEqual((await call('GET', `${base}?filter=${encodeURIComponent("tags.team = 'growth'")}`)).body.models.map((m: Body) => m.name), ['churn']);
      const p1 = await call('GET', `${base}?maxResults=1`);
      assert.deepEqual(p1.body.models.map((m: Body) => m.name), ['churn']);
      const p2 = await call('GET', `${base}?maxResults=1&pageToken=${encodeURIComponent(p1.body.nextPageToken)}`);
      assert.deepEqual(p2.body.models.map((m: Body) => m.name), ['fraud']);
      assert.equal(p2.body.nextPageToken, undefined);
      fails(await call('GET', `${base}?maxResults=0`), 400, 'INVALID_INPUT', /^querystring\.maxResults must be >= 1$/);
      fails(await call('GET', `${base}?filter=${encodeURIComponent("bogus = 'x'")}`), 400, 'INVALID_INPUT', /Invalid attribute key 'bogus'/);

      const m = await call('GET', `${base}/churn`);
      assert.equal(m.status, 200);
      assert.deepEqual(m.body.aliases, [{ alias: 'champion', version: '1' }]);
      assert.deepEqual(m.body.latestVersions.map((v: Body) => v.version), ['1']);
      fails(await call('GET', `${base}/nope`), 404, 'NOT_FOUND', /^Registered Model with name=nope not found$/);
    });

    test('a version shows its signature, card status, approval status and aliases', async () => {
      const v = await call('GET', `${base}/churn/versions/1`);
      assert.equal(v.status, 200);
      assert.equal(v.body.version, '1');
      assert.equal(v.body.runId, RUN);
      assert.deepEqual(v.body.aliases, ['champion']);
      assert.equal(v.body.signature.source, 'onnx');
      assert.deepEqual(v.body.signature.inputs, [{ name: 'x', elemType: 'float32', shape: ['batch', 4] }]);
      assert.equal(v.body.card, null);
      assert.deepEqual(v.body.approval, { status: 'pending', decidedBy: null, decidedAt: null, reason: null });
      fails(await call('GET', `${base}/churn/versions/7`), 404, 'NOT_FOUND', /^Model Version \(name=churn, version=7\) not found$/);
      fails(await call('GET', `${base}/churn/versions/abc`), 400, 'INVALID_INPUT', /^Model version must be an integer, got 'abc'$/);
    });

    test('signature: get, set by hand, validation names the field and writes nothing', async () => {
      const got = await call('GET', `${base}/churn/versions/1/signature`);
      assert.equal(got.status, 200);
      assert.equal(got.body.outputs.length, 2);
      now += 1;
      const put = await call('PUT', `${base}/churn/versions/1/signature`, { inputs: [{ name: 'f', elemType: 'float64', shape: [null, 'k', 3] }], outputs: [] });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body, { inputs: [{ name: 'f', elemType: 'float64', shape: [null, 'k', 3] }], outputs: [], source: 'manual', extractedAt: now });
      fails(await call('PUT', `${base}/churn/versions/1/signature`, { inputs: [] }), 400, 'INVALID_INPUT', /^body\.outputs is required$/);
      fails(await call('PUT', `${base}/churn/versions/1/signature`, { inputs: [{ name: 'a', shape: null }], outputs: [] }), 400, 'INVALID_INPUT', /^body\.inputs\.0\.elemType is required$/);
      fails(await call('PUT', `${base}/churn/versions/1/signature`, { inputs: [], outputs: [], extra: 1 }), 400, 'INVALID_INPUT', /^body\.extra is not a known field$/);
      fails(await call('PUT', `${base}/churn/versions/9/signature`, { inputs: [], outputs: [] }), 404, 'NOT_FOUND', /version=9/);
      assert.deepEqual((await call('GET', `${base}/churn/versions/1/signature`)).body, put.body);
      await registry.createModelVersion({ name: 'fraud', source: 'mlflow-artifacts:/0/none/artifacts/model' });
      fails(await call('GET', `${base}/fraud/versions/1/signature`), 404, 'NOT_FOUND', /^No signature is recorded for Model Version \(name=fraud, version=1\)\.$/);
    });

    test('card: put, status workflow, 409 naming both statuses, validation', async () => {
      fails(await call('GET', `${base}/churn/versions/1/card`), 404, 'NOT_FOUND', /has no model card/);
      const card = { modelDetails: 'GBM', intendedUse: 'Churn scoring', quantitativeAnalyses: [{ group: 'EU', metric: 'auc', value: 0.9 }], riskRating: 'medium' };
      const put = await call('PUT', `${base}/churn/versions/1/card`, { card, updatedBy: 'ana' });
      assert.equal(put.status, 200);
      assert.equal(put.body.status, 'Draft');
      assert.deepEqual(put.body.card, card);
      const bad = await call('POST', `${base}/churn/versions/1/card/status`, { status: 'Approved' });
      fails(bad, 409, 'INVALID_STATE', /from Draft to Approved/);
      assert.deepEqual(bad.body.error.details, { current: 'Draft', requested: 'Approved' });
      fails(await call('POST', `${base}/churn/versions/1/card/status`, { status: 'Done' }), 400, 'INVALID_INPUT', /^body\.status /);
      assert.equal((await call('POST', `${base}/churn/versions/1/card/status`, { status: 'PendingReview' })).body.status, 'PendingReview');
      assert.equal((await call('POST', `${base}/churn/versions/1/card/status`, { status: 'Approved', updatedBy: 'bo' })).body.status, 'Approved');
      assert.deepEqual((await call('GET', `${base}/churn/versions/1`)).body.card, { status: 'Approved', riskRating: 'medium' });

      fails(await call('PUT', `${base}/churn/versions/1/card`, { card: { caveats: 'x'.repeat(20_001) } }), 400, 'INVALID_INPUT', /^body\.card\.caveats must NOT have more than 20000 characters$/);
      fails(await call('PUT', `${base}/churn/versions/1/card`, { card: { riskRating: 'extreme' } }), 400, 'INVALID_INPUT', /^body\.card\.riskRating /);
      fails(await call('PUT', `${base}/churn/versions/1/card`, { card: { risk: 'low' } }), 400, 'INVALID_INPUT', /^body\.card\.risk is not a known field$/);
      fails(await call('PUT', `${base}/churn/versions/1/card`, {}), 400, 'INVALID_INPUT', /^body\.card is required$/);
      const still = await call('GET', `${base}/churn/versions/1/card`);
      assert.equal(still.body.status, 'Approved', 'failed writes write nothing');
      assert.deepEqual(still.body.card, card);

      const edited = await call('PUT', `${base}/churn/versions/1/card`, { card: { ...card, caveats: 'new' } });
      assert.equal(edited.body.status, 'Draft', 'editing an approved card makes it a draft again');
    });

    test('approval: get, approve, reject needs a reason, history', async () => {
      const url = `${base}/churn/versions/1/approval`;
      assert.deepEqual((await call('GET', url)).body, { current: { status: 'pending', decidedBy: null, decidedAt: null, reason: null }, history: [] });
      fails(await call('POST', url, { status: 'rejected', decidedBy: 'ana' }), 400, 'INVALID_INPUT', /^reason is required$/);
      fails(await call('POST', url, { status: 'approved' }), 400, 'INVALID_INPUT', /^body\.decidedBy is required/);
      fails(await call('POST', url, { status: 'maybe', decidedBy: 'ana' }), 400, 'INVALID_INPUT', /^body\.status /);
      fails(await call('POST', `${base}/churn/versions/5/approval`, { status: 'approved', decidedBy: 'ana' }), 404, 'NOT_FOUND', /version=5/);
      assert.deepEqual((await call('GET', url)).body.history, [], 'failed writes write nothing');
      now += 1;
      const rejected = await call('POST', url, { status: 'rejected', decidedBy: 'ana', reason: 'bias in EU group' });
      assert.equal(rejected.status, 201);
      assert.deepEqual(rejected.body.current, { status: 'rejected', decidedBy: 'ana', decidedAt: now, reason: 'bias in EU group' });
      now += 1;
      const approved = await call('POST', url, { status: 'approved', decidedBy: 'bo' });
      assert.deepEqual(approved.body.history.map((d: Body) => [d.status, d.decidedBy, d.reason]), [['approved', 'bo', null], ['rejected', 'ana', 'bias in EU group']]);
      assert.equal((await call('GET', `${base}/churn/versions/1`)).body.approval.status, 'approved');
    });

    test('the routes are in the OpenAPI document under the registry tag', async () => {
      const doc = (await call('GET', '/api/v1/openapi.json')).body;
      for (const path of ['/api/v1/models', '/api/v1/models/{name}/versions/{version}', '/api/v1/models/{name}/versions/{version}/card/status', '/api/v1/models/{name}/versions/{version}/approval']) {
        assert.ok(doc.paths[path], path);
        for (const op of Object.values(doc.paths[path]) as Body[]) assert.deepEqual(op.tags, ['registry']);
      }
    });
  });
}
