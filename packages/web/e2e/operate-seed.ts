import assert from 'node:assert/strict';
import { logisticModel } from '../../server/src/domains/serving/test-support/serving-models.js';
import type { UiServer } from './harness.js';

/** The second model version's weights: a different model, so the variants answer differently. */
export const W2 = Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.3 : -0.2));
export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

/** A small seeded PRNG, so both dialects see the same rows. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Two ONNX logistic-regression versions of model `churn` served as variants `a` and `b` of
 * deployment `churn-live` (50/50), as the serving and monitoring tests register them.
 */
export async function seedDeployment(server: UiServer): Promise<void> {
  const { platform } = server;
  const { registry, deployments } = platform.services;
  await registry.createRegisteredModel({ name: 'churn' });
  await platform.artifacts.put('0/run1/artifacts/model/model.onnx', Buffer.from(logisticModel()));
  await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run1/artifacts/model' });
  await platform.artifacts.put('0/run2/artifacts/model/model.onnx', Buffer.from(logisticModel(W2, 0.1)));
  await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run2/artifacts/model' });
  await deployments.create({
    name: 'churn-live',
    config: {
      variants: [
        { name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 50 },
        { name: 'b', model: { name: 'churn', version: '2' }, role: 'primary', weight: 50 },
      ],
    },
    createdBy: 'seed',
  });
}

/** Sends `requests` Open Inference Protocol requests of `rows` rows each through the gateway (so they are logged and counted); `shift` moves f0. */
export async function sendTraffic(server: UiServer, requests: number, opts: { rows?: number; shift?: number; seed?: number; prefix?: string } = {}): Promise<string[]> {
  const rand = rng(opts.seed ?? 1);
  const ids: string[] = [];
  for (let r = 0; r < requests; r++) {
    const rows = Array.from({ length: opts.rows ?? 1 }, () => Array.from({ length: 10 }, (_, i) => (rand() * 2 - 1) * 2 + (i === 0 ? (opts.shift ?? 0) : 0)));
    const id = `${opts.prefix ?? 'req'}-${r}`;
    const res = await server.platform.app.inject({ method: 'POST', url: '/v2/models/churn-live/infer', payload: { id, inputs: [{ name: 'x', shape: [rows.length, 10], datatype: 'FP32', data: rows }] } });
    assert.equal(res.statusCode, 200, res.body);
    ids.push(id);
  }
  return ids;
}

/**
 * A reference dataset (`churn-train`, 400 rows of the features) and a monitor on `churn-live`
 * with f9 as the sensitive attribute; then a window of traffic with f0 shifted, labeled, and
 * evaluated so the monitor has quality, drift, data-quality and fairness points.
 */
export async function seedMonitor(server: UiServer): Promise<{ id: string; since: number; until: number }> {
  const { platform } = server;
  const rand = rng(42);
  const row = () => Array.from({ length: 10 }, (_, i) => (i === 9 ? (rand() < 0.5 ? 0 : 1) : (rand() * 2 - 1) * 2));
  const csv = [FEATURES.join(','), ...Array.from({ length: 400 }, () => row().join(','))].join('\n');
  await platform.services.datasets.registerVersion({ name: 'churn-train', file: { buffer: Buffer.from(csv), filename: 'train.csv' } });
  const monitor = await platform.services.monitors.create(
    { deployment: 'churn-live', name: 'churn drift', reference: { dataset: 'churn-train', version: 1 }, window: '1h', inputs: { x: FEATURES }, score: { output: 'p' }, sensitive: 'f9' },
    'seed',
  );
  const since = Date.now() - 1;
  const sent: { id: string; rows: number[][] }[] = [];
  for (let r = 0; r < 30; r++) {
    const rows = Array.from({ length: 10 }, () => {
      const x = row();
      x[0] = x[0]! + 2.5;
      return x;
    });
    const id = `mon-${r}`;
    const res = await platform.app.inject({ method: 'POST', url: '/v2/models/churn-live/infer', payload: { id, inputs: [{ name: 'x', shape: [10, 10], datatype: 'FP32', data: rows }] } });
    assert.equal(res.statusCode, 200, res.body);
    sent.push({ id, rows });
  }
  // Ground truth: positive when f1 > 0 — a made-up outcome the models get partly right.
  const res = await platform.app.inject({ method: 'POST', url: '/api/v1/actuals', payload: { actuals: sent.map((s) => ({ inferenceId: s.id, value: s.rows.map((r) => (r[1]! > 0 ? 1 : 0)) })) } });
  assert.equal(res.statusCode, 200, res.body);
  const until = Date.now() + 1;
  await platform.services.monitors.evaluate(monitor.id, { since, until });
  return { id: monitor.id, since, until };
}

const ROOT = { username: 'root', password: 'root password for the seed' };

/** Calls the native API as the platform admin `root` (basic credentials); fails on a 4xx/5xx. */
async function call(server: UiServer, method: 'POST' | 'PUT' | 'PATCH', url: string, payload: unknown): Promise<unknown> {
  const authorization = `Basic ${Buffer.from(`${ROOT.username}:${ROOT.password}`).toString('base64')}`;
  const res = await server.platform.app.inject({ method, url, payload: payload as Record<string, unknown>, headers: { authorization } });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.body ? (res.json() as unknown) : undefined;
}

const DAY = 86_400_000;

/**
 * A team with a member and her skills, three projects (one whose POC gate passes, one whose does
 * not, one POC past its end date), a budget and a policy.
 */
export async function seedOrganization(server: UiServer): Promise<void> {
  await server.platform.services.org.bootstrapUser({ ...ROOT, isAdmin: true });
  await call(server, 'POST', '/api/v1/users', { username: 'ada', password: 'correct horse battery', displayName: 'Ada Lovelace', skills: ['data_scientist', 'ml_engineer'] });
  await call(server, 'POST', '/api/v1/users', { username: 'bob', password: 'bob has a long password', displayName: 'Bob', skills: ['product_owner'] });
  await call(server, 'POST', '/api/v1/teams', { name: 'ml-core', description: 'Core ML team' });
  await call(server, 'PUT', '/api/v1/teams/ml-core/members/ada', { role: 'admin' });
  const fullCase = { businessChallenge: 'Customers leave without warning', businessValue: 'Keep 2 % more customers', successMetric: 'retention', successTarget: 0.9, dataExists: true, dataLabeled: true };
  await call(server, 'POST', '/api/v1/projects', { name: 'churn-poc', description: 'Predict churn a month ahead', ownerTeam: 'ml-core', businessCase: fullCase, pocEndDate: Date.now() + 30 * DAY });
  await call(server, 'POST', '/api/v1/projects', { name: 'fraud-idea', description: 'Flag fraudulent claims', ownerTeam: 'ml-core' });
  await call(server, 'POST', '/api/v1/projects', { name: 'legacy-poc', description: 'Old forecasting trial', ownerTeam: 'ml-core', businessCase: fullCase, pocEndDate: Date.now() + DAY });
  await call(server, 'POST', '/api/v1/projects/legacy-poc/stage', { to: 'poc' });
  await call(server, 'PATCH', '/api/v1/projects/legacy-poc', { pocEndDate: Date.now() - 3 * DAY });
  await call(server, 'POST', '/api/v1/budgets', { name: 'ml-core-monthly', team: 'ml-core', amount: 500, period: 'month', enforce: false });
  await call(server, 'POST', '/api/v1/policies', { name: 'champion-gate', action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'model_card_approved' }] });
}
