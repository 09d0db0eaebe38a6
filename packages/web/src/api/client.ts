/**
 * The UI's one way to call the server: same origin, the session cookie, JSON in and out, and the
 * server's error shape (`{"error": {"code", "message"}}` natively, `{"error_code", "message"}` on
 * the MLflow API) turned into an {@link ApiError} whose message can be shown as is.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) qs.append(k, String(x));
    else qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

/** Listeners told when a call answers 401: the session ended, the app shows the login page. */
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

export async function request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' }, signal: opts.signal };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(withQuery(path, opts.query), init);
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: { code?: string; message?: string; details?: unknown } | string; error_code?: string; message?: string };
    const native = typeof e.error === 'object' ? e.error : undefined;
    const code = native?.code ?? e.error_code ?? `HTTP_${res.status}`;
    const message = native?.message ?? e.message ?? (typeof e.error === 'string' ? e.error : `${method} ${path} failed with HTTP ${res.status}`);
    if (res.status === 401) for (const fn of unauthenticatedListeners) fn();
    throw new ApiError(res.status, code, message, native?.details);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body: body ?? {}, query }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body: body ?? {} }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body: body ?? {} }),
  del: <T>(path: string, query?: Query) => request<T>('DELETE', path, { query }),
};
