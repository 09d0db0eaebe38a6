import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';

// Inputs too large or too odd for the database (a huge page offset, 40,000 SQL variables, 70
// joins, a NUL byte PostgreSQL cannot store, a body nested 100,000 deep) are a 400 naming the
// field and the limit, never a 500 — on both dialects, and nothing is written.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

interface Reply {
  status: number;
  body: Body;
  text: string;
}

async function send(app: FastifyInstance, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: string): Promise<Reply> {
  const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, ...(payload !== undefined ? { payload } : {}) });
  assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 400)}`);
  let body: Body;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, text: res.body.slice(0, 400) };
}

/** MLflow's error shape: exactly {error_code, message}. */
function mlflowFails(r: Reply, message: RegExp): void {
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(Object.keys(r.body ?? {}).sort(), ['error_code', 'message'], r.text);
  assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', r.text);
  assert.match(r.body.message, message);
}

/** The native error shape: {error: {code, message}}. */
function nativeFails(r: Reply, message: RegExp): void {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body?.error?.code, 'INVALID_INPUT', r.text);
  assert.match(r.body.error.message, message);
}

const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
const hugeOffsetToken = Buffer.from('{"offset":1e300}').toString('base64');

for (const dialect of DIALECTS) {
  describe(`MLflow input limits on ${dialect}`, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    before(async () => {
      platform = await createTestPlatform(dialect);
    });
    after(async () => platform?.dispose());
    const post = (endpoint: string, body: unknown) => send(platform.app, 'POST', `/api/2.0/mlflow/${endpoint}`, JSON.stringify(body));
    const postText = (endpoint: string, text: string) => send(platform.app, 'POST', `/api/2.0/mlflow/${endpoint}`, text);
    const get = (endpoint: string, q: Record<string, string | string[]>) => {
      const sp = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) for (const item of Array.isArray(v) ? v : [v]) sp.append(k, item);
      return send(platform.app, 'GET', `/api/2.0/mlflow/${endpoint}?${sp.toString()}`);
    };

    async function newRun(name: string): Promise<{ exp: string; run: string }> {
      const exp = (await post('experiments/create', { name })).body.experiment_id as string;
      const run = (await post('runs/create', { experiment_id: exp })).body.run.info.run_id as string;
      return { exp, run };
    }

    test('page tokens with a huge, fractional or unsafe offset are a 400 naming page_token', async () => {
      for (const t of [hugeOffsetToken, token({ offset: 2 ** 60 }), token({ offset: 10_000_001 }), token({ offset: 1.5 })]) {
        mlflowFails(await post('runs/search', { experiment_ids: ['0'], page_token: t }), /page_token/);
        mlflowFails(await post('experiments/search', { page_token: t }), /page_token/);
        mlflowFails(await get('registered-models/search', { page_token: t }), /page_token/);
        mlflowFails(await get('model-versions/search', { page_token: t }), /page_token/);
      }
      mlflowFails(await post('runs/search', { experiment_ids: ['0'], page_token: token({ offset: 10_000_001 }) }), /10000000/);
      // the largest allowed offset is an empty page, not an error
      assert.equal((await post('runs/search', { experiment_ids: ['0'], page_token: token({ offset: 10_000_000 }) })).status, 200);
      nativeFails(await send(platform.app, 'POST', '/api/v1/runs/search', JSON.stringify({ experimentIds: ['0'], pageToken: hugeOffsetToken })), /page_token/);
    });

    test('runs/search caps experiment_ids, IN lists, order_by, clauses and filter length', async () => {
      const ids = Array.from({ length: 40_000 }, (_, i) => String(i));
      mlflowFails(await post('runs/search', { experiment_ids: ids }), /experiment_ids.*1000/);
      assert.equal((await post('runs/search', { experiment_ids: ids.slice(0, 1000) })).status, 200);

      const inList = (n: number) => `(${Array.from({ length: n }, (_, i) => `'r${i}'`).join(',')})`;
      mlflowFails(await post('runs/search', { experiment_ids: ['0'], filter: `attributes.run_id IN ${inList(40_000)}` }), /filter|IN list.*1000/);
      mlflowFails(await post('runs/search', { experiment_ids: ['0'], filter: `attributes.run_id IN ${inList(1001)}` }), /IN list.*1000/);
      assert.equal((await post('runs/search', { experiment_ids: ['0'], filter: `attributes.run_id IN ${inList(1000)}` })).status, 200);

      const orderBy = Array.from({ length: 70 }, (_, i) => `metrics.m${i}`);
      mlflowFails(await post('runs/search', { experiment_ids: ['0'], order_by: orderBy }), /order_by.*10/);
      assert.equal((await post('runs/search', { experiment_ids: ['0'], order_by: orderBy.slice(0, 10) })).status, 200);
      mlflowFails(await post('runs/search', { experiment_ids: ['0'], order_by: ['metrics.a', 'metrics.a DESC'] }), /order_by.*duplicate/);
      mlflowFails(await post('experiments/search', { order_by: Array.from({ length: 11 }, () => 'name') }), /order_by.*10/);
      mlflowFails(await post('experiments/search', { order_by: ['name', 'name DESC'] }), /duplicate/);

      const clauses = (n: number) => Array.from({ length: n }, (_, i) => `metrics.m${i % 50} > ${i}`).join(' AND ');
      for (const n of [101, 3_000, 20_000]) {
        mlflowFails(await post('runs/search', { experiment_ids: ['0'], filter: clauses(n) }), /filter.*(100 clauses|20000 characters|limit is)/);
      }
      assert.equal((await post('runs/search', { experiment_ids: ['0'], filter: clauses(100) })).status, 200);
      mlflowFails(await post('runs/search', { experiment_ids: ['0'], filter: `tags.a = '${'x'.repeat(20_001)}'` }), /filter.*20000/);
      mlflowFails(await post('experiments/search', { filter: Array.from({ length: 101 }, () => "name = 'a'").join(' AND ') }), /filter.*100/);
    });

    test('registry search caps IN lists, clauses, order_by and filter length', async () => {
      const inList = (n: number) => `(${Array.from({ length: n }, (_, i) => `'r${i}'`).join(',')})`;
      mlflowFails(await get('model-versions/search', { filter: `run_id IN ${inList(40_000)}` }), /filter.*(20000|IN list.*1000)/);
      mlflowFails(await get('model-versions/search', { filter: `run_id IN ${inList(1001)}` }), /IN list.*1000/);
      assert.equal((await get('model-versions/search', { filter: `run_id IN ${inList(1000)}` })).status, 200);
      mlflowFails(await get('model-versions/search', { filter: Array.from({ length: 101 }, () => "name = 'a'").join(' AND ') }), /filter.*100 clauses/);
      mlflowFails(await get('model-versions/search', { filter: Array.from({ length: 3000 }, () => "name = 'a'").join(' AND ') }), /filter.*(100 clauses|limit is 20000)/);
      mlflowFails(await get('registered-models/search', { order_by: Array.from({ length: 11 }, () => 'name') }), /order_by.*10/);
      mlflowFails(await get('registered-models/search', { filter: `name = '${'x'.repeat(20_001)}'` }), /filter.*20000/);
    });

    test('deeply nested JSON and escaped forbidden keys are a 400, not a stack overflow', async () => {
      const deep = (n: number, inner: string) => `${'{"a":'.repeat(n)}${inner}${'}'.repeat(n)}`;
      mlflowFails(await postText('runs/search', deep(100_000, '{"constructor":1}')), /nested too deeply/);
      mlflowFails(await postText('runs/search', deep(150, '1')), /nested too deeply.*100/);
      mlflowFails(await postText('runs/search', `{"experiment_ids":["0"],"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), /nested too deeply/);
      mlflowFails(await postText('runs/search', '{"experiment_ids":["0"],"\\u005f_proto__":{"x":1}}'), /__proto__ or constructor/);
      mlflowFails(await postText('runs/search', '{"experiment_ids":["0"],"a":[{"\\u0063onstructor":{}}]}'), /__proto__ or constructor/);
      mlflowFails(await postText('runs/search', '{"experiment_ids":["0"],"constructor":{}}'), /__proto__ or constructor/);
      // A string value mentioning the words is fine.
      assert.equal((await postText('runs/search', '{"experiment_ids":["0"],"filter":"tags.constructor = \'__proto__\'"}')).status, 200);
      assert.equal((await postText('runs/search', deep(98, '{"experiment_ids":["0"]}'))).status, 200);
      nativeFails(await send(platform.app, 'POST', '/api/v1/runs/search', deep(5000, '1')), /nested too deeply/);
    });

    test('NUL characters are a 400 naming the field, and nothing is written', async () => {
      const { exp, run } = await newRun('nul-checks');
      const nul = 'a\u0000b';
      mlflowFails(await post('experiments/create', { name: nul }), /Experiment name.*NUL/);
      mlflowFails(await post('experiments/create', { name: 'nul-exp-tag', tags: [{ key: 't', value: nul }] }), /Experiment tag value.*NUL/);
      assert.equal((await get('experiments/get-by-name', { experiment_name: 'nul-exp-tag' })).status, 404);
      mlflowFails(await post('experiments/set-experiment-tag', { experiment_id: exp, key: 'note', value: nul }), /NUL/);
      mlflowFails(await post('experiments/update', { experiment_id: exp, new_name: nul }), /Experiment name.*NUL/);
      mlflowFails(await post('runs/create', { experiment_id: exp, run_name: nul }), /Run name.*NUL/);
      mlflowFails(await post('runs/create', { experiment_id: exp, tags: [{ key: 't', value: nul }] }), /Tag value.*NUL/);
      mlflowFails(await post('runs/create', { experiment_id: exp, user_id: nul }), /user_id.*NUL/);
      mlflowFails(await post('runs/update', { run_id: run, run_name: nul }), /Run name.*NUL/);
      mlflowFails(await post('runs/log-parameter', { run_id: run, key: 'p', value: nul }), /Param value.*NUL/);
      mlflowFails(await post('runs/set-tag', { run_id: run, key: 't', value: nul }), /Tag value.*NUL/);
      mlflowFails(
        await post('runs/log-batch', { run_id: run, params: [{ key: 'ok', value: '1' }], tags: [{ key: 't', value: nul }], metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] }),
        /Tag value.*NUL/,
      );
      mlflowFails(
        await post('runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: nul, digest: 'd', source_type: 'local', source: 's' } }] }),
        /Dataset name.*NUL/,
      );
      mlflowFails(
        await post('runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'n', digest: 'd', source_type: 'local', source: 's' }, tags: [{ key: 'k', value: nul }] }] }),
        /Input tag value.*NUL/,
      );
      const r = (await get('runs/get', { run_id: run })).body.run;
      assert.deepEqual(r.data.params ?? [], []);
      assert.deepEqual(r.data.metrics ?? [], []);
      assert.ok(!(r.data.tags ?? []).some((t: Body) => t.key === 't'));
      assert.equal(r.inputs?.dataset_inputs?.length ?? 0, 0);
      assert.equal((await post('runs/search', { experiment_ids: [exp] })).body.runs.length, 1);

      mlflowFails(await post('registered-models/create', { name: nul }), /registered model name.*NUL/);
      mlflowFails(await post('registered-models/create', { name: 'nul-model', description: nul }), /description.*NUL/);
      assert.equal((await get('registered-models/get', { name: 'nul-model' })).status, 404);
      mlflowFails(await post('registered-models/create', { name: 'nul-model', tags: [{ key: 't', value: nul }] }), /tag 't' value.*NUL/);
      assert.equal((await get('registered-models/get', { name: 'nul-model' })).status, 404);
      assert.equal((await post('registered-models/create', { name: 'm' })).status, 200);
      mlflowFails(await send(platform.app, 'PATCH', '/api/2.0/mlflow/registered-models/update', JSON.stringify({ name: 'm', description: nul })), /description.*NUL/);
      mlflowFails(await post('registered-models/set-tag', { name: 'm', key: 't', value: nul }), /NUL/);
      mlflowFails(await post('model-versions/create', { name: 'm', source: `s3://b/${nul}` }), /source.*NUL/);
      mlflowFails(await post('model-versions/create', { name: 'm', source: 's3://b/x', description: nul }), /description.*NUL/);
      assert.deepEqual((await get('model-versions/search', { filter: "name = 'm'" })).body.model_versions ?? [], []);
      assert.equal((await post('model-versions/create', { name: 'm', source: 's3://b/x' })).body.model_version.version, '1');
      mlflowFails(await send(platform.app, 'PATCH', '/api/2.0/mlflow/model-versions/update', JSON.stringify({ name: 'm', version: '1', description: nul })), /description.*NUL/);
      mlflowFails(await post('model-versions/set-tag', { name: 'm', version: '1', key: 't', value: nul }), /NUL/);
      mlflowFails(await post('registered-models/alias', { name: 'm', alias: nul, version: '1' }), /alias/);
      const m = (await get('registered-models/get', { name: 'm' })).body.registered_model;
      assert.equal(m.description ?? '', '');
      assert.deepEqual(m.tags ?? [], []);
    });
  });
}

test('JSON body scan: always scanning keys costs little on a 1000-metric log-batch body', async () => {
  const { checkStructure } = await import('../json-body.js');
  const body = JSON.stringify({
    run_id: 'a'.repeat(32),
    metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `metric_${i % 20}`, value: Math.random(), timestamp: 1_700_000_000_000 + i, step: i })),
  });
  const rounds = 500;
  for (let i = 0; i < 200; i++) checkStructure(JSON.parse(body)); // warm up
  let t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) JSON.parse(body);
  const parseUs = Number(process.hrtime.bigint() - t) / rounds / 1000;
  const parsed = Array.from({ length: rounds }, () => JSON.parse(body) as unknown);
  t = process.hrtime.bigint();
  for (const o of parsed) assert.equal(checkStructure(o), null);
  const scanUs = Number(process.hrtime.bigint() - t) / rounds / 1000;
  console.log(`# ${body.length} bytes: JSON.parse ${parseUs.toFixed(0)} µs, key scan ${scanUs.toFixed(0)} µs`);
  // Generous bound: the scan stays well under a millisecond-scale cost per request.
  assert.ok(scanUs < 5_000, `key scan took ${scanUs} µs`);
});
