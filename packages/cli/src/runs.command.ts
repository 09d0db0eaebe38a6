import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { URL_OPTION, positiveInt, resolveExperiment, when, type RunView } from './experiments.command.js';
import { output } from './output.js';
import { table } from './table.js';

type Common = { url?: string; json?: boolean };
type MetricPoint = RunView['data']['metrics'][number];
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** One extra column of the runs table: `metrics.auc`, `params.lr`, `tags.team`. */
interface Column {
  kind: 'metrics' | 'params' | 'tags';
  key: string;
}

const COLUMN_RE = /^(metrics|params|tags)\.(.+)$/;

/** Parses `--columns metrics.auc,params.lr`; anything else is a usage error. */
export function parseColumns(spec: string): Column[] {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = COLUMN_RE.exec(s);
    if (!m) throw new CliError(`--columns '${s}': expected metrics.<key>, params.<key> or tags.<key>, e.g. --columns metrics.auc,params.lr.`, EXIT.usage);
    return { kind: m[1] as Column['kind'], key: m[2]! };
  });
}

/**
 * The columns a search mentions (`metrics.auc > 0.8`, `params.lr = '0.1'`, `metrics.\`val loss\``), so that
 * a table without --columns still shows what the search was about.
 */
export function columnsMentioned(...texts: (string | undefined)[]): Column[] {
  const seen = new Map<string, Column>();
  for (const text of texts) {
    for (const m of (text ?? '').matchAll(/\b(metrics?|params?|parameters?|tags?)\.(?:`([^`]+)`|"([^"]+)"|([\w./-]+))/g)) {
      const kind = m[1]!.startsWith('metric') ? 'metrics' : m[1]!.startsWith('tag') ? 'tags' : 'params';
      const key = (m[2] ?? m[3] ?? m[4])!;
      seen.set(`${kind}.${key}`, { kind, key });
    }
  }
  return [...seen.values()];
}

const num = (v: number | string) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : v);

function cell(r: RunView, c: Column): string {
  if (c.kind === 'metrics') {
    const m = r.data.metrics.find((x) => x.key === c.key);
    return m ? num(m.value) : '';
  }
  return (c.kind === 'params' ? r.data.params : r.data.tags).find((x) => x.key === c.key)?.value ?? '';
}

export function renderRuns(runs: RunView[], columns: Column[]): string {
  if (runs.length === 0) return 'No runs match.';
  return table(
    ['RUN ID', 'NAME', 'STATUS', 'START', ...columns.map((c) => `${c.kind}.${c.key}`)],
    runs.map((r) => [r.info.runId, r.info.runName, r.info.status, when(r.info.startTime), ...columns.map((c) => cell(r, c))]),
  );
}

function renderRun(r: RunView): string {
  const i = r.info;
  const tags = r.data.tags.filter((t) => !t.key.startsWith('mlflow.'));
  const lines = [
    `${i.runName}  (${i.runId})  ${i.status}`,
    `  experiment:  ${i.experimentId}`,
    `  user:        ${i.userId || '(none)'}`,
    `  started:     ${when(i.startTime)}`,
    `  ended:       ${i.endTime === null ? '(running)' : when(i.endTime)}`,
    `  artifacts:   ${i.artifactUri}`,
  ];
  const section = (title: string, headers: string[], rows: string[][]) => (rows.length ? ['', `${title}:`, table(headers, rows)] : []);
  lines.push(...section('Params', ['KEY', 'VALUE'], r.data.params.map((p) => [p.key, p.value])));
  lines.push(...section('Metrics (latest)', ['KEY', 'VALUE', 'STEP'], r.data.metrics.map((m) => [m.key, num(m.value), String(m.step)])));
  lines.push(...section('Tags', ['KEY', 'VALUE'], tags.map((t) => [t.key, t.value])));
  const inputs = r.inputs.datasetInputs.map((d) => `  ${d.dataset.name} (${d.dataset.digest}) ${d.dataset.source}`);
  if (inputs.length) lines.push('', 'Datasets:', ...inputs);
  return lines.join('\n');
}

/** `flywheel runs search|show|metric`. */
export function runsCommand(program: Command): void {
  const runs = program
    .command('runs')
    .description('Runs: search them with the MLflow filter grammar, read one, follow a metric.')
    .addHelpText('after', `
Examples:
  $ flywheel runs search --experiment churn --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC"
  $ flywheel runs show 5f0c…
  $ flywheel runs metric 5f0c… loss`);

  runs
    .command('search')
    .description('Search the runs of one or more experiments')
    .requiredOption('--experiment <id|name>', 'experiment id or name (repeat for several)', collect)
    .option('--filter <filter>', 'MLflow filter, e.g. "metrics.auc > 0.8 and params.model = \'gbm\'"')
    .option('--order-by <clause>', 'e.g. "metrics.auc DESC" (repeatable; default: newest first)', collect)
    .option('--max-results <n>', 'at most this many runs (default 100)')
    .option('--columns <list>', 'extra columns, e.g. metrics.auc,params.lr (default: what --filter and --order-by mention)')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel runs search --experiment churn
  $ flywheel runs search --experiment churn --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC" --max-results 10
  $ flywheel runs search --experiment churn --columns metrics.auc,metrics.loss,params.lr
  $ flywheel runs search --experiment 1 --experiment 2 --filter "attributes.status = 'FAILED'" --json`)
    .action(async (opts: Common & { experiment: string[]; filter?: string; orderBy?: string[]; maxResults?: string; columns?: string }) => {
      const max = opts.maxResults === undefined ? 100 : positiveInt('--max-results', opts.maxResults, 50000);
      const columns = opts.columns !== undefined ? parseColumns(opts.columns) : columnsMentioned(opts.filter, ...(opts.orderBy ?? []));
      const client = new ApiClient(opts.url);
      const ids = [];
      for (const ref of opts.experiment) ids.push((await resolveExperiment(client, ref)).experimentId);
      const res = await client.request<{ runs: RunView[]; nextPageToken?: string }>('POST', '/api/v1/runs/search', {
        json: { experimentIds: ids, maxResults: max, ...(opts.filter ? { filter: opts.filter } : {}), ...(opts.orderBy?.length ? { orderBy: opts.orderBy } : {}) },
      });
      output(opts.json, res, () => renderRuns(res.runs, columns) + (res.nextPageToken ? `\nMore runs than ${max}: raise --max-results or narrow --filter.` : ''));
    });

  runs
    .command('show')
    .description('Show a run: its params, latest metrics, tags and dataset inputs')
    .argument('<runId>')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel runs show 5f0c3e9a…
  $ flywheel runs show 5f0c3e9a… --json | jq '.data.params'`)
    .action(async (runId: string, opts: Common) => {
      const r = await new ApiClient(opts.url).request<RunView>('GET', `/api/v1/runs/${encodeURIComponent(runId)}`);
      output(opts.json, r, () => renderRun(r));
    });

  runs
    .command('metric')
    .description("A metric's whole history, step by step")
    .argument('<runId>')
    .argument('<key>', 'metric key, e.g. loss')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel runs metric 5f0c3e9a… loss
  $ flywheel runs metric 5f0c3e9a… val_auc --json | jq '.metrics[-1].value'`)
    .action(async (runId: string, key: string, opts: Common) => {
      const client = new ApiClient(opts.url);
      const metrics: MetricPoint[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.request<{ metrics: MetricPoint[]; nextPageToken?: string }>('GET', `/api/v1/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}/history`, {
          query: { maxResults: '25000', pageToken },
        });
        metrics.push(...page.metrics);
        pageToken = page.nextPageToken;
      } while (pageToken);
      output(opts.json, { metrics }, () =>
        metrics.length === 0 ? `Run ${runId} has no metric '${key}'.` : table(['STEP', 'VALUE', 'TIME'], metrics.map((m) => [String(m.step), num(m.value), when(m.timestamp)])),
      );
    });
}
