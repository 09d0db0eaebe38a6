import type { Kysely } from 'kysely';
import { DomainError, type TensorSpec } from '@flywheel/contract';
import { readArtifactBytes, type ArtifactStore } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';
import { locateModelFiles, onnxSignature } from '../registry/index.js';
import { describeEndpoint, httpVersionKey, HttpModelRuntime, type HttpEndpoint } from './http-runtime.js';
import type { LoadedModel, ModelRuntime } from './model-runtime.js';
import { rendezvousPick, weightedRandomPick } from './routing.js';
import type { DeploymentRevisionRow, DeploymentRow, ServingRepository } from './serving.repository.js';

export const VARIANT_ROLES = ['primary', 'shadow', 'canary'] as const;
export type VariantRole = (typeof VARIANT_ROLES)[number];

export const VARIANT_RUNTIMES = ['onnx', 'http'] as const;
export type VariantRuntime = (typeof VARIANT_RUNTIMES)[number];
export const HTTP_PROTOCOLS = ['oip', 'mlflow'] as const;

interface VariantBase {
  name: string;
  role: VariantRole;
  /** 0..100; the weights of the non-shadow variants sum to 100. */
  weight: number;
  /** Shadow variants only: the share of requests mirrored to it, 0..1 (default 1). */
  sample?: number;
}
/** A registry model version run in-process by ONNX Runtime (the default runtime). */
export interface OnnxVariantConfig extends VariantBase {
  runtime?: 'onnx';
  model: { name: string; version: string };
}
/** A model served by another server, proxied over OIP or MLflow's /invocations. */
export interface HttpVariantConfig extends VariantBase {
  runtime: 'http';
  endpoint: HttpEndpoint;
}
export type VariantConfig = OnnxVariantConfig | HttpVariantConfig;
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

/** A variant with its model in memory (or its model server checked). */
export interface LiveVariant {
  name: string;
  role: VariantRole;
  weight: number;
  /** The share of requests mirrored to a shadow (1 when not configured; unused for other roles). */
  sample: number;
  runtime: VariantRuntime;
  config: VariantConfig;
  /**
   * What the prediction log and responses name as the model: the registry model and version; for
   * an http variant the endpoint's model name (else its URL) and the version its server reports ('' if none).
   */
  model: { name: string; version: string };
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
  /** The shadow variants: each gets a mirrored copy of a `sample` share of requests. */
  shadows: LiveVariant[];
  primary: LiveVariant;
  /** Lower-cased request headers that carry a routing key, in order of precedence. */
  keyHeaders: string[];
  /**
   * Shadows of the revision that could not be loaded when the table was built at start or refresh
   * (a shadow must not keep its deployment from serving); `refresh()` tries them again after a minute.
   */
  missingShadows: { name: string; why: string }[];
  /** When the table was built (clock ms). */
  builtAt: number;
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
  /** Records every change (the audit log) in the change's own transaction. */
  changes?: ChangeRecorder | undefined;
  /** Proxies for `runtime: 'http'` variants (default: a new one). */
  httpRuntime?: HttpModelRuntime | undefined;
  /** Budgets consulted before a deployment is created or changed (or set later with `setBudgetGate`). */
  budgets?: DeploymentBudgetGate | undefined;
}

/** Refuses (throws BUDGET_EXCEEDED) a deployment over an enforced budget; the policies domain's PolicyGate matches it. */
export interface DeploymentBudgetGate {
  beforeDeploy(input: { deployment: string; models: string[]; actor: string; source: string | null }): Promise<void>;
}

const modelsOf = (c: DeploymentConfig) => c.variants.flatMap((v) => ('model' in v ? [v.model.name] : []));

/** A deployment whose revision failed to load is tried again by `refresh()` after this long (ms) unless its revision changes. */
const RETRY_BROKEN_MS = 60_000;
/** How long a name missing from the store is not looked up again (ms), and how many are remembered. */
const ABSENT_TTL_MS = 1000;
const MAX_ABSENT = 10_000;
const MAX_TIMEOUT_MS = 600_000; // 10 min

