import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { classifierModel } from '../../domains/registry/test-support/onnx-models.js';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { RegistryRepository, RegistryService, registryMigrations } from '../../domains/registry/index.js';
import { registerJsonBody } from '../json-body.js';
import { mlflowErrorHandler } from './index.js';
import { mlflowRequestOf } from './mlflow-request.js';
import { registryEndpoints } from './registry.mlflow.js';
import { SYSTEM_ACCESS } from '../../domains/org/access.js';

// The MLflow model registry REST API as MLflow 2.17's Python client drives it: JSON bodies for
// POST, PATCH and DELETE, query strings for GET, MLflow's wire format and error shapes.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;
interface Reply { status: number; body: Body }

const RUN = '0123456789abcdef0123456789abcdef';
const SOURCE = `mlflow-artifacts:/0/${RUN}/artifacts/model`;

/** The app under test: the registry endpoints mounted the way http/mlflow/index.ts mounts endpoints. */
async function buildApp(registry: RegistryService): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(async (scope) => {
    scope.setErrorHandler(mlflowErrorHandler);
    registerJsonBody(scope, { anyContentType: true });
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      for (const ep of registryEndpoints({ registry })) {
        scope.route({
          method: ep.methods,
          url: prefix + ep.path,
          handler: async (req) => ep.handle(mlflowRequestOf(req), SYSTEM_ACCESS),
        });
      }
    }
  });
  await app.ready();
  return app;
}

function pyQuery(q: Record<string, string | number | boolean | string[]>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const item of Array.isArray(v) ? v : [v]) sp.append(k, String(item));
  return sp.toString();
}

