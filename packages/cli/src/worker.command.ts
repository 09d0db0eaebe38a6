import { Option, type Command } from 'commander';
import { CONFIG_SOURCES, ConfigError, loadConfig } from '@flywheel/server/config';

const envOf = (path: string) => CONFIG_SOURCES.find((s) => s.path === path)!.env;

/**
 * `flywheel worker`: one member of a pipeline worker fleet. Any number of them, on any machines,
 * take steps from the queue in the shared PostgreSQL (servers run with FLYWHEEL_PIPELINES_EXECUTOR=pgboss).
 */
export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run pipeline steps from the queue in the shared PostgreSQL (a worker fleet member; see FLYWHEEL_PIPELINES_EXECUTOR=pgboss).')
    .addOption(new Option('--database-url <url>', 'the servers\' PostgreSQL: postgres://user@host:5432/db').env(envOf('store.databaseUrl')))
    .addOption(new Option('--concurrency <n>', 'steps run at once (default: the number of cores)').env(envOf('pipelines.concurrency')))
    .addOption(new Option('--tracking-uri <url>', 'the server URL steps report to (default: the URL the scheduling server put in the job)').env(envOf('pipelines.trackingUri')))
    .addOption(new Option('--poll-ms <ms>', 'how often an idle worker looks for jobs (default 1000)').env(envOf('pipelines.pollMs')))
    .addOption(new Option('--heartbeat-ms <ms>', "how often a running step's heartbeat and log are written (default 500)").env(envOf('pipelines.heartbeatMs')))
    .addOption(new Option('--lease-ms <ms>', 'a step silent this long is presumed lost and retried elsewhere (default 30000; servers use theirs)').env(envOf('pipelines.leaseMs')))
    .addOption(new Option('--artifact-root <dir|s3://bucket/prefix>', "the servers' artifact store, where steps' artifact outputs go (default <data-dir>/artifacts)").env(envOf('artifacts.root')))
    .addOption(new Option('--data-dir <dir>', 'data directory (default ~/.flywheel)').env(envOf('dataDir')))
    .addOption(new Option('--pool-size <n>', 'PostgreSQL connections (default 10)').env(envOf('store.poolSize')))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)').env(envOf('log.level')))
    .addHelpText(
      'after',
      `
Examples:
  $ FLYWHEEL_PIPELINES_EXECUTOR=pgboss flywheel server --database-url postgres://db/flywheel   # schedules
  $ flywheel worker --database-url postgres://db/flywheel --concurrency 4                      # on each machine
A worker killed in the middle of a step (a preempted spot machine) loses only that attempt: once its
heartbeat is older than the lease, a server re-queues the step and another worker runs it.`,
    )
    .action(async (opts: Record<string, string | undefined>) => {
      let config;
      try {
        config = loadConfig(
          {
            databaseUrl: opts.databaseUrl,
            artifactRoot: opts.artifactRoot,
            dataDir: opts.dataDir,
            poolSize: opts.poolSize,
            logLevel: opts.logLevel,
            pipelinesExecutor: 'pgboss',
            pipelinesConcurrency: opts.concurrency,
            pipelinesTrackingUri: opts.trackingUri,
            pipelinesPollMs: opts.pollMs,
            pipelinesHeartbeatMs: opts.heartbeatMs,
            pipelinesLeaseMs: opts.leaseMs,
          },
          process.env,
        );
      } catch (e) {
        if (e instanceof ConfigError) {
          process.stderr.write(`flywheel worker: ${e.message}\n`);
          process.exit(2);
        }
        throw e;
      }
      try {
        // Loaded only here: the rest of the CLI talks HTTP and must start fast.
        const { runPipelineWorker } = await import('@flywheel/server');
        await runPipelineWorker(config);
      } catch (e) {
        process.stderr.write(`flywheel worker: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      }
    });
}
