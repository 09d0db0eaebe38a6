import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';
import { openStore, migrateToLatest, pendingMigrations as pendingDomainMigrations, sqlitePathFromUrl, type Store } from './store/index.js';
import { LocalFsArtifactStore, S3ArtifactStore, checkArtifactStore, createArtifactStore, describeArtifactStore, type ArtifactStore } from './artifacts/index.js';
import { createApp } from './http/app.js';
import { registerMlflowApi } from './http/mlflow/index.js';
import { TrackingRepository, TrackingService, trackingMigrations, trackingRoutes } from './domains/tracking/index.js';
import { RegistryRepository, RegistryService, registryMigrations, registryRoutes } from './domains/registry/index.js';
import { DatasetAccessService, DatasetsRepository, DatasetsService, datasetAccessRoutes, datasetsMigrations, datasetsRoutes } from './domains/datasets/index.js';
import { LineageService, lineageRoutes, type LineageDatasetVersion, type LineageServingVariant } from './domains/lineage/index.js';
import {
  DeploymentsService,
  GroupCommitPredictionLog,
  OnnxModelRuntime,
  PredictionsRepository,
  RolloutController,
  RolloutRepository,
  RolloutService,
  ServingMetrics,
  ServingRepository,
  ShadowRepository,
  ThreadedSqlitePredictionsRepository,
  rolloutRoutes,
  servingMigrations,
  servingRoutes,
} from './domains/serving/index.js';
import {
  ActualsRepository,
  ActualsService,
  AbService,
  AlertScheduler,
  AlertsRepository,
  AlertsService,
  FeedbackRepository,
  FeedbackService,
  FunctionAlertAction,
  LabelingRepository,
  LabelingService,
  MonitorScheduler,
  MonitorsRepository,
  MonitorsService,
  DriftPool,
  PredictionsTableSource,
  WebhookNotifier,
  WebhooksService,
  abRoutes,
  alertsMigrations,
  alertsRoutes,
  feedbackMigrations,
  labelingRoutes,
  monitoringMigrations,
  monitoringRoutes,
  monitorGuardrails,
  monitorsRoutes,
} from './domains/monitoring/index.js';
import { OrgRepository, OrgService, TeamsService, orgMigrations, orgRoutes } from './domains/org/index.js';
import { AuditRepository, AuditService, auditMigrations, auditRoutes } from './domains/audit/index.js';
import { ProjectsRepository, ProjectsService, orgTeamEvidence, projectsMigrations, projectsRoutes, registryModelEvidence } from './domains/projects/index.js';
import { BudgetsService, PoliciesRepository, PoliciesService, PolicyGate, StorageMeter, policiesMigrations, policiesRoutes } from './domains/policies/index.js';
import { PipelinesRepository, PipelinesService, TriggersService, createPipelineExecutor, pipelinesMigrations, pipelinesRoutes, type DatasetResolver, type ModelVersionsOfRun, type TriggerSources } from './domains/pipelines/index.js';
import { registerWebUi } from './http/web-ui.js';
import { ConfigAsCodeService, configRoutes, orgUserExists, platformConfigPorts } from './domains/config-as-code/index.js';
import { CatalogService, catalogRoutes, platformCatalogSources } from './domains/catalog/index.js';
import { PostmortemsRepository, PostmortemsService, knowledgeMigrations, platformLinkTargets, postmortemsRoutes } from './domains/knowledge/index.js';
import { SecretBox, loadOrCreateKeyFile } from './domains/monitoring/webhook-secret-box.js';
import { AssessmentRepository, AssessmentService, assessmentMigrations, assessmentRoutes, platformEvidence } from './domains/assessment/index.js';
import { anonymousDefault, registerAuth } from './http/auth.js';
import type { DatasetVersion } from '@flywheel/contract';
import { systemClock, type Clock } from './lib/clock.js';
import { VERSION } from './version.js';

/** Every domain's migrations, in the order their tables depend on each other. */
export const MIGRATIONS = [trackingMigrations, registryMigrations, datasetsMigrations, servingMigrations, monitoringMigrations, alertsMigrations, feedbackMigrations, orgMigrations, auditMigrations, projectsMigrations, policiesMigrations, pipelinesMigrations, assessmentMigrations, knowledgeMigrations];

