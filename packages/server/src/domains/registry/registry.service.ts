import {
  DomainError,
  MODEL_CARD_STATUSES,
  MODEL_CARD_TRANSITIONS,
  REGISTRY_LIMITS,
  RISK_RATINGS,
  type ApprovalDecision,
  type ApprovalState,
  type ModelCard,
  type ModelCardRecord,
  type ModelCardStatus,
  type ModelSignature,
  type ModelVersionDetail,
  type RiskRating,
  type Tag,
  type TensorSpec,
} from '@flywheel/contract';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';
import { OWNER_TEAM_TAG, VISIBILITIES, VISIBILITY_TAG, type Access, type Need, type Visibility } from '../org/access.js';
import { findModelSignature, type FoundSignature } from './model-signature.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import { versionKeyOf, type RegistryRepository } from './registry.repository.js';
import { parseModelFilter, parseModelOrderBy, parseVersionFilter, parseVersionOrderBy } from './registry.search.js';
import type { ModelCardRow, ModelVersionApprovalRow, ModelVersionRow, ModelVersionSignatureRow, RegisteredModelRow } from './registry.tables.js';
import {
  ACTIVE_STAGES,
  canonicalStage,
  parseVersion,
  validateAlias,
  validateMaxResults,
  validateModelName,
  validateNoNul,
  validateTag,
  type Stage,
} from './registry.validation.js';

/** Where signature extraction reports what it could not read (a pino logger fits). */
export interface RegistryLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface RegistryDeps {
  repo: RegistryRepository;
  clock: Clock;
  /** Where versions' sources are read from to record their signatures. */
  artifacts: ArtifactStore;
  logger?: RegistryLogger | undefined;
  /** The largest model file read for a signature (default 512 MiB); larger ones get none. */
  maxSignatureFileBytes?: number | undefined;
  /** Approval policies (domains/policies); without it every alias may be set. */
  gate?: RegistryActionGate | undefined;
}

