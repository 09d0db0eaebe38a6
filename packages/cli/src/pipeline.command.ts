import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';
import { table } from './table.js';
import { readJsonFile } from './json-file.js';

interface StepRun {
  name: string;
  state: string;
  attempt: number;
  maxAttempts: number;
  exitCode: number | null;
  computeSeconds: number;
  mlflowRunId: string | null;
  error: string | null;
  cached?: boolean;
  cachedFrom?: string | null;
}
interface PipelineRun {
  id: string;
  pipeline: string;
  version: number;
  state: string;
  error: string | null;
  cause?: { kind: string; [k: string]: unknown };
  steps: StepRun[];
}
interface Pipeline {
  name: string;
  version: number;
  description: string;
  definition: { steps: unknown[] };
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const runPath = (p: string, id: string, rest = '') => `/api/v1/pipelines/${encodeURIComponent(p)}/runs/${encodeURIComponent(id)}${rest}`;

/** A run as a table of its steps. */
export function renderRun(r: PipelineRun): string {
  const cause = r.cause && r.cause.kind !== 'manual' ? `  (${Object.entries(r.cause).map(([k, v]) => (k === 'kind' ? String(v) : `${k}=${String(v)}`)).join(' ')})` : '';
  const head = `run ${r.id}  ${r.pipeline} v${r.version}  [${r.state}]${cause}${r.error ? `  ${r.error}` : ''}`;
  const rows = r.steps.map((s) => [s.name, s.cached ? `${s.state} (cached)` : s.state, `${s.attempt}/${s.maxAttempts}`, s.exitCode === null ? '' : String(s.exitCode), s.computeSeconds.toFixed(1), s.mlflowRunId ?? '', s.state === 'succeeded' ? '' : s.error ?? '']);
  return `${head}\n${table(['STEP', 'STATE', 'ATTEMPT', 'EXIT', 'SECONDS', 'MLFLOW RUN', 'NOTE'], rows)}`;
}

/** `--param k=v` (repeatable) into the run's params; values stay strings, the server reads them as the declared type. */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`--param ${p}: expected name=value (or step.name=value)`, EXIT.usage);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** The request body of a definition file: JSON as parsed, YAML as text (the server reads it, naming lines in its errors). */
function readDefinition(file: string): { json: unknown } | { body: string; contentType: string } {
  if (!/\.ya?ml$/i.test(file)) return { json: readJsonFile(file) };
  try {
    return { body: readFileSync(file, 'utf8'), contentType: 'application/yaml' };
  } catch (e) {
    throw new CliError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`, EXIT.usage);
  }
}

/** Polls a run until it ends; on a TTY redraws one status line, otherwise prints each step's changes once (nothing when `silent`). */
async function waitFor(client: ApiClient, run: PipelineRun, intervalMs: number, silent: boolean): Promise<PipelineRun> {
  const tty = !silent && process.stdout.isTTY === true;
  const seen = new Map<string, string>();
  for (;;) {
    if (tty) {
      const line = run.steps.map((s) => `${s.name}:${s.state}${s.attempt > 1 ? `(${s.attempt})` : ''}`).join('  ');
      process.stdout.write(`\r\x1b[2K[${run.state}] ${line}`);
    } else if (!silent) {
      for (const s of run.steps) {
        const key = `${s.state}/${s.attempt}`;
        if (seen.get(s.name) !== key && s.state !== 'pending') process.stdout.write(`${s.name}: ${s.state}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}\n`);
        seen.set(s.name, key);
      }
    }
    if (TERMINAL.has(run.state) && run.steps.every((s) => s.state !== 'running')) break;
    await new Promise((r) => setTimeout(r, intervalMs));
    run = await client.request<PipelineRun>('GET', runPath(run.pipeline, run.id));
  }
  if (tty) process.stdout.write('\n');
  return run;
}

/** `flywheel pipeline register|list|run|status|logs|cancel`. */
export function pipelineCommand(program: Command): void {
  const pipeline = program.command('pipeline').description('Pipelines as code: register a DAG of steps, run it, follow its steps.');
  const url = '--url <url>';
  const urlHelp = 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)';

  pipeline
    .command('register')
    .description('Register a pipeline definition from a JSON or YAML (.yaml/.yml) file (a changed definition becomes a new version)')
    .argument('<file>', 'the definition: {name, steps: [{name, command: [argv…], dependsOn?, inputs?, outputs?, params?, retries?, timeoutSeconds?}]}')
    .option('--owner-team <team>', "on first registration: the owning team (default: your only team)")
    .option('--visibility <private|internal>', 'on first registration (default private when owned)')
    .option('--project <name>', "on first registration: the project its compute is attributed to")
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { url?: string; json?: boolean; ownerTeam?: string; visibility?: string; project?: string }) => {
      const query = { ownerTeam: opts.ownerTeam, visibility: opts.visibility, project: opts.project };
      const r = await new ApiClient(opts.url).request<{ pipeline: Pipeline; created: boolean }>('POST', '/api/v1/pipelines', { ...readDefinition(file), query });
      output(opts.json, r, () => `${r.created ? 'Registered' : 'Unchanged:'} pipeline ${r.pipeline.name} version ${r.pipeline.version} (${r.pipeline.definition.steps.length} steps).`);
    });

  pipeline
    .command('list')
    .description('List pipelines')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<{ pipelines: Pipeline[] }>('GET', '/api/v1/pipelines', { query: { maxResults: '1000' } });
      output(opts.json, r, () => (r.pipelines.length === 0 ? 'No pipelines.' : table(['NAME', 'VERSION', 'STEPS', 'DESCRIPTION'], r.pipelines.map((p) => [p.name, String(p.version), String(p.definition.steps.length), p.description]))));
    });

  pipeline
    .command('run')
    .description('Start a run of a pipeline; --wait follows it to the end (exit 1 unless it succeeds)')
    .argument('<name>')
    .option('--param <name=value>', 'a parameter (name, or step.name for one step); repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--version <n>', 'run this version of the definition (default: the latest)')
    .option('--wait', 'wait for the run to finish, showing progress')
    .option('--interval-ms <ms>', 'how often --wait polls', '1000')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { param: string[]; version?: string; wait?: boolean; intervalMs: string; url?: string; json?: boolean }) => {
      const client = new ApiClient(opts.url);
      const version = opts.version === undefined ? undefined : Number(opts.version);
      if (version !== undefined && !(Number.isInteger(version) && version >= 1)) throw new CliError(`--version ${opts.version}: expected a version number`, EXIT.usage);
      let run = await client.request<PipelineRun>('POST', `/api/v1/pipelines/${encodeURIComponent(name)}/runs`, { json: { params: parseParams(opts.param), ...(version ? { version } : {}) } });
      if (!opts.wait) return output(opts.json, run, () => `Started run ${run.id} of ${run.pipeline} v${run.version}.`);
      if (!opts.json) process.stdout.write(`Started run ${run.id} of ${run.pipeline} v${run.version}.\n`);
      run = await waitFor(client, run, Math.max(50, Number(opts.intervalMs) || 1000), opts.json === true);
      output(opts.json, run, () => renderRun(run));
      if (run.state !== 'succeeded') process.exitCode = EXIT.failed;
    });

  pipeline
    .command('status')
    .description("Show a run and its steps' states")
    .argument('<run-id>')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { url?: string; json?: boolean }) => {
      const run = await new ApiClient(opts.url).request<PipelineRun>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(id)}`);
      output(opts.json, run, () => renderRun(run));
    });

  pipeline
    .command('logs')
    .description("Print a step's stored output")
    .argument('<run-id>')
    .argument('<step>')
    .option(url, urlHelp)
    .action(async (id: string, step: string, opts: { url?: string }) => {
      const client = new ApiClient(opts.url);
      const run = await client.request<PipelineRun>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(id)}`);
      const r = await client.request<{ log: string }>('GET', runPath(run.pipeline, id, `/steps/${encodeURIComponent(step)}/logs`), { query: { format: 'json' } });
      process.stdout.write(r.log);
    });

  pipeline
    .command('cancel')
    .description('Cancel a queued or running run: running steps are killed, the rest cancelled')
    .argument('<run-id>')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { url?: string; json?: boolean }) => {
      const client = new ApiClient(opts.url);
      const run = await client.request<PipelineRun>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(id)}`);
      const r = await client.request<PipelineRun>('POST', runPath(run.pipeline, id, '/cancel'));
      output(opts.json, r, () => `Cancelled run ${r.id} of ${r.pipeline}.`);
    });

  pipeline
    .command('resume')
    .description('Resume a failed or cancelled run as a new run: succeeded steps are carried over, the rest run; --wait follows it')
    .argument('<run-id>')
    .option('--wait', 'wait for the new run to finish, showing progress')
    .option('--interval-ms <ms>', 'how often --wait polls', '1000')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { wait?: boolean; intervalMs: string; url?: string; json?: boolean }) => {
      const client = new ApiClient(opts.url);
      const old = await client.request<PipelineRun>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(id)}`);
      let run = await client.request<PipelineRun>('POST', runPath(old.pipeline, id, '/resume'));
      const line = `Resumed run ${id} as run ${run.id} of ${run.pipeline} v${run.version} (${run.steps.filter((s) => s.cached).length} steps carried over).`;
      if (!opts.wait) return output(opts.json, run, () => line);
      if (!opts.json) process.stdout.write(`${line}\n`);
      run = await waitFor(client, run, Math.max(50, Number(opts.intervalMs) || 1000), opts.json === true);
      output(opts.json, run, () => renderRun(run));
      if (run.state !== 'succeeded') process.exitCode = EXIT.failed;
    });

  pipeline
    .command('cost')
    .description("Compute-seconds of pipeline steps: one pipeline's, or one team's (--team) per pipeline and project")
    .argument('[name]')
    .option('--team <team>', 'the owner team (name or id)')
    .option('--from <iso-date>', 'runs created at or after')
    .option('--to <iso-date>', 'runs created before')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: { team?: string; from?: string; to?: string; url?: string; json?: boolean }) => {
      if (!name && !opts.team) throw new CliError('name a pipeline or --team', EXIT.usage);
      const ms = (v: string | undefined, flag: string) => {
        if (v === undefined) return undefined;
        const t = Date.parse(v);
        if (Number.isNaN(t)) throw new CliError(`${flag} ${v}: expected a date (2026-01-31 or an ISO time)`, EXIT.usage);
        return String(t);
      };
      const query = { from: ms(opts.from, '--from'), to: ms(opts.to, '--to'), ...(name ? {} : { team: opts.team }) };
      const path = name ? `/api/v1/pipelines/${encodeURIComponent(name)}/cost` : '/api/v1/pipeline-costs';
      const r = await new ApiClient(opts.url).request<{ costs: { pipeline: string; project: string | null; ownerTeam: number | null; computeSeconds: number; stepsRun: number; stepsCached: number }[] }>('GET', path, { query });
      output(opts.json, r, () =>
        r.costs.length === 0 ? 'No pipeline compute.' : table(['PIPELINE', 'PROJECT', 'TEAM', 'COMPUTE SECONDS', 'STEPS RUN', 'CACHED'], r.costs.map((c) => [c.pipeline, c.project ?? '', c.ownerTeam === null ? '' : String(c.ownerTeam), c.computeSeconds.toFixed(1), String(c.stepsRun), String(c.stepsCached)])),
      );
    });

  const trigger = pipeline.command('trigger').description('Triggers: a schedule, a new dataset or model version, or an alert starts a run');
  interface Trigger { name: string; kind: string; spec: Record<string, unknown>; params: Record<string, unknown>; enabled: boolean; nextAt: number | null }
  const triggersPath = (p: string, rest = '') => `/api/v1/pipelines/${encodeURIComponent(p)}/triggers${rest}`;
  trigger
    .command('add')
    .description('Add a trigger: exactly one of --schedule, --on-dataset, --on-model, --on-alert')
    .argument('<pipeline>')
    .argument('<name>', 'the trigger name')
    .option('--schedule <cron>', "a cron expression (UTC), e.g. '0 3 * * *'")
    .option('--on-dataset <dataset>', 'each new version of this dataset')
    .option('--on-model <model>', 'each new version of this registered model')
    .option('--on-alert <rule>', "each firing of this alert rule (or use the alert action {type: 'run_pipeline', params: {pipeline}})")
    .option('--param <name=value>', 'a parameter the runs get; repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (p: string, name: string, opts: { schedule?: string; onDataset?: string; onModel?: string; onAlert?: string; param: string[]; url?: string; json?: boolean }) => {
      const kinds: { kind: string; spec: Record<string, string> }[] = [];
      if (opts.schedule !== undefined) kinds.push({ kind: 'schedule', spec: { cron: opts.schedule } });
      if (opts.onDataset !== undefined) kinds.push({ kind: 'dataset_version', spec: { dataset: opts.onDataset } });
      if (opts.onModel !== undefined) kinds.push({ kind: 'model_version', spec: { model: opts.onModel } });
      if (opts.onAlert !== undefined) kinds.push({ kind: 'alert', spec: { rule: opts.onAlert } });
      if (kinds.length !== 1) throw new CliError('give exactly one of --schedule, --on-dataset, --on-model, --on-alert', EXIT.usage);
      const t = await new ApiClient(opts.url).request<Trigger>('POST', triggersPath(p), { json: { name, ...kinds[0]!, params: parseParams(opts.param) } });
      output(opts.json, t, () => `Added trigger ${t.name} (${t.kind}) to ${p}${t.nextAt ? `; next due ${new Date(t.nextAt).toISOString()}` : ''}.`);
    });
  trigger
    .command('list')
    .argument('<pipeline>')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (p: string, opts: { url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<{ triggers: Trigger[] }>('GET', triggersPath(p));
      output(opts.json, r, () => (r.triggers.length === 0 ? 'No triggers.' : table(['NAME', 'KIND', 'ON', 'NEXT', 'ENABLED'], r.triggers.map((t) => [t.name, t.kind, String(t.spec.cron ?? t.spec.dataset ?? t.spec.model ?? t.spec.rule ?? ''), t.nextAt ? new Date(t.nextAt).toISOString() : '', String(t.enabled)]))));
    });
  trigger
    .command('firings')
    .description("A trigger's firings, newest first")
    .argument('<pipeline>')
    .argument('<name>')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (p: string, name: string, opts: { url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<{ firings: { eventKey: string; firedAt: number; runId: string | null; outcome: string }[] }>('GET', triggersPath(p, `/${encodeURIComponent(name)}/firings`));
      output(opts.json, r, () => (r.firings.length === 0 ? 'Not fired yet.' : table(['FIRED', 'EVENT', 'RUN', 'OUTCOME'], r.firings.map((f) => [new Date(f.firedAt).toISOString(), f.eventKey, f.runId ?? '', f.outcome]))));
    });
  trigger
    .command('rm')
    .argument('<pipeline>')
    .argument('<name>')
    .option(url, urlHelp)
    .action(async (p: string, name: string, opts: { url?: string }) => {
      await new ApiClient(opts.url).request<unknown>('DELETE', triggersPath(p, `/${encodeURIComponent(name)}`));
      process.stdout.write(`Removed trigger ${name} of ${p}.\n`);
    });
}
