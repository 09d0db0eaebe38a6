import { DomainError, type Tag } from '@flywheel/contract';

// MLflow's handlers validate every field with the same two messages; we use them word for word
// so that scripts which parse MLflow errors keep working.
const SEE_DOCS = 'See the API docs for more information about request parameters.';

const pyType = (v: unknown): string =>
  v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool'
    : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'object' ? 'dict' : typeof v;

export function missing(field: string): DomainError {
  return new DomainError('INVALID_INPUT', `Missing value for required parameter '${field}'. ${SEE_DOCS}`);
}

export function invalid(field: string, value: unknown, hint?: string): DomainError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new DomainError(
    'INVALID_INPUT',
    `Invalid value ${shown} for parameter '${field}' supplied. Hint: Value was of type '${pyType(value)}'.${hint ? ` ${hint}` : ''} ${SEE_DOCS}`,
  );
}

type Source = Record<string, unknown>;

/**
 * Reads one MLflow request message (JSON body or query string) field by field, accepting what
 * protobuf's JSON parser accepts: int64 as number or decimal string, doubles as numbers or the
 * strings "NaN", "Infinity", "-Infinity", repeated fields as arrays.
 *
 * A query string has no types: one value of a repeated field is a list of one, and a repeated
 * key where one value belongs reads its first value (as Flask's `args.get` does). A JSON body
 * is typed: a list where a string belongs, or a string where a list belongs, is refused.
 */
export class MlflowRequest {
  private readonly src: Source;
  constructor(
    src: unknown,
    private readonly prefix = '',
    private readonly fromQuery = false,
  ) {
    this.src = src !== null && typeof src === 'object' && !Array.isArray(src) ? (src as Source) : {};
  }

  /** A request read from a query string (GET). */
  static fromQuery(query: unknown): MlflowRequest {
    return new MlflowRequest(query, '', true);
  }

  private name(field: string) {
    return this.prefix + field;
  }

  /** The value of a singular field. */
  private value(field: string): unknown {
    const v = this.src[field];
    return this.fromQuery && Array.isArray(v) ? v[0] : v;
  }

  has(field: string): boolean {
    const v = this.src[field];
    return v !== undefined && v !== null;
  }

  raw(field: string): unknown {
    return this.src[field];
  }

  /** A string field; `alias` is read when `field` is absent (MLflow's run_id / run_uuid). */
  string(field: string, opts: { required: true; alias?: string }): string;
  string(field: string, opts?: { required?: false; alias?: string }): string | undefined;
  string(field: string, opts: { required?: boolean; alias?: string } = {}): string | undefined {
    let v = this.value(field);
    if ((v === undefined || v === null || v === '') && opts.alias) v = this.value(opts.alias);
    if (v === undefined || v === null || (opts.required && v === '')) {
      if (opts.required) throw missing(this.name(field));
      return undefined;
    }
    if (typeof v === 'number' && field.endsWith('experiment_id')) return String(v); // MLflow stringifies these
    if (typeof v !== 'string') throw invalid(this.name(field), v);
    return v;
  }

  int64(field: string, opts: { required?: boolean } = {}): number | undefined {
    const v = this.value(field);
    if (v === undefined || v === null || v === '') {
      if (opts.required) throw missing(this.name(field));
      return undefined;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw invalid(this.name(field), v);
    return n;
  }

  double(field: string, opts: { required?: boolean } = {}): number | undefined {
    const v = this.value(field);
    if (v === undefined || v === null || v === '') {
      if (opts.required) throw missing(this.name(field));
      return undefined;
    }
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      const t = v.trim();
      if (t !== '' && Number.isFinite(Number(t))) return Number(t);
    }
    throw invalid(this.name(field), v);
  }

  bool(field: string): boolean | undefined {
    const v = this.value(field);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    throw invalid(this.name(field), v);
  }

  /** A repeated message field: each element read with its own MlflowRequest (paths like metrics[3].key). */
  messages(field: string): MlflowRequest[] {
    const v = this.src[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalid(this.name(field), v);
    return v.map((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalid(`${this.name(field)}[${i}]`, item);
      return new MlflowRequest(item, `${this.name(field)}[${i}].`);
    });
  }

  message(field: string): MlflowRequest | undefined {
    const v = this.src[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalid(this.name(field), v);
    return new MlflowRequest(v, `${this.name(field)}.`);
  }

  /** A repeated string field; a single query value counts as a list of one. */
  strings(field: string): string[] {
    const v = this.src[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) && !this.fromQuery) throw invalid(this.name(field), v);
    const list = Array.isArray(v) ? v : [v];
    return list.map((x, i) => {
      if (typeof x === 'number' && field.startsWith('experiment_id')) return String(x);
      if (typeof x !== 'string') throw invalid(`${this.name(field)}[${i}]`, x);
      return x;
    });
  }

  /** An enum field, given by name (as the Python client sends it) or by its proto number. */
  enumOf<T extends string>(field: string, values: readonly T[]): T | undefined {
    const v = this.value(field);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= values.length) return values[n - 1];
    throw invalid(this.name(field), v, `Expected one of ${values.join(', ')}.`);
  }
}

/**
 * The fields of an MLflow request: the query string for GET, and for DELETE without body fields
 * (the Python client sends DELETE fields as JSON, other clients as a query string); otherwise
 * the JSON body.
 */
export function mlflowRequestOf(req: { method: string; body: unknown; query: unknown }): MlflowRequest {
  const body = req.body;
  const bodyHasFields = body !== null && typeof body === 'object' && Object.keys(body).length > 0;
  if (req.method === 'GET' || (req.method === 'DELETE' && !bodyHasFields)) return MlflowRequest.fromQuery(req.query);
  return new MlflowRequest(body);
}

/** The `tags` (or another repeated `{key, value}` field) of an MLflow request message. */
export function tagsOf(req: MlflowRequest, field = 'tags'): Tag[] {
  return req.messages(field).map((t) => ({ key: t.string('key', { required: true }), value: t.string('value') ?? '' }));
}
