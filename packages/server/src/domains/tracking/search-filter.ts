import { DomainError } from '@flywheel/contract';

// A parser for the search grammar of MLflow 2.x (mlflow/utils/search_utils.py: SearchUtils and
// SearchExperimentsUtils). It accepts what MLflow accepts and refuses what it refuses, with
// MLflow's wording where MLflow has one. It only parses and validates: turning the clauses into
// SQL is the store's business.
//
// Filter:   <clause> [AND <clause>]...
// Clause:   <identifier> <comparator> <value>
// Ident:    [<prefix>.]<key>, the prefix optionally in backticks and the key optionally in
//           backticks, double or single quotes; an identifier without a prefix is an attribute.
// Value:    'string' | "string" | number | ('a', 'b', ...) after IN / NOT IN | nothing after IS [NOT] NULL
// Order by: <identifier> [ASC|DESC]

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

export interface FilterClause {
  type: EntityType;
  /** Canonical key: attribute 'created'/'Created' -> 'start_time', 'run name' -> 'run_name'. */
  key: string;
  comparator: Comparator;
  /** number for metrics and numeric attributes; string[] for IN / NOT IN; null for IS [NOT] NULL. */
  value: string | number | string[] | null;
}

export interface OrderClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const STRING_RUN_ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage'] as const;
const NUMERIC_RUN_ATTRIBUTES = ['start_time', 'end_time'] as const;

/** Searchable run attribute keys, canonical spelling (aliases such as 'created' are accepted too). */
export const RUN_ATTRIBUTES: readonly string[] = Object.freeze([...STRING_RUN_ATTRIBUTES, ...NUMERIC_RUN_ATTRIBUTES]);

/** MLflow's alternate attribute spellings (SearchUtils.translate_key_alias). */
const RUN_ATTRIBUTE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['created', 'start_time'],
  ['Created', 'start_time'],
  ['run name', 'run_name'],
  ['Run name', 'run_name'],
  ['Run Name', 'run_name'],
]);

const RUN_SEARCH_KEYS: ReadonlySet<string> = new Set([...RUN_ATTRIBUTES, ...RUN_ATTRIBUTE_ALIASES.keys()]);
const RUN_ORDER_KEYS: ReadonlySet<string> = new Set([
  'start_time',
  'end_time',
  'run_name',
  'run_id',
  'status',
  'user_id',
  'artifact_uri',
  'created',
  'Created',
]);
const NUMERIC_RUN_KEYS: ReadonlySet<string> = new Set(NUMERIC_RUN_ATTRIBUTES);

const DATASET_KEYS: ReadonlySet<string> = new Set(['name', 'digest', 'context']);

const EXPERIMENT_SEARCH_KEYS: ReadonlySet<string> = new Set(['name', 'creation_time', 'last_update_time']);
const EXPERIMENT_ORDER_KEYS: ReadonlySet<string> = new Set(['experiment_id', 'name', 'creation_time', 'last_update_time']);
const NUMERIC_EXPERIMENT_KEYS: ReadonlySet<string> = new Set(['creation_time', 'last_update_time']);

const RUN_ENTITY_PREFIXES: ReadonlyMap<string, EntityType> = new Map<string, EntityType>([
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['param', 'param'],
  ['params', 'param'],
  ['parameter', 'param'],
  ['parameters', 'param'],
  ['tag', 'tag'],
  ['tags', 'tag'],
  ['attribute', 'attribute'],
  ['attributes', 'attribute'],
  ['attr', 'attribute'],
  ['run', 'attribute'],
  ['dataset', 'dataset'],
  ['datasets', 'dataset'],
]);
const EXPERIMENT_ENTITY_PREFIXES: ReadonlyMap<string, EntityType> = new Map<string, EntityType>([
  ['attribute', 'attribute'],
  ['tag', 'tag'],
  ['tags', 'tag'],
]);

const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const RUN_PARAM_TAG_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'];
const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

// ---------------------------------------------------------------------------------------------
// Limits: bounds on what one search may ask for, so that a huge input is a clear 400 and not a
// database error (too many SQL variables, too many joins, an expression tree too large).
// ---------------------------------------------------------------------------------------------

