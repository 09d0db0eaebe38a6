import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { table } from './table.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A report as blocks, rendered to the terminal, Markdown or HTML from the same content. */
type Block = { h: 1 | 2 | 3; text: string } | { p: string } | { list: string[] } | { table: { headers: string[]; rows: string[][] } };

const day = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 10) : '');
const mark = (met: boolean | null) => (met === null ? '?' : met ? '✓' : '✗');

/** The blocks of a model's scorecard. */
export function scorecardBlocks(card: Json, history: Json[] = []): Block[] {
  const blocks: Block[] = [
    { h: 1, text: `ML Test Score — ${card.model}${card.version ? ` v${card.version}` : ''}: ${card.final}` },
    { p: `${card.band.range}: ${card.band.meaning}` },
    {
      p: `Owner team: ${card.ownerTeam ?? '(none)'} · projects: ${card.projects.join(', ') || '(none)'} · deployments: ${card.deployments.join(', ') || '(none)'} · assessed ${day(card.assessedAt)} · full points only for automated evidence within ${card.recencyWindowDays} days`,
    },
    { table: { headers: ['SECTION', 'SCORE'], rows: card.sections.map((s: Json) => [s.name, `${s.score} / ${s.max}`]) } },
  ];
  if (history.length > 1) blocks.push({ p: `Trend (oldest → newest): ${history.slice().reverse().map((h: Json) => `${h.score} (${day(h.at)})`).join(' → ')}` });
  if (card.loneSuperhero.flagged) blocks.push({ p: `⚠ Lone superhero: ${card.loneSuperhero.why}` });
  for (const s of card.sections) {
    blocks.push({ h: 2, text: `${s.name}: ${s.score} / ${s.max}` });
    blocks.push({
      table: {
        headers: ['TEST', 'SCORE', 'HOW', 'WHY', 'EVIDENCE', 'TO RAISE IT'],
        rows: s.tests.map((t: Json) => [`${t.id} ${t.name}`, String(t.score), t.basis, t.why, t.evidence.map((e: Json) => `${e.ref}${e.at ? ` (${day(e.at)})` : ''}`).join('; '), t.raise ?? '']),
      },
    });
  }
  return blocks;
}

/** The blocks of a project's scorecard. */
export function projectBlocks(p: Json, history: Json[] = []): Block[] {
  const blocks: Block[] = [
    { h: 1, text: `Project ${p.project} [${p.stage}]: ML Test Score ${p.final}` },
    { p: `${p.band.range}: ${p.band.meaning} (the weakest of its models; owner team ${p.ownerTeam ?? '(none)'})` },
    { table: { headers: ['MODEL', 'FINAL', 'DATA', 'MODEL DEV', 'INFRA', 'MONITORING', 'LONE SUPERHERO'], rows: p.models.map((m: Json) => [`${m.model}${m.version ? ` v${m.version}` : ''}`, `${m.final} ${m.band}`, String(m.sections.data), String(m.sections.model), String(m.sections.infrastructure), String(m.sections.monitoring), m.loneSuperhero ?? '']) } },
  ];
  if (p.missingModels.length) blocks.push({ p: `Linked but not registered: ${p.missingModels.join(', ')}` });
  if (p.skills) blocks.push({ p: `Team ${p.skills.team}: ${p.skills.members} members; missing roles: ${p.skills.missing.join(', ') || 'none'}` });
  if (history.length > 1) blocks.push({ p: `Trend (oldest → newest): ${history.slice().reverse().map((h: Json) => `${h.score} (${day(h.at)})`).join(' → ')}` });
  return blocks;
}

