import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { beforeEach, describe, it } from 'node:test';
import { DomainError } from '@flywheel/contract';
import type { ArtifactStore } from '../artifact-store.js';

/** What a backend's test gives the contract: a fresh, empty store and a view of its storage. */
export interface StoreFixture {
  store: ArtifactStore;
  /**
   * Every file (object) the backend holds in or beside the store's root, as `/`-separated paths
   * relative to the root's parent (the root itself is named `root`), sorted, hidden ones included:
   * e.g. `['root/a/b.txt']`. Used to prove that nothing was written outside the root or left over.
   */
  files(): Promise<string[]>;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export function isCode(code: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** Each of these must be refused by every method, before touching the storage. */
export const TRAVERSALS = [
  '..',
  '../x',
  'a/../../x',
  './../x',
  'a/..',
  '...',
  '.. /x',
  '%2e%2e/x',
  '%2E%2E%2Fetc%2Fpasswd',
  '..%2fx',
  'a/%2e%2e',
  '%252e%252e/x',
  '%25252E%25252E/x',
  '%c0%ae%c0%ae/x',
  '%5c..%5cx',
  '/etc/passwd',
  '//server/share',
  'C:\\x',
  'C:/x',
  'c:',
  '\\\\server\\share',
  'a\\..\\..\\x',
  'a\\b',
  'a/\0b',
  '%00',
];

/** An upload stream that sends 192 KiB and then fails, as a client that goes away does. */
export function failingUpload(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ < 3) this.push(Buffer.alloc(64 * 1024, 7));
      else this.destroy(new Error('client went away'));
    },
  });
}

/**
 * Registers the behaviour every {@link ArtifactStore} must have, as `describe(name)`: round trips,
 * listings, overwrite, delete, NOT_FOUND, conflicts, failed uploads, traversal refusal. Each test
 * gets a fresh store from `make`.
 *
 * @example
 *   artifactStoreContract('LocalFsArtifactStore (contract)', async () => ({ store, files }));
 */
