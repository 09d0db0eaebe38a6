import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '@flywheel/server/config';
import { FlywheelClient, FlywheelNetworkError } from '@flywheel/sdk';
import { CliError, EXIT } from '../client.js';
import { normaliseUrl, profilePath, readProfile, tokenFor, writeProfile } from '../profile.js';
import { retrainYarnIt } from './retrain.js';
import { runYarnItDemo, scoreLine, type DemoSummary } from './yarnit-demo.js';

interface DemoFlags {
  url?: string;
  start?: boolean;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  requests?: string;
  json?: boolean;
}

const DEFAULT_URL = 'http://127.0.0.1:5000';

/**
 * An admin token for the demo: FLYWHEEL_TOKEN or the profile's (an admin's), else — on a server
 * whose store this machine can open (the embedded default, or `--start`) — a new platform admin
 * created on the store directly, as `flywheel admin create` does, and saved to the profile.
 */
async function adminToken(url: string, config: Config): Promise<{ token: string; created?: { username: string; password: string } }> {
  const saved = process.env.FLYWHEEL_TOKEN ?? (await tokenFor(url));
  if (saved) {
    const s = await new FlywheelClient({ url, token: saved }).request<{ user: { username: string; isAdmin?: boolean } | null }>('GET', '/api/v1/auth/session');
    if (s.user?.isAdmin) return { token: saved };
  }
  const { createFirstAdmin, MIGRATIONS } = await import('@flywheel/server');
  const password = `yarnit-${randomBytes(12).toString('base64url')}`;
  let username = 'yarnit-admin';
  for (let i = 2; ; i++) {
    try {
      await createFirstAdmin(config, MIGRATIONS, { username, password, displayName: 'YarnIt demo admin' });
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ALREADY_EXISTS' || i > 50) throw e;
      username = `yarnit-admin-${i}`;
    }
  }
  const client = new FlywheelClient({ url });
  let token: string;
  try {
    const r = await client.request<{ token: { token: string; id: number; name: string } }>('POST', '/api/v1/auth/login', { json: { username, password, issue: 'token', tokenName: 'yarnit-demo', expiresInDays: 30 } });
    token = r.token.token;
    const profile = await readProfile(profilePath());
    profile.servers[normaliseUrl(url)] = { username, token, tokenId: r.token.id, tokenName: r.token.name, savedAt: new Date().toISOString() };
    profile.current = normaliseUrl(url);
    await writeProfile(profile, profilePath());
  } catch {
    throw new CliError(
      `The demo needs a platform admin on ${url}, and the server there does not use the store this machine's default configuration opens (${config.store.databaseUrl === 'sqlite:' ? `${config.dataDir}/flywheel.db` : 'the configured database'}). ` +
        `Create an admin on the server's machine (flywheel admin create --username you), log in (flywheel login --url ${url} --username you), then run the demo again — or run it with --start to use a server of its own.`,
      EXIT.failed,
    );
  }
  return { token, created: { username, password } };
}

function render(s: DemoSummary, url: string, created?: { username: string; password: string }): string {
  const ui = `${url}/ui`;
  const lines = [
    '',
    `YarnIt's flywheel turned once on ${url}:`,
    `  • project ${s.project}: ${s.gates.map((g) => `${g.to} ${g.passed ? '✓' : `✗ (${g.unmet.join(', ')})`}`).join(' → ')}`,
    `  • model ${s.model}: ${s.versions.map((v) => `v${v.version} ${v.role} AUC ${v.auc.toFixed(3)}`).join('; ')}`,
    `  • the CoE policy refused an unreviewed 'champion': ${s.refusedAlias === 'not refused' ? 'NO — check the policy' : 'yes'}`,
    `  • deployment ${s.deployment}: A/B 80/20 + shadow; drift share ${s.drift.before?.toFixed(2) ?? 'n/a'} → ${s.drift.after?.toFixed(2) ?? 'n/a'}, alert ${s.alertState}`,
    s.retrained ? `  • retrained: v${s.retrained.version} (AUC ${s.retrained.auc.toFixed(3)})` : '',
    s.scorecard.before && s.scorecard.after ? `  • ML Test Score of ${s.model}: ${String(s.scorecard.before.final)} → ${scoreLine(s.scorecard.after)}` : '',
    `  • audit chain ${s.auditVerified ? 'verified' : 'NOT verified'}`,
    '',
    'Open in the web UI:',
    `  ${ui}/org/projects/${s.project}               the project: business case, gates, history`,
    `  ${ui}/models/${s.model}                      versions, cards, approvals, lineage`,
    `  ${ui}/deployments/${s.deployment}                 traffic split, live charts, shadow comparison`,
    `  ${ui}/monitoring/monitors/${s.monitorId}   quality per variant, drift per feature`,
    ...(s.retrained?.pipeline ? [`  ${ui}/pipelines/${s.retrained.pipeline}        the retraining the alert started`] : []),
    `  ${ui}/org/scorecards/models/${s.model}       the ML Test Score and its evidence`,
    '',
    'Try next:',
    `  npx flywheel deploy show ${s.deployment} --url ${url}`,
    `  npx flywheel predict ${s.deployment} --url ${url} --data '[[9, 0, 400, 4, 30, 3, 1, 12]]'`,
    `  npx flywheel project gate ${s.project} --to production --url ${url}`,
    `  npx flywheel audit verify --url ${url}`,
    `  MLFLOW_TRACKING_URI=${url} python your_training.py   # the MLflow client works unchanged`,
  ];
  if (created) lines.push('', `The demo created the platform admin '${created.username}' (password: ${created.password}); its token is saved in ${profilePath()}.`);
  lines.push(`People (log in to the UI as any of them): ${s.users.map((u) => `${u.username} / ${u.password}`).join(', ')}`);
  return lines.filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n');
}

