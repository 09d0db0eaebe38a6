import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { parseS3Uri } from '../artifacts/s3-uri.js';

/**
 * The one configuration schema of the server. Every default lives here, with its unit.
 * Sources, highest first: explicit overrides (CLI flags), environment (`FLYWHEEL_*`), defaults.
 */
export const ConfigSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, description: 'Data directory (SQLite file, artifacts). Default ~/.flywheel' }),
  server: Type.Object({
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }), // 64 MiB
    shutdownTimeoutMs: Type.Integer({ minimum: 0, default: 10_000 }), // 10 s to finish in-flight requests
    /** Processes sharing the port (node:cluster); 1 = no cluster. `auto` in flags/env = one per core. */
    workers: Type.Integer({ minimum: 1, maximum: 256, default: 1 }),
    /** `all`: every API. `gateway`: inference routes, health and /metrics only, over an already migrated store. */
    role: Type.Union([Type.Literal('all'), Type.Literal('gateway')], { default: 'all' }),
    /** Trust X-Forwarded-* from a reverse proxy (client address, https for Secure cookies). Only behind a proxy you run. */
    trustProxy: Type.Boolean({ default: false }),
  }),
  ui: Type.Object({
    /** Folder of the built web UI (packages/web/dist), served under /ui/ from the server's own port. */
    dir: Type.String({ minLength: 1 }),
  }),
  auth: Type.Object({
    /**
     * What a caller without credentials may do: `full`, `read` (GETs and searches) or `off`.
     * Unset: `full` when the server listens on loopback only (one person's machine), else `off` —
     * a server reachable from the network is never open by accident.
     */
    anonymous: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('read'), Type.Literal('full')])),
    /**
     * The server key that encrypts stored secrets (webhook signing secrets), environment only.
     * Unset: a random key kept in <dataDir>/secret.key (created on first start). Servers sharing
     * one database must share the key.
     */
    secretKey: Type.Optional(Type.String({ minLength: 32, maxLength: 1024 })),
  }),
  serving: Type.Object({
    /** How often (ms) a cluster worker or gateway re-reads deployments changed by another process. */
    refreshMs: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 1000 }),
    /** Concurrent small requests to one model share one ONNX Runtime call (micro-batching). */
    batching: Type.Boolean({ default: true }),
    /** SQLite: prediction-log commits run on a worker thread, so their fsync does not stop the event loop. */
    logWriterThread: Type.Boolean({ default: true }),
    /**
     * `sync` (default): a prediction is answered once its log row is committed. `fast`: answered at
     * once, written in the background; a kill loses what is queued (bounded, counted in /metrics).
     */
    logDurability: Type.Union([Type.Literal('sync'), Type.Literal('fast')], { default: 'sync' }),
    /**
     * SQLite writer thread: `normal` (default; WAL) keeps every answered prediction across a process
     * kill, which is the log's promise, but an OS crash or power loss may lose the last commits;
     * `full` fsyncs every log commit (power-loss safe; 1–5 ms per commit on a VM disk, which every
     * answer then waits for). The rest of the store stays synchronous=FULL.
     */
    logSynchronous: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'normal' }),
    /** How often (ms) a server steps running canary rollouts and checks their guardrails. */
    rolloutIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5000 }),
  }),
  monitoring: Type.Object({
    /** How often (ms) a server looks for closed monitor windows to evaluate. */
    monitorIntervalMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 60_000 }),
    /** How often (ms) due alert rules are evaluated and webhook deliveries sent. */
    alertIntervalMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 5000 }),
    /**
     * Worker threads computing monitor reports' numerical columns beside the evaluating thread
     * (0 = inline). Started on the first large report, stopped after 30 s without one. Default:
     * cores − 1, at most 4.
     */
    driftThreads: Type.Integer({ minimum: 0, maximum: 64 }),
  }),
  store: Type.Object({
    /** `sqlite:` (embedded default, file under dataDir), `sqlite:/path/file.db`, or `postgres://…` */
    databaseUrl: Type.String({ minLength: 1 }),
    /** PostgreSQL pool size. */
    poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  }),
  artifacts: Type.Object({
    /** Local folder (absolute) or `s3://bucket[/prefix]`. Default: <dataDir>/artifacts */
    root: Type.String({ minLength: 1 }),
    /** Connection to S3 or an S3-compatible server; used when `root` is an `s3://` URL. */
    s3: Type.Object({
      /** e.g. `http://minio:9000`; AWS when absent. */
      endpoint: Type.Optional(Type.String({ minLength: 1, pattern: '^https?://' })),
      region: Type.String({ minLength: 1, default: 'us-east-1' }),
      /** Static credentials (both or neither); else the AWS SDK's default chain. Never logged. */
      accessKeyId: Type.Optional(Type.String({ minLength: 1 })),
      secretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
      /** Path-style URLs (`endpoint/bucket/key`). Default: true when an endpoint is set. */
      forcePathStyle: Type.Boolean(),
    }),
  }),
  pipelines: Type.Object({
    /** `local`: steps run as child processes of the server. `pgboss`: steps go to a queue in the shared PostgreSQL for `flywheel worker` processes. */
    executor: Type.Union([Type.Literal('local'), Type.Literal('pgboss')], { default: 'local' }),
    /** Steps one process runs at once (0: none — a server that only schedules for a fleet). Default: the number of cores. */
    concurrency: Type.Integer({ minimum: 0, maximum: 1024 }),
    /** How often (ms) a server looks for ready steps, and an idle worker for jobs. */
    pollMs: Type.Integer({ minimum: 20, maximum: 3_600_000, default: 1000 }),
    /** How often (ms) a running step's heartbeat and log are written and its run checked for a cancel. */
    heartbeatMs: Type.Integer({ minimum: 20, maximum: 600_000, default: 500 }),
    /** A running step whose heartbeat is older than this (ms) is presumed lost with its executor and re-queued. */
    leaseMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 30_000 }),
    /** The URL steps use to reach this server (MLFLOW_TRACKING_URI); default its own listening address. */
    trackingUri: Type.Optional(Type.String({ minLength: 1, pattern: '^https?://' })),
  }),
  log: Type.Object({
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  }),
});
export type Config = Static<typeof ConfigSchema>;

