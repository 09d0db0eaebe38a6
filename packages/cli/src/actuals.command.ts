import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';

/** The server's cap on actuals per request. */
const MAX_BATCH = 10_000;

interface IngestCounts {
  received: number;
  inserted: number;
  duplicates: number;
  corrected: number;
  matched: number;
  unmatched: number;
}

/** One batch to send: its body and where its items start in the file. */
interface Batch {
  body: string;
  /** Index of the batch's first item in the file. */
  offset: number;
  count: number;
}

/** A CSV split into records (quotes may hold commas and newlines), with the file line each starts on. */
export function csvRecords(text: string): { header: string; records: string[]; lines: number[] } {
  const records: string[] = [];
  const lines: number[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let quoted = false;
  const push = (end: number) => {
    const rec = text.slice(start, end).replace(/\r$/, '');
    if (rec.trim() !== '') {
      records.push(rec);
      lines.push(startLine);
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted; // '"' ("" inside quotes toggles twice)
    else if (c === 10) {
      line++;
      if (!quoted) {
        push(i);
        start = i + 1;
        startLine = line;
      }
    }
  }
  push(text.length);
  const header = records.shift()?.replace(/^\uFEFF/, '');
  lines.shift();
  if (header === undefined) throw new CliError('The CSV file is empty: expected a header inference_id,value[,timestamp][,deployment].', EXIT.failed);
  return { header, records, lines };
}

/** Items of a JSON file: an array, an object {actuals: [...]}, or JSON Lines (one object per line). */
export function jsonItems(text: string): { items: unknown[]; lines?: number[] } {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && /^\{\s*"actuals"\s*:/.test(trimmed))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new CliError(`The file is not valid JSON: ${(e as Error).message}`, EXIT.failed);
    }
    const items = Array.isArray(parsed) ? parsed : (parsed as { actuals?: unknown }).actuals;
    if (!Array.isArray(items)) throw new CliError('Expected a JSON array of actuals, {"actuals": [...]}, or JSON Lines.', EXIT.failed);
    return { items };
  }
  const items: unknown[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      items.push(JSON.parse(l));
    } catch (e) {
      throw new CliError(`Line ${i + 1} is not valid JSON (expected JSON Lines, one actual per line): ${(e as Error).message}`, EXIT.failed);
    }
    lines.push(i + 1);
  });
  return { items, lines };
}

/** A server message about `actuals[i]` of a batch, retold about the file: its index there and its line. */
export function inFileTerms(message: string, offset: number, lines: number[] | undefined): string {
  let itemIndex: number | undefined;
  const out = message.replace(/actuals\[(\d+)\]/g, (_m, i: string) => {
    itemIndex = offset + Number(i);
    return `actuals[${itemIndex}]`;
  });
  if (!lines || itemIndex === undefined) return out;
  const line = lines[itemIndex];
  const where = line === undefined ? '' : ` (line ${line} of the file)`;
  return out.includes('(CSV line') ? out.replace(/ \(CSV line \d+\)/, where) : out + where;
}

function batchesOf(file: string, text: string, format: 'csv' | 'json', size: number): { batches: Batch[]; total: number; lines?: number[] } {
  const batches: Batch[] = [];
  if (format === 'csv') {
    const { header, records, lines } = csvRecords(text);
    for (let i = 0; i < records.length; i += size) {
      const part = records.slice(i, i + size);
      batches.push({ body: `${header}\n${part.join('\n')}\n`, offset: i, count: part.length });
    }
    return { batches, total: records.length, lines };
  }
  const { items, lines } = jsonItems(text);
  for (let i = 0; i < items.length; i += size) {
    const part = items.slice(i, i + size);
    batches.push({ body: JSON.stringify({ actuals: part }), offset: i, count: part.length });
  }
  if (items.length === 0) throw new CliError(`${file} holds no actuals.`, EXIT.failed);
  return { batches, total: items.length, ...(lines ? { lines } : {}) };
}