/** The blocks of an organization's (or a team's) maturity report. */
export function orgBlocks(r: Json, history: Json[] = []): Block[] {
  const who = r.scope === 'team' ? `team ${r.subject}` : 'the organization';
  const levels = (title: string, l: Json): Block[] => [
    { h: 2, text: `${title}: ${l.name}` },
    { table: { headers: ['LEVEL', 'MET', 'CRITERION', 'FIGURE'], rows: l.levels.flatMap((x: Json) => x.criteria.map((c: Json) => [x.name, mark(c.met), c.label, c.figure])) } },
  ];
  const blocks: Block[] = [
    { h: 1, text: `Maturity of ${who}: ${r.maturity.level}` },
    { p: `Assessed ${day(r.assessedAt)}. Google MLOps ${r.google.name}; Microsoft MLOps ${r.microsoft.name}.` },
  ];
  if (history.length > 1) blocks.push({ p: `Trend (oldest → newest): ${history.slice().reverse().map((h: Json) => `${h.level ?? h.score} (${day(h.at)})`).join(' → ')}` });
  blocks.push(...levels('Maturity level (Initial → Spreading → Widespread → Mature)', r.maturity), ...levels('Google MLOps level', r.google), ...levels('Microsoft MLOps maturity', r.microsoft));
  const a = r.archetype;
  blocks.push(
    { h: 2, text: `Archetype: ${a.name}` },
    { p: `Evidence suggests ${a.inferred}${a.declared ? `; the questionnaire says ${a.declared} (${a.confirmed ? 'confirmed' : 'overridden'})` : ''}. ${a.reasons.join('; ')}` },
    { table: { headers: ['AXIS', 'EVIDENCE', 'DECLARED', 'FIGURE'], rows: a.axes.map((x: Json) => [x.label, x.inferred, x.declared ?? '', x.figure]) } },
    { h: 3, text: 'Strengths' },
    { list: a.strengths },
    { h: 3, text: 'Failure modes to watch' },
    { list: a.failureModes },
    { h: 2, text: 'Star Model review' },
    { table: { headers: ['POINT', 'ALIGNED', 'DECLARED', 'EVIDENCE', 'MISALIGNMENT', 'SUGGESTION'], rows: r.starModel.map((s: Json) => [s.point, mark(s.aligned), s.declared ?? '', s.evidence, s.misalignment ?? '', s.suggestion ?? '']) } },
    { h: 2, text: 'Skills coverage of project teams' },
    { table: { headers: ['TEAM', 'PROJECTS', 'MEMBERS', 'MISSING ROLES'], rows: r.skills.map((s: Json) => [s.team, s.projects.join(', '), `${s.members}${s.twoPizza ? '' : ' (not two-pizza)'}`, s.missing.join(', ') || 'none']) } },
    { h: 2, text: 'Lone superheroes (bus factor 1)' },
    r.loneSuperheroes.length ? { list: r.loneSuperheroes.map((h: Json) => `${h.model}: ${h.person}${h.projects.length ? ` (projects ${h.projects.join(', ')})` : ''}`) } : { p: 'None.' },
    { h: 2, text: 'Models' },
    { table: { headers: ['MODEL', 'OWNER', 'IN PRODUCTION', 'ML TEST SCORE'], rows: r.models.map((m: Json) => [m.name, m.ownerTeam ?? '', m.deployed ? 'yes' : 'no', `${m.final} ${m.band}`]) } },
  );
  return blocks;
}

