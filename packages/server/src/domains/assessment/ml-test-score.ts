import type { RunRecord } from './assessment.evidence-types.js';
import { SECTIONS, SECTION_NAMES, type Attestation, type Band, type DeploymentFacts, type EvidenceRef, type ModelFacts, type RuleOutcome, type SectionId, type SectionResult, type TestResult } from './assessment.types.js';

/**
 * The 28 tests of Breck et al., "The ML Test Score: A Rubric for ML Production Readiness and
 * Technical Debt Reduction" (IEEE Big Data 2017), each a rule over what the platform recorded.
 * A rule gives 1 only for automated evidence inside the recency window; 0.5 for evidence made by
 * hand (or automated but stale); 0 for none. An attestation lifts a test to at most 0.5.
 * README.md lists every rule in words.
 */
export interface TestDefinition {
  id: string;
  section: SectionId;
  /** the paper's name of the test */
  name: string;
  rule: (f: ModelFacts) => RuleOutcome;
}

const DAY = 86_400_000;
const recent = (f: ModelFacts, at: number | null | undefined): at is number => typeof at === 'number' && f.now - at <= f.windowMs;
const days = (f: ModelFacts) => Math.round(f.windowMs / DAY);
const when = (at: number | null | undefined) => (typeof at === 'number' ? new Date(at).toISOString().slice(0, 10) : 'never');

const none = (why: string, raise: string, evidence: EvidenceRef[] = []): RuleOutcome => ({ score: 0, basis: 'none', evidence, why, raise });
const half = (why: string, raise: string, evidence: EvidenceRef[]): RuleOutcome => ({ score: 0.5, basis: 'manual', evidence, why, raise });
const full = (why: string, evidence: EvidenceRef[]): RuleOutcome => ({ score: 1, basis: 'automated', evidence, why, raise: null });

const runRef = (r: RunRecord, kind = 'run'): EvidenceRef => ({ kind, ref: `run:${r.runId}`, detail: `run by ${r.userId || 'unknown'} in experiment ${r.experimentId}`, at: r.endTime ?? r.startTime });
const runAt = (r: RunRecord) => r.endTime ?? r.startTime;
/** the training was run by a pipeline (its run carries the executor's tag and the pipeline run is known) */
const automatedTraining = (f: ModelFacts) => f.pipelineRun !== null;
const pipelineRef = (f: ModelFacts): EvidenceRef[] => (f.pipelineRun ? [{ kind: 'pipeline_run', ref: `pipeline:${f.pipelineRun.pipeline}/run:${f.pipelineRun.id}`, detail: `pipeline run ${f.pipelineRun.state}`, at: f.pipelineRun.finishedAt ?? f.pipelineRun.createdAt }] : []);
const served = (f: ModelFacts): DeploymentFacts[] => f.deployments;
const lastEval = (d: DeploymentFacts) => Math.max(-Infinity, ...d.monitors.map((m) => m.lastEvaluatedAt ?? -Infinity));
const monitorRef = (d: DeploymentFacts) => d.monitors.map((m): EvidenceRef => ({ kind: 'monitor', ref: `monitor:${m.id}`, detail: `monitor '${m.name}' on ${d.name}${m.referenceDataset ? ` against dataset ${m.referenceDataset.name}/${m.referenceDataset.version}` : ''}, last evaluated ${when(m.lastEvaluatedAt)}`, at: m.lastEvaluatedAt }));

/** A test whose evidence is a family of metrics on the training run (feature importance, cost, staleness). */
function runMetricRule(pattern: RegExp, what: string, raise: string) {
  return (f: ModelFacts): RuleOutcome => {
    if (!f.run) return none('the newest version has no training run recorded', `register the version from a tracked run, then ${raise}`);
    const keys = Object.keys(f.run.metrics).filter((k) => pattern.test(k));
    if (keys.length === 0) return none(`the training run logged no ${what} metric`, raise);
    const ev = [{ ...runRef(f.run), detail: `${what}: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ` (+${keys.length - 5})` : ''}` }, ...pipelineRef(f)];
    if (automatedTraining(f) && recent(f, runAt(f.run))) return full(`${what} computed by the training pipeline within ${days(f)} days`, ev);
    return half(`${what} logged ${automatedTraining(f) ? `by a pipeline run older than ${days(f)} days` : 'by a hand-run training run'}`, `compute ${what} in the training pipeline and run it within ${days(f)} days`, ev);
  };
}

