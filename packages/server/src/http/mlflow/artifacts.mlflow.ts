import { extname, posix } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@flywheel/contract';
import { contentDisposition, normalizeArtifactPath, proxiedStorePath, type ArtifactStore } from '../../artifacts/index.js';
import type { Access, Need } from '../../domains/org/access.js';
import type { TrackingService } from '../../domains/tracking/index.js';

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.yaml': 'text/yaml',
  '.yml': 'text/yaml',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
  '.parquet': 'application/octet-stream',
};

/** `artifacts/list` of the tracking API: paths relative to the run's artifact root. */
export async function listRunArtifacts(store: ArtifactStore, artifactUri: string, path: string) {
  const rel = normalizeArtifactPath(path);
  const root = proxiedStorePath(artifactUri);
  if (root === null) return { root_uri: artifactUri };
  const base = rel ? posix.join(root, rel) : root;
  const entries = await store.list(base);
  const files = entries.map((e) => ({
    path: posix.relative(root, e.path),
    is_dir: e.isDir,
    ...(e.isDir ? {} : { file_size: e.fileSize ?? 0 }),
  }));
  return { root_uri: artifactUri, ...(files.length ? { files } : {}) };
}

const pathParam = (req: FastifyRequest) => normalizeArtifactPath((req.params as { '*': string })['*'] ?? '');

/** The store prefix of dataset files, which the datasets service owns (see DatasetsService). */
const DATASETS_PREFIX = 'datasets';

/**
 * A normalized path the proxy may write or delete: anything but the dataset files. Those are
 * immutable (a version's content hash must keep describing its bytes) and are only ever written
 * by /api/v1/datasets; the proxy may still read them.
 */
function writablePath(path: string): string {
  // Compared case-insensitively: on a case-insensitive file system 'Datasets/…' is the same folder.
  const top = path.split('/', 1)[0]!.toLowerCase();
  if (top === DATASETS_PREFIX) {
    throw new DomainError(
      'NOT_ALLOWED',
      `Permission denied for artifact path '${path}': dataset files are immutable and managed through /api/v1/datasets; the artifact proxy may read them but not write or delete them.`,
    );
  }
  return path;
}

/** Who may touch which proxied path: the experiment a path belongs to decides (issue 6). */
export interface ArtifactGuard {
  tracking: TrackingService;
  access(req: FastifyRequest): Access;
}

/**
 * Enforces the owner of `path` for `need`: `<experiment id>/…` (where runs and the model versions
 * registered from them keep their files) follows that experiment; `datasets/…` is hidden from
 * restricted callers (dataset files are read through /api/v1/datasets, which checks the dataset);
 * anything else is unowned and shared, as before.
 */
async function guardPath(guard: ArtifactGuard | undefined, req: FastifyRequest, path: string, need: Need): Promise<void> {
  if (!guard) return;
  const access = guard.access(req);
  if (access.unrestricted || path === '') return;
  const top = path.split('/', 1)[0]!;
  if (/^\d{1,15}$/.test(top)) {
    await guard.tracking.guardExperiment(access, top, need).catch((e: unknown) => {
      throw e instanceof DomainError && e.code === 'NOT_FOUND' ? new DomainError('NOT_FOUND', `No artifact at '${path}'.`) : e;
    });
  } else if (top.toLowerCase() === DATASETS_PREFIX) {
    throw new DomainError('NOT_FOUND', `No artifact at '${path}'.`);
  }
}

/** The entries of the root listing a restricted caller may see: its readable experiments and unowned folders. */
async function visibleRootEntries<T extends { path: string }>(guard: ArtifactGuard | undefined, req: FastifyRequest, entries: T[]): Promise<T[]> {
  if (!guard) return entries;
  const access = guard.access(req);
  if (access.unrestricted) return entries;
  const out: T[] = [];
  for (const e of entries) {
    const name = posix.basename(e.path);
    if (name.toLowerCase() === DATASETS_PREFIX) continue;
    if (/^\d{1,15}$/.test(name) && !(await guard.tracking.guardExperiment(access, name, 'read').then(() => true, () => false))) continue;
    out.push(e);
  }
  return out;
}

/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/...`): clients given a `mlflow-artifacts:/`
 * URI upload, list, download and delete through the server and never see the storage behind it.
 */
export async function registerArtifactProxy(app: FastifyInstance, store: ArtifactStore, guard?: ArtifactGuard): Promise<void> {
  // Uploads are streamed to the store whatever their content type; nothing is buffered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
    app.get(`${prefix}/artifacts`, async (req) => {
      const q = req.query as { path?: unknown };
      if (q.path !== undefined && typeof q.path !== 'string') throw new DomainError('INVALID_INPUT', `Invalid value for parameter 'path': expected one string.`);
      const base = normalizeArtifactPath(q.path ?? '');
      await guardPath(guard, req, base, 'read');
      const listed = await store.list(base);
      const entries = base === '' ? await visibleRootEntries(guard, req, listed) : listed;
      const files = entries.map((e) => ({ path: posix.basename(e.path), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.fileSize ?? 0 }) }));
      return files.length ? { files } : {};
    });
    app.get(`${prefix}/artifacts/*`, async (req, reply: FastifyReply) => {
      const path = pathParam(req);
      await guardPath(guard, req, path, 'read');
      const { stream, size } = await store.get(path);
      return reply
        .header('content-type', MIME[extname(path).toLowerCase()] ?? 'application/octet-stream')
        .header('content-length', size)
        .header('content-disposition', contentDisposition(posix.basename(path)))
        .header('x-content-type-options', 'nosniff')
        .send(stream);
    });
    app.put(`${prefix}/artifacts/*`, async (req) => {
      const path = writablePath(pathParam(req));
      if (path === '') throw new DomainError('INVALID_INPUT', 'Invalid artifact path: an upload needs a file path.');
      await guardPath(guard, req, path, 'write');
      const body = (req.body ?? Buffer.alloc(0)) as NodeJS.ReadableStream | Buffer;
      await store.put(path, body);
      return {};
    });
    app.delete(`${prefix}/artifacts/*`, async (req) => {
      const path = writablePath(pathParam(req));
      await guardPath(guard, req, path, 'write');
      await store.delete(path);
      return {};
    });
    // The client falls back to a single PUT when it reads exactly this message.
    for (const op of ['create', 'complete', 'abort']) {
      app.post(`${prefix}/mpu/${op}/*`, async () => {
        throw new DomainError('NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository');
      });
    }
  }
}
