import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DomainError } from '@flywheel/contract';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { datasetsMigrations } from './datasets.migrations.js';
import { DatasetsRepository } from './datasets.repository.js';
import { DatasetsService } from './datasets.service.js';
import { checkMixedProfile, MIXED_CSV, mixedParquet, writeParquet } from './test-support/parquet-fixtures.js';
import { rejectsWith } from '../../test-support/assertions.js';


const CSV1 = 'id,score,group\n1,0.5,a\n2,1.5,b\n3,,a\n';
const CSV2 = 'id,score,group\n1,0.5,a\n2,1.5,b\n3,2.5,a\n4,3.5,c\n';
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
/** Where an upload is stored: a folder of its own (a UUID) under the dataset's version. */
const uploadPath = (name: string, version: number, filename: string) =>
  new RegExp(`^datasets/${name.replace(/[.-]/g, '\\$&')}/${version}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/${filename.replace(/\./g, '\\.')}$`);

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

for (const dialect of DIALECTS) {
  describe(`DatasetsService on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let svc: DatasetsService;
    let artifacts: LocalFsArtifactStore;
    let dir: string;
    let now = 1_700_000_000_000;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-datasets-'));
      store = await createTestStore(dialect, [datasetsMigrations]);
      artifacts = new LocalFsArtifactStore(join(dir, 'artifacts'));
      svc = new DatasetsService({ repo: new DatasetsRepository(store.tables(), store.dialect), clock: { now: () => now }, artifacts });
    });
    after(async () => {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('datasets: create, duplicate, bad name, list with paging', async () => {
      const d = await svc.createDataset('iris', 'Fisher 1936');
      assert.deepEqual(d, { name: 'iris', description: 'Fisher 1936', createdAt: now, updatedAt: now, latestVersion: null, ownerTeam: null, visibility: 'internal' });
      await rejectsWith(svc.createDataset('iris'), 'ALREADY_EXISTS', /'iris' already exists/);
      await rejectsWith(svc.createDataset('-bad'), 'INVALID_INPUT', /Invalid name '-bad'/);
      await rejectsWith(svc.createDataset('a/b'), 'INVALID_INPUT', /Invalid name/);
      await rejectsWith(svc.createDataset('x'.repeat(201)), 'INVALID_INPUT', /Invalid name/);
      await rejectsWith(svc.getDataset('nope'), 'NOT_FOUND', /'nope' not found/);
      await svc.createDataset('adult.v2_x-y');
      const p1 = await svc.listDatasets({ maxResults: 1 });
      assert.deepEqual(p1.items.map((x) => x.name), ['adult.v2_x-y']);
      const p2 = await svc.listDatasets({ maxResults: 1, pageToken: p1.nextPageToken });
      assert.deepEqual(p2.items.map((x) => x.name), ['iris']);
      assert.equal(p2.nextPageToken, undefined);
    });

    test('register from a path: dataset created, profile, hash, stored file; same content again is not a new version', async () => {
      const path = join(dir, 'train.csv');
      writeFileSync(path, CSV1);
      now += 1000;
      const r = await svc.registerVersion({ name: 'churn', file: { path }, createdBy: 'ada' });
      assert.equal(r.created, true);
      const v = r.version;
      assert.equal(v.dataset, 'churn');
      assert.equal(v.version, 1);
      assert.equal(v.format, 'csv');
      assert.equal(v.rowCount, 3);
      assert.equal(v.contentHash, sha256(CSV1));
      assert.equal(v.sourceUri, `file://${path}`);
      assert.match(v.artifactPath!, uploadPath('churn', 1, 'train.csv'));
      assert.equal(v.createdBy, 'ada');
      assert.equal(v.createdAt, now);
      assert.deepEqual(v.schema, [
        { name: 'id', type: 'integer', nullable: false },
        { name: 'score', type: 'float', nullable: true },
        { name: 'group', type: 'string', nullable: false },
      ]);
      assert.equal(v.profile!.columns[1]!.numeric!.mean, 1);
      assert.deepEqual(await svc.getVersion('churn', 'latest'), v);
      assert.equal((await svc.getDataset('churn')).latestVersion, 1);
      const f = await svc.openVersionFile('churn', 1);
      assert.equal(await readAll(f.stream), CSV1);

      // Identical bytes, uploaded as a Buffer under another name: the existing version.
      const again = await svc.registerVersion({ name: 'churn', file: { buffer: Buffer.from(CSV1), filename: 'other.csv' } });
      assert.equal(again.created, false);
      assert.deepEqual(again.version, v);
      assert.equal((await svc.listVersions('churn')).items.length, 1);
    });

    test('new content is the next version; latest, listing, lookup by hash across datasets', async () => {
      const r2 = await svc.registerVersion({ name: 'churn', file: { stream: Readable.from([Buffer.from(CSV2)]), filename: 'train.csv' }, sourceUri: 's3://bucket/train.csv' });
      assert.equal(r2.created, true);
      assert.equal(r2.version.version, 2);
      assert.equal(r2.version.sourceUri, 's3://bucket/train.csv');
      assert.equal((await svc.getVersion('churn', 'latest')).version, 2);
      assert.equal((await svc.getVersion('churn', '1')).rowCount, 3);
      assert.deepEqual((await svc.listVersions('churn')).items.map((v) => v.version), [2, 1]);
      await svc.registerVersion({ name: 'churn-copy', file: { buffer: Buffer.from(CSV2) }, format: 'csv' });
      const found = await svc.findVersionsByHash(sha256(CSV2));
      assert.deepEqual(found.map((v) => `${v.dataset}@${v.version}`), ['churn@2', 'churn-copy@1']);
      assert.match(found[1]!.artifactPath!, uploadPath('churn-copy', 1, 'data.csv'));
      await rejectsWith(svc.getVersion('churn', 3), 'NOT_FOUND', /Version 3 of dataset 'churn' not found/);
      await rejectsWith(svc.getVersion('churn', 'first'), 'INVALID_INPUT', /Invalid version 'first'/);
      await rejectsWith(svc.findVersionsByHash('abc'), 'INVALID_INPUT', /contentHash/);
    });

    test('datasheet: set and replace, sections validated; everything else stays as registered', async () => {
      const before = await svc.getVersion('churn', 1);
      const v = await svc.setDatasheet('churn', 1, { motivation: 'Predict churn.', uses: 'Retention models only.' });
      assert.deepEqual(v.datasheet, { motivation: 'Predict churn.', uses: 'Retention models only.' });
      const replaced = await svc.setDatasheet('churn', '1', { maintenance: 'Data team.' });
      assert.deepEqual(replaced.datasheet, { maintenance: 'Data team.' });
      assert.deepEqual({ ...(await svc.getVersion('churn', 1)), datasheet: null }, { ...before, datasheet: null });
      await rejectsWith(svc.setDatasheet('churn', 1, { motive: 'x' }), 'INVALID_INPUT', /datasheet\.motive: not a datasheet section/);
      await rejectsWith(svc.setDatasheet('churn', 1, { uses: 'x'.repeat(20_001) }), 'INVALID_INPUT', /datasheet\.uses: at most 20000 characters/);
      await rejectsWith(svc.setDatasheet('churn', 1, { uses: 5 }), 'INVALID_INPUT', /datasheet\.uses: expected a string/);
      await rejectsWith(svc.setDatasheet('churn', 1, ['x']), 'INVALID_INPUT', /Invalid datasheet/);
      await rejectsWith(svc.setDatasheet('churn', 9, {}), 'NOT_FOUND', /Version 9/);
      const withSheet = await svc.registerVersion({ name: 'sheets', file: { buffer: Buffer.from(CSV1), filename: 'a.csv' }, datasheet: { composition: 'Three rows.' } });
      assert.deepEqual(withSheet.version.datasheet, { composition: 'Three rows.' });
    });

    test('bad input fails before anything is written: format, file name, empty file, ragged rows', async () => {
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { buffer: Buffer.from(CSV1), filename: 'x.xlsx' } }), 'INVALID_INPUT', /Invalid format: .*'x.xlsx'/);
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { buffer: Buffer.from(CSV1) }, format: 'json' }), 'INVALID_INPUT', /Invalid format 'json'/);
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { buffer: Buffer.from(CSV1), filename: '../x.csv' } }), 'INVALID_INPUT', /Invalid filename/);
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { buffer: Buffer.alloc(0), filename: 'x.csv' } }), 'INVALID_INPUT', /empty/);
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { buffer: Buffer.from('a,b\n1,2\n3\n'), filename: 'x.csv' } }), 'INVALID_INPUT', /malformed CSV.*line 3/);
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { buffer: Buffer.from('not parquet at all'), filename: 'x.parquet' } }), 'INVALID_INPUT', /not a Parquet file/);
      await rejectsWith(svc.registerVersion({ name: 'bad', file: { path: join(dir, 'missing.csv') } }), 'INVALID_INPUT', /no such file/);
      await rejectsWith(svc.registerVersion({ name: 'bad name', file: { buffer: Buffer.from(CSV1) }, format: 'csv' }), 'INVALID_INPUT', /Invalid name/);
      await rejectsWith(svc.getDataset('bad'), 'NOT_FOUND', /not found/);
      assert.equal(await artifacts.exists('datasets/bad'), false);
      // A ragged file for an existing dataset adds no version and no file either.
      await rejectsWith(svc.registerVersion({ name: 'churn', file: { buffer: Buffer.from('id\n1\n2,3\n'), filename: 'x.csv' } }), 'INVALID_INPUT', /malformed CSV/);
      assert.equal((await svc.getVersion('churn', 'latest')).version, 2);
      assert.equal(await artifacts.exists('datasets/churn/3'), false);
    });

    test('a failed store write leaves no version row', async () => {
      const failing = new DatasetsService({
        repo: new DatasetsRepository(store.tables(), store.dialect),
        clock: { now: () => now },
        artifacts: Object.assign(Object.create(artifacts) as LocalFsArtifactStore, { put: async () => { throw new Error('disk full'); } }),
      });
      await assert.rejects(failing.registerVersion({ name: 'churn', file: { buffer: Buffer.from('id\n42\n'), filename: 'y.csv' } }), /disk full/);
      assert.equal((await svc.getVersion('churn', 'latest')).version, 2);
      await assert.rejects(failing.registerVersion({ name: 'fresh', file: { buffer: Buffer.from('id\n42\n'), filename: 'y.csv' } }), /disk full/);
      await rejectsWith(svc.getDataset('fresh'), 'NOT_FOUND', /'fresh'/);
    });

    test('URI-only versions: no file, no profile unless given; a known hash is not registered twice', async () => {
      const hash = 'a'.repeat(64);
      const r = await svc.registerVersionFromUri({ name: 'lake', uri: 's3://lake/events/2024/', rowCount: 1_000_000, contentHash: hash, schema: [{ name: 'ts', type: 'datetime', nullable: false }] });
      assert.equal(r.created, true);
      assert.deepEqual({ ...r.version, createdAt: 0 }, {
        dataset: 'lake', version: 1, contentHash: hash, sourceUri: 's3://lake/events/2024/', format: 'uri', rowCount: 1_000_000,
        schema: [{ name: 'ts', type: 'datetime', nullable: false }], profile: null, datasheet: null, artifactPath: null, createdAt: 0, createdBy: null,
      });
      const again = await svc.registerVersionFromUri({ name: 'lake', uri: 's3://lake/events/2024-copy/', contentHash: hash });
      assert.deepEqual([again.created, again.version.version], [false, 1]);
      const noHash = await svc.registerVersionFromUri({ name: 'lake', uri: 's3://lake/events/2025/' });
      assert.deepEqual([noHash.created, noHash.version.version, noHash.version.schema], [true, 2, null]);
      await rejectsWith(svc.openVersionFile('lake', 1), 'NOT_FOUND', /no stored file/);
      await rejectsWith(svc.registerVersionFromUri({ name: 'lake', uri: '' }), 'INVALID_INPUT', /Invalid uri/);
      await rejectsWith(svc.registerVersionFromUri({ name: 'lake', uri: 'x', schema: [{ name: 'a', type: 'text' }] }), 'INVALID_INPUT', /schema\[0\]\.type/);
      await rejectsWith(svc.registerVersionFromUri({ name: 'lake', uri: 'x', rowCount: -1 }), 'INVALID_INPUT', /rowCount/);
    });

    test('Parquet files: every type, codecs and row groups registered with the hand-computed profile; same data as CSV, same profile', async () => {
      const buf = mixedParquet();
      const r = await svc.registerVersion({ name: 'pq', file: { buffer: buf, filename: 'x.parquet' } });
      assert.equal(r.created, true);
      const v = r.version;
      assert.deepEqual([v.version, v.format, v.rowCount, v.contentHash], [1, 'parquet', 6, sha256(buf)]);
      assert.match(v.artifactPath!, uploadPath('pq', 1, 'x.parquet'));
      assert.deepEqual(v.schema!.map((c) => `${c.name}:${c.type}`), ['id:integer', 'big:integer', 'price:float', 'ratio:float', 'flag:boolean', 'city:string', 'ts:datetime', 'day:datetime']);
      checkMixedProfile(v.profile!);
      // Stored as JSON and read back unchanged; the stored file is the uploaded bytes.
      assert.deepEqual(await svc.getVersion('pq', 1), v);
      const f = await svc.openVersionFile('pq', 1);
      const chunks: Buffer[] = [];
      for await (const c of f.stream) chunks.push(Buffer.from(c as Buffer));
      assert.ok(Buffer.concat(chunks).equals(buf));

      // Other codecs (other bytes, so new versions) and many row groups: the same profile.
      let next = 2;
      for (const codec of ['UNCOMPRESSED', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4_RAW'] as const) {
        const other = await svc.registerVersion({ name: 'pq', file: { stream: Readable.from([mixedParquet({ codec })]), filename: 'x.pq' } });
        assert.deepEqual([other.created, other.version.version, other.version.format], [true, next++, 'parquet'], codec);
        assert.deepEqual(other.version.profile, v.profile, codec);
        assert.deepEqual(other.version.schema, v.schema, codec);
      }
      const groups = await svc.registerVersion({ name: 'pq', file: { buffer: mixedParquet({ rowGroupSize: 2, codec: 'GZIP' }) }, format: 'parquet' });
      assert.deepEqual(groups.version.profile, v.profile);

      // The same data as CSV: the same profile, but the FLOAT column of whole numbers is 'integer' there.
      const csv = await svc.registerVersion({ name: 'pq-csv', file: { buffer: Buffer.from(MIXED_CSV), filename: 'x.csv' } });
      checkMixedProfile(csv.version.profile!, { ratioType: 'integer' });
      const ratio = (p: typeof v.profile) => p!.columns.map((c) => (c.name === 'ratio' ? { ...c, type: 'float' as const } : c));
      assert.deepEqual(ratio(csv.version.profile), v.profile!.columns);
      assert.deepEqual(csv.version.schema!.map((c) => (c.name === 'ratio' ? { ...c, type: 'float' } : c)), v.schema);

      // INT64 beyond 2^53 keeps its digits through the store.
      const ids = await svc.registerVersion({ name: 'pq-ids', file: { buffer: writeParquet([{ name: 'id', data: [2n ** 63n - 1n, 1n], type: 'INT64' }]), filename: 'ids.parquet' } });
      assert.deepEqual(ids.version.profile!.columns[0]!.categorical!.top.map((c) => c.value), ['1', '9223372036854775807']);
    });

    test('an unreadable Parquet file (LZO, damaged pages) leaves nothing behind', async () => {
      const lzo = mixedParquet({ codec: 'LZO' });
      await rejectsWith(svc.registerVersion({ name: 'pq-bad', file: { buffer: lzo, filename: 'x.parquet' } }), 'INVALID_INPUT', /could not be read.*LZO/);
      const damaged = Buffer.from(mixedParquet({ codec: 'GZIP' }));
      damaged.fill(0xab, 8, Math.floor(damaged.length / 2));
      await rejectsWith(svc.registerVersion({ name: 'pq-bad', file: { buffer: damaged, filename: 'x.parquet' } }), 'INVALID_INPUT', /could not be read/);
      await rejectsWith(svc.getDataset('pq-bad'), 'NOT_FOUND', /not found/);
      assert.equal(await artifacts.exists('datasets/pq-bad'), false);
      const latest = (await svc.getVersion('pq', 'latest')).version;
      await rejectsWith(svc.registerVersion({ name: 'pq', file: { buffer: lzo, filename: 'x.parquet' } }), 'INVALID_INPUT', /LZO/);
      assert.equal((await svc.getVersion('pq', 'latest')).version, latest);
      assert.equal(await artifacts.exists(`datasets/pq/${latest + 1}`), false);
    });

    test('two processes racing for one version number: the loser never touches the winner\'s file', async () => {
      await svc.registerVersion({ name: 'xrace', file: { buffer: Buffer.from('n\n0\n'), filename: 'r.csv' } });
      // Two services (two server processes: separate in-process locks) over one database and
      // store; both read the same max version before either inserts.
      let waiting: (() => void)[] = [];
      const barrier = () => new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const w of waiting) w();
          waiting = [];
        }
      });
      const racer = () => {
        const repo = new DatasetsRepository(store.tables(), store.dialect);
        const maxVersion = repo.maxVersion.bind(repo);
        repo.maxVersion = async (id: number) => {
          const v = await maxVersion(id);
          await barrier();
          return v;
        };
        return new DatasetsService({ repo, clock: { now: () => now }, artifacts });
      };
      const bodies = ['n\n1\n', 'n\n2\n'];
      const settled = await Promise.allSettled([racer(), racer()].map((s, i) => s.registerVersion({ name: 'xrace', file: { buffer: Buffer.from(bodies[i]!), filename: 'r.csv' } })));
      const won = settled.filter((r) => r.status === 'fulfilled');
      const lost = settled.filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.ok(lost[0]!.reason instanceof DomainError && lost[0]!.reason.code === 'CONFLICT', String(lost[0]!.reason));
      const winner = won[0]!.value.version;
      assert.equal(winner.version, 2);
      // The committed file is intact and is the only one under that version.
      const f = await svc.openVersionFile('xrace', 2);
      assert.equal(sha256(await readAll(f.stream)), winner.contentHash);
      const underVersion = await artifacts.list('datasets/xrace/2');
      assert.deepEqual(underVersion.map((e) => e.path), [winner.artifactPath!.slice(0, winner.artifactPath!.lastIndexOf('/'))]);
    });

    test('an upload over the size cap is PAYLOAD_TOO_LARGE, counted while streaming; nothing is stored', async () => {
      const capped = new DatasetsService({ repo: new DatasetsRepository(store.tables(), store.dialect), clock: { now: () => now }, artifacts, maxUploadBytes: 100 });
      const rows = Readable.from(Array.from({ length: 20 }, (_, i) => Buffer.from(i === 0 ? 'n\n' : `${'9'.repeat(9)}\n`)));
      await rejectsWith(capped.registerVersion({ name: 'capped', file: { stream: rows, filename: 'c.csv' } }), 'PAYLOAD_TOO_LARGE', /at most 100 bytes/);
      await rejectsWith(capped.registerVersion({ name: 'capped', file: { buffer: Buffer.alloc(101, 0x31), filename: 'c.csv' } }), 'PAYLOAD_TOO_LARGE', /at most 100 bytes/);
      const fits = await capped.registerVersion({ name: 'capped', file: { stream: Readable.from([Buffer.from('n\n1\n')]), filename: 'c.csv' } });
      assert.equal(fits.version.version, 1);
      assert.equal(svc.maxUploadBytes, 5 * 1024 ** 3, 'the default cap is 5 GiB');
    });

    test('concurrent registrations of one dataset get distinct versions', async () => {
      const results = await Promise.all([1, 2, 3, 4].map((i) => svc.registerVersion({ name: 'race', file: { buffer: Buffer.from(`n\n${i}\n`), filename: 'r.csv' } })));
      assert.deepEqual(results.map((r) => r.version.version).sort(), [1, 2, 3, 4]);
      for (const r of results) {
        const f = await svc.openVersionFile('race', r.version.version);
        assert.equal(sha256(await readAll(f.stream)), r.version.contentHash);
      }
    });
  });
}
