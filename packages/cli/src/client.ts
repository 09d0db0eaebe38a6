/** Exit codes the CLI promises: scripts can tell a refusal from an unreachable server. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/**
 * A small client for the native API. The server URL comes from `--url`, then `FLYWHEEL_URL`,
 * then http://127.0.0.1:5000. Credentials: `FLYWHEEL_TOKEN`, else the token `flywheel login` saved
 * for that URL in the profile, else none (a loopback server lets anonymous callers in by default).
 */
export class ApiClient {
  readonly baseUrl: string;
  private token: Promise<string | undefined> | undefined;
  constructor(url?: string) {
    this.baseUrl = (url || process.env.FLYWHEEL_URL || 'http://127.0.0.1:5000').replace(/\/+$/, '');
  }

  private credentials(): Promise<string | undefined> {
    this.token ??= process.env.FLYWHEEL_TOKEN
      ? Promise.resolve(process.env.FLYWHEEL_TOKEN)
      : import('./profile.js').then(({ tokenFor }) => tokenFor(this.baseUrl));
    return this.token;
  }

  async request<T>(method: string, path: string, opts: { query?: Record<string, string | undefined>; json?: unknown; body?: RequestInit['body']; contentType?: string } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    const token = await this.credentials();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: RequestInit['body'] | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
      body = opts.body;
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (e) {
      throw new CliError(`Cannot reach the Flywheel server at ${this.baseUrl} (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}). Start it with 'flywheel server' or pass --url.`, EXIT.unreachable);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      // The native shape {error: {code, message}}, or MLflow's {error_code, message}: the message in full (a policy refusal lists every unmet condition).
      const p = parsed as { error?: { code?: string; message?: string }; error_code?: string; message?: string };
      const message = p.error?.message ?? p.message;
      const code = p.error?.code ?? p.error_code ?? res.status;
      throw new CliError(message ? `${message} (${code})` : `The server answered ${res.status}: ${text.slice(0, 300)}`, EXIT.failed);
    }
    return parsed as T;
  }
}
