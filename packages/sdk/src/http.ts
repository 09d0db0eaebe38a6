import { FlywheelError, FlywheelNetworkError } from './errors.js';

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** An API token (`fw_…`), sent as a bearer token. Browsers may rely on the session cookie instead. */
  token?: string;
  /** Retries of a transient failure (network error, 429, 502, 503, 504), with exponential backoff; default 3. */
  retries?: number;
  /** First backoff in ms (doubled each retry, with jitter); default 200. */
  backoffMs?: number;
  /** Per-request timeout in ms; default 30 000. */
  timeoutMs?: number;
  /** fetch to use (default: the global one — Node 20+ and browsers). */
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly (string | number)[]>;

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /**
   * Whether a retry after a lost answer is safe. Default: true for GET, PUT, DELETE, false for POST
   * and PATCH — a POST whose answer was lost may have been applied.
   */
  idempotent?: boolean;
  /** Return the raw Response (for downloads). */
  raw?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The transport under every SDK call: auth, JSON, errors as {@link FlywheelError}, retries of transient failures. */
export class HttpTransport {
  readonly url: string;
  private readonly opts: Required<Omit<ClientOptions, 'token' | 'url' | 'fetch'>> & { token?: string };
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.opts = { retries: opts.retries ?? 3, backoffMs: opts.backoffMs ?? 200, timeoutMs: opts.timeoutMs ?? 30_000, token: opts.token };
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const url = this.url + path + queryString(o.query);
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    }
    const idempotent = o.idempotent ?? !(method === 'POST' || method === 'PATCH');
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs), credentials: 'same-origin' });
      } catch (e) {
        // The request may or may not have reached the server: only an idempotent one is sent again.
        if (idempotent && attempt < this.opts.retries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new FlywheelNetworkError(`${method} ${url} failed: ${e instanceof Error ? e.message : String(e)}`, e);
      }
      if (res.ok) {
        if (o.raw) return res as unknown as T;
        const text = await res.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const err = await toError(res, method, path);
      // 429/503 mean the server did not act; 502/504 from a proxy may hide an applied request.
      const safe = idempotent || res.status === 429 || res.status === 503;
      if (err.transient && safe && attempt < this.opts.retries) {
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : this.backoff(attempt));
        continue;
      }
      throw err;
    }
  }

  private backoff(attempt: number): number {
    const base = this.opts.backoffMs * 2 ** attempt;
    return base / 2 + Math.random() * (base / 2);
  }
}

function queryString(q?: Query): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function toError(res: Response, method: string, path: string): Promise<FlywheelError> {
  const text = await res.text().catch(() => '');
  let data: { error?: { code?: string; message?: string; details?: unknown } | string; error_code?: string; message?: string } = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    /* not JSON: a proxy's page */
  }
  const native = typeof data.error === 'object' ? data.error : undefined;
  const code = native?.code ?? data.error_code ?? `HTTP_${res.status}`;
  const message = native?.message ?? data.message ?? (typeof data.error === 'string' ? data.error : `${method} ${path} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  return new FlywheelError(res.status, code, message, native?.details);
}
