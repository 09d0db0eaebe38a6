import { DomainError, type Tag } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import { versionKeyOf, type RegistryRepository } from './registry.repository.js';
import { parseModelFilter, parseModelOrderBy, parseVersionFilter, parseVersionOrderBy } from './registry.search.js';
import type { ModelVersionRow, RegisteredModelRow } from './registry.tables.js';
import {
  ACTIVE_STAGES,
  canonicalStage,
  parseVersion,
  validateAlias,
  validateMaxResults,
  validateModelName,
  validateTag,
  type Stage,
} from './registry.validation.js';

export interface RegistryDeps {
  repo: RegistryRepository;
  clock: Clock;
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

/**
 * MLflow's model registry: registered models, their versions, tags, aliases and stages.
 * Every write is one transaction; a request that fails validation writes nothing.
 */
export class RegistryService {
  private readonly repo: RegistryRepository;
  private readonly clock: Clock;

  constructor(deps: RegistryDeps) {
    this.repo = deps.repo;
    this.clock = deps.clock;
  }

  // ---- registered models -------------------------------------------------------------------

  async createRegisteredModel(input: { name: string; tags?: Tag[] | undefined; description?: string | undefined }): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const tags = (input.tags ?? []).map((t) => validateTag(t.key, t.value));
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      if (await repo.getModel(name)) throw alreadyExists(name);
      await repo.insertModel({ name, creation_time: now, last_updated_time: now, description: input.description ?? null, max_version: 0 });
      for (const t of tags) await repo.setModelTag(name, t.key, t.value);
      return this.loadModel(repo, name);
    });
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
    const rows = await this.repo.searchModels({ filter, orderBy, offset, limit: limit + 1 });
    const items = await this.assembleModels(this.repo, rows.slice(0, limit));
    return { items, nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined };
  }

  async setRegisteredModelTag(name: string, key: string, value: string | undefined): Promise<void> {
    validateModelName(name);
    const tag = validateTag(key, value);
    await this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      await repo.setModelTag(name, tag.key, tag.value);
    });
  }

  /** Deleting a tag that is not set is not an error (as in MLflow); the model must exist. */
  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateTag(key, '');
    await this.repo.transaction(async (repo) => {
      await this.requireModel(repo, name);
      await repo.deleteModelTag(name, key);
    });
  }

  // ---- aliases -------------------------------------------------------------------------------

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    const a = validateAlias(alias);
    const v = parseVersion(version);
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
      return this.loadVersion(repo, name, version);
    });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    return this.loadVersion(this.repo, name, parseVersion(version));
  }

  async updateModelVersion(name: string, version: string, description: string | undefined): Promise<ModelVersion> {
    validateModelName(name);
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
    const rows = await this.repo.searchVersions({ filter, orderBy, offset, limit: limit + 1 });
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
      tags: tags.get(r.name) ?? [],
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