function parseBatchSize(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH) throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_BATCH}.`);
  return n;
}

export function actualsCommand(program: Command): void {
  const actuals = program.command('actuals').description('Ground truth for logged predictions, keyed by inference id.');

  actuals
    .command('upload')
    .description('Upload actuals from a CSV (inference_id,value[,timestamp][,deployment]) or JSON file, in batches. Safe to re-run: stored actuals are not duplicated.')
    .argument('<file>', 'a .csv, .json (array or {"actuals": [...]}) or .jsonl file')
    .option('--batch-size <n>', `actuals per request (1–${MAX_BATCH})`, parseBatchSize, 5000)
    .option('--deployment <name>', 'deployment to record on actuals that name none')
    .option('--format <format>', 'csv or json (default: from the file extension)')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Values: a number, a label, true/false, or a JSON array ("[0.2, 0.8]" in CSV). timestamp: ms since epoch or ISO-8601 (default: now).
A different value for an id already stored is a correction: it replaces the old value, which the server keeps as history.

Examples:
  $ flywheel actuals upload labels-2026-11-23.csv
  $ flywheel actuals upload outcomes.jsonl --deployment churn --batch-size 10000 --json`)
    .action(async (file: string, opts: { batchSize: number; deployment?: string; format?: string; url?: string; json?: boolean }) => {
      const path = resolve(file);
      try {
        statSync(path);
      } catch {
        throw new CliError(`Cannot read ${file}: no such file.`, EXIT.usage);
      }
      const ext = extname(path).toLowerCase();
      const format = opts.format ?? (ext === '.csv' ? 'csv' : ext === '.json' || ext === '.jsonl' || ext === '.ndjson' ? 'json' : undefined);
      if (format !== 'csv' && format !== 'json') throw new CliError(`Cannot tell the format of ${basename(path)}: pass --format csv or --format json.`, EXIT.usage);
      const { batches, total, lines } = batchesOf(file, readFileSync(path, 'utf8'), format, opts.batchSize);
      const client = new ApiClient(opts.url);
      const sum: IngestCounts = { received: 0, inserted: 0, duplicates: 0, corrected: 0, matched: 0, unmatched: 0 };
      const progress = !opts.json && process.stderr.isTTY;
      const show = (done: number) => progress && process.stderr.write(`\ruploading ${basename(path)}: ${done}/${total} actuals (${Math.floor((100 * done) / total)}%)`);
      show(0);
      for (const [n, b] of batches.entries()) {
        let res: IngestCounts;
        try {
          res = await client.request<IngestCounts>('POST', '/api/v1/actuals', {
            query: { deployment: opts.deployment },
            body: b.body,
            contentType: format === 'csv' ? 'text/csv' : 'application/json',
          });
        } catch (e) {
          if (progress) process.stderr.write('\n');
          if (!(e instanceof CliError)) throw e;
          const stored = n === 0 ? 'nothing was stored' : `batches 1–${n} (${b.offset} actuals) were stored`;
          throw new CliError(`batch ${n + 1} of ${batches.length} was refused: ${inFileTerms(e.message, b.offset, lines)}. ${stored}; fix the file and upload it again (re-sent actuals are counted as duplicates, not stored twice).`, e.exitCode);
        }
        for (const k of Object.keys(sum) as (keyof IngestCounts)[]) sum[k] += res[k];
        show(b.offset + b.count);
      }
      if (progress) process.stderr.write('\n');
      output(opts.json, { file: basename(path), batches: batches.length, ...sum }, () => [
        `uploaded ${sum.received} actuals from ${basename(path)} in ${batches.length} batch${batches.length === 1 ? '' : 'es'}`,
        `  inserted ${sum.inserted}, duplicates ${sum.duplicates}, corrected ${sum.corrected}`,
        `  matched ${sum.matched}, unmatched ${sum.unmatched}${sum.unmatched ? ' (kept: they match once their predictions are logged)' : ''}`,
      ].join('\n'));
    });
}
