import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DomainError } from '@flywheel/contract';
import { normalizeArtifactPath, type ArtifactEntry, type ArtifactStore } from './artifact-store.js';
import { parseS3Uri } from './s3-uri.js';

/** Multipart part size: 8 MiB (S3's minimum is 5 MiB; 10,000 parts ⇒ objects up to ~78 GiB). */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** Parts uploaded concurrently, i.e. at most ~queueSize × partSize bytes buffered per upload. */
export const S3_QUEUE_SIZE = 4;
/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

export { isS3Uri, parseS3Uri, type S3Location } from './s3-uri.js';

export interface S3ArtifactStoreOptions {
  /** `s3://bucket[/prefix]`: where the store's root is. */
  root: string;
  /** Endpoint of an S3-compatible server (MinIO, Ceph, s3rver…); AWS when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Static credentials; both or neither. Without them the SDK's default chain is used. */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** `http://endpoint/bucket/key` rather than `http://bucket.endpoint/key`. */
  forcePathStyle?: boolean | undefined;
  /** Keys asked for per ListObjectsV2 request (default and maximum 1000; smaller in tests). */
  listPageSize?: number | undefined;
  /** For tests: a ready client (the connection options above are then ignored). */
  client?: S3Client | undefined;
}

function notFound(rel: string): never {
  throw new DomainError('NOT_FOUND', `Artifact '${rel}' not found.`, { path: rel });
}

function invalid(path: string, why: string): never {
  throw new DomainError('INVALID_INPUT', `Invalid artifact path '${path}': ${why}`, { path });
}

function conflict(rel: string, why: string): never {
  throw new DomainError('CONFLICT', `Cannot write artifact '${rel}': ${why}`, { path: rel });
}

