import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { FlywheelClient, FlywheelError, logisticRegressionOnnx, type ActiveRun, type Json } from '@flywheel/sdk';
import { Progress } from './progress.js';
import { trainLogistic, type TrainedModel } from './train.js';
import { FEATURES, shoppers, toCsv, type Shopper } from './yarnit-data.js';

export interface DemoOptions {
  url: string;
  /** A platform admin's API token: the demo creates the organization with it. */
  adminToken: string;
  /** Requests of normal traffic (drifted traffic is half of it). Default 1,500. */
  requests?: number;
  /** Progress lines go here (default stderr); `quiet` prints nothing. */
  out?: { write(s: string): boolean; isTTY?: boolean };
  quiet?: boolean;
}

export interface DemoSummary {
  suffix: string;
  project: string;
  model: string;
  deployment: string;
  experiment: string;
  dataset: string;
  monitorId: string;
  alert: string;
  users: { username: string; password: string; role: string }[];
  versions: { version: string; role: string; auc: number }[];
  refusedAlias: string;
  quality: Json;
  drift: { before: number | null; after: number | null };
  alertState: string;
  retrained: { version: string; auc: number; by: 'pipeline' | 'demo'; pipeline: string | null; pipelineRun: string | null } | null;
  gates: { to: string; passed: boolean; unmet: string[] }[];
  scorecard: { before: Json | null; after: Json | null };
  auditVerified: boolean;
}

const PEOPLE = [
  { username: 'alice', displayName: 'Alice (data scientist)', skills: ['data_scientist', 'statistician'], team: 'recsys', role: 'maintainer' },
  { username: 'bob', displayName: 'Bob (ML engineer)', skills: ['ml_engineer', 'software_engineer', 'devops'], team: 'recsys', role: 'member' },
  { username: 'carol', displayName: 'Carol (product owner)', skills: ['product_owner', 'domain_expert'], team: 'recsys', role: 'member' },
  { username: 'dan', displayName: 'Dan (data engineer)', skills: ['data_engineer'], team: 'data-platform', role: 'maintainer' },
  { username: 'erin', displayName: 'Erin (ML Center of Excellence)', skills: ['research_scientist', 'statistician', 'security'], team: 'ml-coe', role: 'admin', isAdmin: true },
] as const;

/** The `flywheel` CLI as a pipeline step runs it: this installation's built bin, or its sources through tsx. */
function cliArgv(): string[] {
  const source = import.meta.url.endsWith('.ts');
  const bin = fileURLToPath(new URL(source ? '../bin.ts' : '../bin.js', import.meta.url));
  return source ? [process.execPath, '--conditions=flywheel-source', '--import', import.meta.resolve('tsx'), bin] : [process.execPath, bin];
}

const isCode = (e: unknown, ...codes: string[]) => e instanceof FlywheelError && codes.includes(e.code);

async function ignoreExisting<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isCode(e, 'ALREADY_EXISTS', 'RESOURCE_ALREADY_EXISTS', 'CONFLICT')) return undefined;
    throw e;
  }
}

/**
 * The whole flywheel on one server, as YarnIt would live it: an organization with a Center of
 * Excellence policy, a project through its gates, a model trained in TypeScript and exported to
 * ONNX, governance, an A/B deployment with a shadow, traffic, late actuals, monitoring, a drift
 * that fires an alert, retraining, and the audit trail. Each step is a call a user could make.
 */