/** `flywheel demo`: the YarnIt story end to end on a server (a running one, or one it starts). */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole flywheel on a server as YarnIt, the yarn retailer: teams, a policy, a project through its gates, training, an A/B deployment with a shadow, traffic, late actuals, drift, an alert, retraining.')
    .option('--url <url>', `the Flywheel server (default $FLYWHEEL_URL or ${DEFAULT_URL})`)
    .option('--start', 'start a server in this process on the embedded default (SQLite + local artifacts) and keep it running after the demo')
    .option('--port <port>', 'with --start: the port (default 5000)')
    .option('--data-dir <dir>', 'with --start, or to create the demo admin: the data directory (default ~/.flywheel)')
    .option('--database-url <url>', 'with --start, or to create the demo admin: the store (default sqlite:)')
    .option('--requests <n>', 'predictions of normal traffic (default 1500)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Examples:
  $ npm start                      # in one terminal: the server on http://127.0.0.1:5000
  $ npx flywheel demo              # in another: the demo against it
  $ npx flywheel demo --start      # or both in one process (Ctrl-C to stop the server)`)
    .action(async (opts: DemoFlags) => {
      let config: Config;
      try {
        // The embedded server (--start) logs warnings only: the demo's progress is the story on the terminal.
        config = loadConfig({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, port: opts.port, logLevel: process.env.FLYWHEEL_LOG_LEVEL ?? 'warn' }, process.env);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, EXIT.usage);
        throw e;
      }
      const requests = opts.requests === undefined ? 1500 : Number(opts.requests);
      if (!Number.isInteger(requests) || requests < 50 || requests > 1_000_000) throw new CliError(`--requests must be an integer from 50 to 1000000 (got ${opts.requests}).`, EXIT.usage);
      let url = normaliseUrl(opts.url ?? process.env.FLYWHEEL_URL ?? DEFAULT_URL);
      let server: { close(): Promise<void> } | undefined;
      if (opts.start) {
        const { startServer } = await import('@flywheel/server');
        const started = await startServer(config);
        server = started;
        url = normaliseUrl(started.url.replace('://[::1]', '://127.0.0.1'));
      }
      try {
        await new FlywheelClient({ url, retries: 1, backoffMs: 100 }).request('GET', '/api/v1/auth/session');
      } catch (e) {
        if (e instanceof FlywheelNetworkError) throw new CliError(`No Flywheel server answers at ${url}. Start one with 'npm start' (or 'npx flywheel server') in another terminal, or run 'npx flywheel demo --start'.`, EXIT.unreachable);
        throw e;
      }
      const { token, created } = await adminToken(url, config);
      const summary = await runYarnItDemo({ url, adminToken: token, requests, quiet: opts.json === true });
      process.stdout.write(opts.json ? `${JSON.stringify({ url, ...summary, admin: created ?? null }, null, 2)}\n` : `${render(summary, url, created)}\n`);
      if (server) process.stderr.write(`\nThe server keeps running on ${url} (Ctrl-C to stop).\n`);
    });

  // The demo's retraining pipeline runs this as its step: the step's environment says where to log.
  program
    .command('demo-retrain', { hidden: true })
    .description("YarnIt's retraining step (run by the demo's pipeline): trains on recent orders, logs into $MLFLOW_RUN_ID and registers a new version.")
    .requiredOption('--model <name>', 'the registered model to add a version to')
    .option('--seed <n>', 'seed of the generated orders', '41')
    .option('--baseline-run <id>', 'the run of the simpler model this one is compared with')
    .action(async (opts: { model: string; seed: string; baselineRun?: string }) => {
      const url = process.env.MLFLOW_TRACKING_URI;
      if (!url) throw new CliError('MLFLOW_TRACKING_URI is not set: this command runs as a pipeline step, which sets it.', EXIT.usage);
      // The pipeline hands the step its resolved inputs: the dataset version `latest` stood for.
      const inputs = JSON.parse(process.env.FLYWHEEL_INPUTS ?? '[]') as { dataset?: string; version?: number }[];
      const ds = inputs.find((i) => i.dataset !== undefined && i.version !== undefined);
      const r = await retrainYarnIt({ url, token: process.env.MLFLOW_TRACKING_TOKEN ?? process.env.FLYWHEEL_TOKEN, runId: process.env.MLFLOW_RUN_ID, model: opts.model, seed: Number(opts.seed), ...(opts.baselineRun ? { baselineRunId: opts.baselineRun } : {}), ...(ds ? { dataset: { name: ds.dataset!, version: ds.version! } } : {}) });
      process.stdout.write(`registered ${opts.model} version ${r.version} from run ${r.runId} (validation AUC ${r.auc.toFixed(3)})\n`);
    });
}
