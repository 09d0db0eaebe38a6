import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

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
  }),
  store: Type.Object({
    /** `sqlite:` (embedded default, file under dataDir), `sqlite:/path/file.db`, or `postgres://…` */
    databaseUrl: Type.String({ minLength: 1 }),
    /** PostgreSQL pool size. */
    poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  }),
  artifacts: Type.Object({
    /** Root folder of the local artifact store. Default: <dataDir>/artifacts */
    root: Type.String({ minLength: 1 }),
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
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where each setting comes from, for the error message and the README's reference table. */
export const CONFIG_SOURCES: { path: string; flag: string; env: string; description: string }[] = [
  { path: 'dataDir', flag: '--data-dir', env: 'FLYWHEEL_HOME', description: 'data directory (default ~/.flywheel)' },
  { path: 'server.host', flag: '--host', env: 'FLYWHEEL_HOST', description: 'interface to listen on (default 127.0.0.1)' },
  { path: 'server.port', flag: '--port', env: 'FLYWHEEL_PORT', description: 'TCP port (default 5000, 0 = any free port)' },
  { path: 'store.databaseUrl', flag: '--database-url', env: 'FLYWHEEL_DATABASE_URL', description: 'sqlite: (default, <data-dir>/flywheel.db), sqlite:/path.db or postgres://user@host:5432/db' },
  { path: 'store.poolSize', flag: '--pool-size', env: 'FLYWHEEL_DB_POOL_SIZE', description: 'PostgreSQL connections (default 10)' },
  { path: 'artifacts.root', flag: '--artifact-root', env: 'FLYWHEEL_ARTIFACT_ROOT', description: 'local artifact folder (default <data-dir>/artifacts)' },
  { path: 'log.level', flag: '--log-level', env: 'FLYWHEEL_LOG_LEVEL', description: 'fatal|error|warn|info|debug|trace|silent (default info)' },
];

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
  const raw = {
    dataDir,
    server: {
      host: pick(overrides.host, env.FLYWHEEL_HOST),
      port: toNumber(pick(overrides.port, env.FLYWHEEL_PORT) as string | number | undefined),
      bodyLimitBytes: undefined,
      shutdownTimeoutMs: toNumber(env.FLYWHEEL_SHUTDOWN_TIMEOUT_MS),
    },
    store: {
      databaseUrl: pick(overrides.databaseUrl, env.FLYWHEEL_DATABASE_URL) ?? 'sqlite:',
      poolSize: toNumber(pick(overrides.poolSize, env.FLYWHEEL_DB_POOL_SIZE) as string | number | undefined),
    },
    artifacts: { root: resolve(String(pick(overrides.artifactRoot, env.FLYWHEEL_ARTIFACT_ROOT) ?? join(dataDir, 'artifacts'))) },
    log: { level: pick(overrides.logLevel, env.FLYWHEEL_LOG_LEVEL) },
  };
  const cleaned = JSON.parse(JSON.stringify(raw)) as unknown; // drops undefined so defaults apply
  const withDefaults = Value.Default(ConfigSchema, cleaned);
  if (!check.Check(withDefaults)) {
    const first = check.Errors(withDefaults)[0];
    const path = first ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const src = CONFIG_SOURCES.find((s) => s.path === path);
    const got = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], withDefaults);
    const where = src ? `${src.flag} / ${src.env}` : path;
    throw new ConfigError(`Invalid configuration: ${where} ${first?.message ?? 'is invalid'} (got ${JSON.stringify(got)}).`);
  }
  const url = withDefaults.store.databaseUrl;
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url)) {
    throw new ConfigError(`Invalid configuration: --database-url / FLYWHEEL_DATABASE_URL must start with sqlite: or postgres:// (got ${JSON.stringify(url)}).`);
  }
  return Object.freeze(withDefaults) as Config;
}