export function renderText(blocks: Block[]): string {
  return blocks
    .map((b) => {
      if ('h' in b) return b.h === 1 ? b.text : `\n${b.h === 2 ? b.text.toUpperCase() : b.text}`;
      if ('p' in b) return b.p;
      if ('list' in b) return b.list.map((x) => `  • ${x}`).join('\n');
      return table(b.table.headers, b.table.rows);
    })
    .join('\n');
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
export function renderMarkdown(blocks: Block[]): string {
  return `${blocks
    .map((b) => {
      if ('h' in b) return `${'#'.repeat(b.h)} ${b.text}`;
      if ('p' in b) return b.p;
      if ('list' in b) return b.list.map((x) => `- ${x}`).join('\n');
      const { headers, rows } = b.table;
      return [`| ${headers.map(mdCell).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
    })
    .join('\n\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export function renderHtml(blocks: Block[]): string {
  const title = blocks.find((b): b is Extract<Block, { h: 1 | 2 | 3 }> => 'h' in b)?.text ?? 'Flywheel assessment';
  const body = blocks
    .map((b) => {
      if ('h' in b) return `<h${b.h}>${esc(b.text)}</h${b.h}>`;
      if ('p' in b) return `<p>${esc(b.p)}</p>`;
      if ('list' in b) return `<ul>${b.list.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`;
      return `<table><thead><tr>${b.table.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.table.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    })
    .join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}th{background:#f3f3f3}</style>
</head><body>
${body}
</body></html>\n`;
}

type Format = 'text' | 'markdown' | 'html';
interface Opts {
  url?: string;
  json?: boolean;
  format?: string;
  output?: string;
  store?: boolean;
  windowDays?: string;
}

function formatOf(opts: Opts): Format {
  const f = opts.format ?? (opts.output ? (/\.html?$/i.test(opts.output) ? 'html' : 'markdown') : 'text');
  if (f === 'md') return 'markdown';
  if (f !== 'text' && f !== 'markdown' && f !== 'html') throw new CliError(`--format must be markdown or html, got '${f}'`, EXIT.usage);
  return f;
}

async function emit(opts: Opts, data: unknown, blocks: () => Block[]): Promise<void> {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const format = formatOf(opts);
  const text = format === 'html' ? renderHtml(blocks()) : format === 'markdown' ? renderMarkdown(blocks()) : `${renderText(blocks())}\n`;
  if (opts.output) {
    await writeFile(opts.output, text);
    process.stdout.write(`Wrote ${format} report to ${opts.output}\n`);
  } else process.stdout.write(text);
}

/** `flywheel assess model|project|team|org|attest|questionnaire`: evidence-based scorecards. */
export function assessCommand(program: Command): void {
  const assess = program.command('assess').description('Evidence-based scorecards: the ML Test Score of a model, the maturity of a team or the organization.');
  const common = (c: Command) =>
    c
      .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
      .option('--json', 'print the report as JSON')
      .option('--format <format>', 'markdown or html (for leadership); default a readable report')
      .option('--output <file>', 'write the report to a file (format from --format or the extension)')
      .option('--window-days <days>', 'recency window: automated evidence older than this earns 0.5 (default 30)')
      .option('--no-store', 'do not keep this assessment as a snapshot');
  const path = (kind: string, name?: string) => `/api/v1/assessment/${kind}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  const query = (opts: Opts) => ({ store: opts.store === false ? 'false' : undefined, windowDays: opts.windowDays });

  common(assess.command('model <name>').description("Score a model now (ML Test Score, Breck et al. 2017): 28 tests, each with its evidence and what would raise it")).action(async (name: string, opts: Opts) => {
    const client = new ApiClient(opts.url);
    const card = await client.request<Json>('POST', path('models', name), { query: query(opts) });
    const { history } = await client.request<{ history: Json[] }>('GET', path('models', name));
    await emit(opts, card, () => scorecardBlocks(card, history));
  });

  common(assess.command('project <name>').description("Score a project: its models' ML Test Scores (the weakest is its final) and its team's skills")).action(async (name: string, opts: Opts) => {
    const client = new ApiClient(opts.url);
    const report = await client.request<Json>('POST', path('projects', name), { query: query(opts) });
    const { history } = await client.request<{ history: Json[] }>('GET', path('projects', name));
    await emit(opts, report, () => projectBlocks(report, history));
  });

  common(assess.command('team <name>').description("Assess a team: its models' scores, skills coverage, maturity criteria, Star Model review")).action(async (name: string, opts: Opts) => {
    const client = new ApiClient(opts.url);
    const report = await client.request<Json>('POST', path('teams', name), { query: query(opts) });
    const { history } = await client.request<{ history: Json[] }>('GET', path('teams', name));
    await emit(opts, report, () => orgBlocks(report, history));
  });

  common(assess.command('org').description("Assess the organization's maturity (admins): levels, MLOps levels, archetype, Star Model, skills, lone superheroes")).action(async (opts: Opts) => {
    const client = new ApiClient(opts.url);
    const report = await client.request<Json>('POST', path('organization'), { query: query(opts) });
    const { history } = await client.request<{ history: Json[] }>('GET', path('organization'));
    await emit(opts, report, () => orgBlocks(report, history));
  });

  assess
    .command('attest <model> <testId>')
    .description('Attest that a test was done by hand (earns at most 0.5), with the artifact that shows it')
    .requiredOption('--statement <text>', 'what was done')
    .option('--artifact <uri>', 'where the evidence is (a document, notebook, ticket)')
    .option('--url <url>', 'Flywheel server URL')
    .option('--json', 'print JSON')
    .action(async (model: string, testId: string, opts: { statement: string; artifact?: string; url?: string; json?: boolean }) => {
      const a = await new ApiClient(opts.url).request<Json>('POST', `${path('models', model)}/attestations`, { json: { testId, statement: opts.statement, ...(opts.artifact ? { artifactUri: opts.artifact } : {}) } });
      process.stdout.write(opts.json ? `${JSON.stringify(a, null, 2)}\n` : `Attested ${a.testId} of ${a.model} as ${a.attestedBy} (${day(a.attestedAt)}); it counts 0.5 at most.\n`);
    });

  assess
    .command('questionnaire [team]')
    .description("Show or answer the questionnaire (the organization's, or a team's): --set key=value …")
    .option('--set <answer...>', 'e.g. archetype=embedded strategy=ml_core people=some_gaps')
    .option('--url <url>', 'Flywheel server URL')
    .option('--json', 'print JSON')
    .action(async (team: string | undefined, opts: { set?: string[]; url?: string; json?: boolean }) => {
      const client = new ApiClient(opts.url);
      const url = team === undefined ? '/api/v1/assessment/questionnaires/organization' : `/api/v1/assessment/questionnaires/teams/${encodeURIComponent(team)}`;
      let q: Json;
      if (opts.set?.length) {
        const current = (await client.request<Json>('GET', url)).answers;
        for (const kv of opts.set) {
          const i = kv.indexOf('=');
          if (i <= 0) throw new CliError(`--set takes key=value, got '${kv}'`, EXIT.usage);
          current[kv.slice(0, i)] = kv.slice(i + 1);
        }
        q = await client.request<Json>('PUT', url, { json: current });
      } else q = await client.request<Json>('GET', url);
      process.stdout.write(opts.json ? `${JSON.stringify(q, null, 2)}\n` : `${Object.entries(q.answers).map(([k, v]) => `${k}: ${String(v)}`).join('\n') || '(no answers yet)'}\n`);
    });
}
