import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { artifactStoreContract, failingUpload, isCode, readAll, TRAVERSALS } from './test-support/artifact-store.contract.js';
import { LocalFsArtifactStore, normalizeArtifactPath } from './index.js';

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
    for (const c of ['\n', '\r', '\t', '\x1f', '\x7f']) {
      assert.throws(() => normalizeArtifactPath(`a/b${c}c.txt`), (e: unknown) => isCode('INVALID_INPUT')(e) && /control characters/.test((e as Error).message), JSON.stringify(c));
    }
  });
});

artifactStoreContract('LocalFsArtifactStore: the ArtifactStore contract', async () => {
  const { store, root } = await freshStore();
  const parent = join(root, '..');
  return {
    store,
    files: async () => {
      const entries = await readdir(parent, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => !e.isDirectory())
        .map((e) => relative(parent, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
        .sort();
    },
  };
});

describe('LocalFsArtifactStore', () => {
  let store: LocalFsArtifactStore;
  let root: string;
  beforeEach(async () => {
    ({ store, root } = await freshStore());
  });

  it('is a local store', () => {
    assert.equal(store.kind, 'local');
  });

  it('creates the root on demand and keeps artifacts as plain files under it', async () => {
    const chunks = [Buffer.from('hello '), Buffer.from('streamed '), Buffer.from('world')];
    const { size } = await store.put('1/abc/artifacts/sub/dir/file.txt', Readable.from(chunks));
    assert.equal(size, 20);
    const got = await store.get('1/abc/artifacts/sub/dir/file.txt');
    assert.equal(got.size, 20);
    assert.equal((await readAll(got.stream)).toString(), 'hello streamed world');
    assert.equal(await readFile(join(root, '1/abc/artifacts/sub/dir/file.txt'), 'utf8'), 'hello streamed world');
  });

  it('leaves no temporary file or created folder behind when a stream upload fails midway', async () => {
    await assert.rejects(store.put('new/deep/dir/upload.bin', failingUpload()), /client went away/);
    assert.equal(await store.exists('new'), false);
    assert.deepEqual(await filesUnder(root), []);

    // A failed overwrite keeps the previous content and leaves no temp file next to it.
    await store.put('kept/model.bin', 'old');
    await assert.rejects(store.put('kept/model.bin', failingUpload()), /client went away/);
    assert.equal((await readAll((await store.get('kept/model.bin')).stream)).toString(), 'old');
    assert.deepEqual(await filesUnder(root), ['kept', join('kept', 'model.bin')]);
  });

  it('creates no folder, not even an empty one, inside or beside the root for traversal attempts', async () => {
    await store.put('inside/file.txt', 'x');
    for (const attempt of TRAVERSALS) {
      await assert.rejects(store.put(attempt, 'pwned'), isCode('INVALID_INPUT'));
      await assert.rejects(store.put(attempt, Readable.from([Buffer.from('pwned')])), isCode('INVALID_INPUT'));
      await assert.rejects(store.delete(attempt), isCode('INVALID_INPUT'));
    }
    assert.deepEqual(await filesUnder(root), ['inside', join('inside', 'file.txt')]);
    assert.deepEqual((await readdir(join(root, '..'))).sort(), ['root']);
  });

  it('hides uploads in progress from listings', async () => {
    await store.put('p/real.txt', 'x');
    await writeFile(join(root, 'p', '.flywheel-partial-0f8fad5b-d9cb-469f-a165-70867728950e'), 'half');
    assert.deepEqual(await store.list('p'), [{ path: 'p/real.txt', isDir: false, fileSize: 1 }]);
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
