import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { Access } from '../org/access.js';
import type { Principal } from '../org/index.js';
import { logisticModel } from '../serving/test-support/serving-models.js';

// The 16th of a 30-day month at 00:00: storage held so far is half a month.
const T0 = Date.UTC(2026, 10, 16);
const DAY = 86_400_000;
const ADMIN: Principal = { userId: 0, username: 'root', isAdmin: true, teams: [] };
const PADDING = 1_000_000;
const CSV = 'id,x\n1,2\n3,4\n';

for (const dialect of DIALECTS) {
  describe(`cost of runs, replicas and storage; project budgets (${dialect})`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let now = T0 - 1000_000;
    const clock = { now: () => now };
    let experimentId = '';
    let artifactBytes = 0;
    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object | string, contentType?: string) => {
      const r = await fw.app.inject({ method, url, ...(payload === undefined ? {} : { payload }), ...(contentType ? { headers: { 'content-type': contentType } } : {}) });
      return { status: r.statusCode, body: r.body ? r.json<Record<string, unknown>>() : {} };
    };
    const spend = async (path: string) => (await call('GET', path)).body.spend as Record<string, number>;

    before(async () => {
      fw = await createTestPlatform(dialect, { clock });
      const { teams, tracking, registry, projects, budgets, deployments } = fw.services;
      await teams.createTeam(ADMIN, { name: 'ml' });
      experimentId = await tracking.createExperiment({ name: 'churn-exp', ownerTeam: 'ml', access: new Access(null, 'full', () => registry.teamTree()) });
      assert.equal((await call('POST', '/api/2.0/mlflow/experiments/set-experiment-tag', { experiment_id: experimentId, key: 'flywheel.project', value: 'churn' })).status, 200);
      assert.equal((await call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'churn', tags: [{ key: 'flywheel.owner_team', value: 'ml' }] })).status, 200);
      const onnx = Buffer.from(logisticModel());
      for (const v of ['1', '2']) {
        await fw.artifacts.put(`${experimentId}/r${v}/artifacts/model/model.onnx`, onnx);
        await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/${experimentId}/r${v}/artifacts/model` });
      }
      await fw.artifacts.put(`${experimentId}/r1/artifacts/blob.bin`, Buffer.alloc(PADDING));
      artifactBytes = 2 * onnx.length + PADDING;
      assert.equal((await call('POST', '/api/v1/datasets/events/versions?filename=e.csv', CSV, 'text/csv')).status, 201);
      await fw.services.datasets.createDataset('owned', 'x', { ownerTeam: 'ml', access: new Access(ADMIN, 'full', () => registry.teamTree()) });
      assert.equal((await call('POST', '/api/v1/datasets/owned/versions?filename=o.csv', CSV, 'text/csv')).status, 201);
      await projects.create({ actor: 'root', source: null, principal: ADMIN }, { name: 'churn', ownerTeam: 'ml', deployments: ['churn-live'] });
      // Serving since 1000 s before T0, one replica.
      await deployments.create({ name: 'churn-live', config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }] } });
      now = T0;
      // 100 s of compute, ending now.
      const run = await tracking.createRun({ experimentId, userId: 'alice', startTime: T0 - 100_000 });
      await tracking.updateRun({ runId: run.info.runId, status: 'FINISHED', endTime: T0 });
      await budgets.setRates({ compute_second: 0.01, replica_second: 0.001, storage_gb_month: 1000 }, { actor: 'root' });
    });
    after(async () => fw.dispose());

    test('a team and a project each pay for their runs, replicas and storage', async () => {
      const storage = (bytes: number) => (bytes / 1e9) * 1000 * 0.5;
      const team = await spend('/api/v1/cost/teams/ml');
      assert.equal(team.computeSeconds, 100);
      assert.equal(team.compute, 1);
      assert.equal(team.replicaSeconds, 1000);
      assert.equal(team.replicas, 1);
      assert.equal(team.storageBytes, artifactBytes + CSV.length, "the team's experiments and its dataset (not the unowned one)");
      assert.ok(Math.abs(team.storage! - storage(artifactBytes + CSV.length)) < 1e-9);
      assert.ok(Math.abs(team.spend! - (2 + storage(artifactBytes + CSV.length))) < 1e-9);

      const project = await spend('/api/v1/cost/projects/churn');
      assert.deepEqual([project.computeSeconds, project.replicaSeconds, project.storageBytes], [100, 1000, artifactBytes]);
      assert.equal((await call('GET', '/api/v1/cost/projects/nope')).status, 404);
      assert.equal((await call('GET', '/api/v1/cost/rates')).body.rates && ((await call('GET', '/api/v1/cost/rates')).body.rates as Record<string, number>).replica_second, 0.001);
    });

    test('a project budget alerts at 50/80/100% and refuses runs, deployments and pipeline runs, naming itself and the overage', async () => {
      let r = await call('POST', '/api/v1/budgets', { name: 'both', team: 'ml', project: 'churn', amount: 1 });
      assert.equal(r.status, 400);
      assert.match(String((r.body.error as { message: string }).message), /give team or project/);
      r = await call('POST', '/api/v1/budgets', { name: 'ghost', project: 'nope', amount: 1 });
      assert.equal(r.status, 400);
      assert.match(String((r.body.error as { message: string }).message), /project 'nope' does not exist/);

      const first = (await spend('/api/v1/cost/projects/churn')).spend!;
      r = await call('POST', '/api/v1/budgets', { name: 'churn-month', project: 'churn', amount: Math.round((first / 0.9) * 100) / 100, enforce: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual([(r.body.budget as { project: string }).project, (r.body.budget as { team: string }).team], ['churn', 'ml']);
      let status = (await call('GET', '/api/v1/budgets/churn-month/status')).body.status as { percent: number; alerts: { threshold: number }[]; breakdown: Record<string, number> };
      assert.ok(status.percent >= 80 && status.percent < 100, String(status.percent));
      assert.deepEqual(status.alerts.map((a) => a.threshold).sort(), [50, 80]);
      assert.equal(status.breakdown.replicas, 1);
      // Still under: a run may start.
      await fw.services.tracking.createRun({ experimentId, userId: 'alice', startTime: now });

      now += DAY; // a day more of the replica: 86.4 more
      status = (await call('GET', '/api/v1/budgets/churn-month/status')).body.status as typeof status;
      assert.deepEqual(status.alerts.map((a) => a.threshold).sort(), [100, 50, 80]);

      r = await call('POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId, start_time: now });
      assert.equal(r.status, 403);
      assert.match(String(r.body.message), /Budget 'churn-month' of project 'churn' for 2026-11 is exhausted: spent [\d.]+ of [\d.]+ \(\d+(\.\d+)?%\), over by [\d.]+\. New runs in experiment/);

      r = await call('PUT', '/api/v1/deployments/churn-live', { config: { variants: [{ name: 'a', model: { name: 'churn', version: '2' }, role: 'primary', weight: 100 }] } });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal((r.body.error as { code: string }).code, 'BUDGET_EXCEEDED');
      assert.match((r.body.error as { message: string }).message, /Budget 'churn-month' of project 'churn' .* over by [\d.]+\. Deploying 'churn-live' is refused/);
      assert.equal((await fw.services.deployments.get('churn-live')).config.variants[0]!.name, 'a');
      assert.equal((await fw.services.deployments.get('churn-live')).revision, 1, 'nothing changed');

      await assert.rejects(fw.services.budgets.enforcePipelineRun({ pipeline: 'train', project: 'churn' }, { actor: 'alice' }), /Budget 'churn-month' of project 'churn' .* New runs of pipeline 'train' are refused/);
      await fw.services.budgets.enforcePipelineRun({ pipeline: 'train', team: 'ml' }, { actor: 'alice' });
      const mlId = (await fw.services.registry.teamTree()).find((t) => t.name === 'ml')!.id;

      // A team budget covers deployments of the team's models even outside the project.
      await fw.services.budgets.put({ name: 'ml-month', team: 'ml', amount: 1, enforce: true }, { actor: 'root' });
      await assert.rejects(fw.services.budgets.enforcePipelineRun({ pipeline: 'train', team: mlId }, { actor: 'alice' }), /Budget 'ml-month' of team 'ml' .* New runs of pipeline 'train' are refused/);
      r = await call('POST', '/api/v1/deployments', { name: 'churn-side', config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }] } });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match((r.body.error as { message: string }).message, /Budget 'ml-month' of team 'ml' .* Deploying 'churn-side' is refused/);

      const refused = (await fw.services.audit.list({ action: 'budget.refused', maxResults: 10 })).items;
      assert.deepEqual(refused.map((e) => `${e.resourceType}:${e.resourceId} ${(e.after as { budget: string }).budget}`), ['deployment:churn-side ml-month', 'pipeline:train ml-month', 'pipeline:train churn-month', 'deployment:churn-live churn-month', `experiment:${experimentId} churn-month`]);
      const alerts = (await fw.services.audit.list({ action: 'budget.alert', resource: 'budget:churn-month', maxResults: 10 })).items;
      assert.equal(alerts.length, 3);
      assert.equal((alerts[0]!.after as { project: string }).project, 'churn');
      assert.equal((await fw.services.audit.verify()).ok, true);
    });
  });
}
