import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';
import { table } from './table.js';

interface Entry {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  team: string | null;
  source: string | null;
}
interface Verify {
  ok: boolean;
  checked: number;
  lastSeq: number;
  headHash: string;
  firstBrokenSeq?: number;
  reason?: string;
}
interface Filters {
  actor?: string;
  action?: string;
  resource?: string;
  team?: string;
  since?: string;
  until?: string;
}

const filterOptions = (c: Command) =>
  c
    .option('--actor <username>', 'who made the change')
    .option('--action <action>', "exact, or a prefix ending in '*' (project.*)")
    .option('--resource <type[:id]>', 'project or project:churn')
    .option('--team <team>', 'owner team of the resource')
    .option('--since <time>', 'ISO date or ms since epoch (inclusive)')
    .option('--until <time>', 'ISO date or ms since epoch (exclusive)')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)');
const filterQuery = (o: Filters) => ({ actor: o.actor, action: o.action, resource: o.resource, team: o.team, since: o.since, until: o.until });

export function renderVerify(v: Verify): string {
  return v.ok
    ? `Audit chain verified: ${v.checked} entries, last seq ${v.lastSeq}, head ${v.headHash.slice(0, 16)}…`
    : `Audit chain BROKEN at seq ${v.firstBrokenSeq}: ${v.reason} (${v.checked} entries verified before it)`;
}

/** `flywheel audit list|export|verify`. */
export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log: who changed what, when, from where.');

  filterOptions(audit.command('list').description('Audit entries, newest first'))
    .option('--limit <n>', 'at most this many (default 50)', '50')
    .option('--json', 'print JSON')
    .action(async (opts: Filters & { url?: string; limit: string; json?: boolean }) => {
      const res = await new ApiClient(opts.url).request<{ entries: Entry[] }>('GET', '/api/v1/audit', { query: { ...filterQuery(opts), maxResults: opts.limit } });
      output(opts.json, res, () =>
        res.entries.length === 0
          ? 'No audit entries.'
          : table(['SEQ', 'TIME', 'ACTOR', 'ACTION', 'RESOURCE', 'TEAM', 'FROM'], res.entries.map((e) => [String(e.seq), new Date(e.ts).toISOString(), e.actor, e.action, `${e.resourceType}:${e.resourceId}`, e.team ?? '', e.source ?? ''])),
      );
    });

  filterOptions(audit.command('export').description('Every matching entry, oldest first, as JSON lines or CSV'))
    .option('--format <jsonl|csv>', 'jsonl (default) or csv', 'jsonl')
    .option('-o, --output <file>', 'write to a file (default stdout)')
    .action(async (opts: Filters & { url?: string; format: string; output?: string }) => {
      if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new CliError(`--format must be jsonl or csv, got '${opts.format}'`, EXIT.usage);
      const client = new ApiClient(opts.url);
      const u = new URL(`${client.baseUrl}/api/v1/audit/export`);
      for (const [k, v] of Object.entries({ ...filterQuery(opts), format: opts.format })) if (v !== undefined) u.searchParams.set(k, v);
      let res: Response;
      try {
        res = await fetch(u);
      } catch (e) {
        throw new CliError(`Cannot reach the Flywheel server at ${client.baseUrl} (${(e as Error).message}).`, EXIT.unreachable);
      }
      if (!res.ok || !res.body) {
        const text = await res.text();
        let message = text.slice(0, 300);
        try {
          message = (JSON.parse(text) as { error: { message: string } }).error.message;
        } catch {
          /* not JSON: the raw text */
        }
        throw new CliError(message, EXIT.failed);
      }
      const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      if (opts.output) await pipeline(body, createWriteStream(opts.output));
      else for await (const chunk of body) process.stdout.write(chunk as Buffer);
    });

  audit
    .command('verify')
    .description('Recompute the hash chain; exit 1 and name the first broken entry when it does not hold')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const v = await new ApiClient(opts.url).request<Verify>('GET', '/api/v1/audit/verify');
      output(opts.json, v, () => renderVerify(v));
      if (!v.ok) process.exitCode = EXIT.failed;
    });
}
