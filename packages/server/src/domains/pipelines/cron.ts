/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC): `*`, lists
 * `1,15`, ranges `1-5`, steps `*\/10` or `8-18/2`. Day-of-month and day-of-week follow cron's
 * rule: when both are restricted, a day matching either is due.
 */
export interface Cron {
  next(after: number): number;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 6 },
] as const;

function field(text: string, f: (typeof FIELDS)[number]): { set: Set<number>; any: boolean } {
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`${f.name}: '${part}' is not *, a number, a range or a step`);
    const lo = m[1] === '*' ? f.min : Number(m[2]);
    const hi = m[1] === '*' ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    // Sunday may be written 7.
    const max = f.name === 'day of week' ? 7 : f.max;
    if (lo < f.min || hi > max || lo > hi || step < 1) throw new Error(`${f.name}: '${part}' is outside ${f.min}-${f.max}`);
    for (let v = lo; v <= hi; v += step) set.add(f.name === 'day of week' ? v % 7 : v);
  }
  return { set, any: text === '*' };
}

/** Parses a cron expression; throws naming the field that is wrong. */
export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const [mi, ho, dom, mo, dow] = parts.map((p, i) => field(p, FIELDS[i]!)) as [ReturnType<typeof field>, ReturnType<typeof field>, ReturnType<typeof field>, ReturnType<typeof field>, ReturnType<typeof field>];
  const dayOk = (d: Date) => {
    const a = dom.set.has(d.getUTCDate());
    const b = dow.set.has(d.getUTCDay());
    return dom.any && dow.any ? true : dom.any ? b : dow.any ? a : a || b;
  };
  return {
    next(after: number): number {
      const d = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
      // At most ~4 years of minutes are looked at; day and month mismatches skip whole days.
      for (let i = 0; i < 4 * 366 * 24 * 60; i++) {
        if (!mo.set.has(d.getUTCMonth() + 1) || !dayOk(d)) {
          d.setUTCHours(0, 0, 0, 0);
          d.setUTCDate(d.getUTCDate() + 1);
          continue;
        }
        if (!ho.set.has(d.getUTCHours())) {
          d.setUTCMinutes(0, 0, 0);
          d.setUTCHours(d.getUTCHours() + 1);
          continue;
        }
        if (!mi.set.has(d.getUTCMinutes())) {
          d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        return d.getTime();
      }
      throw new Error(`'${expr}' is never due`);
    },
  };
}
