import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';
import { openStore, migrateToLatest, type Store } from './store/index.js';
import { LocalFsArtifactStore, S3ArtifactStore, checkArtifactStore, createArtifactStore, describeArtifactStore, type ArtifactStore } from './artifacts/index.js';
import { createApp } from './http/app.js';
import { registerMlflowApi } from './http/mlflow/index.js';
import { TrackingRepository, TrackingService, trackingMigrations, trackingRoutes } from './domains/tracking/index.js';
import { RegistryRepository, RegistryService, registryMigrations, registryRoutes } from './domains/registry/index.js';
import { DatasetsRepository, DatasetsService, datasetsMigrations, datasetsRoutes } from './domains/datasets/index.js';
import { LineageService, lineageRoutes, type LineageDatasetVersion } from './domains/lineage/index.js';
import { DeploymentsService, GroupCommitPredictionLog, OnnxModelRuntime, PredictionsRepository, ServingRepository, servingMigrations, servingRoutes } from './domains/serving/index.js';
import type { DatasetVersion } from '@flywheel/contract';
import { systemClock, type Clock } from './lib/clock.js';
import { VERSION } from './version.js';

/** Every domain's migrations, in the order their tables depend on each other. */
export const MIGRATIONS = [trackingMigrations, registryMigrations, datasetsMigrations, servingMigrations];

export interface Platform {
  app: FastifyInstance;
  store: Store;
  artifacts: ArtifactStore;
  services: { tracking: TrackingService; registry: RegistryService; datasets: DatasetsService; lineage: LineageService; deployments: DeploymentsService };
  logger: Logger;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. */
  close(): Promise<void>;
}

/** Lineage reads the relations other domains own, through the narrow ports it declares. */
function createLineage(tracking: TrackingService, registry: RegistryService, datasets: DatasetsService): LineageService {
  const toLineage = (v: DatasetVersion): LineageDatasetVersion => ({ name: v.dataset, version: v.version, contentHash: v.contentHash, sourceUri: v.sourceUri });
  return new LineageService({
    runs: tracking,
    models: {
      getModelVersion: (name, version) => registry.getModelVersion(name, version),
      async modelVersionsOfRuns(runIds) {
        const out = [];
        // Run ids are 32 hex digits (validated by the filter parser's quoting anyway); chunked to keep filters short.
        for (let i = 0; i < runIds.length; i += 100) {
          const ids = runIds.slice(i, i + 100).map((id) => `'${id.replace(/'/g, '')}'`).join(', ');
          let pageToken: string | undefined;
          do {
            const page = await registry.searchModelVersions({ filter: `run_id IN (${ids})`, maxResults: 1000, pageToken });
            out.push(...page.items);
            pageToken = page.nextPageToken;
          } while (pageToken);
        }
        return out;
      },
    },
    datasets: {
      getVersion: async (name, version) => toLineage(await datasets.getVersion(name, version)),
      versionsForInputs: async (inputs) => (await datasets.versionsForInputs(inputs)).map(toLineage),
    },
  });
}

export interface BuildOptions {
  logger?: Logger;
  clock?: Clock;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.log.level,
    // Credentials never reach the log, wherever they appear.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', 'databaseUrl', '*.secretAccessKey', '*.s3.secretAccessKey', '*.artifacts.s3.secretAccessKey'],
      censor: '[redacted]',
    },
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
  const artifacts = createArtifactStore(config.artifacts);
  if (artifacts instanceof LocalFsArtifactStore) await mkdir(artifacts.root, { recursive: true });

  const tracking = new TrackingService({ repo: new TrackingRepository(store.tables(), store.dialect), clock });
  const registry = new RegistryService({
    repo: new RegistryRepository(store.tables(), store.dialect),
    clock,
    artifacts,
    logger: logger.child({ domain: 'registry' }),
  });
  const datasets = new DatasetsService({ repo: new DatasetsRepository(store.tables(), store.dialect), clock, artifacts });
  const lineage = createLineage(tracking, registry, datasets);
  const runtime = new OnnxModelRuntime();
  const deployments = new DeploymentsService({
    repo: new ServingRepository(store.tables(), store.dialect),
    registry,
    artifacts,
    runtime,
    clock,
    logger: logger.child({ domain: 'serving' }),
  });
  // Every deployment's models are loaded and warmed before the server takes traffic.
  await deployments.start();
  // 'sync': a prediction is answered only once it is committed to the log (group commit).
  const predictionRepo = new PredictionsRepository(store.tables(), store.dialect);
  const predictionLog = new GroupCommitPredictionLog(predictionRepo, {
    durability: 'sync',
    onError: (err, lost) => logger.error({ err, lost }, 'prediction log write failed'),
  });

  let closing: Promise<void> | undefined;
  const app = await createApp({
    isClosing: () => closing !== undefined,
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    version: VERSION,
    readinessChecks: {
      store: () => store.ping(),
      artifacts: () => checkArtifactStore(artifacts),
    },
  });
  await app.register(async (scope) => trackingRoutes(scope, { tracking }));
  await app.register(async (scope) => registryRoutes(scope, { registry }));
  // Its own scope: dataset uploads add content-type parsers for CSV and Parquet bodies.
  await app.register(async (scope) => datasetsRoutes(scope, { datasets }));
  await app.register(async (scope) => lineageRoutes(scope, { lineage }));
  // Own scope: the gateway answers in the Open Inference Protocol's and MLflow's error shapes.
  await app.register(async (scope) => servingRoutes(scope, { deployments, predictions: { log: predictionLog, repo: predictionRepo } }));
  await registerMlflowApi(app, { tracking, registry, artifacts });
  await app.ready();

  return {
    app,
    store,
    artifacts,
    services: { tracking, registry, datasets, lineage, deployments },
    logger,
    close() {
      closing ??= (async () => {
        await app.close();
        await predictionLog.close();
        await deployments.close();
        await runtime.close();
        await store.close();
        if (artifacts instanceof S3ArtifactStore) artifacts.destroy();
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
  logger.info({ address, store: platform.store.description, artifacts: describeArtifactStore(platform.artifacts), dataDir: config.dataDir }, `Flywheel ${VERSION} listening on ${address}`);
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
