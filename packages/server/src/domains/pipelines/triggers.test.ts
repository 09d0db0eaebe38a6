import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { parseCron } from './cron.js';

const T0 = Date.UTC(2026, 0, 1, 0, 1, 0); // 2026-01-01 00:01 UTC
const MIN = 60_000;

test('cron: next due times (UTC), steps, ranges, lists, day-of-week, and errors naming the field', () => {
  assert.equal(parseCron('*/5 * * * *').next(T0), T0 + 4 * MIN);
  assert.equal(parseCron('0 3 * * *').next(T0), Date.UTC(2026, 0, 1, 3, 0));
  assert.equal(parseCron('30 8-18/2 * * 1-5').next(T0), Date.UTC(2026, 0, 1, 8, 30), '2026-01-01 is a Thursday');
  assert.equal(parseCron('0 0 * * 0').next(T0), Date.UTC(2026, 0, 4), 'next Sunday');
  assert.equal(parseCron('0 0 1 2,3 *').next(T0), Date.UTC(2026, 1, 1));
  assert.throws(() => parseCron('61 * * * *'), /minute: '61' is outside 0-59/);
  assert.throws(() => parseCron('* * *'), /expected 5 fields/);
  assert.throws(() => parseCron('0 0 30 2 *').next(T0), /never due/);
});

