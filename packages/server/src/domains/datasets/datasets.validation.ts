import {
  DATASET_LIMITS as L,
  DATASET_NAME_PATTERN,
  DATASHEET_SECTIONS,
  DomainError,
  type Datasheet,
  type SchemaColumn,
} from '@flywheel/contract';

const NAME_RE = new RegExp(DATASET_NAME_PATTERN);
const COLUMN_TYPES = new Set(['integer', 'float', 'boolean', 'string', 'datetime']);
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

export function validateDatasetName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '') throw invalid(`Invalid ${field}: a dataset name is required.`);
  if (!NAME_RE.test(name)) {
    throw invalid(`Invalid ${field} '${name.slice(0, 250)}': a dataset name starts with a letter or digit, then up to 199 letters, digits, '_', '.' or '-'.`);
  }
  return name;
}

export function validateOptionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`Invalid ${field}: expected a string.`);
  if (value.length > max) throw invalid(`Invalid ${field}: at most ${max} characters (got ${value.length}).`);
  return value;
}

/** A file name to store an upload under: one path segment, no control characters. */
export function validateFilename(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[/\\\x00-\x1f\x7f]/.test(name) || name.length > L.filenameMaxLength || /%(?:2e|2f|5c|00)/i.test(name)) {
    throw invalid(`Invalid filename '${name.slice(0, 300)}': a file name is one path segment of at most ${L.filenameMaxLength} characters, without '/', '\\' or control characters.`);
  }
  return name;
}

/** A datasheet of Gebru et al.'s sections, each an optional string; unknown sections are refused. */
export function validateDatasheet(value: unknown, field = 'datasheet'): Datasheet {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid ${field}: expected an object with the sections ${DATASHEET_SECTIONS.join(', ')}.`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(DATASHEET_SECTIONS as readonly string[]).includes(key)) {
      throw invalid(`Invalid ${field}.${key}: not a datasheet section (expected one of ${DATASHEET_SECTIONS.join(', ')}).`);
    }
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalid(`Invalid ${field}.${key}: expected a string.`);
    if (v.length > L.datasheetSectionMaxLength) throw invalid(`Invalid ${field}.${key}: at most ${L.datasheetSectionMaxLength} characters (got ${v.length}).`);
    out[key] = v;
  }
  return out as Datasheet;
}

/** A version number from a path: a positive integer, or `'latest'`. */
export function parseVersionRef(v: unknown, field = 'version'): number | 'latest' {
  if (v === 'latest') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  if (typeof v === 'string' && /^[1-9]\d{0,8}$/.test(v)) return Number(v);
  throw invalid(`Invalid ${field} '${String(v)}': expected a positive integer or 'latest'.`);
}

export function validateSchema(value: unknown, field = 'schema'): SchemaColumn[] {
  if (!Array.isArray(value)) throw invalid(`Invalid ${field}: expected an array of {name, type, nullable}.`);
  if (value.length > L.maxColumns) throw invalid(`Invalid ${field}: it lists ${value.length} columns; a dataset version may have at most ${L.maxColumns} columns.`);
  const seen = new Set<string>();
  return value.map((c: unknown, i) => {
    const col = c as Partial<SchemaColumn> | null;
    if (col === null || typeof col !== 'object' || typeof col.name !== 'string' || col.name === '') throw invalid(`Invalid ${field}[${i}].name: expected a non-empty string.`);
    if (typeof col.type !== 'string' || !COLUMN_TYPES.has(col.type)) throw invalid(`Invalid ${field}[${i}].type: expected one of ${[...COLUMN_TYPES].join(', ')}.`);
    if (seen.has(col.name)) throw invalid(`Invalid ${field}[${i}].name: column '${col.name}' is listed twice.`);
    seen.add(col.name);
    return { name: col.name, type: col.type, nullable: col.nullable ?? true };
  });
}
