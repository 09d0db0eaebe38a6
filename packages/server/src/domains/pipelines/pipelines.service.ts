import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { Access, Owned, Need } from '../org/access.js';
import { isUniqueViolation } from '../../store/index.js';
import type { ParamValue, PipelineDefinition, ProducedOutput, ResolvedInput, RunCause } from './pipeline.model.js';
import { resolveParams, validatePipeline } from './pipeline.validation.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import type { PipelineOwnerRow, PipelineRunRow, PipelineVersionRow, StepRunRow } from './pipelines.tables.js';

export interface PipelineView {
  name: string;
  version: number;
  description: string;
  definition: PipelineDefinition;
  createdAt: number;
  /** The owning team's id (null: unowned), its visibility, and the project its compute is attributed to. */
  ownerTeam: number | null;
  visibility: string;
  project: string | null;
}

/** Compute-seconds of pipeline steps, per pipeline, project and owner team (cached steps cost nothing). */
export interface PipelineCost {
  pipeline: string;
  project: string | null;
  ownerTeam: number | null;
  computeSeconds: number;
  /** Step attempts that ran a process, and steps served from cache. */
  stepsRun: number;
  stepsCached: number;
}
export interface StepRunView {
  name: string;
  state: string;
  attempt: number;
  maxAttempts: number;
  exitCode: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  computeSeconds: number;
  mlflowRunId: string | null;
  error: string | null;
  /** The step was not run: a succeeded step with the same definition, parameters and inputs was reused (cache hit or resume). */
  cached: boolean;
  /** The run whose step was reused. */
  cachedFrom: string | null;
  /** Lineage in: the inputs as resolved when the step started. */
  inputs: ResolvedInput[] | null;
  /** Lineage out: the declared outputs as produced. */
  outputs: Record<string, ProducedOutput> | null;
}
export interface PipelineRunView {
  id: string;
  pipeline: string;
  version: number;
  state: string;
  params: Record<string, Record<string, ParamValue>>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** What started the run. */
  cause: RunCause;
  /** The failed run this one resumes. */
  resumedFrom: string | null;
  ownerTeam: number | null;
  project: string | null;
  steps: StepRunView[];
}

/** Keys sorted at every level: the same definition hashes the same however it was written. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const toPipeline = (r: PipelineVersionRow, owner: PipelineOwnerRow | undefined): PipelineView => {
  const definition = JSON.parse(r.definition) as PipelineDefinition;
  return { name: r.name, version: r.version, description: definition.description ?? '', definition, createdAt: r.created_at, ownerTeam: owner?.owner_team ?? null, visibility: owner?.visibility ?? 'internal', project: owner?.project ?? null };
};
const ownedOf = (o: PipelineOwnerRow | undefined): Owned => ({ ownerTeam: o?.owner_team === null || o?.owner_team === undefined ? null : Number(o.owner_team), visibility: (o?.visibility ?? 'internal') as Owned['visibility'] });
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const toStep = (s: StepRunRow): StepRunView => ({
  name: s.step,
  state: s.state,
  attempt: s.attempt,
  maxAttempts: s.max_attempts,
  exitCode: s.exit_code,
  startedAt: s.started_at,
  finishedAt: s.finished_at,
  computeSeconds: s.compute_ms / 1000,
  mlflowRunId: s.mlflow_run_id,
  error: s.error,
  cached: s.cached_from !== null,
  cachedFrom: s.cached_from,
  inputs: s.inputs === null ? null : (JSON.parse(s.inputs) as ResolvedInput[]),
  outputs: s.outputs === null ? null : (JSON.parse(s.outputs) as Record<string, ProducedOutput>),
});
const toRun = (r: PipelineRunRow, steps: StepRunRow[]): PipelineRunView => ({
  id: r.id,
  pipeline: r.pipeline_name,
  version: r.pipeline_version,
  state: r.state,
  params: JSON.parse(r.params) as PipelineRunView['params'],
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
  cause: r.cause === null ? { kind: 'manual' } : (JSON.parse(r.cause) as RunCause),
  resumedFrom: r.resumed_from,
  ownerTeam: r.owner_team,
  project: r.project,
  steps: steps.map(toStep),
});

const newStep = (runId: string, step: string, position: number, maxAttempts: number, now: number): StepRunRow => ({
  run_id: runId,
  step,
  position,
  state: 'pending',
  attempt: 0,
  max_attempts: maxAttempts,
  interruptions: 0,
  exit_code: null,
  created_at: now,
  started_at: null,
  finished_at: null,
  compute_ms: 0,
  mlflow_run_id: null,
  not_before: 0,
  worker_id: null,
  heartbeat_at: null,
  error: null,
  cache_key: null,
  cached_from: null,
  inputs: null,
  outputs: null,
});

const MAX_LIMIT = 1000;
const page = (maxResults?: number, pageToken?: string) => {
  const limit = Math.min(maxResults ?? 100, MAX_LIMIT);
  const offset = pageToken === undefined ? 0 : Number(pageToken);
  if (!Number.isInteger(offset) || offset < 0) throw new DomainError('INVALID_INPUT', `pageToken: '${pageToken}' is not a page token from this API`);
  return { limit, offset };
};

/** Refuses a new run (throws a domain error, e.g. BUDGET_EXCEEDED) before anything is written. */
export type RunGate = (run: { pipeline: string; ownerTeam: number | null; project: string | null; cause: RunCause }) => Promise<void>;

