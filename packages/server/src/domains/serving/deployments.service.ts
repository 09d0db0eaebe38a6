import { DomainError, type TensorSpec } from '@flywheel/contract';
import { readArtifactBytes, type ArtifactStore } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';
import { locateModelFiles, onnxSignature } from '../registry/index.js';
import type { LoadedModel, ModelRuntime } from './model-runtime.js';
import { rendezvousPick, weightedRandomPick } from './routing.js';
import type { DeploymentRevisionRow, DeploymentRow, ServingRepository } from './serving.repository.js';

export const VARIANT_ROLES = ['primary', 'shadow', 'canary'] as const;
export type VariantRole = (typeof VARIANT_ROLES)[number];

export interface VariantConfig {
  name: string;
  model: { name: string; version: string };
  role: VariantRole;
  /** 0..100; the weights of the non-shadow variants sum to 100. */
  weight: number;
}
export interface DeploymentConfig {
  variants: VariantConfig[];
  /** The header whose value pins a caller to one variant (besides `x-flywheel-routing-key`). */
  routingKey?: { header?: string };
}

export interface Deployment {
  name: string;
  revision: number;
  config: DeploymentConfig;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
}

export interface DeploymentRevision {
  revision: number;
  config: DeploymentConfig;
  createdAt: number;
  createdBy: string | null;
}

/** The one thing serving needs of the registry: a version's source (an `mlflow-artifacts:` URI). */
export interface ModelVersionSource {
  getModelVersion(name: string, version: string): Promise<{ source?: string | undefined }>;
}

/** A variant with its model in memory. */
export interface LiveVariant extends VariantConfig {
  versionKey: string;
  loaded: LoadedModel;
}

/** What a deployment serves right now: one revision, every variant loaded. Replaced whole on change. */
export interface RoutingTable {
  name: string;
  revision: number;
  config: DeploymentConfig;
  variants: LiveVariant[];
  /** The variants traffic is split between (shadows excluded). */
  routed: LiveVariant[];
  primary: LiveVariant;
  /** Lower-cased request headers that carry a routing key, in order of precedence. */
  keyHeaders: string[];
}

export const DEFAULT_ROUTING_KEY_HEADER = 'x-flywheel-routing-key';
export const VARIANT_HEADER = 'x-flywheel-variant';
export const INFERENCE_ID_HEADER = 'x-flywheel-inference-id';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const MAX_VARIANTS = 16;

export interface ServingLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface DeploymentsDeps {
  repo: ServingRepository;
  registry: ModelVersionSource;
  artifacts: ArtifactStore;
  runtime: ModelRuntime;
  clock: Clock;
  logger?: ServingLogger | undefined;
  /** The largest ONNX file loaded (default 2 GiB). */
  maxModelBytes?: number | undefined;
}

const invalid = (msg: string) => new DomainError('INVALID_INPUT', msg);

/** Checks and normalizes a config; errors name the field, e.g. `config.variants[1].weight`. */
export function validateConfig(raw: unknown): DeploymentConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('config must be an object.');
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) if (k !== 'variants' && k !== 'routingKey') throw invalid(`config.${k} is not a known field.`);
  if (!Array.isArray(c.variants) || c.variants.length === 0) throw invalid('config.variants must be a non-empty list.');
  if (c.variants.length > MAX_VARIANTS) throw invalid(`config.variants has more than ${MAX_VARIANTS} variants.`);
  const seen = new Set<string>();
  const variants = c.variants.map((rv: unknown, i): VariantConfig => {
    const at = `config.variants[${i}]`;
    if (rv === null || typeof rv !== 'object' || Array.isArray(rv)) throw invalid(`${at} must be an object.`);
    const v = rv as Record<string, unknown>;
    if (typeof v.name !== 'string' || !NAME.test(v.name)) throw invalid(`${at}.name must be 1-128 letters, digits, '_', '.' or '-'.`);
    if (seen.has(v.name)) throw invalid(`${at}.name: variant '${v.name}' is named twice.`);
    seen.add(v.name);
    const m = v.model as Record<string, unknown> | null | undefined;
    if (!m || typeof m !== 'object' || typeof m.name !== 'string' || m.name === '') throw invalid(`${at}.model.name is required (variant '${v.name}').`);
    const version = typeof m.version === 'number' ? String(m.version) : m.version;
    if (typeof version !== 'string' || !/^[1-9][0-9]{0,9}$/.test(version)) throw invalid(`${at}.model.version must be a positive integer (variant '${v.name}').`);
    const role = v.role ?? 'primary';
    if (typeof role !== 'string' || !(VARIANT_ROLES as readonly string[]).includes(role)) {
      throw invalid(`${at}.role must be one of ${VARIANT_ROLES.join(', ')} (variant '${v.name}').`);
    }
    const weight = v.weight ?? (role === 'shadow' ? 0 : undefined);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
      throw invalid(`${at}.weight must be a number from 0 to 100 (variant '${v.name}').`);
    }
    return { name: v.name, model: { name: m.name, version }, role: role as VariantRole, weight };
  });
  if (!variants.some((v) => v.role === 'primary')) throw invalid("config.variants needs at least one variant with role 'primary'.");
  const total = variants.filter((v) => v.role !== 'shadow').reduce((s, v) => s + v.weight, 0);
  if (Math.abs(total - 100) > 1e-9) throw invalid(`config.variants: the weights of the non-shadow variants sum to ${total}, not 100.`);
  const config: DeploymentConfig = { variants };
  if (c.routingKey !== undefined) {
    const rk = c.routingKey as Record<string, unknown> | null;
    if (!rk || typeof rk !== 'object' || Array.isArray(rk)) throw invalid('config.routingKey must be an object.');
    if (rk.header !== undefined && (typeof rk.header !== 'string' || !HEADER.test(rk.header))) throw invalid('config.routingKey.header must be an HTTP header name.');
    config.routingKey = rk.header === undefined ? {} : { header: rk.header };
  }
  return config;
}

