import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { createApp } from '../../http/app.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { RolloutRepository, type RolloutTables } from './rollout.repository.js';
import { RolloutService, type GuardrailSource } from './rollout.service.js';
import { RolloutController } from './rollout.controller.js';
import { rolloutRoutes } from './rollout.routes.js';
import { failsOnBatchesModel, logisticModel } from './test-support/serving-models.js';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

const rows = [Array.from({ length: 10 }, (_, i) => i / 10 - 0.5), Array.from({ length: 10 }, (_, i) => 0.3 - i / 20)];
const variant = (name: string, version: string, weight: number, role = 'primary') => ({ name, model: { name: 'churn', version }, role, weight });

/** A clock that runs with real time plus an offset the test moves forward (predictions are stamped with real time). */
function offsetClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

for (const dialect of DIALECTS) {
  describe(`canary rollouts (${dialect})`, () => {
    let platform: TestPlatform;
    let api: FastifyInstance;
    let rollouts: RolloutService;
    let controller: RolloutController;
    const psi = { value: 0 };
    const psiSource: GuardrailSource = { name: 'psi', evaluate: async () => psi.value };

    const build = (clock: Clock = systemClock) => {
      const service = new RolloutService({ repo: new RolloutRepository(platform.store.tables<RolloutTables>(), platform.store.dialect), deployments: platform.services.deployments, clock, guardrails: [psiSource] });
      return { service, controller: new RolloutController({ rollouts: service, deployments: platform.services.deployments, clock }, { applyLeaseMs: 60_000 }) };
    };
    /** Real requests through the gateway, no explicit variant; counts who served them (a failed request is the broken canary's). */
    const send = async (deployment: string, n: number) => {
      const served: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const res = await platform.app.inject({ method: 'POST', url: `/v2/models/${deployment}/infer`, payload: { inputs: [{ name: 'x', shape: [2, 10], datatype: 'FP32', data: rows }] } });
        const who = res.statusCode === 200 ? String(res.headers['x-flywheel-variant']) : `failed:${res.statusCode}`;
        served[who] = (served[who] ?? 0) + 1;
      }
      return served;
    };
    /** Sends requests until the canary `c` has served at least `n` of them since now. */
    const sendUntilCanary = async (deployment: string, n: number, canaryKey = 'c') => {
      let got = 0;
      for (let guard = 0; got < n && guard < 2000; guard++) got += (await send(deployment, 1))[canaryKey] ?? 0;
      assert.ok(got >= n, `canary served ${got} < ${n}`);
    };
    const weights = async (deployment: string) => Object.fromEntries((await platform.services.deployments.get(deployment)).config.variants.map((v) => [v.name, v.weight]));
    const start = (deployment: string, payload: unknown) => api.inject({ method: 'POST', url: `/api/v1/deployments/${deployment}/rollouts`, payload: payload as object });
    const getRollout = async (deployment: string, id: string) => (await api.inject({ url: `/api/v1/deployments/${deployment}/rollouts/${id}` })).json();

    before(async () => {
      platform = await createTestPlatform(dialect);
      const { registry, deployments } = platform.services;
      await registry.createRegisteredModel({ name: 'churn' });
      const files = [logisticModel(), logisticModel(Array.from({ length: 10 }, (_, i) => -i / 10), 0.2), failsOnBatchesModel()];
      for (const [i, bytes] of files.entries()) {
        await platform.artifacts.put(`0/run${i + 1}/artifacts/model/model.onnx`, Buffer.from(bytes));
        await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/0/run${i + 1}/artifacts/model` });
      }
      await deployments.create({ name: 'healthy', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      await deployments.create({ name: 'broken', config: { variants: [variant('a', '1', 100), variant('c', '3', 0, 'canary')] } });
      await deployments.create({ name: 'ops', config: { variants: [variant('a', '1', 60), variant('b', '1', 20), variant('c', '2', 20, 'canary')] } });
      ({ service: rollouts, controller } = build());
      api = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
      await api.register(async (scope) => rolloutRoutes(scope, { rollouts }));
      await api.ready();
    });
    after(async () => {
      await controller?.stop();
      await api?.close();
      await platform?.dispose();
    });

    test('validation: every field named, 404 for an unknown deployment, nothing written', async () => {
      const steps = [{ weight: 10, hold: { requests: 5 } }];
      const cases: [unknown, RegExp][] = [
        [{ canary: 'c', steps: [{ weight: 50, hold: { requests: 5 } }, { weight: 20, hold: { requests: 5 } }] }, /steps\[1\]\.weight must be greater than steps\[0\]\.weight/],
        [{ canary: 'c', steps: [{ weight: 50, hold: {} }] }, /steps\[0\]\.hold needs seconds, requests or both/],
        [{ canary: 'c', steps: [{ weight: 150, hold: { seconds: 1 } }] }, /steps\/0\/weight|steps\.0\.weight|steps\[0\]\.weight/],
        [{ canary: 'c', steps, guardrails: { maxErrorRate: 2 } }, /guardrails\.maxErrorRate/],
        [{ canary: 'c', steps, guardrails: { metrics: [{ name: 'latency2', max: 1 }] } }, /guardrails\.metrics\[0\]\.name must be one of the guardrail sources this server has \('psi'\)/],
        [{ canary: 'a', steps }, /canary: variant 'a' has role 'primary'/],
        [{ canary: 'zz', steps }, /canary: deployment 'healthy' has no variant 'zz'/],
        [{ steps }, /body\.canary is required/],
        [{ canary: 'c', steps, colour: 'red' }, /body\.colour is not a known field/],
      ];
      for (const [payload, message] of cases) {
        const res = await start('healthy', payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        assert.match(res.json().error.message, message);
      }
      assert.equal((await start('nope', { canary: 'c', steps })).statusCode, 404);
      assert.equal((await api.inject({ url: '/api/v1/deployments/healthy/rollouts' })).json().rollouts.length, 0);
      assert.equal((await platform.services.deployments.get('healthy')).revision, 1, 'no revision written');
      assert.equal((await api.inject({ url: '/api/v1/deployments/healthy/rollouts/nope' })).statusCode, 404);
    });

    test('a healthy canary goes 20 → 50 → 100 through real traffic and completes', async () => {
      const res = await start('healthy', {
        canary: 'c',
        steps: [{ weight: 20, hold: { requests: 5 } }, { weight: 50, hold: { requests: 5 } }, { weight: 100, hold: { requests: 5 } }],
        guardrails: { maxErrorRate: 0.01, maxP99LatencyMs: 10_000, minRequests: 5 },
        actor: 'alice',
      });
      assert.equal(res.statusCode, 201, res.body);
      const r = res.json();
      assert.equal(r.state, 'running');
      assert.equal(r.currentStep, 1);
      assert.equal(r.createdBy, 'alice');
      assert.deepEqual(await weights('healthy'), { a: 80, c: 20 });
      assert.equal(r.revision, 2);
      assert.equal((await start('healthy', { canary: 'c', steps: [{ weight: 10, hold: { requests: 5 } }] })).statusCode, 409, 'one active rollout per deployment');

      await controller.tick(); // no canary traffic yet: the step holds
      assert.equal((await getRollout('healthy', r.id)).currentStep, 1);
      for (const [step, expected] of [[1, { a: 50, c: 50 }], [2, { a: 0, c: 100 }]] as const) {
        await sendUntilCanary('healthy', 5);
        await controller.tick();
        const now = await getRollout('healthy', r.id);
        assert.equal(now.currentStep, step + 1, JSON.stringify(now.lastEvaluation));
        assert.deepEqual(await weights('healthy'), expected);
        assert.equal(now.requestsInStep, 0, 'a new step starts a new window');
      }
      const served = await send('healthy', 10);
      assert.deepEqual(served, { c: 10 }, 'at 100% the canary serves everything');
      await controller.tick();
      const done = await getRollout('healthy', r.id);
      assert.equal(done.state, 'completed');
      assert.equal(done.lastEvaluation.canary.errors, 0);
      assert.ok(done.lastEvaluation.canary.requests >= 10);
      assert.ok(done.lastEvaluation.canary.p99LatencyMs > 0);
      assert.deepEqual(done.events.map((e: { type: string }) => e.type), ['started', 'step_advanced', 'weights_applied', 'step_advanced', 'weights_applied', 'completed']);
      assert.equal(done.events[0].actor, 'alice');
      assert.equal(done.events[1].actor, 'controller');
      assert.equal(done.events[1].detail.evaluation.judged, true);
      assert.deepEqual(await weights('healthy'), { a: 0, c: 100 }, 'completion leaves the last step in place');
      await controller.tick();
      assert.equal((await platform.services.deployments.get('healthy')).revision, 4, 'nothing more happens after completion');
    });

    test('a failing canary breaks the error-rate guardrail and is rolled back, with the reason', async () => {
      const res = await start('broken', { canary: 'c', steps: [{ weight: 50, hold: { requests: 1000 } }, { weight: 100, hold: { requests: 1000 } }], guardrails: { maxErrorRate: 0.1, minRequests: 5 } });
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id as string;
      assert.deepEqual(await weights('broken'), { a: 50, c: 50 });
      await sendUntilCanary('broken', 2, 'failed:500');
      await controller.tick();
      const early = await getRollout('broken', id);
      assert.equal(early.state, 'running', 'fewer than minRequests canary requests: not judged yet');
      assert.equal(early.lastEvaluation.judged, false);
      assert.ok(early.lastEvaluation.canary.errors >= 2);
      await sendUntilCanary('broken', 3, 'failed:500');
      // The primary serves in the same window for the comparison (a random split alone may give it none).
      for (let i = 0; i < 3; i++) {
        const res = await platform.app.inject({ method: 'POST', url: '/v2/models/broken/infer', headers: { 'x-flywheel-variant': 'a' }, payload: { inputs: [{ name: 'x', shape: [2, 10], datatype: 'FP32', data: rows }] } });
        assert.equal(res.statusCode, 200);
      }
      await controller.tick();
      const rolled = await getRollout('broken', id);
      assert.equal(rolled.state, 'rolled_back');
      assert.match(rolled.reason, /^maxErrorRate breached at step 1 \(weight 50\): observed 1 > limit 0\.1 over \d+ canary requests since \d{4}-/);
      assert.deepEqual(await weights('broken'), { a: 100, c: 0 });
      const types = rolled.events.map((e: { type: string }) => e.type);
      assert.deepEqual(types, ['started', 'guardrail_breached', 'rolled_back', 'weights_applied']);
      const breach = rolled.events[1].detail;
      assert.equal(breach.guardrail, 'maxErrorRate');
      assert.equal(breach.observed, 1);
      assert.equal(breach.limit, 0.1);
      assert.ok(breach.window.since <= breach.window.until);
      assert.ok(rolled.lastEvaluation.baseline.requests > 0);
      assert.equal(rolled.lastEvaluation.baseline.errors, 0, 'the primary, for comparison, is healthy');
      assert.deepEqual(await send('broken', 10), { a: 10 }, 'after the rollback no request reaches the canary');
      assert.equal((await api.inject({ method: 'POST', url: `/api/v1/deployments/broken/rollouts/${id}/pause` })).statusCode, 409);
    });

    test('the p99 latency guardrail and an extra guardrail source roll back too', async () => {
      const base = await weights('ops');
      let res = await start('ops', { canary: 'c', steps: [{ weight: 50, hold: { requests: 1000 } }], guardrails: { maxP99LatencyMs: 0.001, minRequests: 3 } });
      assert.equal(res.statusCode, 201, res.body);
      await sendUntilCanary('ops', 3);
      await controller.tick();
      let r = await getRollout('ops', res.json().id);
      assert.equal(r.state, 'rolled_back');
      assert.match(r.reason, /^maxP99LatencyMs breached at step 1 \(weight 50\): observed [\d.]+ > limit 0\.001/);
      assert.deepEqual(await weights('ops'), { a: 75, b: 25, c: 0 }, "the canary's share goes back to the others in their proportions");
      await platform.services.deployments.update('ops', { variants: [variant('a', '1', base.a!), variant('b', '1', base.b!), variant('c', '2', base.c!, 'canary')] });

      psi.value = 0.5;
      res = await start('ops', { canary: 'c', steps: [{ weight: 50, hold: { requests: 1000 } }], guardrails: { minRequests: 1, metrics: [{ name: 'psi', max: 0.2 }] } });
      await sendUntilCanary('ops', 1);
      await controller.tick();
      r = await getRollout('ops', res.json().id);
      assert.equal(r.state, 'rolled_back');
      assert.match(r.reason, /^psi\.max breached at step 1 \(weight 50\): observed 0\.5 > limit 0\.2/);
      psi.value = 0;
      await platform.services.deployments.update('ops', { variants: [variant('a', '1', base.a!), variant('b', '1', base.b!), variant('c', '2', base.c!, 'canary')] });
    });

    test('pause holds the step, resume restarts its window, abort restores the pre-rollout weights', async () => {
      const res = await start('ops', { canary: 'c', steps: [{ weight: 50, hold: { requests: 3 } }, { weight: 80, hold: { requests: 3 } }, { weight: 100, hold: { requests: 3 } }] });
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id as string;
      assert.deepEqual(await weights('ops'), { a: 37.5, b: 12.5, c: 50 });
      const act = (action: string, actor?: string) => api.inject({ method: 'POST', url: `/api/v1/deployments/ops/rollouts/${id}/${action}`, ...(actor ? { payload: { actor } } : {}) });
      let r = await act('pause', 'bob');
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().state, 'paused');
      assert.equal((await act('pause')).statusCode, 409, 'already paused');
      await sendUntilCanary('ops', 3);
      await controller.tick();
      assert.equal((await getRollout('ops', id)).currentStep, 1, 'a paused rollout does not advance');
      r = await act('resume');
      assert.equal(r.json().state, 'running');
      assert.equal(r.json().requestsInStep, 0, 'the window restarts at resume');
      await controller.tick();
      assert.equal((await getRollout('ops', id)).currentStep, 1);
      await sendUntilCanary('ops', 3);
      await controller.tick();
      assert.equal((await getRollout('ops', id)).currentStep, 2);
      assert.deepEqual(await weights('ops'), { a: 15, b: 5, c: 80 });
      r = await act('abort', 'carol');
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().state, 'aborted');
      assert.equal(r.json().reason, 'aborted by carol');
      assert.deepEqual(await weights('ops'), { a: 60, b: 20, c: 20 });
      const events = (await getRollout('ops', id)).events as { type: string; actor: string | null }[];
      assert.deepEqual(events.map((e) => e.type), ['started', 'paused', 'resumed', 'step_advanced', 'weights_applied', 'aborted', 'weights_applied']);
      assert.deepEqual(events.filter((e) => ['paused', 'aborted'].includes(e.type)).map((e) => e.actor), ['bob', 'carol']);
      assert.equal((await act('resume')).statusCode, 409);
      const list = (await api.inject({ url: '/api/v1/deployments/ops/rollouts' })).json().rollouts as { id: string; state: string }[];
      assert.equal(list[0]!.id, id);
      assert.deepEqual(list.map((x) => x.state), ['aborted', 'rolled_back', 'rolled_back']);
    });

    test('seconds holds: a step waits for its time and (with both) for its requests', async () => {
      await platform.services.deployments.create({ name: 'timed', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      const clock = offsetClock();
      const { service, controller: timed } = build(clock);
      const r = await service.start('timed', { canary: 'c', steps: [{ weight: 50, hold: { seconds: 60, requests: 2 } }, { weight: 70, hold: { seconds: 60 } }, { weight: 100, hold: { seconds: 60, requests: 2 } }] });
      await sendUntilCanary('timed', 2);
      await timed.tick();
      assert.equal((await service.get('timed', r.id)).currentStep, 1, 'the requests are there but not the time');
      clock.advance(61_000);
      await timed.tick();
      assert.equal((await service.get('timed', r.id)).currentStep, 2);
      await timed.tick();
      assert.equal((await service.get('timed', r.id)).currentStep, 2, 'a new step waits its own 60 s');
      clock.advance(61_000);
      await timed.tick();
      assert.equal((await service.get('timed', r.id)).currentStep, 3);
      clock.advance(61_000);
      await timed.tick();
      const r3 = await service.get('timed', r.id);
      assert.equal(r3.state, 'running', 'the time is up but the canary has not had its 2 requests in this step');
      assert.equal(r3.currentStep, 3);
      assert.equal((await service.abort('timed', r.id)).state, 'aborted');
      assert.deepEqual(await weights('timed'), { a: 100, c: 0 });
    });

    test('two controllers on one database: each step is taken once; a new controller carries on after a restart', async () => {
      await platform.services.deployments.create({ name: 'race', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      const steps = [10, 20, 30, 40, 100].map((weight) => ({ weight, hold: { requests: 2 } }));
      const r = await rollouts.start('race', { canary: 'c', steps });
      let revision = (await platform.services.deployments.get('race')).revision;
      for (let step = 2; step <= 5; step++) {
        await sendUntilCanary('race', 2);
        const one = build();
        const two = build();
        await Promise.all([one.controller.tick(), two.controller.tick(), one.controller.tick()]);
        const now = await rollouts.get('race', r.id);
        assert.equal(now.currentStep, step, `one step per round, not more (round to step ${step})`);
        const next = (await platform.services.deployments.get('race')).revision;
        assert.equal(next, revision + 1, 'exactly one revision per step');
        revision = next;
      }
      const final = await rollouts.get('race', r.id);
      assert.equal(final.events.filter((e) => e.type === 'step_advanced').length, 4);
      assert.deepEqual(await weights('race'), { a: 0, c: 100 });
    });

    test('a step taken by a process that died before writing its weights is written by another after the lease', async () => {
      await platform.services.deployments.create({ name: 'crash', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      const r = await rollouts.start('crash', { canary: 'c', steps: [{ weight: 10, hold: { requests: 1 } }, { weight: 60, hold: { requests: 1 } }] });
      const row = (await rollouts.repo.get(r.id))!;
      // What the controller's claim writes; the process is then gone before deployments.update.
      assert.ok(await rollouts.transition(row, { step: 1, applied_revision: null, step_started_at: null, updated_at: Date.now() }, [{ ts: Date.now(), type: 'step_advanced', actor: 'controller', step: 2 }]));
      await controller.tick(); // within the lease: the claimer may still be writing
      assert.deepEqual(await weights('crash'), { a: 90, c: 10 });
      const after = build();
      const late = new RolloutController({ rollouts: after.service, deployments: platform.services.deployments, clock: { now: () => Date.now() + 61_000 } }, { applyLeaseMs: 60_000 });
      await late.tick();
      assert.deepEqual(await weights('crash'), { a: 40, c: 60 });
      const now = await rollouts.get('crash', r.id);
      assert.equal(now.currentStep, 2);
      assert.ok(now.stepStartedAt !== null && now.revision === (await platform.services.deployments.get('crash')).revision);
    });

    test('the timer ticks on its own; stop() ends it', async () => {
      await platform.services.deployments.create({ name: 'timer', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      const r = await rollouts.start('timer', { canary: 'c', steps: [{ weight: 50, hold: { requests: 1 } }, { weight: 100, hold: { requests: 1 } }] });
      const ticking = new RolloutController({ rollouts, deployments: platform.services.deployments, clock: systemClock }, { intervalMs: 20 });
      ticking.start();
      try {
        for (let i = 0; i < 500 && (await rollouts.get('timer', r.id)).state !== 'completed'; i++) {
          await send('timer', 1);
          await new Promise((res) => setTimeout(res, 20));
        }
      } finally {
        await ticking.stop();
      }
      assert.equal((await rollouts.get('timer', r.id)).state, 'completed');
      const listed = (await api.inject({ url: '/api/v1/deployments/timer/rollouts' })).json().rollouts;
      assert.equal(listed.length, 1);
      assert.equal(listed[0].currentStep, 2);
    });

    test('two starts at once on one deployment: one 201, one 409, one revision', async () => {
      await platform.services.deployments.create({ name: 'twice', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      const body = { canary: 'c', steps: [{ weight: 10, hold: { requests: 1000 } }] };
      const codes = (await Promise.all([start('twice', body), start('twice', body), start('twice', body)])).map((x) => x.statusCode).sort();
      assert.deepEqual(codes, [201, 409, 409]);
      assert.equal((await platform.services.deployments.get('twice')).revision, 2);
      assert.equal((await api.inject({ url: '/api/v1/deployments/twice/rollouts' })).json().rollouts.length, 1);
    });

    test('weights changed by someone else stop the rollout and their config stands', async () => {
      await platform.services.deployments.create({ name: 'manual', config: { variants: [variant('a', '1', 100), variant('c', '2', 0, 'canary')] } });
      const r = await rollouts.start('manual', { canary: 'c', steps: [{ weight: 10, hold: { requests: 1000 } }] });
      await platform.services.deployments.update('manual', { variants: [variant('a', '1', 70), variant('c', '2', 30, 'canary')] });
      await controller.tick();
      const now = await rollouts.get('manual', r.id);
      assert.equal(now.state, 'aborted');
      assert.match(now.reason!, /canary's weight was changed outside the rollout \(30, expected 10\)/);
      assert.deepEqual(await weights('manual'), { a: 70, c: 30 });
    });
  });
}
