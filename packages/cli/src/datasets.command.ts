import { createReadStream, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { Dataset, DatasetVersion, RegisterVersionResponse } from '@flywheel/contract';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';
import { ProgressBar } from './progress-bar.js';
import { table } from './table.js';

interface Grant {
  id: number;
  team: string | null;
  user: string | null;
  grantedBy: string;
  expiresAt: number | null;
}
interface Sandbox {
  id: number;
  sandbox: string;
  source: { dataset: string; version: number };
  ownerTeam: string | null;
  requestedBy: string;
  expiresAt: number;
  destroyedAt: number | null;
  destroyedBy: string | null;
  destroyedReason: string | null;
}

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(digits));

/** Schema and profile of a version as a table a person can read at a glance. */
export function renderVersion(v: DatasetVersion): string {
  const head = [
    `${v.dataset} v${v.version}  (${v.format}${v.rowCount !== null ? `, ${v.rowCount} rows` : ''})`,
    ...(v.contentHash ? [`sha256 ${v.contentHash}`] : []),
    ...(v.sourceUri ? [`source ${v.sourceUri}`] : []),
  ];
  if (!v.profile) return [...head, '(no profile: registered by URI)'].join('\n');
  const rows = v.profile.columns.map((c) => {
    const n = c.numeric;
    const top = c.categorical?.top.slice(0, 3).map((t) => `${t.value}(${t.count})`).join(' ');
    return [
      c.name,
      c.type,
      String(c.count),
      String(c.missing),
      n ? fmt(n.min) : c.datetime?.min ?? '',
      n ? fmt(n.max) : c.datetime?.max ?? '',
      n ? fmt(n.mean) : '',
      n ? fmt(n.std) : '',
      n ? fmt(n.quantiles.p50) : c.categorical ? `${c.categorical.distinctExact === false ? '≥' : ''}${c.categorical.distinct} distinct: ${top}` : '',
    ];
  });
  return [...head, '', table(['column', 'type', 'count', 'missing', 'min', 'max', 'mean', 'std', 'p50 / top'], rows)].join('\n');
}

