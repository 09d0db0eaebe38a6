import type { Command } from 'commander';
import { ApiClient, EXIT } from './client.js';
import { output } from './output.js';
import { table } from './table.js';
import { readJsonFile } from './json-file.js';

interface Policy {
  name: string;
  version: number;
  scope: { team?: string };
  action: string;
  alias?: string;
  conditions: { type: string; [k: string]: unknown }[];
}
interface Checklist {
  allowed: boolean;
  policies: { name: string; version: number }[];
  results: { policy: string; policyVersion: number; condition: { type: string }; met: boolean; detail: string }[];
}
interface BudgetStatus {
  name: string;
  team: string;
  /** Set on a project budget: the project's spend counts, not the whole team's. */
  project?: string | null;
  amount: number;
  enforce: boolean;
  spend: number;
  percent: number;
  remaining: number;
  periodStart: number;
  alerts: { threshold: number; at: number }[];
}

const urlOption = (c: Command) => c.option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)');
const money = (n: number) => n.toFixed(2);
const month = (t: number) => new Date(t).toISOString().slice(0, 7);

export function renderChecklist(c: Checklist): string {
  if (!c.policies.length) return 'No policy applies: allowed.';
  const rows = c.results.map((r) => [r.met ? 'ok' : 'UNMET', `${r.policy} v${r.policyVersion}`, r.condition.type, r.detail]);
  return `${table(['', 'POLICY', 'CONDITION', 'DETAIL'], rows)}\n${c.allowed ? 'Allowed.' : `Blocked: ${c.results.filter((r) => !r.met).length} unmet condition(s).`}`;
}

export function renderBudget(b: BudgetStatus): string {
  const fired = b.alerts.filter((a) => a.at >= b.periodStart).map((a) => a.threshold).sort((x, y) => x - y).map((t) => `${t}%`);
  return [
    `Budget ${b.name} (team ${b.team}, ${month(b.periodStart)}${b.enforce ? ', enforced' : ''})`,
    `  spent ${money(b.spend)} of ${money(b.amount)} (${b.percent}%), ${b.remaining >= 0 ? `${money(b.remaining)} left` : `over by ${money(-b.remaining)}`}`,
    `  alerts: ${fired.length ? fired.join(', ') : 'none'}`,
  ].join('\n');
}

/** `flywheel policy list|apply|check` and `flywheel budget list|status`. */
export function policyCommand(program: Command): void {
  const policy = program.command('policy').description('Approval policies: what an alias, deployment or stage change needs.');

  urlOption(policy.command('list').description('Current version of every policy'))
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ policies: Policy[] }>('GET', '/api/v1/policies');
      output(opts.json, res, () =>
        res.policies.length === 0
          ? 'No policies.'
          : table(['NAME', 'VERSION', 'SCOPE', 'ACTION', 'CONDITIONS'], res.policies.map((p) => [p.name, String(p.version), p.scope.team ? `team ${p.scope.team}` : 'organization', p.alias ? `${p.action} (${p.alias})` : p.action, p.conditions.map((c) => c.type).join(', ')])),
      );
    });

  urlOption(policy.command('apply').description('Create policies or write their next versions from a JSON file (one policy or an array)'))
    .requiredOption('-f, --file <file>', 'JSON file')
    .action(async (opts: { url?: string; file: string }) => {
      const parsed = readJsonFile(opts.file);
      const client = new ApiClient(opts.url);
      for (const body of Array.isArray(parsed) ? parsed : [parsed]) {
        const r = await client.request<{ policy: Policy; changed: boolean }>('POST', '/api/v1/policies', { json: body });
        process.stdout.write(`${r.changed ? (r.policy.version === 1 ? 'created' : 'updated') : 'unchanged'} ${r.policy.name} v${r.policy.version}\n`);
      }
    });

  urlOption(policy.command('check').description('Dry run: which conditions an action on a model version meets (exit 1 when blocked)'))
    .requiredOption('--model <name>', 'registered model')
    .requiredOption('--version <n>', 'model version')
    .option('--alias <alias>', 'for model.alias_set', 'champion')
    .option('--action <action>', 'model.alias_set (default), deployment.production or project.stage', 'model.alias_set')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; model: string; version: string; alias: string; action: string; json?: boolean }) => {
      const c = await new ApiClient(opts.url).request<Checklist>('POST', '/api/v1/policies/evaluate', { json: { action: opts.action, model: opts.model, version: opts.version, alias: opts.alias } });
      output(opts.json, c, () => renderChecklist(c));
      if (!c.allowed) process.exitCode = EXIT.failed;
    });

  const budget = program.command('budget').description('Budgets per team: spend this month against them, alerts at 50/80/100%.');
  urlOption(budget.command('list').description('Every budget with its spend this month'))
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ budgets: BudgetStatus[] }>('GET', '/api/v1/budgets');
      output(opts.json, res, () =>
        res.budgets.length === 0
          ? 'No budgets.'
          : table(['NAME', 'FOR', 'PERIOD', 'SPENT', 'BUDGET', '%', 'ENFORCED'], res.budgets.map((b) => [b.name, b.project ? `project ${b.project} (${b.team})` : `team ${b.team}`, month(b.periodStart), money(b.spend), money(b.amount), String(b.percent), b.enforce ? 'yes' : 'no'])),
      );
    });
  urlOption(budget.command('status').description('Spend, percent and alerts of one budget (exit 1 when spent)').argument('<name>'))
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ status: BudgetStatus }>('GET', `/api/v1/budgets/${encodeURIComponent(name)}/status`);
      output(opts.json, res, () => renderBudget(res.status));
      if (res.status.spend >= res.status.amount) process.exitCode = EXIT.failed;
    });
}