export const SEARCH_LIMITS = Object.freeze({
  /** Characters in one filter string. */
  maxFilterLength: 20_000,
  /** AND-ed clauses in one filter. */
  maxFilterClauses: 100,
  /** Values in one IN / NOT IN list. */
  maxInListItems: 1_000,
  /** Entries in order_by. */
  maxOrderBy: 10,
});

/** Refuses an order_by list longer than SEARCH_LIMITS.maxOrderBy. */
export function checkOrderByCount(orderBy: readonly unknown[] | undefined | null): void {
  if (orderBy && orderBy.length > SEARCH_LIMITS.maxOrderBy) {
    fail(`Invalid value for 'order_by': at most ${SEARCH_LIMITS.maxOrderBy} entries are allowed, got ${orderBy.length}.`);
  }
}

/** Refuses two order_by entries on the same field, as MLflow does. */
function checkDuplicateOrder(order: readonly OrderClause[]): void {
  const seen = new Set<string>();
  for (const o of order) {
    const id = `${o.type}.${o.key}`;
    if (seen.has(id)) fail(`\`order_by\` contains duplicate fields: ${o.type === 'attribute' ? o.key : id}`);
    seen.add(id);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

function fail(message: string): never {
  throw new DomainError('INVALID_INPUT', message);
}

/** Python-list style, as MLflow prints its key and comparator sets: ['a', 'b']. */
const pyList = (items: Iterable<string>): string => `[${[...items].map((i) => `'${i}'`).join(', ')}]`;
const sorted = (items: Iterable<string>): string[] => [...items].sort();

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

const WS = /\s/;
const UNQUOTED_HEAD = /[\w\-/:]+/y; // the part before the first dot: no dots
const UNQUOTED_KEY = /[\w.\-/:]+/y; // the key after the prefix may contain dots
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])/y;
const WORD = /[A-Za-z]+(?!\w)/y;
const SYMBOLIC_COMPARATOR = /[=!<>~]+/y;
const BARE_VALUE = /[^\s()'"`,]+/y;

/** Index just past the quoted section opening at `start`, or -1 if it is not closed. */
function endOfQuoted(src: string, start: number): number {
  const q = src[start];
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && q !== '`') {
      i += 2;
      continue;
    }
    if (c === q) {
      if (src[i + 1] === q) {
        i += 2; // doubled quote inside the string
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return -1;
}

const isQuote = (c: string | undefined): c is '"' | "'" | '`' => c === '"' || c === "'" || c === '`';

class Scanner {
  pos = 0;
  constructor(readonly src: string) {}

  get done(): boolean {
    return this.pos >= this.src.length;
  }

  peek(): string | undefined {
    return this.src[this.pos];
  }

  skipWs(): void {
    while (this.pos < this.src.length && WS.test(this.src[this.pos]!)) this.pos++;
  }

  /** Consumes a match of a sticky regex at the cursor. */
  match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (!m || m[0] === '') return null;
    this.pos += m[0].length;
    return m[0];
  }

  /** Looks at the word at the cursor, upper-cased, without consuming it. */
  peekWord(): string | null {
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.src);
    return m ? m[0].toUpperCase() : null;
  }

  /** Consumes a quoted section and returns its inner text as written, or null if it is not closed. */
  readQuoted(): string | null {
    const end = endOfQuoted(this.src, this.pos);
    if (end < 0) return null;
    const inner = this.src.slice(this.pos + 1, end - 1);
    this.pos = end;
    return inner;
  }
}

/** The text of the clause starting at `from`, up to the next AND outside quotes. */
function clauseText(src: string, from: number): string {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (isQuote(c)) {
      const end = endOfQuoted(src, i);
      if (end < 0) return src.slice(from).trim();
      i = end;
      continue;
    }
    if (i > from && /[Aa]/.test(c!) && /^and(?!\w)/i.test(src.slice(i, i + 4)) && !/\w/.test(src[i - 1]!)) break;
    i++;
  }
  return src.slice(from, i).trim();
}

// ---------------------------------------------------------------------------------------------
// Syntax: identifiers, comparators, values
// ---------------------------------------------------------------------------------------------

interface RawIdentifier {
  /** The prefix as written (backticks removed), or null when there is none. */
  prefix: string | null;
  key: string;
  raw: string;
}

