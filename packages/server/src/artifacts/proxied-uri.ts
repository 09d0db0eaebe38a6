import { normalizeArtifactPath, type ArtifactStore } from './artifact-store.js';

/** The scheme of artifact URIs that clients resolve to this server's artifact proxy. */
export const PROXY_SCHEME = 'mlflow-artifacts:';

/**
 * The store-relative path behind a `mlflow-artifacts:/…` URI (what runs, model versions and
 * deployments point at), or null for any other scheme.
 *
 * @example proxiedStorePath('mlflow-artifacts:/0/abc/artifacts/model') // '0/abc/artifacts/model'
 */
export function proxiedStorePath(uri: string): string | null {
  if (!uri.startsWith(PROXY_SCHEME)) return null;
  const rest = uri.slice(PROXY_SCHEME.length);
  // mlflow-artifacts://host:port/path names a server explicitly; the path part is what we store.
  const path = rest.startsWith('//') ? rest.replace(/^\/\/[^/]*/, '') : rest;
  return normalizeArtifactPath(path.replace(/^\/+/, ''));
}

/**
 * Reads a whole artifact into memory, refusing past `maxBytes` (checked against the known size
 * first, then while reading) with the error `tooLarge` builds.
 */
export async function readArtifactBytes(
  store: ArtifactStore,
  path: string,
  opts: { size?: number | undefined; maxBytes: number; tooLarge: (path: string, size: number | undefined) => Error },
): Promise<Buffer> {
  if (opts.size !== undefined && opts.size > opts.maxBytes) throw opts.tooLarge(path, opts.size);
  const { stream } = await store.get(path);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += b.length;
    if (total > opts.maxBytes) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw opts.tooLarge(path, undefined);
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}
