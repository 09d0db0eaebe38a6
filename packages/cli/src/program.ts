import { Command, Option } from 'commander';
import { CONFIG_SOURCES, ConfigError, VERSION, loadConfig } from '@flywheel/server/config';
import { lineageCommand } from './lineage.command.js';
import { actualsCommand } from './actuals.command.js';
import { alertsCommand } from './alerts.command.js';
import { labelingCommand } from './labeling.command.js';
import { monitorCommand } from './monitor.command.js';
import { datasetsCommand } from './datasets.command.js';
import { deployCommand } from './deploy.command.js';
import { predictCommand } from './predict.command.js';
import { adminCommand } from './admin.command.js';
import { loginCommand } from './login.command.js';
import { projectCommand } from './project.command.js';
import { auditCommand } from './audit.command.js';
import { pipelineCommand } from './pipeline.command.js';
import { policyCommand } from './policy.command.js';
import { assessCommand } from './assess.command.js';
import { demoCommand } from './demo/demo.command.js';
import { applyCommand } from './apply.command.js';
import { catalogCommand } from './catalog.command.js';
import { postmortemCommand } from './postmortem.command.js';
import { workerCommand } from './worker.command.js';
import { experimentsCommand } from './experiments.command.js';
import { runsCommand } from './runs.command.js';
import { modelsCommand } from './models.command.js';
import { teamCommand, userCommand } from './team.command.js';

const envOf = (flag: string) => CONFIG_SOURCES.find((s) => s.flag === flag)?.env;

/** The `flywheel` command line. Each capability adds its subcommands here. */
/** What a person starting the server needs to know first: where the UI is, and how clients connect. */
export function serverBanner(url: string, role: string): string {
  const base = url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  if (role === 'gateway') return `\n  Flywheel gateway on ${base}: inference only (POST ${base}/v2/models/<name>/infer).\n\n`;
  return [
    '',
    `  Flywheel is running on ${base}`,
    `    web UI         ${base}/ui/`,
    `    MLflow client  MLFLOW_TRACKING_URI=${base}`,
    `    API reference  ${base}/api/v1/openapi.json`,
    `    try the demo   npx flywheel demo --url ${base}`,
    '',
    '',
  ].join('\n');
}

