import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

// s3rver ships no types; this is the part of its API the tests use.
interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}
interface ListResult {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  store: { listObjects(bucket: string, options: ListOptions): Promise<ListResult> };
}
type S3rverCtor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

/** s3rver accepts any signature; these are its documented dummy credentials. */
export const TEST_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** A client for inspecting the bucket directly. */
  client: S3Client;
  /** Every key under `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts s3rver in this process on 127.0.0.1 (any free port), keeping its data in a new temp
 * folder, with one bucket. For tests only (s3rver is a dev dependency).
 */
export async function startTestS3Server(bucket = 'flywheel-test'): Promise<TestS3Server> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
  const directory = await mkdtemp(join(tmpdir(), 'flywheel-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  fixListing(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_S3_CREDENTIALS });
  return {
    endpoint,
    bucket,
    client,
    async keys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys.sort();
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Two s3rver 3.7 bugs that real S3 does not have, fixed in the test server only:
 *
 * - it misses common prefixes whose folders hold no object directly (`a/b/c.txt` listed from `''`
 *   with delimiter `/` yields nothing: its folder walk prunes `a/b` before seeing the key), so
 *   listings with a delimiter list every key under the prefix and group them here;
 * - its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 (Node >= 17) refuses, so every
 *   truncated V2 listing fails with InternalError; V2 paging (MaxKeys, continuation tokens,
 *   common prefixes counted as keys, as S3 does) is done here over s3rver's full listing.
 */
function fixListing(server: S3rverInstance): void {
  const store = server.store;
  const originalList = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const { delimiter = '', prefix = '' } = options;
    if (!delimiter) return originalList(bucket, options);
    const all = await originalList(bucket, { ...options, delimiter: '' });
    const objects: ListResult['objects'] = [];
    const commonPrefixes = new Set<string>();
    for (const object of all.objects) {
      const idx = object.key.slice(prefix.length).indexOf(delimiter);
      if (idx === -1) objects.push(object);
      else commonPrefixes.add(object.key.slice(0, prefix.length + idx + delimiter.length));
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: all.isTruncated };
  };

  const bucketCtrl = createRequire(import.meta.url)('s3rver/lib/controllers/bucket') as { getBucket: (ctx: KoaContext) => Promise<void> };
  const originalGetBucket = bucketCtrl.getBucket;
  bucketCtrl.getBucket = async (ctx) => {
    if (ctx.query['list-type'] !== '2') return originalGetBucket(ctx);
    const { 'continuation-token': token, 'max-keys': maxKeysParam, ...rest } = ctx.query;
    const startAfter = typeof token === 'string' && token !== '' ? Buffer.from(token, 'base64url').toString('utf8') : ctx.query['start-after'];
    const maxKeys = Math.min(1000, Number(maxKeysParam ?? 1000));
    ctx.query = { ...rest, ...(typeof startAfter === 'string' ? { 'start-after': startAfter } : {}) };
    await originalGetBucket(ctx); // all of it (at most 1000 keys: plenty for tests)
    const result = (ctx.body as { ListBucketResult: ListBucketResult }).ListBucketResult;
    if (result.IsTruncated) throw new Error('test S3 server: listings over 1000 keys are not supported');
    const after = typeof startAfter === 'string' ? startAfter : '';
    const items = [
      ...result.Contents.map((c) => ({ key: c.Key, content: c })),
      // A prefix holding the previous page's last key was on that page already.
      ...result.CommonPrefixes.filter((p) => !(after !== '' && after.startsWith(p.Prefix))).map((p) => ({ key: p.Prefix, prefix: p })),
    ]
      .filter((i) => i.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = items.slice(0, maxKeys);
    const truncated = items.length > page.length;
    result.Contents = page.flatMap((i) => ('content' in i && i.content ? [i.content] : []));
    result.CommonPrefixes = page.flatMap((i) => ('prefix' in i && i.prefix ? [i.prefix] : []));
    result.KeyCount = page.length;
    result.MaxKeys = maxKeys;
    result.IsTruncated = truncated;
    result.StartAfter = token ? undefined : startAfter;
    result.ContinuationToken = token || undefined;
    result.NextContinuationToken = truncated ? Buffer.from(page[page.length - 1]!.key, 'utf8').toString('base64url') : undefined;
  };
}

interface KoaContext {
  query: Record<string, string | undefined>;
  body: unknown;
}

interface ListBucketResult {
  Contents: { Key: string }[];
  CommonPrefixes: { Prefix: string }[];
  KeyCount: number;
  MaxKeys: number | string;
  IsTruncated: boolean;
  StartAfter?: string | undefined;
  ContinuationToken?: string | undefined;
  NextContinuationToken?: string | undefined;
}