/** Reads `[prefix.]key`; returns null when there is no well-formed identifier at the cursor. */
function readIdentifier(s: Scanner): RawIdentifier | null {
  const start = s.pos;
  let head: string | null;
  let headQuote: string | undefined;
  const c = s.peek();
  if (c === '`' || c === '"') {
    headQuote = c;
    head = s.readQuoted();
  } else {
    head = s.match(UNQUOTED_HEAD);
  }
  if (head === null) return null;

  if (s.peek() !== '.') return { prefix: null, key: head, raw: s.src.slice(start, s.pos) };
  if (headQuote === '"') return null; // "a".b is not an identifier

  s.pos++; // the dot
  let key: string | null;
  if (isQuote(s.peek())) key = s.readQuoted();
  else key = s.match(UNQUOTED_KEY);
  if (key === null || key === '') {
    const raw = s.src.slice(start, s.pos);
    if (key === null && isQuote(s.peek())) return null; // unterminated quoted key
    fail(
      `Invalid identifier '${raw}'. Columns should be specified as 'attribute.<key>', 'metric.<key>', ` +
        `'tag.<key>', 'dataset.<key>', or 'param.<key>'.`,
    );
  }
  return { prefix: head, key, raw: s.src.slice(start, s.pos) };
}

/** Reads a comparator (upper-cased); null when there is none at the cursor. */
function readComparator(s: Scanner): string | null {
  const sym = s.match(SYMBOLIC_COMPARATOR);
  if (sym) return sym;
  const word = s.match(WORD)?.toUpperCase();
  switch (word) {
    case 'LIKE':
    case 'ILIKE':
    case 'IN':
      return word;
    case 'NOT': {
      s.skipWs();
      const next = s.match(WORD)?.toUpperCase();
      return next === 'IN' || next === 'LIKE' || next === 'ILIKE' ? `NOT ${next}` : null;
    }
    case 'IS': {
      s.skipWs();
      const next = s.match(WORD)?.toUpperCase();
      if (next === 'NULL') return 'IS NULL';
      if (next !== 'NOT') return null;
      s.skipWs();
      return s.match(WORD)?.toUpperCase() === 'NULL' ? 'IS NOT NULL' : null;
    }
    default:
      return null;
  }
}

type ValueToken =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'other'; raw: string } // bare word, `backticked`, (parenthesised)
  | { kind: 'list'; items: string[]; raw: string }
  | { kind: 'none' };

const LIST_ILL_FORMED =
  'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.';

/** Reads a single value (not a list); null when there is none or it is an unterminated string. */
function readScalar(s: Scanner): ValueToken | null {
  const start = s.pos;
  const c = s.peek();
  if (c === "'" || c === '"') {
    const inner = s.readQuoted();
    return inner === null ? null : { kind: 'string', value: inner, raw: s.src.slice(start, s.pos) };
  }
  if (c === '`' || c === '(') {
    const end = c === '`' ? endOfQuoted(s.src, start) : endOfParens(s.src, start);
    if (end < 0) return null;
    s.pos = end;
    return { kind: 'other', raw: s.src.slice(start, end) };
  }
  const num = s.match(NUMBER);
  if (num !== null) return { kind: 'number', value: Number(num), raw: num };
  const bare = s.match(BARE_VALUE);
  return bare === null ? null : { kind: 'other', raw: bare };
}

/** Index just past the ')' matching the '(' at `start` (quotes respected), or -1. */
function endOfParens(src: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < src.length) {
    const c = src[i];
    if (isQuote(c)) {
      const end = endOfQuoted(src, i);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
    i++;
  }
  return -1;
}

