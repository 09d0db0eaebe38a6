import type { AssessmentEvidence, DeploymentRecord, ModelRecord, PolicyRecord, ProjectRecord, RunRecord } from './assessment.evidence-types.js';
import type { Attestation, DeploymentFacts, LoneSuperhero, ModelFacts } from './assessment.types.js';

/** Versions read per model: the newest is scored; the others count for the lone-superhero check. */
const VERSIONS_READ = 20;
/** Runs of the training run's experiment read to judge tuning. */
const SIBLING_RUNS = 200;
/** Tags a training run may name its baseline comparison with. */
export const BASELINE_TAGS = ['flywheel.baseline_run_id', 'baseline_run_id'] as const;
/** Actors that are the platform itself, not a person. */
const NOT_PEOPLE = new Set(['', 'anonymous', 'system', 'controller', 'unknown']);

/** What the org-level passes share, read once: deployments, rules, projects, policies. */
export interface SharedEvidence {
  deployments: DeploymentRecord[];
  alertRules: Awaited<ReturnType<AssessmentEvidence['monitoring']['alertRules']>>;
  projects: ProjectRecord[];
  policies: PolicyRecord[];
  /** deployment.rolled_back entries within the window */
  rollbacks: Awaited<ReturnType<AssessmentEvidence['governance']['audit']>>;
}

export async function readShared(ev: AssessmentEvidence, now: number, windowMs: number): Promise<SharedEvidence> {
  const [deployments, alertRules, projects, policies, rollbacks] = [
    await ev.serving.deployments(),
    await ev.monitoring.alertRules(),
    await ev.projects.list(),
    await ev.governance.policies(),
    await ev.governance.audit('deployment.rolled_back', now - windowMs * 12, 1000),
  ];
  return { deployments, alertRules, projects, policies, rollbacks };
}

/** The deployments whose current config serves a version of `model`. */
export function deploymentsOf(model: string, deployments: readonly DeploymentRecord[]): DeploymentRecord[] {
  return deployments.filter((d) => d.variants.some((v) => v.model === model));
}

/** Reads everything the 28 rules look at for one model. */
export async function gatherModelFacts(ev: AssessmentEvidence, model: ModelRecord, shared: SharedEvidence, attestations: Attestation[], now: number, windowMs: number): Promise<ModelFacts> {
  const versions = await ev.registry.versions(model.name, VERSIONS_READ);
  const version = versions[0] ?? null;
  const runs = new Map<string, RunRecord>();
  for (const v of versions) {
    if (!v.runId || runs.has(v.runId)) continue;
    const r = await ev.tracking.run(v.runId);
    if (r) runs.set(v.runId, r);
  }
  const run = version?.runId ? (runs.get(version.runId) ?? null) : null;
  const pipelineRunId = run?.tags['flywheel.pipeline_run_id'];
  const pipelineRun = pipelineRunId ? ((await ev.pipelines.run(pipelineRunId)) ?? null) : null;
  const siblingRuns = run ? (await ev.tracking.experimentRuns(run.experimentId, SIBLING_RUNS)).filter((r) => r.runId !== run.runId) : [];
  const baselineId = run ? BASELINE_TAGS.map((t) => run.tags[t]).find((x) => x) : undefined;
  const baselineRun = baselineId ? ((await ev.tracking.run(baselineId)) ?? null) : null;
  const datasets = run ? await ev.datasets.versionsForInputs(run.inputs.map((i) => ({ digest: i.digest, source: i.source }))) : [];
  const since = now - windowMs;
  const deployments: DeploymentFacts[] = [];
  for (const d of deploymentsOf(model.name, shared.deployments)) {
    const monitors = await ev.monitoring.monitors(d.name);
    const ids = new Set(monitors.map((m) => m.id));
    deployments.push({
      ...d,
      servesLatest: version !== null && d.variants.some((v) => v.model === model.name && v.version === version.version),
      rollouts: await ev.serving.rollouts(d.name),
      monitors,
      alertRules: shared.alertRules.filter((a) => a.deployment === d.name || (a.monitorId !== null && ids.has(a.monitorId))),
      actuals: await ev.monitoring.actuals(d.name, since, now + 1),
      rollbacks: shared.rollbacks.filter((a) => a.resource === `deployment:${d.name}`),
    });
  }
  return {
    now,
    windowMs,
    model,
    versions,
    version,
    run,
    versionRuns: [...runs.values()],
    pipelineRun,
    siblingRuns,
    baselineRun,
    datasets,
    deployments,
    projects: shared.projects.filter((p) => p.models.includes(model.name)),
    policies: shared.policies.filter((p) => p.scopeTeam === null || p.scopeTeam === model.ownerTeam),
    attestations,
  };
}

const people = (xs: Iterable<string | null | undefined>) => [...new Set([...xs].filter((x): x is string => typeof x === 'string' && !NOT_PEOPLE.has(x)))].sort();

/**
 * The "lone superhero data scientist": one person trained, registered and deployed every version
 * the platform knows of (bus factor 1). Needs all three acts on record to flag.
 */
export function loneSuperhero(f: Pick<ModelFacts, 'versions' | 'versionRuns' | 'deployments' | 'model'>): LoneSuperhero {
  const trainers = people(f.versionRuns.map((r) => r.userId));
  // The registry records no user on a version (MLflow sends none): the author is the source run's user, as the policies' author rule says.
  const registrars = people(f.versions.map((v) => v.registeredBy ?? f.versionRuns.find((r) => r.runId === v.runId)?.userId));
  const deployers = people(f.deployments.flatMap((d) => d.revisions.filter((r) => r.models.some((m) => m.model === f.model.name)).map((r) => r.createdBy)));
  const everyone = people([...trainers, ...registrars, ...deployers]);
  const complete = trainers.length > 0 && registrars.length > 0 && deployers.length > 0;
  const flagged = complete && everyone.length === 1;
  return {
    flagged,
    trainers,
    registrars,
    deployers,
    person: flagged ? everyone[0]! : null,
    why: flagged
      ? `${everyone[0]} alone trained, registered and deployed '${f.model.name}': bus factor 1`
      : complete
        ? `${everyone.length} people share training, registration and deployment`
        : `not every act is on record (training: ${trainers.length}, registration: ${registrars.length}, deployment: ${deployers.length} people)`,
  };
}