export function artifactStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let store: ArtifactStore;
    let files: () => Promise<string[]>;
    beforeEach(async () => {
      ({ store, files } = await make());
    });

    it('round-trips a stream, creating nested folders on demand', async () => {
      const chunks = [Buffer.from('hello '), Buffer.from('streamed '), Buffer.from('world')];
      const { size } = await store.put('1/abc/artifacts/sub/dir/file.txt', Readable.from(chunks));
      assert.equal(size, 20);
      const got = await store.get('1/abc/artifacts/sub/dir/file.txt');
      assert.equal(got.size, 20);
      assert.equal((await readAll(got.stream)).toString(), 'hello streamed world');
      assert.deepEqual(await files(), ['root/1/abc/artifacts/sub/dir/file.txt']);
    });

    it('round-trips a Buffer, a string and an empty stream, reporting sizes in bytes', async () => {
      const bytes = Buffer.from([0, 1, 2, 255, 254]);
      assert.deepEqual(await store.put('bin/data.bin', bytes), { size: 5 });
      const got = await store.get('bin/data.bin');
      assert.equal(got.size, 5);
      assert.deepEqual(await readAll(got.stream), bytes);

      assert.deepEqual(await store.put('text/é.txt', 'héllo'), { size: 6 });
      assert.equal((await readAll((await store.get('text/é.txt')).stream)).toString(), 'héllo');

      assert.deepEqual(await store.put('empty/nothing.bin', Readable.from([])), { size: 0 });
      const empty = await store.get('empty/nothing.bin');
      assert.equal(empty.size, 0);
      assert.equal((await readAll(empty.stream)).length, 0);
    });

    it('accepts the same path in different spellings', async () => {
      await store.put('a//b/./c.txt', 'x');
      assert.equal(await store.exists('a/b/c.txt'), true);
      assert.deepEqual(await store.stat('./a/b/c.txt/'), { path: 'a/b/c.txt', isDir: false, fileSize: 1 });
    });

    it('overwrites an existing file', async () => {
      await store.put('m/file.txt', 'first version, longer');
      assert.deepEqual(await store.put('m/file.txt', 'second'), { size: 6 });
      const got = await store.get('m/file.txt');
      assert.equal(got.size, 6);
      assert.equal((await readAll(got.stream)).toString(), 'second');
      assert.deepEqual(await files(), ['root/m/file.txt']);
    });

    it('lists direct children only, sorted by path, with sizes, as full paths from the root', async () => {
      await store.put('1/abc/artifacts/model/MLmodel', 'flavors: {}\n');
      await store.put('1/abc/artifacts/model/model.pkl', Buffer.alloc(1024));
      await store.put('1/abc/artifacts/b.txt', 'bb');
      await store.put('1/abc/artifacts/a.txt', 'a');
      await store.put('1/abc/artifacts/C.txt', 'ccc');
      assert.deepEqual(await store.list('1/abc/artifacts'), [
        { path: '1/abc/artifacts/C.txt', isDir: false, fileSize: 3 },
        { path: '1/abc/artifacts/a.txt', isDir: false, fileSize: 1 },
        { path: '1/abc/artifacts/b.txt', isDir: false, fileSize: 2 },
        { path: '1/abc/artifacts/model', isDir: true },
      ]);
      assert.deepEqual(await store.list('1//abc/./artifacts/model/'), [
        { path: '1/abc/artifacts/model/MLmodel', isDir: false, fileSize: 12 },
        { path: '1/abc/artifacts/model/model.pkl', isDir: false, fileSize: 1024 },
      ]);
      assert.deepEqual(await store.list(''), [{ path: '1', isDir: true }]);
      assert.deepEqual(await store.list('/'), [{ path: '1', isDir: true }]);
    });

    it('lists nothing for a missing prefix or a file', async () => {
      assert.deepEqual(await store.list(''), []);
      assert.deepEqual(await store.list('no/such/dir'), []);
      await store.put('f.txt', 'x');
      assert.deepEqual(await store.list('f.txt'), []);
      assert.deepEqual(await store.list('f.txt/below'), []);
    });

    it('does not mistake a sibling with the same prefix for a child', async () => {
      await store.put('run/model.pkl', 'm');
      await store.put('run/model.pkl.sha256', 'h');
      await store.put('runner/x.txt', 'x');
      assert.deepEqual(await store.list('run'), [
        { path: 'run/model.pkl', isDir: false, fileSize: 1 },
        { path: 'run/model.pkl.sha256', isDir: false, fileSize: 1 },
      ]);
      assert.equal(await store.stat('run/model'), null);
      await store.delete('run');
      assert.equal(await store.exists('runner/x.txt'), true);
    });

    it('stats files, folders and missing paths', async () => {
      await store.put('d/f.txt', 'four');
      assert.deepEqual(await store.stat('d/f.txt'), { path: 'd/f.txt', isDir: false, fileSize: 4 });
      assert.deepEqual(await store.stat('d'), { path: 'd', isDir: true });
      assert.deepEqual(await store.stat(''), { path: '', isDir: true });
      assert.equal(await store.stat('d/missing'), null);
      assert.equal(await store.stat('d/f.txt/below'), null);
      assert.equal(await store.exists('d'), true);
      assert.equal(await store.exists('d/f.txt'), true);
      assert.equal(await store.exists('nope'), false);
    });

    it('gets NOT_FOUND for a missing file or a folder', async () => {
      await store.put('d/f.txt', 'x');
      await assert.rejects(store.get('d/missing.txt'), isCode('NOT_FOUND'));
      await assert.rejects(store.get('d'), isCode('NOT_FOUND'));
      await assert.rejects(store.get(''), isCode('NOT_FOUND'));
      await assert.rejects(store.get('d/f.txt/below'), isCode('NOT_FOUND'));
    });

    it('deletes a file, then a whole folder; NOT_FOUND when missing', async () => {
      await store.put('r/a/one.txt', '1');
      await store.put('r/a/deep/two.txt', '2');
      await store.put('r/keep.txt', 'k');
      await store.delete('r/a/one.txt');
      assert.equal(await store.exists('r/a/one.txt'), false);
      assert.equal(await store.exists('r/a/deep/two.txt'), true);
      await store.delete('r/a');
      assert.equal(await store.exists('r/a'), false);
      assert.deepEqual(await store.list('r'), [{ path: 'r/keep.txt', isDir: false, fileSize: 1 }]);
      await assert.rejects(store.delete('r/a'), isCode('NOT_FOUND'));
      await assert.rejects(store.delete('never/was'), isCode('NOT_FOUND'));
      assert.deepEqual(await files(), ['root/r/keep.txt']);
    });

    it('refuses to delete the root or to put a file at the root or over a folder', async () => {
      await store.put('d/f.txt', 'x');
      await assert.rejects(store.delete(''), isCode('INVALID_INPUT'));
      await assert.rejects(store.delete('/'), isCode('INVALID_INPUT'));
      await assert.rejects(store.put('', 'x'), isCode('INVALID_INPUT'));
      await assert.rejects(store.put('d', 'x'), isCode('CONFLICT'));
      await assert.rejects(store.put('d/f.txt/below', 'x'), isCode('CONFLICT'));
      assert.equal((await readAll((await store.get('d/f.txt')).stream)).toString(), 'x');
      assert.deepEqual(await files(), ['root/d/f.txt']);
    });

    it('leaves nothing behind when a stream upload fails midway', async () => {
      await assert.rejects(store.put('new/deep/dir/upload.bin', failingUpload()), /client went away/);
      assert.equal(await store.exists('new'), false);
      assert.deepEqual(await files(), []);

      // A failed overwrite keeps the previous content and leaves nothing next to it.
      await store.put('kept/model.bin', 'old');
      await assert.rejects(store.put('kept/model.bin', failingUpload()), /client went away/);
      assert.equal((await readAll((await store.get('kept/model.bin')).stream)).toString(), 'old');
      assert.deepEqual(await files(), ['root/kept/model.bin']);
    });

    describe('refuses traversal attempts in every method', () => {
      for (const attempt of TRAVERSALS) {
        it(JSON.stringify(attempt), async () => {
          await store.put('inside/file.txt', 'x');
          await assert.rejects(store.put(attempt, 'pwned'), isCode('INVALID_INPUT'));
          await assert.rejects(store.put(attempt, Readable.from([Buffer.from('pwned')])), isCode('INVALID_INPUT'));
          await assert.rejects(store.get(attempt), isCode('INVALID_INPUT'));
          await assert.rejects(store.stat(attempt), isCode('INVALID_INPUT'));
          await assert.rejects(store.list(attempt), isCode('INVALID_INPUT'));
          await assert.rejects(store.delete(attempt), isCode('INVALID_INPUT'));
          await assert.rejects(store.exists(attempt), isCode('INVALID_INPUT'));
          // Nothing was written anywhere, inside or beside the root.
          assert.deepEqual(await files(), ['root/inside/file.txt']);
        });
      }
    });
  });
}
