import { createReadStream, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { Dataset, DatasetVersion, RegisterVersionResponse } from '@flywheel/contract';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';
import { table } from './table.js';

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
      if (!opts.json) process.stderr.write(`uploading ${basename(path)} (${(size / 1e6).toFixed(1)} MB) and profiling…\n`);
      const res = await new ApiClient(opts.url).request<RegisterVersionResponse>('POST', `/api/v1/datasets/${encodeURIComponent(name)}/versions`, {
        query: { format, filename: basename(path), sourceUri: opts.sourceUri },
        body: Readable.toWeb(createReadStream(path)) as unknown as RequestInit['body'],
        contentType: format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet',
      });
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
}