for (const dialect of DIALECTS) {
  describe(`MLflow model registry API on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let app: FastifyInstance;
    let now = 1_700_000_000_000;

    async function send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, body?: unknown, query?: Record<string, string | number | boolean | string[]>): Promise<Reply> {
      const url = `/api/2.0/mlflow/${endpoint}${query ? `?${pyQuery(query)}` : ''}`;
      const res = await app.inject({
        method,
        url,
        ...(body !== undefined ? { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
      assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body}`);
      return { status: res.statusCode, body: JSON.parse(res.body) };
    }
    const ok = (r: Reply): Body => {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const post = (ep: string, body: unknown) => send('POST', ep, body);
    const patch = (ep: string, body: unknown) => send('PATCH', ep, body);
    const del = (ep: string, body: unknown) => send('DELETE', ep, body);
    const get = (ep: string, query: Record<string, string | number | boolean | string[]>) => send('GET', ep, undefined, query);
    const fails = (r: Reply, status: number, code: string, message?: RegExp) => {
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.error_code, code);
      if (message) assert.match(r.body.message, message);
    };

    let registry: RegistryService;
    const artifactRoot = mkdtempSync(join(tmpdir(), 'fw-mlflow-registry-'));
    const artifacts = new LocalFsArtifactStore(artifactRoot);

    before(async () => {
      store = await createTestStore(dialect, [registryMigrations]);
      registry = new RegistryService({ repo: new RegistryRepository(store.tables(), store.dialect), clock: { now: () => now }, artifacts });
      app = await buildApp(registry);
    });
    after(async () => {
      await app.close();
      await store.dispose();
      rmSync(artifactRoot, { recursive: true, force: true });
    });

    test('a version created through the MLflow API records the signature of its ONNX model', async () => {
      const run = 'abcabcabcabcabcabcabcabcabcabcab';
      await artifacts.put(`0/${run}/artifacts/model/model.onnx`, Buffer.from(classifierModel()));
      ok(await post('registered-models/create', { name: 'onnx-sig' }));
      const v = ok(await post('model-versions/create', { name: 'onnx-sig', source: `mlflow-artifacts:/0/${run}/artifacts/model`, run_id: run }));
      assert.equal(v.model_version.version, '1');
      const sig = await registry.getSignature('onnx-sig', '1');
      assert.equal(sig.source, 'onnx');
      assert.deepEqual(sig.inputs, [{ name: 'x', elemType: 'float32', shape: ['batch', 4] }]);
      assert.deepEqual(sig.outputs.map((o) => o.name), ['label', 'probabilities']);
      // A source with no model is registered all the same, without a signature.
      const v2 = ok(await post('model-versions/create', { name: 'onnx-sig', source: 'mlflow-artifacts:/0/nothing/artifacts/model' }));
      assert.equal(v2.model_version.version, '2');
      assert.equal((await registry.getModelVersionDetail('onnx-sig', '2')).signature, null);
    });

    test('the register flow of mlflow.register_model and MlflowClient', async () => {
      const t0 = now;
      const created = ok(await post('registered-models/create', { name: 'churn' }));
      assert.deepEqual(created, { registered_model: { name: 'churn', creation_timestamp: t0, last_updated_timestamp: t0 } });

      now += 1;
      const v1 = ok(await post('model-versions/create', { name: 'churn', source: SOURCE, run_id: RUN }));
      assert.deepEqual(v1, {
        model_version: {
          name: 'churn',
          version: '1',
          creation_timestamp: now,
          last_updated_timestamp: now,
          current_stage: 'None',
          source: SOURCE,
          run_id: RUN,
          status: 'READY',
        },
      });
      // register_model waits for READY with model-versions/get
      assert.equal(ok(await get('model-versions/get', { name: 'churn', version: '1' })).model_version.status, 'READY');

      assert.deepEqual(ok(await post('registered-models/alias', { name: 'churn', alias: 'champion', version: '1' })), {});
      const byAlias = ok(await get('registered-models/alias', { name: 'churn', alias: 'champion' }));
      assert.equal(byAlias.model_version.version, '1');
      assert.deepEqual(byAlias.model_version.aliases, ['champion']);

      now += 1;
      const v2 = ok(await post('model-versions/create', { name: 'churn', source: SOURCE, run_id: RUN, tags: [{ key: 'q', value: 'good' }], description: 'second' }));
      assert.equal(v2.model_version.version, '2');
      assert.deepEqual(v2.model_version.tags, [{ key: 'q', value: 'good' }]);
      ok(await post('model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production', archive_existing_versions: false }));
      const moved = ok(await post('model-versions/transition-stage', { name: 'churn', version: '2', stage: 'production', archive_existing_versions: true }));
      assert.equal(moved.model_version.current_stage, 'Production');
      assert.equal(ok(await get('model-versions/get', { name: 'churn', version: '1' })).model_version.current_stage, 'Archived');

      const latestProd = ok(await post('registered-models/get-latest-versions', { name: 'churn', stages: ['Production'] }));
      assert.deepEqual(latestProd.model_versions.map((v: Body) => v.version), ['2']);
      const latestAll = ok(await get('registered-models/get-latest-versions', { name: 'churn' }));
      assert.deepEqual(latestAll.model_versions.map((v: Body) => [v.version, v.current_stage]), [['1', 'Archived'], ['2', 'Production']]);
      assert.deepEqual(ok(await get('registered-models/get-latest-versions', { name: 'churn', stages: 'Staging' })), {});

      const search = ok(await get('registered-models/search', { filter: "name LIKE 'ch%'", max_results: 10 }));
      assert.equal(search.registered_models.length, 1);
      const rm = search.registered_models[0];
      assert.deepEqual(rm.aliases, [{ alias: 'champion', version: '1' }]);
      assert.deepEqual(rm.latest_versions.map((v: Body) => v.version), ['1', '2']);
      assert.equal(search.next_page_token, undefined);
      assert.deepEqual(ok(await get('registered-models/search', { filter: "name = 'nothing'" })), {});

      const mvs = ok(await get('model-versions/search', { filter: `run_id = '${RUN}'` }));
      assert.deepEqual(mvs.model_versions.map((v: Body) => v.version), ['2', '1']);
      const tagged = ok(await get('model-versions/search', { filter: "name = 'churn' AND tags.q = 'good'", max_results: 1 }));
      assert.deepEqual(tagged.model_versions.map((v: Body) => v.version), ['2']);

      assert.deepEqual(ok(await get('model-versions/get-download-uri', { name: 'churn', version: '2' })), { artifact_uri: SOURCE });

      now += 1;
      const upd = ok(await patch('registered-models/update', { name: 'churn', description: 'churn model' }));
      assert.equal(upd.registered_model.description, 'churn model');
      assert.equal(upd.registered_model.last_updated_timestamp, now);
      assert.equal(ok(await patch('model-versions/update', { name: 'churn', version: '2', description: 'v2' })).model_version.description, 'v2');

      ok(await post('registered-models/set-tag', { name: 'churn', key: 'team', value: 'growth' }));
      ok(await post('model-versions/set-tag', { name: 'churn', version: '1', key: 'k', value: 'v' }));
      assert.deepEqual(ok(await get('registered-models/get', { name: 'churn' })).registered_model.tags, [{ key: 'team', value: 'growth' }]);
      // DELETE fields as a JSON body (the Python client) and as a query string (other clients)
      assert.deepEqual(ok(await del('registered-models/delete-tag', { name: 'churn', key: 'team' })), {});
      assert.deepEqual(ok(await send('DELETE', 'model-versions/delete-tag', undefined, { name: 'churn', version: '1', key: 'k' })), {});
      assert.equal(ok(await get('registered-models/get', { name: 'churn' })).registered_model.tags, undefined);
      assert.equal(ok(await get('model-versions/get', { name: 'churn', version: '1' })).model_version.tags, undefined);

      const renamed = ok(await post('registered-models/rename', { name: 'churn', new_name: 'churn-v2' }));
      assert.equal(renamed.registered_model.name, 'churn-v2');
      assert.deepEqual(renamed.registered_model.aliases, [{ alias: 'champion', version: '1' }]);
      fails(await get('registered-models/get', { name: 'churn' }), 404, 'RESOURCE_DOES_NOT_EXIST', /^Registered Model with name=churn not found$/);
      assert.equal(ok(await get('model-versions/get', { name: 'churn-v2', version: '2' })).model_version.name, 'churn-v2');

      assert.deepEqual(ok(await del('registered-models/alias', { name: 'churn-v2', alias: 'champion' })), {});
      fails(await get('registered-models/alias', { name: 'churn-v2', alias: 'champion' }), 400, 'INVALID_PARAMETER_VALUE', /^Registered model alias champion not found\.$/);
      assert.deepEqual(ok(await del('model-versions/delete', { name: 'churn-v2', version: '1' })), {});
      fails(await get('model-versions/get', { name: 'churn-v2', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST', /^Model Version \(name=churn-v2, version=1\) not found$/);
      assert.deepEqual(ok(await send('DELETE', 'registered-models/delete', undefined, { name: 'churn-v2' })), {});
      fails(await get('registered-models/get', { name: 'churn-v2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual(ok(await get('model-versions/search', { filter: "name = 'churn-v2'" })), {});
    });

    test('the /ajax-api prefix serves the same endpoints', async () => {
      ok(await post('registered-models/create', { name: 'ajax' }));
      const res = await app.inject({ method: 'GET', url: '/ajax-api/2.0/mlflow/registered-models/get?name=ajax' });
      assert.equal(res.statusCode, 200);
      assert.equal(JSON.parse(res.body).registered_model.name, 'ajax');
    });

    test('errors: duplicate, not found, bad alias, bad stage, missing fields', async () => {
      ok(await post('registered-models/create', { name: 'err' }));
      ok(await post('model-versions/create', { name: 'err', source: SOURCE }));
      fails(await post('registered-models/create', { name: 'err' }), 400, 'RESOURCE_ALREADY_EXISTS', /^Registered Model \(name=err\) already exists\.$/);
      fails(await get('registered-models/get', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST', /name=nope not found/);
      fails(await post('model-versions/create', { name: 'nope', source: SOURCE }), 404, 'RESOURCE_DOES_NOT_EXIST');
      fails(await get('model-versions/get', { name: 'err', version: '7' }), 404, 'RESOURCE_DOES_NOT_EXIST', /version=7/);
      fails(await get('model-versions/get', { name: 'err', version: 'x' }), 400, 'INVALID_PARAMETER_VALUE', /must be an integer/);
      fails(await post('registered-models/alias', { name: 'err', alias: 'v1', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', /^Version alias name 'v1' is reserved\.$/);
      fails(await post('registered-models/alias', { name: 'err', alias: 'Latest', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', /reserved/);
      fails(await post('registered-models/alias', { name: 'err', alias: 'ok', version: '3' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      fails(
        await post('model-versions/transition-stage', { name: 'err', version: '1', stage: 'Prod', archive_existing_versions: false }),
        400,
        'INVALID_PARAMETER_VALUE',
        /^Invalid Model Version stage: Prod\. Value must be one of None, Staging, Production, Archived\.$/,
      );
      fails(await post('registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'name'\./);
      fails(await get('registered-models/get', {}), 400, 'INVALID_PARAMETER_VALUE', /required parameter 'name'/);
      fails(await post('model-versions/create', { name: 'err' }), 400, 'INVALID_PARAMETER_VALUE', /required parameter 'source'/);
      fails(await post('registered-models/rename', { name: 'err' }), 400, 'INVALID_PARAMETER_VALUE', /required parameter 'new_name'/);
      fails(await get('registered-models/search', { max_results: 5000 }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000/);
      fails(await get('registered-models/search', { filter: "bogus = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', /Invalid attribute key 'bogus'/);
      fails(await get('registered-models/search', { page_token: 'not-a-token' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    test('failed writes write nothing', async () => {
      fails(await post('registered-models/create', { name: 'half', tags: [{ key: 'good', value: '1' }, { key: '/abs', value: '2' }] }), 400, 'INVALID_PARAMETER_VALUE', /Invalid tag name/);
      fails(await get('registered-models/get', { name: 'half' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      ok(await post('registered-models/create', { name: 'whole' }));
      fails(await post('model-versions/create', { name: 'whole', source: SOURCE, tags: [{ key: 'k', value: 'x'.repeat(5001) }] }), 400, 'INVALID_PARAMETER_VALUE', /length limit of 5000/);
      assert.deepEqual(ok(await get('model-versions/search', { filter: "name = 'whole'" })), {});
      const model = ok(await get('registered-models/get', { name: 'whole' })).registered_model;
      assert.equal(model.latest_versions, undefined);
      // The failed create did not use up a version number.
      assert.equal(ok(await post('model-versions/create', { name: 'whole', source: SOURCE })).model_version.version, '1');
      fails(await post('registered-models/rename', { name: 'whole', new_name: 'err' }), 400, 'RESOURCE_ALREADY_EXISTS');
      assert.equal(ok(await get('registered-models/get', { name: 'whole' })).registered_model.name, 'whole');
      assert.equal(ok(await get('model-versions/get', { name: 'err', version: '1' })).model_version.name, 'err');
    });
  });
}
