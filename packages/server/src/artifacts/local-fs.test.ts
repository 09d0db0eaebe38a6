import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DomainError } from '@flywheel/contract';
import { LocalFsArtifactStore, normalizeArtifactPath } from './index.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function isCode(code: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** Every file under `dir`, relative, including hidden ones (temp files must not survive). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1)).sort();
}

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'flywheel-artifacts-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

let n = 0;
async function freshStore(): Promise<{ store: LocalFsArtifactStore; root: string }> {
  const root = join(base, `store-${++n}`, 'root'); // not created yet: the store must create it
  return { store: new LocalFsArtifactStore(root), root };
}

describe('normalizeArtifactPath', () => {
  it('normalizes to a relative POSIX path, empty for the root', () => {
    assert.equal(normalizeArtifactPath(''), '');
    assert.equal(normalizeArtifactPath('/'), '');
    assert.equal(normalizeArtifactPath('///'), '');
    assert.equal(normalizeArtifactPath('.'), '');
    assert.equal(normalizeArtifactPath('a//b/'), 'a/b');
    assert.equal(normalizeArtifactPath('./a/./b/.'), 'a/b');
    assert.equal(normalizeArtifactPath('1/abc/artifacts/model.pkl'), '1/abc/artifacts/model.pkl');
  });

  it('keeps legitimate names, including dots and other percent signs', () => {
    assert.equal(normalizeArtifactPath('.hidden/..x/x..'), '.hidden/..x/x..');
    assert.equal(normalizeArtifactPath('50%.txt'), '50%.txt');
    assert.equal(normalizeArtifactPath('a%20b/%25'), 'a%20b/%25');
    assert.equal(normalizeArtifactPath('ünïcødé/файл.bin'), 'ünïcødé/файл.bin');
  });

  it('names the path and the reason in the message', () => {
    assert.throws(
      () => normalizeArtifactPath('../x'),
      (e: unknown) => isCode('INVALID_INPUT')(e) && /^Invalid artifact path '\.\.\/x': a path may not contain '\.\.'/.test((e as Error).message),
    );
    assert.throws(() => normalizeArtifactPath('/etc/passwd'), /'\/etc\/passwd': a path must be relative/);
    assert.throws(() => normalizeArtifactPath('a\0b'), /'a\\x00b': a path may not contain a NUL byte/);
    assert.throws(() => normalizeArtifactPath('%252e%252e/x'), /percent-encoded/);
  });
});

