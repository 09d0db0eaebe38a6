import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Platform } from '../../../main.js';
import { seededRandom } from '../../../lib/seeded-random.js';
import { Access } from '../../org/access.js';
import type { Principal } from '../../org/index.js';
import { logisticModel } from '../../serving/test-support/serving-models.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

export interface World {
  fraudMonitor: string;
  /** API tokens of carol (growth member) and mallory (no team) */
  tokens: Record<string, string>;
  /** the missing evidence of churn: a drift monitor against its training data, evaluated */
  addChurnMonitor(): Promise<void>;
}

/**
 * Three teams at three levels of practice, seeded through the platform's services and API:
 * - risk: `fraud`, trained by a pipeline with data validation and tests, swept, compared with a
 *   baseline, card approved by a second person, gated by a policy, canaried, rollback drilled,
 *   monitored against its training data with a quality alert, actuals flowing;
 * - growth: `churn`, everything by carol by hand (a lone superhero), served without a monitor;
 * - lab: `lab-poc`, a registered version and nothing else.
 */
export async function seedAssessmentWorld(platform: Platform, admin: Principal): Promise<World> {
  const s = platform.services;
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers?: Record<string, string>) => {
    const res = await platform.app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as string }) });
    assert.ok(res.statusCode < 300, `${method} ${url} → ${res.statusCode}: ${res.body.slice(0, 400)}`);
    return (res.body ? JSON.parse(res.body) : {}) as Json;
  };
  const rand = seededRandom(8);
  const row = () => FEATURES.map((_, i) => (i === 9 ? (rand() < 0.5 ? 0 : 1) : rand() * 2 - 1));
  const csv = (n: number) => Buffer.from([FEATURES.join(','), ...Array.from({ length: n }, () => row().map((v) => v.toFixed(4)).join(','))].join('\n') + '\n');

  // ---- people and teams
  const skills: Record<string, string[]> = { alice: ['data_scientist'], bob: ['ml_engineer'], dana: ['product_owner'], eve: ['statistician'], carol: ['data_scientist'], frank: ['research_scientist'], mallory: [] };
  for (const [username, sk] of Object.entries(skills)) await s.org.createUser(admin, { username, password: `${username}-password-1`, skills: sk });
  for (const t of ['risk', 'growth', 'lab']) await s.teams.createTeam(admin, { name: t });
  for (const u of ['alice', 'bob', 'dana', 'eve']) await s.teams.setMember(admin, 'risk', u, 'member');
  await s.teams.setMember(admin, 'growth', 'carol', 'member');
  await s.teams.setMember(admin, 'lab', 'frank', 'member');
  const tokens: Record<string, string> = {};
  for (const u of ['carol', 'mallory']) tokens[u] = (await s.org.issueToken((await s.org.checkPassword(u, `${u}-password-1`)).id, { name: 't' })).token;
  const tree = await s.registry.teamTree();
  const teamId = (name: string) => tree.find((t) => t.name === name)!.id;
  const access = new Access(admin, 'full', () => s.registry.teamTree());

  const ctx = { actor: 'dana', source: null, principal: admin };
  await s.projects.create(ctx, { name: 'fraud-detection', ownerTeam: 'risk', models: ['fraud'], deployments: ['fraud-live'], businessCase: { successMetric: 'loss_prevented', successTarget: 1000000 } });
  await s.projects.create({ ...ctx, actor: 'carol' }, { name: 'churn-reduction', ownerTeam: 'growth', models: ['churn'], deployments: ['churn-live'] });

  // ---- data
  const datasheet = { motivation: 'detect card fraud', composition: 'transactions, 10 features', uses: 'fraud scoring only' };
  const fraudData = (await s.datasets.registerVersion({ name: 'fraud-train', file: { buffer: csv(300), filename: 'train.csv' }, datasheet, createdBy: 'alice', owner: { ownerTeam: teamId('risk'), visibility: 'private' } })).version;
  const churnData = (await s.datasets.registerVersion({ name: 'churn-train', file: { buffer: csv(300), filename: 'train.csv' }, datasheet: { ...datasheet, motivation: 'predict churn' }, createdBy: 'carol', owner: { ownerTeam: teamId('growth'), visibility: 'internal' } })).version;
  const input = (d: typeof fraudData) => [{ tags: [], dataset: { name: d.dataset, digest: d.contentHash!.slice(0, 12), sourceType: 'local', source: `flywheel-datasets:/${d.dataset}/${d.version}` } }];

  const uploadModel = async (artifactUri: string, dir: string) => {
    const path = artifactUri.replace(/^mlflow-artifacts:\//, '');
    await call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}/${dir}/model.onnx`, Buffer.from(logisticModel()), { 'content-type': 'application/octet-stream' });
    return `${artifactUri}/${dir}`;
  };

  // ---- fraud: trained by a pipeline
  await s.pipelines.register({
    name: 'fraud-train',
    steps: [
      { name: 'validate_data', command: [process.execPath, '-e', ''] },
      { name: 'train', command: [process.execPath, '-e', ''], dependsOn: ['validate_data'] },
      { name: 'test_model', command: [process.execPath, '-e', ''], dependsOn: ['train'] },
    ],
  });
  const pr = await s.pipelines.startRun('fraud-train');
  let done = await s.pipelines.getRun(pr.id);
  for (const deadline = Date.now() + 60_000; done.state !== 'succeeded' && Date.now() < deadline; done = await s.pipelines.getRun(pr.id)) {
    assert.ok(!['failed', 'cancelled'].includes(done.state), JSON.stringify(done));
    await sleep(50);
  }
  assert.equal(done.state, 'succeeded', JSON.stringify(done.steps));
  const trainRunId = done.steps.find((st) => st.name === 'train')!.mlflowRunId!;
  const trainRun = await s.tracking.getRun(trainRunId);
  const exp = trainRun.info.experimentId;
  const sweep = [];
  for (const lr of [0.01, 0.03, 0.3, 1, 3]) {
    const r = await s.tracking.createRun({ experimentId: exp, userId: 'alice', tags: [{ key: 'flywheel.sweep', value: 'fraud-lr' }] });
    await s.tracking.logBatch({ runId: r.info.runId, params: [{ key: 'lr', value: String(lr) }, { key: 'depth', value: '6' }], metrics: [{ key: 'auc', value: 0.8 + lr / 100 }] });
    sweep.push(r.info.runId);
  }
  const baseline = await s.tracking.createRun({ experimentId: exp, userId: 'alice', runName: 'logistic-baseline' });
  await s.tracking.logBatch({ runId: baseline.info.runId, metrics: [{ key: 'auc', value: 0.81 }] });
  await s.tracking.logBatch({
    runId: trainRunId,
    params: [{ key: 'lr', value: '0.1' }, { key: 'depth', value: '6' }],
    metrics: [{ key: 'auc', value: 0.93 }, { key: 'loss', value: 0.21 }, { key: 'feature_importance.f0', value: 0.4 }],
    tags: [{ key: 'flywheel.baseline_run_id', value: baseline.info.runId }],
  });
  await s.tracking.logInputs(trainRunId, input(fraudData));
  await s.registry.createRegisteredModel({ name: 'fraud', ownerTeam: 'risk', visibility: 'private', access });
  for (const dir of ['model-v1', 'model-v2']) await s.registry.createModelVersion({ name: 'fraud', source: await uploadModel(trainRun.info.artifactUri, dir), runId: trainRunId });
  await s.registry.putModelCard('fraud', '2', { intendedUse: 'score card transactions', metrics: 'AUC on the last month', ethicalConsiderations: 'no protected attributes are features', quantitativeAnalyses: [{ group: 'f9=0', metric: 'auc', value: 0.92 }, { group: 'f9=1', metric: 'auc', value: 0.9 }] }, 'alice');
  await s.registry.transitionModelCard('fraud', '2', 'PendingReview', 'alice');
  await s.registry.transitionModelCard('fraud', '2', 'Approved', 'eve');
  await s.registry.decideApproval('fraud', '2', { status: 'approved', decidedBy: 'bob' });
  await s.policies.apply({ name: 'risk-champion', scope: { team: 'risk' }, action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'metric', name: 'auc', op: '>=', threshold: 0.9 }] }, { actor: 'root' });

  const variant = (name: string, version: string, role: string, weight: number) => ({ name, model: { name: 'fraud', version }, role, weight });
  await s.deployments.create({ name: 'fraud-live', config: { variants: [variant('stable', '1', 'primary', 100)] }, createdBy: 'bob' });
  await s.deployments.update('fraud-live', { variants: [variant('stable', '1', 'primary', 100), variant('next', '2', 'canary', 0)] }, 'bob');
  await s.deployments.rollback('fraud-live', 'bob'); // the drill
  await s.deployments.update('fraud-live', { variants: [variant('stable', '1', 'primary', 100), variant('next', '2', 'canary', 0)] }, 'bob');
  await s.rollouts.start('fraud-live', { canary: 'next', steps: [{ weight: 20, hold: { seconds: 3600 } }, { weight: 100, hold: { seconds: 3600 } }], guardrails: { maxErrorRate: 0.05, maxP99LatencyMs: 1000 } }, 'bob');

  /** `n` requests of 5 rows to `deployment` inside a window of their own; returns the window and the inference ids. */
  const traffic = async (deployment: string, n: number) => {
    const since = Date.now();
    await sleep(5);
    const sent: { id: string; rows: number[][] }[] = [];
    for (let i = 0; i < n; i++) {
      const rows = Array.from({ length: 5 }, row);
      const id = `${deployment}-${i}`;
      await call('POST', `/v2/models/${deployment}/infer`, { id, inputs: [{ name: 'x', shape: [5, 10], datatype: 'FP32', data: rows }] });
      sent.push({ id, rows });
    }
    await sleep(5);
    return { since, until: Date.now() + 1, sent };
  };
  const fraudTraffic = await traffic('fraud-live', 40);
  await call('POST', '/api/v1/actuals', { actuals: fraudTraffic.sent.map((x) => ({ inferenceId: x.id, deployment: 'fraud-live', value: x.rows.map((r) => (r[1]! > 0 ? 1 : 0)) })) });
  const monitor = await s.monitors.create({ deployment: 'fraud-live', name: 'fraud-mon', reference: { dataset: 'fraud-train', version: fraudData.version }, window: '1h', inputs: { x: FEATURES }, score: { output: 'p' }, positiveLabel: 1, sensitive: 'f9' }, 'bob');
  await s.monitors.evaluate(monitor.id, { since: fraudTraffic.since, until: fraudTraffic.until });
  const wh = await call('POST', '/api/v1/webhooks', { name: 'risk-oncall', url: 'http://127.0.0.1:9/hook' });
  await s.alerts.create({ name: 'fraud-accuracy', deployment: 'fraud-live', monitorId: monitor.id, metric: 'accuracy', column: null, variant: null, group: null, condition: { op: '<', threshold: 0.01 }, window: { points: 1 }, notify: [wh.id] });
  await s.alerts.evaluate('fraud-accuracy');

  // ---- churn: all by carol, by hand
  const churnExp = await s.tracking.createExperiment({ name: 'churn' });
  const run = await s.tracking.createRun({ experimentId: churnExp, userId: 'carol' });
  const churnBaseline = await s.tracking.createRun({ experimentId: churnExp, userId: 'carol' });
  await s.tracking.logBatch({ runId: churnBaseline.info.runId, metrics: [{ key: 'auc', value: 0.7 }] });
  const tryout = await s.tracking.createRun({ experimentId: churnExp, userId: 'carol' });
  await s.tracking.logBatch({ runId: tryout.info.runId, params: [{ key: 'lr', value: '0.5' }], metrics: [{ key: 'auc', value: 0.75 }] });
  await s.tracking.logBatch({ runId: run.info.runId, params: [{ key: 'lr', value: '0.1' }], metrics: [{ key: 'auc', value: 0.8 }, { key: 'loss', value: 0.3 }], tags: [{ key: 'flywheel.baseline_run_id', value: churnBaseline.info.runId }] });
  await s.tracking.logInputs(run.info.runId, input(churnData));
  await s.registry.createRegisteredModel({ name: 'churn', ownerTeam: 'growth', visibility: 'internal', access });
  await s.registry.createModelVersion({ name: 'churn', source: await uploadModel(run.info.artifactUri, 'model'), runId: run.info.runId });
  await s.registry.putModelCard('churn', '1', { intendedUse: 'retention offers', metrics: 'AUC' }, 'carol');
  await s.deployments.create({ name: 'churn-live', config: { variants: [{ name: 'main', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }] }, createdBy: 'carol' });
  const churnTraffic = await traffic('churn-live', 20);

  // ---- lab: a version and nothing else
  await s.registry.createRegisteredModel({ name: 'lab-poc', ownerTeam: 'lab', visibility: 'internal', access });
  const labRun = await s.tracking.createRun({ experimentId: churnExp, userId: 'frank' });
  await s.registry.createModelVersion({ name: 'lab-poc', source: await uploadModel(labRun.info.artifactUri, 'model') });

  return {
    fraudMonitor: monitor.id,
    tokens,
    async addChurnMonitor() {
      const m = await s.monitors.create({ deployment: 'churn-live', name: 'churn-drift', reference: { dataset: 'churn-train', version: churnData.version }, window: '1h', inputs: { x: FEATURES }, score: { output: 'p' }, positiveLabel: 1 }, 'carol');
      await s.monitors.evaluate(m.id, { since: churnTraffic.since, until: churnTraffic.until });
    },
  };
}