export async function runYarnItDemo(o: DemoOptions): Promise<DemoSummary> {
  const admin = new FlywheelClient({ url: o.url, token: o.adminToken });
  const progress = new Progress(15, o.out ?? process.stderr, o.quiet);
  const nRequests = o.requests ?? 1500;

  // Pipeline steps get no per-run token yet: on a server that requires credentials the demo retrains itself.
  const anonymousMode = (await admin.request<{ anonymous: string }>('GET', '/api/v1/auth/session')).anonymous;
  const retrainByPipeline = anonymousMode === 'full';
  // A second run on the same server gets its own project, model and deployment names.
  const existing = (await admin.projects.list()).map((p) => String(p.name));
  let suffix = '';
  for (let i = 2; existing.includes(`yarn-reorder${suffix}`); i++) suffix = `-${i}`;
  const names = {
    project: `yarn-reorder${suffix}`,
    model: `yarn-reorder${suffix}`,
    deployment: `yarn-reorder${suffix}`,
    experiment: `yarn-reorder${suffix}`,
    dataset: 'yarnit-orders',
    alert: `yarn-reorder${suffix}-drift`,
    retrain: `yarn-reorder${suffix}-retrain`,
    policy: 'coe-champion-gate',
  };

  // Set by steps, read by later ones.
  let datasetVersion = 0;
  let auditVerified = false;
  const users: DemoSummary['users'] = [];
  const as: Record<string, FlywheelClient> = {};
  await progress.step('Organization: teams recsys, data-platform and the ML Center of Excellence; five people with their skills', async (note) => {
    for (const t of [
      { name: 'ml-coe', description: 'ML Center of Excellence: policies, reviews, standards' },
      { name: 'recsys', description: 'Recommendations: the product-embedded ML team' },
      { name: 'data-platform', description: 'Data engineering: owns the order data' },
    ]) await ignoreExisting(admin.request('POST', '/api/v1/teams', { json: t }));
    for (const p of PEOPLE) {
      const password = `yarnit-${randomBytes(9).toString('base64url')}`;
      const created = await ignoreExisting(admin.request('POST', '/api/v1/users', { json: { username: p.username, password, displayName: p.displayName, skills: [...p.skills], isAdmin: 'isAdmin' in p } }));
      // A re-run: the person exists; give them a fresh password so the demo can act as them.
      if (!created) await admin.request('PATCH', `/api/v1/users/${p.username}`, { json: { skills: [...p.skills] } });
      if (!created) await admin.request('POST', `/api/v1/users/${p.username}/password`, { json: { newPassword: password } });
      await admin.request('PUT', `/api/v1/teams/${p.team}/members/${p.username}`, { json: { role: p.role } });
      const login = await admin.request<{ token: { token: string } }>('POST', '/api/v1/auth/login', { json: { username: p.username, password, issue: 'token', tokenName: 'yarnit-demo', expiresInDays: 30 } });
      as[p.username] = new FlywheelClient({ url: o.url, token: login.token.token });
      users.push({ username: p.username, password, role: `${p.role} of ${p.team}` });
    }
    note(`people: ${PEOPLE.map((p) => `${p.username} (${p.team})`).join(', ')}`);
  });
  const alice = as.alice!;
  const bob = as.bob!;
  const carol = as.carol!;
  const dan = as.dan!;
  const erin = as.erin!;

  await progress.step("Center of Excellence policy: 'champion' needs an approved model card, AUC ≥ 0.7 and a reviewer other than the author", async (note) => {
    await erin.request('POST', '/api/v1/policies', {
      json: {
        name: names.policy,
        scope: {},
        action: 'model.alias_set',
        alias: 'champion',
        conditions: [{ type: 'model_card_approved' }, { type: 'reviews', min: 1, excludeAuthor: true }, { type: 'metric', name: 'auc', op: '>=', threshold: 0.7 }],
      },
    }).catch(async (e: unknown) => {
      if (!isCode(e, 'ALREADY_EXISTS', 'CONFLICT')) throw e;
    });
    note(`policy ${names.policy} (organization-wide)`);
  });

  const gates: DemoSummary['gates'] = [];
  const moveProject = async (client: FlywheelClient, to: string) => {
    try {
      await client.projects.moveTo(names.project, to, 'YarnIt demo');
      gates.push({ to, passed: true, unmet: [] });
      return true;
    } catch (e) {
      const checklist = (e as FlywheelError).details as { checklist?: { conditions: { key: string; passed: boolean }[] } } | undefined;
      const unmet = checklist?.checklist?.conditions.filter((c) => !c.passed).map((c) => c.key) ?? [(e as Error).message];
      gates.push({ to, passed: false, unmet });
      return false;
    }
  };
  await progress.step(`Project ${names.project}: the business case, then the POC gate`, async (note) => {
    await carol.projects.create({
      name: names.project,
      description: 'Remind shoppers who are likely to re-order yarn within 30 days.',
      ownerTeam: 'recsys',
      pocEndDate: Date.now() + 30 * 86_400_000,
      businessCase: {
        businessChallenge: 'Re-order reminders go to every shopper; most ignore them and some unsubscribe.',
        currentBaseline: 'Everyone gets the reminder: 11% of reminded shoppers re-order.',
        businessValue: 'Fewer, better-aimed reminders: +2% re-orders, −40% reminder e-mails.',
        usersAndUsage: 'The CRM team sends reminders to shoppers whose score is above a threshold, daily.',
        successMetric: 'reorder_rate_of_reminded',
        successTarget: 0.15,
        successDirection: 'higher',
        coreTeam: 'alice (data science), bob (ML engineering), carol (product), dan (data)',
        dataExists: true,
        dataLabeled: true,
        timeline: 'POC 4 weeks, pilot 4 weeks',
        budget: '2 engineers for 8 weeks; compute under 50 EUR/month',
        decision: 'Whether a shopper gets a re-order reminder today.',
        costOfErrors: 'A missed re-order is lost revenue; a needless reminder risks an unsubscribe.',
        riskRating: 'low',
      },
    });
    await moveProject(carol, 'poc');
    note(`stage: ${(await carol.projects.get(names.project)).stage as string}`);
  });

  const train = shoppers(4000, 11);
  const valid = shoppers(1000, 12);
  await progress.step(`Data: dan registers ${train.length.toLocaleString('en')} labelled orders as dataset ${names.dataset} (profiled, owned by data-platform, internal)`, async (note) => {
    const r = await dan.request<{ created: boolean; version: { version: number; contentHash: string } }>('POST', `/api/v1/datasets/${names.dataset}/versions`, {
      query: { format: 'csv', filename: 'orders.csv', sourceUri: 'warehouse://yarnit/orders/2026-11', ownerTeam: 'data-platform', visibility: 'internal' },
      body: toCsv(train),
      headers: { 'content-type': 'text/csv' },
      idempotent: true,
    });
    note(`${names.dataset} version ${r.version.version} (${r.created ? 'new' : 'already registered'}, sha256 ${r.version.contentHash.slice(0, 12)}…)`);
    return r.version.version;
  }).then((v) => (datasetVersion = v));

  const versions: DemoSummary['versions'] = [];
  const trainAndRegister = async (role: string, opts: { features?: number[]; epochs: number; l2: number; baselineRunId?: string }, data: Shopper[]): Promise<{ version: string; runId: string; model: TrainedModel }> => {
    const run: ActiveRun = await alice.tracking.startRun({
      experiment: names.experiment,
      runName: `${role}-${opts.features ? `${opts.features.length}f` : 'all'}-l2-${opts.l2}`,
      params: { algorithm: 'logistic_regression', epochs: opts.epochs, l2: opts.l2, features: (opts.features ?? FEATURES.map((_, i) => i)).map((i) => FEATURES[i]).join(' '), learning_rate: 0.5 },
      tags: { 'flywheel.owner_team': 'recsys', role, ...(opts.baselineRunId ? { 'flywheel.baseline_run_id': opts.baselineRunId } : {}) },
    });
    await alice.request('POST', '/api/2.0/mlflow/runs/log-inputs', {
      json: { run_id: run.runId, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: names.dataset, digest: String(datasetVersion), source_type: 'flywheel', source: `flywheel-datasets:/${names.dataset}/${datasetVersion}` } }] },
      idempotent: true,
    });
    const model = trainLogistic(data, valid, { epochs: opts.epochs, learningRate: 0.5, l2: opts.l2, features: opts.features, onEpoch: (e, m) => run.logMetrics({ train_loss: m.loss, val_auc: m.auc }, e) });
    run.logMetrics(model.metrics, opts.epochs);
    await run.logArtifact('model/model.onnx', logisticRegressionOnnx({ weights: model.weights, bias: model.bias, featureNames: [...FEATURES] }));
    await run.end();
    const mv = await alice.models.register(names.model, `${run.artifactUri}/model`, { runId: run.runId, description: `${role}: logistic regression, AUC ${model.metrics.auc.toFixed(3)}` });
    versions.push({ version: mv.version, role, auc: model.metrics.auc });
    return { version: mv.version, runId: run.runId, model };
  };
  let champion = '';
  let challenger = '';
  let challengerRun = '';
  let shadow = '';
  await progress.step('Training in TypeScript: a champion, a challenger and a shadow candidate, tracked as MLflow runs and exported to ONNX', async (note) => {
    await ignoreExisting(alice.request('POST', '/api/2.0/mlflow/registered-models/create', { json: { name: names.model, tags: [{ key: 'flywheel.owner_team', value: 'recsys' }], description: 'Will a YarnIt shopper re-order within 30 days?' } }));
    champion = (await trainAndRegister('champion', { epochs: 120, l2: 0.001 }, train)).version;
    const c = await trainAndRegister('challenger', { epochs: 120, l2: 0.001, features: [0, 1, 3, 6] }, train);
    challenger = c.version;
    challengerRun = c.runId;
    shadow = (await trainAndRegister('shadow', { epochs: 60, l2: 0.05 }, train)).version;
    for (const v of versions) note(`version ${v.version} (${v.role}): validation AUC ${v.auc.toFixed(3)}`);
    await carol.request('PATCH', `/api/v1/projects/${names.project}`, { json: { models: [{ name: names.model, version: champion }] } });
  });

  const scorecard: DemoSummary['scorecard'] = { before: null, after: null };
  const assess = async (): Promise<Json | null> => {
    try {
      return await erin.request<Json>('POST', `/api/v1/assessment/models/${encodeURIComponent(names.model)}`, { json: {} });
    } catch (e) {
      if (e instanceof FlywheelError && e.status === 404 && /No route/.test(e.message)) return null;
      throw e;
    }
  };
  await progress.step('Scorecard before production (ML Test Score, computed from the evidence recorded so far)', async (note) => {
    scorecard.before = await assess();
    note(scorecard.before ? `ML Test Score: ${scoreLine(scorecard.before)}` : 'the assessment API is not available on this server');
  });

  let refusedAlias = '';
  await progress.step("Governance: a model card, a review by the Center of Excellence, and the 'champion' alias through the policy", async (note) => {
    try {
      await bob.models.setAlias(names.model, 'champion', challenger);
      refusedAlias = 'not refused';
    } catch (e) {
      refusedAlias = (e as Error).message;
      note(`bob's 'champion' on unreviewed version ${challenger} was refused: ${refusedAlias.slice(0, 160)}${refusedAlias.length > 160 ? '…' : ''}`);
    }
    await reviewVersion(champion, `${names.dataset} version ${datasetVersion}: 4,000 orders.`);
    await bob.models.setAlias(names.model, 'champion', champion);
    note(`version ${champion}: card Approved, approved by erin, alias 'champion' set by bob`);
  });

  /** alice documents a version, erin (the Center of Excellence) reviews the card and approves the version. */
  async function reviewVersion(version: string, trainingData: string): Promise<void> {
    const m = versions.find((v) => v.version === version)!;
    await alice.models.putCard(names.model, version, {
      card: {
        modelDetails: 'Logistic regression on 8 order features, trained by alice (recsys) with the Flywheel TypeScript SDK; exported to ONNX.',
        intendedUse: 'Rank YarnIt shoppers for re-order reminders (CRM, daily batch and real-time).',
        outOfScopeUses: 'Credit, pricing or any decision about an individual beyond a reminder e-mail.',
        factors: 'New vs returning shoppers; wool vs other fibres.',
        metrics: `Validation AUC ${m.auc.toFixed(3)}; decision threshold 0.5.`,
        evaluationData: 'Held-out orders the model did not train on.',
        trainingData,
        ethicalConsiderations: 'No protected attributes are used; reminders can be switched off by the shopper.',
        caveats: 'Trained on returning shoppers: a surge of new shoppers will move the inputs (watch the drift monitor).',
        riskRating: 'low',
      },
    });
    await alice.models.setCardStatus(names.model, version, { status: 'PendingReview' });
    await erin.models.setCardStatus(names.model, version, { status: 'Approved' });
    await erin.models.approve(names.model, version, { status: 'approved', reason: 'Card complete, metrics verified on the held-out set.' });
  }

  await progress.step(`Deployment ${names.deployment}: A/B 80/20 champion vs challenger, plus a shadow (sticky per shopper)`, async (note) => {
    const config = {
      routingKey: { header: 'x-shopper-id' },
      variants: [
        { name: 'champion', role: 'primary', model: { name: names.model, version: champion }, weight: 80 },
        { name: 'challenger', role: 'primary', model: { name: names.model, version: challenger }, weight: 20 },
        { name: 'shadow', role: 'shadow', model: { name: names.model, version: shadow }, weight: 0, sample: 1 },
      ],
    };
    await bob.deployments.create(names.deployment, config);
    await carol.request('PATCH', `/api/v1/projects/${names.project}`, { json: { deployments: [names.deployment] } });
    note('variants: champion 80%, challenger 20%, shadow mirrored');
  });

  let monitorId = '';
  await progress.step('Monitoring: drift against the training data, model quality per variant, and a drift alert', async (note) => {
    const m = await bob.monitoring.createMonitor({
      deployment: names.deployment,
      name: `${names.deployment} quality and drift`,
      reference: { dataset: names.dataset, version: datasetVersion },
      window: '1h',
      inputs: { x: [...FEATURES] },
      score: { output: 'p', index: 0 },
      task: 'classification',
      positiveLabel: 1,
    });
    monitorId = String(m.id);
    if (retrainByPipeline) {
      await alice.request('POST', '/api/v1/pipelines', {
        query: { ownerTeam: 'recsys', project: names.project },
        json: {
          name: names.retrain,
          description: `Retrain ${names.model} on recent orders and register a new version (started by the drift alert).`,
          steps: [{ name: 'retrain', command: [...cliArgv(), 'demo-retrain', '--model', names.model, '--baseline-run', challengerRun], inputs: [{ dataset: names.dataset, version: 'latest' }], outputs: [{ name: 'model', kind: 'model' }], timeoutSeconds: 600, retries: { max: 1, backoffMs: 1000 } }],
        },
      });
    }
    await bob.request('POST', '/api/v1/alerts', {
      json: {
        name: names.alert,
        deployment: names.deployment,
        monitorId,
        metric: 'drift_share',
        column: null,
        variant: null,
        group: null,
        condition: { op: '>', threshold: 0.3 },
        window: { points: 1 },
        aggregation: 'latest',
        minSampleSize: 100,
        cooldownSeconds: 60,
        intervalSeconds: 60,
        severity: 'warning',
        ...(retrainByPipeline ? { action: { type: 'run_pipeline', params: { pipeline: names.retrain } } } : {}),
      },
    });
    note(`monitor ${monitorId}; alert '${names.alert}' when more than 30% of the features drift${retrainByPipeline ? `, which starts the pipeline ${names.retrain}` : ''}`);
  });

  const send = async (rows: Shopper[], firstId: number) => {
    const sent: { id: string; y: number }[] = [];
    const client = new FlywheelClient({ url: o.url, token: o.adminToken });
    let next = 0;
    // A few callers at once, as a web shop's servers would be.
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < rows.length) {
        const i = next++;
        const r = rows[i]!;
        const out = await client.deployments.infer(names.deployment, [{ name: 'x', shape: [1, FEATURES.length], datatype: 'FP32', data: r.x }], { id: `yarnit-${firstId + i}`, headers: { 'x-shopper-id': `shopper-${(firstId + i) % 5000}` } });
        sent.push({ id: String(out.id), y: r.y });
      }
    }));
    return sent;
  };

  let quality: Json = {};
  let driftBefore: number | null = null;
  const windowStart = Date.now() - 1000;
  await progress.step(`Traffic: ${nRequests.toLocaleString('en')} shoppers scored; ground truth arrives late (90% of them), then the monitor evaluates`, async (note) => {
    const sent = await send(shoppers(nRequests, 21), 0);
    const late = sent.filter((_, i) => i % 10 !== 0);
    for (let i = 0; i < late.length; i += 1000) await bob.monitoring.actuals(late.slice(i, i + 1000).map((s) => ({ inferenceId: s.id, value: s.y, deployment: names.deployment })));
    const report = await bob.monitoring.evaluate(monitorId, { since: windowStart, until: Date.now() });
    const overall = report.overall as Json | null;
    quality = (overall?.model_quality as Json | null) ?? {};
    driftBefore = num(overall?.dataset_drift as Json | undefined, 'drift_share');
    note(`${sent.length} predictions logged, ${late.length} actuals joined; AUC ${fmt(num(quality, 'roc_auc'))}, drift share ${fmt(driftBefore)}`);
  });

  await progress.step('Project gates: pilot, then production (approved model, approved card, monitoring, skills)', async (note) => {
    await moveProject(carol, 'pilot');
    await moveProject(carol, 'production');
    for (const g of gates.slice(-2)) note(`${g.to}: ${g.passed ? 'passed' : `blocked by ${g.unmet.join(', ')}`}`);
  });

  let driftAfter: number | null = null;
  let alertState = 'unknown';
  const driftStart = Date.now();
  await progress.step('A marketing push brings new shoppers at higher prices: drifted traffic, the monitor and the alert', async (note) => {
    const rows = shoppers(Math.ceil(nRequests / 2), 31, { drift: true });
    const sent = await send(rows, nRequests);
    await bob.monitoring.actuals(sent.map((s) => ({ inferenceId: s.id, value: s.y, deployment: names.deployment })));
    // The data team's nightly export now holds the new shoppers too: the next version of the orders.
    const recentOrders = [...shoppers(2500, 41 + suffix.length, { drift: true }), ...shoppers(2500, 42 + suffix.length)];
    const v2 = await dan.request<{ version: { version: number } }>('POST', `/api/v1/datasets/${names.dataset}/versions`, {
      query: { format: 'csv', filename: 'orders-recent.csv', sourceUri: 'warehouse://yarnit/orders/recent' },
      body: toCsv(recentOrders),
      headers: { 'content-type': 'text/csv' },
      idempotent: true,
    });
    note(`${names.dataset} version ${v2.version.version}: ${recentOrders.length.toLocaleString('en')} recent orders`);
    const report = await bob.monitoring.evaluate(monitorId, { since: driftStart, until: Date.now() });
    driftAfter = num((report.overall as Json | null)?.dataset_drift as Json | undefined, 'drift_share');
    const ev = await bob.request<Json>('POST', `/api/v1/alerts/${encodeURIComponent(names.alert)}/evaluate`, { json: {} });
    // The rule only looks at windows that have ended: the evaluation above ended now.
    alertState = ev.transition === 'fired' ? 'firing' : String(ev.outcome);
    note(`drift share ${fmt(driftAfter)} → alert ${alertState}`);
  });

  let retrained: DemoSummary['retrained'] = null;
  await progress.step(retrainByPipeline ? `The alert started pipeline ${names.retrain}: retraining on recent orders, a new version with its lineage` : 'Retraining on recent orders after the drift (a new version with its lineage)', async (note) => {
    if (!retrainByPipeline) {
      const recent = [...shoppers(2000, 41, { drift: true }), ...shoppers(2000, 42)];
      const r = await trainAndRegister('retrained', { epochs: 120, l2: 0.001, baselineRunId: challengerRun }, recent);
      retrained = { version: r.version, auc: r.model.metrics.auc, by: 'demo', pipeline: null, pipelineRun: null };
      note(`pipeline steps cannot log in on this server (anonymous access is ${anonymousMode}), so the demo retrained itself: version ${r.version}, AUC ${r.model.metrics.auc.toFixed(3)}`);
      return;
    }
    const deadline = Date.now() + 300_000;
    let run: Json | undefined;
    for (;;) {
      const runs = (await alice.request<{ runs: Json[] }>('GET', `/api/v1/pipelines/${encodeURIComponent(names.retrain)}/runs`)).runs;
      run = runs[0];
      if (run && ['succeeded', 'failed', 'cancelled'].includes(String(run.state))) break;
      if (Date.now() > deadline) throw new Error(`pipeline ${names.retrain} did not finish within 5 minutes (state: ${String(run?.state ?? 'not started')})`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const full = await alice.request<Json>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(String(run.id))}`);
    const step = (full.steps as { name: string; state: string; error: string | null; mlflowRunId: string | null; outputs: Record<string, { kind: string; versions?: { version: number }[] }> | null }[])[0]!;
    if (full.state !== 'succeeded') throw new Error(`pipeline ${names.retrain} run ${String(full.id)} ${String(full.state)}: ${step.error ?? String(full.error)}`);
    const version = String(step.outputs?.model?.versions?.[0]?.version ?? '');
    const mlRun = await alice.runs.get(step.mlflowRunId!);
    const auc = mlRun.data.metrics.find((x) => x.key === 'auc')?.value ?? NaN;
    versions.push({ version, role: 'retrained', auc });
    retrained = { version, auc, by: 'pipeline', pipeline: names.retrain, pipelineRun: String(full.id) };
    note(`run ${String(full.id)} (cause: ${JSON.stringify((full.cause as Json).kind)}), ${step.outputs ? 'model output' : 'no output'}: version ${version}, AUC ${auc.toFixed(3)}`);
  });

  await progress.step('Review of the retrained version: its card and the Center of Excellence approval; alias "challenger" for the next canary', async (note) => {
    const v = retrained!.version;
    await reviewVersion(v, `${names.dataset}, the latest version: recent orders of new and returning shoppers.`);
    await bob.models.setAlias(names.model, 'challenger', v);
    note(`version ${v}: card Approved, approved by erin, alias 'challenger' — next: flywheel deploy rollout start ${names.deployment} --canary …`);
  });

  await progress.step('Scorecard after, and the audit trail verified', async (note) => {
    scorecard.after = await assess();
    if (scorecard.after) note(`ML Test Score: ${scoreLine(scorecard.after)}`);
    const v = await erin.audit.verify();
    note(`audit chain: ${v.ok === true || v.valid === true ? 'verified' : JSON.stringify(v).slice(0, 120)}`);
    auditVerified = v.ok === true || v.valid === true;
  });

  return {
    suffix,
    ...names,
    monitorId,
    users,
    versions,
    refusedAlias,
    quality,
    drift: { before: driftBefore, after: driftAfter },
    alertState,
    retrained,
    gates,
    scorecard,
    auditVerified,
  };
}

function num(o: Json | undefined, key: string): number | null {
  const v = o?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(3);
}

/** `1.5 — first pass at basic productionization (features & data 2, model 1.5, infrastructure 2.5, monitoring 3)`. */
export function scoreLine(s: Json): string {
  const band = s.band as { meaning?: string } | undefined;
  const sections = (s.sections as { name: string; score: number }[] | undefined) ?? [];
  return `${String(s.final)}${band?.meaning ? ` — ${band.meaning}` : ''}${sections.length ? ` (${sections.map((x) => `${x.name.toLowerCase()} ${x.score}`).join(', ')})` : ''}`;
}
