import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';

// The MLflow tracking REST API as MLflow 2.17's Python client drives it: JSON bodies for POST,
// query strings encoded the way `requests` encodes them for GET, and MLflow's wire format
// (snake_case, int64 as JSON numbers, empty fields left out, non-finite doubles as strings).

// Response bodies are checked field by field against MLflow's shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

interface Reply {
  status: number;
  body: Body;
  text: string;
}

type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

/** A query string as python `requests` builds it from `params=`: lists as repeated keys, bools as True/False. */
function pyQuery(q: Record<string, QueryValue>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    const items: readonly (string | number | boolean)[] = Array.isArray(v) ? v : [v as string | number | boolean];
    for (const item of items) sp.append(k, typeof item === 'boolean' ? (item ? 'True' : 'False') : String(item));
  }
  return sp.toString();
}

function client(app: () => FastifyInstance) {
  async function send(method: 'GET' | 'POST', url: string, payload?: string, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await app().inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    // The client retries every 5xx for minutes: nothing a client sends may produce one.
    assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body}`);
    let body: Body;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body, text: res.body.length > 400 ? `${res.body.slice(0, 400)}…` : res.body };
  }
  const json = { 'content-type': 'application/json' };
  return {
    /** POST /api/2.0/mlflow/<endpoint> with a JSON body. */
    post: (endpoint: string, body: unknown) => send('POST', `/api/2.0/mlflow/${endpoint}`, JSON.stringify(body), json),
    /** POST with a body sent exactly as given (malformed JSON, bare NaN). */
    postText: (endpoint: string, text: string) => send('POST', `/api/2.0/mlflow/${endpoint}`, text, json),
    /** GET /api/2.0/mlflow/<endpoint>?<query>. */
    get: (endpoint: string, query: Record<string, QueryValue> = {}) => send('GET', `/api/2.0/mlflow/${endpoint}?${pyQuery(query)}`),
    /** GET any URL. */
    getUrl: (url: string) => send('GET', url),
  };
}

/** A 200 with a JSON object body (the client rejects anything else); returns the body. */
function ok(r: Reply): Body {
  assert.equal(r.status, 200, `expected 200, got ${r.status}: ${r.text}`);
  assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), `a JSON object body: ${r.text}`);
  return r.body;
}

/** MLflow's error body `{error_code, message}` with exactly those two fields. */
function fails(r: Reply, status: number, errorCode: string, message: RegExp): void {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.deepEqual(Object.keys(r.body ?? {}).sort(), ['error_code', 'message'], r.text);
  assert.equal(r.body.error_code, errorCode, r.text);
  assert.match(r.body.message, message);
}

const byKey = <T extends { key: string }>(items: readonly T[] | undefined): T[] => [...(items ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const BASE_TIME = 1_700_000_000_000;
const RUN_NAME = /^[a-z]+-[a-z]+-\d+$/;

for (const dialect of DIALECTS) {
  describe(`MLflow API on ${dialect}`, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    before(async () => {
      platform = await createTestPlatform(dialect);
    });
    after(async () => platform?.dispose());
    const api = client(() => platform.app);

    // ---- small helpers over the API ----------------------------------------------------------

    async function createExperiment(name: string): Promise<string> {
      const body = ok(await api.post('experiments/create', { name }));
      assert.match(body.experiment_id, /^\d+$/);
      return body.experiment_id;
    }

    async function createRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<string> {
      const body = ok(await api.post('runs/create', { experiment_id: experimentId, start_time: BASE_TIME, ...extra }));
      return body.run.info.run_id;
    }

    async function getRun(runId: string): Promise<Body> {
      return ok(await api.get('runs/get', { run_uuid: runId, run_id: runId })).run;
    }

    async function searchRuns(body: Record<string, unknown>): Promise<Body> {
      return ok(await api.post('runs/search', { run_view_type: 'ACTIVE_ONLY', max_results: 1000, ...body }));
    }

    const runNames = (page: Body): string[] => (page.runs ?? []).map((r: Body) => r.info.run_name);

    // ---- 1. the fluent client -----------------------------------------------------------------

    test('the fluent client: set_experiment, start_run, log_*, end_run, get_run', async () => {
      // mlflow.set_experiment('fluent'): get-by-name → 404 → create → get
      fails(await api.get('experiments/get-by-name', { experiment_name: 'fluent' }), 404, 'RESOURCE_DOES_NOT_EXIST', /Could not find experiment with name 'fluent'/);
      const created = ok(await api.post('experiments/create', { name: 'fluent' }));
      assert.deepEqual(Object.keys(created), ['experiment_id']);
      const expId: string = created.experiment_id;
      assert.equal(typeof expId, 'string');
      const { experiment } = ok(await api.get('experiments/get', { experiment_id: expId }));
      assert.deepEqual(experiment, {
        experiment_id: expId,
        name: 'fluent',
        artifact_location: `mlflow-artifacts:/${expId}`,
        lifecycle_stage: 'active',
        last_update_time: experiment.last_update_time,
        creation_time: experiment.creation_time,
      });
      assert.ok(Number.isInteger(experiment.creation_time) && experiment.creation_time > 0, 'int64 as a JSON number');
      assert.ok(Number.isInteger(experiment.last_update_time));
      assert.deepEqual(ok(await api.get('experiments/get-by-name', { experiment_name: 'fluent' })).experiment, experiment);

      // mlflow.start_run(): runs/create with the client's context tags and no run_name
      const defaultTags = [
        { key: 'mlflow.user', value: 'alice' },
        { key: 'mlflow.source.name', value: 'train.py' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
      ];
      const { run } = ok(await api.post('runs/create', { experiment_id: expId, user_id: 'alice', start_time: BASE_TIME, tags: defaultTags }));
      const runId: string = run.info.run_id;
      assert.match(runId, /^[0-9a-f]{32}$/);
      assert.match(run.info.run_name, RUN_NAME);
      assert.deepEqual(run, {
        info: {
          run_uuid: runId,
          run_id: runId,
          run_name: run.info.run_name,
          experiment_id: expId,
          user_id: 'alice',
          status: 'RUNNING',
          start_time: BASE_TIME,
          artifact_uri: `mlflow-artifacts:/${expId}/${runId}/artifacts`,
          lifecycle_stage: 'active',
        },
        data: { tags: byKey([...defaultTags, { key: 'mlflow.runName', value: run.info.run_name }]) },
        inputs: {},
      });
      assert.deepEqual(byKey(run.data.tags), run.data.tags, 'tags come back in a stable order');

      // mlflow.log_metric: run_uuid and run_id, value as number or as protobuf's strings
      const ids = { run_uuid: runId, run_id: runId };
      const metric = (key: string, value: unknown, step = 0, ts = BASE_TIME + 1) => api.post('runs/log-metric', { ...ids, key, value, timestamp: ts, step });
      assert.deepEqual(ok(await metric('loss', 0.5, 0)), {});
      assert.deepEqual(ok(await metric('loss', 0.25, 1, BASE_TIME + 2)), {});
      assert.deepEqual(ok(await metric('nan', 'NaN')), {});
      assert.deepEqual(ok(await metric('inf', 'Infinity')), {});
      assert.deepEqual(ok(await metric('neg_inf', '-Infinity')), {});
      // Python's json module writes a bare NaN token.
      assert.deepEqual(
        ok(await api.postText('runs/log-metric', `{"run_uuid": "${runId}", "run_id": "${runId}", "key": "bare_nan", "value": NaN, "timestamp": ${BASE_TIME + 1}, "step": 0}`)),
        {},
      );

      // mlflow.log_param / set_tag / log_metrics / log_params
      assert.deepEqual(ok(await api.post('runs/log-parameter', { ...ids, key: 'lr', value: '0.01' })), {});
      assert.deepEqual(ok(await api.post('runs/set-tag', { ...ids, key: 'stage', value: 'dev' })), {});
      assert.deepEqual(
        ok(await api.post('runs/log-batch', {
          run_id: runId,
          metrics: [{ key: 'accuracy', value: 0.91, timestamp: BASE_TIME + 3, step: 1 }],
          params: [{ key: 'epochs', value: '10' }, { key: 'optimizer', value: 'adam' }],
        })),
        {},
      );

      // mlflow.end_run(): runs/get then runs/update FINISHED
      assert.equal((await getRun(runId)).info.status, 'RUNNING');
      const updated = ok(await api.post('runs/update', { ...ids, status: 'FINISHED', end_time: BASE_TIME + 10 }));
      assert.deepEqual(updated, {
        run_info: { ...run.info, status: 'FINISHED', end_time: BASE_TIME + 10 },
      });

      const final = await getRun(runId);
      assert.deepEqual(final.info, { ...run.info, status: 'FINISHED', end_time: BASE_TIME + 10 });
      assert.deepEqual(byKey(final.data.metrics), [
        { key: 'accuracy', value: 0.91, timestamp: BASE_TIME + 3, step: 1 },
        { key: 'bare_nan', value: 'NaN', timestamp: BASE_TIME + 1, step: 0 },
        { key: 'inf', value: 'Infinity', timestamp: BASE_TIME + 1, step: 0 },
        { key: 'loss', value: 0.25, timestamp: BASE_TIME + 2, step: 1 },
        { key: 'nan', value: 'NaN', timestamp: BASE_TIME + 1, step: 0 },
        { key: 'neg_inf', value: '-Infinity', timestamp: BASE_TIME + 1, step: 0 },
      ]);
      assert.deepEqual(byKey(final.data.params), [
        { key: 'epochs', value: '10' },
        { key: 'lr', value: '0.01' },
        { key: 'optimizer', value: 'adam' },
      ]);
      assert.deepEqual(byKey(final.data.tags), byKey([...run.data.tags, { key: 'stage', value: 'dev' }]));
      assert.deepEqual(final.inputs, {});

      // Older clients send run_uuid alone; the UI uses the /ajax-api prefix.
      assert.deepEqual(ok(await api.get('runs/get', { run_uuid: runId })).run, final);
      assert.deepEqual(ok(await api.getUrl(`/ajax-api/2.0/mlflow/runs/get?${pyQuery({ run_id: runId })}`)).run, final);
    });

    test('request bodies: any content type, bare NaN/Infinity tokens, numbers as strings', async () => {
      const runId = await createRun('0');
      const post = (payload: string, contentType?: string) =>
        platform.app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/log-batch', payload, headers: contentType ? { 'content-type': contentType } : {} });
      const batch = (key: string) => JSON.stringify({ run_id: runId, params: [{ key, value: '1' }] });
      for (const [key, type] of [['plain', 'text/plain'], ['charset', 'application/json; charset=utf-8'], ['form', 'application/x-www-form-urlencoded']] as const) {
        const res = await post(batch(key), type);
        assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
      }
      // Bare tokens become numbers; the same words inside strings stay text.
      const text = `{"run_id": "${runId}", "metrics": [{"key": "b_nan", "value": NaN, "timestamp": 1, "step": 0}, {"key": "b_inf", "value": Infinity, "timestamp": 1}, {"key": "b_ninf", "value": -Infinity, "timestamp": 1}], "tags": [{"key": "words", "value": "NaN, Infinity and \\"NaN\\""}]}`;
      assert.deepEqual(ok(await api.postText('runs/log-batch', text)), {});
      // protobuf's JSON parser takes int64 as decimal strings and doubles as numeric strings.
      ok(await api.post('runs/log-metric', { run_id: runId, key: 'strs', value: '2.5', timestamp: '1700000000000', step: '7' }));
      const run = await getRun(runId);
      assert.deepEqual(byKey(run.data.params).map((p) => p.key), ['charset', 'form', 'plain']);
      assert.deepEqual(byKey(run.data.metrics), [
        { key: 'b_inf', value: 'Infinity', timestamp: 1, step: 0 },
        { key: 'b_nan', value: 'NaN', timestamp: 1, step: 0 },
        { key: 'b_ninf', value: '-Infinity', timestamp: 1, step: 0 },
        { key: 'strs', value: 2.5, timestamp: BASE_TIME, step: 7 },
      ]);
      assert.equal(run.data.tags.find((t: Body) => t.key === 'words').value, 'NaN, Infinity and "NaN"');

    });

    test('runs/create: explicit run_name, runName tag, default experiment, update rename', async () => {
      const named = ok(await api.post('runs/create', { start_time: BASE_TIME, run_name: 'named-run' })).run;
      assert.equal(named.info.experiment_id, '0', 'no experiment_id → Default');
      assert.equal(named.info.run_name, 'named-run');
      assert.deepEqual(named.data.tags, [{ key: 'mlflow.runName', value: 'named-run' }]);
      assert.equal(named.info.user_id, '');

      const tagged = ok(await api.post('runs/create', { experiment_id: '0', start_time: BASE_TIME, tags: [{ key: 'mlflow.runName', value: 'from-tag' }] })).run;
      assert.equal(tagged.info.run_name, 'from-tag');

      fails(
        await api.post('runs/create', { experiment_id: '0', run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
        400,
        'INVALID_PARAMETER_VALUE',
        /Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values \(run_name='a', mlflow.runName='b'\)/,
      );
      const before = (await searchRuns({ experiment_ids: ['0'], run_view_type: 'ALL' })).runs.length;
      fails(await api.post('runs/create', { experiment_id: '987654' }), 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=987654 exists/);
      fails(await api.post('runs/create', { experiment_id: '0', tags: [{ key: 'bad*tag', value: 'x' }] }), 400, 'INVALID_PARAMETER_VALUE', /Invalid tag name: 'bad\*tag'/);
      fails(await api.post('runs/create', { experiment_id: '0', start_time: 'now' }), 400, 'INVALID_PARAMETER_VALUE', /'start_time'/);
      assert.equal((await searchRuns({ experiment_ids: ['0'], run_view_type: 'ALL' })).runs.length, before, 'refused creates made no run');

      // A key sent twice: the last value wins (MLflow builds a dict), on both dialects.
      const twice = ok(await api.post('runs/create', { experiment_id: '0', run_name: 'twice', tags: [{ key: 'k', value: '1' }, { key: 'k', value: '2' }] })).run;
      assert.deepEqual(twice.data.tags, [{ key: 'k', value: '2' }, { key: 'mlflow.runName', value: 'twice' }]);
      ok(await api.post('runs/log-batch', { run_id: twice.info.run_id, tags: [{ key: 't', value: 'a' }, { key: 't', value: 'b' }] }));
      ok(await api.post('runs/log-batch', { run_id: twice.info.run_id, metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }, { key: 'm', value: 1, timestamp: 1, step: 0 }] }));
      const twiceRun = await getRun(twice.info.run_id);
      assert.deepEqual(twiceRun.data.tags.find((t: Body) => t.key === 't'), { key: 't', value: 'b' });
      assert.deepEqual(ok(await api.get('metrics/get-history', { run_id: twice.info.run_id, metric_key: 'm' })).metrics, [{ key: 'm', value: 1, timestamp: 1, step: 0 }], 'an exact duplicate point is stored once');

      const info = ok(await api.post('runs/update', { run_id: named.info.run_id, run_name: 'renamed' })).run_info;
      assert.equal(info.run_name, 'renamed');
      assert.equal(info.status, 'RUNNING', 'status unchanged when not sent');
      assert.equal(info.end_time, undefined, 'end_time still omitted');
      const got = await getRun(named.info.run_id);
      assert.deepEqual(got.data.tags, [{ key: 'mlflow.runName', value: 'renamed' }]);
    });

    // ---- 2. experiments -----------------------------------------------------------------------

    test('experiments: the Default experiment, duplicates, unknown ids', async () => {
      const { experiment } = ok(await api.get('experiments/get', { experiment_id: '0' }));
      assert.equal(experiment.experiment_id, '0');
      assert.equal(experiment.name, 'Default');
      assert.equal(experiment.artifact_location, 'mlflow-artifacts:/0');
      assert.equal(experiment.lifecycle_stage, 'active');
      assert.equal(experiment.tags, undefined, 'no tags → field omitted');

      const id = await createExperiment('dup-exp');
      fails(await api.post('experiments/create', { name: 'dup-exp' }), 400, 'RESOURCE_ALREADY_EXISTS', /Experiment\(name=dup-exp\) already exists/);
      const dups = ok(await api.post('experiments/search', { max_results: 10, view_type: 'ALL', filter: "name = 'dup-exp'" }));
      assert.deepEqual(dups.experiments.map((e: Body) => e.experiment_id), [id], 'the refused create wrote nothing');
      fails(await api.get('experiments/get', { experiment_id: '99999' }), 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=99999 exists/);
      fails(await api.get('experiments/get-by-name', { experiment_name: 'no-such-exp' }), 404, 'RESOURCE_DOES_NOT_EXIST', /no-such-exp/);
      fails(await api.post('experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
      fails(await api.post('experiments/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE', /'name'/);

      // Names with spaces, slashes, '&', '+' and non-ASCII survive the query string.
      const odd = 'my exp/1 & co+ü?=#';
      const oddId = await createExperiment(odd);
      assert.equal(ok(await api.get('experiments/get-by-name', { experiment_name: odd })).experiment.experiment_id, oddId);
      // experiment_id as a JSON number is taken as MLflow takes it (stringified).
      assert.equal(ok(await api.post('runs/create', { experiment_id: Number(oddId) })).run.info.experiment_id, oddId);
      assert.equal(ok(await api.post('runs/search', { experiment_ids: [Number(oddId)] })).runs.length, 1);

      // Created with tags: they come back on get.
      const tagged = ok(await api.post('experiments/create', { name: 'tagged-exp', tags: [{ key: 'team', value: 'ml' }] })).experiment_id;
      assert.deepEqual(ok(await api.get('experiments/get', { experiment_id: tagged })).experiment.tags, [{ key: 'team', value: 'ml' }]);
      assert.notEqual(tagged, id);
    });

    test('experiments/search: filter, order_by, paging with next_page_token', async () => {
      for (const name of ['alpha', 'apex', 'arc', 'beta', 'Avocado']) await createExperiment(name);
      const names = (page: Body): string[] => (page.experiments ?? []).map((e: Body) => e.name);

      const like = ok(await api.post('experiments/search', { max_results: 1000, view_type: 'ACTIVE_ONLY', filter: "name LIKE 'a%'", order_by: ['name DESC'] }));
      assert.deepEqual(names(like), ['arc', 'apex', 'alpha'], 'LIKE is case-sensitive, order_by name DESC');
      assert.equal(like.next_page_token, undefined);
      const asc = ok(await api.post('experiments/search', { max_results: 1000, filter: "name ILIKE 'a%'", order_by: ['name ASC'] }));
      assert.deepEqual(names(asc), ['Avocado', 'alpha', 'apex', 'arc']);
      assert.deepEqual(ok(await api.post('experiments/search', { max_results: 10, filter: "name = 'zzz-none'" })), {}, 'no match → {}');

      // Every item seen exactly once across pages.
      for (let i = 0; i < 5; i++) await createExperiment(`page-${i}`);
      const seen: string[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = ok(await api.post('experiments/search', { max_results: 2, filter: "name LIKE 'page-%'", order_by: ['name ASC'], ...(token ? { page_token: token } : {}) }));
        sizes.push(page.experiments.length);
        seen.push(...names(page));
        token = page.next_page_token;
        if (token !== undefined) assert.equal(typeof token, 'string');
      } while (token);
      assert.deepEqual(sizes, [2, 2, 1]);
      assert.deepEqual(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);

      // The same through GET with a query string (ints as strings, list as repeated keys).
      const first = ok(await api.get('experiments/search', { max_results: 2, filter: "name LIKE 'page-%'", order_by: ['name DESC'] }));
      assert.deepEqual(names(first), ['page-4', 'page-3']);
      const second = ok(await api.get('experiments/search', { max_results: 2, filter: "name LIKE 'page-%'", order_by: ['name DESC'], page_token: first.next_page_token }));
      assert.deepEqual(names(second), ['page-2', 'page-1']);

      // Default order: newest first.
      const newest = ok(await api.post('experiments/search', { max_results: 3, filter: "name LIKE 'page-%'" }));
      assert.deepEqual(names(newest).length, 3);
      const times = newest.experiments.map((e: Body) => e.creation_time);
      assert.deepEqual(times, [...times].sort((a: number, b: number) => b - a));
    });

    test('experiments: update, delete with its runs, view_type, restore, tags', async () => {
      const id = await createExperiment('life-a');
      const other = await createExperiment('life-b');
      const r1 = await createRun(id);
      const r2 = await createRun(id);

      // rename
      assert.deepEqual(ok(await api.post('experiments/update', { experiment_id: id, new_name: 'life-renamed' })), {});
      assert.equal(ok(await api.get('experiments/get', { experiment_id: id })).experiment.name, 'life-renamed');
      fails(await api.get('experiments/get-by-name', { experiment_name: 'life-a' }), 404, 'RESOURCE_DOES_NOT_EXIST', /life-a/);
      fails(await api.post('experiments/update', { experiment_id: other, new_name: 'life-renamed' }), 400, 'RESOURCE_ALREADY_EXISTS', /life-renamed/);
      assert.equal(ok(await api.get('experiments/get', { experiment_id: other })).experiment.name, 'life-b');
      fails(await api.post('experiments/update', { experiment_id: other }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'new_name'/);
      fails(await api.post('experiments/update', { experiment_id: other, new_name: '' }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'new_name'/);
      fails(await api.post('experiments/update', { experiment_id: '99999', new_name: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=99999 exists/);

      // experiment tags
      assert.deepEqual(ok(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'team', value: 'ml' })), {});
      ok(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'team', value: 'ml2' }));
      assert.deepEqual(ok(await api.get('experiments/get', { experiment_id: id })).experiment.tags, [{ key: 'team', value: 'ml2' }]);
      const byTag = ok(await api.post('experiments/search', { max_results: 10, filter: "tags.team = 'ml2'" }));
      assert.deepEqual(byTag.experiments.map((e: Body) => e.experiment_id), [id]);
      assert.deepEqual(ok(await api.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'team' })), {});
      assert.equal(ok(await api.get('experiments/get', { experiment_id: id })).experiment.tags, undefined);
      fails(await api.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'team' }), 404, 'RESOURCE_DOES_NOT_EXIST', /team/);
      fails(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v'.repeat(5001) }), 400, 'INVALID_PARAMETER_VALUE', /length 5001/);

      // delete: the experiment and all its runs
      assert.deepEqual(ok(await api.post('experiments/delete', { experiment_id: id })), {});
      const deleted = ok(await api.get('experiments/get', { experiment_id: id })).experiment;
      assert.equal(deleted.lifecycle_stage, 'deleted');
      assert.equal((await getRun(r1)).info.lifecycle_stage, 'deleted');
      assert.equal((await getRun(r2)).info.lifecycle_stage, 'deleted');
      assert.deepEqual(await searchRuns({ experiment_ids: [id] }), {});
      assert.equal((await searchRuns({ experiment_ids: [id], run_view_type: 'DELETED_ONLY' })).runs.length, 2);
      fails(await api.post('runs/create', { experiment_id: id }), 400, 'INVALID_PARAMETER_VALUE', new RegExp(`experiment ${id} must be in the 'active' state`));

      const search = async (viewType: string) =>
        (ok(await api.post('experiments/search', { max_results: 100, view_type: viewType, filter: "name LIKE 'life-%'", order_by: ['name ASC'] })).experiments ?? []).map((e: Body) => e.name);
      assert.deepEqual(await search('ACTIVE_ONLY'), ['life-b']);
      assert.deepEqual(await search('DELETED_ONLY'), ['life-renamed']);
      assert.deepEqual(await search('ALL'), ['life-b', 'life-renamed']);

      // restore: the runs come back too
      assert.deepEqual(ok(await api.post('experiments/restore', { experiment_id: id })), {});
      assert.equal(ok(await api.get('experiments/get', { experiment_id: id })).experiment.lifecycle_stage, 'active');
      assert.equal((await getRun(r1)).info.lifecycle_stage, 'active');
      assert.equal((await getRun(r2)).info.lifecycle_stage, 'active');
      assert.equal((await searchRuns({ experiment_ids: [id] })).runs.length, 2);
      fails(await api.post('experiments/delete', { experiment_id: '99999' }), 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=99999 exists/);
    });

    // ---- 3. runs ------------------------------------------------------------------------------

    test('runs/search: metric, param, tag and attribute filters, order_by, paging, run_view_type', async () => {
      const exp = await createExperiment('search-runs');
      const runs: Record<string, string> = {};
      const specs: [string, unknown, string, string | undefined][] = [
        ['r1', 0.9, 'rf', 'a'],
        ['r2', 0.3, 'rf', 'b'],
        ['r3', 0.7, 'xgb', 'a'],
        ['r4', undefined, 'rf', undefined],
        ['r5', 'NaN', 'svm', undefined],
      ];
      for (const [i, [name, score, model, team]] of specs.entries()) {
        const id = await createRun(exp, { run_name: name, start_time: BASE_TIME + i, user_id: 'bob' });
        runs[name] = id;
        ok(await api.post('runs/log-batch', {
          run_id: id,
          metrics: score === undefined ? [] : [{ key: 'score', value: score, timestamp: BASE_TIME, step: 0 }],
          params: [{ key: 'model', value: model }],
          tags: team === undefined ? [] : [{ key: 'team', value: team }],
        }));
      }
      const search = (body: Record<string, unknown>) => searchRuns({ experiment_ids: [exp], ...body });

      assert.deepEqual(runNames(await search({ filter: "metrics.score > 0.5 and params.model = 'rf'" })), ['r1']);
      assert.deepEqual(runNames(await search({ filter: "metrics.score > 0.5 AND params.model = 'rf'" })), ['r1']);
      // Default order: start_time DESC.
      assert.deepEqual(runNames(await search({})), ['r5', 'r4', 'r3', 'r2', 'r1']);
      assert.deepEqual(runNames(await search({ filter: "tags.team = 'a'" })), ['r3', 'r1']);
      assert.deepEqual(runNames(await search({ filter: "params.model LIKE 'r%' and tags.team != 'b'" })), ['r1']);
      assert.deepEqual(runNames(await search({ filter: "attributes.run_name = 'r2'" })), ['r2']);
      assert.deepEqual(runNames(await search({ filter: `attributes.start_time >= ${BASE_TIME + 3}` })), ['r5', 'r4']);
      assert.deepEqual(runNames(await search({ filter: "attributes.status = 'RUNNING' and attributes.user_id = 'bob' and metrics.score <= 0.7" })), ['r3', 'r2']);
      assert.deepEqual(runNames(await search({ filter: `attributes.run_id IN ('${runs.r1}', '${runs.r4}')` })), ['r4', 'r1']);
      assert.deepEqual(await search({ filter: "params.model = 'nothing'" }), {}, 'no match → {}');

      // A search result is the same run JSON as runs/get.
      const one = await search({ filter: "attributes.run_name = 'r1'" });
      assert.deepEqual(one.runs[0], await getRun(runs.r1!));

      // order_by metric: real values, then NaN, then runs without the metric, in both directions.
      assert.deepEqual(runNames(await search({ order_by: ['metrics.score DESC'] })), ['r1', 'r3', 'r2', 'r5', 'r4']);
      assert.deepEqual(runNames(await search({ order_by: ['metrics.score ASC'] })), ['r2', 'r3', 'r1', 'r5', 'r4']);
      assert.deepEqual(runNames(await search({ order_by: ['params.model DESC', 'attributes.run_name ASC'] })), ['r3', 'r5', 'r1', 'r2', 'r4']);

      // paging
      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await search({ order_by: ['metrics.score DESC'], max_results: 2, ...(token ? { page_token: token } : {}) });
        pages.push(runNames(page));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(pages.flat(), ['r1', 'r3', 'r2', 'r5', 'r4']);
      assert.deepEqual(pages.slice(0, 2), [['r1', 'r3'], ['r2', 'r5']]);

      // run_view_type
      assert.deepEqual(ok(await api.post('runs/delete', { run_id: runs.r2 })), {});
      assert.deepEqual(runNames(await search({ order_by: ['attributes.run_name ASC'] })), ['r1', 'r3', 'r4', 'r5']);
      assert.deepEqual(runNames(await search({ run_view_type: 'DELETED_ONLY' })), ['r2']);
      assert.deepEqual(runNames(await search({ run_view_type: 'ALL', order_by: ['attributes.run_name ASC'] })), ['r1', 'r2', 'r3', 'r4', 'r5']);
      assert.deepEqual(runNames(await search({ run_view_type: 2 })), ['r2'], 'enum by number');
    });

    test('metrics/get-history pages with max_results and page_token', async () => {
      const runId = await createRun('0');
      const values = [1, 0.5, 0.25, 0.125, 'NaN'];
      ok(await api.post('runs/log-batch', {
        run_id: runId,
        metrics: values.map((value, step) => ({ key: 'loss', value, timestamp: BASE_TIME + step, step })),
      }));
      const expected = values.map((value, step) => ({ key: 'loss', value, timestamp: BASE_TIME + step, step }));

      const all = ok(await api.get('metrics/get-history', { run_uuid: runId, run_id: runId, metric_key: 'loss', max_results: 25000 }));
      assert.deepEqual(all, { metrics: expected });

      const seen: Body[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = ok(await api.get('metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 2, page_token: token }));
        sizes.push(page.metrics.length);
        seen.push(...page.metrics);
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(sizes, [2, 2, 1]);
      assert.deepEqual(seen, expected);

      assert.deepEqual(ok(await api.get('metrics/get-history', { run_id: runId, metric_key: 'never-logged' })), {});
      fails(await api.get('metrics/get-history', { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'metric_key'/);
      fails(await api.get('metrics/get-history', { run_id: runId, metric_key: 'loss', page_token: 'garbage!' }), 400, 'INVALID_PARAMETER_VALUE', /page_token/);
    });

    test('metrics/get-history-bulk-interval samples each run keeping its first and last step', async () => {
      const a = await createRun('0');
      const b = await createRun('0');
      ok(await api.post('runs/log-batch', { run_id: a, metrics: Array.from({ length: 100 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1), timestamp: BASE_TIME + s, step: s })) }));
      ok(await api.post('runs/log-batch', { run_id: b, metrics: Array.from({ length: 50 }, (_, s) => ({ key: 'loss', value: s, timestamp: BASE_TIME + s, step: s + 10 })) }));
      const url = `/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?${pyQuery({ run_ids: [a, b], metric_key: 'loss', max_results: 5 })}`;
      assert.match(url, new RegExp(`run_ids=${a}&run_ids=${b}&metric_key=loss&max_results=5$`));
      const body = ok(await api.getUrl(url));
      assert.deepEqual(Object.keys(body), ['metrics']);
      for (const m of body.metrics) assert.deepEqual(Object.keys(m).sort(), ['key', 'run_id', 'step', 'timestamp', 'value']);
      const stepsOf = (run: string): number[] => body.metrics.filter((m: Body) => m.run_id === run).map((m: Body) => m.step);
      const sa = stepsOf(a);
      const sb = stepsOf(b);
      assert.equal(body.metrics[0].run_id, a, 'runs in the order asked');
      assert.deepEqual(body.metrics.map((m: Body) => m.run_id), [...sa.map(() => a), ...sb.map(() => b)]);
      for (const [steps, first, last] of [[sa, 0, 99], [sb, 10, 59]] as const) {
        assert.equal(steps[0], first, 'first step kept');
        assert.equal(steps[steps.length - 1], last, 'last step kept');
        assert.ok(steps.length >= 2 && steps.length <= 7, `sampled, not everything: ${steps.join(',')}`);
        assert.deepEqual(steps, [...new Set(steps)].sort((x, y) => x - y), 'ascending, one point per step');
      }
      const pointA = body.metrics.find((m: Body) => m.run_id === a && m.step === 99);
      assert.deepEqual(pointA, { key: 'loss', value: 1 / 100, timestamp: BASE_TIME + 99, step: 99, run_id: a });

      // Everything when it fits; one run_ids value alone is a list of one.
      const small = ok(await api.getUrl(`/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?${pyQuery({ run_ids: b, metric_key: 'loss', max_results: 2500 })}`));
      assert.equal(small.metrics.length, 50);
      const noRuns = await api.getUrl(`/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?${pyQuery({ metric_key: 'loss' })}`);
      fails(noRuns, 400, 'INVALID_PARAMETER_VALUE', /run_id/);
      fails(
        await api.getUrl(`/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?${pyQuery({ run_ids: a, metric_key: 'loss', max_results: 2501 })}`),
        400,
        'INVALID_PARAMETER_VALUE',
        /max_results/,
      );
    });

    test('log-inputs: datasets on the run and searchable with datasets.name', async () => {
      const exp = await createExperiment('datasets');
      const withData = await createRun(exp, { run_name: 'with-data' });
      const without = await createRun(exp, { run_name: 'without' });
      const dataset = {
        name: 'iris',
        digest: 'a1b2c3d4',
        source_type: 'local',
        source: '{"uri": "/data/iris.csv"}',
        schema: '{"mlflow_colspec": [{"type": "double", "name": "x"}]}',
        profile: '{"num_rows": 150}',
      };
      const input = { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset };
      assert.deepEqual(ok(await api.post('runs/log-inputs', { run_id: withData, datasets: [input] })), {});
      // Logging the same dataset again adds no second input.
      ok(await api.post('runs/log-inputs', { run_id: withData, datasets: [input] }));
      assert.deepEqual((await getRun(withData)).inputs, { dataset_inputs: [input] });
      assert.deepEqual((await getRun(without)).inputs, {});

      const find = async (filter: string) => runNames(await searchRuns({ experiment_ids: [exp], filter }));
      assert.deepEqual(await find("datasets.name = 'iris'"), ['with-data']);
      assert.deepEqual(await find("datasets.digest = 'a1b2c3d4' and datasets.context = 'training'"), ['with-data']);
      assert.deepEqual(await find("datasets.name = 'mnist'"), []);

      const other = { name: 'wine', digest: 'ffff', source_type: 'local', source: 'wine.csv' };
      ok(await api.post('runs/log-inputs', { run_id: withData, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'a' }, { key: 'mlflow.data.context', value: 'eval' }], dataset: other }] }));
      assert.deepEqual((await getRun(withData)).inputs.dataset_inputs[1], { tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset: other });
      assert.deepEqual(await find("datasets.context = 'eval'"), ['with-data']);

      fails(await api.post('runs/log-inputs', { run_id: without, datasets: [{ dataset: { ...dataset, name: 'x'.repeat(501) } }] }), 400, 'INVALID_PARAMETER_VALUE', /name/);
      fails(await api.post('runs/log-inputs', { run_id: without, datasets: [{ dataset: { ...dataset, digest: undefined } }] }), 400, 'INVALID_PARAMETER_VALUE', /digest/);
      assert.deepEqual((await getRun(without)).inputs, {}, 'failed log-inputs wrote nothing');
    });

    test('log-model appends to the mlflow.log-model.history tag', async () => {
      const runId = await createRun('0');
      const model = (path: string) => ({ artifact_path: path, flavors: { python_function: { loader_module: 'mlflow.sklearn' } }, utc_time_created: '2024-01-01 00:00:00.000000', run_id: runId });
      assert.deepEqual(ok(await api.post('runs/log-model', { run_id: runId, model_json: JSON.stringify(model('model')) })), {});
      ok(await api.post('runs/log-model', { run_id: runId, model_json: JSON.stringify(model('model2')) }));
      const tag = (await getRun(runId)).data.tags.find((t: Body) => t.key === 'mlflow.log-model.history');
      assert.deepEqual(JSON.parse(tag.value), [model('model'), model('model2')]);

      fails(await api.post('runs/log-model', { run_id: runId, model_json: '{not json' }), 400, 'INVALID_PARAMETER_VALUE', /Malformed model info/);
      fails(await api.post('runs/log-model', { run_id: runId, model_json: '{"artifact_path": "m"}' }), 400, 'INVALID_PARAMETER_VALUE', /missing mandatory fields/);
      fails(await api.post('runs/log-model', { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'model_json'/);
      assert.equal(JSON.parse((await getRun(runId)).data.tags.find((t: Body) => t.key === 'mlflow.log-model.history').value).length, 2);
    });

    test('delete-tag, delete and restore a run, logging to a deleted run', async () => {
      const runId = await createRun('0', { run_name: 'lifecycle' });
      ok(await api.post('runs/set-tag', { run_id: runId, key: 'temp', value: 'x' }));
      assert.deepEqual(ok(await api.post('runs/delete-tag', { run_id: runId, key: 'temp' })), {});
      assert.equal((await getRun(runId)).data.tags.find((t: Body) => t.key === 'temp'), undefined);
      fails(await api.post('runs/delete-tag', { run_id: runId, key: 'temp' }), 404, 'RESOURCE_DOES_NOT_EXIST', new RegExp(`No tag with name: temp in run with id ${runId}`));

      assert.deepEqual(ok(await api.post('runs/delete', { run_id: runId })), {});
      const deleted = await getRun(runId);
      assert.equal(deleted.info.lifecycle_stage, 'deleted', 'a deleted run can still be read');
      const inactive = new RegExp(`The run ${runId} must be in the 'active' state. Current state is deleted.`);
      fails(await api.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', inactive);
      fails(await api.post('runs/log-parameter', { run_id: runId, key: 'p', value: '1' }), 400, 'INVALID_PARAMETER_VALUE', inactive);
      fails(await api.post('runs/set-tag', { run_id: runId, key: 't', value: '1' }), 400, 'INVALID_PARAMETER_VALUE', inactive);
      fails(await api.post('runs/log-batch', { run_id: runId, metrics: [{ key: 'm', value: 1, timestamp: BASE_TIME }] }), 400, 'INVALID_PARAMETER_VALUE', inactive);
      fails(await api.post('runs/update', { run_id: runId, status: 'FINISHED' }), 400, 'INVALID_PARAMETER_VALUE', inactive);
      assert.deepEqual((await getRun(runId)).data, deleted.data, 'nothing was written to the deleted run');
      assert.equal((await getRun(runId)).info.status, 'RUNNING');

      assert.deepEqual(ok(await api.post('runs/restore', { run_id: runId })), {});
      assert.equal((await getRun(runId)).info.lifecycle_stage, 'active');
      ok(await api.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: BASE_TIME }));
      fails(await api.post('runs/delete', { run_id: 'f'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST', new RegExp(`Run with id=${'f'.repeat(32)} not found`));
    });

    test('concurrent requests: racing creates of one name, parallel logging to one run', async () => {
      const creates = await Promise.all(Array.from({ length: 8 }, () => api.post('experiments/create', { name: 'race' })));
      assert.equal(creates.filter((r) => r.status === 200).length, 1, 'one create wins');
      for (const r of creates.filter((c) => c.status !== 200)) fails(r, 400, 'RESOURCE_ALREADY_EXISTS', /Experiment\(name=race\) already exists/);
      assert.equal(ok(await api.post('experiments/search', { max_results: 10, filter: "name = 'race'" })).experiments.length, 1);

      const runId = await createRun('0');
      const logged = await Promise.all(Array.from({ length: 20 }, (_, i) => api.post('runs/log-metric', { run_id: runId, key: 'loss', value: i, timestamp: BASE_TIME + i, step: i })));
      for (const r of logged) assert.deepEqual(ok(r), {});
      const params = await Promise.all(Array.from({ length: 6 }, () => api.post('runs/log-parameter', { run_id: runId, key: 'p', value: 'same' })));
      for (const r of params) assert.deepEqual(ok(r), {}, 'the same param value from parallel requests');
      assert.equal(ok(await api.get('metrics/get-history', { run_id: runId, metric_key: 'loss' })).metrics.length, 20);
      assert.deepEqual((await getRun(runId)).data.metrics, [{ key: 'loss', value: 19, timestamp: BASE_TIME + 19, step: 19 }]);
    });

    // MLflow checks names with Python's `\w`, which matches any Unicode letter, and lengths with
    // len(), which counts code points.
    test('Unicode letters are valid in metric and param names', async () => {
      const runId = await createRun('0');
      assert.deepEqual(ok(await api.post('runs/log-metric', { run_id: runId, key: 'précision', value: 1, timestamp: BASE_TIME })), {});
      assert.deepEqual(ok(await api.post('runs/log-parameter', { run_id: runId, key: 'モデル', value: 'rf' })), {});
    });

    test('length limits count code points, as Python len() does', async () => {
      const runId = await createRun('0');
      assert.deepEqual(ok(await api.post('runs/log-parameter', { run_id: runId, key: 'emoji', value: '😀'.repeat(6000) })), {});
      assert.deepEqual(ok(await api.post('runs/set-tag', { run_id: runId, key: 'emoji', value: '😀'.repeat(5000) })), {});
    });

    // ---- 4. error paths -----------------------------------------------------------------------

    test('errors: malformed JSON, missing and mistyped fields, unknown run, unknown endpoint', async () => {
      const runId = await createRun('0');
      const ids = { run_uuid: runId, run_id: runId };

      const malformed = await api.postText('runs/log-metric', `{"run_id": "${runId}", "key": "m", "value": 1,`);
      fails(malformed, 400, 'INVALID_PARAMETER_VALUE', /JSON/);

      fails(await api.post('runs/log-metric', { key: 'm', value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'run_id'/);
      fails(await api.post('runs/log-metric', { run_id: '', key: 'm', value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'run_id'/);
      fails(await api.post('runs/log-metric', { ...ids, value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'key'/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'm', timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'value'/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'm', value: 1, timestamp: BASE_TIME, step: 'abc' }), 400, 'INVALID_PARAMETER_VALUE', /Invalid value abc for parameter 'step' supplied/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'm', value: 'abc', timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /'value'/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'm', value: 1, timestamp: 'yesterday' }), 400, 'INVALID_PARAMETER_VALUE', /'timestamp'/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'm', value: 1, timestamp: BASE_TIME, step: 1.5 }), 400, 'INVALID_PARAMETER_VALUE', /'step'/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'bad*key', value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /Invalid metric name: 'bad\*key'/);
      fails(await api.post('runs/log-parameter', { ...ids, key: ['a'], value: '1' }), 400, 'INVALID_PARAMETER_VALUE', /'key'/);
      fails(await api.post('runs/set-tag', { ...ids, key: 't', value: { nested: true } }), 400, 'INVALID_PARAMETER_VALUE', /'value'/);
      fails(await api.post('runs/update', { ...ids, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE', /'status'/);
      fails(await api.post('runs/log-metric', { ...ids, key: 'm', value: 1 }), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'timestamp'/);
      fails(
        await api.post('runs/log-metric', { ...ids, key: 'm', value: 1, timestamp: -1 }),
        400,
        'INVALID_PARAMETER_VALUE',
        /^Got invalid timestamp -1 for metric 'm' \(value=1\.0\)\. Timestamp must be a nonnegative long/,
      );
      fails(await api.post('runs/log-batch', { run_id: runId, metrics: [{ key: 'm', value: 1, timestamp: -5 }] }), 400, 'INVALID_PARAMETER_VALUE', /invalid timestamp -5/);
      fails(await api.get('runs/get', {}), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'run_id'/);
      fails(await api.postText('runs/log-metric', ''), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'run_id'/);
      fails(await api.postText('runs/log-metric', '[1, 2]'), 400, 'INVALID_PARAMETER_VALUE', /^Missing value for required parameter 'run_id'/);
      fails(await api.postText('runs/set-tag', `{"run_id": "${runId}", "key": "t", "value": "x", "__proto__": {"polluted": true}}`), 400, 'INVALID_PARAMETER_VALUE', /__proto__/);

      const unknown = '0123456789abcdef0123456789abcdef';
      fails(await api.get('runs/get', { run_id: unknown }), 404, 'RESOURCE_DOES_NOT_EXIST', new RegExp(`^Run with id=${unknown} not found$`));
      fails(await api.post('runs/log-metric', { run_id: unknown, key: 'm', value: 1, timestamp: BASE_TIME }), 404, 'RESOURCE_DOES_NOT_EXIST', /Run with id=0123456789abcdef0123456789abcdef not found/);
      fails(await api.post('runs/log-batch', { run_id: unknown, params: [{ key: 'p', value: '1' }] }), 404, 'RESOURCE_DOES_NOT_EXIST', /not found/);

      const run = await getRun(runId);
      assert.deepEqual(run.data, { tags: run.data.tags }, 'none of the failed requests wrote anything');

      fails(await api.post('nope', {}), 404, 'ENDPOINT_NOT_FOUND', /nope/);
      fails(await api.get('runs/nope'), 404, 'ENDPOINT_NOT_FOUND', /runs\/nope/);
      fails(await api.getUrl('/ajax-api/2.0/mlflow/nope'), 404, 'ENDPOINT_NOT_FOUND', /nope/);
    });

    test('errors: params are immutable; over-long values and keys are refused', async () => {
      const runId = await createRun('0');
      const ids = { run_uuid: runId, run_id: runId };
      ok(await api.post('runs/log-parameter', { ...ids, key: 'lr', value: '0.1' }));
      ok(await api.post('runs/log-parameter', { ...ids, key: 'lr', value: '0.1' })); // same value again is fine
      fails(
        await api.post('runs/log-parameter', { ...ids, key: 'lr', value: '0.2' }),
        400,
        'INVALID_PARAMETER_VALUE',
        new RegExp(escape(`Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${runId}'. Attempted logging new value '0.2'.`)),
      );
      fails(await api.post('runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: '0.3' }] }), 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/);

      fails(await api.post('runs/log-parameter', { ...ids, key: 'long', value: 'v'.repeat(6001) }), 400, 'INVALID_PARAMETER_VALUE', /Param value '.*' had length 6001, which exceeded length limit of 6000/);
      ok(await api.post('runs/log-parameter', { ...ids, key: 'max', value: 'v'.repeat(6000) }));
      fails(await api.post('runs/set-tag', { ...ids, key: 'long', value: 't'.repeat(5001) }), 400, 'INVALID_PARAMETER_VALUE', /Tag value '.*' had length 5001, which exceeded length limit of 5000/);
      ok(await api.post('runs/set-tag', { ...ids, key: 'max', value: 't'.repeat(5000) }));
      const longKey = 'k'.repeat(251);
      fails(await api.post('runs/log-parameter', { ...ids, key: longKey, value: '1' }), 400, 'INVALID_PARAMETER_VALUE', /'k{250}' had length 251, which exceeded length limit of 250/);
      fails(await api.post('runs/set-tag', { ...ids, key: longKey, value: '1' }), 400, 'INVALID_PARAMETER_VALUE', /had length 251, which exceeded length limit of 250/);
      fails(await api.post('runs/log-metric', { ...ids, key: longKey, value: 1, timestamp: BASE_TIME }), 400, 'INVALID_PARAMETER_VALUE', /Metric name '.*' had length 251/);

      const run = await getRun(runId);
      assert.deepEqual(run.data.params, [
        { key: 'lr', value: '0.1' },
        { key: 'max', value: 'v'.repeat(6000) },
      ], 'the original value is kept and nothing over-long was stored');
      assert.deepEqual(byKey(run.data.tags).map((t) => t.key), ['max', 'mlflow.runName']);
      assert.equal(run.data.metrics, undefined);
    });

    test('errors: log-batch limits, and a batch with one bad item writes nothing', async () => {
      const runId = await createRun('0');
      const m = (i: number) => ({ key: `m${i}`, value: i, timestamp: BASE_TIME, step: 0 });
      const p = (i: number) => ({ key: `p${i}`, value: String(i) });
      fails(
        await api.post('runs/log-batch', { run_id: runId, metrics: Array.from({ length: 1001 }, (_, i) => m(i)) }),
        400,
        'INVALID_PARAMETER_VALUE',
        /A batch logging request can contain at most 1000 metrics. Got 1001 metrics./,
      );
      fails(
        await api.post('runs/log-batch', { run_id: runId, params: Array.from({ length: 101 }, (_, i) => p(i)) }),
        400,
        'INVALID_PARAMETER_VALUE',
        /A batch logging request can contain at most 100 params. Got 101 params./,
      );
      fails(
        await api.post('runs/log-batch', { run_id: runId, tags: Array.from({ length: 101 }, (_, i) => p(i)) }),
        400,
        'INVALID_PARAMETER_VALUE',
        /at most 100 tags. Got 101 tags./,
      );
      fails(
        await api.post('runs/log-batch', { run_id: runId, metrics: Array.from({ length: 950 }, (_, i) => m(i)), params: Array.from({ length: 51 }, (_, i) => p(i)) }),
        400,
        'INVALID_PARAMETER_VALUE',
        /at most 1000/,
      );

      // The last item of each batch is bad: the valid items before it must not land.
      const good = { metrics: [m(1), m(2), m(3)], params: [p(1), p(2)], tags: [{ key: 'ok', value: 'yes' }] };
      const badBatches: [Record<string, unknown>, RegExp][] = [
        [{ ...good, metrics: [...good.metrics, { key: 'm4', value: 'abc', timestamp: BASE_TIME, step: 0 }] }, /metrics\[3\]\.value/],
        [{ ...good, metrics: [...good.metrics, { key: 'm4', value: 1, timestamp: BASE_TIME, step: 'x' }] }, /metrics\[3\]\.step/],
        [{ ...good, metrics: [...good.metrics, { key: 'm4', value: 1 }] }, /metrics\[3\]\.timestamp/],
        [{ ...good, params: [...good.params, { key: 'p3', value: 'v'.repeat(6001) }] }, /Param value/],
        [{ ...good, params: [...good.params, { key: 'p1', value: 'other' }] }, /Duplicate parameter keys have been submitted: \['p1'\]/],
        [{ ...good, tags: [...good.tags, { key: 'bad*tag', value: 'x' }] }, /Invalid tag name: 'bad\*tag'/],
        [{ ...good, tags: [...good.tags, { value: 'x' }] }, /tags\[1\]\.key/],
      ];
      for (const [batch, message] of badBatches) {
        fails(await api.post('runs/log-batch', { run_id: runId, ...batch }), 400, 'INVALID_PARAMETER_VALUE', message);
      }
      // Param conflicting with a stored one: found inside the transaction, after the metrics were staged.
      ok(await api.post('runs/log-parameter', { run_id: runId, key: 'fixed', value: 'a' }));
      fails(await api.post('runs/log-batch', { run_id: runId, ...good, params: [...good.params, { key: 'fixed', value: 'b' }] }), 400, 'INVALID_PARAMETER_VALUE', /Changing param values/);

      const run = await getRun(runId);
      assert.equal(run.data.metrics, undefined, 'no metrics of any failed batch');
      assert.deepEqual(run.data.params, [{ key: 'fixed', value: 'a' }], 'no params of any failed batch');
      assert.deepEqual(run.data.tags.map((t: Body) => t.key), ['mlflow.runName'], 'no tags of any failed batch');
      assert.deepEqual(ok(await api.get('metrics/get-history', { run_id: runId, metric_key: 'm1' })), {});

      // And the good batch alone goes through whole.
      ok(await api.post('runs/log-batch', { run_id: runId, ...good }));
      const after = await getRun(runId);
      assert.equal(after.data.metrics.length, 3);
      assert.equal(after.data.params.length, 3);
    });

    test('errors: search filters, page tokens, max_results', async () => {
      const search = (body: Record<string, unknown>) => api.post('runs/search', { experiment_ids: ['0'], ...body });
      fails(await search({ filter: "metrics.score > 'high'" }), 400, 'INVALID_PARAMETER_VALUE', /Expected numeric value type for metric/);
      fails(await search({ filter: 'params.model = rf' }), 400, 'INVALID_PARAMETER_VALUE', /not quoted/);
      fails(await search({ filter: "foo.bar = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', /Invalid entity type 'foo'/);
      fails(await search({ filter: "attributes.nope = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', /Invalid attribute key 'nope'/);
      fails(await search({ filter: "metrics.a > 1 or metrics.b > 1" }), 400, 'INVALID_PARAMETER_VALUE', /Invalid clause/);
      fails(await search({ filter: "params.model = 'rf" }), 400, 'INVALID_PARAMETER_VALUE', /Invalid clause/);
      fails(await search({ order_by: ['metrics.score SIDEWAYS'] }), 400, 'INVALID_PARAMETER_VALUE', /order_by/);
      fails(await search({ page_token: 'not-a-token' }), 400, 'INVALID_PARAMETER_VALUE', /page_token/);
      fails(await search({ page_token: Buffer.from('{"offset": -5}').toString('base64') }), 400, 'INVALID_PARAMETER_VALUE', /page_token/);
      fails(await search({ max_results: 50001 }), 400, 'INVALID_PARAMETER_VALUE', /Invalid value 50001 for parameter 'max_results' supplied/);
      fails(await search({ max_results: 0 }), 400, 'INVALID_PARAMETER_VALUE', /'max_results'/);
      fails(await search({ max_results: 'many' }), 400, 'INVALID_PARAMETER_VALUE', /'max_results'/);
      fails(await search({ run_view_type: 'SOME' }), 400, 'INVALID_PARAMETER_VALUE', /'run_view_type'/);
      fails(await search({ experiment_ids: '0' }), 400, 'INVALID_PARAMETER_VALUE', /experiment_ids/);
      ok(await search({ max_results: 50000 }));

      const experiments = (body: Record<string, unknown>) => api.post('experiments/search', { max_results: 100, ...body });
      fails(await experiments({ filter: "metrics.x > 1" }), 400, 'INVALID_PARAMETER_VALUE', /Invalid entity type 'metrics'/);
      fails(await experiments({ filter: 'name = ' }), 400, 'INVALID_PARAMETER_VALUE', /Invalid clause/);
      fails(await experiments({ order_by: ['tags.x'] }), 400, 'INVALID_PARAMETER_VALUE', /order_by/);
      fails(await experiments({ page_token: '%%%' }), 400, 'INVALID_PARAMETER_VALUE', /page_token/);
      fails(await experiments({ max_results: 50001 }), 400, 'INVALID_PARAMETER_VALUE', /Invalid value 50001 for parameter 'max_results' supplied/);
      fails(await api.get('experiments/search', { max_results: 50001 }), 400, 'INVALID_PARAMETER_VALUE', /'max_results'/);
      fails(await experiments({ view_type: 'NONE' }), 400, 'INVALID_PARAMETER_VALUE', /'view_type'/);
    });
  });
}