const check = Compile(ConfigSchema);

/** Overrides from the command line; every field optional, strings as typed by the user. */
export interface ConfigOverrides {
  dataDir?: string | undefined;
  host?: string | undefined;
  port?: string | number | undefined;
  databaseUrl?: string | undefined;
  artifactRoot?: string | undefined;
  logLevel?: string | undefined;
  poolSize?: string | number | undefined;
  s3Endpoint?: string | undefined;
  s3Region?: string | undefined;
  s3ForcePathStyle?: string | boolean | undefined;
  /** A count or `auto` (one per core). */
  workers?: string | number | undefined;
  role?: string | undefined;
  refreshMs?: string | number | undefined;
  batching?: string | boolean | undefined;
  logWriterThread?: string | boolean | undefined;
  logSynchronous?: string | undefined;
  logDurability?: string | undefined;
  rolloutIntervalMs?: string | number | undefined;
  monitorIntervalMs?: string | number | undefined;
  alertIntervalMs?: string | number | undefined;
  driftThreads?: string | number | undefined;
  anonymous?: string | undefined;
  trustProxy?: string | boolean | undefined;
  uiDir?: string | undefined;
  pipelinesExecutor?: string | undefined;
  pipelinesConcurrency?: string | number | undefined;
  pipelinesPollMs?: string | number | undefined;
  pipelinesHeartbeatMs?: string | number | undefined;
  pipelinesLeaseMs?: string | number | undefined;
  pipelinesTrackingUri?: string | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Where each setting comes from, for the error message and the README's reference table. `flag`
 * is '' for secrets, which are read from the environment only (a command line is visible to
 * every user of the machine).
 */
export const CONFIG_SOURCES: { path: string; flag: string; env: string; description: string }[] = [
  { path: 'dataDir', flag: '--data-dir', env: 'FLYWHEEL_HOME', description: 'data directory (default ~/.flywheel)' },
  { path: 'server.host', flag: '--host', env: 'FLYWHEEL_HOST', description: 'interface to listen on (default 127.0.0.1)' },
  { path: 'server.port', flag: '--port', env: 'FLYWHEEL_PORT', description: 'TCP port (default 5000, 0 = any free port)' },
  { path: 'store.databaseUrl', flag: '--database-url', env: 'FLYWHEEL_DATABASE_URL', description: 'sqlite: (default, <data-dir>/flywheel.db), sqlite:/path.db or postgres://user@host:5432/db' },
  { path: 'store.poolSize', flag: '--pool-size', env: 'FLYWHEEL_DB_POOL_SIZE', description: 'PostgreSQL connections (default 10)' },
  { path: 'artifacts.root', flag: '--artifact-root', env: 'FLYWHEEL_ARTIFACT_ROOT', description: 'local artifact folder (default <data-dir>/artifacts) or s3://bucket/prefix' },
  { path: 'artifacts.s3.endpoint', flag: '--s3-endpoint', env: 'FLYWHEEL_S3_ENDPOINT', description: 'S3-compatible server, e.g. http://minio:9000 (default: AWS S3)' },
  { path: 'artifacts.s3.region', flag: '--s3-region', env: 'FLYWHEEL_S3_REGION', description: 'S3 region (default us-east-1)' },
  { path: 'artifacts.s3.accessKeyId', flag: '', env: 'FLYWHEEL_S3_ACCESS_KEY_ID', description: 'S3 access key id, environment only (falls back to AWS_ACCESS_KEY_ID, then the AWS SDK default chain)' },
  { path: 'artifacts.s3.secretAccessKey', flag: '', env: 'FLYWHEEL_S3_SECRET_ACCESS_KEY', description: 'S3 secret access key, environment only (falls back to AWS_SECRET_ACCESS_KEY, then the AWS SDK default chain)' },
  { path: 'artifacts.s3.forcePathStyle', flag: '--s3-force-path-style', env: 'FLYWHEEL_S3_FORCE_PATH_STYLE', description: 'true|false: path-style S3 URLs (default true when an endpoint is set)' },
  { path: 'server.workers', flag: '--workers', env: 'FLYWHEEL_WORKERS', description: 'processes sharing the port: a count or auto (one per core; default 1)' },
  { path: 'server.role', flag: '--role', env: 'FLYWHEEL_ROLE', description: 'all (default) or gateway: inference routes, health and /metrics only, over a migrated shared store' },
  { path: 'serving.refreshMs', flag: '--refresh-ms', env: 'FLYWHEEL_SERVING_REFRESH_MS', description: 'ms between re-reads of deployments changed by another process (cluster/gateway; default 1000)' },
  { path: 'serving.batching', flag: '--batching', env: 'FLYWHEEL_SERVING_BATCHING', description: 'true|false: concurrent small requests to one model share one ONNX Runtime call (default true)' },
  { path: 'serving.logWriterThread', flag: '--log-writer-thread', env: 'FLYWHEEL_SERVING_LOG_WRITER_THREAD', description: 'true|false: SQLite prediction-log commits on a worker thread (default true)' },
  { path: 'serving.logDurability', flag: '--log-durability', env: 'FLYWHEEL_SERVING_LOG_DURABILITY', description: 'sync (default): answer once the prediction is logged; fast: log in the background, a kill may lose what is queued (counted)' },
  { path: 'serving.logSynchronous', flag: '--log-synchronous', env: 'FLYWHEEL_SERVING_LOG_SYNCHRONOUS', description: 'normal (default): SQLite prediction-log commits survive a process kill, not a power loss; full: every commit fsynced' },
  { path: 'serving.rolloutIntervalMs', flag: '--rollout-interval-ms', env: 'FLYWHEEL_SERVING_ROLLOUT_INTERVAL_MS', description: 'ms between canary rollout steps/guardrail checks (default 5000)' },
  { path: 'monitoring.monitorIntervalMs', flag: '--monitor-interval-ms', env: 'FLYWHEEL_MONITOR_INTERVAL_MS', description: 'ms between looks for closed monitor windows to evaluate (default 60000)' },
  { path: 'monitoring.alertIntervalMs', flag: '--alert-interval-ms', env: 'FLYWHEEL_ALERT_INTERVAL_MS', description: 'ms between alert evaluations and webhook sends (default 5000)' },
  { path: 'monitoring.driftThreads', flag: '--drift-threads', env: 'FLYWHEEL_DRIFT_THREADS', description: 'worker threads for monitor reports beside the evaluating one; 0 = inline (default: cores − 1, at most 4)' },
  { path: 'ui.dir', flag: '--ui-dir', env: 'FLYWHEEL_UI_DIR', description: 'folder of the built web UI served under /ui/ (default: packages/web/dist of this installation)' },
  { path: 'auth.secretKey', flag: '', env: 'FLYWHEEL_SECRET_KEY', description: 'at least 32 characters that encrypt stored secrets (webhook signing secrets), environment only (default: a random key in <data-dir>/secret.key); servers sharing a database need the same key' },
  { path: 'auth.anonymous', flag: '--anonymous', env: 'FLYWHEEL_ANONYMOUS', description: 'off|read|full: what callers without credentials may do (default full on loopback, off otherwise)' },
  { path: 'server.trustProxy', flag: '--trust-proxy', env: 'FLYWHEEL_TRUST_PROXY', description: 'true|false: trust X-Forwarded-* headers from a reverse proxy (default false)' },
  { path: 'pipelines.executor', flag: '', env: 'FLYWHEEL_PIPELINES_EXECUTOR', description: 'local (default): pipeline steps run as child processes of the server; pgboss: queued in the shared PostgreSQL for flywheel worker processes' },
  { path: 'pipelines.concurrency', flag: '--concurrency', env: 'FLYWHEEL_PIPELINES_CONCURRENCY', description: 'pipeline steps one server or worker runs at once (default: the number of cores; 0 on a server: schedule only)' },
  { path: 'pipelines.pollMs', flag: '--poll-ms', env: 'FLYWHEEL_PIPELINES_POLL_MS', description: 'ms between looks for ready pipeline steps (server) or queued jobs (idle worker) (default 1000)' },
  { path: 'pipelines.heartbeatMs', flag: '--heartbeat-ms', env: 'FLYWHEEL_PIPELINES_HEARTBEAT_MS', description: "ms between a running step's heartbeats and log writes (default 500)" },
  { path: 'pipelines.leaseMs', flag: '--lease-ms', env: 'FLYWHEEL_PIPELINES_LEASE_MS', description: 'ms without a heartbeat after which a running step is presumed lost and re-queued (default 30000)' },
  { path: 'pipelines.trackingUri', flag: '--tracking-uri', env: 'FLYWHEEL_PIPELINES_TRACKING_URI', description: "the server URL steps report to as MLFLOW_TRACKING_URI (default: the server's listening address)" },
  { path: 'log.level', flag: '--log-level', env: 'FLYWHEEL_LOG_LEVEL', description: 'fatal|error|warn|info|debug|trace|silent (default info)' },
];

/** packages/web/dist beside this package: the same depth from src/config and dist/config. */
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function toBoolean(v: string | boolean | undefined): boolean | string | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  const t = v.trim().toLowerCase();
  return ['true', '1', 'yes', 'on'].includes(t) ? true : ['false', '0', 'no', 'off'].includes(t) ? false : v;
}