/** Reads `('a', "b", ...)` after IN / NOT IN. */
function readList(s: Scanner, filter: string, clauseStart: number, op: string): ValueToken {
  const start = s.pos;
  if (s.peek() !== '(') {
    fail(
      `Invalid clause(s) in filter string: '${clauseText(filter, clauseStart)}'. ` +
        `${op} must be followed by a parenthesised list of quoted strings, e.g. ('a', 'b').`,
    );
  }
  const end = endOfParens(s.src, start);
  if (end < 0) fail(`Invalid clause(s) in filter string: '${clauseText(filter, clauseStart)}'. Unclosed list.`);
  const raw = s.src.slice(start, end);
  s.pos++;
  s.skipWs();
  if (s.peek() === ')') {
    fail('While parsing a list in the query, expected a non-empty list of string values, but got empty list');
  }
  const items: string[] = [];
  for (;;) {
    s.skipWs();
    const c = s.peek();
    if (c !== "'" && c !== '"') {
      fail(
        'While parsing a list in the query, expected string value, punctuation, or whitespace, ' +
          `but got different type in list: ${raw}`,
      );
    }
    items.push(s.readQuoted()!); // closed: endOfParens found the end of the list
    if (items.length > SEARCH_LIMITS.maxInListItems) {
      fail(`Invalid filter: an IN list may hold at most ${SEARCH_LIMITS.maxInListItems} values.`);
    }
    s.skipWs();
    const sep = s.peek();
    s.pos++;
    if (sep === ')') break;
    if (sep !== ',') fail(LIST_ILL_FORMED);
    s.skipWs();
    if (s.peek() === ')') {
      s.pos++; // trailing comma, as in a Python tuple
      break;
    }
  }
  return { kind: 'list', items, raw };
}

interface RawClause {
  id: RawIdentifier;
  op: string;
  value: ValueToken;
}

function readClause(s: Scanner, filter: string): RawClause {
  const clauseStart = s.pos;
  const invalid = (why = ''): never =>
    fail(`Invalid clause(s) in filter string: '${clauseText(filter, clauseStart)}'${why}`);

  const id = readIdentifier(s);
  if (!id) return invalid();
  s.skipWs();
  const op = readComparator(s);
  if (!op) return invalid();
  s.skipWs();
  let value: ValueToken;
  if (op === 'IS NULL' || op === 'IS NOT NULL') value = { kind: 'none' };
  else if (op === 'IN' || op === 'NOT IN') value = readList(s, filter, clauseStart, op);
  else {
    const scalar = readScalar(s);
    if (!scalar) return invalid(isQuote(s.peek()) ? '. Unterminated quoted string.' : '. Expected a value.');
    value = scalar;
  }
  return { id, op, value };
}

function readFilter(filter: string | undefined | null): RawClause[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== 'string') fail(`Invalid filter '${String(filter)}'. Could not be parsed.`);
  if (filter.length > SEARCH_LIMITS.maxFilterLength) {
    fail(`Invalid filter: it is ${filter.length} characters long; the limit is ${SEARCH_LIMITS.maxFilterLength}.`);
  }
  const s = new Scanner(filter);
  s.skipWs();
  const clauses: RawClause[] = [];
  while (!s.done) {
    if (clauses.length >= SEARCH_LIMITS.maxFilterClauses) {
      fail(`Invalid filter: it has more than ${SEARCH_LIMITS.maxFilterClauses} clauses; the limit is ${SEARCH_LIMITS.maxFilterClauses}.`);
    }
    clauses.push(readClause(s, filter));
    s.skipWs();
    if (s.done) break;
    const at = s.pos;
    const word = s.peekWord();
    if (word === 'AND') {
      s.pos += 3;
      s.skipWs();
      if (s.done) fail(`Invalid clause(s) in filter string: 'AND'. A clause must follow AND.`);
      continue;
    }
    if (word === 'OR') {
      fail(
        `Invalid clause(s) in filter string: '${clauseText(filter, at)}'. ` +
          'The OR operator is not supported; join clauses with AND.',
      );
    }
    fail(`Invalid clause(s) in filter string: '${clauseText(filter, at)}'`);
  }
  return clauses;
}

// ---------------------------------------------------------------------------------------------
// Semantics
// ---------------------------------------------------------------------------------------------

/** What a resolved identifier accepts. */
interface Target {
  type: EntityType;
  key: string;
  /** The key as written, for messages. */
  written: string;
  comparators: readonly Comparator[];
  valueKind: 'number' | 'string';
  /** Message when the value has the wrong type. */
  badValue: (raw: string) => string;
  /** Message for IN / NOT IN when only some keys of this entity allow lists. */
  listError?: string;
}