// Each of these must be refused by every method, before touching the disk.
const TRAVERSALS = [
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

describe('LocalFsArtifactStore', () => {
  let store: LocalFsArtifactStore;
  let root: string;
  beforeEach(async () => {
    ({ store, root } = await freshStore());
  });

  it('is a local store', () => {
    assert.equal(store.kind, 'local');
  });

  it('round-trips a stream, creating the root and nested folders on demand', async () => {
    const chunks = [Buffer.from('hello '), Buffer.from('streamed '), Buffer.from('world')];
    const { size } = await store.put('1/abc/artifacts/sub/dir/file.txt', Readable.from(chunks));
    assert.equal(size, 20);
    const got = await store.get('1/abc/artifacts/sub/dir/file.txt');
    assert.equal(got.size, 20);
    assert.equal((await readAll(got.stream)).toString(), 'hello streamed world');
    assert.equal(await readFile(join(root, '1/abc/artifacts/sub/dir/file.txt'), 'utf8'), 'hello streamed world');
  });

  it('round-trips a Buffer and a string, reporting sizes in bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    assert.deepEqual(await store.put('bin/data.bin', bytes), { size: 5 });
    const got = await store.get('bin/data.bin');
    assert.equal(got.size, 5);
    assert.deepEqual(await readAll(got.stream), bytes);

    assert.deepEqual(await store.put('text/é.txt', 'héllo'), { size: 6 });
    assert.equal((await readAll((await store.get('text/é.txt')).stream)).toString(), 'héllo');
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
    assert.deepEqual(await filesUnder(root), ['m', join('m', 'file.txt')]);
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
  });

  it('lists nothing for a missing prefix or a file', async () => {
    assert.deepEqual(await store.list(''), []);
    assert.deepEqual(await store.list('no/such/dir'), []);
    await store.put('f.txt', 'x');
    assert.deepEqual(await store.list('f.txt'), []);
    assert.deepEqual(await store.list('f.txt/below'), []);
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
  });

  it('refuses to delete the root or to put a file at the root or over a folder', async () => {
    await store.put('d/f.txt', 'x');
    await assert.rejects(store.delete(''), isCode('INVALID_INPUT'));
    await assert.rejects(store.delete('/'), isCode('INVALID_INPUT'));
    await assert.rejects(store.put('', 'x'), isCode('INVALID_INPUT'));
    await assert.rejects(store.put('d', 'x'), isCode('CONFLICT'));
    await assert.rejects(store.put('d/f.txt/below', 'x'), isCode('CONFLICT'));
    assert.equal((await readAll((await store.get('d/f.txt')).stream)).toString(), 'x');
  });

  it('leaves nothing behind when a stream upload fails midway', async () => {
    const failing = () => {
      let sent = 0;
      return new Readable({
        read() {
          if (sent++ < 3) this.push(Buffer.alloc(64 * 1024, 7));
          else this.destroy(new Error('client went away'));
        },
      });
    };
    await assert.rejects(store.put('new/deep/dir/upload.bin', failing()), /client went away/);
    assert.equal(await store.exists('new'), false);
    assert.deepEqual(await filesUnder(root), []);

    // A failed overwrite keeps the previous content and leaves no temp file next to it.
    await store.put('kept/model.bin', 'old');
    await assert.rejects(store.put('kept/model.bin', failing()), /client went away/);
    assert.equal((await readAll((await store.get('kept/model.bin')).stream)).toString(), 'old');
    assert.deepEqual(await filesUnder(root), ['kept', join('kept', 'model.bin')]);
  });

  it('hides uploads in progress from listings', async () => {
    await store.put('p/real.txt', 'x');
    await writeFile(join(root, 'p', '.flywheel-partial-0f8fad5b-d9cb-469f-a165-70867728950e'), 'half');
    assert.deepEqual(await store.list('p'), [{ path: 'p/real.txt', isDir: false, fileSize: 1 }]);
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
        assert.deepEqual(await filesUnder(root), ['inside', join('inside', 'file.txt')]);
        assert.deepEqual((await readdir(join(root, '..'))).sort(), ['root']);
      });
    }
  });

  describe('symlinks', () => {
    let outside: string;
    beforeEach(async () => {
      outside = join(root, '..', 'outside');
      await mkdir(outside, { recursive: true });
      await writeFile(join(outside, 'secret.txt'), 'top secret');
      await store.put('run/artifacts/ok.txt', 'ok');
      await symlink(outside, join(root, 'run', 'artifacts', 'escape'), 'dir');
      await symlink(join(outside, 'secret.txt'), join(root, 'run', 'artifacts', 'secret-link.txt'), 'file');
      await symlink(join(base, 'does', 'not', 'exist'), join(root, 'run', 'artifacts', 'dangling'), 'dir');
    });

    const escapes = ['run/artifacts/escape', 'run/artifacts/escape/secret.txt', 'run/artifacts/secret-link.txt', 'run/artifacts/dangling/x'];

    for (const attempt of escapes) {
      it(`refuses ${attempt} in every method`, async () => {
        await assert.rejects(store.get(attempt), isCode('INVALID_INPUT'));
        await assert.rejects(store.stat(attempt), isCode('INVALID_INPUT'));
        await assert.rejects(store.exists(attempt), isCode('INVALID_INPUT'));
        await assert.rejects(store.list(attempt), isCode('INVALID_INPUT'));
        await assert.rejects(store.delete(attempt), isCode('INVALID_INPUT'));
        await assert.rejects(store.put(attempt, 'overwritten'), isCode('INVALID_INPUT'));
        await assert.rejects(store.put(`${attempt}/new.txt`, 'planted'), isCode('INVALID_INPUT'));
        assert.deepEqual(await readdir(outside), ['secret.txt']);
        assert.equal(await readFile(join(outside, 'secret.txt'), 'utf8'), 'top secret');
      });
    }

    it('leaves escaping links out of listings', async () => {
      assert.deepEqual(await store.list('run/artifacts'), [{ path: 'run/artifacts/ok.txt', isDir: false, fileSize: 2 }]);
    });

    it('follows links that stay inside the root', async () => {
      await symlink(join(root, 'run', 'artifacts', 'ok.txt'), join(root, 'run', 'alias.txt'), 'file');
      await symlink(join(root, 'run', 'artifacts'), join(root, 'run', 'alias-dir'), 'dir');
      assert.equal((await readAll((await store.get('run/alias.txt')).stream)).toString(), 'ok');
      assert.equal((await readAll((await store.get('run/alias-dir/ok.txt')).stream)).toString(), 'ok');
      // Deleting the link removes the link, not what it points to.
      await store.delete('run/alias-dir');
      assert.equal(await store.exists('run/artifacts/ok.txt'), true);
    });

    it('works when the root itself is reached through a symlink', async () => {
      const linkedRoot = join(root, '..', 'root-link');
      await symlink(root, linkedRoot, 'dir');
      const viaLink = new LocalFsArtifactStore(linkedRoot);
      assert.equal((await readAll((await viaLink.get('run/artifacts/ok.txt')).stream)).toString(), 'ok');
      await assert.rejects(viaLink.get('run/artifacts/escape/secret.txt'), isCode('INVALID_INPUT'));
    });
  });
});
