import { Argument, InvalidArgumentError, type Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { URL_OPTION, when } from './experiments.command.js';
import { readJsonObject } from './json-file.js';
import { mlflowRequest } from './mlflow-api.js';
import { output } from './output.js';
import { table } from './table.js';

interface Tag {
  key: string;
  value: string;
}
interface Version {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  currentStage: string;
  description?: string;
  source?: string;
  runId?: string;
  status: string;
  tags: Tag[];
  aliases: string[];
}
interface TensorSpec {
  name: string;
  elemType: string;
  shape: (number | string | null)[] | null;
}
interface Decision {
  status: string;
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
}
interface VersionDetail extends Version {
  signature: { inputs: TensorSpec[]; outputs: TensorSpec[]; source: string } | null;
  card: { status: string; riskRating: string | null } | null;
  approval: Decision;
}
interface Model {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  latestVersions: Version[];
  tags: Tag[];
  aliases: { alias: string; version: string }[];
}
interface CardRecord {
  name: string;
  version: string;
  card: Record<string, unknown>;
  status: string;
  updatedAt: number;
  updatedBy: string | null;
}

type Common = { url?: string; json?: boolean };
const CARD_STATUSES = ['Draft', 'PendingReview', 'Approved', 'Archived'];
/** Prose sections of a model card, in the paper's order. */
const CARD_SECTIONS = ['modelDetails', 'intendedUse', 'outOfScopeUses', 'factors', 'metrics', 'evaluationData', 'trainingData', 'ethicalConsiderations', 'caveats'];

const modelPath = (name: string, rest = '') => `/api/v1/models/${encodeURIComponent(name)}${rest}`;
const versionPath = (name: string, v: string, rest = '') => modelPath(name, `/versions/${v}${rest}`);

/** A version number as the registry writes it; anything else is a usage error. */
const versionArg = () =>
  new Argument('<version>', 'version number').argParser((v: string) => {
    if (!/^[1-9]\d{0,8}$/.test(v)) throw new InvalidArgumentError('expected a version number (1, 2, …).');
    return v;
  });

/** A registry filter string literal (the grammar escapes with backslashes). */
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const shape = (t: TensorSpec) => (t.shape === null ? '?' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`);
const decision = (d: Decision) => (d.status === 'pending' ? 'pending' : `${d.status} by ${d.decidedBy ?? '?'} ${when(d.decidedAt)}${d.reason ? ` — ${d.reason}` : ''}`);

function renderModel(m: Model): string {
  const tags = m.tags.filter((t) => !t.key.startsWith('mlflow.'));
  const lines = [
    m.name,
    ...(m.description ? [`  ${m.description}`] : []),
    `  aliases:  ${m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ') || '(none)'}`,
    `  created:  ${when(m.creationTimestamp)}`,
    `  updated:  ${when(m.lastUpdatedTimestamp)}`,
  ];
  if (tags.length) lines.push('  tags:', ...tags.map((t) => `    ${t.key}: ${t.value}`));
  lines.push(
    '',
    m.latestVersions.length
      ? `Latest version per stage:\n${table(['VERSION', 'STAGE', 'STATUS', 'CREATED'], m.latestVersions.map((v) => [v.version, v.currentStage, v.status, when(v.creationTimestamp)]))}`
      : 'No versions yet.',
  );
  return lines.join('\n');
}

function renderVersion(v: VersionDetail): string {
  const lines = [
    `${v.name} version ${v.version}  [${v.currentStage}]  ${v.status}`,
    ...(v.description ? [`  ${v.description}`] : []),
    `  aliases:   ${v.aliases.join(', ') || '(none)'}`,
    `  card:      ${v.card ? `${v.card.status}${v.card.riskRating ? ` (risk ${v.card.riskRating})` : ''}` : '(none)'}`,
    `  approval:  ${decision(v.approval)}`,
    `  source:    ${v.source ?? ''}`,
    `  run:       ${v.runId ?? '(none)'}`,
    `  author:    ${v.userId ?? '(unknown)'}`,
    `  created:   ${when(v.creationTimestamp)}`,
  ];
  if (v.signature) {
    lines.push('', `Signature (${v.signature.source}):`);
    const rows = [...v.signature.inputs.map((t) => ['input', t.name, t.elemType, shape(t)]), ...v.signature.outputs.map((t) => ['output', t.name, t.elemType, shape(t)])];
    lines.push(table(['IO', 'NAME', 'TYPE', 'SHAPE'], rows));
  } else lines.push('', 'No signature.');
  return lines.join('\n');
}

function renderCard(c: CardRecord): string {
  const lines = [`Model card of ${c.name} version ${c.version}  [${c.status}]${c.card.riskRating ? `  risk ${String(c.card.riskRating)}` : ''}`, `  updated ${when(c.updatedAt)}${c.updatedBy ? ` by ${c.updatedBy}` : ''}`];
  for (const s of CARD_SECTIONS) if (typeof c.card[s] === 'string' && c.card[s]) lines.push('', `${s}:`, `  ${String(c.card[s]).replace(/\n/g, '\n  ')}`);
  const qa = c.card.quantitativeAnalyses as { group: string; metric: string; value: number }[] | undefined;
  if (qa?.length) lines.push('', 'quantitativeAnalyses:', table(['GROUP', 'METRIC', 'VALUE'], qa.map((q) => [q.group, q.metric, String(q.value)])));
  return lines.join('\n');
}

/** Every version of a model, newest first, with what governance needs (card, approval, aliases). */
async function versionsOf(client: ApiClient, name: string): Promise<VersionDetail[]> {
  // The native API has no list of a model's versions; MLflow's search has, and the native detail
  // of each adds the card and approval. Reading the model first turns an unknown name into a 404.
  await client.request<Model>('GET', modelPath(name));
  const numbers: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await mlflowRequest<{ model_versions?: { version: string }[]; next_page_token?: string }>(client, 'GET', 'model-versions/search', {
      query: { filter: `name = ${quote(name)}`, max_results: '1000', page_token: pageToken },
    });
    numbers.push(...(page.model_versions ?? []).map((v) => v.version));
    pageToken = page.next_page_token;
  } while (pageToken);
  numbers.sort((a, b) => Number(b) - Number(a));
  const details: VersionDetail[] = [];
  // A few at a time: a model with hundreds of versions must not open hundreds of connections.
  for (let i = 0; i < numbers.length; i += 8) details.push(...(await Promise.all(numbers.slice(i, i + 8).map((v) => client.request<VersionDetail>('GET', versionPath(name, v))))));
  return details;
}