const NOT_QUOTED = (raw: string) =>
  `Parameter value is either not quoted or unidentified quote types used for string value ${raw}. ` +
  'Use either single or double quotes.';

function checkAttributeKey(key: string, valid: ReadonlySet<string>): void {
  if (!valid.has(key)) fail(`Invalid attribute key '${key}' specified. Valid keys are '${pyList(sorted(valid))}'`);
}

function runEntityType(id: RawIdentifier): EntityType {
  if (id.prefix === null) return 'attribute';
  const type = RUN_ENTITY_PREFIXES.get(id.prefix);
  if (!type) {
    fail(`Invalid entity type '${id.prefix}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`);
  }
  return type;
}

function experimentEntityType(id: RawIdentifier): EntityType {
  if (id.prefix === null) return 'attribute';
  const type = EXPERIMENT_ENTITY_PREFIXES.get(id.prefix);
  if (!type) fail(`Invalid entity type '${id.prefix}'. Valid entity types are ('attribute', 'tag', 'tags')`);
  return type;
}

function checkDatasetKey(key: string): void {
  if (!DATASET_KEYS.has(key)) {
    fail(`Invalid dataset key '${key}' specified. Valid keys are '${pyList(DATASET_KEYS)}'`);
  }
}

function runTarget(id: RawIdentifier): Target {
  const type = runEntityType(id);
  const key = id.key;
  switch (type) {
    case 'metric':
      return {
        type,
        key,
        written: key,
        comparators: NUMERIC_COMPARATORS,
        valueKind: 'number',
        badValue: (raw) => `Expected numeric value type for metric. Found ${raw}`,
      };
    case 'param':
    case 'tag': {
      const noun = type === 'param' ? 'parameter' : 'tag';
      return {
        type,
        key,
        written: key,
        comparators: RUN_PARAM_TAG_COMPARATORS,
        valueKind: 'string',
        badValue: (raw) => `Expected a quoted string value for ${noun} (e.g. 'my-value'). Got value ${raw}`,
      };
    }
    case 'dataset':
      checkDatasetKey(key);
      return {
        type,
        key,
        written: key,
        comparators: LIST_COMPARATORS,
        valueKind: 'string',
        badValue: (raw) => `Expected a quoted string value for dataset attributes. Got value ${raw}`,
      };
    case 'attribute': {
      checkAttributeKey(key, RUN_SEARCH_KEYS);
      const canonical = RUN_ATTRIBUTE_ALIASES.get(key) ?? key;
      if (NUMERIC_RUN_KEYS.has(canonical)) {
        return {
          type,
          key: canonical,
          written: key,
          comparators: NUMERIC_COMPARATORS,
          valueKind: 'number',
          badValue: (raw) => `Expected numeric value type for numeric attribute: ${key}. Found ${raw}`,
        };
      }
      const target: Target = {
        type,
        key: canonical,
        written: key,
        comparators: canonical === 'run_id' ? LIST_COMPARATORS : STRING_COMPARATORS,
        valueKind: 'string',
        badValue: (raw) => `Expected a quoted string value for attributes. Got value ${raw}`,
      };
      if (canonical !== 'run_id') {
        target.listError = "Only the 'run_id' attribute supports comparison with a list of quoted string values.";
      }
      return target;
    }
  }
}

function experimentTarget(id: RawIdentifier): Target {
  const type = experimentEntityType(id);
  const key = id.key;
  if (type === 'tag') {
    return {
      type,
      key,
      written: key,
      comparators: STRING_COMPARATORS,
      valueKind: 'string',
      badValue: (raw) => `Expected a quoted string value for tag (e.g. 'my-value'). Got value ${raw}`,
    };
  }
  checkAttributeKey(key, EXPERIMENT_SEARCH_KEYS);
  if (NUMERIC_EXPERIMENT_KEYS.has(key)) {
    return {
      type,
      key,
      written: key,
      comparators: NUMERIC_COMPARATORS,
      valueKind: 'number',
      badValue: (raw) => `Expected numeric value type for numeric attribute: ${key}. Found ${raw}`,
    };
  }
  return {
    type,
    key,
    written: key,
    comparators: STRING_COMPARATORS,
    valueKind: 'string',
    badValue: (raw) => `Expected a quoted string value for attributes. Got value ${raw}`,
  };
}

