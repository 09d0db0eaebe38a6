import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LocalFsArtifactStore } from '../../../artifacts/index.js';
import pino from 'pino';
import { createApp } from '../../../http/app.js';
import { systemClock } from '../../../lib/clock.js';
import type { DialectName } from '../../../store/index.js';
import { createTestStore } from '../../../store/test-support/stores.js';
import { TrackingRepository, TrackingService, trackingMigrations, trackingRoutes } from '../../tracking/index.js';
import { RegistryRepository, RegistryService, registryMigrations } from '../../registry/index.js';
import { registerMlflowApi } from '../../../http/mlflow/index.js';
import { LocalExecutor, type LocalExecutorOptions } from '../local-executor.js';
import { pipelinesMigrations } from '../pipelines.migrations.js';
import { PipelinesRepository } from '../pipelines.repository.js';
import { pipelinesRoutes } from '../pipelines.routes.js';
import { PipelinesService } from '../pipelines.service.js';
import { TriggersService } from '../triggers.service.js';

/**
 * Tracking and pipelines on a fresh store of `dialect`, served on a real socket (port 0) so steps
 * can report back to MLFLOW_TRACKING_URI, with a local executor started against it.
 */
export async function createPipelinesFixture(dialect: DialectName, opts: Partial<LocalExecutorOptions> = {}) {
  const store = await createTestStore(dialect, [trackingMigrations, registryMigrations, pipelinesMigrations]);
  const clock = systemClock;
  const tracking = new TrackingService({ repo: new TrackingRepository(store.tables(), store.dialect), clock });
  const repo = new PipelinesRepository(store.tables(), store.dialect);
  const pipelines = new PipelinesService({ repo, clock });
  const triggers = new TriggersService({ repo, pipelines, clock });
  const app: FastifyInstance = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
  await app.register(async (scope) => trackingRoutes(scope, { tracking }));
  await app.register(async (scope) => pipelinesRoutes(scope, { pipelines, triggers }));
  const artifactDir = mkdtempSync(join(tmpdir(), 'fw-pipe-artifacts-'));
  const artifacts = new LocalFsArtifactStore(artifactDir);
  // The MLflow API too: steps log metrics and register models the way an MLflow client does.
  const registry = new RegistryService({ repo: new RegistryRepository(store.tables(), store.dialect), clock, artifacts, logger: pino({ level: 'silent' }) });
  await registerMlflowApi(app, { tracking, registry, artifacts });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const executor = new LocalExecutor({ repo, tracking, clock, trackingUri: url, artifacts, concurrency: 4, pollMs: 100, flushMs: 100, killGraceMs: 1000, ...opts });
  pipelines.onWork(() => executor.wake());
  await executor.start();

  /** Polls until the run is in a terminal state (or `timeoutMs` passes). */
  async function waitForRun(id: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await pipelines.getRun(id);
      if (['succeeded', 'failed', 'cancelled'].includes(run.state) && run.steps.every((s) => s.state !== 'running')) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} still ${run.state} after ${timeoutMs} ms: ${JSON.stringify(run.steps)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    store,
    tracking,
    registry,
    repo,
    pipelines,
    triggers,
    executor,
    artifacts,
    app,
    url,
    waitForRun,
    async dispose() {
      await executor.stop();
      await app.close();
      await store.dispose();
      rmSync(artifactDir, { recursive: true, force: true });
    },
  };
}
