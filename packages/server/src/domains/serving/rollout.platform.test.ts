import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { failsOnBatchesModel, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

const rows = [Array.from({ length: 10 }, (_, i) => i / 10 - 0.5), Array.from({ length: 10 }, (_, i) => 0.3 - i / 20)];

// The platform as `flywheel server` wires it: its own controller, on its own timer, rolls a broken
// canary back with no one ticking it by hand.
for (const dialect of DIALECTS) {
  describe(`the server's rollout controller (${dialect})`, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await createTestPlatform(dialect, { config: { rolloutIntervalMs: 100 } });
      const { registry } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      for (const [i, bytes] of [logisticModel(), failsOnBatchesModel()].entries()) {
        await platform.artifacts.put(`0/r${i}/artifacts/model/model.onnx`, Buffer.from(bytes));
        await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/r${i}/artifacts/model` });
      }
    });
    after(async () => platform?.dispose());

    test('a canary that breaks the error-rate guardrail is rolled back on its own, with the reason', async () => {
      const app = platform.app;
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/deployments',
        payload: { name: 'scoring', config: { variants: [{ name: 'stable', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }, { name: 'next', model: { name: 'churn', version: '2' }, role: 'canary', weight: 0 }] } },
      });
      assert.equal(created.statusCode, 201, created.body);
      // The server offers the monitors' metrics as guardrails.
      const unknown = await app.inject({ method: 'POST', url: '/api/v1/deployments/scoring/rollouts', payload: { canary: 'next', steps: [{ weight: 50, hold: { requests: 10 } }], guardrails: { metrics: [{ name: 'nope', max: 1 }] } } });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().error.message, /guardrails\.metrics\[0\]\.name must be one of .*'psi'.*'accuracy'|guardrails\.metrics\[0\]\.name must be one of .*'accuracy'.*'psi'/);
      const started = await app.inject({
        method: 'POST',
        url: '/api/v1/deployments/scoring/rollouts',
        payload: { canary: 'next', steps: [{ weight: 25, hold: { requests: 10_000 } }, { weight: 100, hold: { seconds: 60 } }], guardrails: { maxErrorRate: 0.05, minRequests: 10 } },
      });
      assert.equal(started.statusCode, 201, started.body);
      const id = started.json().id as string;

      const statuses: Record<string, number> = {};
      let state = 'running';
      const deadline = Date.now() + 30_000;
      while (state === 'running' && Date.now() < deadline) {
        for (let i = 0; i < 20; i++) {
          const res = await app.inject({ method: 'POST', url: '/v2/models/scoring/infer', payload: { inputs: [{ name: 'x', shape: [2, 10], datatype: 'FP32', data: rows }] } });
          const key = `${res.statusCode}:${res.headers['x-flywheel-variant'] ?? ''}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
        }
        await sleep(50);
        state = (await app.inject({ url: `/api/v1/deployments/scoring/rollouts/${id}` })).json().state as string;
      }
      // The decision commits first; the revision with the rolled-back weights follows it (event 'weights_applied').
      let rollout = (await app.inject({ url: `/api/v1/deployments/scoring/rollouts/${id}` })).json();
      while (rollout.events.at(-1)?.type !== 'weights_applied' && Date.now() < deadline) {
        await sleep(50);
        rollout = (await app.inject({ url: `/api/v1/deployments/scoring/rollouts/${id}` })).json();
      }
      assert.equal(rollout.state, 'rolled_back', JSON.stringify({ statuses, rollout }));
      assert.deepEqual(rollout.events.map((e: { type: string }) => e.type), ['started', 'guardrail_breached', 'rolled_back', 'weights_applied']);
      assert.match(rollout.reason, /^maxErrorRate breached at step 1 \(weight 25\)/);
      // Failed answers name the variant that failed, like successful ones.
      assert.deepEqual(Object.keys(statuses).sort(), ['200:stable', '500:next'], JSON.stringify(statuses));

      const deployment = (await app.inject({ url: '/api/v1/deployments/scoring' })).json();
      assert.deepEqual(Object.fromEntries(deployment.config.variants.map((v: { name: string; weight: number }) => [v.name, v.weight])), { stable: 100, next: 0 });
      for (let i = 0; i < 20; i++) {
        const res = await app.inject({ method: 'POST', url: '/v2/models/scoring/infer', payload: { inputs: [{ name: 'x', shape: [2, 10], datatype: 'FP32', data: rows }] } });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['x-flywheel-variant'], 'stable');
      }

      // Every change is in the audit log, the controller's own included, and the chain verifies.
      const audit = (await app.inject({ url: '/api/v1/audit?resource=deployment:scoring' })).json().entries as { action: string; actor: string; after: { revision: number } }[];
      assert.deepEqual(audit.map((e) => e.action).sort(), ['deployment.created', 'deployment.updated', 'deployment.updated']);
      const byRevision = Object.fromEntries(audit.map((e) => [e.after.revision, e.actor]));
      assert.equal(byRevision[1], 'anonymous');
      assert.equal(byRevision[3], 'controller', 'the automatic rollback is attributed to the controller');
      assert.equal((await app.inject({ url: '/api/v1/audit/verify' })).json().ok, true);
    });
  });
}