/** `flywheel models list|show|versions|version|card|card-status|approve|alias`. */
export function modelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('The model registry: models, versions, model cards, approvals and aliases.')
    .addHelpText('after', `
Examples:
  $ flywheel models list
  $ flywheel models versions churn
  $ flywheel models card churn 3 --file card.json
  $ flywheel models card-status churn 3 PendingReview
  $ flywheel models approve churn 3
  $ flywheel models alias churn champion 3      # refused with every unmet condition when a policy blocks it`);

  models
    .command('list')
    .description('List registered models')
    .option('--search <text>', 'only models whose name contains this (case-insensitive)')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models list
  $ flywheel models list --search churn --json`)
    .action(async (opts: Common & { search?: string }) => {
      const client = new ApiClient(opts.url);
      const all: Model[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.request<{ models: Model[]; nextPageToken?: string }>('GET', '/api/v1/models', { query: { search: opts.search, maxResults: '1000', pageToken } });
        all.push(...page.models);
        pageToken = page.nextPageToken;
      } while (pageToken);
      output(opts.json, { models: all }, () => {
        if (all.length === 0) return opts.search ? `No models match '${opts.search}'.` : 'No models.';
        const latest = (m: Model) => String(Math.max(0, ...m.latestVersions.map((v) => Number(v.version))) || '');
        return table(['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'], all.map((m) => [m.name, latest(m), m.aliases.map((a) => `${a.alias}→v${a.version}`).join(' '), when(m.lastUpdatedTimestamp), (m.description ?? '').split('\n')[0]!.slice(0, 60)]));
      });
    });

  models
    .command('show')
    .description('Show a model: aliases, tags, the latest version per stage')
    .argument('<name>')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models show churn
  $ flywheel models show churn --json | jq '.aliases'`)
    .action(async (name: string, opts: Common) => {
      const m = await new ApiClient(opts.url).request<Model>('GET', modelPath(name));
      output(opts.json, m, () => renderModel(m));
    });

  models
    .command('versions')
    .description("List a model's versions, newest first, with card, approval and aliases")
    .argument('<name>')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models versions churn
  $ flywheel models versions churn --json | jq -r '.versions[] | select(.approval.status == "approved") | .version'`)
    .action(async (name: string, opts: Common) => {
      const versions = await versionsOf(new ApiClient(opts.url), name);
      output(opts.json, { versions }, () =>
        versions.length === 0
          ? `Model ${name} has no versions.`
          : table(['VERSION', 'STAGE', 'CARD', 'APPROVAL', 'ALIASES', 'CREATED', 'RUN'], versions.map((v) => [v.version, v.currentStage, v.card?.status ?? '-', v.approval.status, v.aliases.join(' '), when(v.creationTimestamp), v.runId ?? ''])),
      );
    });

  models
    .command('version')
    .description('Show a model version: signature, card status, approval, aliases')
    .argument('<name>')
    .addArgument(versionArg())
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models version churn 3
  $ flywheel models version churn 3 --json | jq '.signature.inputs'`)
    .action(async (name: string, version: string, opts: Common) => {
      const v = await new ApiClient(opts.url).request<VersionDetail>('GET', versionPath(name, version));
      output(opts.json, v, () => renderVersion(v));
    });

  models
    .command('card')
    .description('Show the model card of a version, or set it from a JSON file (a new or edited card is Draft)')
    .argument('<name>')
    .addArgument(versionArg())
    .option('-f, --file <card.json>', 'set the card from this file: the card itself, or {"card": {…}, "updatedBy": "…"}')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Card fields (after Mitchell et al., "Model Cards for Model Reporting"; all optional):
  modelDetails, intendedUse, outOfScopeUses, factors, metrics, evaluationData, trainingData,
  ethicalConsiderations, caveats (text); quantitativeAnalyses [{group, metric, value}];
  riskRating low|medium|high|critical