/** A tiny FIFO mutex: deployment changes run one at a time. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<R>(fn: () => Promise<R>): Promise<R> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Deployments: named, revisioned routing configs over registry model versions, and the in-memory
 * routing tables the gateway reads. A change loads and warms every model of the new revision
 * before the table is swapped, so requests keep being served by the old revision until the new
 * one is ready; sessions no table uses any more are unloaded after (the runtime lets calls in
 * flight finish).
 */
export class DeploymentsService {
  private readonly repo: ServingRepository;
  private readonly tables = new Map<string, RoutingTable>();
  /** Deployments whose current revision could not be loaded at start, with why. */
  private readonly broken = new Map<string, string>();
  private readonly refs = new Map<string, number>();
  private readonly mutex = new Mutex();
  private started = false;
  private readonly maxModelBytes: number;

  constructor(private readonly deps: DeploymentsDeps) {
    this.repo = deps.repo;
    this.maxModelBytes = deps.maxModelBytes ?? 2 * 1024 ** 3;
  }

  /** Loads every deployment's current revision. One that cannot be loaded is logged and not ready. */
  async start(): Promise<void> {
    await this.mutex.run(async () => {
      for (const d of await this.repo.listDeployments()) {
        const rev = await this.repo.getRevision(d.name, d.current_revision);
        if (!rev) continue;
        try {
          this.tables.set(d.name, await this.buildTable(d.name, rev.revision, parseConfig(rev.config)));
          this.broken.delete(d.name);
        } catch (e) {
          this.broken.set(d.name, (e as Error).message);
          this.deps.logger?.warn({ err: e, deployment: d.name }, 'deployment could not be loaded; it is not ready');
        }
      }
      this.started = true;
    });
  }

  /** True once `start()` has run. */
  get ready(): boolean {
    return this.started;
  }

  /** Unloads every model. */
  async close(): Promise<void> {
    await this.mutex.run(async () => {
      const keys = [...this.refs.keys()];
      this.tables.clear();
      this.refs.clear();
      await Promise.all(keys.map((k) => this.deps.runtime.unload(k)));
    });
  }

  async create(input: { name: string; config: unknown; createdBy?: string | undefined }): Promise<Deployment> {
    if (typeof input.name !== 'string' || !NAME.test(input.name)) throw invalid("name must be 1-128 letters, digits, '_', '.' or '-'.");
    const config = validateConfig(input.config);
    return this.mutex.run(async () => {
      if (await this.repo.getDeployment(input.name)) throw new DomainError('ALREADY_EXISTS', `Deployment '${input.name}' already exists.`);
      const table = await this.buildTable(input.name, 1, config);
      const now = this.deps.clock.now();
      try {
        await this.repo.transaction(async (repo) => {
          await repo.insertDeployment({ name: input.name, created_at: now, updated_at: now, current_revision: 1 });
          await repo.insertRevision({ deployment: input.name, revision: 1, config: JSON.stringify(config), created_at: now, created_by: input.createdBy ?? null });
        });
      } catch (e) {
        await this.releaseTable(table);
        throw e;
      }
      this.tables.set(input.name, table);
      this.broken.delete(input.name);
      return { name: input.name, revision: 1, config, createdAt: now, updatedAt: now, createdBy: input.createdBy ?? null };
    });
  }

