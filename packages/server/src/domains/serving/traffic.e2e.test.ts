/**
 * Issue 4's "done when", end to end on each dialect: a model registered from ONNX files, deployed
 * with a 90/10 A/B split and a shadow, takes 10,000 requests (32 at a time); the split is within
 * statistical tolerance, sticky keys never switch, the shadow saw every answered request, and
 * every answered request is in the prediction log exactly once, for the variant that answered.
 * FLYWHEEL_E2E_REQUESTS lowers the count on a slow machine.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { createApp } from '../../http/app.js';
import { systemClock } from '../../lib/clock.js';
import { DeploymentsService } from './deployments.service.js';
import { ServingRepository } from './serving.repository.js';
import { servingRoutes } from './serving.routes.js';
import { OnnxModelRuntime } from './onnx-runtime.js';
import { GroupCommitPredictionLog } from './prediction-log.js';
import { PredictionsRepository, type PredictionTables } from './predictions.repository.js';
import { ShadowMirror } from './shadow.js';
import { ShadowRepository } from './shadow.repository.js';
import { LOGISTIC_B, LOGISTIC_W, logisticJs, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const N = Number(process.env.FLYWHEEL_E2E_REQUESTS ?? 10_000);
const CONCURRENCY = 32;
const SENDS_PER_KEY = 10;
const MODELS: Record<string, { w: readonly number[]; b: number }> = {
  '1': { w: LOGISTIC_W, b: LOGISTIC_B },
  '2': { w: LOGISTIC_W.map((x) => -x), b: 0.4 },
  '3': { w: LOGISTIC_W.map((x, i) => x * 0.8 + i * 0.01), b: -0.2 },
};
const VERSION_OF: Record<string, string> = { a: '1', b: '2' };
const rowOf = (i: number) => Array.from({ length: 10 }, (_, c) => (((i * 31 + c * 7) % 23) / 11 - 1));
/** |observed − expected| < 4.5 binomial standard deviations (a false alarm about once in 150,000 runs). */
const withinBinomial = (observed: number, n: number, p: number) => Math.abs(observed - n * p) < 4.5 * Math.sqrt(n * p * (1 - p));