/** Pipeline steps whose names say they validate data or features, or test the model code. */
const DATA_TEST_STEP = /(data|feature|schema|valid|expect|check)/i;
const CODE_TEST_STEP = /(test|unit)/i;
function stepRule(pattern: RegExp, what: string) {
  return (f: ModelFacts): RuleOutcome => {
    if (!f.pipelineRun) return none('the model was not trained by a pipeline, so no test step ran with it', `train it with a pipeline that has a ${what} step (a step named like ${pattern.source})`);
    const steps = f.pipelineRun.steps.filter((s) => pattern.test(s.name));
    const passed = steps.filter((s) => s.state === 'succeeded');
    if (passed.length === 0) return none(steps.length ? `the ${what} step(s) ${steps.map((s) => s.name).join(', ')} did not succeed` : `pipeline '${f.pipelineRun.pipeline}' has no ${what} step`, `add a ${what} step to pipeline '${f.pipelineRun.pipeline}' and make it pass`, pipelineRef(f));
    const at = Math.max(...passed.map((s) => s.finishedAt ?? 0));
    const ev = [...pipelineRef(f), ...passed.map((s): EvidenceRef => ({ kind: 'pipeline_step', ref: `pipeline_run:${f.pipelineRun!.id}/step:${s.name}`, detail: `step '${s.name}' succeeded`, at: s.finishedAt }))];
    if (recent(f, at)) return full(`${what} step passed in the pipeline run that trained this version`, ev);
    return half(`${what} step passed, but more than ${days(f)} days ago`, `re-run pipeline '${f.pipelineRun.pipeline}'`, ev);
  };
}

const QUALITY_METRIC = /^(accuracy|auc|roc_auc|f1|precision|recall|log_loss|logloss|brier|rmse|mae|mse|r2|mape)/i;