/** The audit log as serving sees it: one entry per change, written with the change. */
export interface ChangeRecorder {
  record(
    entry: { actor: string; action: string; resourceType: string; resourceId: string; source?: string | null | undefined; before?: unknown; after?: unknown },
    trx: Kysely<unknown>,
  ): Promise<unknown>;
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
    const named = `(variant '${v.name}')`;
    for (const k of Object.keys(v)) if (!VARIANT_FIELDS.has(k)) throw invalid(`${at}.${k} is not a known field ${named}.`);
    const role = v.role ?? 'primary';
    if (typeof role !== 'string' || !(VARIANT_ROLES as readonly string[]).includes(role)) {
      throw invalid(`${at}.role must be one of ${VARIANT_ROLES.join(', ')} ${named}.`);
    }
    const weight = v.weight ?? (role === 'shadow' ? 0 : undefined);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
      throw invalid(`${at}.weight must be a number from 0 to 100 ${named}.`);
    }
    const base: VariantBase = { name: v.name, role: role as VariantRole, weight };
    if (v.sample !== undefined) {
      if (role !== 'shadow') throw invalid(`${at}.sample applies only to shadow variants ${named}.`);
      if (typeof v.sample !== 'number' || !Number.isFinite(v.sample) || v.sample < 0 || v.sample > 1) throw invalid(`${at}.sample must be a number from 0 to 1 ${named}.`);
      base.sample = v.sample;
    }
    const runtime = v.runtime ?? 'onnx';
    if (typeof runtime !== 'string' || !(VARIANT_RUNTIMES as readonly string[]).includes(runtime)) throw invalid(`${at}.runtime must be one of ${VARIANT_RUNTIMES.join(', ')} ${named}.`);
    if (runtime === 'http') {
      if (v.model !== undefined) throw invalid(`${at}.model: a variant with runtime 'http' names an endpoint, not a registry model ${named}.`);
      return { ...base, runtime: 'http', endpoint: validateEndpoint(v.endpoint, `${at}.endpoint`, named) };
    }
    if (v.endpoint !== undefined) throw invalid(`${at}.endpoint applies only to runtime 'http' ${named}.`);
    const m = v.model as Record<string, unknown> | null | undefined;
    if (!m || typeof m !== 'object' || typeof m.name !== 'string' || m.name === '') throw invalid(`${at}.model.name is required ${named}.`);
    const version = typeof m.version === 'number' ? String(m.version) : m.version;
    if (typeof version !== 'string' || !/^[1-9][0-9]{0,9}$/.test(version)) throw invalid(`${at}.model.version must be a positive integer ${named}.`);
    // Keys in the order configs were stored before runtimes existed, so old and new revisions compare equal.
    const out: OnnxVariantConfig = { name: base.name, model: { name: m.name, version }, role: base.role, weight };
    if (v.runtime !== undefined) out.runtime = 'onnx';
    if (base.sample !== undefined) out.sample = base.sample;
    return out;
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

const VARIANT_FIELDS = new Set(['name', 'model', 'runtime', 'endpoint', 'role', 'weight', 'sample']);
const ENDPOINT_FIELDS = new Set(['url', 'protocol', 'model', 'timeoutMs']);

