import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { DIALECTS } from '../../test-support/platform.js';
import { Access } from '../org/access.js';
import type { Principal } from '../org/index.js';
import { createPoliciesPlatform } from './test-support/policies-platform.js';

// Mid-month, so a run's hour never straddles a period boundary; each reading moves time on by 1 ms.
const T0 = Date.UTC(2026, 10, 15, 12);
const HOUR = 3_600_000;
const ADMIN: Principal = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`policies and budgets through the platform (${dialect})`, () => {
    let p: Awaited<ReturnType<typeof createPoliciesPlatform>>;
    let api: FastifyInstance;
    let t = T0;
    const clock = { now: () => ++t };
    const mlflow = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const r = await p.app.inject({ method, url: `/api/2.0/mlflow/${path}`, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: r.statusCode, body: r.json<Record<string, unknown>>() };
    };
    const native = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
      const r = await api.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: r.statusCode, body: r.body ? r.json<Record<string, unknown>>() : {} };
    };
    // Internal caller (no principal) that can resolve team names.
    const system = () => new Access(null, 'full', () => p.services.registry.teamTree());
    let runId = '';
    let mlExperiment = '';

    before(async () => {
      p = await createPoliciesPlatform(dialect, clock);
      api = p.api;

      await p.services.teams.createTeam(ADMIN, { name: 'ml' });
      await p.services.teams.createTeam(ADMIN, { name: 'other' });
      mlExperiment = await p.services.tracking.createExperiment({ name: 'churn-exp', ownerTeam: 'ml', access: system() });
      const run = await mlflow('POST', 'runs/create', { experiment_id: mlExperiment, user_id: 'alice', start_time: T0 - HOUR });
      assert.equal(run.status, 200, JSON.stringify(run.body));
      runId = ((run.body.run as { info: { run_id: string } }).info).run_id;
      for (const [key, value] of [['auc', 0.91], ['accuracy/female', 0.8], ['accuracy/male', 0.83]] as const) {
        assert.equal((await mlflow('POST', 'runs/log-metric', { run_id: runId, key, value, timestamp: T0, step: 0 })).status, 200);
      }
      assert.equal((await mlflow('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: T0 })).status, 200);
      assert.equal((await mlflow('POST', 'registered-models/create', { name: 'churn', tags: [{ key: 'flywheel.owner_team', value: 'ml' }] })).status, 200);
      assert.equal((await mlflow('POST', 'model-versions/create', { name: 'churn', source: 'models:/x', run_id: runId })).status, 200);
    });
    after(async () => {
      await p?.disposeAll();
    });

    test('policies are validated and versioned', async () => {
      const bad = await native('POST', '/api/v1/policies', { name: 'x', action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'reviews', min: 0 }] });
      assert.equal(bad.status, 400);
      assert.match(String((bad.body.error as { message: string }).message), /conditions\[0\]\.min must be at least 1/);
      const noCond = await native('POST', '/api/v1/policies', { name: 'x', action: 'model.alias_set', alias: 'champion', conditions: [] });
      assert.equal(noCond.status, 400);
      assert.equal((await native('GET', '/api/v1/policies')).body.policies instanceof Array && ((await native('GET', '/api/v1/policies')).body.policies as unknown[]).length, 0);

      const v1 = await native('POST', '/api/v1/policies', { name: 'champion-gate', action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'model_card_approved' }] });
      assert.equal(v1.status, 201);
      const conditions = [
        { type: 'model_card_approved' },
        { type: 'reviews', min: 2, excludeAuthor: true },
        { type: 'metric', name: 'auc', op: '>=', threshold: 0.85 },
        { type: 'fairness_gap', metric: 'accuracy', max: 0.05 },
      ];
      const v2 = await native('PUT', '/api/v1/policies/champion-gate', { action: 'model.alias_set', alias: 'champion', conditions });
      assert.equal(v2.status, 200);
      assert.equal((v2.body.policy as { version: number }).version, 2);
      const same = await native('POST', '/api/v1/policies', { name: 'champion-gate', action: 'model.alias_set', alias: 'champion', conditions });
      assert.equal(same.status, 200);
      assert.equal(same.body.changed, false);
      const versions = (await native('GET', '/api/v1/policies/champion-gate/versions')).body.versions as { version: number }[];
      assert.deepEqual(versions.map((v) => v.version), [2, 1]);
      // Another team's policy does not apply to ml's model.
      assert.equal((await native('POST', '/api/v1/policies', { name: 'other-gate', scope: { team: 'other' }, action: 'model.alias_set', alias: '*', conditions: [{ type: 'metric', name: 'auc', op: '>=', threshold: 0.99 }] })).status, 201);
    });

    test('an unreviewed champion alias is blocked, every unmet condition listed, then allowed', async () => {
      const dry = await native('POST', '/api/v1/policies/evaluate', { action: 'model.alias_set', model: 'churn', version: 1, alias: 'champion' });
      assert.equal(dry.status, 200);
      assert.equal(dry.body.allowed, false);
      const results = dry.body.results as { met: boolean; condition: { type: string }; policy: string }[];
      assert.deepEqual(results.map((r) => [r.condition.type, r.met]), [['model_card_approved', false], ['reviews', false], ['metric', true], ['fairness_gap', true]]);
      assert.ok(results.every((r) => r.policy === 'champion-gate'));

      const viaMlflow = await mlflow('POST', 'registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
      assert.equal(viaMlflow.status, 403);
      assert.equal(viaMlflow.body.error_code, 'PERMISSION_DENIED');
      const msg = String(viaMlflow.body.message);
      assert.match(msg, /2 unmet condition/);
      assert.match(msg, /model card must be Approved, it is missing/);
      assert.match(msg, /needs 2 approving review\(s\) by reviewers other than the author \(alice\): has none/);
      assert.doesNotMatch(msg, /auc/);
      // A different alias is not governed.
      assert.equal((await mlflow('POST', 'registered-models/alias', { name: 'churn', alias: 'challenger', version: '1' })).status, 200);

      // The native service path: the same refusal, with the actor recorded.
      await assert.rejects(p.services.registry.setRegisteredModelAlias('churn', 'champion', '1', { actor: 'alice', source: '10.0.0.1' }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'POLICY_VIOLATION');
        assert.match(e.message, /model card must be Approved/);
        return true;
      });

      // The author approving her own model does not count; one other reviewer is not enough.
      await p.services.registry.putModelCard('churn', '1', { intendedUse: 'Weekly churn scoring' }, 'alice');
      await p.services.registry.transitionModelCard('churn', '1', 'PendingReview', 'alice');
      await p.services.registry.transitionModelCard('churn', '1', 'Approved', 'bob');
      await p.services.registry.decideApproval('churn', '1', { status: 'approved', decidedBy: 'alice' });
      await p.services.registry.decideApproval('churn', '1', { status: 'approved', decidedBy: 'bob' });
      const one = await mlflow('POST', 'registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
      assert.equal(one.status, 403);
      assert.match(String(one.body.message), /1 unmet condition.*has 1 \(bob\)/);
      // A rejection then an approval by carol: her latest decision counts.
      await p.services.registry.decideApproval('churn', '1', { status: 'rejected', decidedBy: 'carol', reason: 'calibration?' });
      assert.match(String((await mlflow('POST', 'registered-models/alias', { name: 'churn', alias: 'champion', version: '1' })).body.message), /rejected by carol/);
      await p.services.registry.decideApproval('churn', '1', { status: 'approved', decidedBy: 'carol' });

      const ok = await mlflow('POST', 'registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const got = await mlflow('GET', 'registered-models/alias?name=churn&alias=champion');
      assert.equal((got.body.model_version as { version: string }).version, '1');
    });

    test('a team over budget has its run refused, naming the budget and the overage', async () => {
      const badRate = await native('PUT', '/api/v1/cost/rates', { compute_second: -1 });
      assert.equal(badRate.status, 400);
      assert.match(String((badRate.body.error as { message: string }).message), /compute_second must be at least 0/);
      assert.equal((await native('PUT', '/api/v1/cost/rates', { compute_second: 0.01, storage_gb_month: 0.02 })).status, 200);
      // alice's run: one hour = 3600 s = 36.00 this month.
      const spend = (await native('GET', '/api/v1/cost/teams/ml')).body.spend as { computeSeconds: number; spend: number };
      assert.equal(spend.computeSeconds, 3600);
      assert.ok(Math.abs(spend.spend - 36) < 1e-9);
      assert.equal((await native('POST', '/api/v1/budgets', { name: 'ml-monthly', team: 'nope', amount: 30 })).status, 400);
      assert.equal((await native('POST', '/api/v1/budgets', { name: 'ml-monthly', team: 'ml', amount: 30, enforce: true })).status, 200);

      const st = (await native('GET', '/api/v1/budgets/ml-monthly/status')).body.status as { percent: number; alerts: { threshold: number }[] };
      assert.equal(st.percent, 120);
      assert.deepEqual(st.alerts.map((a) => a.threshold).sort((a, b) => a - b), [50, 80, 100]);
      // Alerts fire once per period.
      const again = (await native('GET', '/api/v1/budgets/ml-monthly/status')).body.status as { alerts: unknown[] };
      assert.equal(again.alerts.length, 3);

      const refused = await mlflow('POST', 'runs/create', { experiment_id: mlExperiment, user_id: 'alice' });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error_code, 'PERMISSION_DENIED');
      assert.match(String(refused.body.message), /Budget 'ml-monthly' of team 'ml' for 2026-11 is exhausted: spent 36\.00 of 30\.00 \(120%\), over by 6\.00/);
      // Other teams' and unowned experiments are not affected.
      const free = await p.services.tracking.createExperiment({ name: 'free', ownerTeam: 'other', access: system() });
      assert.equal((await mlflow('POST', 'runs/create', { experiment_id: free, user_id: 'bob' })).status, 200);
      // Raising the budget lets runs in again.
      assert.equal((await native('PUT', '/api/v1/budgets/ml-monthly', { team: 'ml', amount: 100, enforce: true })).status, 200);
      assert.equal((await mlflow('POST', 'runs/create', { experiment_id: mlExperiment, user_id: 'alice' })).status, 200);
    });

    test('only platform admins change policies and budgets; anyone may read and dry-run', async () => {
      await p.services.org.createUser(ADMIN, { username: 'dana', password: 'correct-horse-battery-staple' });
      const dana = (await p.services.org.principal((await p.services.org.checkPassword('dana', 'correct-horse-battery-staple')).id))!;
      const { token } = await p.services.org.createToken(dana, { name: 'cli' });
      const as = (method: 'GET' | 'POST', url: string, payload?: object) => api.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
      const refused = await as('POST', '/api/v1/budgets', { name: 'sneaky', team: 'ml', amount: 1e9 });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.json<{ error: { message: string } }>().error.message, /Only platform admins .* 'dana'/);
      assert.equal((await as('GET', '/api/v1/budgets/sneaky')).statusCode, 404);
      assert.equal((await as('GET', '/api/v1/policies')).statusCode, 200);
      assert.equal((await as('POST', '/api/v1/policies/evaluate', { action: 'model.alias_set', model: 'churn', version: 1, alias: 'champion' })).statusCode, 200);
    });

    test('every refusal and change is in the audit log and the chain verifies', async () => {
      const entries = await p.app.inject({ method: 'GET', url: '/api/v1/audit?maxResults=1000' });
      assert.equal(entries.statusCode, 200, entries.body);
      const actions = (entries.json<{ entries: { action: string; actor: string; after: Record<string, unknown> }[] }>().entries);
      const count = (a: string) => actions.filter((e) => e.action === a).length;
      assert.equal(count('policy.created'), 2);
      assert.equal(count('policy.updated'), 1);
      assert.equal(count('policy.blocked'), 4);
      assert.equal(count('cost.rates_set'), 1);
      assert.equal(count('budget.created'), 1);
      assert.equal(count('budget.updated'), 1);
      assert.equal(count('budget.alert'), 3);
      assert.equal(count('budget.refused'), 1);
      const refusal = actions.find((e) => e.action === 'budget.refused')!;
      assert.equal(refusal.after.budget, 'ml-monthly');
      assert.ok(actions.some((e) => e.action === 'policy.blocked' && e.actor === 'alice'));
      const verify = await p.app.inject({ method: 'GET', url: '/api/v1/audit/verify' });
      assert.equal(verify.json<{ ok: boolean }>().ok, true, verify.body);
    });
  });
}