for (const dialect of DIALECTS) {
  describe(`traffic end to end (${dialect})`, () => {
    let platform: TestPlatform;
    let app: FastifyInstance;
    let shadows: ShadowMirror;
    let close: () => Promise<void>;

    before(async () => {
      platform = await createTestPlatform(dialect);
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      for (const [v, m] of Object.entries(MODELS)) {
        await platform.artifacts.put(`0/run${v}/artifacts/model.onnx`, Buffer.from(logisticModel(m.w, m.b)));
        const mv = await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/run${v}/artifacts/model.onnx` });
        assert.equal(mv.version, v);
      }
      const runtime = new OnnxModelRuntime();
      const deployments = new DeploymentsService({ repo: new ServingRepository(platform.store.tables(), platform.store.dialect), registry, artifacts: platform.artifacts, runtime, clock: systemClock });
      await deployments.start();
      const repo = new PredictionsRepository(platform.store.tables<PredictionTables>(), platform.store.dialect);
      const log = new GroupCommitPredictionLog(repo, { durability: 'sync' });
      // Queue sized so that this burst sheds nothing: shedding itself is tested in shadow.test.ts.
      shadows = new ShadowMirror({ deployments, log }, { maxQueue: N });
      app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 8 * 1024 * 1024, version: 'test', readinessChecks: {} });
      const shadow = new ShadowRepository(platform.store.tables<PredictionTables>(), platform.store.dialect);
      await app.register(async (scope) => servingRoutes(scope, { deployments, predictions: { log, repo, shadow }, shadows }));
      await app.ready();
      close = async () => {
        await app.close();
        await log.close();
        await deployments.close();
        await runtime.close();
      };
    });
    after(async () => {
      await close?.();
      await platform?.dispose();
    });

    test(`${N} requests: 90/10 split, sticky keys, shadow saw them all, each answered request logged once`, async () => {
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/deployments',
        payload: {
          name: 'ab',
          config: {
            variants: [
              { name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 90 },
              { name: 'b', model: { name: 'churn', version: '2' }, role: 'canary', weight: 10 },
              { name: 's', model: { name: 'churn', version: '3' }, role: 'shadow', weight: 0 },
            ],
          },
        },
      });
      assert.equal(created.statusCode, 201, created.body);

      // Even requests carry a routing key (each key sent SENDS_PER_KEY times, spread over the run); odd ones none.
      const keys = Math.max(1, Math.floor(N / 2 / SENDS_PER_KEY));
      const keyOf = (i: number) => (i % 2 === 0 ? `user-${(i / 2) % keys}` : undefined);
      const answered: { variant: string; status: number }[] = new Array(N);
      const started = Date.now();
      let next = 0;
      const worker = async () => {
        while (next < N) {
          const i = next++;
          const key = keyOf(i);
          const row = rowOf(i);
          const res = await app.inject({
            method: 'POST',
            url: '/v2/models/ab/infer',
            headers: { 'x-flywheel-inference-id': `e2e-${i}`, ...(key ? { 'x-flywheel-routing-key': key } : {}) },
            payload: { inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row }] },
          });
          const variant = String(res.headers['x-flywheel-variant']);
          answered[i] = { variant, status: res.statusCode };
          if (res.statusCode === 200) {
            const p = res.json().outputs[0].data[0] as number;
            const m = MODELS[VERSION_OF[variant]!]!;
            assert.ok(Math.abs(p - logisticJs(row, m.w, m.b)) < 1e-5, `request ${i}: ${p} is not variant ${variant}'s answer`);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const servedMs = Date.now() - started;
      assert.deepEqual(answered.filter((r) => r.status !== 200).length, 0, 'every request answered');

      // The split: unkeyed requests are independent draws; keyed ones are one draw per key.
      const unkeyed = answered.filter((_, i) => keyOf(i) === undefined);
      const bUnkeyed = unkeyed.filter((r) => r.variant === 'b').length;
      assert.ok(withinBinomial(bUnkeyed, unkeyed.length, 0.1), `unkeyed: ${bUnkeyed} of ${unkeyed.length} on b`);
      const byKey = new Map<string, Set<string>>();
      answered.forEach((r, i) => {
        const key = keyOf(i);
        if (key === undefined) return;
        let s = byKey.get(key);
        if (!s) byKey.set(key, (s = new Set()));
        s.add(r.variant);
      });
      const switched = [...byKey].filter(([, s]) => s.size > 1);
      assert.deepEqual(switched, [], 'sticky keys never switch variant');
      const bKeys = [...byKey.values()].filter((s) => s.has('b')).length;
      assert.ok(withinBinomial(bKeys, byKey.size, 0.1), `keys: ${bKeys} of ${byKey.size} on b`);

      // The shadow: every answered request mirrored, run and logged.
      await shadows.drain();
      const drainedMs = Date.now() - started;
      const counts = shadows.countsFor('ab').get('s');
      assert.deepEqual(counts, { mirrored: N, completed: N, failed: 0, shed: 0 });

      // The log: each answered request exactly once for its answering variant, and once for the shadow.
      const rows = await platform.store.tables<PredictionTables>().selectFrom('predictions').select(['inference_id', 'variant', 'status']).where('deployment', '=', 'ab').execute();
      const answeredRows = new Map<string, string[]>();
      const shadowRows = new Map<string, number>();
      for (const r of rows) {
        assert.equal(Number(r.status), 0, `${r.inference_id}/${r.variant}`);
        if (r.variant === 's') shadowRows.set(r.inference_id, (shadowRows.get(r.inference_id) ?? 0) + 1);
        else answeredRows.set(r.inference_id, [...(answeredRows.get(r.inference_id) ?? []), r.variant]);
      }
      assert.equal(answeredRows.size, N);
      assert.equal(shadowRows.size, N);
      assert.equal(rows.length, 2 * N);
      answered.forEach((r, i) => {
        assert.deepEqual(answeredRows.get(`e2e-${i}`), [r.variant], `e2e-${i}`);
        assert.equal(shadowRows.get(`e2e-${i}`), 1, `e2e-${i} shadow`);
      });

      const report = (await app.inject({ url: '/api/v1/deployments/ab/shadow?since=0' })).json();
      const s = report.shadows.find((x: { variant: string }) => x.variant === 's');
      assert.equal(s.agreement.compared, N);
      assert.ok(s.agreement.rate > 0 && s.agreement.rate < 1, `agreement ${s.agreement.rate}`);
      console.log(`# ${dialect}: ${N} requests answered in ${servedMs} ms, shadow drained at ${drainedMs} ms; b got ${bUnkeyed}/${unkeyed.length} unkeyed and ${bKeys}/${byKey.size} keys; shadow agreement ${s.agreement.rate.toFixed(3)} (mean |Δp| ${s.agreement.meanAbsDiff.toFixed(4)})`);
    });
  });
}
