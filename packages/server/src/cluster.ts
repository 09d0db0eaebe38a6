import cluster, { type Worker } from 'node:cluster';
import { mkdir } from 'node:fs/promises';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './config/index.js';
import { MIGRATIONS, createLogger, startServer, type BuildOptions, type Platform } from './main.js';
import { migrateToLatest, openStore } from './store/index.js';
import type { ServingMetrics } from './domains/serving/metrics.js';

const METRICS_REQ = 'flywheel:metrics-req';
const METRICS_RES = 'flywheel:metrics-res';
const LISTENING = 'flywheel:listening';
/** A worker changed a deployment: the primary tells the others, which refresh at once. */
const DEPLOYMENTS_CHANGED = 'flywheel:deployments-changed';

/** A worker that dies sooner than this after its start counts as a crash loop. */
const MIN_UPTIME_MS = 5_000;
const MAX_QUICK_DEATHS = 5;

interface Message {
  type?: string;
  id?: number;
  text?: string;
  error?: string;
  address?: string;
}

export interface ClusterPrimary {
  /** The address the workers listen on, once the first one is up. */
  url: string;
  workers(): number;
  /** SIGTERM to every worker; resolves when all have exited. */
  close(): Promise<void>;
}

/**
 * `flywheel server`: one process, or with `server.workers` > 1 a node:cluster primary that
 * migrates the store once, forks the workers (each builds the whole platform and listens on the
 * shared port), restarts a worker that dies, and forwards SIGTERM/SIGINT for a graceful stop.
 * Called again inside each forked worker, where it starts that worker's server.
 */
export async function runServer(config: Config, opts: BuildOptions & { handleSignals?: boolean } = {}): Promise<(Platform & { url: string }) | ClusterPrimary> {
  if (cluster.isWorker) return startWorker(config, opts);
  if (config.server.workers <= 1) return startServer(config, opts);
  return startPrimary(config, opts);
}

async function startWorker(config: Config, opts: BuildOptions & { handleSignals?: boolean }): Promise<Platform & { url: string }> {
  // Answers the primary's aggregation requests (prom-client's cluster protocol).
  new AggregatorRegistry();
  let registered = false;
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  let next = 0;
  process.on('message', (m: Message) => {
    if (m?.type !== METRICS_RES || m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.text ?? '');
  });
  /** Every worker's metrics summed, through the primary (a scrape reaches one worker at random). */
  const metricsText = (local: ServingMetrics): Promise<string> => {
    if (!registered) {
      AggregatorRegistry.setRegistries([local.registry]);
      registered = true;
    }
    return new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      process.send!({ type: METRICS_REQ, id });
    });
  };
  const server = await startServer(config, { ...opts, migrate: false, refresh: true, metricsText });
  const { deployments } = server.services;
  deployments.onChange((name) => process.send?.({ type: DEPLOYMENTS_CHANGED, text: name }));
  process.on('message', (m: Message) => {
    if (m?.type === DEPLOYMENTS_CHANGED) deployments.refresh().catch((err: unknown) => server.logger.warn({ err }, 'deployment refresh failed'));
  });
  AggregatorRegistry.setRegistries([server.metrics.registry]);
  registered = true;
  process.send!({ type: LISTENING, address: server.url });
  return server;
}

async function startPrimary(config: Config, opts: BuildOptions & { handleSignals?: boolean }): Promise<ClusterPrimary> {
  const logger = opts.logger ?? createLogger(config);
  if (config.server.role !== 'gateway') {
    // Once, before any worker opens the store: workers never race on the schema.
    await mkdir(config.dataDir, { recursive: true });
    const store = await openStore({ databaseUrl: config.store.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      const applied = await migrateToLatest(store, MIGRATIONS);
      if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    } finally {
      await store.close();
    }
  }
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let quickDeaths = 0;
  const started = new Map<number, number>();
  let resolveUrl: (u: string) => void = () => {};
  let rejectUrl: (e: Error) => void = () => {};
  const firstUrl = new Promise<string>((res, rej) => ((resolveUrl = res), (rejectUrl = rej)));
  let url = '';

  const fork = (): Worker => {
    const w = cluster.fork();
    started.set(w.id, Date.now());
    w.on('message', (m: Message) => {
      if (m?.type === LISTENING && m.address) {
        if (!url) {
          url = m.address;
          resolveUrl(url);
        }
      } else if (m?.type === DEPLOYMENTS_CHANGED) {
        for (const other of Object.values(cluster.workers ?? {})) if (other && other !== w && other.isConnected()) other.send({ type: DEPLOYMENTS_CHANGED, text: m.text });
      } else if (m?.type === METRICS_REQ && m.id !== undefined) {
        aggregator.clusterMetrics().then(
          (text) => w.isConnected() && w.send({ type: METRICS_RES, id: m.id, text }),
          (err: Error) => w.isConnected() && w.send({ type: METRICS_RES, id: m.id, error: err.message }),
        );
      }
    });
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    const uptime = Date.now() - (started.get(w.id) ?? 0);
    started.delete(w.id);
    if (stopping) return;
    logger.error({ worker: w.id, pid: w.process.pid, code, signal, uptimeMs: uptime }, 'worker died; starting another');
    quickDeaths = uptime < MIN_UPTIME_MS ? quickDeaths + 1 : 0;
    if (quickDeaths >= MAX_QUICK_DEATHS) {
      logger.fatal({ deaths: quickDeaths }, 'workers keep dying right after start; stopping');
      rejectUrl(new Error(`workers keep dying right after start (${quickDeaths} in a row, last exit code ${code ?? signal})`));
      void stop().then(() => process.exit(1));
      return;
    }
    // A crash loop is slowed down, not spun.
    setTimeout(() => !stopping && fork(), quickDeaths ? 1000 : 0);
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping = true;
    stopped ??= new Promise<void>((resolve) => {
      const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      if (alive().length === 0) return resolve();
      const kill = setTimeout(() => alive().forEach((w) => w.process.kill('SIGKILL')), config.server.shutdownTimeoutMs + 2000);
      kill.unref();
      cluster.on('exit', () => {
        if (alive().length === 0) {
          clearTimeout(kill);
          resolve();
        }
      });
      for (const w of alive()) w.process.kill('SIGTERM');
    });
    return stopped;
  };

  for (let i = 0; i < config.server.workers; i++) fork();
  if (opts.handleSignals !== false) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        logger.info({ signal: sig, workers: config.server.workers }, 'shutting down: stopping workers');
        void stop().then(() => process.exit(0));
      });
    }
  }
  await firstUrl;
  logger.info({ address: url, workers: config.server.workers, role: config.server.role }, `Flywheel cluster of ${config.server.workers} workers listening on ${url}`);
  return { url, workers: () => Object.keys(cluster.workers ?? {}).length, close: stop };
}