/** `--flag / ENV`, or just `ENV` for environment-only settings. */
function whereOf(src: { flag: string; env: string }): string {
  return src.flag ? `${src.flag} / ${src.env}` : src.env;
}

/** Never echo a secret back, even in an error message. */
function shown(path: string, value: unknown): string {
  return /secret/i.test(path) && value !== undefined ? '"[redacted]"' : JSON.stringify(value);
}

/** `auto` is one worker per core the process may use. */
function toWorkers(v: string | number | undefined): number | string | undefined {
  if (typeof v === 'string' && v.trim().toLowerCase() === 'auto') return availableParallelism();
  return toNumber(v);
}

function toNumber(v: string | number | undefined): number | string | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const t = v.trim();
  return /^-?\d+$/.test(t) ? Number(t) : v;
}

/**
 * Reads the configuration once, validates it and returns it frozen. Throws a {@link ConfigError}
 * naming the setting, its flag and environment variable, and what is wrong.
 *
 * @example
 *   const config = loadConfig({ port: '8080' }, process.env);
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = <T>(o: T | undefined, e: string | undefined): T | string | undefined => (o !== undefined && o !== '' ? o : e !== undefined && e !== '' ? e : undefined);
  const dataDir = resolve(String(pick(overrides.dataDir, env.FLYWHEEL_HOME) ?? join(homedir(), '.flywheel')));
  const artifactRoot = String(pick(overrides.artifactRoot, env.FLYWHEEL_ARTIFACT_ROOT) ?? join(dataDir, 'artifacts'));
  const s3Endpoint = pick(overrides.s3Endpoint, env.FLYWHEEL_S3_ENDPOINT);
  const raw = {
    dataDir,
    server: {
      host: pick(overrides.host, env.FLYWHEEL_HOST),
      port: toNumber(pick(overrides.port, env.FLYWHEEL_PORT) as string | number | undefined),
      bodyLimitBytes: undefined,
      shutdownTimeoutMs: toNumber(env.FLYWHEEL_SHUTDOWN_TIMEOUT_MS),
      workers: toWorkers(pick(overrides.workers, env.FLYWHEEL_WORKERS) as string | number | undefined),
      role: pick(overrides.role, env.FLYWHEEL_ROLE),
      trustProxy: toBoolean(pick(overrides.trustProxy, env.FLYWHEEL_TRUST_PROXY) as string | boolean | undefined),
    },
    ui: { dir: resolve(String(pick(overrides.uiDir, env.FLYWHEEL_UI_DIR) ?? DEFAULT_UI_DIR)) },
    auth: { anonymous: pick(overrides.anonymous, env.FLYWHEEL_ANONYMOUS), secretKey: pick(undefined, env.FLYWHEEL_SECRET_KEY) },
    serving: {
      refreshMs: toNumber(pick(overrides.refreshMs, env.FLYWHEEL_SERVING_REFRESH_MS) as string | number | undefined),
      batching: toBoolean(pick(overrides.batching, env.FLYWHEEL_SERVING_BATCHING) as string | boolean | undefined),
      logWriterThread: toBoolean(pick(overrides.logWriterThread, env.FLYWHEEL_SERVING_LOG_WRITER_THREAD) as string | boolean | undefined),
      logSynchronous: pick(overrides.logSynchronous, env.FLYWHEEL_SERVING_LOG_SYNCHRONOUS),
      logDurability: pick(overrides.logDurability, env.FLYWHEEL_SERVING_LOG_DURABILITY),
      rolloutIntervalMs: toNumber(pick(overrides.rolloutIntervalMs, env.FLYWHEEL_SERVING_ROLLOUT_INTERVAL_MS) as string | number | undefined),
    },
    monitoring: {
      monitorIntervalMs: toNumber(pick(overrides.monitorIntervalMs, env.FLYWHEEL_MONITOR_INTERVAL_MS) as string | number | undefined),
      alertIntervalMs: toNumber(pick(overrides.alertIntervalMs, env.FLYWHEEL_ALERT_INTERVAL_MS) as string | number | undefined),
      driftThreads: toNumber(pick(overrides.driftThreads, env.FLYWHEEL_DRIFT_THREADS) as string | number | undefined) ?? Math.min(4, Math.max(0, availableParallelism() - 1)),
    },
    store: {
      databaseUrl: pick(overrides.databaseUrl, env.FLYWHEEL_DATABASE_URL) ?? 'sqlite:',
      poolSize: toNumber(pick(overrides.poolSize, env.FLYWHEEL_DB_POOL_SIZE) as string | number | undefined),
    },
    artifacts: {
      // An s3:// URL is kept as given (resolve() would turn it into a local path).
      root: /^s3:/i.test(artifactRoot) ? artifactRoot : resolve(artifactRoot),
      s3: {
        endpoint: s3Endpoint,
        region: pick(overrides.s3Region, env.FLYWHEEL_S3_REGION),
        accessKeyId: pick(env.FLYWHEEL_S3_ACCESS_KEY_ID, env.AWS_ACCESS_KEY_ID),
        secretAccessKey: pick(env.FLYWHEEL_S3_SECRET_ACCESS_KEY, env.AWS_SECRET_ACCESS_KEY),
        forcePathStyle: toBoolean(pick(overrides.s3ForcePathStyle, env.FLYWHEEL_S3_FORCE_PATH_STYLE) as string | boolean | undefined) ?? s3Endpoint !== undefined,
      },
    },
    pipelines: {
      executor: pick(overrides.pipelinesExecutor, env.FLYWHEEL_PIPELINES_EXECUTOR),
      concurrency: toNumber(pick(overrides.pipelinesConcurrency, env.FLYWHEEL_PIPELINES_CONCURRENCY) as string | number | undefined) ?? availableParallelism(),
      pollMs: toNumber(pick(overrides.pipelinesPollMs, env.FLYWHEEL_PIPELINES_POLL_MS) as string | number | undefined),
      heartbeatMs: toNumber(pick(overrides.pipelinesHeartbeatMs, env.FLYWHEEL_PIPELINES_HEARTBEAT_MS) as string | number | undefined),
      leaseMs: toNumber(pick(overrides.pipelinesLeaseMs, env.FLYWHEEL_PIPELINES_LEASE_MS) as string | number | undefined),
      trackingUri: pick(overrides.pipelinesTrackingUri, env.FLYWHEEL_PIPELINES_TRACKING_URI),
    },
    log: { level: pick(overrides.logLevel, env.FLYWHEEL_LOG_LEVEL) },
  };
  const cleaned = JSON.parse(JSON.stringify(raw)) as unknown; // drops undefined so defaults apply
  const withDefaults = Value.Default(ConfigSchema, cleaned);
  if (!check.Check(withDefaults)) {
    const first = check.Errors(withDefaults)[0];
    const path = first ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const src = CONFIG_SOURCES.find((s) => s.path === path);
    const got = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], withDefaults);
    const where = src ? whereOf(src) : path;
    throw new ConfigError(`Invalid configuration: ${where} ${first?.message ?? 'is invalid'} (got ${shown(path, got)}).`);
  }
  checkArtifacts(withDefaults.artifacts);
  const url = withDefaults.store.databaseUrl;
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url)) {
    throw new ConfigError(`Invalid configuration: --database-url / FLYWHEEL_DATABASE_URL must start with sqlite: or postgres:// (got ${JSON.stringify(url)}).`);
  }
  if (withDefaults.pipelines.executor === 'pgboss' && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('Invalid configuration: FLYWHEEL_PIPELINES_EXECUTOR=pgboss queues steps in PostgreSQL: --database-url / FLYWHEEL_DATABASE_URL must be postgres://… (got a SQLite store).');
  }
  if (withDefaults.pipelines.leaseMs <= 2 * withDefaults.pipelines.heartbeatMs) {
    throw new ConfigError(`Invalid configuration: --lease-ms / FLYWHEEL_PIPELINES_LEASE_MS (${withDefaults.pipelines.leaseMs}) must be more than twice --heartbeat-ms / FLYWHEEL_PIPELINES_HEARTBEAT_MS (${withDefaults.pipelines.heartbeatMs}), or live steps would be taken for lost.`);
  }
  return Object.freeze(withDefaults) as Config;
}

/** What the schema cannot say about artifact storage: a well-formed s3:// root, paired keys. */
function checkArtifacts(artifacts: Config['artifacts']): void {
  const { root, s3 } = artifacts;
  if (/^s3:/i.test(root)) {
    try {
      parseS3Uri(root);
    } catch (e) {
      throw new ConfigError(`Invalid configuration: --artifact-root / FLYWHEEL_ARTIFACT_ROOT: ${(e as Error).message}.`);
    }
  }
  if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
    const missing = s3.accessKeyId === undefined ? 'FLYWHEEL_S3_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID)' : 'FLYWHEEL_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY)';
    throw new ConfigError(`Invalid configuration: S3 credentials need both an access key id and a secret access key; ${missing} is not set.`);
  }
}