for (const dialect of DIALECTS) {
  describe(`pipeline triggers on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let now = T0;
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object | string, contentType?: string) =>
      fw.app.inject({ method, url, ...(payload === undefined ? {} : { payload }), ...(contentType ? { headers: { 'content-type': contentType } } : {}) });
    type Run = { id: string; cause: Record<string, unknown> };
    const runs = async () => (await call('GET', '/api/v1/pipelines/retrain/runs')).json<{ runs: Run[] }>().runs;

    before(async () => {
      // This server schedules but runs no steps (concurrency 0): the tests look at the runs triggers start.
      fw = await createTestPlatform(dialect, { clock: { now: () => now }, config: { pipelinesConcurrency: 0 } });
      const r = await call('POST', '/api/v1/pipelines', { name: 'retrain', steps: [{ name: 'fit', command: ['true'], params: { reason: { type: 'string', default: 'manual' } } }] });
      assert.equal(r.statusCode, 201, r.body);
    });
    after(() => fw?.dispose());

    test('a bad trigger is refused naming the field', async () => {
      const bad = await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'nightly', kind: 'schedule', spec: { cron: '0 25 * * *' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json<{ error: { message: string } }>().error.message, /spec\.cron: hour: '25' is outside 0-23/);
      const noDataset = await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'on-data', kind: 'dataset_version' });
      assert.match(noDataset.json<{ error: { message: string } }>().error.message, /spec\.dataset: required/);
      const badParam = await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'x', kind: 'alert', spec: { rule: 'r' }, params: { nope: 1 } });
      assert.match(badParam.json<{ error: { message: string } }>().error.message, /params\.nope: no step declares this parameter/);
      assert.equal((await call('POST', '/api/v1/pipelines/ghost/triggers', { name: 'x', kind: 'alert', spec: { rule: 'r' } })).statusCode, 404);
    });

    test('a schedule fires once per due time, records each firing, and catches up once after a gap', async () => {
      const t = await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'every5', kind: 'schedule', spec: { cron: '*/5 * * * *' }, params: { reason: 'schedule' } });
      assert.equal(t.statusCode, 201, t.body);
      assert.equal(t.json<{ nextAt: number }>().nextAt, T0 + 4 * MIN);
      const { pipelineTriggers } = fw.services;
      now = T0 + 2 * MIN;
      await pipelineTriggers.tick();
      assert.equal((await runs()).length, 0);
      now = T0 + 4 * MIN + 30_000;
      await Promise.all([pipelineTriggers.tick(), pipelineTriggers.tick()]); // two servers' passes at once
      await pipelineTriggers.tick();
      let all = await runs();
      assert.equal(all.length, 1);
      assert.deepEqual(all[0]!.cause, { kind: 'schedule', trigger: 'every5', due: T0 + 4 * MIN });
      now = T0 + 16 * MIN; // 00:10 and 00:15 were missed
      await pipelineTriggers.tick();
      all = await runs();
      assert.equal(all.length, 2);
      assert.deepEqual(all[0]!.cause, { kind: 'schedule', trigger: 'every5', due: T0 + 9 * MIN });
      const firings = (await call('GET', '/api/v1/pipelines/retrain/triggers/every5/firings')).json<{ firings: { eventKey: string; runId: string; outcome: string }[] }>().firings;
      assert.deepEqual(firings.map((f) => [f.eventKey, f.outcome]), [[`schedule:${T0 + 9 * MIN}`, 'started'], [`schedule:${T0 + 4 * MIN}`, 'started']]);
      assert.deepEqual(firings.map((f) => f.runId), all.map((r) => r.id));
      const run = await fw.services.pipelines.getRun(all[0]!.id);
      assert.equal(run.params.fit!.reason, 'schedule');
      assert.equal((await call('DELETE', '/api/v1/pipelines/retrain/triggers/every5')).statusCode, 204);
      now = T0 + 60 * MIN;
      await pipelineTriggers.tick();
      assert.equal((await runs()).length, 2, 'a deleted schedule fires no more');
    });

    test('a new dataset version and a new model version each start one run, with the version as cause', async () => {
      const before = (await runs()).length;
      const up = (v: string) => call('POST', '/api/v1/datasets/sales/versions?filename=sales.csv', `a,b\n1,${v}\n`, 'text/csv');
      assert.equal((await up('1')).statusCode, 201);
      const t = await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'on-sales', kind: 'dataset_version', spec: { dataset: 'sales' } });
      assert.equal(t.statusCode, 201, t.body);
      assert.equal(t.json<{ spec: { after: number } }>().spec.after, 1, 'versions already there do not fire');
      await fw.services.pipelineTriggers.tick();
      assert.equal((await runs()).length, before);
      assert.equal((await up('2')).statusCode, 201);
      await fw.services.pipelineTriggers.tick();
      await fw.services.pipelineTriggers.tick();
      let all = await runs();
      assert.equal(all.length, before + 1);
      assert.deepEqual(all.find((r) => r.cause.kind === 'dataset_version')?.cause, { kind: 'dataset_version', trigger: 'on-sales', dataset: 'sales', version: 2 });

      assert.equal((await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'on-churn-model', kind: 'model_version', spec: { model: 'churn' } })).statusCode, 201);
      assert.equal((await call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'churn' })).statusCode, 200);
      const mv = await call('POST', '/api/2.0/mlflow/model-versions/create', { name: 'churn', source: 'file:///tmp/model' });
      assert.equal(mv.statusCode, 200, mv.body);
      await fw.services.pipelineTriggers.tick();
      all = await runs();
      assert.equal(all.length, before + 2);
      // The clock stands still here: runs of the same instant are listed in id order, so find it by its cause.
      assert.deepEqual(all.find((r) => r.cause.kind === 'model_version')?.cause, { kind: 'model_version', trigger: 'on-churn-model', model: 'churn', version: 1 });
    });

    test('an alert event starts the pipeline once (the run_pipeline action), creating its alert trigger the first time', async () => {
      const before = (await runs()).length;
      const { pipelineTriggers } = fw.services;
      const first = await pipelineTriggers.onAlert('retrain', 'drift-high', 41, { reason: 'drift' });
      assert.equal(first.length, 1);
      assert.deepEqual(await pipelineTriggers.onAlert('retrain', 'drift-high', 41), [], 'the same alert event delivered again');
      assert.equal((await pipelineTriggers.onAlert('retrain', 'drift-high', 42)).length, 1);
      const all = await runs();
      assert.equal(all.length, before + 2);
      assert.deepEqual(all.find((r) => r.id === first[0])!.cause, { kind: 'alert', trigger: 'alert-drift-high', rule: 'drift-high', firingId: 41 });
      assert.equal((await fw.services.pipelines.getRun(first[0]!)).params.fit!.reason, 'drift');
      const triggers = (await call('GET', '/api/v1/pipelines/retrain/triggers')).json<{ triggers: { name: string; kind: string }[] }>().triggers;
      assert.ok(triggers.some((t) => t.name === 'alert-drift-high' && t.kind === 'alert'));
      // A disabled alert trigger stays quiet: the action finds it and starts nothing.
      const off = await call('POST', '/api/v1/pipelines/retrain/triggers', { name: 'alert-quality-low', kind: 'alert', spec: { rule: 'quality-low' }, enabled: false });
      assert.equal(off.statusCode < 300, true, off.body);
      assert.deepEqual(await pipelineTriggers.onAlert('retrain', 'quality-low', 43), []);
      assert.equal((await runs()).length, before + 2);
    });
  });
}