/** Checked before an action the organization may govern; throws to refuse it (domains/policies). */
export interface RegistryActionGate {
  beforeAliasSet(input: { model: string; alias: string; version: number; actor: string; source: string | null }): Promise<void>;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export interface ModelVersion {
  name: string;
  /** A decimal string on the wire, as in MLflow. */
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string | undefined;
  currentStage: Stage | string;
  description: string | undefined;
  source: string | undefined;
  runId: string | undefined;
  runLink: string | undefined;
  status: string;
  statusMessage: string | undefined;
  tags: Tag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | undefined;
  /** The highest version in each stage. */
  latestVersions: ModelVersion[];
  tags: Tag[];
  aliases: { alias: string; version: string }[];
}

export interface SearchInput {
  /** The caller (issue 6): only models it may read are returned. None: every model (internal callers). */
  access?: Access | undefined;
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

// mlflow/store/model_registry/__init__.py
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100;
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD = 1000;
export const SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10_000;
export const SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD = 200_000;

const notFoundModel = (name: string) => new DomainError('NOT_FOUND', `Registered Model with name=${name} not found`);
const notFoundVersion = (name: string, version: string | number) =>
  new DomainError('NOT_FOUND', `Model Version (name=${name}, version=${version}) not found`);
const alreadyExists = (name: string) => new DomainError('ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);

const orUndefined = (v: string | null): string | undefined => (v === null ? undefined : v);

/** Ownership shows as two read-only tags (`flywheel.owner_team`: team id, `flywheel.visibility`); unowned internal models show none, as before. */
function ownershipTags(r: RegisteredModelRow, stored: Tag[]): Tag[] {
  const visibility = r.visibility ?? 'internal';
  if ((r.owner_team ?? null) === null && visibility === 'internal') return stored;
  return [...stored, { key: OWNER_TEAM_TAG, value: String(r.owner_team ?? '') }, { key: VISIBILITY_TAG, value: visibility }];
}

function refuseOwnershipTag(key: string) {
  if (key === OWNER_TEAM_TAG || key === VISIBILITY_TAG) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid tag key '${key}': the owner team is set when the model is registered, and the visibility changes by setting '${VISIBILITY_TAG}' to private or internal; neither can be deleted.`,
    );
  }
}
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

export const DEFAULT_MAX_SIGNATURE_FILE_BYTES = 512 * 1024 * 1024;

const CARD_SECTIONS = [
  'modelDetails',
  'intendedUse',
  'outOfScopeUses',
  'factors',
  'metrics',
  'evaluationData',
  'trainingData',
  'ethicalConsiderations',
  'caveats',
] as const;
const CARD_FIELDS = new Set<string>([...CARD_SECTIONS, 'quantitativeAnalyses', 'riskRating']);
const TENSOR_FIELDS = new Set(['name', 'elemType', 'shape']);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkString(field: string, v: unknown, max: number, opts: { required?: boolean; nonEmpty?: boolean } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (opts.required) throw invalid(`${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  if (opts.nonEmpty && v.trim() === '') throw invalid(`${field} must not be empty`);
  if (v.length > max) throw invalid(`${field} has length ${v.length}, which exceeds the limit of ${max}`);
  return v;
}

function checkActor(field: string, v: unknown, required: boolean): string | null {
  return checkString(field, v, REGISTRY_LIMITS.maxActorLength, { required, nonEmpty: true }) ?? null;
}

function validateTensorSpecs(field: string, list: unknown): TensorSpec[] {
  if (!Array.isArray(list)) throw invalid(`${field} must be an array`);
  if (list.length > REGISTRY_LIMITS.maxSignatureTensors) {
    throw invalid(`${field} has ${list.length} entries, more than the limit of ${REGISTRY_LIMITS.maxSignatureTensors}`);
  }
  return list.map((raw, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(raw)) throw invalid(`${at} must be an object`);
    for (const k of Object.keys(raw)) if (!TENSOR_FIELDS.has(k)) throw invalid(`${at}.${k} is not a known field`);
    const name = checkString(`${at}.name`, raw.name, REGISTRY_LIMITS.maxTensorNameLength, { required: true })!;
    const elemType = checkString(`${at}.elemType`, raw.elemType, REGISTRY_LIMITS.maxElemTypeLength, { required: true, nonEmpty: true })!;
    let shape: TensorSpec['shape'] = null;
    if (raw.shape !== null && raw.shape !== undefined) {
      if (!Array.isArray(raw.shape)) throw invalid(`${at}.shape must be an array or null`);
      if (raw.shape.length > REGISTRY_LIMITS.maxTensorRank) throw invalid(`${at}.shape has more than ${REGISTRY_LIMITS.maxTensorRank} dimensions`);
      shape = raw.shape.map((d: unknown, j: number) => {
        if (d === null) return null;
        if (typeof d === 'number' && Number.isInteger(d) && d >= 0) return d;
        if (typeof d === 'string' && d.length > 0 && d.length <= REGISTRY_LIMITS.maxDimParamLength) return d;
        throw invalid(`${at}.shape[${j}] must be a non-negative integer, a dimension name or null`);
      });
    }
    return { name, elemType, shape };
  });
}

/** A card's sections (as stored) and its risk rating, checked field by field. */
function validateCard(card: unknown): { sections: Omit<ModelCard, 'riskRating'>; riskRating: RiskRating | null } {
  if (!isObject(card)) throw invalid('card must be an object');
  for (const k of Object.keys(card)) if (!CARD_FIELDS.has(k)) throw invalid(`card.${k} is not a known field`);
  const sections: Omit<ModelCard, 'riskRating'> = {};
  for (const key of CARD_SECTIONS) {
    const v = checkString(`card.${key}`, card[key], REGISTRY_LIMITS.maxCardSectionLength);
    if (v !== undefined) sections[key] = v;
  }
  const qa = card.quantitativeAnalyses;
  if (qa !== undefined && qa !== null) {
    if (!Array.isArray(qa)) throw invalid('card.quantitativeAnalyses must be an array');
    if (qa.length > REGISTRY_LIMITS.maxQuantitativeAnalyses) {
      throw invalid(`card.quantitativeAnalyses has ${qa.length} entries, more than the limit of ${REGISTRY_LIMITS.maxQuantitativeAnalyses}`);
    }
    sections.quantitativeAnalyses = qa.map((a: unknown, i: number) => {
      const at = `card.quantitativeAnalyses[${i}]`;
      if (!isObject(a)) throw invalid(`${at} must be an object`);
      for (const k of Object.keys(a)) if (!['group', 'metric', 'value'].includes(k)) throw invalid(`${at}.${k} is not a known field`);
      const group = checkString(`${at}.group`, a.group, REGISTRY_LIMITS.maxAnalysisFieldLength, { required: true, nonEmpty: true })!;
      const metric = checkString(`${at}.metric`, a.metric, REGISTRY_LIMITS.maxAnalysisFieldLength, { required: true, nonEmpty: true })!;
      if (typeof a.value !== 'number' || !Number.isFinite(a.value)) throw invalid(`${at}.value must be a finite number`);
      return { group, metric, value: a.value };
    });
  }
  const r = card.riskRating;
  if (r !== undefined && r !== null && !RISK_RATINGS.includes(r as RiskRating)) {
    throw invalid(`card.riskRating must be one of ${RISK_RATINGS.join(', ')} or null, got '${String(r)}'`);
  }
  return { sections, riskRating: (r ?? null) as RiskRating | null };
}

function signatureOf(row: ModelVersionSignatureRow): ModelSignature {
  return { inputs: JSON.parse(row.inputs) as TensorSpec[], outputs: JSON.parse(row.outputs) as TensorSpec[], source: row.source, extractedAt: row.extracted_at };
}

function cardOf(row: ModelCardRow): ModelCardRecord {
  const sections = JSON.parse(row.card) as Omit<ModelCard, 'riskRating'>;
  return {
    name: row.name,
    version: String(row.version),
    card: { ...sections, riskRating: row.risk_rating },
    status: row.status,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

const PENDING: ApprovalDecision = { status: 'pending', decidedBy: null, decidedAt: null, reason: null };
const decisionOf = (r: Omit<ModelVersionApprovalRow, 'id'>): ApprovalDecision => ({
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  reason: r.reason,
});

/**
 * MLflow's model registry: registered models, their versions, tags, aliases and stages.
 * Every write is one transaction; a request that fails validation writes nothing.
 */
export class RegistryService {
  private readonly repo: RegistryRepository;
  private readonly clock: Clock;
  private readonly artifacts: ArtifactStore;
  private readonly logger: RegistryLogger | undefined;
  private readonly maxSignatureFileBytes: number;
  private gate: RegistryActionGate | undefined;

  constructor(deps: RegistryDeps) {
    this.gate = deps.gate;
    this.repo = deps.repo;
    this.clock = deps.clock;
    this.artifacts = deps.artifacts;
    this.logger = deps.logger;
    this.maxSignatureFileBytes = deps.maxSignatureFileBytes ?? DEFAULT_MAX_SIGNATURE_FILE_BYTES;
  }

  // ---- registered models -------------------------------------------------------------------

  /**
   * Creates a model owned by `ownerTeam` (a team name or id; else the tag `flywheel.owner_team`;
   * else the creator's only team — org/ACCESS.md) with `visibility` (else the tag
   * `flywheel.visibility`). Without `access` (internal callers) it is unowned and internal.
   */
  async createRegisteredModel(input: {
    name: string;
    tags?: Tag[] | undefined;
    description?: string | undefined;
    ownerTeam?: string | undefined;
    visibility?: string | undefined;
    access?: Access | undefined;
  }): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const tags = (input.tags ?? []).filter((t) => t.key !== OWNER_TEAM_TAG && t.key !== VISIBILITY_TAG).map((t) => validateTag(t.key, t.value));
    validateNoNul('description', input.description);
    const tagOf = (key: string) => input.tags?.findLast((t) => t.key === key)?.value;
    const native = input.ownerTeam !== undefined || input.visibility !== undefined;
    const owned = input.access
      ? await input.access.ownerForCreate(
          { team: input.ownerTeam ?? tagOf(OWNER_TEAM_TAG), visibility: input.visibility ?? tagOf(VISIBILITY_TAG) },
          native ? { team: 'ownerTeam', visibility: 'visibility' } : { team: `tag '${OWNER_TEAM_TAG}'`, visibility: `tag '${VISIBILITY_TAG}'` },
        )
      : { ownerTeam: null, visibility: 'internal' as const };
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      if (await repo.getModel(name)) throw alreadyExists(name);
      await repo.insertModel({ name, creation_time: now, last_updated_time: now, description: input.description ?? null, max_version: 0, owner_team: owned.ownerTeam, visibility: owned.visibility });
      for (const t of tags) await repo.setModelTag(name, t.key, t.value);
      return this.loadModel(repo, name);
    });
  }

  // ---- access (issue 6) --------------------------------------------------------------------

  /**
   * Throws NOT_FOUND when `access` may not see the model (its versions, aliases, cards…),
   * NOT_ALLOWED when it may see but not do `need`. No `access` or an unrestricted one costs nothing.
   */
  async guardModel(access: Access | undefined, name: string, need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    await access.require(await this.repo.modelOwner(name), need, `registered model '${name}'`, () => notFoundModel(name));
  }

  /** The team tree, for {@link Access}. */
  teamTree() {
    return this.repo.teamTree();
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.loadModel(this.repo, validateModelName(name));
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    const target = validateModelName(newName);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      if (target !== name) {
        if (await repo.getModel(target)) throw alreadyExists(target);
        await repo.renameModel(name, target, now);
      }
      return this.loadModel(repo, target);
    });
  }

