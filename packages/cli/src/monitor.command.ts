import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from './client.js';
import { output } from './output.js';

/** The part of '@flywheel/server/report' the report needs (the same builder the server's monitors run). */
export interface ReportModule {
  readTableFile(path: string): Promise<{ rowCount: number; columns: Record<string, unknown> }>;
  joinActuals(current: never, actuals: never, idColumn: string, targetColumn?: string): { table: unknown; target: string; matched: number; unmatchedActuals: number };
  buildReport(reference: never, current: never, options: Record<string, unknown>): unknown;
  renderReport(report: never): string;
}

export interface ReportFlags {
  reference: string;
  current: string;
  actuals?: string;
  idColumn?: string;
  target?: string;
  prediction?: string;
  score?: string;
  sensitive?: string;
  positiveLabel?: string;
  driftShare?: string;
  json?: boolean;
}

/** Loaded on use, and only the report (no platform): the CLI starts with '@flywheel/server/config' only. */
const loadServer = async (): Promise<ReportModule> => (await import('@flywheel/server/report')) as unknown as ReportModule;

const exists = (flag: string, file: string) => {
  try {
    statSync(resolve(file));
  } catch {
    throw new CliError(`${flag} ${file}: no such file.`, EXIT.usage);
  }
};

/** Builds the report of two files; returns the JSON document or the rendered table. */
export async function monitorReport(flags: ReportFlags, load: () => Promise<ReportModule> = loadServer): Promise<{ json: unknown; text: string }> {
  exists('--reference', flags.reference);
  exists('--current', flags.current);
  if (flags.actuals) exists('--actuals', flags.actuals);
  if (flags.actuals && !flags.idColumn) throw new CliError('--actuals needs --id-column (the column both files share).', EXIT.usage);
  const driftShare = flags.driftShare === undefined ? undefined : Number(flags.driftShare);
  if (driftShare !== undefined && !(driftShare >= 0 && driftShare <= 1)) throw new CliError(`--drift-share must be a number in [0, 1], got '${flags.driftShare}'.`, EXIT.usage);
  const m = await load();
  try {
    const reference = await m.readTableFile(resolve(flags.reference));
    let current = await m.readTableFile(resolve(flags.current));
    let target = flags.target;
    let join: { matched: number; unmatchedActuals: number } | undefined;
    if (flags.actuals) {
      const j = m.joinActuals(current as never, (await m.readTableFile(resolve(flags.actuals))) as never, flags.idColumn!, flags.target);
      current = j.table as typeof current;
      target = j.target;
      join = { matched: j.matched, unmatchedActuals: j.unmatchedActuals };
    }
    const pos = flags.positiveLabel;
    const options = {
      target,
      prediction: flags.prediction,
      score: flags.score,
      sensitive: flags.sensitive,
      id: flags.idColumn,
      driftShare,
      positiveLabel: pos === undefined ? undefined : Number.isFinite(Number(pos)) && pos.trim() !== '' ? Number(pos) : pos,
    };
    const report = m.buildReport(reference as never, current as never, options) as Record<string, unknown>;
    const json = join ? { ...report, actuals: { matched_rows: join.matched, unmatched_actuals: join.unmatchedActuals } } : report;
    const text = m.renderReport(report as never) + (join ? `\n\nactuals: ${join.matched} current rows matched, ${join.unmatchedActuals} actuals matched no row` : '');
    return { json, text };
  } catch (e) {
    // The builder's DomainErrors name the flag's column or the file line: a usage problem.
    if (e instanceof Error && (e as { code?: string }).code === 'INVALID_INPUT') throw new CliError(e.message, EXIT.usage);
    throw e;
  }
}

/** `deps` let tests load the builder from source and collect the output (the test runner owns stdout). */
export function monitorCommand(program: Command, deps: { load?: () => Promise<ReportModule>; print?: (text: string) => void } = {}): void {
  const monitor = program.command('monitor').description('Model monitoring: drift, data quality, model quality and fairness.');
  monitor
    .command('report')
    .description('Compare a current data file with a reference (CSV or Parquet) without a server: drift per column, dataset drift, data quality, model quality (or a CBPE estimate from scores), fairness.')
    .requiredOption('--reference <file>', 'reference data (e.g. the training set), CSV with a header or Parquet')
    .requiredOption('--current <file>', 'current data (e.g. a window of production inputs and predictions)')
    .option('--actuals <file>', 'ground truth joined to the current rows by --id-column')
    .option('--id-column <col>', 'the id column shared by --current and --actuals')
    .option('--target <col>', 'the actual outcome column (in --current, or in --actuals)')
    .option('--prediction <col>', 'the predicted label (or value) column')
    .option('--score <col>', 'the predicted probability of the positive class')
    .option('--sensitive <col>', 'the sensitive attribute for fairness')
    .option('--positive-label <label>', 'the positive class (default 1)')
    .option('--drift-share <share>', 'share of drifted columns at which the dataset drifts (default 0.5)')
    .option('--json', 'print one JSON document (snake_case metric names)')
    .addHelpText('after', `
Columns other than the id, target, prediction, score and sensitive ones are features. Statistics and
decision rules: packages/server/src/domains/monitoring/stats/README.md.

Examples:
  $ flywheel monitor report --reference train.csv --current last-week.csv
  $ flywheel monitor report --reference train.parquet --current preds.csv --actuals labels.csv --id-column request_id --target churned --prediction pred --score proba --sensitive gender --json`)
    .action(async (opts: ReportFlags) => {
      const { json, text } = await monitorReport(opts, deps.load);
      if (deps.print) deps.print(opts.json ? JSON.stringify(json, null, 2) : text);
      else output(opts.json, json, () => text);
    });
}
