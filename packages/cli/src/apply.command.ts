import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';

interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}
interface Plan {
  changes: { op: 'create' | 'update' | 'delete'; kind: string; name: string; changes: FieldChange[] }[];
  unchanged: number;
  summary: { create: number; update: number; delete: number };
}

const SIGN = { create: '+', update: '~', delete: '-' } as const;
const show = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

/** One line per change: `+` created, `~` changed (each field from → to), `-` removed. */
export function renderPlan(p: Plan): string {
  const lines = p.changes.map((c) => {
    const fields = c.op === 'update' ? c.changes.map((f) => `${f.field}: ${show(f.from)} → ${show(f.to)}`) : c.changes.filter((f) => f.to !== null || c.op === 'delete').map((f) => `${f.field}: ${show(c.op === 'delete' ? f.from : f.to)}`);
    return `${SIGN[c.op]} ${c.kind} ${c.name}${fields.length ? `  ${fields.join(', ')}` : ''}`;
  });
  return lines.join('\n');
}

const totals = (p: Plan, verbs: [string, string, string]) => `${p.summary.create} ${verbs[0]}, ${p.summary.update} ${verbs[1]}, ${p.summary.delete} ${verbs[2]}; ${p.unchanged} unchanged`;

/** The file as the request body: JSON files as {document}, anything else as YAML text the server parses. */
function documentBody(file: string): { json: unknown } | { body: string; contentType: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`, EXIT.usage);
  }
  if (extname(file).toLowerCase() !== '.json') return { body: text, contentType: 'application/yaml' };
  try {
    return { json: { document: JSON.parse(text) as unknown } };
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`, EXIT.usage);
  }
}

/** `flywheel apply -f org.yaml`, `flywheel diff -f org.yaml`, `flywheel export`: the organization as code. */
export function applyCommand(program: Command): void {
  const url = '--url <url>';
  const urlHelp = 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)';
  const plan = (client: ApiClient, file: string, path: string) => client.request<Plan>('POST', path, documentBody(file));

  program
    .command('apply')
    .description('Make the organization match a file: teams (with parent), members and roles, projects, policies, budgets, cost rates. One transaction; applying again changes nothing.')
    .requiredOption('-f, --file <file>', 'the document (.yaml/.yml, or .json)')
    .option('--dry-run', 'show what would change without changing it (same as flywheel diff)')
    .option('--json', 'print the plan as JSON')
    .option(url, urlHelp)
    .addHelpText('after', '\nNeeds a platform admin (flywheel login). Teams that list members get exactly those members; everything else the file leaves out is left alone.\nExample:\n  $ flywheel export > org.yaml && $EDITOR org.yaml && flywheel diff -f org.yaml && flywheel apply -f org.yaml')
    .action(async (o: { file: string; dryRun?: boolean; json?: boolean; url?: string }) => {
      const client = new ApiClient(o.url);
      const p = await plan(client, o.file, o.dryRun ? '/api/v1/config/plan' : '/api/v1/config/apply');
      output(o.json, p, () => {
        if (!p.changes.length) return `No changes: the organization already matches ${o.file} (${p.unchanged} unchanged).`;
        return `${renderPlan(p)}\n${o.dryRun ? `Plan: ${totals(p, ['to create', 'to change', 'to remove'])}.` : `Applied: ${totals(p, ['created', 'changed', 'removed'])}.`}`;
      });
    });

  program
    .command('diff')
    .description('Show what flywheel apply -f <file> would change, field by field; nothing is written.')
    .requiredOption('-f, --file <file>', 'the document (.yaml/.yml, or .json)')
    .option('--exit-code', 'exit 1 when there are changes (like git diff --exit-code)')
    .option('--json', 'print the plan as JSON')
    .option(url, urlHelp)
    .action(async (o: { file: string; exitCode?: boolean; json?: boolean; url?: string }) => {
      const p = await plan(new ApiClient(o.url), o.file, '/api/v1/config/plan');
      output(o.json, p, () => (p.changes.length ? `${renderPlan(p)}\nPlan: ${totals(p, ['to create', 'to change', 'to remove'])}.` : `No changes (${p.unchanged} unchanged).`));
      if (o.exitCode && p.changes.length) process.exitCode = EXIT.failed;
    });

  program
    .command('export')
    .description('Print the organization as a document that flywheel apply takes back without changes.')
    .option('--format <format>', 'yaml (default) or json', 'yaml')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option(url, urlHelp)
    .action(async (o: { format: string; output?: string; url?: string }) => {
      if (o.format !== 'yaml' && o.format !== 'json') throw new CliError(`--format must be yaml or json, got '${o.format}'.`, EXIT.usage);
      const client = new ApiClient(o.url);
      const text =
        o.format === 'json'
          ? `${JSON.stringify((await client.request<{ document: unknown }>('GET', '/api/v1/config/export')).document, null, 2)}\n`
          : await client.request<string>('GET', '/api/v1/config/export', { query: { format: 'yaml' } });
      if (o.output) {
        writeFileSync(o.output, text);
        process.stdout.write(`Wrote ${o.output}\n`);
      } else process.stdout.write(text);
    });
}
