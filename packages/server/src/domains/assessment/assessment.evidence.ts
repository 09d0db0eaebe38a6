import { isDomainError, type Run } from '@flywheel/contract';
import type { AuditService } from '../audit/index.js';
import type { DatasetsService } from '../datasets/index.js';
import type { AlertsService, ActualsService, MonitorsService } from '../monitoring/index.js';
import type { OrgService, TeamsService } from '../org/index.js';
import type { PipelinesService } from '../pipelines/index.js';
import type { BudgetsService, PoliciesService } from '../policies/index.js';
import type { ProjectsService } from '../projects/index.js';
import type { RegistryService } from '../registry/index.js';
import type { DeploymentsService, RolloutService } from '../serving/index.js';
import type { TrackingService } from '../tracking/index.js';
import type { AssessmentEvidence, DeploymentRecord, ModelRecord, RunRecord, VersionRecord } from './assessment.evidence-types.js';

/** The services the evidence is read from (all of them are in main.ts's Platform.services). */
export interface EvidenceSources {
  registry: RegistryService;
  tracking: TrackingService;
  datasets: DatasetsService;
  deployments: DeploymentsService;
  rollouts: RolloutService;
  monitors: MonitorsService;
  alerts: AlertsService;
  actuals: ActualsService;
  pipelines: PipelinesService;
  org: OrgService;
  teams: TeamsService;
  projects: ProjectsService;
  policies: PoliciesService;
  budgets: BudgetsService;
  audit: AuditService;
}

const OWNER_TAG = 'flywheel.owner_team';
const CARD_SECTIONS = ['modelDetails', 'intendedUse', 'outOfScopeUses', 'factors', 'metrics', 'evaluationData', 'trainingData', 'ethicalConsiderations', 'caveats'] as const;

/** NOT_FOUND (and a malformed name, which cannot exist) read as "absent". */
async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isDomainError(e) && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) return undefined;
    throw e;
  }
}

async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[]; nextPageToken?: string | undefined }>, max = 10_000): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.nextPageToken;
  } while (token && out.length < max);
  return out;
}

function runRecord(r: Run): RunRecord {
  const metrics: RunRecord['metrics'] = {};
  for (const m of r.data.metrics) metrics[m.key] = { value: m.value, timestamp: m.timestamp, step: m.step };
  return {
    runId: r.info.runId,
    experimentId: r.info.experimentId,
    userId: r.info.userId,
    status: r.info.status,
    startTime: r.info.startTime,
    endTime: r.info.endTime,
    params: Object.fromEntries(r.data.params.map((p) => [p.key, p.value])),
    tags: Object.fromEntries(r.data.tags.map((t) => [t.key, t.value])),
    metrics,
    inputs: r.inputs.datasetInputs.map((d) => ({ name: d.dataset.name, digest: d.dataset.digest, source: d.dataset.source })),
  };
}

function variantsOf(config: { variants: Array<{ name: string; role: string; weight: number; model?: { name: string; version: string } }> }) {
  return config.variants.map((v) => ({ name: v.name, role: v.role, weight: v.weight, model: v.model?.name ?? null, version: v.model?.version ?? null }));
}

/**
 * The assessment's view of the whole platform, read through each domain's service.
 *
 * @example
 *   new AssessmentService({ repo, clock, evidence: platformEvidence(platform.services) })
 */