export const TESTS: readonly TestDefinition[] = [
  // ---- Features and Data --------------------------------------------------------------------
  {
    id: 'data-1',
    section: 'data',
    name: 'Feature expectations are captured in a schema',
    rule(f) {
      const withSchema = f.datasets.filter((d) => d.columns !== null);
      const ev: EvidenceRef[] = withSchema.map((d) => ({ kind: 'dataset_schema', ref: `dataset:${d.name}/${d.version}`, detail: `schema of ${d.columns} columns`, at: d.createdAt }));
      if (f.version?.signature) ev.push({ kind: 'signature', ref: `model:${f.model.name}/${f.version.version}/signature`, detail: `signature (${f.version.signature.source}): ${f.version.signature.inputs} inputs`, at: f.version.createdAt });
      if (ev.length === 0) return none('no schema: the training data is not a registered dataset version and the version has no signature', 'log the training data as a registered dataset version (its schema is inferred) on the training run');
      const enforcing = served(f).filter((d) => recent(f, lastEval(d)));
      if (withSchema.length && enforcing.length) return full('the training data has a schema and a monitor checked serving inputs against it within the window', [...ev, ...enforcing.flatMap(monitorRef)]);
      return half('a schema exists but nothing checked serving inputs against it recently', `add a monitor on the model's deployment (data quality checks the schema) and let it evaluate within ${days(f)} days`, ev);
    },
  },
  {
    id: 'data-2',
    section: 'data',
    name: 'All features are beneficial',
    rule: runMetricRule(/^(feature_importance|importance|shap|permutation_importance|ablation)([._/]|$)/i, 'feature importance', "log each feature's importance (metrics feature_importance.<feature>) from the training pipeline"),
  },
  {
    id: 'data-3',
    section: 'data',
    name: "No feature's cost is too much",
    rule: runMetricRule(/^(feature_cost|feature_latency)([._/]|$)/i, 'feature cost', 'log each feature\'s cost (metrics feature_cost.<feature>: latency, compute or money) from the training pipeline'),
  },
  {
    id: 'data-4',
    section: 'data',
    name: 'Features adhere to meta-level requirements',
    rule(f) {
      const sheets = f.datasets.filter((d) => d.datasheetSections.length >= 3);
      if (sheets.length === 0) return none('no datasheet (3+ sections) on the training data documents what the features may be used for', 'write the datasheet of the training dataset version (motivation, composition, uses …)');
      const ev: EvidenceRef[] = sheets.map((d) => ({ kind: 'datasheet', ref: `dataset:${d.name}/${d.version}/datasheet`, detail: `datasheet sections: ${d.datasheetSections.join(', ')}`, at: d.createdAt }));
      const gate = f.policies.filter((p) => p.action === 'model.alias_set');
      if (gate.length) return full('the training data is documented and promotions are checked by an enforced policy', [...ev, ...gate.map((p): EvidenceRef => ({ kind: 'policy', ref: `policy:${p.name}`, detail: `enforced on ${p.action}: ${p.conditions.join(', ')}`, at: p.createdAt }))]);
      return half('the training data is documented, but no enforced policy checks requirements automatically', 'apply a Center-of-Excellence policy on model.alias_set for this model', ev);
    },
  },
  {
    id: 'data-5',
    section: 'data',
    name: 'The data pipeline has appropriate privacy controls',
    rule(f) {
      if (f.datasets.length === 0) return none('the training data is not a registered dataset, so no access control covers it', 'register the training data as a dataset owned by a team');
      const ev = f.datasets.map((d): EvidenceRef => ({ kind: 'dataset_access', ref: `dataset:${d.name}`, detail: `owner ${d.ownerTeam ?? '(none)'}, ${d.visibility}`, at: d.createdAt }));
      if (f.datasets.every((d) => d.ownerTeam !== null && d.visibility === 'private')) return full('every training dataset is private to its owner team; the platform checks access on every read', ev);
      if (f.datasets.every((d) => d.ownerTeam !== null)) return half('the training data is owned but readable by every signed-in user (internal)', 'make the training datasets private to their owner team', ev);
      return none('some training data has no owner team', 'give every training dataset an owner team and make it private', ev);
    },
  },
  {
    id: 'data-6',
    section: 'data',
    name: 'New features can be added quickly',
    rule(f) {
      if (!f.pipelineRun) return none('training is not automated: a new feature needs someone to re-run training by hand', 'train the model with a pipeline (a new dataset version then flows to a new model version)');
      if (f.pipelineRun.state === 'succeeded' && recent(f, f.pipelineRun.finishedAt)) return full('the training pipeline ran end to end within the window', pipelineRef(f));
      return half(`the training pipeline's last run that produced this model is ${f.pipelineRun.state}, ${when(f.pipelineRun.finishedAt)}`, `run pipeline '${f.pipelineRun.pipeline}' again (within ${days(f)} days)`, pipelineRef(f));
    },
  },
  { id: 'data-7', section: 'data', name: 'All input feature code is tested', rule: stepRule(DATA_TEST_STEP, 'data/feature validation') },

  // ---- Model Development -----------------------------------------------------------------------
  {
    id: 'model-1',
    section: 'model',
    name: 'Model specs are reviewed and submitted',
    rule(f) {
      const v = f.version;
      if (!v) return none('no model version', 'register a version');
      const ev: EvidenceRef[] = [];
      if (v.card) ev.push({ kind: 'model_card', ref: `model:${v.model}/${v.version}/card`, detail: `model card ${v.card.status}${v.card.updatedBy ? ` (by ${v.card.updatedBy})` : ''}`, at: v.card.updatedAt });
      if (v.approval.status !== 'pending') ev.push({ kind: 'approval', ref: `model:${v.model}/${v.version}/approval`, detail: `${v.approval.status} by ${v.approval.decidedBy}`, at: v.approval.decidedAt });
      if (ev.length === 0) return none('no model card and no review decision on the newest version', 'write the model card and have a reviewer approve the version');
      const author = v.registeredBy ?? f.run?.userId ?? null;
      const independent = v.approval.status === 'approved' && v.approval.decidedBy !== null && v.approval.decidedBy !== author;
      if (v.card?.status === 'Approved' && independent && recent(f, v.approval.decidedAt)) return full('model card approved and the version approved by a reviewer other than its author, within the window', ev);
      return half(
        v.card?.status === 'Approved' && independent ? 'reviewed, but more than the recency window ago' : 'specs documented but not reviewed through the workflow (card Approved + approval by someone other than the author)',
        'move the model card to Approved and have another person approve the version',
        ev,
      );
    },
  },
  {
    id: 'model-2',
    section: 'model',
    name: 'Offline and online metrics correlate',
    rule(f) {
      const offline = f.run ? Object.keys(f.run.metrics).filter((k) => QUALITY_METRIC.test(k)) : [];
      const online = served(f).filter((d) => d.actuals.withActuals > 0 && d.monitors.length > 0);
      const ev: EvidenceRef[] = [...(f.run && offline.length ? [{ ...runRef(f.run), kind: 'offline_metrics', detail: `offline: ${offline.join(', ')}` }] : []), ...online.map((d): EvidenceRef => ({ kind: 'online_quality', ref: `deployment:${d.name}/actuals`, detail: `${d.actuals.withActuals} of ${d.actuals.predictions} predictions joined to actuals in the window`, at: lastEval(d) }))];
      if (offline.length && online.some((d) => recent(f, lastEval(d)))) return full('offline quality metrics on the training run and online quality measured from actuals by a monitor within the window', [...ev, ...online.flatMap(monitorRef)]);
      if (offline.length && online.length) return half('both exist, but the online quality was not evaluated within the window', `let the deployment's monitor evaluate (within ${days(f)} days)`, ev);
      if (offline.length) return half('only offline metrics: no actuals are joined to the served predictions', 'send actuals (ground truth) for the deployment and add a monitor so online quality is measured', ev);
      return none('no offline quality metric on the training run and no online quality', 'log the evaluation metric on the training run and send actuals for the deployment', ev);
    },
  },
  {
    id: 'model-3',
    section: 'model',
    name: 'All hyperparameters have been tuned',
    rule(f) {
      if (!f.run) return none('no training run recorded', 'train from a tracked run with its hyperparameters logged as params');
      const keys = Object.keys(f.run.params);
      if (keys.length === 0) return none('the training run logged no hyperparameters', 'log the hyperparameters as params');
      const trials = [f.run, ...f.siblingRuns].filter((r) => keys.some((k) => r.params[k] !== undefined));
      const distinct = new Set(trials.map((r) => keys.map((k) => r.params[k] ?? '').join('\u0000'))).size;
      const ev: EvidenceRef[] = [{ kind: 'tuning', ref: `experiment:${f.run.experimentId}`, detail: `${distinct} distinct settings of ${keys.slice(0, 6).join(', ')} over ${trials.length} runs`, at: runAt(f.run) }];
      const automated = trials.filter((r) => r.tags['flywheel.pipeline_run_id'] !== undefined || r.tags['flywheel.sweep'] !== undefined);
      if (distinct >= 5 && automated.length >= 5 && recent(f, runAt(f.run))) return full('a sweep of 5+ settings run by a pipeline within the window', ev);
      if (distinct >= 2) return half(distinct >= 5 ? 'a sweep of 5+ settings, run by hand or outside the window' : `only ${distinct} settings tried`, 'run a hyperparameter sweep (5+ settings) from a pipeline', ev);
      return none('a single setting of the hyperparameters was tried', 'run a hyperparameter sweep (5+ settings) in the same experiment', ev);
    },
  },
  {
    id: 'model-4',
    section: 'model',
    name: 'The impact of model staleness is known',
    rule: runMetricRule(/^(staleness|stale|age_decay|quality_by_age)([._/]|$)/i, 'staleness impact', 'measure quality as a function of model age (metrics staleness.<days>) in the training pipeline'),
  },
  {
    id: 'model-5',
    section: 'model',
    name: 'A simpler model is not better',
    rule(f) {
      if (!f.run) return none('no training run recorded', 'train from a tracked run and tag it flywheel.baseline_run_id=<run of a simple baseline>');
      if (!f.baselineRun) return none('the training run names no baseline run (tag flywheel.baseline_run_id)', 'train a simple baseline (e.g. logistic regression) and tag the run flywheel.baseline_run_id=<its run id>');
      const shared = Object.keys(f.run.metrics).filter((k) => f.baselineRun!.metrics[k] !== undefined);
      const ev: EvidenceRef[] = [runRef(f.run), { ...runRef(f.baselineRun, 'baseline_comparison'), detail: shared.length ? `baseline compared on ${shared.map((k) => `${k}: ${f.run!.metrics[k]!.value} vs ${f.baselineRun!.metrics[k]!.value}`).join(', ')}` : 'baseline run with no metric in common' }];
      if (shared.length === 0) return half('a baseline run is named but shares no metric with the model', 'log the same evaluation metric on the baseline run', ev);
      if (automatedTraining(f) && recent(f, runAt(f.run))) return full('the training pipeline compares the model with a baseline on the same metrics, within the window', [...ev, ...pipelineRef(f)]);
      return half('compared with a baseline by hand (or outside the window)', 'compare with the baseline inside the training pipeline', ev);
    },
  },
  {
    id: 'model-6',
    section: 'model',
    name: 'Model quality is sufficient on important data slices',
    rule(f) {
      const sliced = served(f).filter((d) => d.actuals.withActuals > 0 && d.monitors.some((m) => m.fairness && recent(f, m.lastEvaluatedAt)));
      if (sliced.length) return full('a monitor measures quality per slice (sensitive attribute) on served traffic with actuals, within the window', sliced.flatMap(monitorRef));
      const ev: EvidenceRef[] = [];
      if (f.version?.card && f.version.card.analysisGroups >= 2) ev.push({ kind: 'model_card', ref: `model:${f.model.name}/${f.version.version}/card`, detail: `quantitative analyses over ${f.version.card.analysisGroups} groups`, at: f.version.card.updatedAt });
      const groups = f.run ? Object.keys(f.run.metrics).filter((k) => k.includes('/')) : [];
      if (f.run && groups.length >= 2) ev.push({ ...runRef(f.run), kind: 'slice_metrics', detail: `per-slice metrics: ${groups.slice(0, 6).join(', ')}` });
      if (ev.length) return half('slices evaluated offline, not measured on served traffic', 'add a monitor with a sensitive attribute on the deployment and send actuals', ev);
      return none('no per-slice quality anywhere', 'log per-slice metrics (<metric>/<slice>) or model-card quantitative analyses, then monitor them');
    },
  },
  {
    id: 'model-7',
    section: 'model',
    name: 'The model is tested for considerations of inclusion',
    rule(f) {
      const fair = served(f).flatMap((d) => d.monitors.filter((m) => m.fairness && recent(f, m.lastEvaluatedAt)).map((m) => ({ d, m })));
      const policies = f.policies.filter((p) => p.conditions.includes('fairness_gap'));
      if (fair.length || policies.length) {
        return full('fairness is checked automatically', [
          ...fair.map(({ d, m }): EvidenceRef => ({ kind: 'fairness_monitor', ref: `monitor:${m.id}`, detail: `fairness across groups on ${d.name}, last evaluated ${when(m.lastEvaluatedAt)}`, at: m.lastEvaluatedAt })),
          ...policies.map((p): EvidenceRef => ({ kind: 'policy', ref: `policy:${p.name}`, detail: 'fairness_gap condition enforced on promotion', at: p.createdAt })),
        ]);
      }
      if (f.version?.card?.sections.includes('ethicalConsiderations')) return half('ethical considerations written in the model card; nothing measures fairness', 'add a fairness monitor (sensitive attribute) or a fairness_gap policy', [{ kind: 'model_card', ref: `model:${f.model.name}/${f.version.version}/card`, detail: 'ethicalConsiderations section', at: f.version.card.updatedAt }]);
      return none('no fairness evidence', 'write the ethical considerations, then monitor fairness across groups');
    },
  },

  // ---- ML Infrastructure -----------------------------------------------------------------------
  {
    id: 'infra-1',
    section: 'infrastructure',
    name: 'Training is reproducible',
    rule(f) {
      if (!f.run) return none('no training run: nothing says how the version was made', 'register versions from tracked runs');
      const ev: EvidenceRef[] = [{ ...runRef(f.run), detail: `${Object.keys(f.run.params).length} params logged${f.run.tags['mlflow.source.git.commit'] ? `, code ${f.run.tags['mlflow.source.git.commit'].slice(0, 12)}` : ''}` }];
      ev.push(...f.datasets.map((d): EvidenceRef => ({ kind: 'dataset_version', ref: `dataset:${d.name}/${d.version}`, detail: 'training data pinned by content hash', at: d.createdAt })));
      const pinned = f.datasets.length > 0 && Object.keys(f.run.params).length > 0;
      if (pinned && automatedTraining(f) && recent(f, runAt(f.run))) return full('a versioned pipeline trained it from pinned data and logged params, within the window', [...ev, ...pipelineRef(f)]);
      if (pinned || (Object.keys(f.run.params).length > 0 && f.run.tags['mlflow.source.git.commit'])) return half('data and params are recorded, but training is run by hand (or outside the window)', 'train it with a pipeline', ev);
      return none('the run does not pin its data (registered dataset) and params', 'log params and the registered training dataset on the run', ev);
    },
  },
  { id: 'infra-2', section: 'infrastructure', name: 'Model specs are unit tested', rule: stepRule(CODE_TEST_STEP, 'unit test') },
  {
    id: 'infra-3',
    section: 'infrastructure',
    name: 'The ML pipeline is integration tested',
    rule(f) {
      if (!f.pipelineRun) return none('no pipeline produced the model', 'train with a pipeline and run it end to end regularly');
      const allOk = f.pipelineRun.state === 'succeeded' && f.pipelineRun.steps.every((s) => s.state === 'succeeded');
      if (allOk && recent(f, f.pipelineRun.finishedAt)) return full('the whole pipeline, every step, ran end to end within the window', pipelineRef(f));
      if (allOk) return half('the pipeline ran end to end, but not within the window', `re-run pipeline '${f.pipelineRun.pipeline}'`, pipelineRef(f));
      return none(`the pipeline run is ${f.pipelineRun.state}`, `make pipeline '${f.pipelineRun.pipeline}' pass end to end`, pipelineRef(f));
    },
  },
  {
    id: 'infra-4',
    section: 'infrastructure',
    name: 'Model quality is validated before serving',
    rule(f) {
      const v = f.version;
      const gates = f.policies.filter((p) => p.action === 'model.alias_set' && p.conditions.some((c) => c === 'metric' || c === 'model_card_approved' || c === 'reviews'));
      const guarded = served(f).flatMap((d) => d.rollouts.filter((r) => r.guardrails.errorRate || r.guardrails.metrics.length > 0));
      const ev: EvidenceRef[] = [
        ...gates.map((p): EvidenceRef => ({ kind: 'policy', ref: `policy:${p.name}`, detail: `promotion gated on ${p.conditions.join(', ')}`, at: p.createdAt })),
        ...guarded.map((r): EvidenceRef => ({ kind: 'rollout_guardrails', ref: `deployment:${r.deployment}/rollout:${r.id}`, detail: `canary ${r.canary} guarded (${r.state})`, at: r.updatedAt })),
      ];
      if (gates.length || guarded.some((r) => recent(f, r.updatedAt))) return full('an automatic gate checks quality before the model takes traffic', ev);
      if (v && v.approval.status === 'approved') return half('approved by hand before serving; nothing checks quality automatically', 'apply a policy with a metric condition on model.alias_set, or roll out with guardrails', [...ev, { kind: 'approval', ref: `model:${v.model}/${v.version}/approval`, detail: `approved by ${v.approval.decidedBy}`, at: v.approval.decidedAt }]);
      return none('no validation before serving', 'gate promotion with a policy (metric threshold) or canary with guardrails', ev);
    },
  },
  {
    id: 'infra-5',
    section: 'infrastructure',
    name: 'The model is debuggable',
    rule(f) {
      const v = f.version;
      if (!v || !f.run) return none('the version does not lead back to a training run', 'register versions from tracked runs');
      const ev: EvidenceRef[] = [{ kind: 'lineage', ref: `lineage:model:${v.model}/${v.version}`, detail: `version ← run ${f.run.runId}${f.datasets.length ? ` ← ${f.datasets.map((d) => `${d.name}/${d.version}`).join(', ')}` : ''}`, at: v.createdAt }];
      const logged = served(f).filter((d) => d.servesLatest && d.actuals.predictions > 0);
      ev.push(...logged.map((d): EvidenceRef => ({ kind: 'prediction_log', ref: `deployment:${d.name}/predictions`, detail: `${d.actuals.predictions} predictions logged with inference ids in the window` })));
      if (f.datasets.length && logged.length) return full('full lineage (data → run → version → deployment) and predictions logged within the window', ev);
      return half(f.datasets.length ? 'lineage complete, but no logged predictions of this version in the window' : 'the run is known but its training data is not a registered dataset version', 'log the training data on the run and serve the version (predictions are logged)', ev);
    },
  },
  {
    id: 'infra-6',
    section: 'infrastructure',
    name: 'Models are canaried before serving',
    rule(f) {
      const rollouts = served(f).flatMap((d) => d.rollouts);
      const ev = rollouts.map((r): EvidenceRef => ({ kind: 'canary_rollout', ref: `deployment:${r.deployment}/rollout:${r.id}`, detail: `canary '${r.canary}' ${r.state}`, at: r.updatedAt }));
      if (rollouts.some((r) => recent(f, r.updatedAt) && r.state !== 'aborted')) return full('a canary rollout stepped traffic automatically within the window', ev);
      const manual = served(f).filter((d) => d.variants.some((v) => v.role === 'canary' || v.role === 'shadow'));
      ev.push(...manual.map((d): EvidenceRef => ({ kind: 'variant', ref: `deployment:${d.name}`, detail: `variants: ${d.variants.map((v) => `${v.name} (${v.role})`).join(', ')}`, at: d.updatedAt })));
      if (ev.length) return half('canary or shadow variants set by hand (or a rollout older than the window)', 'roll the next version out with `flywheel deploy rollout` (steps and guardrails)', ev);
      return none(served(f).length ? 'served straight to all traffic' : 'not served', 'deploy new versions as a canary rollout');
    },
  },
  {
    id: 'infra-7',
    section: 'infrastructure',
    name: 'Serving models can be rolled back',
    rule(f) {
      const ds = served(f);
      const rolled = ds.flatMap((d) => [
        ...d.rollbacks.map((a): EvidenceRef => ({ kind: 'rollback', ref: `deployment:${d.name}/audit`, detail: `rolled back by ${a.actor}`, at: a.ts })),
        ...d.rollouts.filter((r) => r.state === 'rolled_back').map((r): EvidenceRef => ({ kind: 'rollback', ref: `deployment:${d.name}/rollout:${r.id}`, detail: 'canary rolled back by its guardrails', at: r.updatedAt })),
      ]);
      const autoRollback = ds.flatMap((d) => d.alertRules.filter((a) => a.enabled && a.action === 'rollback_canary').map((a): EvidenceRef => ({ kind: 'alert_rule', ref: `alert:${a.name}`, detail: 'rolls back automatically when it fires', at: a.lastEvaluatedAt })));
      if (rolled.some((e) => recent(f, e.at)) || autoRollback.length) return full('a rollback was exercised within the window (a drill or a guardrail), or an alert rolls back automatically', [...rolled, ...autoRollback]);
      const revisions = ds.filter((d) => d.revisions.length > 1);
      const ev = [...rolled, ...revisions.map((d): EvidenceRef => ({ kind: 'revisions', ref: `deployment:${d.name}/revisions`, detail: `${d.revisions.length} revisions to return to`, at: d.updatedAt }))];
      if (ev.length) return half('a previous revision exists but no rollback was exercised within the window', 'run a rollback drill (`flywheel deploy rollback`) or add an alert with action rollback_canary', ev);
      return none(ds.length ? 'one revision only: nothing to roll back to' : 'not served', 'keep revisions (update, do not recreate) and drill a rollback');
    },
  },

  // ---- Monitoring ------------------------------------------------------------------------------
  {
    id: 'monitor-1',
    section: 'monitoring',
    name: 'Dependency changes result in notification',
    rule(f) {
      const rules = served(f).flatMap((d) => d.alertRules.filter((a) => a.enabled));
      const ev = rules.map((a): EvidenceRef => ({ kind: 'alert_rule', ref: `alert:${a.name}`, detail: `on ${a.metric}, ${a.notifies} webhook(s), last evaluated ${when(a.lastEvaluatedAt)}`, at: a.lastEvaluatedAt }));
      if (rules.some((a) => a.notifies > 0 && recent(f, a.lastEvaluatedAt))) return full('an alert rule with notifications watched the deployment within the window', ev);
      if (rules.length) return half('alert rules exist but none notified anyone recently (no webhook, or not evaluated)', 'add a webhook to the alert rule', ev);
      return none('no alert rule on the deployment', 'add an alert rule (e.g. on drift_share) that notifies a webhook');
    },
  },
  {
    id: 'monitor-2',
    section: 'monitoring',
    name: 'Data invariants hold for inputs',
    rule(f) {
      const ds = served(f).filter((d) => d.monitors.length);
      if (ds.some((d) => recent(f, lastEval(d)))) return full('a monitor checked serving inputs (schema, missing values, out-of-range, new categories) within the window', ds.flatMap(monitorRef));
      if (ds.length) return half('a monitor is configured but did not evaluate within the window', 'let the monitor scheduler run (or evaluate a window)', ds.flatMap(monitorRef));
      return none(served(f).length ? 'no monitor on the deployment' : 'not served', 'add a monitor on the deployment (data quality is part of every monitor)');
    },
  },
  {
    id: 'monitor-3',
    section: 'monitoring',
    name: 'Training and serving are not skewed',
    rule(f) {
      const training = new Set(f.datasets.map((d) => `${d.name}/${d.version}`));
      const mons = served(f).flatMap((d) => d.monitors.filter((m) => m.referenceDataset).map((m) => ({ d, m, isTraining: training.has(`${m.referenceDataset!.name}/${m.referenceDataset!.version}`) })));
      const ev = mons.map(({ d, m, isTraining }): EvidenceRef => ({ kind: 'drift_monitor', ref: `monitor:${m.id}`, detail: `drift on ${d.name} against ${m.referenceDataset!.name}/${m.referenceDataset!.version}${isTraining ? ' (the training data)' : ''}, last evaluated ${when(m.lastEvaluatedAt)}`, at: m.lastEvaluatedAt }));
      if (mons.some((x) => x.isTraining && recent(f, x.m.lastEvaluatedAt))) return full('serving inputs compared with the training data by an active drift monitor', ev);
      if (mons.length) return half('a drift monitor exists, but not against the training data or not evaluated within the window', 'point a monitor\'s reference at the training dataset version', ev);
      const windowed = served(f).flatMap((d) => d.monitors);
      if (windowed.length) return half('drift is watched over time (a window reference), not against training', 'add a monitor whose reference is the training dataset version', served(f).flatMap(monitorRef));
      return none('nothing compares serving with training', 'add a drift monitor against the training dataset version');
    },
  },
  {
    id: 'monitor-4',
    section: 'monitoring',
    name: 'Models are not too stale',
    rule(f) {
      const v = f.version;
      if (!v) return none('no version', 'register a version');
      const ev: EvidenceRef[] = [{ kind: 'model_version', ref: `model:${v.model}/${v.version}`, detail: `registered ${when(v.createdAt)}`, at: v.createdAt }, ...pipelineRef(f)];
      if (recent(f, v.createdAt) && automatedTraining(f)) return full(`retrained by a pipeline within ${days(f)} days`, ev);
      if (recent(f, v.createdAt)) return half(`retrained within ${days(f)} days, by hand`, 'retrain with a scheduled or drift-triggered pipeline', ev);
      return none(`the newest version is older than ${days(f)} days`, 'retrain (ideally on a schedule or on drift)', ev);
    },
  },
  {
    id: 'monitor-5',
    section: 'monitoring',
    name: 'Models are numerically stable',
    rule(f) {
      if (!f.run) return none('no training run', 'train from a tracked run');
      const values = Object.entries(f.run.metrics);
      if (values.length === 0) return none('the training run logged no metric to check', 'log the loss and evaluation metrics', [runRef(f.run)]);
      const bad = values.filter(([, m]) => !Number.isFinite(m.value));
      if (bad.length) return none(`non-finite values: ${bad.map(([k, m]) => `${k}=${m.value}`).join(', ')}`, 'fix the NaN/Inf in training (the tracking diagnostics show where it starts)', [runRef(f.run)]);
      const ev = [{ ...runRef(f.run), detail: `${values.length} metrics, all finite` }, ...pipelineRef(f)];
      if (automatedTraining(f) && recent(f, runAt(f.run))) return full('the pipeline-trained run has only finite metrics, within the window', ev);
      return half('finite metrics on a hand-run (or older) training run', 'check for NaN/Inf automatically in the training pipeline', ev);
    },
  },
  {
    id: 'monitor-6',
    section: 'monitoring',
    name: 'Computing performance has not regressed',
    rule(f) {
      const latency = served(f).flatMap((d) => d.rollouts.filter((r) => r.guardrails.latency));
      const ev = latency.map((r): EvidenceRef => ({ kind: 'latency_guardrail', ref: `deployment:${r.deployment}/rollout:${r.id}`, detail: `p99 latency guardrail on canary '${r.canary}' (${r.state})`, at: r.updatedAt }));
      if (latency.some((r) => recent(f, r.updatedAt))) return full('a rollout checked p99 latency automatically within the window', ev);
      if (latency.length) return half('latency was guarded in a rollout older than the window', 'guard every rollout with maxP99LatencyMs', ev);
      return none('nothing checks serving latency against a limit', 'roll out with a maxP99LatencyMs guardrail');
    },
  },
  {
    id: 'monitor-7',
    section: 'monitoring',
    name: 'Prediction quality has not regressed',
    rule(f) {
      const ds = served(f).filter((d) => d.actuals.withActuals > 0 && d.monitors.length);
      const alerting = ds.flatMap((d) => d.alertRules.filter((a) => a.enabled && QUALITY_METRIC.test(a.metric)).map((a) => ({ d, a })));
      const ev = [...ds.flatMap(monitorRef), ...alerting.map(({ a }): EvidenceRef => ({ kind: 'alert_rule', ref: `alert:${a.name}`, detail: `alerts on ${a.metric}`, at: a.lastEvaluatedAt }))];
      if (alerting.length && ds.some((d) => recent(f, lastEval(d)))) return full('quality measured from actuals and alerted on, within the window', ev);
      if (ds.length) return half('quality is measured from actuals but no alert watches it (or not evaluated recently)', 'add an alert rule on the quality metric (e.g. accuracy < threshold)', ev);
      return none('prediction quality is not measured (no actuals joined, or no monitor)', 'send actuals for the deployment and add a monitor and an alert on its quality');
    },
  },
];

