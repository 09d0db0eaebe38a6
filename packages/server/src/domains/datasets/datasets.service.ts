import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  isDomainError,
  DATASET_LIMITS as L,
  DomainError,
  type Dataset,
  type DatasetProfile,
  type DatasetVersion,
  type Datasheet,
  type SchemaColumn,
} from '@flywheel/contract';
import type { ArtifactStore } from '../../artifacts/index.js';
import { normalizeArtifactPath } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';
import { decodePageToken, encodePageToken } from '../../lib/paging.js';
import { isUniqueViolation } from '../../store/index.js';
import type { Access, Need, Owned } from '../org/access.js';
import { profileCsvFile, profileParquetFile, type FileProfile } from './dataset-readers.js';
import type { DatasetsRepository, Grantees } from './datasets.repository.js';
import type { Principal } from '../org/index.js';
import type { DatasetVersionRow, NamedDatasetRow } from './datasets.tables.js';
import {
  parseVersionRef,
  validateDatasetName,
  validateDatasheet,
  validateFilename,
  validateOptionalText,
  validateSchema,
} from './datasets.validation.js';

export interface DatasetsDeps {
  repo: DatasetsRepository;
  clock: Clock;
  artifacts: ArtifactStore;
  /** Where uploads are spooled while they are profiled; the OS temp folder by default. */
  tmpDir?: string;
  /** The largest upload (buffer or stream) accepted, in bytes; {@link MAX_DATASET_UPLOAD_BYTES} by default. */
  maxUploadBytes?: number;
}

/** The default cap on an uploaded dataset file: 5 GiB. */
export const MAX_DATASET_UPLOAD_BYTES = 5 * 1024 ** 3;

const tooLarge = (limit: number) =>
  new DomainError('PAYLOAD_TOO_LARGE', `Invalid file: a dataset upload may be at most ${limit} bytes (${(limit / 1024 ** 3).toFixed(2)} GiB); register larger data by URI (JSON {uri}).`, { limit });

/**
 * Writes `src` to `dest`, failing with `PAYLOAD_TOO_LARGE` as soon as more than `limit` bytes have
 * arrived. The source is unpiped, not destroyed, on that failure: destroying an HTTP request
 * would reset the connection before the client reads the 413.
 */
async function spoolLimited(src: Readable | NodeJS.ReadableStream, dest: string, limit: number): Promise<void> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit) cb(tooLarge(limit));
      else cb(null, chunk);
    },
  });
  const onError = (e: unknown) => counter.destroy(e instanceof Error ? e : new Error(String(e)));
  src.once('error', onError);
  src.pipe(counter);
  try {
    await pipeline(counter, createWriteStream(dest));
  } catch (e) {
    src.unpipe(counter);
    // Let the rest of the body drain (it is discarded) so the response can still be read.
    if (typeof (src as Readable).resume === 'function') (src as Readable).resume();
    throw e;
  } finally {
    src.removeListener('error', onError);
  }
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export type FileFormat = 'csv' | 'parquet';

/** A file to register: a path on the server, or uploaded bytes (a Buffer or a stream). */
export type FileInput =
  | { path: string; filename?: string | undefined }
  | { buffer: Buffer; filename?: string | undefined }
  | { stream: Readable | NodeJS.ReadableStream; filename?: string | undefined };

export interface RegisterVersionInput {
  /** The dataset; created (with an empty description) if it does not exist. */
  name: string;
  file: FileInput;
  /** From the file name's extension when omitted (`.csv`, `.parquet`, `.pq`). */
  format?: string | undefined;
  sourceUri?: string | undefined;
  datasheet?: unknown;
  createdBy?: string | undefined;
  /** The owner of the dataset when this registration creates it (see {@link DatasetsService.ownerForRegistration}). */
  owner?: Owned | undefined;
}

export interface RegisterUriInput {
  name: string;
  uri: string;
  schema?: unknown;
  rowCount?: number | undefined;
  contentHash?: string | undefined;
  profile?: DatasetProfile | undefined;
  datasheet?: unknown;
  createdBy?: string | undefined;
  owner?: Owned | undefined;
}

export interface RegisterResult {
  /** False when the same content was registered before: `version` is that earlier version. */
  created: boolean;
  version: DatasetVersion;
}

const MAX_PAGE = 1000;
const invalid = (message: string) => new DomainError('INVALID_INPUT', message);
const notFoundDataset = (name: string) => new DomainError('NOT_FOUND', `Dataset '${name}' not found.`);
const notFoundVersion = (name: string, v: number | 'latest') =>
  new DomainError('NOT_FOUND', v === 'latest' ? `Dataset '${name}' has no versions.` : `Version ${v} of dataset '${name}' not found.`);

