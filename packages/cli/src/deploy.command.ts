import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { configFromFlags, parseSince, parseWeight, withWeights, type DeploymentView, type VariantFlags } from './deploy-config.js';
import { renderDeployment, renderDeployments, renderPredictions, renderRevisions, type PredictionView, type RevisionView } from './deploy-render.js';
import { output } from './output.js';
import { rolloutCommands } from './deploy-rollout.command.js';
import { shadowCommand } from './deploy-shadow.command.js';

type Common = { url?: string; json?: boolean };
const path = (name: string, rest = '') => `/api/v1/deployments/${encodeURIComponent(name)}${rest}`;
const collect = (v: string, prev: string[] = []) => [...prev, v];

function positiveInt(flag: string, s: string, max: number): number {
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1 || Number(s) > max) throw new CliError(`${flag} '${s}': expected a whole number from 1 to ${max}.`, EXIT.usage);
  return Number(s);
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** The options `create` and `update` share. */
function variantOptions(cmd: Command): Command {
  return cmd
    .option('--model <model:version>', 'serve one model version as the only primary variant (named "primary")')
    .option('--variant <name=model:version:weight[:role]>', 'a routed variant (role primary or canary; repeat for an A/B split)', collect)
    .option('--shadow <name=model:version[:sample]>', 'a shadow variant that gets a copy of (a sampled share 0..1 of) the traffic (repeatable)', collect)
    .option('--routing-header <header>', 'a request header whose value pins a caller to one variant (e.g. x-user-id)')
    .option('--file <config.json>', 'the whole config as JSON ({"variants": […], …}); covers every setting')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--json', 'print the deployment as JSON');
}

