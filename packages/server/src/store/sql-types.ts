import { sql, type Expression, type SqlBool } from 'kysely';
import type { DialectName } from './store.js';

/** Column types that differ between the dialects, decided once here. */
export function columnTypes(dialect: DialectName) {
  return dialect === 'postgres'
    ? { double: 'double precision', bigint: 'bigint', text: 'text', serialPk: 'serial' } as const
    : { double: 'real', bigint: 'integer', text: 'text', serialPk: 'integer' } as const;
}

/**
 * A case-sensitive LIKE on both dialects. SQLite's LIKE ignores ASCII case, so the pattern is
 * rewritten to GLOB (`%`→`*`, `_`→`?`, GLOB's own metacharacters bracketed).
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}


/** True when `e` is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown } | null;
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * `column IN (values)`. On PostgreSQL the list is bound as one array (`= ANY($1)`): one
 * parameter instead of hundreds, and the planner keeps using the index for any list length.
 */
export function inList(dialect: DialectName, column: string, values: readonly (string | number)[]): Expression<SqlBool> {
  if (values.length === 0) return sql<SqlBool>`1 = 0`;
  if (dialect === 'postgres') return sql<SqlBool>`${sql.ref(column)} = any(${[...values]})`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values.map((v) => sql`${v}`))})`;
}
