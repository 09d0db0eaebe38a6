import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';

interface Item { id: number; inferenceId: string; variant: string; predictionTs: number; priority: number; state: string; leaseUntil: number | null; inputs: unknown; outputs: unknown; label: unknown }

/**
 * A label as typed on the command line, read like a CSV actual: a number, true/false, a JSON
 * array, otherwise the text itself. `asString` keeps it text (a label "1" that is a class name).
 */
export function parseLabel(text: string, asString = false): unknown {
  if (asString) return text;
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CliError(`The label '${text}' starts with '[' but is not a JSON array; pass --string to send it as text.`, EXIT.usage);
    }
  }
  return text;
}

const brief = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

export function renderItems(items: Item[]): string {
  if (items.length === 0) return 'Nothing to review: the queue is empty (or every item is claimed).';
  return items.map((i) => [
    `item ${i.id}  inference ${i.inferenceId}  variant ${i.variant}  predicted ${new Date(i.predictionTs).toISOString()}  priority ${i.priority.toFixed(4)}`,
    `  outputs: ${brief(i.outputs)}`,
    `  inputs:  ${brief(i.inputs)}`,
    `  reserved until ${i.leaseUntil === null ? '-' : new Date(i.leaseUntil).toISOString()}; label it: flywheel labeling label ${i.id} <label>`,
  ].join('\n')).join('\n\n');
}

export function labelingCommand(program: Command): void {
  const labeling = program.command('labeling').description('Review sampled predictions: claim items, label them (a label becomes an actual) or skip them.');
  const url = ['--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)'] as const;
  const reviewer = ['--reviewer <name>', 'who reviews (default: your user name)'] as const;
  const me = () => userInfo().username;

  labeling.command('next').description('Claim the next items to review (least confident first, per the policy).').argument('<deployment>')
    .option('--count <n>', 'how many (default 1)', '1').option(...reviewer).option(...url).option('--json', 'print JSON')
    .action(async (deployment: string, opts: { count: string; reviewer?: string; url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<{ items: Item[] }>('GET', `/api/v1/labeling/${encodeURIComponent(deployment)}/next`, { query: { count: opts.count, reviewer: opts.reviewer ?? me() } });
      output(opts.json, r, () => renderItems(r.items));
    });

  labeling.command('label').description('Label an item; the label becomes the actual of its inference id.').argument('<item>', 'item id').argument('<label>', 'a number, true/false, a JSON array, or text')
    .option('--string', 'send the label as text even if it looks like a number').option(...reviewer).option(...url).option('--json', 'print JSON')
    .action(async (item: string, label: string, opts: { string?: boolean; reviewer?: string; url?: string; json?: boolean }) => {
      if (!/^\d+$/.test(item)) throw new CliError(`<item> must be an item id (a number); got '${item}'`, EXIT.usage);
      const r = await new ApiClient(opts.url).request<Item>('POST', `/api/v1/labeling/items/${item}/label`, { json: { label: parseLabel(label, opts.string), reviewer: opts.reviewer ?? me() } });
      output(opts.json, r, () => `Labeled item ${r.id} (inference ${r.inferenceId}) as ${JSON.stringify(r.label)}.`);
    });

  labeling.command('skip').description('Skip an item (it leaves the queue without an actual).').argument('<item>', 'item id').option('--reason <text>').option(...reviewer).option(...url).option('--json', 'print JSON')
    .action(async (item: string, opts: { reason?: string; reviewer?: string; url?: string; json?: boolean }) => {
      if (!/^\d+$/.test(item)) throw new CliError(`<item> must be an item id (a number); got '${item}'`, EXIT.usage);
      const r = await new ApiClient(opts.url).request<Item>('POST', `/api/v1/labeling/items/${item}/skip`, { json: { reviewer: opts.reviewer ?? me(), ...(opts.reason ? { reason: opts.reason } : {}) } });
      output(opts.json, r, () => `Skipped item ${r.id}.`);
    });

  labeling.command('stats').description('Queue counts: pending, claimed, labeled, skipped, per variant and reviewer.').argument('<deployment>').option(...url).option('--json', 'print JSON')
    .action(async (deployment: string, opts: { url?: string; json?: boolean }) => {
      const r = await new ApiClient(opts.url).request<{ pending: number; claimed: number; labeled: number; skipped: number; variants: { variant: string; pending: number; claimed: number; labeled: number; skipped: number }[] }>('GET', `/api/v1/labeling/${encodeURIComponent(deployment)}/stats`);
      output(opts.json, r, () => [`${deployment}: ${r.pending} pending, ${r.claimed} claimed, ${r.labeled} labeled, ${r.skipped} skipped`, ...r.variants.map((v) => `  ${v.variant}: ${v.pending} pending, ${v.claimed} claimed, ${v.labeled} labeled, ${v.skipped} skipped`)].join('\n'));
    });
}