export function platformEvidence(s: EvidenceSources): AssessmentEvidence {
  const teamNames = async () => new Map((await s.registry.teamTree()).map((t) => [String(t.id), t.name]));
  const toModel = (m: { name: string; creationTimestamp: number; tags: { key: string; value: string }[]; aliases: { alias: string; version: string }[] }, names: Map<string, string>): ModelRecord => {
    const owner = m.tags.find((t) => t.key === OWNER_TAG)?.value;
    return { name: m.name, ownerTeam: owner ? (names.get(owner) ?? owner) : null, createdAt: m.creationTimestamp, aliases: m.aliases };
  };
  return {
    registry: {
      async model(name) {
        const m = await orUndefined(s.registry.getRegisteredModel(name));
        return m && toModel(m, await teamNames());
      },
      async models() {
        const names = await teamNames();
        const all = await allPages((pageToken) => s.registry.searchRegisteredModels({ maxResults: 1000, pageToken }));
        return all.map((m) => toModel(m, names));
      },
      async versions(model, limit) {
        const quoted = `'${model.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
        const page = await s.registry.searchModelVersions({ filter: `name = ${quoted}`, maxResults: Math.min(limit, 1000), orderBy: ['version_number DESC'] });
        const out: VersionRecord[] = [];
        for (const v of page.items) {
          const d = await s.registry.getModelVersionDetail(v.name, v.version);
          const card = d.card ? await orUndefined(s.registry.getModelCard(v.name, v.version)) : undefined;
          out.push({
            model: v.name,
            version: v.version,
            createdAt: v.creationTimestamp,
            registeredBy: v.userId ?? null,
            runId: v.runId ?? null,
            signature: d.signature ? { inputs: d.signature.inputs.length, outputs: d.signature.outputs.length, source: d.signature.source } : null,
            card: card
              ? {
                  status: card.status,
                  updatedAt: card.updatedAt,
                  updatedBy: card.updatedBy,
                  sections: CARD_SECTIONS.filter((k) => typeof card.card[k] === 'string' && card.card[k]!.trim() !== ''),
                  analysisGroups: new Set((card.card.quantitativeAnalyses ?? []).map((q) => q.group)).size,
                }
              : null,
            approval: { status: d.approval.status, decidedBy: d.approval.decidedBy, decidedAt: d.approval.decidedAt },
          });
        }
        return out;
      },
    },
    tracking: {
      async run(runId) {
        const r = await orUndefined(s.tracking.getRun(runId));
        return r && runRecord(r);
      },
      async experimentRuns(experimentId, limit) {
        const page = await s.tracking.searchRuns({ experimentIds: [experimentId], maxResults: Math.min(limit, 1000), orderBy: ['attributes.start_time DESC'] });
        return page.items.map(runRecord);
      },
      async totals() {
        const experiments = await allPages((pageToken) => s.tracking.searchExperiments({ maxResults: 1000, pageToken }), 2000);
        let runs = 0;
        for (let i = 0; i < experiments.length; i += 100) {
          const ids = experiments.slice(i, i + 100).map((e) => e.experimentId);
          runs += (await allPages((pageToken) => s.tracking.searchRuns({ experimentIds: ids, maxResults: 1000, pageToken }), 50_000)).length;
        }
        return { experiments: experiments.length, runs };
      },
    },
    datasets: {
      async versionsForInputs(inputs) {
        if (inputs.length === 0) return [];
        const names = await teamNames();
        const versions = await s.datasets.versionsForInputs(inputs);
        return Promise.all(
          versions.map(async (v) => {
            const ds = await orUndefined(s.datasets.getDataset(v.dataset));
            return {
              name: v.dataset,
              version: v.version,
              createdAt: v.createdAt,
              createdBy: v.createdBy,
              columns: v.schema ? v.schema.length : null,
              hasProfile: v.profile !== null,
              datasheetSections: v.datasheet ? Object.entries(v.datasheet).filter(([, t]) => typeof t === 'string' && t.trim() !== '').map(([k]) => k) : [],
              ownerTeam: ds?.ownerTeam == null ? null : (names.get(String(ds.ownerTeam)) ?? String(ds.ownerTeam)),
              visibility: ds?.visibility ?? 'internal',
            };
          }),
        );
      },
      async owners() {
        const names = await teamNames();
        const all = await allPages((pageToken) => s.datasets.listDatasets({ maxResults: 1000, pageToken }));
        return all.map((d) => ({ name: d.name, ownerTeam: d.ownerTeam === null ? null : (names.get(String(d.ownerTeam)) ?? null) }));
      },
    },
    serving: {
      async deployments() {
        const out: DeploymentRecord[] = [];
        for (const d of await s.deployments.list()) {
          const revisions = await s.deployments.revisions(d.name);
          out.push({
            name: d.name,
            revision: d.revision,
            createdAt: d.createdAt,
            updatedAt: d.updatedAt,
            createdBy: d.createdBy,
            variants: variantsOf(d.config as Parameters<typeof variantsOf>[0]),
            revisions: revisions.map((r) => ({
              revision: r.revision,
              createdAt: r.createdAt,
              createdBy: r.createdBy,
              models: variantsOf(r.config as Parameters<typeof variantsOf>[0]).filter((v) => v.model !== null).map((v) => ({ model: v.model!, version: v.version!, role: v.role })),
            })),
          });
        }
        return out;
      },
      async rollouts(deployment) {
        const list = (await orUndefined(s.rollouts.list(deployment))) ?? [];
        return list.map((r) => ({
          id: r.id,
          deployment: r.deployment,
          canary: r.canary,
          state: r.state,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          createdBy: r.createdBy,
          guardrails: {
            errorRate: r.guardrails.maxErrorRate !== undefined,
            latency: r.guardrails.maxP99LatencyMs !== undefined,
            metrics: (r.guardrails.metrics ?? []).map((m) => (m as { metric?: string }).metric ?? 'metric'),
          },
        }));
      },
    },
    monitoring: {
      async monitors(deployment) {
        const list = await s.monitors.list(deployment);
        const out = [];
        for (const m of list) {
          // Every evaluated window writes a `missing_share` point for the whole deployment: its newest is the last evaluation.
          const points = await s.monitors.metrics(m.id, { metric: 'missing_share', column: null, variant: null, group: null, since: 0, until: Number.MAX_SAFE_INTEGER });
          const ref = m.reference as { dataset?: string; version?: number | string };
          out.push({
            id: m.id,
            name: m.name,
            deployment: m.deployment,
            createdAt: m.createdAt,
            createdBy: m.createdBy,
            referenceDataset: ref.dataset !== undefined ? { name: ref.dataset, version: String(ref.version) } : null,
            // Every monitor compares its windows with its reference: drift is always computed.
            drift: true,
            quality: m.prediction !== undefined || m.score !== undefined || m.task !== undefined,
            fairness: m.sensitive !== undefined,
            lastEvaluatedAt: points.length ? Math.max(...points.map((p) => p.windowEnd)) : null,
          });
        }
        return out;
      },
      async alertRules() {
        return (await s.alerts.list()).map((r) => ({
          id: r.id,
          name: r.name,
          deployment: r.deployment ?? null,
          monitorId: r.monitorId ?? null,
          metric: r.metric,
          enabled: r.enabled,
          notifies: r.notify.length,
          action: r.action?.type ?? null,
          lastEvaluatedAt: r.lastEvaluatedAt,
        }));
      },
      async actuals(deployment, since, until) {
        const sum = await s.actuals.summary(deployment, { since, until });
        return { predictions: sum.predictions, withActuals: sum.withActuals };
      },
    },
    pipelines: {
      async run(id) {
        const r = await orUndefined(s.pipelines.getRun(id));
        return r && { id: r.id, pipeline: r.pipeline, state: r.state, createdAt: r.createdAt, finishedAt: r.finishedAt, steps: r.steps.map((st) => ({ name: st.name, state: st.state, finishedAt: st.finishedAt })) };
      },
      async names() {
        return (await allPages((pageToken) => s.pipelines.list({ maxResults: 1000, ...(pageToken ? { pageToken } : {}) }))).map((p) => p.name);
      },
    },
    org: {
      async teams() {
        const flat: { name: string; parent: string | null }[] = [];
        const walk = (nodes: Awaited<ReturnType<TeamsService['tree']>>) => {
          for (const n of nodes) {
            flat.push({ name: n.name, parent: n.parent });
            walk(n.children);
          }
        };
        walk(await s.teams.tree());
        const skills = new Map<string, string[]>();
        return Promise.all(
          flat.map(async (t) => {
            const team = await s.teams.getTeam(t.name);
            const members = [];
            for (const m of team.members) {
              if (!skills.has(m.username)) skills.set(m.username, (await s.org.getUser(m.username)).skills as string[]);
              members.push({ username: m.username, role: m.role, skills: skills.get(m.username)! });
            }
            return { name: t.name, parent: t.parent, members };
          }),
        );
      },
    },
    projects: {
      async list() {
        const all = await allPages((pageToken) => s.projects.list({ maxResults: 1000, pageToken }));
        return all.map((p) => ({
          name: p.name,
          ownerTeam: p.ownerTeam,
          stage: p.stage,
          createdBy: p.createdBy,
          models: p.models.map((m) => m.name),
          deployments: p.deployments,
          successMetric: p.businessCase.successMetric,
          successTarget: p.businessCase.successTarget,
        }));
      },
    },
    governance: {
      async policies() {
        return (await s.policies.list()).filter((p) => !p.deleted).map((p) => ({ name: p.name, action: p.action, scopeTeam: p.scope.team ?? null, conditions: p.conditions.map((c) => c.type), createdAt: p.createdAt }));
      },
      async budgets() {
        return (await s.budgets.list()).map((b) => ({ name: b.name, team: b.team, enforce: b.enforce }));
      },
      async audit(action, since, limit) {
        const page = await s.audit.list({ action, since, maxResults: Math.min(limit, 1000) });
        return page.items.map((e) => ({ ts: e.ts, actor: e.actor, action: e.action, resource: `${e.resourceType}:${e.resourceId}` }));
      },
    },
  };
}
