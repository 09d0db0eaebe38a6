import { randomUUID } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DomainError } from '@flywheel/contract';
import { normalizeArtifactPath, type ArtifactEntry, type ArtifactStore } from './artifact-store.js';

// Uploads in progress live next to their destination (so the final rename stays on one file
// system and is atomic) under a name no client path maps to by accident; listings hide them.
const PARTIAL_PREFIX = '.flywheel-partial-';
const PARTIAL_NAME = /^\.flywheel-partial-[0-9a-f-]{36}$/;

// Not every platform has O_NOFOLLOW (Windows); there the realpath check alone guards reads.
const O_NOFOLLOW = fsConstants.O_NOFOLLOW ?? 0;

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as NodeJS.ErrnoException).code : undefined;
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function toEntry(path: string, st: Stats): ArtifactEntry {
  return st.isDirectory() ? { path, isDir: true } : { path, isDir: false, fileSize: st.size };
}

function notFound(rel: string): never {
  throw new DomainError('NOT_FOUND', `Artifact '${rel}' not found.`, { path: rel });
}

function outsideRoot(path: string, why: string): never {
  throw new DomainError('INVALID_INPUT', `Invalid artifact path '${path}': ${why}`, { path });
}

interface Resolved {
  /** Normalized relative path ('' is the root). */
  rel: string;
  /** Absolute path under the real root, not yet following any symlink. */
  abs: string;
  /** Real path of the target when it exists (checked to be inside the root), else null. */
  real: string | null;
}

/**
 * An {@link ArtifactStore} keeping artifacts as plain files under one local folder, which is
 * created on first use. Paths are checked twice: lexically by {@link normalizeArtifactPath}, and
 * on disk by following symlinks, so a link inside the root cannot be used to read or write
 * outside it.
 *
 * @example
 *   const store = new LocalFsArtifactStore(config.artifacts.root);
 *   await store.put('1/abc/artifacts/model.pkl', fs.createReadStream('model.pkl'));
 *   const { stream, size } = await store.get('1/abc/artifacts/model.pkl');
 */