  async get(name: string): Promise<Deployment> {
    const d = await this.requireDeployment(name);
    const rev = await this.repo.getRevision(name, d.current_revision);
    return toDeployment(d, rev!);
  }

  async list(): Promise<Deployment[]> {
    const out: Deployment[] = [];
    for (const d of await this.repo.listDeployments()) {
      const rev = await this.repo.getRevision(d.name, d.current_revision);
      if (rev) out.push(toDeployment(d, rev));
    }
    return out;
  }

  async revisions(name: string): Promise<DeploymentRevision[]> {
    await this.requireDeployment(name);
    return (await this.repo.listRevisions(name)).map((r) => ({ revision: r.revision, config: parseConfig(r.config), createdAt: r.created_at, createdBy: r.created_by }));
  }

  /** Writes the config as a new revision and switches traffic to it once its models are warm. */
  async update(name: string, rawConfig: unknown, createdBy?: string): Promise<Deployment> {
    const config = validateConfig(rawConfig);
    return this.mutex.run(async () => {
      await this.requireDeployment(name);
      return this.activate(name, config, createdBy);
    });
  }

  /** Re-activates the revision before the current one, as a new revision. */
  async rollback(name: string, createdBy?: string): Promise<Deployment> {
    return this.mutex.run(async () => {
      const d = await this.requireDeployment(name);
      const previous = d.current_revision > 1 ? await this.repo.getRevision(name, d.current_revision - 1) : undefined;
      if (!previous) throw new DomainError('INVALID_STATE', `Deployment '${name}' has no revision before revision ${d.current_revision} to roll back to.`);
      return this.activate(name, parseConfig(previous.config), createdBy);
    });
  }

  async delete(name: string): Promise<void> {
    await this.mutex.run(async () => {
      await this.requireDeployment(name);
      await this.repo.transaction((repo) => repo.deleteDeployment(name));
      const table = this.tables.get(name);
      this.tables.delete(name);
      this.broken.delete(name);
      if (table) await this.releaseTable(table);
    });
  }

  /** The routing table serving `name` now; `NOT_FOUND` when there is none. Synchronous: no await between picking and running. */
  table(name: string): RoutingTable {
    const t = this.tables.get(name);
    if (t) return t;
    const why = this.broken.get(name);
    if (why !== undefined) throw new DomainError('UNAVAILABLE', `Deployment '${name}' is not ready: ${why}`);
    throw new DomainError('NOT_FOUND', `Deployment '${name}' does not exist.`);
  }

  /** Whether `name` exists and is loaded (undefined: no such deployment). */
  isReady(name: string): boolean | undefined {
    if (this.tables.has(name)) return true;
    return this.broken.has(name) ? false : undefined;
  }

  /**
   * The variant that serves one request: the one named explicitly (`INVALID_INPUT` when unknown;
   * shadows may be named), else by rendezvous hashing of the routing key, else weighted random.
   * Shadow variants receive no routed traffic (not mirrored yet).
   */
  route(name: string, opts: { variant?: string | undefined; key?: string | undefined } = {}): { table: RoutingTable; variant: LiveVariant } {
    const table = this.table(name);
    if (opts.variant !== undefined) {
      const v = table.variants.find((x) => x.name === opts.variant);
      if (!v) throw invalid(`Deployment '${name}' has no variant '${opts.variant}' (variants: ${table.variants.map((x) => `'${x.name}'`).join(', ')}).`);
      return { table, variant: v };
    }
    const picked = (opts.key !== undefined ? rendezvousPick(table.routed, opts.key) : weightedRandomPick(table.routed)) ?? table.primary;
    return { table, variant: picked };
  }

  // ---- internals -------------------------------------------------------------------------------

  private async requireDeployment(name: string): Promise<DeploymentRow> {
    const d = await this.repo.getDeployment(name);
    if (!d) throw new DomainError('NOT_FOUND', `Deployment '${name}' does not exist.`);
    return d;
  }