export interface PipelinesDeps {
  repo: PipelinesRepository;
  clock: Clock;
}

/** Pipelines: versioned definitions and runs. Executing them is an executor's job (local-executor.ts); this only records intent and reads state. */
export class PipelinesService {
  private readonly repo: PipelinesRepository;
  private readonly clock: Clock;
  private readonly workListeners: (() => void)[] = [];
  private runGate: RunGate | undefined;

  constructor(deps: PipelinesDeps) {
    this.repo = deps.repo;
    this.clock = deps.clock;
  }

  /** A check every new run passes first (the budgets of its owner team and project); set in main.ts once the policies domain exists. */
  setRunGate(gate: RunGate): void {
    this.runGate = gate;
  }

  /** `fn` is called whenever new work may be ready (a run queued or cancelled), so an executor need not wait for its next poll. */
  onWork(fn: () => void): void {
    this.workListeners.push(fn);
  }

  private notify(): void {
    for (const fn of this.workListeners) fn();
  }

  /**
   * Registers a definition (validated); the same definition as the latest version is not a new
   * version. The first registration sets the owner (ACCESS.md: the team named, else the caller's
   * only team) and the project; later ones need write access to it.
   */
  async register(raw: unknown, opts: { access?: Access | undefined; ownerTeam?: string | undefined; visibility?: string | undefined; project?: string | undefined } = {}): Promise<{ pipeline: PipelineView; created: boolean }> {
    const def = validatePipeline(raw);
    if (opts.project !== undefined && !PROJECT.test(opts.project)) throw new DomainError('INVALID_INPUT', `Invalid value for project: expected 1-100 letters, digits, '_', '.', '-', got '${opts.project}'.`);
    const hash = createHash('sha256').update(canonical(def)).digest('hex');
    const now = this.clock.now();
    let owner = await this.repo.owner(def.name);
    if (owner) await this.require(opts.access, def.name, owner, 'write');
    else if (opts.access || opts.project !== undefined) {
      const owned = opts.access ? await opts.access.ownerForCreate({ team: opts.ownerTeam, visibility: opts.visibility }, { team: 'ownerTeam', visibility: 'visibility' }) : { ownerTeam: null, visibility: 'internal' as const };
      const inserted = await this.repo.insertOwner({ name: def.name, owner_team: owned.ownerTeam, visibility: owned.visibility, project: opts.project ?? null, created_at: now });
      owner = await this.repo.owner(def.name);
      // Another caller registered it first: their team owns it, and this caller needs write access to it.
      if (!inserted && owner) await this.require(opts.access, def.name, owner, 'write');
    }
    try {
      return await this.repo.transaction(async (repo) => {
        const latest = await repo.latestVersion(def.name);
        if (latest && latest.definition_hash === hash) return { pipeline: toPipeline(latest, owner), created: false };
        const row: PipelineVersionRow = { name: def.name, version: (latest?.version ?? 0) + 1, definition: JSON.stringify(def), definition_hash: hash, created_at: now };
        await repo.insertVersion(row);
        return { pipeline: toPipeline(row, owner), created: true };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('ALREADY_EXISTS', `Pipeline '${def.name}' was registered concurrently; retry.`);
      throw e;
    }
  }

  private async require(access: Access | undefined, name: string, owner: PipelineOwnerRow | undefined, need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    await access.require(ownedOf(owner), need, `pipeline '${name}'`, () => new DomainError('NOT_FOUND', `Pipeline '${name}' does not exist.`));
  }

  /** Throws NOT_FOUND when the caller may not see the pipeline, NOT_ALLOWED when it may see but not `need` it (runs, cancels, resumes are writes). */
  async guard(access: Access | undefined, name: string, need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    await this.require(access, name, await this.repo.owner(name), need);
  }

  /** The team tree, for {@link Access}. */
  teamTree() {
    return this.repo.teamTree();
  }

  /** Compute-seconds of the steps of runs started in [from, to), per pipeline and project; one pipeline's, or one team's. */
  async cost(opts: { pipeline?: string; team?: number; from?: number; to?: number }): Promise<PipelineCost[]> {
    const rows = await this.repo.compute({ ...(opts.pipeline !== undefined ? { pipeline: opts.pipeline } : {}), ...(opts.team !== undefined ? { team: opts.team } : {}), from: opts.from ?? 0, to: opts.to ?? Number.MAX_SAFE_INTEGER });
    return rows.map((r) => ({ pipeline: r.pipeline, project: r.project, ownerTeam: r.owner_team, computeSeconds: r.compute_ms / 1000, stepsRun: r.steps, stepsCached: r.cached }));
  }

  /** Latest versions by name; pipelines the caller may not see are left out of the page. */
  async list(opts: { maxResults?: number; pageToken?: string; access?: Access | undefined } = {}): Promise<{ items: PipelineView[]; nextPageToken?: string }> {
    const { limit, offset } = page(opts.maxResults, opts.pageToken);
    const rows = await this.repo.listLatest(offset, limit + 1);
    const owners = await this.repo.owners(rows.map((r) => r.name));
    const items: PipelineView[] = [];
    for (const r of rows.slice(0, limit)) {
      const o = owners.get(r.name);
      if (opts.access && !opts.access.unrestricted && (await opts.access.decide(ownedOf(o), 'read')) === 'hide') continue;
      items.push(toPipeline(r, o));
    }
    return { items, ...(rows.length > limit ? { nextPageToken: String(offset + limit) } : {}) };
  }

  async get(name: string, version?: number): Promise<PipelineView> {
    const row = version === undefined ? await this.repo.latestVersion(name) : await this.repo.getVersion(name, version);
    if (!row) throw new DomainError('NOT_FOUND', version === undefined ? `Pipeline '${name}' does not exist.` : `Pipeline '${name}' has no version ${version}.`);
    return toPipeline(row, await this.repo.owner(name));
  }

  /** Queues a run of the latest (or the given) version; parameters are checked before anything is written. */
  async startRun(name: string, input: { params?: Record<string, unknown>; version?: number; cause?: RunCause } = {}): Promise<PipelineRunView> {
    const p = await this.get(name, input.version);
    const params = resolveParams(p.definition, input.params ?? {});
    const cause = input.cause ?? { kind: 'manual' };
    await this.runGate?.({ pipeline: p.name, ownerTeam: p.ownerTeam, project: p.project, cause });
    const now = this.clock.now();
    const id = randomUUID().replace(/-/g, '');
    const run: PipelineRunRow = {
      id,
      pipeline_name: p.name,
      pipeline_version: p.version,
      state: 'queued',
      params: JSON.stringify(params),
      created_at: now,
      started_at: null,
      finished_at: null,
      error: null,
      cause: JSON.stringify(cause),
      resumed_from: null,
      owner_team: p.ownerTeam,
      project: p.project,
    };
    const steps = p.definition.steps.map((s, position) => newStep(id, s.name, position, 1 + (s.retries?.max ?? 0), now));
    await this.repo.transaction((repo) => repo.insertRun(run, steps));
    this.notify();
    return toRun(run, steps);
  }

  /**
   * Resumes a failed or cancelled run as a new run of the same version with the same parameters:
   * the steps that succeeded are carried over (their outputs reused, marked cached from the
   * original), the others run again. The original run is left as it was, for the record.
   */
  async resumeRun(id: string): Promise<PipelineRunView> {
    const original = await this.repo.getRun(id);
    if (!original) throw new DomainError('NOT_FOUND', `Pipeline run '${id}' does not exist.`);
    if (original.state !== 'failed' && original.state !== 'cancelled') {
      throw new DomainError('INVALID_STATE', `Pipeline run '${id}' is ${original.state}; only a failed or cancelled run can be resumed.`);
    }
    const p = await this.get(original.pipeline_name, original.pipeline_version);
    await this.runGate?.({ pipeline: p.name, ownerTeam: original.owner_team, project: original.project, cause: { kind: 'resume', runId: id } });
    const before = new Map((await this.repo.stepRuns(id)).map((r) => [r.step, r]));
    const now = this.clock.now();
    const newId = randomUUID().replace(/-/g, '');
    const run: PipelineRunRow = { ...original, id: newId, state: 'queued', created_at: now, started_at: null, finished_at: null, error: null, cause: JSON.stringify({ kind: 'resume', runId: id }), resumed_from: id };
    const steps = p.definition.steps.map((s, position) => {
      const step = newStep(newId, s.name, position, 1 + (s.retries?.max ?? 0), now);
      const old = before.get(s.name);
      if (old?.state !== 'succeeded') return step;
      return { ...step, state: 'succeeded', exit_code: old.exit_code, started_at: now, finished_at: now, mlflow_run_id: old.mlflow_run_id, cache_key: old.cache_key, cached_from: old.cached_from ?? id, inputs: old.inputs, outputs: old.outputs };
    });
    await this.repo.transaction((repo) => repo.insertRun(run, steps));
    this.notify();
    return toRun(run, steps);
  }

  async getRun(id: string): Promise<PipelineRunView> {
    const run = await this.repo.getRun(id);
    if (!run) throw new DomainError('NOT_FOUND', `Pipeline run '${id}' does not exist.`);
    return toRun(run, await this.repo.stepRuns(id));
  }

  async listRuns(name: string, opts: { maxResults?: number; pageToken?: string } = {}): Promise<{ items: PipelineRunView[]; nextPageToken?: string }> {
    await this.get(name);
    const { limit, offset } = page(opts.maxResults, opts.pageToken);
    const rows = await this.repo.listRuns(name, offset, limit + 1);
    const items = await Promise.all(rows.slice(0, limit).map(async (r) => toRun(r, await this.repo.stepRuns(r.id))));
    return { items, ...(rows.length > limit ? { nextPageToken: String(offset + limit) } : {}) };
  }

  /**
   * Cancels a queued or running run: pending steps are cancelled at once; running ones are killed by
   * the executor holding them (it watches its run's state) and end `cancelled`.
   */
  async cancelRun(id: string): Promise<PipelineRunView> {
    const now = this.clock.now();
    await this.repo.transaction(async (repo) => {
      const run = await repo.getRun(id);
      if (!run) throw new DomainError('NOT_FOUND', `Pipeline run '${id}' does not exist.`);
      if (!(await repo.finishRun(id, 'cancelled', now, 'cancelled by request'))) {
        throw new DomainError('INVALID_STATE', `Pipeline run '${id}' is already ${run.state}; only a queued or running run can be cancelled.`);
      }
      await repo.endPending(id, 'all', 'cancelled', now, 'the run was cancelled');
    });
    this.notify();
    return this.getRun(id);
  }

  /** The stored log of a step, every attempt in order, each headed by its attempt number. */
  async stepLog(id: string, step: string): Promise<string> {
    const s = await this.repo.getStepRun(id, step);
    if (!s) {
      await this.getRun(id);
      throw new DomainError('NOT_FOUND', `Pipeline run '${id}' has no step '${step}'.`);
    }
    const chunks = await this.repo.logs(id, step);
    let out = '';
    let attempt = 0;
    for (const c of chunks) {
      if (c.attempt !== attempt) {
        attempt = c.attempt;
        if (s.max_attempts > 1) out += `--- attempt ${attempt} ---\n`;
      }
      out += c.text;
    }
    return out;
  }
}