function toClause(raw: RawClause, resolve: (id: RawIdentifier) => Target): FilterClause {
  const target = resolve(raw.id);
  const op = raw.op as Comparator;
  if (!target.comparators.includes(op)) {
    if ((op === 'IN' || op === 'NOT IN') && target.listError) fail(target.listError);
    fail(
      `Invalid comparator '${raw.op}' for ${target.type} '${target.written}', ` +
        `not one of '${pyList(target.comparators)}'`,
    );
  }
  const v = raw.value;
  let value: FilterClause['value'];
  switch (v.kind) {
    case 'none':
      value = null;
      break;
    case 'list':
      value = v.items;
      break;
    case 'number':
      if (target.valueKind !== 'number') fail(target.badValue(v.raw));
      value = v.value;
      break;
    case 'string':
      if (target.valueKind !== 'string') fail(target.badValue(v.raw));
      value = v.value;
      break;
    case 'other':
      if (target.valueKind === 'string' && !v.raw.startsWith('(')) fail(NOT_QUOTED(v.raw));
      fail(target.badValue(v.raw));
  }
  return { type: target.type, key: target.key, comparator: op, value };
}

// ---------------------------------------------------------------------------------------------
// Order by
// ---------------------------------------------------------------------------------------------

function readOrderBy(entry: string): { id: RawIdentifier; ascending: boolean } {
  const cannotParse = (): never => fail(`Invalid order_by clause '${String(entry)}'. Could not be parsed.`);
  if (typeof entry !== 'string') cannotParse();
  const s = new Scanner(entry);
  s.skipWs();
  const id = readIdentifier(s);
  if (!id) return cannotParse();
  const afterId = s.pos;
  s.skipWs();
  let ascending = true;
  if (!s.done) {
    if (s.pos === afterId) cannotParse(); // something glued to the identifier
    const direction = s.match(/\S+/y)!;
    s.skipWs();
    if (!s.done) cannotParse();
    const d = direction.toLowerCase();
    if (d === 'desc') ascending = false;
    else if (d !== 'asc') fail(`Invalid ordering key in order_by clause '${entry}'.`);
  }
  return { id, ascending };
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Parses a search_runs filter string; '' / undefined / null give []. */
export function parseRunFilter(filter: string | undefined | null): FilterClause[] {
  return readFilter(filter).map((c) => toClause(c, runTarget));
}

/** Parses search_runs order_by entries such as 'metrics.acc DESC' or 'attributes.start_time'. */
export function parseRunOrderBy(orderBy: readonly string[] | undefined | null): OrderClause[] {
  if (!orderBy) return [];
  checkOrderByCount(orderBy);
  const order = orderBy.map((entry): OrderClause => {
    const { id, ascending } = readOrderBy(entry);
    const type = runEntityType(id);
    switch (type) {
      case 'metric':
      case 'param':
      case 'tag':
        return { type, key: id.key, ascending };
      case 'attribute':
        checkAttributeKey(id.key, RUN_ORDER_KEYS);
        return { type, key: RUN_ATTRIBUTE_ALIASES.get(id.key) ?? id.key, ascending };
      case 'dataset':
        return fail(`Invalid order_by entity type '${type}'`);
    }
  });
  checkDuplicateOrder(order);
  return order;
}

/** Parses a search_experiments filter string: attributes name / creation_time / last_update_time and tags. */
export function parseExperimentFilter(filter: string | undefined | null): FilterClause[] {
  return readFilter(filter).map((c) => toClause(c, experimentTarget));
}

/** Parses search_experiments order_by entries over experiment_id, name, creation_time, last_update_time. */
export function parseExperimentOrderBy(orderBy: readonly string[] | undefined | null): OrderClause[] {
  if (!orderBy) return [];
  checkOrderByCount(orderBy);
  const order = orderBy.map((entry): OrderClause => {
    const { id, ascending } = readOrderBy(entry);
    const type = experimentEntityType(id);
    if (type !== 'attribute') fail(`Invalid order_by entity: ${type}`);
    checkAttributeKey(id.key, EXPERIMENT_ORDER_KEYS);
    return { type, key: id.key, ascending };
  });
  checkDuplicateOrder(order);
  return order;
}