/** Whether the SDK error means "no such object" (GetObject says NoSuchKey, HeadObject NotFound). */
function isMissing(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const name = (e as { name?: unknown }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** Whether a key segment found in the bucket is one a client could ask for. */
function isAddressable(name: string): boolean {
  try {
    return name !== '' && normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}

const byPath = (a: ArtifactEntry, b: ArtifactEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * An {@link ArtifactStore} keeping artifacts as objects under `s3://bucket/prefix`, on AWS S3 or
 * any S3-compatible server. Folders are key prefixes, as S3 has none: a folder exists while
 * something is under it. Uploads are streamed with multipart uploads (8 MiB parts, 4 in flight),
 * so memory use does not depend on the artifact's size, and an object only appears once its upload
 * completes (a failed upload is aborted and leaves nothing).
 *
 * Credentials are kept in the (private) client only; the store itself holds nothing secret, so
 * logging it is harmless.
 *
 * @example
 *   const store = new S3ArtifactStore({ root: 's3://ml/flywheel', region: 'eu-west-1' });
 *   await store.put('1/abc/artifacts/model.pkl', fs.createReadStream('model.pkl'));
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3';
  readonly bucket: string;
  /** Key prefix of the root, '' or ending with '/'. */
  readonly keyPrefix: string;
  readonly #client: S3Client;
  readonly #pageSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    const { bucket, prefix } = parseS3Uri(options.root);
    this.bucket = bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.#client = options.client ?? new S3Client(clientConfig(options));
    this.#pageSize = Math.max(1, Math.min(1000, options.listPageSize ?? 1000));
  }

  /** `s3://bucket/prefix` of the root. */
  get root(): string {
    return `s3://${this.bucket}/${this.keyPrefix}`;
  }

  async put(path: string, body: NodeJS.ReadableStream | Buffer | string): Promise<{ size: number }> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') invalid(path, 'a file needs a name; the root is a folder.');
    // Keep the tree well-formed, as on a file system: no file over a folder, no folder in a file.
    const ancestors = rel.split('/').slice(0, -1).map((_, i, segs) => segs.slice(0, i + 1).join('/'));
    const [isDir, ...fileAncestors] = await Promise.all([this.#hasChildren(rel), ...ancestors.map((a) => this.#headSize(a))]);
    if (isDir) conflict(rel, 'it is a directory.');
    if (fileAncestors.some((s) => s !== null)) conflict(rel, 'a folder on its path is a file.');

    let size = 0;
    let source: Readable | Buffer | string;
    let feeding: Promise<void> | undefined;
    let counter: Transform | undefined;
    let sourceError: Error | undefined;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      source = body;
      size = Buffer.byteLength(body);
    } else {
      counter = new Transform({
        transform(chunk: Buffer | string, _enc, done) {
          size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
          done(null, chunk);
        },
      });
      const input = body instanceof Readable ? body : Readable.from(body as AsyncIterable<Buffer | string>);
      input.once('error', (e) => {
        sourceError ??= e;
      });
      // A failure of the source also destroys `counter`, which fails the upload below.
      feeding = pipeline(input, counter);
      feeding.catch(() => undefined);
      source = counter;
    }
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.bucket, Key: this.#key(rel), Body: source },
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      if (feeding) await feeding;
    } catch (e) {
      // Stop reading the source (the upload was aborted, its parts are gone).
      counter?.destroy();
      await feeding?.catch(() => undefined);
      // The source's own error (e.g. the client went away) says more than the SDK's report of it.
      throw sourceError ?? e;
    }
    return { size };
  }

  async get(path: string): Promise<{ stream: NodeJS.ReadableStream; size: number }> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') notFound(rel);
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(rel) }));
      return { stream: out.Body as Readable, size: out.ContentLength ?? 0 };
    } catch (e) {
      if (isMissing(e)) notFound(rel);
      throw e;
    }
  }

  async stat(path: string): Promise<ArtifactEntry | null> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') return { path: '', isDir: true };
    const [size, isDir] = await Promise.all([this.#headSize(rel), this.#hasChildren(rel)]);
    if (size !== null) return { path: rel, isDir: false, fileSize: size };
    return isDir ? { path: rel, isDir: true } : null;
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const rel = normalizeArtifactPath(prefix);
    const keyPrefix = this.#dirKey(rel);
    // Keyed by path: a name that is both an object and a prefix (possible only if written behind
    // the store's back) is shown once, as a file; a prefix repeated across pages, once.
    const entries = new Map<string, ArtifactEntry>();
    const child = (name: string) => (rel === '' ? name : `${rel}/${name}`);
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: keyPrefix, Delimiter: '/', ContinuationToken: token, MaxKeys: this.#pageSize }),
      );
      for (const obj of page.Contents ?? []) {
        const name = (obj.Key ?? '').slice(keyPrefix.length);
        // Skips folder markers ('dir/' objects some tools create) and unaddressable names.
        if (isAddressable(name)) entries.set(child(name), { path: child(name), isDir: false, fileSize: obj.Size ?? 0 });
      }
      for (const cp of page.CommonPrefixes ?? []) {
        const name = (cp.Prefix ?? '').slice(keyPrefix.length, -1);
        if (isAddressable(name) && !entries.has(child(name))) entries.set(child(name), { path: child(name), isDir: true });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return [...entries.values()].sort(byPath);
  }

  async delete(path: string): Promise<void> {
    const rel = normalizeArtifactPath(path);
    // The root holds every run's artifacts; wiping it is never what a single request means.
    if (rel === '') invalid(path, 'refusing to delete the whole artifact root.');
    const keys: string[] = [];
    if ((await this.#headSize(rel)) !== null) keys.push(this.#key(rel));
    let deleted = 0;
    const flush = async (batch: string[]) => {
      if (batch.length === 0) return;
      const out = await this.#client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (out.Errors ?? []).filter((err) => err.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new Error(`Could not delete ${failed.length} object(s) under '${rel}' (first: ${first.Key}: ${first.Code} ${first.Message}).`);
      }
      deleted += batch.length;
    };
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.#dirKey(rel), ContinuationToken: token, MaxKeys: this.#pageSize }),
      );
      for (const obj of page.Contents ?? []) if (obj.Key !== undefined) keys.push(obj.Key);
      // Deleting while listing is fine with continuation tokens (they point past the last key).
      while (keys.length >= DELETE_BATCH) await flush(keys.splice(0, DELETE_BATCH));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    await flush(keys.splice(0));
    if (deleted === 0) notFound(rel);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  /** Whether the bucket is reachable with the configured credentials (a readiness check). */
  async ping(): Promise<boolean> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch {
      return false;
    }
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.#client.destroy();
  }

  #key(rel: string): string {
    return this.keyPrefix + rel;
  }

  /** The key prefix of everything inside folder `rel`. */
  #dirKey(rel: string): string {
    return rel === '' ? this.keyPrefix : `${this.keyPrefix}${rel}/`;
  }

  /** The size of the object at `rel`, or null if there is none. */
  async #headSize(rel: string): Promise<number | null> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(rel) }));
      return out.ContentLength ?? 0;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /** Whether anything is stored under folder `rel`. */
  async #hasChildren(rel: string): Promise<boolean> {
    const out = await this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.#dirKey(rel), MaxKeys: 1 }));
    return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
  }
}

function clientConfig(o: S3ArtifactStoreOptions): S3ClientConfig {
  if ((o.accessKeyId === undefined) !== (o.secretAccessKey === undefined)) {
    throw new Error('S3 artifact store: give both an access key id and a secret access key, or neither.');
  }
  return {
    region: o.region ?? 'us-east-1',
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    ...(o.accessKeyId !== undefined && o.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } }
      : {}),
    // Many S3-compatible servers do not understand the flexible checksums (aws-chunked trailers)
    // the SDK sends by default since 2025; AWS itself is fine either way.
    ...(o.endpoint !== undefined ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  };
}