/** A dataset with its owner team (id; null: shared) and visibility (issue 6). */
export type OwnedDataset = Dataset & { ownerTeam: number | null; visibility: 'private' | 'internal' };

function toDataset(row: NamedDatasetRow, latest: number | undefined): OwnedDataset {
  return {
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    latestVersion: latest ?? null,
    ...ownedOf(row),
  };
}

const ownedOf = (row: NamedDatasetRow): Owned => ({
  ownerTeam: row.owner_team === null ? null : Number(row.owner_team),
  visibility: row.visibility === 'private' ? 'private' : 'internal',
});

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toVersion(name: string, r: DatasetVersionRow): DatasetVersion {
  return {
    dataset: name,
    version: r.version,
    contentHash: r.content_hash,
    sourceUri: r.source_uri,
    format: r.format as DatasetVersion['format'],
    rowCount: r.row_count,
    schema: parseJson<SchemaColumn[]>(r.schema),
    profile: parseJson<DatasetProfile>(r.profile),
    datasheet: parseJson<Datasheet>(r.datasheet),
    artifactPath: r.artifact_path,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

function validateMaxResults(n: number | undefined): number {
  if (n === undefined) return 100;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalid(`Invalid maxResults ${n}: expected an integer from 1 to ${MAX_PAGE}.`);
  return n;
}

/** The format named by `format`, or by the file name's extension when it is omitted. */
export function resolveFormat(format: string | undefined, filename: string | undefined): FileFormat {
  if (format !== undefined) {
    if (format === 'csv' || format === 'parquet') return format;
    throw invalid(`Invalid format '${format}': expected 'csv' or 'parquet'.`);
  }
  const ext = filename ? extname(filename).toLowerCase() : '';
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw invalid(`Invalid format: it is required when the file name${filename ? ` '${filename}'` : ''} does not end in .csv or .parquet (pass format=csv or format=parquet).`);
}

/**
 * Named datasets with immutable versions. A version records its content hash, source, row count,
 * schema and statistical profile (see dataset-profile.ts) and, for files, a copy in the artifact
 * store under `datasets/<name>/<version>/<uuid>/<filename>` (a folder per upload, so racing
 * registrations never share a path). Only the datasheet of a version can change.
 */
/** The grantees a principal answers for: itself and each of its teams (direct memberships). */
export function granteesOf(p: Principal, now: number): Grantees {
  return { user: p.username, teams: p.teams.map((t) => t.team), now };
}

export class DatasetsService {
  private readonly repo: DatasetsRepository;
  private readonly clock: Clock;
  private readonly artifacts: ArtifactStore;
  private readonly tmpDir: string;
  /** The largest upload accepted, in bytes. */
  readonly maxUploadBytes: number;
  /** Registrations of one dataset run one at a time (in this process), so version numbers and artifact paths never collide. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(deps: DatasetsDeps) {
    this.repo = deps.repo;
    this.clock = deps.clock;
    this.artifacts = deps.artifacts;
    this.tmpDir = deps.tmpDir ?? tmpdir();
    this.maxUploadBytes = deps.maxUploadBytes ?? MAX_DATASET_UPLOAD_BYTES;
  }

  private async locked<R>(name: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    }
  }

  // ---- datasets ------------------------------------------------------------------------------

  /**
   * Creates a dataset owned by `opts.ownerTeam` (a team name or id; else the creator's only team —
   * org/ACCESS.md) with `opts.visibility`. Without `access` (internal callers): unowned, internal.
   */
  async createDataset(name: string, description?: string, opts: { ownerTeam?: string | undefined; visibility?: string | undefined; access?: Access | undefined } = {}): Promise<OwnedDataset> {
    validateDatasetName(name);
    const desc = validateOptionalText(description, 'description', L.descriptionMaxLength) ?? '';
    const owned = opts.access ? await opts.access.ownerForCreate({ team: opts.ownerTeam, visibility: opts.visibility }, { team: 'ownerTeam', visibility: 'visibility' }) : undefined;
    const now = this.clock.now();
    try {
      await this.repo.insertDataset({ name, description: desc, created_at: now, updated_at: now, ...(owned ? { owner_team: owned.ownerTeam, visibility: owned.visibility } : {}) });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('ALREADY_EXISTS', `Dataset '${name}' already exists.`);
      throw e;
    }
    return this.getDataset(name);
  }

  // ---- access (issue 6) ----------------------------------------------------------------------

  /**
   * Throws NOT_FOUND when `access` may not see the dataset (and its versions, files, datasheets),
   * NOT_ALLOWED when it may see but not do `need`. No `access` or an unrestricted one costs nothing.
   */
  async guardDataset(access: Access | undefined, name: string, need: Need): Promise<void> {
    if (!access || access.unrestricted) return;
    validateDatasetName(name);
    const row = await this.repo.getDatasetByName(name);
    if (row && row.expires_at !== null && Number(row.expires_at) <= this.clock.now()) {
      throw new DomainError('INVALID_STATE', `Dataset '${name}' is a sandbox copy that expired at ${new Date(Number(row.expires_at)).toISOString()}; it is being destroyed.`);
    }
    try {
      await access.require(row && ownedOf(row), need, `dataset '${name}'`, () => notFoundDataset(name));
    } catch (e) {
      // A read grant (dataset-access.service.ts) opens reading, never writing, of a dataset the caller cannot see.
      if (row && isDomainError(e) && e.code === 'NOT_FOUND' && access.principal && (await this.repo.hasGrant(row.id, granteesOf(access.principal, this.clock.now())))) {
        if (need === 'read') return;
        throw new DomainError('NOT_ALLOWED', `A read grant on dataset '${name}' does not allow changing it: that needs a role in its owner team.`);
      }
      throw e;
    }
  }

  /**
   * Before registering a version: an existing dataset needs a writing role of the caller; a new
   * one is created owned as {@link createDataset} would (the returned owner goes into the registration).
   */
  async ownerForRegistration(access: Access | undefined, name: string, requested: { ownerTeam?: string | undefined; visibility?: string | undefined }): Promise<Owned | undefined> {
    if (!access) return undefined;
    validateDatasetName(name);
    const row = await this.repo.getDatasetByName(name);
    if (row) {
      await this.guardDataset(access, name, 'write');
      return undefined;
    }
    return access.ownerForCreate({ team: requested.ownerTeam, visibility: requested.visibility }, { team: 'ownerTeam', visibility: 'visibility' });
  }

  /** The team tree, for {@link Access}. */
  teamTree() {
    return this.repo.teamTree();
  }

  async getDataset(name: string): Promise<OwnedDataset> {
    const row = await this.datasetRow(name);
    const latest = await this.repo.latestVersions([row.id]);
    return toDataset(row, latest.get(row.id));
  }

  async listDatasets(opts: { maxResults?: number | undefined; pageToken?: string | undefined; access?: Access | undefined } = {}): Promise<Page<OwnedDataset>> {
    const limit = validateMaxResults(opts.maxResults);
    const offset = decodePageToken(opts.pageToken, 'pageToken');
    const scope = opts.access && !opts.access.unrestricted ? await opts.access.scope() : undefined;
    const principal = opts.access?.principal;
    const rows = await this.repo.listDatasets(offset, limit + 1, scope, scope && principal ? granteesOf(principal, this.clock.now()) : undefined);
    const page = rows.slice(0, limit);
    const latest = await this.repo.latestVersions(page.map((r) => r.id));
    return { items: page.map((r) => toDataset(r, latest.get(r.id))), nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined };
  }

  private async datasetRow(name: string): Promise<NamedDatasetRow> {
    validateDatasetName(name);
    const row = await this.repo.getDatasetByName(name);
    if (!row) throw notFoundDataset(name);
    return row;
  }

  // ---- versions ------------------------------------------------------------------------------

  /**
   * Registers a CSV or Parquet file as the next version of `name`: profiles it (hashing its bytes
   * as they are read), stores a copy in the artifact store, then records the version. Identical
   * content registered before returns that version with `created: false`. A file that cannot be
   * read is `INVALID_INPUT` and leaves nothing behind: no dataset, no version, no stored file.
   */
  async registerVersion(input: RegisterVersionInput): Promise<RegisterResult> {
    const name = validateDatasetName(input.name);
    const file = input.file;
    const pathGiven = 'path' in file;
    const givenName = file.filename ?? (pathGiven ? basename(file.path) : undefined);
    const format = resolveFormat(input.format, givenName);
    const filename = validateFilename(givenName ?? `data.${format}`);
    const sourceUri = validateOptionalText(input.sourceUri, 'sourceUri', L.sourceUriMaxLength) ?? (pathGiven ? pathToFileURL(resolve(file.path)).href : null);
    const datasheet = input.datasheet === undefined || input.datasheet === null ? null : validateDatasheet(input.datasheet);
    const createdBy = validateOptionalText(input.createdBy, 'createdBy', L.createdByMaxLength);

    const work = await mkdtemp(join(this.tmpDir, 'fw-dataset-'));
    try {
      let path: string;
      if ('path' in file) {
        path = file.path;
        const st = await stat(path).catch(() => null);
        if (!st?.isFile()) throw invalid(`Invalid file '${path}': no such file on the server.`);
      } else {
        path = join(work, 'upload');
        if ('buffer' in file) {
          if (file.buffer.length > this.maxUploadBytes) throw tooLarge(this.maxUploadBytes);
          await writeFile(path, file.buffer);
        } else {
          await spoolLimited(file.stream, path, this.maxUploadBytes);
        }
      }
      const fp: FileProfile = format === 'csv' ? await profileCsvFile(path) : await profileParquetFile(path);

      return await this.locked(name, async () => {
        const ds = await this.repo.getDatasetByName(name);
        if (ds) {
          const existing = await this.repo.getVersionByHash(ds.id, fp.contentHash);
          if (existing) return { created: false, version: toVersion(name, existing) };
        }
        const version = ds ? (await this.repo.maxVersion(ds.id)) + 1 : 1;
        // A folder of its own per upload: another server process racing for the same version
        // number writes elsewhere, so neither can overwrite or delete the other's committed file.
        const artifactPath = normalizeArtifactPath(`datasets/${name}/${version}/${randomUUID()}/${filename}`);
        const now = this.clock.now();
        const row: DatasetVersionRow = {
          dataset_id: ds?.id ?? 0,
          version,
          content_hash: fp.contentHash,
          source_uri: sourceUri,
          format,
          row_count: fp.rowCount,
          schema: JSON.stringify(fp.schema),
          profile: JSON.stringify(fp.profile),
          datasheet: datasheet ? JSON.stringify(datasheet) : null,
          artifact_path: artifactPath,
          created_at: now,
          created_by: createdBy,
          size_bytes: (await stat(path)).size,
        };
        try {
          await this.artifacts.put(artifactPath, createReadStream(path));
          await this.insertVersion(name, ds, row, now, input.owner);
        } catch (e) {
          // Nothing refers to what this request wrote: remove its own folder, and only that.
          await this.artifacts.delete(artifactPath.slice(0, artifactPath.lastIndexOf('/'))).catch(() => undefined);
          throw e;
        }
        return { created: true, version: toVersion(name, row) };
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Inserts the version (and its dataset, when new) in one transaction. */
  private async insertVersion(name: string, ds: NamedDatasetRow | undefined, row: DatasetVersionRow, now: number, owner: Owned | undefined): Promise<void> {
    try {
      await this.repo.transaction(async (repo) => {
        const owned = owner ? { owner_team: owner.ownerTeam, visibility: owner.visibility } : {};
        const id = ds?.id ?? (await repo.insertDataset({ name, description: '', created_at: now, updated_at: now, ...owned }));
        await repo.insertVersion({ ...row, dataset_id: id });
        if (ds) await repo.touchDataset(id, now);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('CONFLICT', `Dataset '${name}' was changed by another registration at the same time; retry.`);
      throw e;
    }
  }

  /**
   * Registers data that lives elsewhere (no file is read or stored): the URI and whatever the
   * caller knows of its schema, row count, hash or profile. With a `contentHash` the same content
   * registered before is returned (`created: false`).
   */
  async registerVersionFromUri(input: RegisterUriInput): Promise<RegisterResult> {
    const name = validateDatasetName(input.name);
    if (typeof input.uri !== 'string' || input.uri.trim() === '') throw invalid('Invalid uri: a URI is required.');
    const uri = validateOptionalText(input.uri, 'uri', L.sourceUriMaxLength)!;
    const schema = input.schema === undefined || input.schema === null ? null : validateSchema(input.schema);
    if (input.rowCount !== undefined && (!Number.isSafeInteger(input.rowCount) || input.rowCount < 0)) throw invalid(`Invalid rowCount ${input.rowCount}: expected a non-negative integer.`);
    if (input.contentHash !== undefined && !/^[0-9a-f]{64}$/.test(input.contentHash)) throw invalid('Invalid contentHash: expected 64 lowercase hex digits (sha256).');
    const datasheet = input.datasheet === undefined || input.datasheet === null ? null : validateDatasheet(input.datasheet);
    const createdBy = validateOptionalText(input.createdBy, 'createdBy', L.createdByMaxLength);
    return this.locked(name, async () => {
      const ds = await this.repo.getDatasetByName(name);
      if (ds && input.contentHash) {
        const existing = await this.repo.getVersionByHash(ds.id, input.contentHash);
        if (existing) return { created: false, version: toVersion(name, existing) };
      }
      const version = ds ? (await this.repo.maxVersion(ds.id)) + 1 : 1;
      const now = this.clock.now();
      const row: DatasetVersionRow = {
        dataset_id: ds?.id ?? 0,
        version,
        content_hash: input.contentHash ?? null,
        source_uri: uri,
        format: 'uri',
        row_count: input.rowCount ?? input.profile?.rowCount ?? null,
        schema: schema ? JSON.stringify(schema) : null,
        profile: input.profile ? JSON.stringify(input.profile) : null,
        datasheet: datasheet ? JSON.stringify(datasheet) : null,
        artifact_path: null,
        created_at: now,
        created_by: createdBy,
      };
      await this.insertVersion(name, ds, row, now, input.owner);
      return { created: true, version: toVersion(name, row) };
    });
  }

  private async versionRow(name: string, ref: unknown): Promise<DatasetVersionRow> {
    const ds = await this.datasetRow(name);
    const v = parseVersionRef(ref);
    const row = v === 'latest' ? await this.repo.getLatestVersion(ds.id) : await this.repo.getVersion(ds.id, v);
    if (!row) throw notFoundVersion(name, v);
    return row;
  }

  async getVersion(name: string, version: number | string): Promise<DatasetVersion> {
    return toVersion(name, await this.versionRow(name, version));
  }

  async listVersions(name: string, opts: { maxResults?: number | undefined; pageToken?: string | undefined } = {}): Promise<Page<DatasetVersion>> {
    const ds = await this.datasetRow(name);
    const limit = validateMaxResults(opts.maxResults);
    const offset = decodePageToken(opts.pageToken, 'pageToken');
    const rows = await this.repo.listVersions(ds.id, offset, limit + 1);
    return { items: rows.slice(0, limit).map((r) => toVersion(name, r)), nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined };
  }

  /** Every version of every dataset whose content has this sha256 (for lineage). */
  async findVersionsByHash(contentHash: string): Promise<DatasetVersion[]> {
    if (typeof contentHash !== 'string' || !/^[0-9a-f]{64}$/.test(contentHash)) throw invalid('Invalid contentHash: expected 64 lowercase hex digits (sha256).');
    const rows = await this.repo.findVersionsByHash(contentHash);
    return rows.map((r) => toVersion(r.name, r));
  }

  /**
   * The registered versions that MLflow dataset inputs refer to: a digest that is a prefix (at
   * least 8 hex digits) of a version's sha256, a source equal to its source URI, or a
   * `flywheel-datasets:/<name>/<version>` source.
   */
  async versionsForInputs(inputs: { digest: string; source: string }[]): Promise<DatasetVersion[]> {
    const hashPrefixes = [...new Set(inputs.map((i) => i.digest.toLowerCase()).filter((d) => /^[0-9a-f]{8,64}$/.test(d)))];
    const refs: { name: string; version: number }[] = [];
    const sourceUris: string[] = [];
    for (const { source } of inputs) {
      const m = /^flywheel-datasets:\/(.+)\/(\d+)$/.exec(source);
      if (m) refs.push({ name: m[1]!, version: Number(m[2]) });
      else if (source) sourceUris.push(source);
    }
    const rows = await this.repo.findVersionsMatching({ hashPrefixes, sourceUris: [...new Set(sourceUris)], refs });
    return rows.map((r) => toVersion(r.name, r));
  }

  /** Sets or replaces the datasheet of a version: the only part of a version that can change. */
  async setDatasheet(name: string, version: number | string, datasheet: unknown): Promise<DatasetVersion> {
    const sheet = validateDatasheet(datasheet);
    const row = await this.versionRow(name, version);
    await this.repo.setDatasheet(row.dataset_id, row.version, JSON.stringify(sheet));
    return toVersion(name, { ...row, datasheet: JSON.stringify(sheet) });
  }

  /** The stored file of a version, to download. */
  async openVersionFile(name: string, version: number | string): Promise<{ stream: NodeJS.ReadableStream; size: number; filename: string; format: string }> {
    const row = await this.versionRow(name, version);
    if (!row.artifact_path) throw new DomainError('NOT_FOUND', `Version ${row.version} of dataset '${name}' has no stored file (it was registered from a URI: ${row.source_uri ?? 'unknown'}).`);
    const { stream, size } = await this.artifacts.get(row.artifact_path);
    return { stream, size, filename: basename(row.artifact_path), format: row.format };
  }
}
