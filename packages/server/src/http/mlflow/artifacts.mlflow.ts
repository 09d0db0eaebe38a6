import { extname, posix } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@flywheel/contract';
import { contentDisposition, normalizeArtifactPath, proxiedStorePath, type ArtifactStore } from '../../artifacts/index.js';

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

/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/...`): clients given a `mlflow-artifacts:/`
 * URI upload, list, download and delete through the server and never see the storage behind it.
 */
export async function registerArtifactProxy(app: FastifyInstance, store: ArtifactStore): Promise<void> {
  // Uploads are streamed to the store whatever their content type; nothing is buffered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
    app.get(`${prefix}/artifacts`, async (req) => {
      const q = req.query as { path?: unknown };
      if (q.path !== undefined && typeof q.path !== 'string') throw new DomainError('INVALID_INPUT', `Invalid value for parameter 'path': expected one string.`);
      const base = normalizeArtifactPath(q.path ?? '');
      const entries = await store.list(base);
      const files = entries.map((e) => ({ path: posix.basename(e.path), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.fileSize ?? 0 }) }));
      return files.length ? { files } : {};
    });
    app.get(`${prefix}/artifacts/*`, async (req, reply: FastifyReply) => {
      const path = pathParam(req);
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
      const body = (req.body ?? Buffer.alloc(0)) as NodeJS.ReadableStream | Buffer;
      await store.put(path, body);
      return {};
    });
    app.delete(`${prefix}/artifacts/*`, async (req) => {
      await store.delete(writablePath(pathParam(req)));
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