  async updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    validateModelName(name);
    validateNoNul('description', description);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      await repo.updateModel(name, { description: description ?? null, last_updated_time: now });
      return this.loadModel(repo, name);
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    await this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      await repo.deleteModel(name);
    });
  }

  async searchRegisteredModels(input: SearchInput = {}): Promise<Page<RegisteredModel>> {
    const limit = validateMaxResults(input.maxResults, SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD);
    const filter = parseModelFilter(input.filter);
    const orderBy = parseModelOrderBy(input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const scope = input.access && !input.access.unrestricted ? await input.access.scope() : undefined;
    const rows = await this.repo.searchModels({ filter, orderBy, offset, limit: limit + 1, scope });
    const items = await this.assembleModels(this.repo, rows.slice(0, limit));
    return { items, nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined };
  }

  /**
   * Sets a tag. The tag `flywheel.visibility` (private|internal) changes the model's visibility
   * instead (callers check it needs a maintainer: org/ACCESS.md); the owner team does not change.
   */
  async setRegisteredModelTag(name: string, key: string, value: string | undefined): Promise<void> {
    validateModelName(name);
    if (key === OWNER_TEAM_TAG) refuseOwnershipTag(key);
    const tag = validateTag(key, value);
    if (key === VISIBILITY_TAG && !(VISIBILITIES as readonly string[]).includes(tag.value)) {
      throw new DomainError('INVALID_INPUT', `Invalid value '${tag.value}' for tag '${VISIBILITY_TAG}': expected one of ${VISIBILITIES.join(', ')}.`);
    }
    await this.repo.transaction(async (repo) => {
      const row = await this.requireModel(repo, name);
      if (key !== VISIBILITY_TAG) return repo.setModelTag(name, tag.key, tag.value);
      if (tag.value === 'private' && (row.owner_team ?? null) === null) {
        throw new DomainError('INVALID_INPUT', `Invalid value 'private' for tag '${VISIBILITY_TAG}': model '${name}' has no owner team, and private work needs one.`);
      }
      await repo.setModelVisibility(name, tag.value as Visibility, this.clock.now());
    });
  }

  /** Deleting a tag that is not set is not an error (as in MLflow); the model must exist. */
  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    refuseOwnershipTag(key);
    validateTag(key, '');
    await this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      await repo.deleteModelTag(name, key);
    });
  }

  // ---- aliases -------------------------------------------------------------------------------

  /** Installs the policy gate once it exists (it is built after this service). */
  setActionGate(gate: RegistryActionGate | undefined): void {
    this.gate = gate;
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string, by?: { actor: string; source?: string | null | undefined }): Promise<void> {
    validateModelName(name);
    const a = validateAlias(alias);
    const v = parseVersion(version);
    if (this.gate) {
      // Before the transaction: a refusal is audited in its own (one SQLite connection).
      await this.requireVersion(this.repo, name, v);
      await this.gate.beforeAliasSet({ model: name, alias: a, version: v, actor: by?.actor ?? 'system', source: by?.source ?? null });
    }
    const now = this.clock.now();
    await this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      await repo.setAlias(name, a, v);
      await repo.updateModel(name, { last_updated_time: now });
    });
  }

  /** Deleting an alias that is not set is not an error; the model must exist. */
  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    const a = validateAlias(alias);
    const now = this.clock.now();
    await this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      await repo.deleteAlias(name, a);
      await repo.updateModel(name, { last_updated_time: now });
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    const a = validateAlias(alias);
    await this.requireModel(this.repo, name);
    const row = await this.repo.getAlias(name, a);
    if (!row) throw new DomainError('INVALID_INPUT', `Registered model alias ${a} not found.`);
    return this.loadVersion(this.repo, name, row.version);
  }

  // ---- model versions ------------------------------------------------------------------------

  /** The highest version in each requested stage (every stage when `stages` is empty). */
  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    validateModelName(name);
    const wanted = new Set<string>(stages.length ? stages.map(canonicalStage) : undefined);
    await this.requireModel(this.repo, name);
    const rows = (await this.repo.latestPerStage([name])).filter((r) => wanted.size === 0 || wanted.has(r.current_stage));
    return this.assembleVersions(this.repo, rows);
  }

  async createModelVersion(input: {
    name: string;
    source: string;
    runId?: string | undefined;
    tags?: Tag[] | undefined;
    runLink?: string | undefined;
    description?: string | undefined;
  }): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    const tags = (input.tags ?? []).map((t) => validateTag(t.key, t.value));
    for (const [what, value] of [['description', input.description], ['source', input.source], ['run_id', input.runId], ['run_link', input.runLink]] as const) validateNoNul(what, value);
    await this.requireModel(this.repo, name);
    // Read before the transaction: no file I/O while holding the database's write lock.
    const signature = await this.extractSignature(name, input.source);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      const version = await repo.nextVersion(name, now);
      await repo.insertVersion({
        name,
        version,
        creation_time: now,
        last_updated_time: now,
        description: input.description ?? null,
        user_id: null,
        current_stage: 'None',
        source: input.source,
        run_id: input.runId || null,
        run_link: input.runLink || null,
        status: 'READY',
        status_message: null,
        storage_location: input.source,
      });
      for (const t of tags) await repo.setVersionTag(name, version, t.key, t.value);
      if (signature) {
        await repo.upsertSignature({
          name,
          version,
          inputs: JSON.stringify(signature.inputs),
          outputs: JSON.stringify(signature.outputs),
          source: signature.source,
          extracted_at: now,
        });
      }
      return this.loadVersion(repo, name, version);
    });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    return this.loadVersion(this.repo, name, parseVersion(version));
  }

  async updateModelVersion(name: string, version: string, description: string | undefined): Promise<ModelVersion> {
    validateModelName(name);
    validateNoNul('description', description);
    const v = parseVersion(version);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      await repo.updateVersion(name, v, { description: description ?? null, last_updated_time: now });
      return this.loadVersion(repo, name, v);
    });
  }

  /** Deletes the version with its tags and the aliases pointing at it; its number is not reused. */
  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    const v = parseVersion(version);
    const now = this.clock.now();
    await this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      await repo.deleteVersion(name, v);
      await repo.updateModel(name, { last_updated_time: now });
    });
  }

  async searchModelVersions(input: SearchInput = {}): Promise<Page<ModelVersion>> {
    const limit = validateMaxResults(input.maxResults, SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD);
    const filter = parseVersionFilter(input.filter);
    const orderBy = parseVersionOrderBy(input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const scope = input.access && !input.access.unrestricted ? await input.access.scope() : undefined;
    const rows = await this.repo.searchVersions({ filter, orderBy, offset, limit: limit + 1, scope });
    const items = await this.assembleVersions(this.repo, rows.slice(0, limit));
    return { items, nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined };
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string | undefined): Promise<void> {
    validateModelName(name);
    const v = parseVersion(version);
    const tag = validateTag(key, value);
    await this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      await repo.setVersionTag(name, v, tag.key, tag.value);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name);
    const v = parseVersion(version);
    validateTag(key, '');
    await this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      await repo.deleteVersionTag(name, v, key);
    });
  }

  /** Moves a version to `stage`; with `archiveExisting`, the others in that stage go to Archived. */
  async transitionModelVersionStage(name: string, version: string, stage: string, archiveExisting = false): Promise<ModelVersion> {
    validateModelName(name);
    const v = parseVersion(version);
    const target = canonicalStage(stage);
    if (archiveExisting && !ACTIVE_STAGES.includes(target)) {
      throw new DomainError(
        'INVALID_INPUT',
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}`,
      );
    }
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      if (archiveExisting) await repo.archiveStage(name, target, v, now);
      await repo.updateVersion(name, v, { current_stage: target, last_updated_time: now });
      await repo.updateModel(name, { last_updated_time: now });
      return this.loadVersion(repo, name, v);
    });
  }

  /** Where the version's files are (its storage location, else its source). */
  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    const row = await this.requireVersion(this.repo, name, parseVersion(version));
    return row.storage_location ?? row.source ?? '';
  }

  // ---- signatures ----------------------------------------------------------------------------

  /**
   * The signature of the model at `source`, or null: a source outside the artifact store, or one
   * holding no model, gets none, and a model that cannot be read is logged, never an error.
   */
  private async extractSignature(name: string, source: string | undefined): Promise<FoundSignature | null> {
    if (typeof source !== 'string' || source === '') return null;
    try {
      return await findModelSignature(this.artifacts, source, { maxBytes: this.maxSignatureFileBytes });
    } catch (e) {
      this.logger?.warn({ err: e, model: name, source }, 'could not read the model signature; the version is registered without one');
      return null;
    }
  }

  /** The version's signature; `NOT_FOUND` if none was recorded. */
  async getSignature(name: string, version: string): Promise<ModelSignature> {
    validateModelName(name);
    const v = parseVersion(version);
    await this.requireVersion(this.repo, name, v);
    const row = await this.repo.getSignature(name, v);
    if (!row) throw new DomainError('NOT_FOUND', `No signature is recorded for Model Version (name=${name}, version=${v}).`);
    return signatureOf(row);
  }

  /** Sets the signature by hand (source `manual`), replacing any recorded one. */
  async setSignature(name: string, version: string, input: { inputs: unknown; outputs: unknown }): Promise<ModelSignature> {
    validateModelName(name);
    const v = parseVersion(version);
    const inputs = validateTensorSpecs('inputs', input.inputs);
    const outputs = validateTensorSpecs('outputs', input.outputs);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      const row: ModelVersionSignatureRow = { name, version: v, inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs), source: 'manual', extracted_at: now };
      await repo.upsertSignature(row);
      return signatureOf(row);
    });
  }

  // ---- model cards ---------------------------------------------------------------------------

  async getModelCard(name: string, version: string): Promise<ModelCardRecord> {
    validateModelName(name);
    const v = parseVersion(version);
    await this.requireVersion(this.repo, name, v);
    return cardOf(await this.requireCard(this.repo, name, v));
  }

  /**
   * Creates the card (as Draft) or replaces its content. Editing an Approved card sends it back
   * to Draft; an Archived card cannot be edited.
   */
  async putModelCard(name: string, version: string, card: unknown, updatedBy?: string | undefined): Promise<ModelCardRecord> {
    validateModelName(name);
    const v = parseVersion(version);
    const { sections, riskRating } = validateCard(card);
    const by = checkActor('updatedBy', updatedBy, false);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      const existing = await repo.getCard(name, v);
      if (existing?.status === 'Archived') {
        throw new DomainError('INVALID_STATE', `The model card of Model Version (name=${name}, version=${v}) is Archived and cannot be edited.`);
      }
      const status: ModelCardStatus = !existing || existing.status === 'Approved' ? 'Draft' : existing.status;
      const row: ModelCardRow = { name, version: v, card: JSON.stringify(sections), risk_rating: riskRating, status, updated_at: now, updated_by: by };
      await repo.upsertCard(row);
      return cardOf(row);
    });
  }

  /** Moves the card along Draft → PendingReview → Approved → Archived (see MODEL_CARD_TRANSITIONS). */
  async transitionModelCard(name: string, version: string, status: unknown, updatedBy?: string | undefined): Promise<ModelCardRecord> {
    validateModelName(name);
    const v = parseVersion(version);
    if (!MODEL_CARD_STATUSES.includes(status as ModelCardStatus)) {
      throw invalid(`status must be one of ${MODEL_CARD_STATUSES.join(', ')}, got '${String(status)}'`);
    }
    const target = status as ModelCardStatus;
    const by = checkActor('updatedBy', updatedBy, false);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      const row = await this.requireCard(repo, name, v);
      const allowed = MODEL_CARD_TRANSITIONS[row.status];
      if (!allowed.includes(target)) {
        const next = allowed.length ? `it may move to ${allowed.join(' or ')}` : 'it cannot move any further';
        throw new DomainError(
          'INVALID_STATE',
          `Cannot move the model card of Model Version (name=${name}, version=${v}) from ${row.status} to ${target}: from ${row.status} ${next}.`,
          { current: row.status, requested: target },
        );
      }
      const updated: ModelCardRow = { ...row, status: target, updated_at: now, updated_by: by ?? row.updated_by };
      await repo.upsertCard(updated);
      return cardOf(updated);
    });
  }

  // ---- approvals -----------------------------------------------------------------------------

  /** The current decision (pending until someone decides) and every decision, newest first. */
  async getApproval(name: string, version: string): Promise<ApprovalState> {
    validateModelName(name);
    const v = parseVersion(version);
    await this.requireVersion(this.repo, name, v);
    const history = (await this.repo.approvals(name, v)).map(decisionOf);
    return { current: history[0] ?? PENDING, history };
  }

  /** Records an approval or a rejection (a rejection needs a reason); earlier decisions are kept. */
  async decideApproval(name: string, version: string, input: { status: unknown; decidedBy: unknown; reason?: unknown }): Promise<ApprovalState> {
    validateModelName(name);
    const v = parseVersion(version);
    if (input.status !== 'approved' && input.status !== 'rejected') {
      throw invalid(`status must be 'approved' or 'rejected', got '${String(input.status)}'`);
    }
    const decidedBy = checkActor('decidedBy', input.decidedBy, true)!;
    const reason = checkString('reason', input.reason, REGISTRY_LIMITS.maxReasonLength, { required: input.status === 'rejected', nonEmpty: input.status === 'rejected' }) ?? null;
    const now = this.clock.now();
    await this.repo.transaction(async (repo) => {
      await this.requireVersion(repo, name, v);
      await repo.insertApproval({ name, version: v, status: input.status as 'approved' | 'rejected', decided_by: decidedBy, decided_at: now, reason });
    });
    return this.getApproval(name, version);
  }

  /** The version with its signature, card status, current approval and aliases. */
  async getModelVersionDetail(name: string, version: string): Promise<ModelVersionDetail> {
    validateModelName(name);
    const v = parseVersion(version);
    const mv = await this.loadVersion(this.repo, name, v);
    const [sig, card, approvals] = [await this.repo.getSignature(name, v), await this.repo.getCard(name, v), await this.repo.approvals(name, v)];
    return {
      ...mv,
      signature: sig ? signatureOf(sig) : null,
      card: card ? { status: card.status, riskRating: card.risk_rating } : null,
      approval: approvals[0] ? decisionOf(approvals[0]) : PENDING,
    };
  }

  // ---- assembly ------------------------------------------------------------------------------

  private async requireModel(repo: RegistryRepository, name: string): Promise<RegisteredModelRow> {
    const row = await repo.getModel(name);
    if (!row) throw notFoundModel(name);
    return row;
  }

  private async requireVersion(repo: RegistryRepository, name: string, version: number): Promise<ModelVersionRow> {
    const row = await repo.getVersion(name, version);
    if (!row) {
      await this.requireModel(repo, name);
      throw notFoundVersion(name, version);
    }
    return row;
  }

  private async requireCard(repo: RegistryRepository, name: string, version: number): Promise<ModelCardRow> {
    const row = await repo.getCard(name, version);
    if (!row) throw new DomainError('NOT_FOUND', `Model Version (name=${name}, version=${version}) has no model card.`);
    return row;
  }

  private async loadModel(repo: RegistryRepository, name: string): Promise<RegisteredModel> {
    const row = await this.requireModel(repo, name);
    return (await this.assembleModels(repo, [row]))[0]!;
  }

  private async loadVersion(repo: RegistryRepository, name: string, version: number): Promise<ModelVersion> {
    const row = await this.requireVersion(repo, name, version);
    return (await this.assembleVersions(repo, [row]))[0]!;
  }

  private async assembleModels(repo: RegistryRepository, rows: RegisteredModelRow[]): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name);
    const [tags, aliases, latest] = [await repo.modelTags(names), await repo.aliases(names), await repo.latestPerStage(names)];
    const versions = await this.assembleVersions(repo, latest, aliases);
    const byName = new Map<string, ModelVersion[]>();
    for (const v of versions) {
      let list = byName.get(v.name);
      if (!list) byName.set(v.name, (list = []));
      list.push(v);
    }
    return rows.map((r) => ({
      name: r.name,
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_updated_time,
      description: orUndefined(r.description),
      latestVersions: byName.get(r.name) ?? [],
      tags: ownershipTags(r, tags.get(r.name) ?? []),
      aliases: (aliases.get(r.name) ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
    }));
  }

  private async assembleVersions(
    repo: RegistryRepository,
    rows: ModelVersionRow[],
    knownAliases?: Map<string, { alias: string; version: number }[]>,
  ): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const tags = await repo.versionTags(rows);
    const aliases = knownAliases ?? (await repo.aliases([...new Set(rows.map((r) => r.name))]));
    return rows.map((r) => ({
      name: r.name,
      version: String(r.version),
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_updated_time,
      userId: orUndefined(r.user_id),
      currentStage: r.current_stage,
      description: orUndefined(r.description),
      source: orUndefined(r.source),
      runId: orUndefined(r.run_id),
      runLink: orUndefined(r.run_link),
      status: r.status,
      statusMessage: orUndefined(r.status_message),
      tags: tags.get(versionKeyOf(r)) ?? [],
      aliases: (aliases.get(r.name) ?? []).filter((a) => a.version === r.version).map((a) => a.alias),
    }));
  }
}
