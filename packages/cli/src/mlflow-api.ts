import { CliError, EXIT, type ApiClient } from './client.js';

/**
 * Calls the MLflow REST API (`/api/2.0/mlflow/<path>`) of the server `client` talks to, with the
 * same credentials. Its own fetch because MLflow answers errors as `{error_code, message}`, not
 * the native `{error: {code, message}}` ApiClient reads, and a policy refusal's message (every
 * unmet condition) must reach the user whole.
 */
export async function mlflowRequest<T>(client: ApiClient, method: 'GET' | 'POST', path: string, opts: { query?: Record<string, string | undefined>; json?: unknown } = {}): Promise<T> {
  const url = new URL(`${client.baseUrl}/api/2.0/mlflow/${path}`);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  const token = process.env.FLYWHEEL_TOKEN || (await import('./profile.js').then(({ tokenFor }) => tokenFor(client.baseUrl)));
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}) });
  } catch (e) {
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
    throw new CliError(`Cannot reach the Flywheel server at ${client.baseUrl} (${cause}). Start it with 'flywheel server' or pass --url.`, EXIT.unreachable);
  }
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const err = parsed as { error_code?: string; message?: string };
    throw new CliError(err.message ? `${err.message} (${err.error_code ?? res.status})` : `The server answered ${res.status}: ${text.slice(0, 300)}`, EXIT.failed);
  }
  return parsed as T;
}
