import { DomainError } from '@flywheel/contract';

// The search grammar of MLflow's model registry (mlflow/utils/search_utils.py: SearchModelUtils
// and SearchModelVersionUtils), reduced to what the registry accepts:
//   filter:   <clause> [AND <clause>]...
//   clause:   name|run_id|source_path|version_number|tags.<key> <comparator> <value>
//   value:    'string' | "string" | number | ('a', 'b', ...) after IN / NOT IN
//   order by: <key> [ASC|DESC]

export type RegistryComparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface RegistryClause {
  type: 'attribute' | 'tag';
  key: string;
  comparator: RegistryComparator;
  /** string[] for IN / NOT IN; number for version_number; string otherwise. */
  value: string | number | string[];
}

export interface RegistryOrder {
  /** Canonical key: name, version_number, creation_timestamp or last_updated_timestamp. */
  key: string;
  ascending: boolean;
}

const invalid = (message: string) => new DomainError('INVALID_INPUT', message);

const STRING_OPS: readonly RegistryComparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMERIC_OPS: readonly RegistryComparator[] = ['=', '!=', '>', '>=', '<', '<='];

interface Vocabulary {
  attributes: ReadonlyMap<string, readonly RegistryComparator[]>;
  numeric: ReadonlySet<string>;
  orderKeys: ReadonlyMap<string, string>;
}

const MODEL_VOCABULARY: Vocabulary = {
  attributes: new Map([['name', STRING_OPS]]),
  numeric: new Set(),
  orderKeys: new Map([
    ['name', 'name'],
    ['timestamp', 'last_updated_timestamp'],
    ['last_updated_timestamp', 'last_updated_timestamp'],
    ['creation_timestamp', 'creation_timestamp'],
  ]),
};

const VERSION_VOCABULARY: Vocabulary = {
  attributes: new Map([
    ['name', STRING_OPS],
    ['run_id', ['=', '!=', 'IN', 'NOT IN']],
    ['source_path', STRING_OPS],
    ['version_number', NUMERIC_OPS],
  ]),
  numeric: new Set(['version_number']),
  orderKeys: new Map([
    ['name', 'name'],
    ['version_number', 'version_number'],
    ['timestamp', 'last_updated_timestamp'],
    ['last_updated_timestamp', 'last_updated_timestamp'],
    ['creation_timestamp', 'creation_timestamp'],
  ]),
};

type Token =
  | { t: 'word'; v: string }
  | { t: 'quoted'; v: string; q: string }
  | { t: 'num'; v: number }
  | { t: 'op'; v: string }
  | { t: '(' | ')' | ',' | '.' };

function tokenize(text: string, bad: () => DomainError): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw bad();
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) {
          v += text[i + 1];
          i += 2;
        } else if (d === c) {
          if (text[i + 1] === c) { // SQL-style doubled quote
            v += c;
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: 'quoted', v, q: c });
    } else if (c === '(' || c === ')' || c === ',' || c === '.') {
      out.push({ t: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '>=' || two === '<=' || two === '<>' || two === '==') {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two === '==' ? '=' : two });
        i += 2;
      } else if (c === '!') {
        throw bad();
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
    } else {
      const m = /^-?\d+(?:\.\d+)?(?![\w])/.exec(text.slice(i));
      if (m) {
        out.push({ t: 'num', v: Number(m[0]) });
        i += m[0].length;
        continue;
      }
      const w = /^[\w-]+/.exec(text.slice(i));
      if (!w) throw bad();
      out.push({ t: 'word', v: w[0] });
      i += w[0].length;
    }
  }
  return out;
}

/** Bounds on one search, so that a huge input is a clear 400 rather than a database error. */
export const REGISTRY_SEARCH_LIMITS = Object.freeze({ maxFilterLength: 20_000, maxFilterClauses: 100, maxInListItems: 1_000, maxOrderBy: 10 });
const LIM = REGISTRY_SEARCH_LIMITS;

