import { DomainError } from '@flywheel/contract';

/**
 * One entry of an artifact listing, or the answer of {@link ArtifactStore.stat}.
 *
 * `path` is always the full normalized relative path from the store root (never relative to the
 * listed prefix), so that callers can trim it to whatever base they expose (e.g. a run's
 * artifact root) without the store knowing about runs.
 */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Bytes; present for files only. */
  fileSize?: number;
}

/**
 * The port every artifact backend implements (local folder today; object stores later).
 *
 * Every `path` argument is a client-supplied relative path: implementations must validate it
 * with {@link normalizeArtifactPath} in every method, because the port is the last line between
 * a request and the storage medium.
 *
 * @example
 *   await store.put('1/abc/artifacts/model.pkl', req.raw);
 *   const { stream, size } = await store.get('1/abc/artifacts/model.pkl');
 *   const children = await store.list('1/abc/artifacts'); // [{ path: '1/abc/artifacts/model.pkl', ... }]
 */
export interface ArtifactStore {
  /** A short name of the backend, e.g. `'local'`. */
  readonly kind: string;
  /**
   * Stores `body` at `path`, replacing any file there. Atomic: readers see the old content or the
   * whole new content, and a failed upload leaves nothing behind.
   */
  put(path: string, body: NodeJS.ReadableStream | Buffer | string): Promise<{ size: number }>;
  /** Opens the file at `path`; `NOT_FOUND` if it is missing or a directory. */
  get(path: string): Promise<{ stream: NodeJS.ReadableStream; size: number }>;
  /** The entry at `path`, or `null` if there is none. */
  stat(path: string): Promise<ArtifactEntry | null>;
  /**
   * The direct children of `prefix`, sorted by path. `[]` when `prefix` does not exist or is a
   * file (MLflow lists nothing for a file).
   */
  list(prefix: string): Promise<ArtifactEntry[]>;
  /** Deletes the file or the whole directory at `path`; `NOT_FOUND` if there is none. */
  delete(path: string): Promise<void>;
  /** Whether anything (file or directory) is at `path`. */
  exists(path: string): Promise<boolean>;
}

// Encodings that decode to a separator, a dot or NUL, plus the lead bytes of overlong UTF-8 forms
// (`%c0%ae` is an overlong '.'), which some decoders still accept. The HTTP layer has decoded the
// path once already, so any of these still present means someone encoded twice to slip by it.
const ENCODED_ESCAPE = /%(?:2e|2f|5c|00|c0|c1)/i;
const DRIVE_LETTER = /^[a-z]:/i;

/** Shows control characters visibly, so a refused path is readable in a message or a log. */
function show(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function refuse(path: string, why: string): never {
  throw new DomainError('INVALID_INPUT', `Invalid artifact path '${show(path)}': ${why}`, { path });
}

/**
 * Turns a client-supplied relative artifact path into a safe, normalized, relative POSIX path
 * (`''` is the root). Empty and `.` segments are dropped; anything that could address something
 * outside the root is refused with an `INVALID_INPUT` {@link DomainError} naming the path and the
 * reason: `..` segments, absolute and drive/UNC paths, backslashes, NUL bytes and other control characters, and percent
 * sequences that would still decode to `.`, `/` or `\` (the caller has already decoded once).
 *
 * Other `%` characters are kept literally: `50%.txt` and `a%20b` are legitimate file names.
 *
 * @example
 *   normalizeArtifactPath('/');            // ''
 *   normalizeArtifactPath('./a//b/');      // 'a/b'
 *   normalizeArtifactPath('../x');         // throws: "Invalid artifact path '../x': a path may not contain '..'"
 *   normalizeArtifactPath('%2e%2e/x');     // throws
 */
export function normalizeArtifactPath(path: string): string {
  if (typeof path !== 'string') {
    throw new DomainError('INVALID_INPUT', `Invalid artifact path: expected a string, got ${typeof path}.`);
  }
  if (path.includes('\0')) refuse(path, 'a path may not contain a NUL byte.');
  // Control characters (a newline, a tab, DEL, …) are never part of a legitimate artifact name and
  // break headers (Content-Disposition), logs and listings.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) refuse(path, 'a path may not contain control characters (0x00-0x1F, 0x7F).');
  if (path.includes('\\')) refuse(path, "a path may not contain '\\' (use '/' as the separator).");

  // Unwrap `%25` layers one at a time so double (or deeper) encodings are caught too; every round
  // shortens the string, so this ends.
  let layer = path;
  for (;;) {
    if (ENCODED_ESCAPE.test(layer)) {
      refuse(path, "a path may not contain a percent-encoded '.', '/', '\\' or NUL (it was already decoded once).");
    }
    const next = layer.replace(/%25/gi, '%');
    if (next === layer) break;
    layer = next;
  }

  const segments = path.split('/');
  if (path.startsWith('/') && segments.some((s) => s !== '')) refuse(path, 'a path must be relative, not absolute.');
  if (DRIVE_LETTER.test(path)) refuse(path, 'a path must be relative, not start with a drive letter.');

  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    // Windows drops trailing dots and spaces from a name, so '...' or '.. ' can act as '..' there.
    if (/^\.\.[. ]*$/.test(segment)) refuse(path, "a path may not contain '..'.");
    kept.push(segment);
  }
  return kept.join('/');
}
