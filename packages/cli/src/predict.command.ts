import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';
import { table } from './table.js';

const MLFLOW_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];

/**
 * The request body for MLflow's /invocations: a body already in one of its formats goes as is;
 * rows (objects or arrays) become `dataframe_records` / `instances`; one object is one record.
 */
export function invocationBody(data: unknown): unknown {
  if (Array.isArray(data)) {
    if (data.length === 0) throw new CliError('No rows to predict: the data is an empty list.', EXIT.usage);
    return data.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r)) ? { dataframe_records: data } : { instances: data };
  }
  if (data !== null && typeof data === 'object') {
    return MLFLOW_KEYS.some((k) => k in data) ? data : { dataframe_records: [data] };
  }
  throw new CliError('The data must be a JSON list of rows, one row object, or an MLflow body ({"dataframe_split": …}, {"instances": …}, …).', EXIT.usage);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${where} is not valid JSON: ${(e as Error).message}`, EXIT.usage);
  }
}

/** What to send: CSV files as text/csv, JSON (from --data or a .json file) shaped by `invocationBody`. */
export function requestOf(opts: { data?: string; file?: string }): { body: string; contentType: string } {
  if ((opts.data === undefined) === (opts.file === undefined)) throw new CliError('Give the rows with exactly one of --data \'<json>\' or --file rows.csv|rows.json.', EXIT.usage);
  if (opts.data !== undefined) return { body: JSON.stringify(invocationBody(parseJson(opts.data, '--data'))), contentType: 'application/json' };
  let text: string;
  try {
    text = readFileSync(opts.file!, 'utf8');
  } catch {
    throw new CliError(`Cannot read ${opts.file}: no such file.`, EXIT.usage);
  }
  if (extname(opts.file!).toLowerCase() === '.csv') return { body: text, contentType: 'text/csv' };
  return { body: JSON.stringify(invocationBody(parseJson(text, opts.file!))), contentType: 'application/json' };
}

const cell = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(6))) : typeof v === 'string' ? v : JSON.stringify(v));

/** One row per input row: `[…]` for a single output, or a column per output when there are several. */
export function renderPredictions(predictions: unknown): string {
  if (Array.isArray(predictions)) return table(['row', 'prediction'], predictions.map((p, i) => [String(i), Array.isArray(p) && p.length === 1 ? cell(p[0]) : cell(p)]));
  if (predictions && typeof predictions === 'object') {
    const cols = Object.entries(predictions as Record<string, unknown[]>);
    const n = Math.max(0, ...cols.map(([, v]) => (Array.isArray(v) ? v.length : 0)));
    return table(['row', ...cols.map(([k]) => k)], Array.from({ length: n }, (_, i) => [String(i), ...cols.map(([, v]) => {
      const x = Array.isArray(v) ? v[i] : undefined;
      return Array.isArray(x) && x.length === 1 ? cell(x[0]) : cell(x);
    })]));
  }
  return cell(predictions);
}

export function predictCommand(program: Command): void {
  program
    .command('predict')
    .description("Score rows with a deployment (MLflow's /invocations); prints the predictions, the variant that answered and the inference id.")
    .argument('<deployment>', 'deployment name')
    .option('--data <json>', 'rows as JSON: [{"f0": 1, …}, …], [[1, 2, …]], one {…} row, or an MLflow body')
    .option('--file <rows.csv|rows.json>', 'rows from a CSV file with a header (sent as text/csv) or a JSON file')
    .option('--variant <name>', 'ask for this variant explicitly (x-flywheel-variant)')
    .option('--key <routing-key>', 'a routing key (e.g. a user id): the same key always reaches the same variant')
    .option('--id <inference-id>', 'your own inference id to log the prediction under')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--json', 'print {deployment, variant, inferenceId, predictions} as JSON')
    .addHelpText('after', `
Examples:
  $ flywheel predict churn --data '[{"tenure": 12, "plan": 2}, {"tenure": 3, "plan": 1}]'
  $ flywheel predict churn --data '{"instances": [[0.1, 0.2, 0.3]]}' --variant b
  $ flywheel predict churn --file rows.csv --key customer-42 --json
  $ flywheel deploy predictions churn --since 5m        # what was logged`)
    .action(async (deployment: string, opts: { data?: string; file?: string; variant?: string; key?: string; id?: string; url?: string; json?: boolean }) => {
      const { body, contentType } = requestOf(opts);
      const base = new ApiClient(opts.url).baseUrl;
      const headers: Record<string, string> = { 'content-type': contentType };
      if (opts.variant) headers['x-flywheel-variant'] = opts.variant;
      if (opts.key) headers['x-flywheel-routing-key'] = opts.key;
      if (opts.id) headers['x-flywheel-inference-id'] = opts.id;
      let res: Response;
      try {
        res = await fetch(`${base}/deployments/${encodeURIComponent(deployment)}/invocations`, { method: 'POST', headers, body });
      } catch (e) {
        const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
        throw new CliError(`Cannot reach the Flywheel server at ${base} (${cause}). Start it with 'flywheel server' or pass --url.`, EXIT.unreachable);
      }
      const text = await res.text();
      let parsed: { predictions?: unknown; message?: string; error_code?: string } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // Not JSON: reported below with the raw text.
      }
      if (!res.ok) throw new CliError(parsed.message ? `${parsed.message} (${parsed.error_code ?? res.status})` : `The server answered ${res.status}: ${text.slice(0, 300)}`, EXIT.failed);
      const result = { deployment, variant: res.headers.get('x-flywheel-variant'), inferenceId: res.headers.get('x-flywheel-inference-id'), predictions: parsed.predictions };
      output(opts.json, result, () => `variant ${result.variant}  inference id ${result.inferenceId}\n${renderPredictions(result.predictions)}`);
    });
}
