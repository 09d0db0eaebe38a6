import { Option, type Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { mlflowRequest } from './mlflow-api.js';
import { output } from './output.js';
import { table } from './table.js';

/** An experiment as the native API returns it. */
export interface ExperimentView {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime: number;
  lastUpdateTime: number;
  tags: { key: string; value: string }[];
}

/** A run as the native API returns it (NaN and ±Infinity arrive as strings). */
export interface RunView {
  info: { runId: string; runName: string; experimentId: string; userId: string; status: string; startTime: number; endTime: number | null; artifactUri: string; lifecycleStage: string };
  data: { metrics: { key: string; value: number | string; timestamp: number; step: number }[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
  inputs: { datasetInputs: { tags: { key: string; value: string }[]; dataset: { name: string; digest: string; sourceType: string; source: string } }[] };
}

type Common = { url?: string; json?: boolean };
export const URL_OPTION = ['--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)'] as const;

/** A UTC time to the second, for tables. */
export const when = (ms: number | null | undefined) => (ms === null || ms === undefined ? '' : new Date(ms).toISOString().slice(0, 19).replace('T', ' '));

/** A whole number from 1 to `max`, or a usage error naming the flag. */
export function positiveInt(flag: string, s: string, max: number): number {
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1 || Number(s) > max) throw new CliError(`${flag} '${s}': expected a whole number from 1 to ${max}.`, EXIT.usage);
  return Number(s);
}

const tagOf = (e: ExperimentView, key: string) => e.tags.find((t) => t.key === key)?.value;

/**
 * The experiment `ref` names: an id (digits) or a name. The native API looks up by id only, so a
 * name goes through MLflow's experiments/get-by-name; digits that are no experiment's id are tried
 * as a name too (an experiment may be called "2024").
 */
export async function resolveExperiment(client: ApiClient, ref: string): Promise<ExperimentView> {
  if (/^\d+$/.test(ref)) {
    try {
      return await client.request<ExperimentView>('GET', `/api/v1/experiments/${ref}`);
    } catch (e) {
      if (!(e instanceof CliError) || e.exitCode !== EXIT.failed) throw e;
    }
  }
  let id: string;
  try {
    id = (await mlflowRequest<{ experiment: { experiment_id: string } }>(client, 'GET', 'experiments/get-by-name', { query: { experiment_name: ref } })).experiment.experiment_id;
  } catch (e) {
    if (e instanceof CliError && /RESOURCE_DOES_NOT_EXIST/.test(e.message)) throw new CliError(`No experiment with the ${/^\d+$/.test(ref) ? 'id or ' : ''}name '${ref}' (or you may not see it). List them with 'flywheel experiments list'.`, EXIT.failed);
    throw e;
  }
  return client.request<ExperimentView>('GET', `/api/v1/experiments/${id}`);
}

function renderExperiment(e: ExperimentView, runs: RunView[]): string {
  const owner = tagOf(e, 'flywheel.owner_team');
  const other = e.tags.filter((t) => !t.key.startsWith('flywheel.') && !t.key.startsWith('mlflow.'));
  const lines = [
    `${e.name}  (id ${e.experimentId})${e.lifecycleStage === 'deleted' ? '  DELETED' : ''}`,
    `  owner team:  ${owner ? `team id ${owner}` : '(none)'}`,
    `  visibility:  ${tagOf(e, 'flywheel.visibility') ?? 'internal'}`,
    `  artifacts:   ${e.artifactLocation}`,
    `  created:     ${when(e.creationTime)}`,
    `  updated:     ${when(e.lastUpdateTime)}`,
  ];
  if (other.length) lines.push('  tags:', ...other.map((t) => `    ${t.key}: ${t.value}`));
  lines.push('', runs.length ? `Latest runs:\n${table(['RUN ID', 'NAME', 'STATUS', 'START'], runs.map((r) => [r.info.runId, r.info.runName, r.info.status, when(r.info.startTime)]))}` : 'No runs yet.');
  return lines.join('\n');
}

/** `flywheel experiments list|show|create`. */
export function experimentsCommand(program: Command): void {
  const experiments = program
    .command('experiments')
    .description('Experiments: the folders runs are tracked in (the MLflow client writes here too).')
    .addHelpText('after', `
Examples:
  $ flywheel experiments list
  $ flywheel experiments show churn
  $ flywheel experiments create churn --owner-team growth --visibility private
  $ flywheel runs search --experiment churn --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC"`);

  experiments
    .command('list')
    .description('List active experiments, newest first')
    .option('--filter <filter>', "MLflow filter, e.g. \"name LIKE 'churn%'\"")
    .option('--max-results <n>', 'at most this many (default 100)')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel experiments list
  $ flywheel experiments list --filter "name LIKE 'churn%'"
  $ flywheel experiments list --json | jq -r '.experiments[].name'`)
    .action(async (opts: Common & { filter?: string; maxResults?: string }) => {
      const max = opts.maxResults === undefined ? 100 : positiveInt('--max-results', opts.maxResults, 50000);
      const res = await new ApiClient(opts.url).request<{ experiments: ExperimentView[]; nextPageToken?: string }>('GET', '/api/v1/experiments', {
        query: { filter: opts.filter, maxResults: String(max), orderBy: 'creation_time DESC' },
      });
      output(opts.json, res, () => {
        if (res.experiments.length === 0) return 'No experiments.';
        const rows = res.experiments.map((e) => [e.experimentId, e.name, tagOf(e, 'flywheel.visibility') ?? 'internal', when(e.creationTime)]);
        return table(['ID', 'NAME', 'VISIBILITY', 'CREATED'], rows) + (res.nextPageToken ? `\nMore experiments than ${max}: raise --max-results or narrow --filter.` : '');
      });
    });

  experiments
    .command('show')
    .description('Show an experiment with its latest runs')
    .argument('<experiment>', 'experiment id or name')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel experiments show churn
  $ flywheel experiments show 3 --json`)
    .action(async (ref: string, opts: Common) => {
      const client = new ApiClient(opts.url);
      const e = await resolveExperiment(client, ref);
      if (opts.json) return output(true, e, () => '');
      const runs = await client.request<{ runs: RunView[] }>('POST', '/api/v1/runs/search', { json: { experimentIds: [e.experimentId], orderBy: ['attributes.start_time DESC'], maxResults: 5 } });
      output(false, e, () => renderExperiment(e, runs.runs));
    });

  experiments
    .command('create')
    .description('Create an experiment')
    .argument('<name>', 'experiment name (unique)')
    .option('--owner-team <team>', "the owning team (default: your only team, if you have one)")
    .addOption(new Option('--visibility <visibility>', 'private: the owner team and teams above it; internal: everyone logged in').choices(['private', 'internal']))
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel experiments create churn
  $ flywheel experiments create churn-v2 --owner-team growth --visibility private
  $ MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py   # then log runs into it from MLflow`)
    .action(async (name: string, opts: Common & { ownerTeam?: string; visibility?: string }) => {
      const e = await new ApiClient(opts.url).request<ExperimentView>('POST', '/api/v1/experiments', {
        json: { name, ...(opts.ownerTeam ? { ownerTeam: opts.ownerTeam } : {}), ...(opts.visibility ? { visibility: opts.visibility } : {}) },
      });
      output(opts.json, e, () => `Created experiment ${e.name} (id ${e.experimentId}, ${tagOf(e, 'flywheel.visibility') ?? 'internal'}).`);
    });
}
