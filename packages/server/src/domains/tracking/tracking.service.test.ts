import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { trackingMigrations } from './tracking.migrations.js';
import { TrackingRepository } from './tracking.repository.js';
import { TrackingService, sampleSteps } from './tracking.service.js';
import { rejectsWith } from '../../test-support/assertions.js';


for (const dialect of DIALECTS) {
  describe(`TrackingService on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let svc: TrackingService;
    let now = 1_700_000_000_000;
    before(async () => {
      store = await createTestStore(dialect, [trackingMigrations]);
      svc = new TrackingService({ repo: new TrackingRepository(store.tables(), store.dialect), clock: { now: () => now } });
    });
    after(async () => store.dispose());

    test('the Default experiment exists with id 0', async () => {
      const e = await svc.getExperiment('0');
      assert.equal(e.name, 'Default');
      assert.equal(e.artifactLocation, 'mlflow-artifacts:/0');
      assert.equal((await svc.getExperimentByName('Default')).experimentId, '0');
    });

    test('experiments: create, duplicate, rename, tags, delete and restore with their runs', async () => {
      const id = await svc.createExperiment({ name: 'churn', tags: [{ key: 'team', value: 'growth' }] });
      const e = await svc.getExperiment(id);
      assert.equal(e.artifactLocation, `mlflow-artifacts:/${id}`);
      assert.deepEqual(e.tags, [{ key: 'team', value: 'growth' }]);
      await rejectsWith(svc.createExperiment({ name: 'churn' }), 'ALREADY_EXISTS', /already exists/);
      await rejectsWith(svc.createExperiment({ name: '' }), 'INVALID_INPUT', /experiment name/);
      await rejectsWith(svc.getExperiment('99999'), 'NOT_FOUND', /No Experiment with id=99999/);
      await rejectsWith(svc.getExperiment('abc'), 'NOT_FOUND', /abc/);

      await svc.updateExperiment(id, 'churn-v2');
      assert.equal((await svc.getExperiment(id)).name, 'churn-v2');
      await svc.setExperimentTag(id, 'note', 'x');
      await svc.deleteExperimentTag(id, 'note');
      await rejectsWith(svc.deleteExperimentTag(id, 'note'), 'NOT_FOUND', /No tag with name: note/);

      const run = await svc.createRun({ experimentId: id });
      await svc.deleteExperiment(id);
      assert.equal((await svc.getExperiment(id)).lifecycleStage, 'deleted');
      assert.equal((await svc.getRun(run.info.runId)).info.lifecycleStage, 'deleted');
      await rejectsWith(svc.createRun({ experimentId: id }), 'INVALID_INPUT', /must be in the 'active' state/);
      await rejectsWith(svc.createExperiment({ name: 'churn-v2' }), 'ALREADY_EXISTS', /deleted state/);
      await svc.restoreExperiment(id);
      assert.equal((await svc.getRun(run.info.runId)).info.lifecycleStage, 'active');
    });

    test('search experiments: filter, order, view type and paging', async () => {
      for (const n of ['s-a', 's-b', 's-c', 'S-D']) {
        now += 1;
        await svc.createExperiment({ name: n });
      }
      const like = await svc.searchExperiments({ filter: "name LIKE 's-%'" });
      assert.deepEqual(like.items.map((e) => e.name).sort(), ['s-a', 's-b', 's-c']); // LIKE is case-sensitive
      const ilike = await svc.searchExperiments({ filter: "name ILIKE 's-%'" });
      assert.equal(ilike.items.length, 4);
      const ordered = await svc.searchExperiments({ filter: "name ILIKE 's-%'", orderBy: ['name ASC'] });
      assert.deepEqual(ordered.items.map((e) => e.name), ['S-D', 's-a', 's-b', 's-c']);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await svc.searchExperiments({ filter: "name ILIKE 's-%'", maxResults: 3, pageToken: token });
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((e) => e.name));
        token = page.nextPageToken;
      } while (token);
      assert.equal(seen.length, 4);
      assert.equal(new Set(seen).size, 4);
      await rejectsWith(svc.searchExperiments({ pageToken: 'not-a-token' }), 'INVALID_INPUT', /page_token/);
      await rejectsWith(svc.searchExperiments({ maxResults: 50001 }), 'INVALID_INPUT', /max_results/);
    });

    test('runs: generated names, the runName tag, update and lifecycle', async () => {
      const r = await svc.createRun({ experimentId: '0', userId: 'ada', tags: [{ key: 'mlflow.user', value: 'ada' }] });
      assert.match(r.info.runId, /^[0-9a-f]{32}$/);
      assert.match(r.info.runName, /^[a-z]+-[a-z]+-\d+$/);
      assert.deepEqual(r.data.tags.find((t) => t.key === 'mlflow.runName'), { key: 'mlflow.runName', value: r.info.runName });
      assert.equal(r.info.artifactUri, `mlflow-artifacts:/0/${r.info.runId}/artifacts`);
      assert.equal(r.info.status, 'RUNNING');
      await rejectsWith(
        svc.createRun({ runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
        'INVALID_INPUT',
        /Both 'run_name' argument and 'mlflow.runName' tag/,
      );
      const info = await svc.updateRun({ runId: r.info.runId, status: 'FINISHED', endTime: now + 5, runName: 'renamed' });
      assert.equal(info.status, 'FINISHED');
      assert.equal(info.endTime, now + 5);
      const got = await svc.getRun(r.info.runId);
      assert.equal(got.info.runName, 'renamed');
      assert.equal(got.data.tags.find((t) => t.key === 'mlflow.runName')?.value, 'renamed');
      await svc.deleteRun(r.info.runId);
      await rejectsWith(svc.logMetric(r.info.runId, { key: 'm', value: 1 }), 'INVALID_INPUT', /must be in the 'active' state/);
      await svc.restoreRun(r.info.runId);
      await svc.logMetric(r.info.runId, { key: 'm', value: 1 });
      await rejectsWith(svc.getRun('0123456789abcdef0123456789abcdef'), 'NOT_FOUND', /Run with id=0123456789abcdef0123456789abcdef not found/);
    });

    test('log-batch is all or nothing, params are immutable, latest metrics follow step order', async () => {
      const { info } = await svc.createRun({});
      await svc.logBatch({
        runId: info.runId,
        metrics: [
          { key: 'loss', value: 0.9, timestamp: 10, step: 0 },
          { key: 'loss', value: 0.5, timestamp: 11, step: 2 },
          { key: 'loss', value: 0.7, timestamp: 12, step: 1 },
          { key: 'acc', value: NaN, timestamp: 10, step: 0 },
          { key: 'big', value: Infinity, timestamp: 10, step: 0 },
        ],
        params: [{ key: 'lr', value: '0.1' }],
        tags: [{ key: 't', value: 'v' }],
      });
      let run = await svc.getRun(info.runId);
      const latest = Object.fromEntries(run.data.metrics.map((m) => [m.key, m]));
      assert.equal(latest.loss?.value, 0.5);
      assert.equal(latest.loss?.step, 2);
      assert.ok(Number.isNaN(latest.acc?.value));
      assert.equal(latest.big?.value, Infinity);

      // Same param value again: fine. Different value: refused, and nothing else in that batch lands.
      await svc.logParam(info.runId, 'lr', '0.1');
      await rejectsWith(
        svc.logBatch({ runId: info.runId, metrics: [{ key: 'loss', value: 0.1, timestamp: 20, step: 9 }], params: [{ key: 'lr', value: '0.2' }], tags: [{ key: 't', value: 'changed' }] }),
        'CONFLICT',
        /Changing param values is not allowed. Param with key='lr' was already logged with value='0.1'/,
      );
      run = await svc.getRun(info.runId);
      assert.equal(run.data.params.find((p) => p.key === 'lr')?.value, '0.1');
      assert.equal(run.data.tags.find((t) => t.key === 't')?.value, 'v');
      assert.equal(run.data.metrics.find((m) => m.key === 'loss')?.step, 2);
      const history = await svc.getMetricHistory({ runId: info.runId, key: 'loss' });
      assert.deepEqual(history.items.map((m) => m.step), [0, 1, 2]);

      // A retried batch does not double the history.
      await svc.logBatch({ runId: info.runId, metrics: [{ key: 'loss', value: 0.5, timestamp: 11, step: 2 }] });
      assert.equal((await svc.getMetricHistory({ runId: info.runId, key: 'loss' })).items.length, 3);

      // Validation happens before anything is written.
      await rejectsWith(svc.logBatch({ runId: info.runId, params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }), 'INVALID_INPUT', /Duplicate parameter keys/);
      await rejectsWith(svc.logBatch({ runId: info.runId, params: [{ key: 'ok', value: '1' }, { key: '../x', value: '2' }] }), 'INVALID_INPUT', /Invalid parameter name: '..\/x'/);
      await rejectsWith(svc.logParam(info.runId, 'long', 'x'.repeat(6001)), 'INVALID_INPUT', /length 6001, which exceeded length limit of 6000/);
      await rejectsWith(svc.setTag(info.runId, 'long', 'x'.repeat(5001)), 'INVALID_INPUT', /length 5001, which exceeded length limit of 5000/);
      await rejectsWith(svc.logParam(info.runId, 'k'.repeat(251), 'v'), 'INVALID_INPUT', /length limit of 250/);
      await rejectsWith(
        svc.logBatch({ runId: info.runId, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i })) }),
        'INVALID_INPUT',
        /at most 1000 metrics. Got 1001 metrics/,
      );
      await rejectsWith(
        svc.logBatch({ runId: info.runId, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }),
        'INVALID_INPUT',
        /at most 100 params/,
      );
      run = await svc.getRun(info.runId);
      assert.equal(run.data.params.find((p) => p.key === 'ok'), undefined);
    });

    test('dataset inputs are recorded once and shown on the run', async () => {
      const { info } = await svc.createRun({});
      const input = { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'yarn-sales', digest: 'abc123', sourceType: 'local', source: '/data/sales.csv', schema: '{"x":1}' } };
      await svc.logInputs(info.runId, [input]);
      await svc.logInputs(info.runId, [input]);
      const run = await svc.getRun(info.runId);
      assert.equal(run.inputs.datasetInputs.length, 1);
      assert.deepEqual(run.inputs.datasetInputs[0], input);
      const found = await svc.searchRuns({ experimentIds: ['0'], filter: "datasets.name = 'yarn-sales' and datasets.context = 'training'" });
      assert.deepEqual(found.items.map((r) => r.info.runId), [info.runId]);
    });

    test('search runs: MLflow filters over metrics, params, tags and attributes; ordering; paging', async () => {
      const exp = await svc.createExperiment({ name: `search-${dialect}` });
      const ids: string[] = [];
      const models = ['rf', 'gbm', 'rf', 'lr', 'RF'];
      for (let i = 0; i < 5; i++) {
        const r = await svc.createRun({ experimentId: exp, startTime: 1000 + i, runName: `run-${i}` });
        ids.push(r.info.runId);
        await svc.logBatch({
          runId: r.info.runId,
          metrics: i === 4 ? [] : [{ key: 'score', value: i * 0.25, timestamp: 1, step: 0 }],
          params: [{ key: 'model', value: models[i]! }],
          tags: [{ key: 'stage', value: i % 2 ? 'odd' : 'even' }],
        });
      }
      const search = async (filter: string, orderBy?: string[]) =>
        (await svc.searchRuns({ experimentIds: [exp], filter, orderBy })).items.map((r) => r.info.runName);

      assert.deepEqual(await search("metrics.score > 0.3 and params.model = 'rf'"), ['run-2']);
      assert.deepEqual(await search("params.model LIKE 'r%'"), ['run-2', 'run-0']); // case-sensitive, newest first
      assert.deepEqual((await search("params.model ILIKE 'r%'")).sort(), ['run-0', 'run-2', 'run-4']);
      assert.deepEqual(await search("params.model != 'rf'"), ['run-4', 'run-3', 'run-1']);
      assert.deepEqual(await search("tags.stage = 'odd'"), ['run-3', 'run-1']);
      assert.deepEqual(await search('attributes.start_time >= 1003'), ['run-4', 'run-3']);
      assert.deepEqual(await search("attributes.run_name = 'run-1'"), ['run-1']);
      assert.deepEqual(await search(`attributes.run_id IN ('${ids[0]}', '${ids[3]}')`), ['run-3', 'run-0']);
      assert.deepEqual(await search("attributes.status = 'RUNNING' and metrics.score <= 0.25"), ['run-1', 'run-0']);
      // Order by a metric: missing values last in both directions.
      assert.deepEqual(await search('', ['metrics.score DESC']), ['run-3', 'run-2', 'run-1', 'run-0', 'run-4']);
      assert.deepEqual(await search('', ['metrics.score ASC']), ['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);
      // Ties fall back to newest first (start_time DESC), as in MLflow.
      assert.deepEqual(await search("params.model != 'RF'", ['params.model ASC']), ['run-1', 'run-3', 'run-2', 'run-0']);

      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await svc.searchRuns({ experimentIds: [exp], maxResults: 2, pageToken: token, orderBy: ['attributes.start_time ASC'] });
        seen.push(...page.items.map((r) => r.info.runName));
        token = page.nextPageToken;
      } while (token);
      assert.deepEqual(seen, ['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);

      await svc.deleteRun(ids[0]!);
      assert.equal((await svc.searchRuns({ experimentIds: [exp], runViewType: 'DELETED_ONLY' })).items.length, 1);
      assert.equal((await svc.searchRuns({ experimentIds: [exp], runViewType: 'ALL' })).items.length, 5);
      assert.equal((await svc.searchRuns({ experimentIds: [exp] })).items.length, 4);
      await rejectsWith(svc.searchRuns({ experimentIds: [exp], filter: 'metrics.score > abc' }), 'INVALID_INPUT', /metric/);
    });

    test('bulk-interval history samples steps evenly and keeps the ends', async () => {
      const a = await svc.createRun({});
      const b = await svc.createRun({});
      await svc.logBatch({ runId: a.info.runId, metrics: Array.from({ length: 100 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1), timestamp: 1, step: s })) });
      await svc.logBatch({ runId: b.info.runId, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 5 }] });
      const points = await svc.getMetricHistoryBulkInterval({ runIds: [a.info.runId, b.info.runId], key: 'loss', maxResults: 10 });
      const aSteps = points.filter((p) => p.runId === a.info.runId).map((p) => p.step);
      assert.equal(aSteps.length, 10);
      assert.equal(aSteps[0], 0);
      assert.equal(aSteps.at(-1), 99);
      assert.deepEqual(points.filter((p) => p.runId === b.info.runId).map((p) => p.step), [5]);
      await rejectsWith(svc.getMetricHistoryBulkInterval({ runIds: [a.info.runId], key: 'loss', startStep: 5 }), 'INVALID_INPUT', /both must be specified/);
    });

    test('bulk-interval history over 10,000 steps reads only the sampled steps and answers as before', async () => {
      const repo = new TrackingRepository(store.tables(), store.dialect);
      const a = await svc.createRun({});
      const b = await svc.createRun({});
      for (let from = 0; from < 10_000; from += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'acc', value: (from + i) / 10_000, timestamp: 1 + ((from + i) % 7), step: from + i }));
        await svc.logBatch({ runId: a.info.runId, metrics });
      }
      // two points at some steps (another timestamp), and a sparse second run
      await svc.logBatch({ runId: a.info.runId, metrics: [0, 9999, 5000].map((step) => ({ key: 'acc', value: -1, timestamp: 100, step })) });
      await svc.logBatch({ runId: b.info.runId, metrics: [3, 17, 40].map((step) => ({ key: 'acc', value: step, timestamp: 1, step })) });
      const runIds = [a.info.runId, b.info.runId];
      for (const [maxResults, range] of [[320, null], [2500, null], [7, null], [1, null], [50, [100, 8000]]] as const) {
        const points = await svc.getMetricHistoryBulkInterval({ runIds, key: 'acc', maxResults, ...(range ? { startStep: range[0], endStep: range[1] } : {}) });
        // the previous algorithm: load every point, sample in memory
        const all = (await Promise.all(runIds.map((id) => repo.metricHistory(id, 'acc', 0, 100_000))))
          .flat()
          .filter((p) => !range || (p.step >= range[0] && p.step <= range[1]));
        const expected: { runId: string; step: number; timestamp: number; value: number }[] = [];
        for (const runId of runIds) {
          const mine = all.filter((p) => p.run_uuid === runId);
          const keep = new Set(sampleSteps([...new Set(mine.map((p) => Number(p.step)))], maxResults));
          for (const p of mine) if (keep.has(Number(p.step))) expected.push({ runId, step: Number(p.step), timestamp: Number(p.timestamp), value: Number(p.value) });
        }
        const got = points.map((p) => ({ runId: p.runId, step: p.step, timestamp: p.timestamp, value: p.value }));
        assert.deepEqual(got, expected, `max_results=${maxResults}`);
        const aSteps = [...new Set(points.filter((p) => p.runId === a.info.runId).map((p) => p.step))];
        assert.ok(aSteps.length <= maxResults);
        if (!range && maxResults > 1) assert.deepEqual([aSteps[0], aSteps.at(-1)], [0, 9999]);
        if (range) assert.deepEqual([aSteps[0], aSteps.at(-1)], [100, 8000]);
      }
    });
  });
}

test('sampleSteps keeps first and last and never exceeds the budget', () => {
  assert.deepEqual(sampleSteps([3, 1, 2], 10), [1, 2, 3]);
  const s = sampleSteps(Array.from({ length: 1000 }, (_, i) => i), 7);
  assert.equal(s.length, 7);
  assert.equal(s[0], 0);
  assert.equal(s[6], 999);
});
