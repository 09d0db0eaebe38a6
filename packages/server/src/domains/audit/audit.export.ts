import type { AuditEntry } from './audit.types.js';

export const CSV_COLUMNS = ['seq', 'ts', 'actor', 'action', 'resourceType', 'resourceId', 'team', 'source', 'before', 'after', 'prevHash', 'hash'] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  // Spreadsheet formula injection: a cell starting with = + - @ is opened as text.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One export line (with its newline) for `format`. */
export function exportLine(format: 'jsonl' | 'csv', e: AuditEntry): string {
  if (format === 'jsonl') return `${JSON.stringify(e)}\n`;
  return `${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\n`;
}

/** The whole export as a stream of text chunks: a header for CSV, then one line per entry. */
export async function* exportChunks(format: 'jsonl' | 'csv', entries: AsyncIterable<AuditEntry>): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
  let buf = '';
  for await (const e of entries) {
    buf += exportLine(format, e);
    if (buf.length > 64 * 1024) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}
