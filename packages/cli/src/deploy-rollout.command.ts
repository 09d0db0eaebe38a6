import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { readJsonObject } from './json-file.js';
import { when } from './deploy-render.js';
import { output } from './output.js';
import { table } from './table.js';

type Common = { url?: string; json?: boolean };
const usage = (msg: string) => new CliError(msg, EXIT.usage);
const base = (name: string) => `/api/v1/deployments/${encodeURIComponent(name)}/rollouts`;

export interface RolloutStep {
  weight: number;
  hold: { seconds?: number; requests?: number };
}
export interface RolloutView {
  id: string;
  deployment: string;
  canary: string;
  state: string;
  steps: RolloutStep[];
  guardrails: Record<string, unknown>;
  currentStep: number;
  currentWeight: number;
  requestsInStep: number;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  events: Array<{ seq: number; at: number; type: string; actor: string | null; step: number | null; detail: unknown }>;
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `5@10m,25@1000req,50@10m+500req,100` → steps: a canary weight, held for a time and/or a request count. */
export function parseSteps(s: string): RolloutStep[] {
  return s.split(',').map((part) => {
    const m = /^(\d+(?:\.\d+)?)(?:@(.+))?$/.exec(part.trim());
    if (!m) throw usage(`--steps '${part}': expected <weight>[@<hold>], e.g. 5@10m or 50@1000req.`);
    const hold: RolloutStep['hold'] = {};
    for (const h of m[2]?.split('+') ?? []) {
      const t = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(h);
      const r = /^(\d+)req$/.exec(h);
      if (t) hold.seconds = Number(t[1]) * SECONDS[t[2]!]!;
      else if (r) hold.requests = Number(r[1]);
      else throw usage(`--steps '${part}': hold '${h}' is neither a duration (30s, 10m, 1h) nor a request count (500req).`);
    }
    return { weight: Number(m[1]), hold };
  });
}

function number(flag: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(s)) throw usage(`${flag} '${s}': expected a number.`);
  return Number(s);
}

export function renderRollout(r: RolloutView): string {
  const steps = r.steps.map((s, i) => {
    const hold = [s.hold.seconds !== undefined ? `${s.hold.seconds}s` : '', s.hold.requests !== undefined ? `${s.hold.requests} req` : ''].filter(Boolean).join(' + ');
    return [i + 1 === r.currentStep ? '→' : '', String(i + 1), `${s.weight}%`, hold || '-'];
  });
  return [
    `rollout ${r.id} of ${r.deployment}: canary ${r.canary}  ${r.state}  step ${r.currentStep}/${r.steps.length} at ${r.currentWeight}% (${r.requestsInStep} requests in step)`,
    ...(r.reason ? [`reason: ${r.reason}`] : []),
    `guardrails: ${JSON.stringify(r.guardrails)}`,
    '',
    table(['', 'step', 'canary weight', 'hold'], steps),
    '',
    table(['time', 'event', 'step', 'actor', 'detail'], r.events.map((e) => [when(e.at), e.type, e.step === null ? '' : String(e.step), e.actor ?? '', e.detail === null || e.detail === undefined ? '' : JSON.stringify(e.detail).slice(0, 80)])),
  ].join('\n');
}

/** The rollout to act on: the given id, else the newest one that is still going. */
async function resolveId(client: ApiClient, name: string, id: string | undefined, action: string): Promise<string> {
  if (id) return id;
  const { rollouts } = await client.request<{ rollouts: RolloutView[] }>('GET', base(name));
  const live = rollouts.find((r) => !['completed', 'rolled_back', 'aborted'].includes(r.state));
  if (!live) throw new CliError(`No rollout in progress on '${name}' to ${action}.`, EXIT.failed);
  return live.id;
}