export function buildProgram(): Command {
  const program = new Command('flywheel')
    .description('Flywheel — a self-hosted ML platform: tracking, registry, serving, monitoring, pipelines, organization.')
    .version(VERSION)
    .showHelpAfterError()
    // Usage errors reach bin.ts as exceptions, which exits with EXIT.usage (2).
    .exitOverride();

  program
    .command('server')
    .description('Start the Flywheel server (API, MLflow-compatible tracking, artifact proxy).')
    .addOption(new Option('--host <host>', 'interface to listen on (default 127.0.0.1)').env(envOf('--host')!))
    .addOption(new Option('--port <port>', 'TCP port (default 5000)').env(envOf('--port')!))
    .addOption(new Option('--data-dir <dir>', 'data directory (default ~/.flywheel)').env(envOf('--data-dir')!))
    .addOption(new Option('--database-url <url>', 'sqlite: (default) or postgres://user@host:5432/db').env(envOf('--database-url')!))
    .addOption(new Option('--artifact-root <dir|s3://bucket/prefix>', 'artifact store: a local folder (default <data-dir>/artifacts) or s3://bucket/prefix').env(envOf('--artifact-root')!))
    .addOption(new Option('--s3-endpoint <url>', 'S3-compatible endpoint for an s3:// artifact root').env('FLYWHEEL_S3_ENDPOINT'))
    .addOption(new Option('--s3-region <region>', 'S3 region (default us-east-1)').env('FLYWHEEL_S3_REGION'))
    .addOption(new Option('--s3-force-path-style <bool>', 'path-style S3 URLs (default true with an endpoint)').env('FLYWHEEL_S3_FORCE_PATH_STYLE'))
    .addOption(new Option('--pool-size <n>', 'PostgreSQL connections (default 10)').env(envOf('--pool-size')!))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)').env(envOf('--log-level')!))
    .addOption(new Option('--workers <n|auto>', 'processes sharing the port (default 1; auto = one per core)').env(envOf('--workers')!))
    .addOption(new Option('--role <role>', 'all (default) or gateway: inference routes, health and /metrics only, over a migrated shared store').env(envOf('--role')!))
    .addOption(new Option('--refresh-ms <ms>', 'cluster/gateway: re-read deployments changed elsewhere every <ms> (default 1000)').env(envOf('--refresh-ms')!))
    .addOption(new Option('--batching <bool>', 'micro-batch concurrent requests to one model (default true)').env(envOf('--batching')!))
    .addOption(new Option('--log-writer-thread <bool>', 'SQLite: prediction-log commits on a worker thread (default true)').env(envOf('--log-writer-thread')!))
    .addOption(new Option('--log-durability <sync|fast>', 'sync (default): answer once the prediction is logged; fast: log in the background (a kill may lose what is queued)').env(envOf('--log-durability')!))
    .addOption(new Option('--log-synchronous <full|normal>', 'SQLite prediction log: survive a process kill (normal, default) or also a power loss (full: fsync every commit)').env(envOf('--log-synchronous')!))
    .addOption(new Option('--rollout-interval-ms <ms>', 'how often canary rollouts are stepped and their guardrails checked (default 5000)').env(envOf('--rollout-interval-ms')!))
    .addOption(new Option('--monitor-interval-ms <ms>', 'how often closed monitor windows are evaluated (default 60000)').env(envOf('--monitor-interval-ms')!))
    .addOption(new Option('--drift-threads <n>', 'worker threads for monitor reports beside the evaluating one; 0 = inline (default: cores − 1, at most 4)').env(envOf('--drift-threads')!))
    .addOption(new Option('--alert-interval-ms <ms>', 'how often alert rules are evaluated and webhooks sent (default 5000)').env(envOf('--alert-interval-ms')!))
    .addOption(new Option('--anonymous <off|read|full>', 'what callers without credentials may do (default: full on loopback, off otherwise)').env(envOf('--anonymous')!))
    .addOption(new Option('--trust-proxy <bool>', 'trust X-Forwarded-* headers from your reverse proxy (default false)').env(envOf('--trust-proxy')!))
    .addOption(new Option('--ui-dir <dir>', 'folder of the built web UI, served under /ui/ (default: this installation\'s packages/web/dist)').env(envOf('--ui-dir')!))
    .addHelpText(
      'after',
      `
Examples:
  $ flywheel server                                   # SQLite + local artifacts under ~/.flywheel
  $ flywheel server --port 8080 --data-dir ./fw-data
  $ flywheel server --database-url postgres://postgres@127.0.0.1:5432/flywheel
  $ AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… flywheel server --artifact-root s3://ml-artifacts/flywheel
  $ flywheel server --workers auto                    # one process per core on one port
  $ flywheel server --role gateway --database-url postgres://… --artifact-root s3://…   # inference-only replica
  $ MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py   # point an MLflow client at it`,
    )
    .action(async (opts: Record<string, string | undefined>) => {
      let config;
      try {
        config = loadConfig(
          {
            host: opts.host,
            port: opts.port,
            dataDir: opts.dataDir,
            databaseUrl: opts.databaseUrl,
            artifactRoot: opts.artifactRoot,
            poolSize: opts.poolSize,
            logLevel: opts.logLevel,
            s3Endpoint: opts.s3Endpoint,
            s3Region: opts.s3Region,
            s3ForcePathStyle: opts.s3ForcePathStyle,
            workers: opts.workers,
            role: opts.role,
            refreshMs: opts.refreshMs,
            batching: opts.batching,
            logWriterThread: opts.logWriterThread,
            logSynchronous: opts.logSynchronous,
            logDurability: opts.logDurability,
            rolloutIntervalMs: opts.rolloutIntervalMs,
            monitorIntervalMs: opts.monitorIntervalMs,
            alertIntervalMs: opts.alertIntervalMs,
            driftThreads: opts.driftThreads,
            anonymous: opts.anonymous,
            trustProxy: opts.trustProxy,
            uiDir: opts.uiDir,
          },
          process.env,
        );
      } catch (e) {
        if (e instanceof ConfigError) {
          process.stderr.write(`flywheel server: ${e.message}\n`);
          process.exit(2);
        }
        throw e;
      }
      try {
        // Loaded only here: the rest of the CLI talks HTTP and must start fast.
        const { runServer } = await import('@flywheel/server');
        const running = await runServer(config);
        // A person at a terminal gets where to go, beside the JSON log lines meant for machines.
        const { default: cluster } = await import('node:cluster');
        if (cluster.isPrimary && process.stderr.isTTY) process.stderr.write(serverBanner(running.url, config.server.role));
      } catch (e) {
        process.stderr.write(`flywheel server: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      }
    });

  datasetsCommand(program);
  lineageCommand(program);
  actualsCommand(program);
  alertsCommand(program);
  labelingCommand(program);
  monitorCommand(program);
  deployCommand(program);
  predictCommand(program);
  adminCommand(program);
  loginCommand(program);
  projectCommand(program);
  auditCommand(program);
  pipelineCommand(program);
  policyCommand(program);
  assessCommand(program);
  demoCommand(program);
  applyCommand(program);
  catalogCommand(program);
  postmortemCommand(program);
  workerCommand(program);
  experimentsCommand(program);
  runsCommand(program);
  modelsCommand(program);
  teamCommand(program);
  userCommand(program);

  return program;
}