function parseFilter(filter: string | undefined | null, vocab: Vocabulary): RegistryClause[] {
  if (filter === undefined || filter === null || filter.trim() === '') return [];
  if (filter.length > LIM.maxFilterLength) {
    throw invalid(`Invalid filter: it is ${filter.length} characters long; the limit is ${LIM.maxFilterLength}.`);
  }
  const bad = () => invalid(`Invalid filter '${filter}'. Could not be parsed.`);
  const toks = tokenize(filter, bad);
  let p = 0;
  const peek = () => toks[p];
  const next = () => {
    const tok = toks[p++];
    if (!tok) throw bad();
    return tok;
  };
  const isWord = (tok: Token | undefined, w: string): boolean => tok?.t === 'word' && tok.v.toUpperCase() === w;
  const clauses: RegistryClause[] = [];
  for (;;) {
    if (clauses.length >= LIM.maxFilterClauses) {
      throw invalid(`Invalid filter: it has more than ${LIM.maxFilterClauses} clauses; the limit is ${LIM.maxFilterClauses}.`);
    }
    // identifier
    const first = next();
    let type: RegistryClause['type'] = 'attribute';
    let key: string;
    if (first.t === 'word' || (first.t === 'quoted' && first.q === '`')) {
      key = first.v;
    } else {
      throw bad();
    }
    if (peek()?.t === '.') {
      const prefix = key.toLowerCase();
      if (prefix !== 'tags' && prefix !== 'tag') {
        throw invalid(`Invalid entity type '${key}'. Valid values are ['tag', 'tags']`);
      }
      p++;
      type = 'tag';
      const k = next();
      if (k.t === 'word' || k.t === 'quoted') key = k.v;
      else throw bad();
      while (peek()?.t === '.' && k.t === 'word') { // dotted keys: tags.mlflow.source
        p++;
        const more = next();
        if (more.t !== 'word') throw bad();
        key += `.${more.v}`;
      }
    }
    // comparator
    const opTok = next();
    let comparator: RegistryComparator;
    if (opTok.t === 'op') comparator = opTok.v as RegistryComparator;
    else if (isWord(opTok, 'LIKE')) comparator = 'LIKE';
    else if (isWord(opTok, 'ILIKE')) comparator = 'ILIKE';
    else if (isWord(opTok, 'IN')) comparator = 'IN';
    else if (isWord(opTok, 'NOT') && isWord(peek(), 'IN')) {
      p++;
      comparator = 'NOT IN';
    } else throw bad();
    let allowed: readonly RegistryComparator[];
    if (type === 'tag') {
      allowed = STRING_OPS;
    } else {
      const ops = vocab.attributes.get(key);
      if (!ops) {
        throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '{${[...vocab.attributes.keys()].map((k) => `'${k}'`).join(', ')}}'`);
      }
      allowed = ops;
    }
    if (!allowed.includes(comparator)) {
      throw invalid(`Invalid comparator '${comparator}' not one of '[${allowed.map((o) => `'${o}'`).join(', ')}]'`);
    }
    // value
    let value: RegistryClause['value'];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (next().t !== '(') throw bad();
      const list: string[] = [];
      for (;;) {
        const v = next();
        if (v.t !== 'quoted' || v.q === '`') throw bad();
        list.push(v.v);
        if (list.length > LIM.maxInListItems) throw invalid(`Invalid filter: an IN list may hold at most ${LIM.maxInListItems} values.`);
        const sep = next();
        if (sep.t === ')') break;
        if (sep.t !== ',') throw bad();
      }
      value = list;
    } else if (type === 'attribute' && vocab.numeric.has(key)) {
      const v = next();
      const n = v.t === 'num' ? v.v : v.t === 'quoted' && /^-?\d+$/.test(v.v.trim()) ? Number(v.v) : NaN;
      if (!Number.isInteger(n)) throw invalid(`Expected an integer value for '${key}', got '${'v' in v ? String(v.v) : v.t}'.`);
      value = n;
    } else {
      const v = next();
      if (v.t !== 'quoted' || v.q === '`') {
        throw invalid(`Expected a quoted string value for ${type === 'tag' ? 'tag' : 'attribute'} '${key}' (e.g. '${key}' = 'value') in filter '${filter}'.`);
      }
      value = v.v;
    }
    clauses.push({ type, key, comparator, value });
    if (p >= toks.length) break;
    if (!isWord(next(), 'AND')) throw bad();
  }
  return clauses;
}

function parseOrderBy(orderBy: readonly string[] | undefined | null, vocab: Vocabulary): RegistryOrder[] {
  const out: RegistryOrder[] = [];
  if (orderBy && orderBy.length > LIM.maxOrderBy) {
    throw invalid(`Invalid value for 'order_by': at most ${LIM.maxOrderBy} entries are allowed, got ${orderBy.length}.`);
  }
  for (const clause of orderBy ?? []) {
    const m = /^\s*(?:`([^`]+)`|([\w.]+))\s*(?:\s(ASC|DESC))?\s*$/i.exec(clause);
    const raw = m ? (m[1] ?? m[2]!) : undefined;
    const key = raw === undefined ? undefined : vocab.orderKeys.get(raw);
    if (!m || key === undefined) {
      throw invalid(`Invalid order by key '${raw ?? clause}' specified. Valid keys are '{${[...vocab.orderKeys.keys()].map((k) => `'${k}'`).join(', ')}}'`);
    }
    if (out.some((o) => o.key === key)) throw invalid(`\`order_by\` contains duplicate fields: ${key}`);
    out.push({ key, ascending: (m[3] ?? 'ASC').toUpperCase() === 'ASC' });
  }
  return out;
}

export const parseModelFilter = (f: string | undefined | null) => parseFilter(f, MODEL_VOCABULARY);
export const parseVersionFilter = (f: string | undefined | null) => parseFilter(f, VERSION_VOCABULARY);
export const parseModelOrderBy = (o: readonly string[] | undefined | null) => parseOrderBy(o, MODEL_VOCABULARY);
export const parseVersionOrderBy = (o: readonly string[] | undefined | null) => parseOrderBy(o, VERSION_VOCABULARY);
