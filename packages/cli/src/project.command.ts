import type { Command } from 'commander';
import { ApiClient, EXIT } from './client.js';
import { output } from './output.js';
import { table } from './table.js';
import { readJsonFile } from './json-file.js';

interface Project {
  name: string;
  description: string;
  ownerTeam: string | null;
  stage: string;
  businessCase: Record<string, unknown>;
  pocEndDate: number | null;
  overdue: boolean;
  models: { name: string; version: string | null }[];
  deployments: string[];
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}
interface Checklist {
  project: string;
  from: string;
  to: string;
  passed: boolean;
  conditions: { key: string; label: string; passed: boolean; why: string }[];
}

const day = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));
const path = (name: string, rest = '') => `/api/v1/projects/${encodeURIComponent(name)}${rest}`;

export function renderChecklist(c: Checklist): string {
  const lines = [`${c.project}: ${c.from} → ${c.to}  ${c.passed ? 'PASSES' : 'BLOCKED'}`];
  for (const x of c.conditions) lines.push(`  ${x.passed ? '✓' : '✗'} ${x.label}: ${x.why}`);
  return lines.join('\n');
}

export function renderProject(p: Project): string {
  const bc = p.businessCase;
  const lines = [
    `${p.name}  [${p.stage}]${p.overdue ? '  OVERDUE POC' : ''}`,
    ...(p.description ? [`  ${p.description}`] : []),
    `  owner team:   ${p.ownerTeam ?? '(none)'}`,
    ...(p.pocEndDate !== null ? [`  POC ends:     ${day(p.pocEndDate)}`] : []),
    `  models:       ${p.models.map((m) => (m.version ? `${m.name}/${m.version}` : m.name)).join(', ') || '(none)'}`,
    `  deployments:  ${p.deployments.join(', ') || '(none)'}`,
    '  business case:',
  ];
  for (const [k, v] of Object.entries(bc)) if (v !== null && v !== '') lines.push(`    ${k}: ${String(v)}`);
  return lines.join('\n');
}

/** `flywheel project list|show|create|update|gate|stage`. */
export function projectCommand(program: Command): void {
  const project = program.command('project').description('Projects: business case, stage gates (idea → poc → pilot → production → retired), time-boxed POCs.');
  const url = '--url <url>';
  const urlHelp = 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)';

  project
    .command('list')
    .description('List projects; --overdue lists POCs past their end date')
    .option('--stage <stage>', 'idea, poc, pilot, production or retired')
    .option('--team <team>', 'owner team')
    .option('--overdue', 'only POCs past their end date')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (opts: { stage?: string; team?: string; overdue?: boolean; url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ projects: Project[] }>('GET', '/api/v1/projects', {
        query: { stage: opts.stage, team: opts.team, overdue: opts.overdue ? 'true' : undefined, maxResults: '1000' },
      });
      output(opts.json, res, () =>
        res.projects.length === 0
          ? 'No projects.'
          : table(['NAME', 'STAGE', 'OWNER', 'POC ENDS', 'RISK'], res.projects.map((p) => [p.name, p.overdue ? `${p.stage} (OVERDUE)` : p.stage, p.ownerTeam ?? '', day(p.pocEndDate), String(p.businessCase.riskRating ?? '')])),
      );
    });

  project
    .command('show')
    .description('Show a project with its business case')
    .argument('<name>')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { url?: string; json?: boolean }) => {
      const p = await new ApiClient(opts.url).request<Project>('GET', path(name));
      output(opts.json, p, () => renderProject(p));
    });

  project
    .command('create')
    .description('Create a project from a JSON file {name, description?, ownerTeam?, businessCase?, pocEndDate?, models?, deployments?}')
    .requiredOption('-f, --file <file>', 'the project as JSON')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Example file:
  {"name": "churn", "ownerTeam": "retention", "pocEndDate": "2026-03-31",
   "businessCase": {"businessChallenge": "…", "businessValue": "…", "successMetric": "recall_at_10",
                    "successTarget": 0.6, "dataExists": true, "riskRating": "medium"}}`)
    .action(async (opts: { file: string; url?: string; json?: boolean }) => {
      const p = await new ApiClient(opts.url).request<Project>('POST', '/api/v1/projects', { json: readJsonFile(opts.file) });
      output(opts.json, p, () => `Created project ${p.name} (stage ${p.stage}).`);
    });

  project
    .command('update')
    .description('Change a project from a JSON file of the fields to change (businessCase is merged field by field)')
    .argument('<name>')
    .requiredOption('-f, --file <file>', 'the changes as JSON')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { file: string; url?: string; json?: boolean }) => {
      const p = await new ApiClient(opts.url).request<Project>('PATCH', path(name), { json: readJsonFile(opts.file) });
      output(opts.json, p, () => renderProject(p));
    });

  project
    .command('gate')
    .description('The checklist of moving a project to a stage, without moving it (exit 1 when it is blocked)')
    .argument('<name>')
    .requiredOption('--to <stage>', 'poc, pilot, production or retired')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { to: string; url?: string; json?: boolean }) => {
      const c = await new ApiClient(opts.url).request<Checklist>('GET', path(name, '/gate'), { query: { to: opts.to } });
      output(opts.json, c, () => renderChecklist(c));
      if (!c.passed) process.exitCode = EXIT.failed;
    });

  project
    .command('stage')
    .description('Move a project to a stage; refused with every unmet condition when its gate is blocked')
    .argument('<name>')
    .argument('<stage>', 'poc, pilot, production or retired')
    .option('--reason <text>', 'why (kept in the stage history and the audit log)')
    .option(url, urlHelp)
    .option('--json', 'print JSON')
    .action(async (name: string, stage: string, opts: { reason?: string; url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ project: Project; checklist: Checklist }>('POST', path(name, '/stage'), {
        json: { to: stage, ...(opts.reason ? { reason: opts.reason } : {}) },
      });
      output(opts.json, res, () => `${renderChecklist(res.checklist)}\nProject ${name} is now in ${res.project.stage}.`);
    });
}
