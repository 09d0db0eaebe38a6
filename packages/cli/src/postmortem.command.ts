import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { readJsonObject } from './json-file.js';
import { output } from './output.js';
import { table } from './table.js';

interface Postmortem {
  id: number;
  kind: string;
  title: string;
  status: string;
  team: string | null;
  occurredAt: number | null;
  sections: Record<string, string>;
  actionItems: { text: string; owner: string | null; done: boolean }[];
  links: Record<string, string[]>;
  createdBy: string;
  createdAt: number;
}

const day = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** A postmortem as text: what happened, what we learned, what we will do, and what it is about. */
export function renderPostmortem(p: Postmortem): string {
  const lines = [`#${p.id} ${p.kind === 'success' ? 'SUCCESS' : 'INCIDENT'}: ${p.title}  [${p.status}]`, `  team: ${p.team ?? '(none)'}  occurred: ${day(p.occurredAt) || '?'}  by ${p.createdBy}`];
  for (const [k, v] of Object.entries(p.links)) if (v.length) lines.push(`  ${k}: ${v.join(', ')}`);
  for (const [k, v] of Object.entries(p.sections)) lines.push('', `${k}:`, ...v.split('\n').map((l) => `  ${l}`));
  if (p.actionItems.length) lines.push('', 'action items:', ...p.actionItems.map((a) => `  [${a.done ? 'x' : ' '}] ${a.text}${a.owner ? ` (${a.owner})` : ''}`));
  return lines.join('\n');
}

/** `flywheel postmortem list|show|create|update`: learn from failures, celebrate successes. */
export function postmortemCommand(program: Command): void {
  const pm = program.command('postmortem').description('Postmortems of incidents (learn from failures) and successes (celebrate them), linked to projects, deployments, alerts and incidents.');
  const url = '--url <url>';
  const urlHelp = 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)';

  pm.command('list')
    .description('Newest first.')
    .option('--kind <kind>', 'incident or success')
    .option('--team <team>')
    .option('--project <name>', 'linked to this project')
    .option('--deployment <name>', 'linked to this deployment')
    .option('--alert <rule>', 'linked to this alert rule')
    .option('--incident <ref>', 'linked to this incident reference')
    .option('--json', 'print JSON')
    .option(url, urlHelp)
    .action(async (o: Record<string, string | undefined> & { json?: boolean }) => {
      const res = await new ApiClient(o.url).request<{ postmortems: Postmortem[] }>('GET', '/api/v1/postmortems', { query: { kind: o.kind, team: o.team, project: o.project, deployment: o.deployment, alert: o.alert, incident: o.incident } });
      output(o.json, res, () =>
        res.postmortems.length
          ? table(['ID', 'KIND', 'STATUS', 'OCCURRED', 'TEAM', 'TITLE'], res.postmortems.map((p) => [String(p.id), p.kind, p.status, day(p.occurredAt), p.team ?? '', p.title]))
          : 'No postmortems.',
      );
    });

  pm.command('show <id>')
    .option('--json', 'print JSON')
    .option(url, urlHelp)
    .action(async (id: string, o: { json?: boolean; url?: string }) => {
      const p = await new ApiClient(o.url).request<Postmortem>('GET', `/api/v1/postmortems/${encodeURIComponent(id)}`);
      output(o.json, p, () => renderPostmortem(p));
    });

  pm.command('create')
    .description('Write a postmortem from flags, or from a JSON file (--file) with every field.')
    .option('-f, --file <file>', 'JSON: {kind, title, team?, occurredAt?, summary?, impact?, timeline?, rootCause?, whatWentWell?, whatWentWrong?, lessons?, actionItems?, links?}')
    .option('--kind <kind>', 'incident or success')
    .option('--title <title>')
    .option('--team <team>', 'owner team')
    .option('--occurred <date>', 'when it happened (ISO date)')
    .option('--summary <text>')
    .option('--project <name>', 'link a project (repeatable, or comma-separated)', list)
    .option('--deployment <name>', 'link a deployment (repeatable)', list)
    .option('--alert <rule>', 'link an alert rule (repeatable)', list)
    .option('--incident <ref>', 'link an incident reference, e.g. a ticket id (repeatable)', list)
    .option('--json', 'print JSON')
    .option(url, urlHelp)
    .addHelpText('after', '\nExample:\n  $ flywheel postmortem create --kind incident --title "Scores drifted" --team growth --deployment churn-live --alert age-drift --incident INC-42')
    .action(async (o: { file?: string; kind?: string; title?: string; team?: string; occurred?: string; summary?: string; project?: string[]; deployment?: string[]; alert?: string[]; incident?: string[]; json?: boolean; url?: string }) => {
      const body: Record<string, unknown> = o.file ? readJsonObject(o.file) : {};
      for (const [k, v] of [['kind', o.kind], ['title', o.title], ['team', o.team], ['occurredAt', o.occurred], ['summary', o.summary]] as const) if (v !== undefined) body[k] = v;
      const links: Record<string, string[]> = { ...((body.links as Record<string, string[]> | undefined) ?? {}) };
      for (const [k, v] of [['projects', o.project], ['deployments', o.deployment], ['alerts', o.alert], ['incidents', o.incident]] as const) if (v?.length) links[k] = [...(links[k] ?? []), ...v];
      if (Object.keys(links).length) body.links = links;
      if (body.kind === undefined || body.title === undefined) throw new CliError('A postmortem needs --kind (incident or success) and --title (or a --file that has them).', EXIT.usage);
      const p = await new ApiClient(o.url).request<Postmortem>('POST', '/api/v1/postmortems', { json: body });
      output(o.json, p, () => `Created postmortem #${p.id} (${p.kind}, ${p.status}).`);
    });

  pm.command('update <id>')
    .description('Change fields from a JSON file: sections merge, links and actionItems are replaced.')
    .option('-f, --file <file>', 'JSON patch')
    .option('--status <status>', 'draft or published')
    .option('--json', 'print JSON')
    .option(url, urlHelp)
    .action(async (id: string, o: { file?: string; status?: string; json?: boolean; url?: string }) => {
      const body: Record<string, unknown> = o.file ? readJsonObject(o.file) : {};
      if (o.status !== undefined) body.status = o.status;
      if (!Object.keys(body).length) throw new CliError('Nothing to change: pass --file and/or --status.', EXIT.usage);
      const p = await new ApiClient(o.url).request<Postmortem>('PATCH', `/api/v1/postmortems/${encodeURIComponent(id)}`, { json: body });
      output(o.json, p, () => `Updated postmortem #${p.id} (${p.kind}, ${p.status}).`);
    });
}