function validateEndpoint(raw: unknown, at: string, named: string): HttpEndpoint {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`${at} is required for runtime 'http': { url, protocol: 'oip' | 'mlflow', model?, timeoutMs? } ${named}.`);
  const e = raw as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!ENDPOINT_FIELDS.has(k)) throw invalid(`${at}.${k} is not a known field ${named}.`);
  let url: URL | undefined;
  try {
    url = typeof e.url === 'string' && e.url.length <= 2048 ? new URL(e.url) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw invalid(`${at}.url must be an http(s) URL without query, fragment or credentials ${named}.`);
  }
  if (typeof e.protocol !== 'string' || !(HTTP_PROTOCOLS as readonly string[]).includes(e.protocol)) throw invalid(`${at}.protocol must be one of ${HTTP_PROTOCOLS.join(', ')} ${named}.`);
  const out: HttpEndpoint = { url: url.href.replace(/\/+$/, ''), protocol: e.protocol as HttpEndpoint['protocol'] };
  if (e.model !== undefined) {
    if (typeof e.model !== 'string' || !NAME.test(e.model)) throw invalid(`${at}.model must be 1-128 letters, digits, '_', '.' or '-' ${named}.`);
    out.model = e.model;
  } else if (out.protocol === 'oip') throw invalid(`${at}.model is required for protocol 'oip' (the model's name on that server) ${named}.`);
  if (e.timeoutMs !== undefined) {
    if (typeof e.timeoutMs !== 'number' || !Number.isInteger(e.timeoutMs) || e.timeoutMs < 1 || e.timeoutMs > MAX_TIMEOUT_MS) throw invalid(`${at}.timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS} ${named}.`);
    out.timeoutMs = e.timeoutMs;
  }
  return out;
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
  /** Deployments whose current revision could not be loaded (at start or refresh), with why. */
  private readonly broken = new Map<string, { why: string; revision: number; at: number }>();
  /** Tables using each loaded model, and which runtime holds it. */
  private readonly refs = new Map<string, { count: number; runtime: VariantRuntime }>();
  private readonly mutex = new Mutex();
  private started = false;
  private readonly maxModelBytes: number;
  private readonly http: HttpModelRuntime;
  private readonly listeners: ((name: string) => void)[] = [];
  /** Names recently looked up in the store and not found there (ms of the lookup): misses stay cheap. */
  private readonly absent = new Map<string, number>();

  private budgets: DeploymentBudgetGate | undefined;

  constructor(private readonly deps: DeploymentsDeps) {
    this.budgets = deps.budgets;
    this.repo = deps.repo;
    this.maxModelBytes = deps.maxModelBytes ?? 2 * 1024 ** 3;
    this.http = deps.httpRuntime ?? new HttpModelRuntime();
  }

  /** Loads every deployment's current revision. One that cannot be loaded is logged and not ready. */
  async start(): Promise<void> {
    await this.mutex.run(async () => {
      for (const d of await this.repo.listDeployments()) {
        const rev = await this.repo.getRevision(d.name, d.current_revision);
        if (!rev) continue;
        await this.load(d.name, rev);
      }
      this.started = true;
    });
  }

  /**
   * Brings the routing tables in line with the store, for when other processes change
   * deployments (cluster mode, gateway replicas): a deployment whose current revision differs from
   * the one served is rebuilt — its models loaded and warmed before the swap, as `update` does —
   * a deleted one is dropped and unloaded, a new one loaded. A revision that fails to load leaves
   * the old table serving (logged) and is retried after a minute.
   */
  async refresh(): Promise<void> {
    await this.mutex.run(async () => {
      const rows = await this.repo.listDeployments();
      const names = new Set(rows.map((d) => d.name));
      for (const [name, table] of [...this.tables]) {
        if (names.has(name)) continue;
        this.tables.delete(name);
        await this.releaseTable(table);
      }
      for (const name of [...this.broken.keys()]) if (!names.has(name)) this.broken.delete(name);
      const now = this.deps.clock.now();
      for (const d of rows) {
        const table = this.tables.get(d.name);
        if (table?.revision === d.current_revision && (table.missingShadows.length === 0 || now - table.builtAt < RETRY_BROKEN_MS)) continue;
        const failed = this.broken.get(d.name);
        if (failed && failed.revision === d.current_revision && now - failed.at < RETRY_BROKEN_MS) continue;
        const rev = await this.repo.getRevision(d.name, d.current_revision);
        if (rev) await this.load(d.name, rev);
      }
    });
  }

  /**
   * Calls `listener` after this process changed a deployment (created, updated, rolled back,
   * deleted), so the other processes of a cluster can refresh at once instead of at their next tick.
   */
  onChange(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(name: string): void {
    this.absent.delete(name);
    for (const l of this.listeners) {
      try {
        l(name);
      } catch {
        /* a listener's failure is not the change's */
      }
    }
  }

  /**
   * The routing table for `name`, loading it from the store when this process does not serve it
   * yet — another process created it since the last refresh. A name the store does not have is
   * remembered for a second, so requests for unknown deployments do not each cost a query.
   */
  async tableOrLoad(name: string): Promise<RoutingTable> {
    const t = this.tables.get(name);
    if (t) return t;
    if (!this.broken.has(name)) {
      const missedAt = this.absent.get(name);
      if (missedAt === undefined || this.deps.clock.now() - missedAt > ABSENT_TTL_MS) {
        await this.mutex.run(async () => {
          if (this.tables.has(name)) return;
          const d = await this.repo.getDeployment(name);
          const rev = d ? await this.repo.getRevision(name, d.current_revision) : undefined;
          if (!rev) {
            if (this.absent.size >= MAX_ABSENT) this.absent.clear();
            this.absent.set(name, this.deps.clock.now());
            return;
          }
          await this.load(name, rev);
        });
      }
    }
    return this.table(name);
  }

  /** True once `start()` has run. */
  get ready(): boolean {
    return this.started;
  }

  /** Unloads every model. */
  async close(): Promise<void> {
    await this.mutex.run(async () => {
      const held = [...this.refs];
      this.tables.clear();
      this.refs.clear();
      await Promise.all(held.map(([k, { runtime }]) => this.unload(k, runtime)));
    });
  }

  /** Wires the budgets check after construction (main.ts builds serving before policies). */
  setBudgetGate(gate: DeploymentBudgetGate): void {
    this.budgets = gate;
  }

  async create(input: { name: string; config: unknown; createdBy?: string | undefined; source?: string | undefined }): Promise<Deployment> {
    if (typeof input.name !== 'string' || !NAME.test(input.name)) throw invalid("name must be 1-128 letters, digits, '_', '.' or '-'.");
    const config = validateConfig(input.config);
    await this.budgets?.beforeDeploy({ deployment: input.name, models: modelsOf(config), actor: input.createdBy ?? 'anonymous', source: input.source ?? null });
    return this.mutex.run(async () => {
      if (await this.repo.getDeployment(input.name)) throw new DomainError('ALREADY_EXISTS', `Deployment '${input.name}' already exists.`);
      const table = await this.buildTable(input.name, 1, config);
      const now = this.deps.clock.now();
      try {
        await this.repo.transaction(async (repo) => {
          await repo.insertDeployment({ name: input.name, created_at: now, updated_at: now, current_revision: 1 });
          await repo.insertRevision({ deployment: input.name, revision: 1, config: JSON.stringify(config), created_at: now, created_by: input.createdBy ?? null });
          await this.deps.changes?.record({ actor: input.createdBy ?? 'anonymous', action: 'deployment.created', resourceType: 'deployment', resourceId: input.name, source: input.source, after: { revision: 1, config } }, repo.handle());
        });
      } catch (e) {
        await this.releaseTable(table);
        throw e;
      }
      this.tables.set(input.name, table);
      this.broken.delete(input.name);
      this.changed(input.name);
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
  async update(name: string, rawConfig: unknown, createdBy?: string, source?: string): Promise<Deployment> {
    const config = validateConfig(rawConfig);
    if (this.budgets) {
      // Shifting weights (rollout steps) adds no replica: only a change that serves something new is a new deployment's cost.
      const current = await this.get(name).catch(() => undefined);
      const key = (v: VariantConfig) => ('model' in v ? `${v.model.name}/${v.model.version}` : `http:${v.name}`);
      const before = new Set(current?.config.variants.map(key) ?? []);
      if (config.variants.some((v) => !before.has(key(v)))) await this.budgets.beforeDeploy({ deployment: name, models: modelsOf(config), actor: createdBy ?? 'anonymous', source: source ?? null });
    }
    return this.mutex.run(async () => {
      await this.requireDeployment(name);
      return this.activate(name, config, createdBy, 'deployment.updated', source);
    });
  }

  /** Re-activates the revision before the current one, as a new revision. */
  async rollback(name: string, createdBy?: string, source?: string): Promise<Deployment> {
    return this.mutex.run(async () => {
      const d = await this.requireDeployment(name);
      const previous = d.current_revision > 1 ? await this.repo.getRevision(name, d.current_revision - 1) : undefined;
      if (!previous) throw new DomainError('INVALID_STATE', `Deployment '${name}' has no revision before revision ${d.current_revision} to roll back to.`);
      return this.activate(name, parseConfig(previous.config), createdBy, 'deployment.rolled_back', source);
    });
  }

  async delete(name: string, deletedBy?: string, source?: string): Promise<void> {
    await this.mutex.run(async () => {
      const d = await this.requireDeployment(name);
      const last = await this.repo.getRevision(name, d.current_revision);
      await this.repo.transaction(async (repo) => {
        await repo.deleteDeployment(name);
        await this.deps.changes?.record({ actor: deletedBy ?? 'anonymous', action: 'deployment.deleted', resourceType: 'deployment', resourceId: name, source, before: last ? { revision: last.revision, config: parseConfig(last.config) } : undefined }, repo.handle());
      });
      const table = this.tables.get(name);
      this.tables.delete(name);
      this.broken.delete(name);
      this.changed(name);
      if (table) await this.releaseTable(table);
    });
  }

  /** The routing table serving `name` now; `NOT_FOUND` when there is none. Synchronous: no await between picking and running. */
  table(name: string): RoutingTable {
    const t = this.tables.get(name);
    if (t) return t;
    const failed = this.broken.get(name);
    if (failed !== undefined) throw new DomainError('UNAVAILABLE', `Deployment '${name}' is not ready: ${failed.why}`);
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
   * Shadow variants receive no routed traffic: the gateway mirrors requests to them.
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

  /** Builds and swaps in the table of one stored revision (under the mutex); on failure the old table, if any, keeps serving. */
  private async load(name: string, rev: DeploymentRevisionRow): Promise<void> {
    try {
      const next = await this.buildTable(name, rev.revision, parseConfig(rev.config), { tolerateShadows: true });
      for (const m of next.missingShadows) this.deps.logger?.warn({ deployment: name, revision: rev.revision, variant: m.name, why: m.why }, 'shadow variant could not be loaded; the deployment serves without it');
      const previous = this.tables.get(name);
      this.tables.set(name, next);
      this.broken.delete(name);
      if (previous) await this.releaseTable(previous);
    } catch (e) {
      this.broken.set(name, { why: (e as Error).message, revision: rev.revision, at: this.deps.clock.now() });
      const serving = this.tables.get(name)?.revision;
      this.deps.logger?.warn(
        { err: e, deployment: name, revision: rev.revision, serving },
        serving === undefined ? 'deployment could not be loaded; it is not ready' : 'deployment revision could not be loaded; the previous revision keeps serving',
      );
    }
  }

  private async requireDeployment(name: string): Promise<DeploymentRow> {
    const d = await this.repo.getDeployment(name);
    if (!d) throw new DomainError('NOT_FOUND', `Deployment '${name}' does not exist.`);
    return d;
  }

  /** Loads the config's models, writes the revision, swaps the table, releases the old one. Runs under the mutex. */
  private async activate(name: string, config: DeploymentConfig, createdBy: string | undefined, action: string, source?: string): Promise<Deployment> {
    const now = this.deps.clock.now();
    let revision = 0;
    const next = await this.buildTable(name, 0, config);
    try {
      await this.repo.transaction(async (repo) => {
        const current = await repo.getDeployment(name);
        const before = current ? await repo.getRevision(name, current.current_revision) : undefined;
        revision = (await repo.maxRevision(name)) + 1;
        await repo.insertRevision({ deployment: name, revision, config: JSON.stringify(config), created_at: now, created_by: createdBy ?? null });
        await repo.setCurrentRevision(name, revision, now);
        await this.deps.changes?.record(
          { actor: createdBy ?? 'anonymous', action, resourceType: 'deployment', resourceId: name, source, before: before ? { revision: before.revision, config: parseConfig(before.config) } : undefined, after: { revision, config } },
          repo.handle(),
        );
      });
    } catch (e) {
      await this.releaseTable(next);
      throw e;
    }
    next.revision = revision;
    const previous = this.tables.get(name);
    this.tables.set(name, next); // the switch: one assignment, no request sees a half-built table
    this.broken.delete(name);
    this.changed(name);
    if (previous) await this.releaseTable(previous);
    return this.get(name);
  }

  private async buildTable(name: string, revision: number, config: DeploymentConfig, opts: { tolerateShadows?: boolean } = {}): Promise<RoutingTable> {
    const acquired: string[] = [];
    const missingShadows: { name: string; why: string }[] = [];
    try {
      const variants: LiveVariant[] = [];
      for (const v of config.variants) {
        let live: LiveVariant;
        try {
          live = await this.acquire(v);
        } catch (e) {
          // Creating or updating refuses a shadow that cannot load (the caller is told); a stored
          // revision served at start or refresh goes on without it.
          if (!opts.tolerateShadows || v.role !== 'shadow' || !(e instanceof DomainError)) throw e;
          missingShadows.push({ name: v.name, why: e.message });
          continue;
        }
        acquired.push(live.versionKey);
        variants.push(live);
      }
      const routed = variants.filter((v) => v.role !== 'shadow');
      const shadows = variants.filter((v) => v.role === 'shadow');
      const keyHeaders = [...new Set([config.routingKey?.header?.toLowerCase(), DEFAULT_ROUTING_KEY_HEADER].filter((h): h is string => !!h))];
      return { name, revision, config, variants, routed, shadows, primary: variants.find((v) => v.role === 'primary')!, keyHeaders, missingShadows, builtAt: this.deps.clock.now() };
    } catch (e) {
      for (const k of acquired) await this.release(k);
      throw e;
    }
  }

  private async acquire(v: VariantConfig): Promise<LiveVariant> {
    const base = { name: v.name, role: v.role, weight: v.weight, sample: v.sample ?? 1, config: v };
    if (v.runtime === 'http') {
      const versionKey = httpVersionKey(v.endpoint);
      let loaded;
      try {
        loaded = await this.http.load(versionKey, v.endpoint);
      } catch (e) {
        if (e instanceof DomainError && e.code === 'INVALID_INPUT') throw invalid(`variant '${v.name}' (endpoint ${describeEndpoint(v.endpoint)}): ${e.message}`);
        throw e;
      }
      this.ref(versionKey, 'http');
      return { ...base, runtime: 'http', model: { name: v.endpoint.model ?? v.endpoint.url, version: loaded.modelVersion }, versionKey, loaded };
    }
    const versionKey = `${v.model.name}/${v.model.version}`;
    const live = { ...base, runtime: 'onnx' as const, model: v.model, versionKey };
    const held = this.refs.has(versionKey) ? this.deps.runtime.get(versionKey) : undefined;
    if (held) {
      this.ref(versionKey, 'onnx');
      return { ...live, loaded: held };
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
    this.ref(versionKey, 'onnx');
    return { ...live, loaded: model };
  }

  private ref(versionKey: string, runtime: VariantRuntime): void {
    const held = this.refs.get(versionKey);
    if (held) held.count++;
    else this.refs.set(versionKey, { count: 1, runtime });
  }

  private async release(versionKey: string): Promise<void> {
    const held = this.refs.get(versionKey);
    if (!held) return;
    if (--held.count > 0) return;
    this.refs.delete(versionKey);
    await this.unload(versionKey, held.runtime);
  }

  private unload(versionKey: string, runtime: VariantRuntime): Promise<void> {
    return runtime === 'http' ? this.http.unload(versionKey) : this.deps.runtime.unload(versionKey);
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