export function deployCommand(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('Deployments: serve registered model versions with A/B splits, shadows and rollbacks.')
    .addHelpText('after', `
Examples:
  $ flywheel deploy create churn --model churn-model:3
  $ flywheel deploy create churn --variant a=churn-model:3:90 --variant b=churn-model:4:10 --shadow s=churn-model:5
  $ flywheel deploy set-weights churn a=50 b=50
  $ flywheel deploy rollback churn
  $ flywheel predict churn --data '[{"f0": 0.1, "f1": 2}]'`);
  const url = ['--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)'] as const;

  variantOptions(
    deploy
      .command('create')
      .description('Create a deployment; its models are loaded and warmed before the command returns.')
      .argument('<name>', 'deployment name (letters, digits, _ . -)'),
  )
    .addHelpText('after', `
Examples:
  $ flywheel deploy create churn --model churn-model:3
  $ flywheel deploy create churn --variant a=churn-model:3:90 --variant b=churn-model:4:10:canary
  $ flywheel deploy create churn --model churn-model:3 --shadow next=churn-model:4:0.25 --routing-header x-user-id
  $ flywheel deploy create churn --file churn.json --json`)
    .action(async (name: string, opts: VariantFlags & Common) => {
      const config = configFromFlags(opts);
      const d = await new ApiClient(opts.url).request<DeploymentView>('POST', '/api/v1/deployments', { json: { name, config } });
      output(opts.json, d, () => `created ${renderDeployment(d)}`);
    });

  deploy
    .command('list')
    .description('List deployments with their current split.')
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy list
  $ flywheel deploy list --json | jq '.deployments[].name'`)
    .action(async (opts: Common) => {
      const res = await new ApiClient(opts.url).request<{ deployments: DeploymentView[] }>('GET', '/api/v1/deployments');
      output(opts.json, res, () => renderDeployments(res.deployments));
    });

  deploy
    .command('show')
    .description("Show a deployment's current revision: variants, roles, weights, models, routing key.")
    .argument('<name>', 'deployment name')
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy show churn
  $ flywheel deploy show churn --json`)
    .action(async (name: string, opts: Common) => {
      const d = await new ApiClient(opts.url).request<DeploymentView>('GET', path(name));
      output(opts.json, d, () => renderDeployment(d));
    });

  variantOptions(
    deploy
      .command('update')
      .description('Write a new revision; traffic switches once its models are warm. What the flags do not mention is kept.')
      .argument('<name>', 'deployment name')
      .option('--clear-shadows', 'remove every shadow variant'),
  )
    .addHelpText('after', `
Examples:
  $ flywheel deploy update churn --model churn-model:4                 # replace the routed variants, keep shadows
  $ flywheel deploy update churn --variant a=churn-model:3:80 --variant b=churn-model:4:20
  $ flywheel deploy update churn --shadow next=churn-model:5:0.1       # replace the shadows, keep the split
  $ flywheel deploy update churn --file churn.json`)
    .action(async (name: string, opts: VariantFlags & Common) => {
      const client = new ApiClient(opts.url);
      const current = opts.file ? undefined : await client.request<DeploymentView>('GET', path(name));
      const config = configFromFlags(opts, current?.config ?? { variants: [] });
      const d = await client.request<DeploymentView>('PUT', path(name), { json: { config } });
      output(opts.json, d, () => `updated ${renderDeployment(d)}`);
    });

  deploy
    .command('set-weights')
    .description('Change the traffic split; variants not named keep their weight (the routed weights must sum to 100).')
    .argument('<name>', 'deployment name')
    .argument('<weights...>', 'variant=weight pairs, e.g. a=90 b=10')
    .option(...url)
    .option('--json', 'print the deployment as JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy set-weights churn a=90 b=10
  $ flywheel deploy set-weights churn a=0 b=100   # promote b`)
    .action(async (name: string, pairs: string[], opts: Common) => {
      const weights = pairs.map(parseWeight);
      const client = new ApiClient(opts.url);
      const current = await client.request<DeploymentView>('GET', path(name));
      const d = await client.request<DeploymentView>('PUT', path(name), { json: { config: withWeights(current.config, weights) } });
      output(opts.json, d, () => `updated ${renderDeployment(d)}`);
    });

  deploy
    .command('revisions')
    .description("A deployment's revisions, newest first (every change is a revision).")
    .argument('<name>', 'deployment name')
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy revisions churn`)
    .action(async (name: string, opts: Common) => {
      const client = new ApiClient(opts.url);
      const res = await client.request<{ revisions: RevisionView[] }>('GET', path(name, '/revisions'));
      output(opts.json, res, () => renderRevisions(res.revisions, res.revisions[0]?.revision));
    });

  deploy
    .command('rollback')
    .description('Go back to the previous revision (recorded as a new revision).')
    .argument('<name>', 'deployment name')
    .option(...url)
    .option('--json', 'print the deployment as JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy rollback churn`)
    .action(async (name: string, opts: Common) => {
      const d = await new ApiClient(opts.url).request<DeploymentView>('POST', path(name, '/rollback'));
      output(opts.json, d, () => `rolled back: ${renderDeployment(d)}`);
    });

  deploy
    .command('delete')
    .description('Delete a deployment and unload its models (its prediction log is kept).')
    .argument('<name>', 'deployment name')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)')
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy delete churn
  $ flywheel deploy delete churn --yes`)
    .action(async (name: string, opts: Common & { yes?: boolean }) => {
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new CliError(`Refusing to delete '${name}' without --yes (not on a terminal).`, EXIT.usage);
        if (!(await confirm(`Delete deployment '${name}'? Traffic to it will fail. [y/N] `))) throw new CliError('Not deleted.', EXIT.failed);
      }
      await new ApiClient(opts.url).request('DELETE', path(name));
      output(opts.json, { deleted: name }, () => `deleted ${name}`);
    });

  deploy
    .command('predictions')
    .description("A deployment's logged predictions, newest first.")
    .argument('<name>', 'deployment name')
    .option('--since <when>', 'only from this time: a span back from now (15m, 2h, 7d), an ISO date or ms since epoch')
    .addOption(new Option('--limit <n>', 'how many (1..100000)').default('20'))
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy predictions churn
  $ flywheel deploy predictions churn --since 15m --limit 500 --json`)
    .action(async (name: string, opts: Common & { since?: string; limit: string }) => {
      const limit = positiveInt('--limit', opts.limit, 100_000);
      const since = opts.since === undefined ? undefined : parseSince(opts.since);
      const client = new ApiClient(opts.url);
      const predictions: PredictionView[] = [];
      let pageToken: string | undefined;
      // The API pages at most 1000 rows per call; follow its cursor up to --limit.
      do {
        const page = await client.request<{ predictions: PredictionView[]; nextPageToken?: string }>('GET', path(name, '/predictions'), {
          query: { since: since === undefined ? undefined : String(since), limit: String(Math.min(1000, limit - predictions.length)), pageToken },
        });
        predictions.push(...page.predictions);
        pageToken = page.nextPageToken;
      } while (pageToken && predictions.length < limit);
      output(opts.json, { predictions }, () => renderPredictions(predictions));
    });

  shadowCommand(deploy);
  rolloutCommands(deploy);
}
