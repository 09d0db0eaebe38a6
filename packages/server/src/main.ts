import { mkdir, access, constants } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';
import { openStore, migrateToLatest, type Store } from './store/index.js';
import { LocalFsArtifactStore, type ArtifactStore } from './artifacts/index.js';
import { createApp } from './http/app.js';
import { registerMlflowApi } from './http/mlflow/index.js';
import { TrackingRepository, TrackingService, trackingMigrations, trackingRoutes } from './domains/tracking/index.js';
import { RegistryRepository, RegistryService, registryMigrations, registryRoutes } from './domains/registry/index.js';
import { systemClock, type Clock } from './lib/clock.js';
import { VERSION } from './version.js';

/** Every domain's migrations, in the order their tables depend on each other. */
export const MIGRATIONS = [trackingMigrations, registryMigrations];

export interface Platform {
  app: FastifyInstance;
  store: Store;
  artifacts: ArtifactStore;
  services: { tracking: TrackingService; registry: RegistryService };
  logger: Logger;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. */
  close(): Promise<void>;
}

export interface BuildOptions {
  logger?: Logger;
  clock?: Clock;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.log.level,
    // Credentials never reach the log, wherever they appear.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', 'databaseUrl'], censor: '[redacted]' },
  });
}

/**
 * Wires the whole platform from one configuration: the one place where every dependency is
 * created and handed to whoever needs it.
 */
export async function buildPlatform(config: Config, opts: BuildOptions = {}): Promise<Platform> {
  const logger = opts.logger ?? createLogger(config);
  const clock = opts.clock ?? systemClock;
  await mkdir(config.dataDir, { recursive: true });
  const store = await openStore({ databaseUrl: config.store.databaseUrl, dataDir: config.dataDir, poolSize: config.store.poolSize });
  try {
    const applied = await migrateToLatest(store, MIGRATIONS);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  } catch (e) {
    await store.close();
    throw e;
  }
  await mkdir(config.artifacts.root, { recursive: true });
  const artifacts = new LocalFsArtifactStore(config.artifacts.root);

  const tracking = new TrackingService({ repo: new TrackingRepository(store.tables(), store.dialect), clock });
  const registry = new RegistryService({
    repo: new RegistryRepository(store.tables(), store.dialect),
    clock,
    artifacts,
    logger: logger.child({ domain: 'registry' }),
  });

  const app = await createApp({
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    version: VERSION,
    readinessChecks: {
      store: () => store.ping(),
      artifacts: () => access(config.artifacts.root, constants.W_OK).then(() => true, () => false),
    },
  });
  await app.register(async (scope) => trackingRoutes(scope, { tracking }));
  await app.register(async (scope) => registryRoutes(scope, { registry }));
  await registerMlflowApi(app, { tracking, registry, artifacts });
  await app.ready();

  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    artifacts,
    services: { tracking, registry },
    logger,
    close() {
      closing ??= (async () => {
        await app.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * Starts `flywheel server`: builds the platform, listens, and shuts down gracefully on SIGINT or
 * SIGTERM (in-flight requests finish; after `shutdownTimeoutMs` the process exits anyway).
 */
export async function startServer(config: Config, opts: BuildOptions & { handleSignals?: boolean } = {}): Promise<Platform & { url: string }> {
  const platform = await buildPlatform(config, opts);
  const { app, logger } = platform;
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  logger.info({ address, store: platform.store.description, artifacts: config.artifacts.root, dataDir: config.dataDir }, `Flywheel ${VERSION} listening on ${address}`);
  if (opts.handleSignals !== false) {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: config.server.shutdownTimeoutMs }, 'shutdown timed out; exiting');
        process.exit(1);
      }, config.server.shutdownTimeoutMs);
      timer.unref();
      platform.close().then(
        () => {
          logger.info('shutdown complete');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  }
  return { ...platform, url: address };
}