  /** Loads the config's models, writes the revision, swaps the table, releases the old one. Runs under the mutex. */
  private async activate(name: string, config: DeploymentConfig, createdBy: string | undefined): Promise<Deployment> {
    const now = this.deps.clock.now();
    let revision = 0;
    const next = await this.buildTable(name, 0, config);
    try {
      await this.repo.transaction(async (repo) => {
        revision = (await repo.maxRevision(name)) + 1;
        await repo.insertRevision({ deployment: name, revision, config: JSON.stringify(config), created_at: now, created_by: createdBy ?? null });
        await repo.setCurrentRevision(name, revision, now);
      });
    } catch (e) {
      await this.releaseTable(next);
      throw e;
    }
    next.revision = revision;
    const previous = this.tables.get(name);
    this.tables.set(name, next); // the switch: one assignment, no request sees a half-built table
    this.broken.delete(name);
    if (previous) await this.releaseTable(previous);
    return this.get(name);
  }

  private async buildTable(name: string, revision: number, config: DeploymentConfig): Promise<RoutingTable> {
    const acquired: string[] = [];
    try {
      const variants: LiveVariant[] = [];
      for (const v of config.variants) {
        const versionKey = `${v.model.name}/${v.model.version}`;
        const loaded = await this.acquire(v, versionKey);
        acquired.push(versionKey);
        variants.push({ ...v, versionKey, loaded });
      }
      const routed = variants.filter((v) => v.role !== 'shadow');
      const keyHeaders = [...new Set([config.routingKey?.header?.toLowerCase(), DEFAULT_ROUTING_KEY_HEADER].filter((h): h is string => !!h))];
      return { name, revision, config, variants, routed, primary: variants.find((v) => v.role === 'primary')!, keyHeaders };
    } catch (e) {
      for (const k of acquired) await this.release(k);
      throw e;
    }
  }

  private async acquire(v: VariantConfig, versionKey: string): Promise<LoadedModel> {
    const count = this.refs.get(versionKey) ?? 0;
    const loaded = count > 0 ? this.deps.runtime.get(versionKey) : undefined;
    if (loaded) {
      this.refs.set(versionKey, count + 1);
      return loaded;
    }
    const named = `variant '${v.name}' (model '${v.model.name}' version ${v.model.version})`;
    let source: string | undefined;
    try {
      source = (await this.deps.registry.getModelVersion(v.model.name, v.model.version)).source;
    } catch (e) {
      if (e instanceof DomainError && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) throw invalid(`${named}: ${e.message}`);
      throw e;
    }
    const file = source ? (await locateModelFiles(this.deps.artifacts, source))?.onnx : undefined;
    if (!file) throw invalid(`${named}: no ONNX file at its source '${source ?? ''}' (the source must be an .onnx file, or a folder holding model.onnx or a single *.onnx).`);
    const bytes = await readArtifactBytes(this.deps.artifacts, file.path, {
      size: file.fileSize,
      maxBytes: this.maxModelBytes,
      tooLarge: (path, size) => invalid(`Model file '${path}' is ${size === undefined ? 'more than' : `${size} bytes, more than`} the ${this.maxModelBytes} bytes serving loads.`),
    });
    let signature: { inputs: TensorSpec[]; outputs: TensorSpec[] };
    try {
      signature = onnxSignature(bytes);
    } catch (e) {
      throw invalid(`${named}: ${(e as Error).message}`);
    }
    let model: LoadedModel;
    try {
      model = await this.deps.runtime.load(versionKey, bytes, signature);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'INVALID_INPUT') throw invalid(`${named}: ${e.message}`);
      throw e;
    }
    this.refs.set(versionKey, (this.refs.get(versionKey) ?? 0) + 1);
    return model;
  }

  private async release(versionKey: string): Promise<void> {
    const count = (this.refs.get(versionKey) ?? 0) - 1;
    if (count > 0) {
      this.refs.set(versionKey, count);
      return;
    }
    this.refs.delete(versionKey);
    await this.deps.runtime.unload(versionKey);
  }

  private async releaseTable(t: RoutingTable): Promise<void> {
    for (const v of t.variants) await this.release(v.versionKey);
  }

}

function parseConfig(text: string): DeploymentConfig {
  return JSON.parse(text) as DeploymentConfig;
}

function toDeployment(d: DeploymentRow, rev: DeploymentRevisionRow): Deployment {
  return { name: d.name, revision: d.current_revision, config: parseConfig(rev.config), createdAt: Number(d.created_at), updatedAt: Number(d.updated_at), createdBy: rev.created_by };
}