export class LocalFsArtifactStore implements ArtifactStore {
  readonly kind = 'local';
  /** The root folder, absolute (as given; symlinks in it are resolved on first use). */
  readonly root: string;
  #realRoot: Promise<string> | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(path: string, body: NodeJS.ReadableStream | Buffer | string): Promise<{ size: number }> {
    const { rel, abs, real } = await this.#resolve(path);
    if (rel === '') outsideRoot(path, 'a file needs a name; the root is a folder.');
    if (real !== null && (await stat(real)).isDirectory()) {
      throw new DomainError('CONFLICT', `Cannot write artifact '${rel}': it is a directory.`, { path: rel });
    }
    const realRoot = await this.#ensureRoot();
    const parent = dirname(abs);
    let firstCreated: string | undefined;
    try {
      firstCreated = await mkdir(parent, { recursive: true });
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new DomainError('CONFLICT', `Cannot write artifact '${rel}': a folder on its path is a file.`, { path: rel });
      }
      throw e;
    }
    try {
      // Again after mkdir: a symlink swapped in since #resolve would have been followed by it.
      const realParent = await realpath(parent);
      if (!isInside(realRoot, realParent)) outsideRoot(rel, 'it resolves outside the artifact root (through a symbolic link).');
      const tmp = join(realParent, `${PARTIAL_PREFIX}${randomUUID()}`);
      const size = await writeNew(tmp, body);
      try {
        await rename(tmp, join(realParent, basename(abs)));
      } catch (e) {
        await rm(tmp, { force: true });
        // A directory appeared at the destination since the check above.
        if (errnoOf(e) === 'EISDIR') {
          throw new DomainError('CONFLICT', `Cannot write artifact '${rel}': it is a directory.`, { path: rel });
        }
        throw e;
      }
      return { size };
    } catch (e) {
      await removeEmptyDirs(parent, firstCreated, realRoot);
      throw e;
    }
  }

  async get(path: string): Promise<{ stream: NodeJS.ReadableStream; size: number }> {
    const { rel, real } = await this.#resolve(path);
    if (real === null) notFound(rel);
    // stat before open: opening a FIFO someone left in the root would block forever.
    const before = await stat(real).catch((e: unknown) => (errnoOf(e) === 'ENOENT' ? null : Promise.reject(e)));
    if (before === null || !before.isFile()) notFound(rel);
    let fh: FileHandle;
    try {
      // `real` has no symlink left, so one appearing now is a swap between check and open.
      fh = await open(real, fsConstants.O_RDONLY | O_NOFOLLOW);
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT') notFound(rel);
      if (code === 'ELOOP') outsideRoot(rel, 'it resolves outside the artifact root (through a symbolic link).');
      throw e;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) notFound(rel);
      return { stream: fh.createReadStream(), size: st.size };
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  async stat(path: string): Promise<ArtifactEntry | null> {
    const { rel, real } = await this.#resolve(path);
    if (real === null) return null;
    const st = await stat(real).catch((e: unknown) => (errnoOf(e) === 'ENOENT' ? null : Promise.reject(e)));
    return st === null ? null : toEntry(rel, st);
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const { rel, real } = await this.#resolve(prefix);
    if (real === null) return [];
    let dirents;
    try {
      dirents = await readdir(real, { withFileTypes: true });
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw e;
    }
    const realRoot = await this.#ensureRoot();
    const entries = await Promise.all(
      dirents.map(async (d): Promise<ArtifactEntry | null> => {
        // Hide what the store would refuse to serve: uploads in progress, names no client path
        // can address, and links leading out of the root.
        if (PARTIAL_NAME.test(d.name) || !isAddressable(d.name)) return null;
        let target = join(real, d.name);
        if (d.isSymbolicLink()) {
          const linked = await realpath(target).catch(() => null);
          if (linked === null || !isInside(realRoot, linked)) return null;
          target = linked;
        }
        // null when it vanished between readdir and stat (a concurrent delete).
        const st = await stat(target).catch(() => null);
        return st === null ? null : toEntry(rel === '' ? d.name : `${rel}/${d.name}`, st);
      }),
    );
    return entries
      .filter((e): e is ArtifactEntry => e !== null)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const { rel, abs, real } = await this.#resolve(path);
    // The root holds every run's artifacts; wiping it is never what a single request means.
    if (rel === '') outsideRoot(path, 'refusing to delete the whole artifact root.');
    if (real === null) notFound(rel);
    try {
      // `abs`, not `real`: deleting a link (to somewhere inside the root) removes the link only.
      await rm(abs, { recursive: true });
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') notFound(rel);
      throw e;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  #ensureRoot(): Promise<string> {
    if (this.#realRoot === undefined) {
      const pending = mkdir(this.root, { recursive: true }).then(() => realpath(this.root));
      // Forget a failure, so that a later call retries (e.g. once the volume is mounted).
      pending.catch(() => {
        if (this.#realRoot === pending) this.#realRoot = undefined;
      });
      this.#realRoot = pending;
    }
    return this.#realRoot;
  }

  async #resolve(path: string): Promise<Resolved> {
    const rel = normalizeArtifactPath(path);
    const realRoot = await this.#ensureRoot();
    const abs = rel === '' ? realRoot : join(realRoot, ...rel.split('/'));
    if (!isInside(realRoot, abs)) outsideRoot(path, 'it resolves outside the artifact root.');
    return { rel, abs, real: await containedRealpath(rel, realRoot, abs) };
  }
}

/**
 * The real path of `abs`, or null when it does not exist, refusing when the deepest existing part
 * of it resolves outside `realRoot`. Checking only the deepest existing part matters for writes:
 * a link in a parent folder would otherwise redirect the folders `put` creates.
 */
async function containedRealpath(rel: string, realRoot: string, abs: string): Promise<string | null> {
  let probe = abs;
  let below: string | undefined;
  let real: string;
  for (;;) {
    try {
      real = await realpath(probe);
      break;
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ELOOP') outsideRoot(rel, 'it goes through a symbolic link loop.');
      if (code === 'ENAMETOOLONG') outsideRoot(rel, 'it or a name in it is too long.');
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      if (probe === realRoot) return null; // the root itself was removed behind our back
      below = probe;
      probe = dirname(probe);
    }
  }
  if (!isInside(realRoot, real)) outsideRoot(rel, 'it resolves outside the artifact root (through a symbolic link).');
  if (below === undefined) return real;
  // realpath failed on something lstat can see: a dangling link, whose target we cannot vouch for.
  const dangling = await lstat(below).then(
    () => true,
    (e: unknown) => {
      const code = errnoOf(e);
      return code === 'ENOENT' || code === 'ENOTDIR' ? false : Promise.reject(e);
    },
  );
  if (dangling) outsideRoot(rel, 'it goes through a symbolic link to nothing.');
  return null;
}

/** Whether a name found on disk is one a client could ask for (see normalizeArtifactPath). */
function isAddressable(name: string): boolean {
  try {
    return normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}

/** Writes `body` to the new file `tmp`; on any failure, `tmp` is gone before this rejects. */
async function writeNew(tmp: string, body: NodeJS.ReadableStream | Buffer | string): Promise<number> {
  // Opening it ourselves (rather than createWriteStream(path)) means the file exists before any
  // byte flows, so the cleanup below cannot race an open still in flight.
  const fh = await open(tmp, 'wx');
  try {
    let size: number;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      await fh.writeFile(body);
      size = Buffer.byteLength(body);
    } else {
      size = 0;
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        await fh.write(buf);
        size += buf.length;
      }
    }
    // On disk before the rename publishes it: an acknowledged upload survives a power cut.
    await fh.sync();
    await fh.close();
    return size;
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Undoes `mkdir -p` after a failed upload, leaving any folder a concurrent upload has filled. */
async function removeEmptyDirs(deepest: string, firstCreated: string | undefined, realRoot: string): Promise<void> {
  if (firstCreated === undefined) return;
  for (let dir = deepest; dir !== realRoot && isInside(realRoot, dir); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === firstCreated) return;
  }
}