export function rolloutCommands(deploy: Command): void {
  const url = ['--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)'] as const;
  const rollout = deploy.command('rollout').description('Canary rollouts: step a canary variant up while guardrails hold; a breach rolls back on its own.')
    .addHelpText('after', `
Examples:
  $ flywheel deploy rollout start churn --canary b --steps 5@10m,25@10m,50@1000req,100 --max-error-rate 0.01 --max-p99-ms 25
  $ flywheel deploy rollout show churn
  $ flywheel deploy rollout abort churn`);

  rollout
    .command('start')
    .description('Start a rollout of a variant with role canary.')
    .argument('<name>', 'deployment name')
    .option('--canary <variant>', "the variant to roll out (role 'canary')")
    .option('--steps <plan>', 'comma-separated <weight>[@<hold>] steps; hold: 30s, 10m, 1h, 500req, or 10m+500req')
    .option('--max-error-rate <0..1>', 'roll back when the canary error rate exceeds this')
    .option('--max-p99-ms <ms>', "roll back when the canary's p99 model latency exceeds this")
    .option('--min-requests <n>', 'canary requests in a step before guardrails are judged')
    .option('--file <plan.json>', 'the whole plan as JSON: {"canary", "steps": [{"weight", "hold"}], "guardrails"}')
    .option(...url)
    .option('--json', 'print the rollout as JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy rollout start churn --canary b --steps 5@10m,25@10m,50@10m,100
  $ flywheel deploy rollout start churn --canary b --steps 10@500req,50@2000req,100 --max-error-rate 0.02 --min-requests 200
  $ flywheel deploy rollout start churn --file plan.json`)
    .action(async (name: string, opts: Common & { canary?: string; steps?: string; maxErrorRate?: string; maxP99Ms?: string; minRequests?: string; file?: string }) => {
      let plan: Record<string, unknown>;
      if (opts.file) {
        if (opts.canary || opts.steps) throw usage('--file holds the whole plan: do not combine it with --canary or --steps.');
        plan = readJsonObject(opts.file);
      } else {
        if (!opts.canary || !opts.steps) throw usage('A rollout needs --canary <variant> and --steps <plan> (or --file plan.json).');
        const guardrails = { maxErrorRate: number('--max-error-rate', opts.maxErrorRate), maxP99LatencyMs: number('--max-p99-ms', opts.maxP99Ms), minRequests: number('--min-requests', opts.minRequests) };
        const given = Object.fromEntries(Object.entries(guardrails).filter(([, v]) => v !== undefined));
        plan = { canary: opts.canary, steps: parseSteps(opts.steps), ...(Object.keys(given).length ? { guardrails: given } : {}) };
      }
      const r = await new ApiClient(opts.url).request<RolloutView>('POST', base(name), { json: plan });
      output(opts.json, r, () => `started ${renderRollout(r)}`);
    });

  rollout
    .command('list')
    .description("A deployment's rollouts, newest first.")
    .argument('<name>', 'deployment name')
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy rollout list churn`)
    .action(async (name: string, opts: Common) => {
      const res = await new ApiClient(opts.url).request<{ rollouts: RolloutView[] }>('GET', base(name));
      output(opts.json, res, () =>
        res.rollouts.length === 0
          ? `No rollouts on ${name}.`
          : table(['id', 'canary', 'state', 'step', 'weight', 'started', 'reason'], res.rollouts.map((r) => [r.id, r.canary, r.state, `${r.currentStep}/${r.steps.length}`, `${r.currentWeight}%`, when(r.createdAt), r.reason ?? ''])),
      );
    });

  rollout
    .command('show')
    .description('A rollout with its steps and event history (default: the newest).')
    .argument('<name>', 'deployment name')
    .argument('[id]', 'rollout id')
    .option(...url)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy rollout show churn
  $ flywheel deploy rollout show churn 3f2a…`)
    .action(async (name: string, id: string | undefined, opts: Common) => {
      const client = new ApiClient(opts.url);
      let r: RolloutView;
      if (id) r = await client.request<RolloutView>('GET', `${base(name)}/${encodeURIComponent(id)}`);
      else {
        const newest = (await client.request<{ rollouts: RolloutView[] }>('GET', base(name))).rollouts[0];
        if (!newest) throw new CliError(`No rollouts on '${name}'.`, EXIT.failed);
        r = newest;
      }
      output(opts.json, r, () => renderRollout(r));
    });

  for (const action of ['pause', 'resume', 'abort'] as const) {
    rollout
      .command(action)
      .description({ pause: 'Hold the canary at its current weight.', resume: "Continue a paused rollout (the step's hold restarts).", abort: 'Stop the rollout and restore the weights from before it.' }[action])
      .argument('<name>', 'deployment name')
      .argument('[id]', 'rollout id (default: the one in progress)')
      .option(...url)
      .option('--json', 'print the rollout as JSON')
      .addHelpText('after', `
Examples:
  $ flywheel deploy rollout ${action} churn`)
      .action(async (name: string, id: string | undefined, opts: Common) => {
        const client = new ApiClient(opts.url);
        const rid = await resolveId(client, name, id, action);
        const r = await client.request<RolloutView>('POST', `${base(name)}/${encodeURIComponent(rid)}/${action}`, { json: {} });
        output(opts.json, r, () => renderRollout(r));
      });
  }
}