export interface Platform {
  app: FastifyInstance;
  store: Store;
  artifacts: ArtifactStore;
  services: {
    tracking: TrackingService;
    registry: RegistryService;
    datasets: DatasetsService;
    lineage: LineageService;
    deployments: DeploymentsService;
    rollouts: RolloutService;
    actuals: ActualsService;
    monitors: MonitorsService;
    alerts: AlertsService;
    labeling: LabelingService;
    ab: AbService;
    org: OrgService;
    teams: TeamsService;
    audit: AuditService;
    projects: ProjectsService;
    policies: PoliciesService;
    budgets: BudgetsService;
    pipelines: PipelinesService;
    pipelineTriggers: TriggersService;
    assessment: AssessmentService;
    config: ConfigAsCodeService;
    catalog: CatalogService;
    postmortems: PostmortemsService;
    datasetAccess: DatasetAccessService;
  };
  logger: Logger;
  /** Prometheus metrics of this process (served at /metrics). */
  metrics: ServingMetrics;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. */
  close(): Promise<void>;
}

/** Lineage reads the relations other domains own, through the narrow ports it declares. */
function createLineage(tracking: TrackingService, registry: RegistryService, datasets: DatasetsService, deployments: DeploymentsService): LineageService {
  const toLineage = (v: DatasetVersion): LineageDatasetVersion => ({ name: v.dataset, version: v.version, contentHash: v.contentHash, sourceUri: v.sourceUri });
  const variantsOf = (d: { name: string; config: { variants: { name: string; role: string; weight: number; model?: { name: string; version: string | number } | undefined }[] } }): LineageServingVariant[] =>
    d.config.variants.map((v) => ({ deployment: d.name, variant: v.name, role: v.role, weight: v.weight, model: v.model ? { name: v.model.name, version: String(v.model.version) } : null }));
  return new LineageService({
    deployments: {
      async servingVersions(versions) {
        const wanted = new Set(versions.map((v) => `${v.name}\u0000${v.version}`));
        return (await deployments.list()).flatMap(variantsOf).filter((v) => v.model !== null && wanted.has(`${v.model.name}\u0000${v.model.version}`));
      },
      variantsOf: async (name) => variantsOf(await deployments.get(name)),
    },
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
  /**
   * Run pending migrations (default true for role `all`). A cluster worker passes false: the
   * primary migrated once before forking. Role `gateway` never migrates.
   */
  migrate?: boolean;
  /** The text /metrics answers; default this process's metrics. Cluster workers ask the primary for every worker's sum. */
  metricsText?: (local: ServingMetrics) => Promise<string>;
  /** Re-read deployments changed by other processes every `serving.refreshMs` (default: when `server.workers` > 1 or role `gateway`). */
  refresh?: boolean;
}

/** Migrations the store has not run yet (none when the schema is current). */
export async function pendingMigrations(store: Store): Promise<string[]> {
  return pendingDomainMigrations(store, MIGRATIONS);
}

/** Paths a gateway-role server answers besides the inference routes registered by servingRoutes. */
const GATEWAY_REFUSED = /^\/(ajax-)?api\//;

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
  const gateway = config.server.role === 'gateway';
  try {
    if (gateway) {
      // A gateway shares a store other servers own: it never changes the schema.
      const pending = await pendingMigrations(store);
      if (pending.length) {
        throw new Error(
          `the database (${store.description}) is not migrated: ${pending.length} migration(s) pending (${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''}). ` +
            'Start a server with --role all on it once first; a gateway never migrates.',
        );
      }
    } else if (opts.migrate !== false) {
      const applied = await migrateToLatest(store, MIGRATIONS);
      if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    }
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
  // Every change the platform's services make is recorded here, in the change's own transaction.
  const audit = new AuditService({ repo: new AuditRepository(store.tables(), store.dialect), clock });
  const pipelinesRepo = new PipelinesRepository(store.tables(), store.dialect);
  const pipelines = new PipelinesService({ repo: pipelinesRepo, clock });
  // Steps report back to this server: its address is read when a step starts, after listen.
  let trackingUri = (): string => `http://127.0.0.1:${config.server.port}`;
  // `local`: steps run here; `pgboss`: this server schedules into the shared PostgreSQL for `flywheel worker`s (and runs steps too unless concurrency is 0).
  const pipelineExecutor = createPipelineExecutor({ config: config.pipelines, databaseUrl: config.store.databaseUrl, repo: pipelinesRepo, tracking, clock, role: 'server', logger: logger.child({ domain: 'pipelines' }), trackingUri: () => trackingUri(), artifacts, ...pipelinePorts(datasets, registry) });
  pipelines.onWork(() => pipelineExecutor.wake());
  // Schedules, new dataset and model versions, and alerts (the run_pipeline action below) start runs.
  const pipelineTriggers = new TriggersService({ repo: pipelinesRepo, pipelines, clock, sources: pipelineTriggerSources(datasets, registry), logger: logger.child({ domain: 'pipelines' }) });
  // The Center of Excellence's policies and the teams' budgets, enforced where the action happens.
  const policiesRepo = new PoliciesRepository(store.tables());
  const policies = new PoliciesService({ repo: policiesRepo, clock, audit });
  // Storage is measured by walking the artifact store, at most every 10 minutes (storage-meter.ts).
  const budgets = new BudgetsService({ repo: policiesRepo, clock, audit, storage: new StorageMeter({ artifacts, clock }) });
  // Enforced budgets of a pipeline's owner team or project refuse its new runs (manual, triggered, resumed).
  pipelines.setRunGate((r) => budgets.enforcePipelineRun({ pipeline: r.pipeline, team: r.ownerTeam, project: r.project }, { actor: r.cause.kind === 'manual' ? (r.cause.by ?? 'anonymous') : `pipeline-${r.cause.kind}`, source: 'pipelines' }));
  const gate = new PolicyGate({ policies, budgets });
  registry.setActionGate(gate);
  tracking.setActionGate(gate);
  const runtime = new OnnxModelRuntime({ batching: config.serving.batching });
  const deployments = new DeploymentsService({
    repo: new ServingRepository(store.tables(), store.dialect),
    registry,
    artifacts,
    runtime,
    clock,
    logger: logger.child({ domain: 'serving' }),
    changes: audit,
  });
  // A deployment that serves something new is refused over an enforced budget of its models' teams or its projects.
  deployments.setBudgetGate(gate);
  // Every deployment's models are loaded and warmed before the server takes traffic.
  await deployments.start();
  const lineage = createLineage(tracking, registry, datasets, deployments);
  // 'sync' (default): a prediction is answered only once it is committed to the log (group commit).
  const sqliteFile = store.dialect === 'sqlite' ? sqlitePathFromUrl(config.store.databaseUrl, config.dataDir) : ':memory:';
  const predictionRepo =
    config.serving.logWriterThread && sqliteFile !== ':memory:'
      ? new ThreadedSqlitePredictionsRepository(store.tables(), sqliteFile, { synchronous: config.serving.logSynchronous })
      : new PredictionsRepository(store.tables(), store.dialect);
  const predictionLog = new GroupCommitPredictionLog(predictionRepo, {
    durability: config.serving.logDurability,
    onError: (err, lost) => logger.error({ err, lost }, 'prediction log write failed'),
  });
  const metrics = new ServingMetrics({ predictionLog });
  const monitorsRepo = new MonitorsRepository(store.tables(), store.dialect); // also the MetricReader alerts and guardrails read
  const rollouts = new RolloutService({
    repo: new RolloutRepository(store.tables(), store.dialect),
    deployments,
    clock,
    logger: logger.child({ domain: 'rollouts' }),
    // A canary step may also be held to what monitors measured on its traffic (drift, quality).
    guardrails: monitorGuardrails(monitorsRepo),
  });
  const rolloutController = new RolloutController({ rollouts, deployments, clock, logger: logger.child({ domain: 'rollouts' }) }, { intervalMs: config.serving.rolloutIntervalMs });
  // Servers that own the store step rollouts; several may (cluster workers): each transition is conditional.
  if (!gateway) rolloutController.start();
  const actuals = new ActualsService({ repo: new ActualsRepository(store.tables(), store.dialect), predictions: new PredictionsTableSource(store.db, store.dialect), clock });
  const feedbackRepo = new FeedbackRepository(store.tables(), store.dialect);
  const feedback = new FeedbackService({ repo: feedbackRepo, clock });
  const ab = new AbService({ actuals, predictions: new PredictionsTableSource(store.db, store.dialect), feedback: feedbackRepo, clock });
  // Report columns on worker threads beside the evaluating one: none exist until a large window, and they stop when idle.
  const driftPool = config.monitoring.driftThreads > 0 ? new DriftPool({ threads: config.monitoring.driftThreads }) : undefined;
  const monitors = new MonitorsService({ repo: monitorsRepo, actuals, datasets, deployments, clock, driftPool });
  const monitorScheduler = new MonitorScheduler({ monitors, repo: monitorsRepo, clock, logger: logger.child({ domain: 'monitors' }) }, { intervalMs: config.monitoring.monitorIntervalMs });
  const alertsRepo = new AlertsRepository(store.tables(), store.dialect);
  const alerts = new AlertsService({
    repo: alertsRepo,
    metrics: monitorsRepo,
    clock,
    actions: [
      // Drift or quality → retrain: {type: 'run_pipeline', params: {pipeline, params?}} starts the pipeline once per alert event.
      new FunctionAlertAction('run_pipeline', async (firing, params) => {
        if (typeof params.pipeline !== 'string') return { ok: false, message: 'no pipeline: set action.params.pipeline' };
        const runParams = params.params && typeof params.params === 'object' ? (params.params as Record<string, unknown>) : undefined;
        const runs = await pipelineTriggers.onAlert(params.pipeline, firing.rule.name, firing.eventId, runParams);
        return { ok: true, message: runs.length ? `started run ${runs.join(', ')} of pipeline ${params.pipeline}` : `pipeline ${params.pipeline} already started for this alert event`, details: { runs } };
      }),
      new FunctionAlertAction('rollback_canary', async (firing, params) => {
        const name = typeof params.deployment === 'string' ? params.deployment : firing.rule.deployment;
        if (!name) return { ok: false, message: "no deployment: set action.params.deployment or the rule's deployment" };
        const d = await deployments.rollback(name, `alert:${firing.rule.name}`);
        return { ok: true, message: `rolled ${d.name} back to revision ${d.revision}`, details: { revision: d.revision } };
      }),
    ],
  });
  // Webhook signing secrets are stored encrypted under the server key (FLYWHEEL_SECRET_KEY or <dataDir>/secret.key).
  const secrets = new SecretBox(config.auth.secretKey ?? (await loadOrCreateKeyFile(join(config.dataDir, 'secret.key'))));
  const webhooks = new WebhooksService({ repo: alertsRepo, clock, secrets });
  if (!gateway) {
    const sealed = await webhooks.encryptStoredSecrets();
    if (sealed) logger.info({ webhooks: sealed }, 'webhook secrets encrypted at rest');
  }
  const alertScheduler = new AlertScheduler({ alerts, notifier: new WebhookNotifier({ repo: alertsRepo, clock, secrets }), clock, tickMs: config.monitoring.alertIntervalMs, onError: (err) => logger.warn({ err }, 'alert evaluation pass failed') });
  const labeling = new LabelingService({ repo: new LabelingRepository(store.tables(), store.dialect), predictions: new PredictionsTableSource(store.db, store.dialect), actuals, clock });
  // Servers that own the store evaluate monitors and alerts; several may: windows, rules and deliveries are claimed conditionally.
  if (!gateway) {
    monitorScheduler.start();
    alertScheduler.start();
  }
  const orgRepo = new OrgRepository(store.tables(), store.dialect);
  const org = new OrgService({ repo: orgRepo, clock });
  const teams = new TeamsService({ repo: orgRepo, clock });
  const projects = new ProjectsService({
    repo: new ProjectsRepository(store.tables(), store.dialect),
    audit,
    clock,
    models: registryModelEvidence(registry),
    teams: orgTeamEvidence(org, teams),
    monitoring: { hasMonitor: async (deployment) => (await monitors.list(deployment)).length > 0 },
  });
  // Scorecards read every domain through its service (domains/assessment/assessment.evidence.ts).
  const assessment = new AssessmentService({
    repo: new AssessmentRepository(store.tables(), store.dialect),
    clock,
    evidence: platformEvidence({ registry, tracking, datasets, deployments, rollouts, monitors, alerts, actuals, pipelines, org, teams, projects, policies, budgets, audit }),
  });
  // The organization as a document (flywheel apply/diff/export): an apply runs in one transaction.
  const configAsCode = new ConfigAsCodeService({
    read: { teams, userExists: orgUserExists(org), projects, policies, budgets },
    transaction: (fn) => store.transaction((trx) => fn(platformConfigPorts(trx, store.dialect, { clock, audit }), trx)),
    audit,
  });
  // Learn from failures, celebrate successes: postmortems linked to what they are about.
  // Read grants and expiring sandbox copies of datasets; expired copies are destroyed (on record) every minute.
  const datasetAccess = new DatasetAccessService({ repo: new DatasetsRepository(store.tables(), store.dialect), datasets, artifacts, audit, clock, userExists: orgUserExists(org) });
  if (!gateway) datasetAccess.start(60_000, (err) => logger.warn({ err }, 'sandbox sweep failed'));
  const postmortems = new PostmortemsService({ repo: new PostmortemsRepository(store.tables(), store.dialect), audit, clock, targets: platformLinkTargets({ projects, deployments, alerts, teams }) });
  // One search across the domains, each filtering by what the caller may read.
  const catalog = new CatalogService(platformCatalogSources({ registry, tracking, datasets, projects, deployments, pipelines, postmortems }));
  // Other processes (cluster workers, gateways, the server that owns the store) change deployments:
  // re-read the ones whose revision moved. One pass at a time; a failed pass is retried next tick.
  let refreshTimer: NodeJS.Timeout | undefined;
  if (opts.refresh ?? (config.server.workers > 1 || gateway)) {
    let running = false;
    refreshTimer = setInterval(() => {
      if (running) return;
      running = true;
      deployments.refresh().catch((err: unknown) => logger.warn({ err }, 'deployment refresh failed')).finally(() => (running = false));
    }, config.serving.refreshMs);
    refreshTimer.unref();
  }

  let closing: Promise<void> | undefined;
  const app = await createApp({
    isClosing: () => closing !== undefined,
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    version: VERSION,
    readinessChecks: {
      store: () => store.ping(),
      artifacts: () => checkArtifactStore(artifacts),
    },
  });
  // Every route, native, MLflow and inference alike, sees the caller; none is open beyond loopback by default.
  const anonymous = config.auth.anonymous ?? anonymousDefault(config.server.host);
  registerAuth(app, { org, anonymous, clock });
  const metricsText = opts.metricsText ?? ((m: ServingMetrics) => m.text());
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(metrics.contentType).send(await metricsText(metrics)));
  if (!gateway) {
    await app.register(async (scope) => trackingRoutes(scope, { tracking, anonymous }));
    await app.register(async (scope) => registryRoutes(scope, { registry, anonymous }));
    // Its own scope: dataset uploads add content-type parsers for CSV and Parquet bodies.
    await app.register(async (scope) => datasetsRoutes(scope, { datasets, anonymous }));
    await app.register(async (scope) =>
      lineageRoutes(scope, {
        lineage,
        anonymous,
        // Every node is checked with its owning domain's read rule: another team's private work is left out.
        guards: {
          model: (access, name) => registry.guardModel(access, name, 'read'),
          dataset: (access, name) => datasets.guardDataset(access, name, 'read'),
          run: (access, runId) => tracking.guardRun(access, runId, 'read'),
          teamTree: () => tracking.teamTree(),
        },
      }),
    );
    await app.register(async (scope) => rolloutRoutes(scope, { rollouts }));
    // Own scope: actuals uploads add a text/csv parser.
    await app.register(async (scope) => monitoringRoutes(scope, { actuals }));
    await app.register(async (scope) => monitorsRoutes(scope, { monitors }));
    await app.register(async (scope) => alertsRoutes(scope, { alerts, webhooks }));
    await app.register(async (scope) => labelingRoutes(scope, { labeling }));
    await app.register(async (scope) => abRoutes(scope, { feedback, ab }));
    await app.register(async (scope) => orgRoutes(scope, { org, teams, anonymous }));
    await app.register(async (scope) => projectsRoutes(scope, { projects }));
    await app.register(async (scope) => auditRoutes(scope, { audit }));
    await app.register(async (scope) => policiesRoutes(scope, { policies, budgets }));
    await app.register(async (scope) => pipelinesRoutes(scope, { pipelines, triggers: pipelineTriggers, anonymous }));
    await app.register(async (scope) => assessmentRoutes(scope, { assessment, models: registry, anonymous }));
    await app.register(async (scope) => configRoutes(scope, { config: configAsCode }));
    await app.register(async (scope) => catalogRoutes(scope, { catalog, anonymous, teamTree: () => registry.teamTree() }));
    await app.register(async (scope) => postmortemsRoutes(scope, { postmortems }));
    await app.register(async (scope) => datasetAccessRoutes(scope, { datasets, access: datasetAccess, anonymous }));
  }
  const servingDeps = { deployments, predictions: { log: predictionLog, repo: predictionRepo, shadow: new ShadowRepository(store.tables(), store.dialect) }, metrics };
  // Own scope: the gateway answers in the Open Inference Protocol's and MLflow's error shapes.
  await app.register(async (scope) => {
    if (gateway) {
      // The deployments admin API and the prediction-log reads stay with the servers that own the store.
      scope.addHook('onRequest', async (req, reply) => {
        if (GATEWAY_REFUSED.test(req.url)) {
          return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]} on a gateway-role server (inference routes only).` } });
        }
      });
    }
    await servingRoutes(scope, servingDeps);
  });
  if (!gateway) await registerMlflowApi(app, { tracking, registry, artifacts, anonymous });
  // The web UI, from this port under /ui/ (a gateway serves inference only).
  if (!gateway) await registerWebUi(app, { dir: config.ui.dir });
  await app.ready();
  trackingUri = () => {
    const a = app.server.address();
    if (!a || typeof a === 'string') return `http://127.0.0.1:${config.server.port}`;
    const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  };
  if (!gateway) await pipelineExecutor.start();
  if (!gateway) pipelineTriggers.start(Math.max(1000, config.pipelines.pollMs));

  return {
    app,
    store,
    artifacts,
    services: { tracking, registry, datasets, lineage, deployments, rollouts, actuals, monitors, alerts, labeling, ab, org, teams, audit, projects, policies, budgets, pipelines, pipelineTriggers, config: configAsCode, catalog, postmortems, datasetAccess, assessment },
    logger,
    metrics,
    close() {
      closing ??= (async () => {
        clearInterval(refreshTimer);
        await pipelineTriggers.stop();
        await pipelineExecutor.stop();
        await datasetAccess.stop();
        await rolloutController.stop();
        await monitorScheduler.stop();
        await driftPool?.close();
        await alertScheduler.stop();
        await app.close();
        await predictionLog.close();
        if (predictionRepo instanceof ThreadedSqlitePredictionsRepository) await predictionRepo.close();
        await deployments.close();
        await runtime.close();
        await store.close();
        if (artifacts instanceof S3ArtifactStore) artifacts.destroy();
      })();
      return closing;
    },
  };
}

/** What pipeline steps read from other domains: dataset versions (inputs) and the model versions a step's run registered (outputs). */
function pipelinePorts(datasets: DatasetsService, registry: RegistryService): { datasets: DatasetResolver; models: ModelVersionsOfRun } {
  return {
    datasets: {
      resolve: async (name, version) => {
        const v = await datasets.getVersion(name, version);
        return { version: v.version, contentHash: v.contentHash };
      },
    },
    models: {
      versionsOfRun: async (runId) => (await registry.searchModelVersions({ filter: `run_id = '${runId.replace(/'/g, '')}'`, maxResults: 1000 })).items.map((m) => ({ name: m.name, version: Number(m.version) })),
    },
  };
}

/** What pipeline triggers watch: the latest version of a dataset and of a registered model (null: none yet). */
function pipelineTriggerSources(datasets: DatasetsService, registry: RegistryService): TriggerSources {
  const orNull = async (f: () => Promise<number>) => {
    try {
      return await f();
    } catch (e) {
      if ((e as { code?: string }).code === 'NOT_FOUND') return null;
      throw e;
    }
  };
  return {
    latestDatasetVersion: (name) => orNull(async () => (await datasets.getVersion(name, 'latest')).version),
    latestModelVersion: async (name) => {
      const page = await registry.searchModelVersions({ filter: `name = '${name.replace(/'/g, "''")}'`, maxResults: 1000 });
      return page.items.length ? Math.max(...page.items.map((v) => Number(v.version))) : null;
    },
    guardRead: (access, kind, name) => (kind === 'dataset' ? datasets.guardDataset(access, name, 'read') : registry.guardModel(access, name, 'read')),
  };
}

/**
 * Starts `flywheel worker`: takes pipeline steps from the queue in the shared PostgreSQL and runs
 * them as child processes, recording state and logs in the store. It never migrates (a server owns
 * the schema) and serves no HTTP. SIGINT/SIGTERM stop it gracefully: running steps are killed and
 * go back to the queue as interruptions, not failures.
 */
export async function runPipelineWorker(config: Config, opts: { logger?: Logger; handleSignals?: boolean } = {}): Promise<{ workerId: string; stop(): Promise<void> }> {
  const logger = opts.logger ?? createLogger(config);
  if (!/^postgres(ql)?:\/\//.test(config.store.databaseUrl)) throw new Error('a worker shares the servers\' PostgreSQL: pass --database-url postgres://…');
  const store = await openStore({ databaseUrl: config.store.databaseUrl, dataDir: config.dataDir, poolSize: config.store.poolSize });
  let executor: ReturnType<typeof createPipelineExecutor>;
  try {
    const pending = await pendingMigrations(store);
    if (pending.length) throw new Error(`the database (${store.description}) is not migrated: ${pending.length} migration(s) pending. Start a server on it once first; a worker never migrates.`);
    const tracking = new TrackingService({ repo: new TrackingRepository(store.tables(), store.dialect), clock: systemClock });
    // Steps' artifact outputs go to the same artifact store as the servers' (give workers the same --artifact-root).
    const artifacts = createArtifactStore(config.artifacts);
    if (artifacts instanceof LocalFsArtifactStore) await mkdir(artifacts.root, { recursive: true });
    const registry = new RegistryService({ repo: new RegistryRepository(store.tables(), store.dialect), clock: systemClock, artifacts, logger: logger.child({ domain: 'registry' }) });
    const datasets = new DatasetsService({ repo: new DatasetsRepository(store.tables(), store.dialect), clock: systemClock, artifacts });
    executor = createPipelineExecutor({ config: { ...config.pipelines, executor: 'pgboss' }, databaseUrl: config.store.databaseUrl, repo: new PipelinesRepository(store.tables(), store.dialect), tracking, clock: systemClock, role: 'worker', logger: logger.child({ domain: 'pipelines' }), artifacts, ...pipelinePorts(datasets, registry) });
    await executor.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await executor.stop();
      await store.close();
    })());
  logger.info({ workerId: executor.workerId, concurrency: config.pipelines.concurrency, store: store.description }, `Flywheel ${VERSION} pipeline worker ${executor.workerId} taking steps`);
  if (opts.handleSignals !== false) {
    const onSignal = (signal: string) => {
      logger.info({ signal }, 'worker stopping: running steps go back to the queue');
      stop().then(() => process.exit(0), (err: unknown) => {
        logger.error({ err }, 'worker stop failed');
        process.exit(1);
      });
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  }
  return { workerId: executor.workerId!, stop };
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
