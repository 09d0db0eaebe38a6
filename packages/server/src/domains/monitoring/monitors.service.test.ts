import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { logisticJs, logisticModel } from '../serving/test-support/serving-models.js';
import { MonitorsRepository } from './monitors.repository.js';
import { MonitorsService } from './monitors.service.js';
import { MonitorScheduler } from './monitor-scheduler.js';
import { DriftPool } from './report/parallel-report.js';
import { numericDrift } from './stats/index.js';
import type { MonitorsTables } from './monitors.tables.js';
import { seededRandom } from '../../lib/seeded-random.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

const rand = seededRandom(7);
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
/** 9 normal features and a 0/1 group (f9); `shift` moves f0. */
const makeRow = (shift = 0) => [...Array.from({ length: 9 }, (_, i) => normal() + (i === 0 ? shift : 0)), rand() < 0.5 ? 0 : 1];
const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

interface Sent {
  id: string;
  variant: string;
  rows: number[][];
}

for (const dialect of DIALECTS) {
  describe(`monitors over real traffic (${dialect})`, () => {
    let platform: TestPlatform;
    let monitors: MonitorsService;
    let repo: MonitorsRepository;
    let seq = 0;
    const reference = Array.from({ length: 2000 }, () => makeRow());

    /** Sends `requests` OIP requests of 10 rows each; returns what was sent and who answered. */
    const send = async (requests: number, shift = 0): Promise<Sent[]> => {
      const out: Sent[] = [];
      for (let r = 0; r < requests; r++) {
        const rows = Array.from({ length: 10 }, () => makeRow(shift));
        const id = `req-${dialect}-${seq++}`;
        const res = await platform.app.inject({ method: 'POST', url: '/v2/models/churn-live/infer', payload: { id, inputs: [{ name: 'x', shape: [10, 10], datatype: 'FP32', data: rows }] } });
        assert.equal(res.statusCode, 200, res.body);
        out.push({ id, variant: String(res.headers['x-flywheel-variant']), rows: rows.map((row) => row.map((v) => Math.fround(v))) });
      }
      return out;
    };
    /** Ground truth: group 0 gets the model's own decision (perfect), group 1 is always positive. */
    const truth = (row: number[], w?: number[], b?: number) => (row[9] === 1 ? 1 : logisticJs(row, w, b) >= 0.5 ? 1 : 0);
    const window = async <T>(fn: () => Promise<T>) => {
      const since = Date.now();
      await sleep(2);
      const value = await fn();
      await sleep(2);
      return { since, until: Date.now(), value };
    };

    before(async () => {
      platform = await createTestPlatform(dialect);
      const { registry, deployments, datasets } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      await platform.artifacts.put('0/run1/artifacts/model/model.onnx', Buffer.from(logisticModel()));
      await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run1/artifacts/model' });
      await platform.artifacts.put('0/run2/artifacts/model/model.onnx', Buffer.from(logisticModel(Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.3 : -0.2)), 0.1)));
      await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run2/artifacts/model' });
      await deployments.create({
        name: 'churn-live',
        config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 50 }, { name: 'b', model: { name: 'churn', version: '2' }, role: 'primary', weight: 50 }] },
      });
      const csv = [FEATURES.join(','), ...reference.map((r) => r.join(','))].join('\n');
      await datasets.registerVersion({ name: 'churn-train', file: { buffer: Buffer.from(csv), filename: 'train.csv' } });
      repo = new MonitorsRepository(platform.store.tables<MonitorsTables>(), platform.store.dialect);
      monitors = new MonitorsService({ repo, actuals: platform.services.actuals, datasets, deployments, clock: systemClock });
    });
    after(async () => {
      await platform?.dispose();
    });

    const create = (extra: Record<string, unknown> = {}) =>
      monitors.create({ deployment: 'churn-live', reference: { dataset: 'churn-train', version: 1 }, window: '1h', inputs: { x: FEATURES }, score: { output: 'p' }, sensitive: 'f9', ...extra }, 'ada');

    test('validation names the field; nothing is written', async () => {
      const cases: [Record<string, unknown>, RegExp, string][] = [
        [{ reference: { dataset: 'churn-train', version: 1 } }, /deployment must be a non-empty string/, 'deployment'],
        [{ deployment: 'nope', reference: { dataset: 'churn-train', version: 1 } }, /deployment 'nope' does not exist/, 'deployment'],
        [{ deployment: 'churn-live', reference: { since: 5 } }, /reference.until must be ms since epoch/, 'reference.until'],
        [{ deployment: 'churn-live', reference: { since: 5, until: 9 }, window: '5x' }, /window must be a duration/, 'window'],
        [{ deployment: 'churn-live', reference: { since: 5, until: 9 }, drift: { f0: { method: 'magic' } } }, /drift.f0.method must be one of/, 'drift.f0.method'],
        [{ deployment: 'churn-live', reference: { since: 5, until: 9 }, score: { output: 'p', index: -1 } }, /score.index must be an integer/, 'score.index'],
        [{ deployment: 'churn-live', reference: { since: 5, until: 9 }, colour: 1 }, /body.colour is not a known field/, 'body.colour'],
      ];
      for (const [body, message, field] of cases) {
        await assert.rejects(monitors.create(body), (e: Error & { details?: { field?: string } }) => message.test(e.message) && e.details?.field === field, JSON.stringify(body));
      }
      assert.equal((await monitors.list()).length, 0);
    });

    test('late actuals: an estimate first, then measured quality per variant; re-evaluating replaces the points', async () => {
      const m = await create();
      const { since, until, value: sent } = await window(() => send(40));
      const before = await monitors.evaluate(m.id, { since, until });
      assert.equal(before.overall!.current_rows, 400);
      assert.equal(before.overall!.model_quality!.estimated, true, 'no actuals yet: CBPE');
      assert.equal(before.overall!.fairness, null);

      const res = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/actuals',
        payload: { actuals: sent.map((s) => ({ inferenceId: s.id, value: s.rows.map((r) => truth(r, s.variant === 'b' ? Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.3 : -0.2)) : undefined, s.variant === 'b' ? 0.1 : undefined)) })) },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().matched, 40);

      const after = await monitors.evaluate(m.id, { since, until });
      assert.equal(after.overall!.model_quality!.estimated, false);
      // Expected per variant, counted here from the model's own formula and the labels sent.
      for (const variant of ['a', 'b']) {
        const w = variant === 'b' ? Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.3 : -0.2)) : undefined;
        const b = variant === 'b' ? 0.1 : undefined;
        const rows = sent.filter((s) => s.variant === variant).flatMap((s) => s.rows);
        assert.ok(rows.length > 0, `variant ${variant} got traffic`);
        const correct = rows.filter((r) => (logisticJs(r, w, b) >= 0.5 ? 1 : 0) === truth(r, w, b)).length;
        const q = after.variants[variant]!.model_quality!;
        assert.ok(Math.abs((q.accuracy as number) - correct / rows.length) < 1e-12, `${variant}: ${q.accuracy} vs ${correct / rows.length}`);
        assert.equal(q.count, rows.length);
        // Group 0 is labelled with the model's decisions: its TPR is 1; group 1 is all positive, so its TPR is its selection rate.
        const g1 = rows.filter((r) => r[9] === 1);
        const tpr1 = g1.filter((r) => logisticJs(r, w, b) >= 0.5).length / g1.length;
        const f = after.variants[variant]!.fairness!;
        assert.ok(Math.abs((f.groups['1']!.true_positive_rate as number) - tpr1) < 1e-12);
        assert.equal(f.groups['0']!.true_positive_rate, 1);
        assert.ok(Math.abs((f.equal_opportunity_difference as number) - (1 - tpr1)) < 1e-12);
        assert.ok((f.equal_opportunity_difference as number) > 0.05, 'a fairness gap shows');
      }
      const points = await repo.points({ monitorId: m.id, metric: 'accuracy', since: until, until: until + 1 });
      assert.deepEqual(points.map((p) => [p.variant, p.estimated]), [[null, false], ['a', false], ['b', false]], 'one point per slice: the estimate was replaced');
      const tprPoints = await repo.points({ monitorId: m.id, metric: 'true_positive_rate', variant: null, since: until, until: until + 1 });
      assert.deepEqual(tprPoints.map((p) => p.group).sort(), ['0', '1']);
      assert.equal((await repo.points({ monitorId: m.id, metric: 'accuracy', since: until, until: until + 1 })).length, 3);
      assert.equal((await repo.points({ deployment: 'churn-live', metric: 'row_count', variant: null, column: null, since: until, until: until + 1 }))[0]!.value, 400);
    });

    test('a drifted feature: drift_detected on f0 only, with the statistics of the rows sent (drift on worker threads)', async (t) => {
      // minCells 0: this small window goes to the threads too (a server keeps small reports inline)
      const pool = new DriftPool({ threads: 2, minCells: 0 });
      const monitors = new MonitorsService({ repo, actuals: platform.services.actuals, datasets: platform.services.datasets, clock: systemClock, driftPool: pool });
      t.after(() => pool.close());
      // 600 rows from the reference's own distribution land near Evidently's 0.1 by chance: the unshifted features get 0.25.
      const m = await monitors.create({ deployment: 'churn-live', reference: { dataset: 'churn-train', version: 1 }, window: '1h', inputs: { x: FEATURES }, score: { output: 'p' }, sensitive: 'f9', drift: Object.fromEntries(FEATURES.slice(1).map((f) => [f, { threshold: 0.25 }])) });
      const { since, until, value: sent } = await window(() => send(60, 3));
      const ev = await monitors.evaluate(m.id, { since, until });
      const f0 = ev.overall!.columns.f0!;
      assert.equal(f0.method, 'wasserstein', 'reference of 2000 rows > 1000: the distance rule');
      assert.equal(f0.drift_detected, true);
      const expected = numericDrift(reference.map((r) => r[0]!), sent.flatMap((s) => s.rows.map((r) => r[0]!)));
      for (const [k, v] of [['ks_statistic', expected.ks.statistic], ['wasserstein_normed', expected.wasserstein.normed], ['psi', expected.binned.psi], ['js_distance', expected.binned.jsDistance]] as const) {
        assert.ok(Math.abs((f0[k] as number) - v) <= 1e-9 * Math.max(1, v), `${k}: ${f0[k]} vs ${v}`);
      }
      assert.ok((f0.wasserstein_normed as number) > 2);
      assert.equal(pool.starts, 1, 'the columns went to worker threads');
      for (const c of FEATURES.slice(1)) assert.equal(ev.overall!.columns[c]!.drift_detected, false, `${c}: ${JSON.stringify(ev.overall!.columns[c])}`);
      assert.equal(ev.overall!.dataset_drift.number_of_drifted_columns, 1);
      const pts = await repo.points({ monitorId: m.id, metric: 'drift_detected', variant: null, since: until, until: until + 1 });
      assert.deepEqual(Object.fromEntries(pts.map((p) => [p.column, p.value])), { ...Object.fromEntries(FEATURES.map((f) => [f, f === 'f0' ? 1 : 0])) }, 'the dataset has no score column: no score drift');
    });

    test('a past window as reference; update and delete', async () => {
      const { since, until } = await window(() => send(10));
      const m = await monitors.create({ deployment: 'churn-live', reference: { since, until }, window: '30m', inputs: { x: FEATURES } });
      const cur = await window(() => send(10, 3));
      const ev = await monitors.evaluate(m.id, { since: cur.since, until: cur.until });
      assert.equal(ev.overall!.columns.f0!.method, 'ks', '100 reference rows: the test rule');
      assert.equal(ev.overall!.columns.f0!.drift_detected, true);
      assert.ok(ev.overall!.prediction_drift.__prediction__, 'the first output is the prediction by default');
      const updated = await monitors.update(m.id, { deployment: 'churn-live', reference: { since, until }, window: '1h', inputs: { x: FEATURES }, drift: { f0: { method: 'psi', threshold: 100 } } });
      assert.equal(updated.revision, 2);
      assert.equal(updated.windowMs, 3_600_000);
      assert.equal((await monitors.evaluate(m.id, { since: cur.since, until: cur.until })).overall!.columns.f0!.drift_detected, false);
      await assert.rejects(monitors.update(m.id, { deployment: 'other', reference: { since, until } }), /deployment cannot change/);
      await monitors.delete(m.id);
      await assert.rejects(monitors.get(m.id), /not found/);
      assert.equal((await repo.points({ monitorId: m.id, metric: 'row_count', since: 0, until: Date.now() + 1 })).length, 0);
    });

    test('the scheduler evaluates each closed window once, even with two processes', async () => {
      let now = Date.now();
      const clock: Clock = { now: () => now };
      const svc = new MonitorsService({ repo, actuals: platform.services.actuals, datasets: platform.services.datasets, clock });
      const m = await svc.create({ deployment: 'churn-live', reference: { dataset: 'churn-train', version: 1 }, window: '1m', inputs: { x: FEATURES }, score: 'p' });
      const a = new MonitorScheduler({ monitors: svc, repo, clock });
      const b = new MonitorScheduler({ monitors: svc, repo, clock });
      assert.equal(await a.tick(), 0, 'the first window is still open');
      now += 3 * 60_000;
      const [x, y] = await Promise.all([a.tick(), b.tick()]);
      assert.equal(x + y, 3, `windows evaluated: ${x} + ${y}`);
      assert.equal((await a.tick()) + (await b.tick()), 0, 'nothing left');
      const windows = await repo.windows(m.id);
      assert.equal(windows.length, 3);
      assert.ok(windows.every((w) => w.state === 'done' && w.window_end - w.window_start === 60_000));
      const counts = await repo.points({ monitorId: m.id, metric: 'row_count', variant: null, column: null, since: 0, until: now + 1 });
      assert.deepEqual(counts.map((p) => p.windowStart), windows.map((w) => w.window_start));
      await a.stop();
      await b.stop();
    });
  });
}
