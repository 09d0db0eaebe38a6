import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { artifactStoreContract, isCode } from './test-support/artifact-store.contract.js';
import { loadConfig } from '../config/index.js';
import { checkArtifactStore, createArtifactStore } from './create-artifact-store.js';
import { LocalFsArtifactStore } from './local-fs.js';
import { isS3Uri, parseS3Uri, S3_PART_SIZE, S3ArtifactStore } from './s3.js';
import { startTestS3Server, TEST_S3_CREDENTIALS, type TestS3Server } from './test-support/s3rver.js';

let s3: TestS3Server;
before(async () => {
  s3 = await startTestS3Server();
});
after(async () => {
  await s3?.close();
});

const stores: S3ArtifactStore[] = [];
after(() => stores.forEach((s) => s.destroy()));

let n = 0;
/** A store rooted at s3://bucket/store-N/root, so that `store-N/` shows what lies beside the root. */
function freshStore(): { store: S3ArtifactStore; parent: string } {
  const parent = `store-${++n}`;
  const store = new S3ArtifactStore({ root: `s3://${s3.bucket}/${parent}/root`, endpoint: s3.endpoint, region: 'us-east-1', ...TEST_S3_CREDENTIALS });
  stores.push(store);
  return { store, parent };
}

describe('parseS3Uri', () => {
  it('splits bucket and normalized prefix', () => {
    assert.deepEqual(parseS3Uri('s3://bucket'), { bucket: 'bucket', prefix: '' });
    assert.deepEqual(parseS3Uri('s3://bucket/'), { bucket: 'bucket', prefix: '' });
    assert.deepEqual(parseS3Uri('s3://my.bucket-1/a//b/'), { bucket: 'my.bucket-1', prefix: 'a/b' });
    assert.equal(isS3Uri('S3://x'), true);
    assert.equal(isS3Uri('/data/s3://x'), false);
  });

  it('refuses a missing or malformed bucket and an unsafe prefix', () => {
    assert.throws(() => parseS3Uri('s3://'), /bucket/);
    assert.throws(() => parseS3Uri('s3:///prefix'), /bucket/);
    assert.throws(() => parseS3Uri('s3://a/x'), /bucket/);
    assert.throws(() => parseS3Uri('s3://bad bucket/x'), /bucket/);
    assert.throws(() => parseS3Uri('s3://bucket/../x'), /invalid prefix/);
  });
});

artifactStoreContract('S3ArtifactStore: the ArtifactStore contract', async () => {
  const { store, parent } = freshStore();
  return { store, files: async () => (await s3.keys(`${parent}/`)).map((k) => k.slice(parent.length + 1)) };
});

