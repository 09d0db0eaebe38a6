import { randomUUID } from 'node:crypto';
import {
  DomainError,
  TRACKING_LIMITS as L,
  type DatasetInput,
  type Experiment,
  type Metric,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
  type ViewType,
} from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { OWNER_TEAM_TAG, VISIBILITIES, VISIBILITY_TAG, type Access, type Need, type Visibility } from '../org/access.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import { isUniqueViolation } from '../../store/index.js';
import { generateRunName } from './run-names.js';
import { parseExperimentFilter, parseExperimentOrderBy, parseRunFilter, parseRunOrderBy } from './search-filter.js';
import type { RunData, TrackingRepository } from './tracking.repository.js';
import type { ExperimentRow, MetricRow, RunRow } from './tracking.tables.js';
import {
  validateBatchSizes,
  validateExperimentName,
  validateExperimentTag,
  validateInt64,
  validateKey,
  validateLength,
  validateMaxResults,
  validateMetricValue,
  validateNoNul,
  validateParamValue,
  validateTagValue,
  validateTimestamp,
} from './tracking.validation.js';

export interface TrackingDeps {
  repo: TrackingRepository;
  clock: Clock;
  /** Budgets (domains/policies); without it every run may be created. */
  gate?: TrackingActionGate | undefined;
}

/** Checked before an action the organization may govern; throws to refuse it (domains/policies). */
export interface TrackingActionGate {
  beforeRunCreate(input: { experimentId: number; actor: string; source: string | null }): Promise<void>;
}

export interface MetricInput {
  key: string;
  value: number;
  timestamp?: number | undefined;
  step?: number | undefined;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export interface MetricWithRunId extends Metric {
  runId: string;
}

export const DEFAULT_EXPERIMENT_ID = '0';
/** Experiments one runs search may name (MLflow sets no limit; SQL needs one). */
export const MAX_SEARCH_EXPERIMENT_IDS = 1000;

/** Tag MLflow clients read the run name from; kept in step with the run_name column. */
const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';
const LOG_MODEL_TAG = 'mlflow.log-model.history';
/** A metric history page holds at most this many points unless the client asks for fewer. */
const HISTORY_PAGE = 25_000;
const BULK_MAX_RUNS = 100;
const BULK_DEFAULT_RESULTS = 2_500;
const BULK_MAX_RESULTS = 2_500;

const notFoundRun = (id: string) => new DomainError('NOT_FOUND', `Run with id=${id} not found`);
const notFoundExperiment = (id: string) => new DomainError('NOT_FOUND', `No Experiment with id=${id} exists`);

/** Experiment ids are decimal strings on the wire and integers in the store. */
function parseExperimentId(id: string): number {
  if (!/^\d{1,15}$/.test(id)) throw notFoundExperiment(id);
  return Number(id);
}


const ownedRow = (r: ExperimentRow) => ({ ownerTeam: r.owner_team === null ? null : Number(r.owner_team), visibility: r.visibility === 'private' ? ('private' as const) : ('internal' as const) });

/** Ownership shows as two read-only tags, in both APIs: `flywheel.owner_team` (team id) and `flywheel.visibility`. */
function toExperiment(row: ExperimentRow, stored: Tag[]): Experiment {
  // Unowned internal experiments (legacy, anonymous) show none: they read exactly as before.
  const owned = row.owner_team !== null || row.visibility !== 'internal';
  const tags = owned ? [...stored, { key: OWNER_TEAM_TAG, value: String(row.owner_team ?? '') }, { key: VISIBILITY_TAG, value: row.visibility }] : stored;
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage as Experiment['lifecycleStage'],
    creationTime: row.creation_time,
    lastUpdateTime: row.last_update_time,
    tags,
  };
}