/**
 * The paper's interpretation of the final score (Breck et al. 2017, table "interpreting an ML
 * Test Score").
 */
export function bandOf(score: number): Band {
  if (score <= 0) return { range: '0', meaning: 'More of a research project than a productionized system.' };
  if (score <= 1) return { range: '(0,1]', meaning: 'Not totally untested, but it is worth considering the possibility of serious holes in reliability.' };
  if (score <= 2) return { range: '(1,2]', meaning: "There's been first pass at basic productionization, but additional investment may be needed." };
  if (score <= 3) return { range: '(2,3]', meaning: 'Reasonably tested, but it is possible that more of those tests and procedures may be automated.' };
  if (score <= 5) return { range: '(3,5]', meaning: 'Strong levels of automated testing and monitoring, appropriate for mission-critical systems.' };
  return { range: '>5', meaning: 'Exceptional levels of automated testing and monitoring.' };
}

/** Runs every rule; an attestation lifts a test to 0.5, never higher. */
export function scoreTests(f: ModelFacts): SectionResult[] {
  const attested = new Map<string, Attestation>();
  for (const a of f.attestations) {
    const prev = attested.get(a.testId);
    if (!prev || prev.attestedAt < a.attestedAt) attested.set(a.testId, a);
  }
  return SECTIONS.map((section) => {
    const tests = TESTS.filter((t) => t.section === section).map((t): TestResult => {
      let out = t.rule(f);
      const a = attested.get(t.id);
      if (a) {
        const ref: EvidenceRef = { kind: 'attestation', ref: a.artifactUri ?? `attestation:${a.id}`, detail: `${a.attestedBy}: ${a.statement}`, at: a.attestedAt };
        out = out.score < 0.5 ? { score: 0.5, basis: 'attestation', evidence: [...out.evidence, ref], why: `attested by ${a.attestedBy} (capped at 0.5): ${a.statement}`, raise: out.raise } : { ...out, evidence: [...out.evidence, ref] };
      }
      return { id: t.id, section, name: t.name, ...out };
    });
    return { id: section, name: SECTION_NAMES[section], score: tests.reduce((s, t) => s + t.score, 0), max: tests.length, tests };
  });
}

/** The final ML Test Score: the minimum of the four sections. */
export function finalScore(sections: readonly SectionResult[]): number {
  return Math.min(...sections.map((s) => s.score));
}