describe('S3ArtifactStore', () => {
  it('is an s3 store that keeps artifacts as objects under its prefix', async () => {
    const { store, parent } = freshStore();
    assert.equal(store.kind, 's3');
    assert.equal(store.root, `s3://${s3.bucket}/${parent}/root/`);
    await store.put('1/abc/artifacts/model.pkl', 'pickle');
    assert.deepEqual(await s3.keys(`${parent}/`), [`${parent}/root/1/abc/artifacts/model.pkl`]);
    assert.equal(await store.ping(), true);
  });

  it('works at the root of a bucket', async () => {
    const other = await startTestS3Server('whole-bucket');
    const store = new S3ArtifactStore({ root: 's3://whole-bucket', endpoint: other.endpoint, ...TEST_S3_CREDENTIALS });
    try {
      await store.put('a/b.txt', 'b');
      assert.deepEqual(await store.list(''), [{ path: 'a', isDir: true }]);
      assert.deepEqual(await store.list('a'), [{ path: 'a/b.txt', isDir: false, fileSize: 1 }]);
      await store.delete('a');
      assert.deepEqual(await other.keys(''), []);
    } finally {
      store.destroy();
      await other.close();
    }
  });

  it('lists and deletes across several pages', async () => {
    const { parent } = freshStore();
    const store = new S3ArtifactStore({ root: `s3://${s3.bucket}/${parent}/root`, endpoint: s3.endpoint, listPageSize: 2, ...TEST_S3_CREDENTIALS });
    stores.push(store);
    const files = ['many/a.txt', 'many/b.txt', 'many/c.txt', 'many/d/x.txt', 'many/d/y.txt', 'many/e.txt', 'many/f/g/h.txt', 'many/z.txt'];
    for (const f of files) await store.put(f, f);
    assert.deepEqual(
      (await store.list('many')).map((e) => `${e.path}${e.isDir ? '/' : ''}`),
      ['many/a.txt', 'many/b.txt', 'many/c.txt', 'many/d/', 'many/e.txt', 'many/f/', 'many/z.txt'],
    );
    await store.delete('many');
    assert.deepEqual(await s3.keys(`${parent}/`), []);
  });

  it('hides folder markers and keys no client path could address', async () => {
    const { store, parent } = freshStore();
    await store.put('d/ok.txt', 'ok');
    for (const key of ['d/', 'd/sub/', 'd/..', 'd/a\\b']) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${parent}/root/${key}`, Body: 'x' }));
    }
    assert.deepEqual(await store.list('d'), [
      { path: 'd/ok.txt', isDir: false, fileSize: 2 },
      { path: 'd/sub', isDir: true },
    ]);
  });

  it('uploads a 20 MiB stream in 8 MiB parts and reads it back byte-identical', async () => {
    const { store } = freshStore();
    const total = 20 * 1024 * 1024;
    const sent = createHash('sha256');
    let produced = 0;
    let seed = 42;
    const body = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024 - 7, total - produced)); // odd size: parts span chunks
        for (let i = 0; i < chunk.length; i += 4) {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          chunk.writeUInt32LE(seed, Math.min(i, chunk.length - 4));
        }
        produced += chunk.length;
        sent.update(chunk);
        this.push(chunk);
      },
    });

    // Count the UploadPart requests the store makes.
    const parts: number[] = [];
    const counting = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_S3_CREDENTIALS });
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') parts.push((args.input as { PartNumber: number }).PartNumber);
        return next(args);
      },
      { step: 'initialize' },
    );
    const counted = new S3ArtifactStore({ root: store.root, client: counting });
    try {
      assert.deepEqual(await counted.put('big/blob.bin', body), { size: total });
    } finally {
      counted.destroy();
    }
    assert.deepEqual(parts.sort((a, b) => a - b), [1, 2, 3]);
    assert.equal(Math.ceil(total / S3_PART_SIZE), 3);

    const got = await store.get('big/blob.bin');
    assert.equal(got.size, total);
    const received = createHash('sha256');
    for await (const chunk of got.stream) received.update(chunk as Buffer);
    assert.equal(received.digest('hex'), sent.digest('hex'));
    assert.deepEqual(await store.stat('big/blob.bin'), { path: 'big/blob.bin', isDir: false, fileSize: total });
  });

  it('aborts a failed multipart upload, leaving no object', async () => {
    const { store, parent } = freshStore();
    let sent = 0;
    const failing = new Readable({
      read() {
        // 12 MiB (one full part uploaded), then the client goes away.
        if (sent++ < 12) this.push(Buffer.alloc(1024 * 1024, 1));
        else this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.put('half/blob.bin', failing), /client went away/);
    assert.equal(await store.exists('half/blob.bin'), false);
    assert.deepEqual(await s3.keys(`${parent}/`), []);
  });

  it('reports NOT_FOUND for a missing object, never an SDK error', async () => {
    const { store } = freshStore();
    await assert.rejects(store.get('nope.bin'), isCode('NOT_FOUND'));
    await assert.rejects(store.delete('nope.bin'), isCode('NOT_FOUND'));
  });
});

describe('createArtifactStore', () => {
  it('makes a local store for a folder and an S3 store for an s3:// root, each checked for readiness', async () => {
    const local = createArtifactStore(loadConfig({ dataDir: '/tmp/flywheel-unused', artifactRoot: '/tmp/flywheel-create-store-test' }, {}).artifacts);
    assert.ok(local instanceof LocalFsArtifactStore);
    assert.equal(local.root, '/tmp/flywheel-create-store-test');

    const env = { FLYWHEEL_S3_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId, FLYWHEEL_S3_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey };
    const remote = createArtifactStore(loadConfig({ artifactRoot: `s3://${s3.bucket}/made`, s3Endpoint: s3.endpoint }, env).artifacts);
    assert.ok(remote instanceof S3ArtifactStore);
    stores.push(remote);
    await remote.put('x.txt', 'x');
    assert.deepEqual(await s3.keys('made/'), ['made/x.txt']);
    assert.equal(await checkArtifactStore(remote), true);

    const missing = createArtifactStore(loadConfig({ artifactRoot: 's3://no-such-bucket', s3Endpoint: s3.endpoint }, env).artifacts);
    stores.push(missing as S3ArtifactStore);
    assert.equal(await checkArtifactStore(missing), false);
  });
});