export function datasetsCommand(program: Command): void {
  const datasets = program.command('datasets').description('Named datasets with immutable, profiled versions.');
  const url = ['--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)'] as const;

  datasets
    .command('register')
    .description('Register a CSV or Parquet file as a new version of a dataset (created if needed).')
    .argument('<name>', 'dataset name')
    .argument('<file>', 'a .csv or .parquet file')
    .option('--format <format>', 'csv or parquet (default: from the file extension)')
    .option('--source-uri <uri>', 'where the data came from (recorded on the version)')
    .option(...url)
    .option('--json', 'print the version as JSON')
    .addHelpText('after', `
Examples:
  $ flywheel datasets register yarn-sales ./sales-2026-10.csv --source-uri s3://lake/sales/2026-10.csv
  $ flywheel datasets register yarn-sales ./sales.parquet --json`)
    .action(async (name: string, file: string, opts: { format?: string; sourceUri?: string; url?: string; json?: boolean }) => {
      const path = resolve(file);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        throw new CliError(`Cannot read ${file}: no such file.`, EXIT.usage);
      }
      const format = opts.format ?? (extname(path).toLowerCase() === '.csv' ? 'csv' : 'parquet');
      const bar = new ProgressBar(`uploading ${basename(path)}`, size, process.stderr, !opts.json && !!process.stderr.isTTY);
      if (!opts.json && !process.stderr.isTTY) process.stderr.write(`uploading ${basename(path)} (${(size / 1e6).toFixed(1)} MB) and profiling…\n`);
      const uploading = new ApiClient(opts.url).request<RegisterVersionResponse>('POST', `/api/v1/datasets/${encodeURIComponent(name)}/versions`, {
        query: { format, filename: basename(path), sourceUri: opts.sourceUri },
        body: Readable.toWeb(createReadStream(path).pipe(bar.counter())) as unknown as RequestInit['body'],
        contentType: format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet',
      });
      const res = await uploading.finally(() => bar.done('— profiled'));
      output(opts.json, res, () => `${res.created ? 'registered' : 'already registered (identical content)'}: ${renderVersion(res.version)}`);
    });

  datasets
    .command('list')
    .description('List datasets.')
    .option(...url)
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ datasets: Dataset[] }>('GET', '/api/v1/datasets');
      output(opts.json, res, () =>
        table(['name', 'latest', 'description'], res.datasets.map((d) => [d.name, d.latestVersion === null ? '' : String(d.latestVersion), d.description])),
      );
    });

  datasets
    .command('show')
    .description("Show a version's schema and profile (default: the latest version).")
    .argument('<name>', 'dataset name')
    .argument('[version]', 'version number or latest', 'latest')
    .option(...url)
    .option('--json', 'print JSON')
    .action(async (name: string, version: string, opts: { url?: string; json?: boolean }) => {
      const v = await new ApiClient(opts.url).request<DatasetVersion>('GET', `/api/v1/datasets/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`);
      output(opts.json, v, () => renderVersion(v));
    });
  const day = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
  const path = (name: string, rest: string) => `/api/v1/datasets/${encodeURIComponent(name)}${rest}`;

  datasets
    .command('grant')
    .description('Let a team or a user read a dataset (not change it); granting again renews. Maintainers/admins of the owner team.')
    .argument('<name>', 'dataset name')
    .option('--team <team>', 'the team whose members may read it')
    .option('--user <user>', 'the user who may read it')
    .option('--days <n>', 'the grant ends after this many days (default: never)')
    .option(...url)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { team?: string; user?: string; days?: string; url?: string; json?: boolean }) => {
      if (!opts.team === !opts.user) throw new CliError('Name exactly one grantee: --team or --user.', EXIT.usage);
      const days = opts.days === undefined ? undefined : Number(opts.days);
      if (days !== undefined && !(days > 0)) throw new CliError(`--days must be a positive number, got '${opts.days}'.`, EXIT.usage);
      const g = await new ApiClient(opts.url).request<Grant>('POST', path(name, '/grants'), { json: { ...(opts.team ? { team: opts.team } : { user: opts.user }), ...(days ? { expiresInDays: days } : {}) } });
      output(opts.json, g, () => `Granted reading ${name} to ${g.team ? `team ${g.team}` : `user ${g.user}`} until ${day(g.expiresAt)} (grant ${g.id}).`);
    });

  datasets
    .command('grants')
    .description('Who besides the owner team may read a dataset.')
    .argument('<name>', 'dataset name')
    .option(...url)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ grants: Grant[] }>('GET', path(name, '/grants'));
      output(opts.json, res, () => (res.grants.length ? table(['id', 'grantee', 'granted by', 'until'], res.grants.map((g) => [String(g.id), g.team ? `team ${g.team}` : `user ${g.user}`, g.grantedBy, day(g.expiresAt)])) : `No grants on ${name}.`));
    });

  datasets
    .command('revoke')
    .description('Revoke a read grant (its id from flywheel datasets grants).')
    .argument('<name>', 'dataset name')
    .argument('<grant>', 'grant id')
    .option(...url)
    .action(async (name: string, grant: string, opts: { url?: string }) => {
      await new ApiClient(opts.url).request('DELETE', path(name, `/grants/${encodeURIComponent(grant)}`));
      process.stdout.write(`Revoked grant ${grant} on ${name}.\n`);
    });

  datasets
    .command('sandbox')
    .description("Copy a version into a private sandbox dataset of your team; it is destroyed when it expires, and the destruction is recorded.")
    .argument('<name>', 'dataset name')
    .requiredOption('--days <n>', 'the copy is destroyed after this many days (at most 90)')
    .requiredOption('--purpose <text>', 'what the copy is for (kept on record)')
    .option('--source-version <version>', 'version to copy (default latest)')
    .option('--team <team>', 'owner team of the copy (default: your only team)')
    .option(...url)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { days: string; purpose: string; sourceVersion?: string; team?: string; url?: string; json?: boolean }) => {
      const days = Number(opts.days);
      if (!(days > 0)) throw new CliError(`--days must be a positive number, got '${opts.days}'.`, EXIT.usage);
      const sb = await new ApiClient(opts.url).request<Sandbox>('POST', path(name, '/sandboxes'), { json: { purpose: opts.purpose, expiresInDays: days, ...(opts.sourceVersion ? { version: opts.sourceVersion } : {}), ...(opts.team ? { ownerTeam: opts.team } : {}) } });
      output(opts.json, sb, () => `Sandbox ${sb.sandbox} (id ${sb.id}): a copy of ${sb.source.dataset} v${sb.source.version} for team ${sb.ownerTeam ?? '(none)'}, destroyed at ${day(sb.expiresAt)} UTC.`);
    });

  datasets
    .command('sandboxes')
    .description('Sandbox copies, destroyed ones included (the record).')
    .option(...url)
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ sandboxes: Sandbox[] }>('GET', '/api/v1/dataset-sandboxes');
      output(opts.json, res, () =>
        res.sandboxes.length
          ? table(['id', 'sandbox', 'source', 'team', 'by', 'expires', 'destroyed'], res.sandboxes.map((s) => [String(s.id), s.sandbox, `${s.source.dataset} v${s.source.version}`, s.ownerTeam ?? '', s.requestedBy, day(s.expiresAt), s.destroyedAt === null ? '' : `${day(s.destroyedAt)} by ${s.destroyedBy} (${s.destroyedReason})`]))
          : 'No sandboxes.',
      );
    });

  datasets
    .command('sandbox-destroy')
    .description('Destroy a sandbox copy before it expires.')
    .argument('<id>', 'sandbox id')
    .option(...url)
    .action(async (id: string, opts: { url?: string }) => {
      const sb = await new ApiClient(opts.url).request<Sandbox>('DELETE', `/api/v1/dataset-sandboxes/${encodeURIComponent(id)}`);
      process.stdout.write(`Destroyed sandbox ${sb.sandbox}.\n`);
    });
}