function refuseOwnershipTag(key: string) {
  if (key === OWNER_TEAM_TAG || key === VISIBILITY_TAG) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid tag key '${key}': the owner team is set when the experiment is created, and the visibility changes by setting '${VISIBILITY_TAG}' to private or internal; neither can be deleted.`,
    );
  }
}

export function parseVisibility(value: string): Visibility {
  if (!(VISIBILITIES as readonly string[]).includes(value)) throw new DomainError('INVALID_INPUT', `Invalid value '${value}' for tag '${VISIBILITY_TAG}': expected one of ${VISIBILITIES.join(', ')}.`);
  return value as Visibility;
}

function toRunInfo(r: RunRow): RunInfo {
  return {
    runId: r.run_uuid,
    runName: r.run_name,
    experimentId: String(r.experiment_id),
    userId: r.user_id,
    status: r.status as RunStatus,
    startTime: r.start_time,
    endTime: r.end_time,
    artifactUri: r.artifact_uri,
    lifecycleStage: r.lifecycle_stage as RunInfo['lifecycleStage'],
  };
}

const toMetric = (m: MetricRow): Metric => ({ key: m.key, value: m.is_nan ? NaN : m.value, timestamp: m.timestamp, step: m.step });

function toRun(r: RunRow, d: RunData | undefined): Run {
  return {
    info: toRunInfo(r),
    data: {
      metrics: (d?.metrics ?? []).map(toMetric),
      params: (d?.params ?? []).map((p) => ({ key: p.key, value: p.value })),
      tags: (d?.tags ?? []).map((t) => ({ key: t.key, value: t.value })),
    },
    inputs: {
      datasetInputs: (d?.inputs ?? []).map((i) => ({
        tags: i.tags.map((t) => ({ key: t.name, value: t.value })),
        dataset: {
          name: i.dataset.name,
          digest: i.dataset.digest,
          sourceType: i.dataset.source_type,
          source: i.dataset.source,
          ...(i.dataset.schema !== null ? { schema: i.dataset.schema } : {}),
          ...(i.dataset.profile !== null ? { profile: i.dataset.profile } : {}),
        },
      })),
    },
  };
}

function toMetricRow(m: MetricInput, now: number): Omit<MetricRow, 'run_uuid'> {
  const key = validateKey('metric', m.key);
  const value = validateMetricValue(key, m.value, m.timestamp ?? now);
  const timestamp = m.timestamp === undefined ? now : validateTimestamp(key, value, m.timestamp);
  const step = m.step === undefined ? 0 : validateInt64('step', m.step);
  const nan = Number.isNaN(value);
  return { key, timestamp, step, value: nan ? 0 : value, is_nan: nan ? 1 : 0 };
}

function checkTags(tags: readonly Tag[]): void {
  for (const t of tags) {
    validateKey('tag', t.key);
    validateTagValue(t.value);
  }
}

/**
 * Experiment tracking: experiments, runs, params, metrics, tags, dataset inputs and search.
 * Every write is one transaction; a request that fails validation writes nothing.
 */
export class TrackingService {
  private readonly repo: TrackingRepository;
  private readonly clock: Clock;
  private gate: TrackingActionGate | undefined;

  constructor(deps: TrackingDeps) {
    this.repo = deps.repo;
    this.clock = deps.clock;
    this.gate = deps.gate;
  }

  /** Installs the budget gate once it exists (it is built after this service). */
  setActionGate(gate: TrackingActionGate | undefined): void {
    this.gate = gate;
  }

  // ---- experiments -------------------------------------------------------------------------

  /**
   * Creates an experiment owned by `ownerTeam` (a team name or id; else the tag
   * `flywheel.owner_team`; else the creator's only team — see org/ACCESS.md) with `visibility`
   * (else the tag `flywheel.visibility`). Without `access` (internal callers) it is unowned and internal.
   */
  async createExperiment(input: {
    name: string;
    artifactLocation?: string | undefined;
    tags?: Tag[] | undefined;
    ownerTeam?: string | undefined;
    visibility?: string | undefined;
    access?: Access | undefined;
  }): Promise<string> {
    const name = validateExperimentName(input.name);
    const tags = (input.tags ?? []).filter((t) => t.key !== OWNER_TEAM_TAG && t.key !== VISIBILITY_TAG);
    const tagOf = (key: string) => input.tags?.findLast((t) => t.key === key)?.value;
    const owned = input.access
      ? await input.access.ownerForCreate(
          { team: input.ownerTeam ?? tagOf(OWNER_TEAM_TAG), visibility: input.visibility ?? tagOf(VISIBILITY_TAG) },
          input.ownerTeam !== undefined || input.visibility !== undefined ? { team: 'ownerTeam', visibility: 'visibility' } : { team: `tag '${OWNER_TEAM_TAG}'`, visibility: `tag '${VISIBILITY_TAG}'` },
        )
      : { ownerTeam: null, visibility: 'internal' as const };
    for (const t of tags) validateExperimentTag(t.key, t.value);
    if (input.artifactLocation) validateLength('Artifact location', input.artifactLocation, 2048);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      const existing = await repo.getExperimentByName(name);
      if (existing) {
        throw new DomainError(
          'ALREADY_EXISTS',
          existing.lifecycle_stage === 'deleted'
            ? `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment to create a new one with the same name.`
            : `Experiment(name=${name}) already exists.`,
        );
      }
      const id = await repo
        .insertExperiment(
          { name, artifact_location: input.artifactLocation ?? '', lifecycle_stage: 'active', creation_time: now, last_update_time: now, owner_team: owned.ownerTeam, visibility: owned.visibility },
          (newId) => `mlflow-artifacts:/${newId}`,
        )
        .catch((e: unknown) => {
          // A concurrent create of the same name won the race between our check and our insert.
          throw isUniqueViolation(e) ? new DomainError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`) : e;
        });
      for (const t of tags) await repo.setExperimentTag(id, t.key, t.value, now);
      return String(id);
    });
  }

  // ---- access (issue 6) --------------------------------------------------------------------

  /**
   * Throws NOT_FOUND when `access` may not see the experiment, NOT_ALLOWED when it may see but
   * not do `need`. No `access` (internal callers) or an unrestricted one costs nothing.
   */
  async guardExperiment(access: Access | undefined, id: string, need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    const expId = parseExperimentId(id);
    await access.require(await this.repo.experimentOwner(expId), need, `experiment ${id}`, () => notFoundExperiment(id));
  }

  /** As {@link guardExperiment}, for the experiment of a run: one primary-key join. */
  async guardRun(access: Access | undefined, runId: string, need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    await access.require(await this.repo.runOwner(runId), need, `run '${runId}'`, () => notFoundRun(runId));
  }

  /** As {@link guardRun}, for several runs (bulk metric reads). */
  async guardRuns(access: Access | undefined, runIds: readonly string[], need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    const owners = await this.repo.runOwners(runIds);
    for (const id of runIds) await access.require(owners.get(id), need, `run '${id}'`, () => notFoundRun(id));
  }

  /** The team tree, for {@link Access} (see org/access.ts). */
  teamTree() {
    return this.repo.teamTree();
  }

  async getExperiment(id: string, access?: Access): Promise<Experiment> {
    await this.guardExperiment(access, id, 'read');
    const row = await this.repo.getExperiment(parseExperimentId(id));
    if (!row) throw notFoundExperiment(id);
    const tags = await this.repo.experimentTags([row.experiment_id]);
    return toExperiment(row, tags.get(row.experiment_id) ?? []);
  }

  async getExperimentByName(name: string, access?: Access): Promise<Experiment> {
    const row = await this.repo.getExperimentByName(name);
    const notFound = () => new DomainError('NOT_FOUND', `Could not find experiment with name '${name}'`);
    if (!row) throw notFound();
    if (access && !access.unrestricted) await access.require(ownedRow(row), 'read', `experiment '${name}'`, notFound);
    const tags = await this.repo.experimentTags([row.experiment_id]);
    return toExperiment(row, tags.get(row.experiment_id) ?? []);
  }

  async searchExperiments(input: {
    viewType?: ViewType | undefined;
    filter?: string | undefined;
    orderBy?: string[] | undefined;
    maxResults?: number | undefined;
    pageToken?: string | undefined;
    access?: Access | undefined;
  }): Promise<Page<Experiment>> {
    const limit = validateMaxResults(input.maxResults);
    const filter = parseExperimentFilter(input.filter);
    const order = parseExperimentOrderBy(input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const scope = input.access && !input.access.unrestricted ? await input.access.scope() : undefined;
    const rows = await this.repo.searchExperiments({ view: input.viewType ?? 'ACTIVE_ONLY', filter, order, offset, limit: limit + 1, scope });
    const page = rows.slice(0, limit);
    const tags = await this.repo.experimentTags(page.map((r) => r.experiment_id));
    return {
      items: page.map((r) => toExperiment(r, tags.get(r.experiment_id) ?? [])),
      nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined,
    };
  }

  async updateExperiment(id: string, newName: string | undefined): Promise<void> {
    const expId = parseExperimentId(id);
    await this.repo.transaction(async (repo) => {
      const row = await repo.getExperiment(expId);
      if (!row) throw notFoundExperiment(id);
      if (row.lifecycle_stage !== 'active') {
        throw new DomainError('INVALID_INPUT', `Cannot rename a non-active experiment. The experiment ${id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
      }
      if (newName === undefined || newName === row.name) return;
      const name = validateExperimentName(newName);
      const clash = await repo.getExperimentByName(name);
      if (clash) throw new DomainError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      await repo.renameExperiment(expId, name, this.clock.now()).catch((e: unknown) => {
        throw isUniqueViolation(e) ? new DomainError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`) : e;
      });
    });
  }

  deleteExperiment(id: string): Promise<void> {
    return this.setExperimentStage(id, 'deleted');
  }

  restoreExperiment(id: string): Promise<void> {
    return this.setExperimentStage(id, 'active');
  }

  private async setExperimentStage(id: string, stage: 'active' | 'deleted'): Promise<void> {
    const expId = parseExperimentId(id);
    await this.repo.transaction(async (repo) => {
      const row = await repo.getExperiment(expId);
      if (!row) throw notFoundExperiment(id);
      if (row.lifecycle_stage === stage) {
        if (stage === 'deleted') return; // MLflow: deleting twice is not an error.
        throw new DomainError('INVALID_INPUT', `Cannot restore an active experiment. The experiment ${id} must be in the 'deleted' state. Current state is active.`);
      }
      if (stage === 'active') {
        const clash = await repo.getExperimentByName(row.name);
        if (clash && clash.experiment_id !== expId) throw new DomainError('ALREADY_EXISTS', `Experiment(name=${row.name}) already exists.`);
      }
      await repo.setExperimentLifecycle(expId, stage, this.clock.now());
    });
  }

  /**
   * Sets a tag. The tag `flywheel.visibility` (private|internal) changes the experiment's
   * visibility instead (callers check it needs a maintainer: see org/ACCESS.md); the owner team
   * does not change through tags.
   */
  async setExperimentTag(id: string, key: string, value: string): Promise<void> {
    validateExperimentTag(key, value);
    if (key === OWNER_TEAM_TAG) refuseOwnershipTag(key);
    const visibility = key === VISIBILITY_TAG ? parseVisibility(value) : undefined;
    const expId = parseExperimentId(id);
    await this.repo.transaction(async (repo) => {
      const row = await this.activeExperiment(repo, id, expId);
      if (visibility === undefined) return repo.setExperimentTag(expId, key, value, this.clock.now());
      if (visibility === 'private' && row.owner_team === null) {
        throw new DomainError('INVALID_INPUT', `Invalid value 'private' for tag '${VISIBILITY_TAG}': experiment ${id} has no owner team, and private work needs one.`);
      }
      await repo.setExperimentVisibility(expId, visibility, this.clock.now());
    });
  }

  async deleteExperimentTag(id: string, key: string): Promise<void> {
    refuseOwnershipTag(key);
    const expId = parseExperimentId(id);
    await this.repo.transaction(async (repo) => {
      await this.activeExperiment(repo, id, expId);
      const n = await repo.deleteExperimentTag(expId, key);
      if (n === 0) throw new DomainError('NOT_FOUND', `No tag with name: ${key} in experiment with id ${id}`);
    });
  }

  private async activeExperiment(repo: TrackingRepository, id: string, expId: number): Promise<ExperimentRow> {
    const row = await repo.getExperiment(expId);
    if (!row) throw notFoundExperiment(id);
    if (row.lifecycle_stage !== 'active') {
      throw new DomainError('INVALID_INPUT', `The experiment ${id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  // ---- runs --------------------------------------------------------------------------------

  async createRun(input: {
    experimentId?: string | undefined;
    userId?: string | undefined;
    runName?: string | undefined;
    startTime?: number | undefined;
    tags?: Tag[] | undefined;
    /** who asks, for the audit log of a refusal */
    actor?: { actor: string; source?: string | null | undefined } | undefined;
  }): Promise<Run> {
    const tags = [...(input.tags ?? [])];
    checkTags(tags);
    const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && tagName !== undefined && tagName !== input.runName) {
      throw new DomainError(
        'INVALID_INPUT',
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = input.runName || tagName || generateRunName();
    validateLength('Run name', runName, L.maxRunNameLength);
    if (tagName === undefined) tags.push({ key: RUN_NAME_TAG, value: runName });
    const userId = input.userId ?? tags.find((t) => t.key === USER_TAG)?.value ?? '';
    validateNoNul('user_id', userId);
    const experimentId = input.experimentId ?? DEFAULT_EXPERIMENT_ID;
    const expId = parseExperimentId(experimentId);
    const startTime = input.startTime ?? this.clock.now();
    validateInt64('start_time', startTime);
    // Before the insert: a refusal is audited in its own transaction.
    if (this.gate) await this.gate.beforeRunCreate({ experimentId: expId, actor: input.actor?.actor ?? (userId || 'anonymous'), source: input.actor?.source ?? null });
    const runId = randomUUID().replace(/-/g, '');
    const row = await this.repo.insertRunInActiveExperiment(
      { run_uuid: runId, experiment_id: expId, run_name: runName, user_id: userId, status: 'RUNNING', start_time: startTime, end_time: null, deleted_time: null, lifecycle_stage: 'active' },
      tags,
    );
    if (!row) {
      await this.activeExperiment(this.repo, experimentId, expId); // throws: missing or not active
      throw new DomainError('INTERNAL', `Run could not be created in experiment ${experimentId}.`);
    }
    // Answered from what was written: a new run has its tags and nothing else yet.
    const written = [...new Map(tags.map((t) => [t.key, t.value])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return toRun(row, { params: [], metrics: [], inputs: [], tags: written.map(([key, value]) => ({ run_uuid: runId, key, value })) });
  }

  async getRun(runId: string): Promise<Run> {
    const row = await this.repo.getRun(runId);
    if (!row) throw notFoundRun(runId);
    const data = await this.repo.runData([runId]);
    return toRun(row, data.get(runId));
  }

  async updateRun(input: { runId: string; status?: RunStatus | undefined; endTime?: number | undefined; runName?: string | undefined }): Promise<RunInfo> {
    if (input.runName !== undefined) validateLength('Run name', input.runName, L.maxRunNameLength);
    if (input.endTime !== undefined) validateInt64('end_time', input.endTime);
    const set: Partial<Pick<RunRow, 'status' | 'end_time' | 'run_name'>> = {};
    if (input.status !== undefined) set.status = input.status;
    if (input.endTime !== undefined) set.end_time = input.endTime;
    if (!input.runName) {
      // The common case (end_run): one statement, no transaction round trips.
      const updated = await this.repo.updateActiveRun(input.runId, set);
      if (updated) return toRunInfo(updated);
      await this.activeRun(this.repo, input.runId); // throws the right error: missing or not active
      throw new DomainError('INTERNAL', `Run ${input.runId} could not be updated.`);
    }
    set.run_name = input.runName;
    return this.repo.transaction(async (repo) => {
      const row = await this.activeRun(repo, input.runId);
      await repo.upsertTags(input.runId, [{ key: RUN_NAME_TAG, value: input.runName! }]);
      await repo.updateRun(input.runId, set);
      return toRunInfo({ ...row, ...set });
    });
  }

  deleteRun(runId: string): Promise<void> {
    return this.setRunStage(runId, 'deleted');
  }

  restoreRun(runId: string): Promise<void> {
    return this.setRunStage(runId, 'active');
  }

  private async setRunStage(runId: string, stage: 'active' | 'deleted'): Promise<void> {
    await this.repo.transaction(async (repo) => {
      const row = await repo.getRun(runId);
      if (!row) throw notFoundRun(runId);
      if (stage === 'active') {
        const exp = await repo.getExperiment(row.experiment_id);
        if (exp && exp.lifecycle_stage !== 'active') {
          throw new DomainError('INVALID_INPUT', `Cannot restore run ${runId}: its experiment ${row.experiment_id} is deleted. Restore the experiment first.`);
        }
      }
      await repo.setRunLifecycle(runId, stage, this.clock.now());
    });
  }

  private async activeRun(repo: TrackingRepository, runId: string): Promise<RunRow> {
    const row = await repo.getRun(runId);
    if (!row) throw notFoundRun(runId);
    if (row.lifecycle_stage !== 'active') {
      throw new DomainError('INVALID_INPUT', `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  // ---- logging -----------------------------------------------------------------------------

  logMetric(runId: string, metric: MetricInput): Promise<void> {
    return this.logBatch({ runId, metrics: [metric] });
  }

  logParam(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch({ runId, params: [{ key, value }] });
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch({ runId, tags: [{ key, value }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.repo.transaction(async (repo) => {
      await this.activeRun(repo, runId);
      const n = await repo.deleteTag(runId, key);
      if (n === 0) throw new DomainError('NOT_FOUND', `No tag with name: ${key} in run with id ${runId}`);
    });
  }

  /**
   * Logs metrics, params and tags of one run, all or nothing. Params are immutable: logging
   * the same value again is a no-op, a different value is refused (MLflow's rule).
   */
  async logBatch(input: { runId: string; metrics?: MetricInput[] | undefined; params?: Tag[] | undefined; tags?: Tag[] | undefined }): Promise<void> {
    const metrics = input.metrics ?? [];
    const params = input.params ?? [];
    const tags = input.tags ?? [];
    validateBatchSizes(metrics.length, params.length, tags.length);
    const now = this.clock.now();
    const points = metrics.map((m) => toMetricRow(m, now));
    const seen = new Set<string>();
    const dupes = new Set<string>();
    for (const p of params) {
      validateKey('parameter', p.key);
      if (typeof p.value !== 'string') throw new DomainError('INVALID_INPUT', `Invalid value for parameter '${p.key}': it must be a string.`);
      validateParamValue(p.key, p.value);
      if (seen.has(p.key)) dupes.add(p.key);
      seen.add(p.key);
    }
    if (dupes.size) {
      throw new DomainError(
        'INVALID_INPUT',
        `Duplicate parameter keys have been submitted: [${[...dupes].map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
      );
    }
    checkTags(tags);
    const runName = tags.findLast((t) => t.key === RUN_NAME_TAG)?.value;
    await this.repo.transaction(async (repo) => {
      await this.activeRun(repo, input.runId);
      if (params.length) {
        const inserted = await repo.insertParams(input.runId, params);
        const existing = params.filter((p) => !inserted.has(p.key));
        const stored = existing.length ? await repo.getParams(input.runId, existing.map((p) => p.key)) : new Map<string, string>();
        for (const p of existing) {
          const old = stored.get(p.key);
          if (old !== undefined && old !== p.value) {
            throw new DomainError(
              'CONFLICT',
              `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${input.runId}'. Attempted logging new value '${p.value}'.`,
            );
          }
        }
      }
      if (tags.length) {
        await repo.upsertTags(input.runId, tags);
        if (runName !== undefined) await repo.updateRun(input.runId, { run_name: runName });
      }
      await repo.insertMetrics(input.runId, points);
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    for (const d of datasets) {
      const ds = d.dataset;
      for (const [field, v, max] of [
        ['name', ds.name, L.maxDatasetNameLength],
        ['digest', ds.digest, L.maxDatasetDigestLength],
        ['source_type', ds.sourceType, 64],
        ['source', ds.source, L.maxDatasetSourceLength],
      ] as const) {
        if (typeof v !== 'string' || v === '') throw new DomainError('INVALID_INPUT', `Missing value for required parameter 'dataset.${field}'.`);
        validateLength(`Dataset ${field}`, v, max);
      }
      if (ds.schema !== undefined) validateLength('Dataset schema', ds.schema, L.maxDatasetSchemaLength);
      if (ds.profile !== undefined) validateLength('Dataset profile', ds.profile, L.maxDatasetProfileLength);
      for (const t of d.tags) {
        validateLength('Input tag key', t.key, L.maxInputTagKeyLength);
        validateLength('Input tag value', t.value, L.maxInputTagValueLength);
      }
    }
    await this.repo.transaction(async (repo) => {
      const run = await this.activeRun(repo, runId);
      for (const d of datasets) {
        const datasetUuid = await repo.upsertDataset({
          dataset_uuid: randomUUID().replace(/-/g, ''),
          experiment_id: run.experiment_id,
          name: d.dataset.name,
          digest: d.dataset.digest,
          source_type: d.dataset.sourceType,
          source: d.dataset.source,
          schema: d.dataset.schema ?? null,
          profile: d.dataset.profile ?? null,
        });
        await repo.linkInput(randomUUID().replace(/-/g, ''), datasetUuid, runId, d.tags);
      }
    });
  }

  /**
   * Records a logged model on its run (MLflow's `mlflow.log-model.history` tag, a JSON list).
   * The tag is written by the server, so it is not held to the tag length limit.
   */
  async recordLoggedModel(runId: string, modelJson: string): Promise<void> {
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw new DomainError('INVALID_INPUT', `Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
    }
    if (model === null || typeof model !== 'object' || Array.isArray(model)) {
      throw new DomainError('INVALID_INPUT', `Malformed model info: model_json must be a JSON object.`);
    }
    const missingFields = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((f) => !(f in model));
    if (missingFields.length) throw new DomainError('INVALID_INPUT', `Model json is missing mandatory fields: ${missingFields.join(', ')}`);
    await this.repo.transaction(async (repo) => {
      await this.activeRun(repo, runId);
      const data = await repo.runData([runId]);
      const current = data.get(runId)?.tags.find((t) => t.key === LOG_MODEL_TAG)?.value;
      let history: unknown[] = [];
      if (current) {
        try {
          const parsed: unknown = JSON.parse(current);
          if (Array.isArray(parsed)) history = parsed;
        } catch {
          history = [];
        }
      }
      history.push(model);
      await repo.upsertTags(runId, [{ key: LOG_MODEL_TAG, value: JSON.stringify(history) }]);
    });
  }

  // ---- reading metrics ---------------------------------------------------------------------

  async getMetricHistory(input: { runId: string; key: string; maxResults?: number | undefined; pageToken?: string | undefined }): Promise<Page<Metric>> {
    const limit = input.maxResults === undefined ? HISTORY_PAGE : validateMaxResults(input.maxResults, HISTORY_PAGE);
    const offset = decodePageToken(input.pageToken);
    const run = await this.repo.getRun(input.runId);
    if (!run) throw notFoundRun(input.runId);
    const rows = await this.repo.metricHistory(input.runId, input.key, offset, limit + 1);
    return {
      items: rows.slice(0, limit).map(toMetric),
      nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined,
    };
  }

  /**
   * The points of one metric for several runs, sampled to at most `maxResults` steps per run
   * (evenly spaced, always keeping the first and last step) — what the UI draws its charts from.
   */
  async getMetricHistoryBulkInterval(input: {
    runIds: string[];
    key: string;
    startStep?: number | undefined;
    endStep?: number | undefined;
    maxResults?: number | undefined;
  }): Promise<MetricWithRunId[]> {
    if (input.runIds.length === 0) throw new DomainError('INVALID_INPUT', `GetMetricHistoryBulkInterval request must specify at least one run_id.`);
    if (input.runIds.length > BULK_MAX_RUNS) {
      throw new DomainError('INVALID_INPUT', `GetMetricHistoryBulkInterval request cannot specify more than ${BULK_MAX_RUNS} run_ids. Received ${input.runIds.length} run_ids.`);
    }
    if ((input.startStep === undefined) !== (input.endStep === undefined)) {
      throw new DomainError('INVALID_INPUT', 'If either start step or end step are specified, both must be specified.');
    }
    if (input.startStep !== undefined && input.endStep !== undefined && input.startStep > input.endStep) {
      throw new DomainError('INVALID_INPUT', `end_step (${input.endStep}) must be greater than or equal to start_step (${input.startStep}).`);
    }
    const maxResults = input.maxResults ?? BULK_DEFAULT_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > BULK_MAX_RESULTS) {
      throw new DomainError('INVALID_INPUT', `max_results must be between 1 and ${BULK_MAX_RESULTS} (got ${maxResults}).`);
    }
    for (const id of input.runIds) {
      if (!(await this.repo.getRun(id))) throw notFoundRun(id);
    }
    // Only the sampled steps' points are read: the distinct steps of each run first, then the
    // points at the steps kept (a run with millions of points costs its step list, not its points).
    const start = input.startStep ?? null;
    const end = input.endStep ?? null;
    const byRun = new Map<string, MetricRow[]>();
    for (const runId of new Set(input.runIds)) {
      const steps = await this.repo.metricSteps(runId, input.key, start, end);
      const keep = sampleSteps(steps, maxResults);
      byRun.set(runId, keep.length ? await this.repo.metricPointsAtSteps(runId, input.key, keep) : []);
    }
    const out: MetricWithRunId[] = [];
    for (const runId of input.runIds) {
      for (const p of byRun.get(runId) ?? []) out.push({ ...toMetric(p), runId });
    }
    return out;
  }

  /**
   * Runs that logged a dataset input matching one of `digests` (exact) or `sources` — how lineage
   * finds what a registered dataset version fed.
   */
  async runsUsingDatasets(match: { digests: string[]; sources: string[] }): Promise<{ run: RunInfo; dataset: DatasetInput['dataset'] }[]> {
    const rows = await this.repo.runsWithInputs(match);
    return rows.map(({ run, dataset }) => ({
      run: toRunInfo(run),
      dataset: { name: dataset.name, digest: dataset.digest, sourceType: dataset.source_type, source: dataset.source },
    }));
  }

  // ---- search ------------------------------------------------------------------------------

  async searchRuns(input: {
    experimentIds: string[];
    filter?: string | undefined;
    runViewType?: ViewType | undefined;
    maxResults?: number | undefined;
    orderBy?: string[] | undefined;
    pageToken?: string | undefined;
    access?: Access | undefined;
  }): Promise<Page<Run>> {
    if (input.experimentIds.length > MAX_SEARCH_EXPERIMENT_IDS) {
      throw new DomainError(
        'INVALID_INPUT',
        `Invalid value for 'experiment_ids': a search may name at most ${MAX_SEARCH_EXPERIMENT_IDS} experiments, got ${input.experimentIds.length}.`,
      );
    }
    const limit = validateMaxResults(input.maxResults);
    const filter = parseRunFilter(input.filter);
    const order = parseRunOrderBy(input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const ids = input.experimentIds.filter((id) => /^\d{1,15}$/.test(id)).map(Number);
    if (ids.length === 0) return { items: [], nextPageToken: undefined };
    // Experiments the caller may not read are left out (in the same query), as if they had no runs.
    const scope = input.access && !input.access.unrestricted ? await input.access.scope() : undefined;
    const rows = await this.repo.searchRuns({ experimentIds: ids, view: input.runViewType ?? 'ACTIVE_ONLY', filter, order, offset, limit: limit + 1, scope });
    const page = rows.slice(0, limit);
    const data = await this.repo.runData(page.map((r) => r.run_uuid));
    return {
      items: page.map((r) => toRun(r, data.get(r.run_uuid))),
      nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined,
    };
  }
}

/** Evenly spaced steps from a sorted list, always keeping the first and the last. */
export function sampleSteps(steps: readonly number[], max: number): number[] {
  const sorted = [...steps].sort((a, b) => a - b);
  if (sorted.length <= max) return sorted;
  if (max === 1) return [sorted[sorted.length - 1]!];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (max - 1))]!);
  return [...new Set(out)];
}
