import type { Command } from 'commander';
import { ApiClient } from './client.js';
import { output } from './output.js';
import { readJsonFile } from './json-file.js';

interface Rule {
  id: string; name: string; state: string; severity: string; metric: string; column?: string | null; variant?: string | null; deployment?: string;
  condition: { op: string; threshold: number }; lastValue: number | null; lastOutcome: string | null; lastEvaluatedAt: number | null; enabled: boolean;
}
interface AlertEvent { id: number; ruleId: string; ts: number; type: string; value: number | null; message: string }

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** One line per rule: state first, so a firing rule stands out. */
export function renderRules(rules: Rule[]): string {
  if (rules.length === 0) return 'No alert rules. Create one with: flywheel alerts create --file rule.json';
  const rows = rules.map((r) => [
    r.state.toUpperCase() + (r.enabled ? '' : ' (disabled)'),
    r.name,
    r.severity,
    `${r.deployment ? `${r.deployment}:` : ''}${r.metric}${r.column ? `[${r.column}]` : ''}${r.variant ? `@${r.variant}` : ''} ${r.condition.op} ${r.condition.threshold}`,
    r.lastValue === null ? (r.lastOutcome ?? 'not evaluated') : `last ${r.lastValue} (${r.lastOutcome})`,
    iso(r.lastEvaluatedAt),
  ]);
  const head = ['STATE', 'NAME', 'SEVERITY', 'CONDITION', 'LAST', 'EVALUATED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function renderEvents(events: AlertEvent[], names: Map<string, string>): string {
  if (events.length === 0) return 'No alert events.';
  return events.map((e) => `${iso(e.ts)}  ${(names.get(e.ruleId) ?? e.ruleId).padEnd(20)}  ${e.type.padEnd(15)}  ${e.message}`).join('\n');
}

export function alertsCommand(program: Command): void {
  const alerts = program.command('alerts').description('Alert rules over monitoring metrics, their history and test notifications.');
  const url = ['--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)'] as const;

  alerts.command('list').description('Alert rules with their state (ok, firing, resolved).').option(...url).option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<{ rules: Rule[] }>('GET', '/api/v1/alerts');
      output(opts.json, r, () => renderRules(r.rules));
    });

  alerts.command('history').description('Alert events, newest first: fired, resolved, not_enough_data, notified, notify_failed, action, …')
    .argument('[rule]', 'only this rule (id or name)').option('--limit <n>', 'how many events (default 50)', '50').option(...url).option('--json', 'print JSON')
    .action(async (rule: string | undefined, opts: { url?: string; json?: boolean; limit: string }) => {
      const client = new ApiClient(opts.url);
      const r = await client.request<{ events: AlertEvent[] }>('GET', '/api/v1/alerts/history', { query: { rule, limit: opts.limit } });
      const names = new Map((await client.request<{ rules: Rule[] }>('GET', '/api/v1/alerts')).rules.map((x) => [x.id, x.name]));
      output(opts.json, r, () => renderEvents(r.events, names));
    });

  alerts.command('create').description('Create an alert rule from a JSON file (see ALERTS.md for the fields).')
    .requiredOption('--file <rule.json>', 'the rule').option(...url).option('--json', 'print JSON')
    .addHelpText('after', `
Example rule.json:
  {"name": "churn-age-drift", "deployment": "churn", "metric": "psi", "column": "age",
   "condition": {"op": ">", "threshold": 0.2}, "window": {"points": 3}, "aggregation": "mean",
   "minSampleSize": 500, "cooldownSeconds": 3600, "severity": "warning", "notify": ["ops"]}`)
    .action(async (opts: { file: string; url?: string; json?: boolean }) => {
      const body = readJsonFile(opts.file);
      const r = await new ApiClient(opts.url).request<Rule>('POST', '/api/v1/alerts', { json: body });
      output(opts.json, r, () => `Created alert rule ${r.name} (${r.id}).`);
    });

  alerts.command('test').description("Send a test notification to a rule's webhooks.").argument('<rule>', 'rule id or name').option(...url).option('--json', 'print JSON')
    .action(async (rule: string, opts: { url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<AlertEvent>('POST', `/api/v1/alerts/${encodeURIComponent(rule)}/test`);
      output(opts.json, r, () => `Queued a test notification (event ${r.id}); see: flywheel alerts history ${rule}`);
    });
}
