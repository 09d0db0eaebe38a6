import type { RunRecord } from '../assessment.evidence-types.js';
import type { ModelFacts } from '../assessment.types.js';

export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 5, 1);
export const WINDOW = 30 * DAY;

function run(id: string, at: number, over: Partial<RunRecord> = {}): RunRecord {
  return { runId: id, experimentId: '1', userId: 'alice', status: 'FINISHED', startTime: at - 3600_000, endTime: at, params: {}, tags: {}, metrics: {}, inputs: [], ...over };
}
const metric = (value: number, at: number) => ({ value, timestamp: at, step: 0 });

/** Nothing recorded beyond a bare, old version: every rule gives 0. */
export function emptyFacts(): ModelFacts {
  const at = NOW - 100 * DAY;
  return {
    now: NOW,
    windowMs: WINDOW,
    model: { name: 'bare', ownerTeam: null, createdAt: at, aliases: [] },
    versions: [{ model: 'bare', version: '1', createdAt: at, registeredBy: null, runId: null, signature: null, card: null, approval: { status: 'pending', decidedBy: null, decidedAt: null } }],
    version: null,
    run: null,
    versionRuns: [],
    pipelineRun: null,
    siblingRuns: [],
    baselineRun: null,
    datasets: [],
    deployments: [],
    projects: [],
    policies: [],
    attestations: [],
  };
}

/**
 * Everything a rule can ask for, automated; all times `age` before NOW. With age 1 day every rule
 * gives 1; with age 90 days most fall to 0.5 (stale), the ones that do not depend on time stay.
 */
export function automatedFacts(age = DAY): ModelFacts {
  const at = NOW - age;
  const tags = { 'flywheel.pipeline_run_id': 'p1' };
  const r1 = run('r1', at, {
    params: { lr: '0.1', depth: '6' },
    tags: { ...tags, 'flywheel.baseline_run_id': 'b1', 'mlflow.source.git.commit': 'abcdef1234567890' },
    metrics: { auc: metric(0.91, at), loss: metric(0.2, at), 'feature_importance.f0': metric(0.4, at), 'feature_cost.f0': metric(2, at), 'staleness.30d': metric(0.01, at), 'accuracy/a': metric(0.9, at), 'accuracy/b': metric(0.88, at) },
    inputs: [{ name: 'fraud-train', digest: 'd1', source: 's1' }],
  });
  const siblings = [0.01, 0.03, 0.3, 1, 3].map((lr, i) => run(`s${i}`, at - i * 1000, { params: { lr: String(lr), depth: '6' }, tags, metrics: { auc: metric(0.8 + i / 100, at) } }));
  const version = {
    model: 'fraud',
    version: '2',
    createdAt: at,
    registeredBy: null,
    runId: 'r1',
    signature: { inputs: 1, outputs: 1, source: 'onnx' },
    card: { status: 'Approved', updatedAt: at, updatedBy: 'alice', sections: ['intendedUse', 'metrics', 'ethicalConsiderations'], analysisGroups: 2 },
    approval: { status: 'approved', decidedBy: 'bob', decidedAt: at },
  };
  return {
    now: NOW,
    windowMs: WINDOW,
    model: { name: 'fraud', ownerTeam: 'risk', createdAt: at - 10 * DAY, aliases: [{ alias: 'champion', version: '2' }] },
    versions: [version],
    version,
    run: r1,
    versionRuns: [r1],
    pipelineRun: { id: 'p1', pipeline: 'fraud-train', state: 'succeeded', createdAt: at - 3600_000, finishedAt: at, steps: ['validate_data', 'train', 'test_model'].map((name) => ({ name, state: 'succeeded', finishedAt: at })) },
    siblingRuns: siblings,
    baselineRun: run('b1', at, { metrics: { auc: metric(0.8, at) } }),
    datasets: [{ name: 'fraud-train', version: 1, createdAt: at, createdBy: 'alice', columns: 10, hasProfile: true, datasheetSections: ['motivation', 'composition', 'uses'], ownerTeam: 'risk', visibility: 'private' }],
    deployments: [
      {
        name: 'fraud-live',
        revision: 3,
        createdAt: at - 5 * DAY,
        updatedAt: at,
        createdBy: 'bob',
        variants: [
          { name: 'stable', role: 'primary', weight: 90, model: 'fraud', version: '1' },
          { name: 'next', role: 'canary', weight: 10, model: 'fraud', version: '2' },
        ],
        revisions: [1, 2, 3].map((revision) => ({ revision, createdAt: at, createdBy: 'bob', models: [{ model: 'fraud', version: '2', role: 'primary' }] })),
        servesLatest: true,
        rollouts: [{ id: 'ro1', deployment: 'fraud-live', canary: 'next', state: 'completed', createdAt: at, updatedAt: at, createdBy: 'bob', guardrails: { errorRate: true, latency: true, metrics: ['accuracy'] } }],
        monitors: [{ id: 'm1', name: 'fraud-mon', deployment: 'fraud-live', createdAt: at, createdBy: 'bob', referenceDataset: { name: 'fraud-train', version: '1' }, drift: true, quality: true, fairness: true, lastEvaluatedAt: at }],
        alertRules: [{ id: 'a1', name: 'accuracy-drop', deployment: 'fraud-live', monitorId: 'm1', metric: 'accuracy', enabled: true, notifies: 1, action: null, lastEvaluatedAt: at }],
        actuals: { predictions: 1000, withActuals: 800 },
        rollbacks: [{ ts: at, actor: 'bob', action: 'deployment.rolled_back', resource: 'deployment:fraud-live' }],
      },
    ],
    projects: [{ name: 'fraud-detection', ownerTeam: 'risk', stage: 'production', createdBy: 'dana', models: ['fraud'], deployments: ['fraud-live'], successMetric: 'loss_prevented', successTarget: 1e6 }],
    policies: [{ name: 'champion-gate', action: 'model.alias_set', scopeTeam: null, conditions: ['model_card_approved', 'metric', 'fairness_gap'], createdAt: at }],
    attestations: [],
  };
}

/** Done by hand, recently: a tracked run with data and params, a draft card, a self-approval, nothing automated, not served. */
export function manualFacts(): ModelFacts {
  const at = NOW - DAY;
  const r1 = run('r1', at, { params: { lr: '0.1' }, metrics: { auc: metric(0.85, at) }, inputs: [{ name: 'churn-train', digest: 'd2', source: 's2' }] });
  const version = {
    model: 'churn',
    version: '1',
    createdAt: at,
    registeredBy: null,
    runId: 'r1',
    signature: null,
    card: { status: 'Draft', updatedAt: at, updatedBy: 'alice', sections: ['ethicalConsiderations'], analysisGroups: 0 },
    approval: { status: 'approved', decidedBy: 'alice', decidedAt: at },
  };
  return {
    ...emptyFacts(),
    model: { name: 'churn', ownerTeam: 'growth', createdAt: at, aliases: [] },
    versions: [version],
    version,
    run: r1,
    versionRuns: [r1],
    datasets: [{ name: 'churn-train', version: 1, createdAt: at, createdBy: 'alice', columns: 5, hasProfile: true, datasheetSections: ['motivation', 'composition', 'uses'], ownerTeam: 'growth', visibility: 'internal' }],
  };
}