Examples:
  $ flywheel models card churn 3
  $ echo '{"intendedUse": "Rank retention offers", "riskRating": "medium"}' > card.json
  $ flywheel models card churn 3 --file card.json`)
    .action(async (name: string, version: string, opts: Common & { file?: string }) => {
      const client = new ApiClient(opts.url);
      let c: CardRecord;
      if (opts.file) {
        const doc = readJsonObject(opts.file);
        const body = 'card' in doc ? doc : { card: doc };
        c = await client.request<CardRecord>('PUT', versionPath(name, version, '/card'), { json: body });
      } else c = await client.request<CardRecord>('GET', versionPath(name, version, '/card'));
      output(opts.json, c, () => (opts.file ? `Saved the model card of ${name} version ${version} (${c.status}).\n` : '') + renderCard(c));
    });

  models
    .command('card-status')
    .description('Move a model card: Draft → PendingReview → Approved → Archived (PendingReview → Draft requests changes)')
    .argument('<name>')
    .addArgument(versionArg())
    .addArgument(new Argument('<status>', 'the new status').choices(CARD_STATUSES))
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models card-status churn 3 PendingReview
  $ flywheel models card-status churn 3 Approved`)
    .action(async (name: string, version: string, status: string, opts: Common) => {
      const c = await new ApiClient(opts.url).request<CardRecord>('POST', versionPath(name, version, '/card/status'), { json: { status } });
      output(opts.json, c, () => `The model card of ${name} version ${version} is now ${c.status}.`);
    });

  models
    .command('approve')
    .description('Approve a model version as a reviewer, or reject it with --reject --reason')
    .argument('<name>')
    .addArgument(versionArg())
    .option('--reject', 'reject instead of approving (needs --reason)')
    .option('--reason <text>', 'why (required to reject)')
    .option('--by <reviewer>', 'reviewer name, only when not logged in (a logged-in decision is always under your own name)')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models approve churn 3
  $ flywheel models approve churn 3 --reject --reason "recall on new customers is too low"`)
    .action(async (name: string, version: string, opts: Common & { reject?: boolean; reason?: string; by?: string }) => {
      if (opts.reject && !opts.reason?.trim()) throw new CliError('--reject needs --reason: say what has to change.', EXIT.usage);
      const res = await new ApiClient(opts.url).request<{ current: Decision; history: Decision[] }>('POST', versionPath(name, version, '/approval'), {
        json: { status: opts.reject ? 'rejected' : 'approved', ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.by ? { decidedBy: opts.by } : {}) },
      });
      output(opts.json, res, () => `${name} version ${version}: ${decision(res.current)}.`);
    });

  models
    .command('alias')
    .description('Point an alias (e.g. champion) at a version; approval policies may refuse it, listing every unmet condition')
    .argument('<name>')
    .argument('<alias>', 'e.g. champion')
    .addArgument(versionArg())
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel models alias churn champion 3
  $ flywheel models alias churn challenger 4 --json`)
    .action(async (name: string, alias: string, version: string, opts: Common) => {
      const client = new ApiClient(opts.url);
      await mlflowRequest(client, 'POST', 'registered-models/alias', { json: { name, alias, version } });
      output(opts.json, { name, alias, version }, () => `Alias '${alias}' of ${name} now points to version ${version}.`);
    });
}
