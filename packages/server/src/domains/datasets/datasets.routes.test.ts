import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { registerJsonBody } from '../../http/json-body.js';
import { nativeErrorHandler } from '../../http/app.js';
import { datasetsMigrations } from './datasets.migrations.js';
import { DatasetsRepository } from './datasets.repository.js';
import { DatasetsService } from './datasets.service.js';
import { datasetsRoutes } from './datasets.routes.js';
import { checkMixedProfile, mixedParquet } from './test-support/parquet-fixtures.js';

const CSV = 'age,income,city,member,joined\n34,52000.5,Paris,true,2024-01-05\n,61000,Lyon,false,2024-02-10\n51,,Paris,true,\n';
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
/** The upload cap of the service under test (the default is 5 GiB). */
const MAX_UPLOAD = 1024 * 1024;

for (const dialect of DIALECTS) {
  describe(`datasets routes on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let app: FastifyInstance;
    let artifacts: LocalFsArtifactStore;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-datasets-routes-'));
      store = await createTestStore(dialect, [datasetsMigrations]);
      artifacts = new LocalFsArtifactStore(join(dir, 'artifacts'));
      const datasets = new DatasetsService({ repo: new DatasetsRepository(store.tables(), store.dialect), clock: { now: () => 1_700_000_000_000 }, artifacts, maxUploadBytes: MAX_UPLOAD });
      app = Fastify();
      // As createApp does: query strings coerced, bodies strict.
      const coercing = new Ajv({ coerceTypes: 'array', useDefaults: true, strict: false });
      const strict = new Ajv({ coerceTypes: false, useDefaults: true, strict: false });
      app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
      registerJsonBody(app);
      app.setErrorHandler(nativeErrorHandler);
      await app.register(async (scope) => datasetsRoutes(scope, { datasets }));
      await app.ready();
    });
    after(async () => {
      await app.close();
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const upload = (name: string, body: string | Buffer, contentType: string, query = '') =>
      app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/versions${query}`, headers: { 'content-type': contentType }, payload: body });

    test('create, get, list datasets; duplicate and bad names', async () => {
      const c = await app.inject({ method: 'POST', url: '/api/v1/datasets', payload: { name: 'customers', description: 'CRM export' } });
      assert.equal(c.statusCode, 201);
      assert.equal(c.json().name, 'customers');
      assert.equal((await app.inject({ method: 'POST', url: '/api/v1/datasets', payload: { name: 'customers' } })).statusCode, 409);
      const bad = await app.inject({ method: 'POST', url: '/api/v1/datasets', payload: { name: '_x' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /body\.name/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/customers' })).json().description, 'CRM export');
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/nobody' })).statusCode, 404);
      const list = await app.inject({ method: 'GET', url: '/api/v1/datasets?maxResults=10' });
      assert.deepEqual(list.json().datasets.map((d: { name: string }) => d.name), ['customers']);
    });

    test('upload a CSV: 201 with the full profile; the same bytes again: 200 created=false; download', async () => {
      const r = await upload('customers', CSV, 'text/csv; charset=utf-8', '?filename=crm.csv&sourceUri=s3%3A%2F%2Fcrm%2Fexport.csv');
      assert.equal(r.statusCode, 201, r.body);
      const body = r.json();
      assert.equal(body.created, true);
      const v = body.version;
      assert.deepEqual([v.version, v.format, v.rowCount, v.contentHash, v.sourceUri], [1, 'csv', 3, sha256(CSV), 's3://crm/export.csv']);
      assert.match(v.artifactPath, /^datasets\/customers\/1\/[0-9a-f-]{36}\/crm\.csv$/);
      assert.deepEqual(v.schema.map((c: { type: string }) => c.type), ['integer', 'float', 'string', 'boolean', 'datetime']);
      const [age, income, city, member, joined] = v.profile.columns;
      assert.deepEqual([age.count, age.missing, age.numeric.mean, age.numeric.std, age.numeric.quantiles.p50], [2, 1, 42.5, Math.sqrt(144.5), 42.5]);
      assert.equal(age.numeric.histogram.edges.length, 21);
      assert.equal(income.numeric.max, 61000);
      assert.deepEqual(city.categorical, { distinct: 2, distinctExact: true, top: [{ value: 'Paris', count: 2 }, { value: 'Lyon', count: 1 }] });
      assert.deepEqual(member.categorical.top, [{ value: 'true', count: 2 }, { value: 'false', count: 1 }]);
      assert.deepEqual(joined.datetime, { min: '2024-01-05T00:00:00.000Z', max: '2024-02-10T00:00:00.000Z' });

      const again = await upload('customers', CSV, 'application/octet-stream', '?format=csv');
      assert.equal(again.statusCode, 200);
      assert.deepEqual([again.json().created, again.json().version.version], [false, 1]);

      const got = await app.inject({ method: 'GET', url: '/api/v1/datasets/customers/versions/latest' });
      assert.deepEqual(got.json(), v);
      const dl = await app.inject({ method: 'GET', url: '/api/v1/datasets/customers/versions/1/download' });
      assert.equal(dl.statusCode, 200);
      assert.equal(dl.body, CSV);
      assert.match(String(dl.headers['content-type']), /^text\/csv/);
      assert.match(String(dl.headers['content-disposition']), /filename="crm.csv"/);
      const versions = await app.inject({ method: 'GET', url: '/api/v1/datasets/customers/versions' });
      assert.deepEqual(versions.json().versions.map((x: { version: number }) => x.version), [1]);
    });

    test('bad uploads are 400s naming the problem and write nothing', async () => {
      const cases: [string | Buffer, string, string, RegExp][] = [
        ['', 'text/csv', '', /empty/],
        ['a,b\n1,2\n3\n', 'text/csv', '', /malformed CSV.*line 3/],
        [CSV, 'application/octet-stream', '', /Invalid format/],
        [CSV, 'application/octet-stream', '?format=xlsx', /Invalid format 'xlsx'/],
        [CSV, 'text/csv', '?filename=..%2Fx.csv', /Invalid filename/],
        ['PAR1 not really', 'application/vnd.apache.parquet', '', /not a Parquet file/],
        [CSV, 'text/plain', '', /Invalid content-type 'text\/plain'/],
      ];
      for (const [body, type, query, re] of cases) {
        const r = await upload('broken', body, type, query);
        assert.equal(r.statusCode, 400, `${type}${query}: ${r.body}`);
        assert.equal(r.json().error.code, 'INVALID_INPUT');
        assert.match(r.json().error.message, re);
      }
      const badName = await upload('bad%20name', CSV, 'text/csv');
      assert.equal(badName.statusCode, 400);
      assert.match(badName.json().error.message, /Invalid name 'bad name'/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/broken' })).statusCode, 404);
      assert.equal(await artifacts.exists('datasets/broken'), false);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/customers/versions/one' })).statusCode, 400);
    });

    test('upload Parquet as the raw body (parquet or octet-stream content type, any codec): the hand-computed profile; download', async () => {
      const buf = mixedParquet({ codec: 'ZSTD' });
      const r = await upload('events', buf, 'application/vnd.apache.parquet', '?filename=events.parquet');
      assert.equal(r.statusCode, 201, r.body);
      const v = r.json().version;
      assert.deepEqual([v.version, v.format, v.rowCount, v.contentHash], [1, 'parquet', 6, sha256(buf)]);
      assert.match(v.artifactPath, /^datasets\/events\/1\/[0-9a-f-]{36}\/events\.parquet$/);
      assert.deepEqual(v.schema.map((c: { type: string }) => c.type), ['integer', 'integer', 'float', 'float', 'boolean', 'string', 'datetime', 'datetime']);
      checkMixedProfile(v.profile);
      for (const [codec, query] of [['GZIP', '?filename=e.parquet'], ['BROTLI', '?format=parquet'], ['LZ4', '?filename=e.pq']] as const) {
        const other = await upload('events', mixedParquet({ codec, rowGroupSize: 4 }), 'application/octet-stream', query);
        assert.equal(other.statusCode, 201, `${codec}: ${other.body}`);
        assert.deepEqual(other.json().version.profile, v.profile, codec);
      }
      const again = await upload('events', buf, 'application/octet-stream', '?filename=same.parquet');
      assert.deepEqual([again.statusCode, again.json().created, again.json().version.version], [200, false, 1]);
      const dl = await app.inject({ method: 'GET', url: '/api/v1/datasets/events/versions/1/download' });
      assert.equal(dl.statusCode, 200);
      assert.equal(dl.headers['content-type'], 'application/vnd.apache.parquet');
      assert.ok(dl.rawPayload.equals(buf));

      const lzo = await upload('events-bad', mixedParquet({ codec: 'LZO' }), 'application/vnd.apache.parquet');
      assert.equal(lzo.statusCode, 400);
      assert.match(lzo.json().error.message, /could not be read.*LZO/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/events-bad' })).statusCode, 404);
      assert.equal(await artifacts.exists('datasets/events-bad'), false);
    });

    test('URI-only version by JSON; datasheet PUT validated; versions have no other update route', async () => {
      const r = await app.inject({ method: 'POST', url: '/api/v1/datasets/lake/versions', payload: { uri: 's3://lake/x/', rowCount: 10 } });
      assert.equal(r.statusCode, 201, r.body);
      assert.deepEqual([r.json().version.format, r.json().version.profile, r.json().version.rowCount], ['uri', null, 10]);
      const missing = await app.inject({ method: 'POST', url: '/api/v1/datasets/lake/versions', payload: { rowCount: 10 } });
      assert.equal(missing.statusCode, 400);
      assert.match(missing.json().error.message, /body\.uri is required/);
      const extra = await app.inject({ method: 'POST', url: '/api/v1/datasets/lake/versions', payload: { uri: 'x', profile: {} } });
      assert.match(extra.json().error.message, /body\.profile is not a known field/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/lake/versions/1/download' })).statusCode, 404);

      const put = await app.inject({ method: 'PUT', url: '/api/v1/datasets/customers/versions/1/datasheet', payload: { motivation: 'Churn.', composition: 'One row per customer.' } });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json().datasheet, { motivation: 'Churn.', composition: 'One row per customer.' });
      const unknown = await app.inject({ method: 'PUT', url: '/api/v1/datasets/customers/versions/1/datasheet', payload: { purpose: 'x' } });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().error.message, /purpose/);
      const long = await app.inject({ method: 'PUT', url: '/api/v1/datasets/customers/versions/1/datasheet', payload: { uses: 'x'.repeat(20_001) } });
      assert.equal(long.statusCode, 400);
      assert.match(long.json().error.message, /body\.uses/);
      assert.equal((await app.inject({ method: 'PUT', url: '/api/v1/datasets/customers/versions/1', payload: { rowCount: 1 } })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/customers/versions/1' })).json().rowCount, 3);
    });

    test('a file name outside Latin-1 downloads with an ASCII fallback and an RFC 5987 filename*', async () => {
      const name = 'データ "v1".csv';
      const r = await upload('unicode', CSV, 'text/csv', `?filename=${encodeURIComponent(name)}`);
      assert.equal(r.statusCode, 201, r.body);
      const dl = await app.inject({ method: 'GET', url: '/api/v1/datasets/unicode/versions/1/download' });
      assert.equal(dl.statusCode, 200, dl.body);
      assert.equal(dl.body, CSV);
      const header = String(dl.headers['content-disposition']);
      assert.equal(header, `attachment; filename="___ _v1_.csv"; filename*=UTF-8''${encodeURIComponent(name)}`);
      const star = /filename\*=UTF-8''([^;]+)/.exec(header);
      assert.equal(decodeURIComponent(star![1]!), name);
    });

    test('too many columns: 400 naming the limit, nothing stored (CSV upload and URI schema)', async () => {
      const header = Array.from({ length: 10_001 }, (_, i) => `c${i}`).join(',');
      const row = Array.from({ length: 10_001 }, () => '1').join(',');
      const r = await upload('wide', `${header}\n${row}\n`, 'text/csv');
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.code, 'INVALID_INPUT');
      assert.match(r.json().error.message, /10001 columns; a dataset version may have at most 10000 columns/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/wide' })).statusCode, 404);
      assert.equal(await artifacts.exists('datasets/wide'), false);

      const schema = Array.from({ length: 10_001 }, (_, i) => ({ name: `c${i}`, type: 'integer', nullable: false }));
      const uri = await app.inject({ method: 'POST', url: '/api/v1/datasets/wide/versions', payload: { uri: 's3://lake/wide/', schema } });
      assert.equal(uri.statusCode, 400, uri.body);
      assert.match(uri.json().error.message, /at most 10000 columns/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/wide' })).statusCode, 404);

      // Exactly at the limit is fine, and the version reads back.
      const ok = await app.inject({ method: 'POST', url: '/api/v1/datasets/wide/versions', payload: { uri: 's3://lake/wide/', schema: schema.slice(0, 10_000) } });
      assert.equal(ok.statusCode, 201, ok.body.slice(0, 300));
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/wide/versions/1' })).statusCode, 200);
    });

    test('an upload over the size cap is 413 (declared or counted while streaming) and stores nothing', async () => {
      const big = Buffer.alloc(MAX_UPLOAD + 1, 0x31);
      big.write('a\n', 0);
      const declared = await upload('huge', big, 'text/csv');
      assert.equal(declared.statusCode, 413, declared.body);
      assert.equal(declared.json().error.code, 'PAYLOAD_TOO_LARGE');
      assert.match(declared.json().error.message, /at most 1048576 bytes/);
      assert.equal(declared.headers.connection, 'close');

      // Chunked, no content-length: counted as it streams.
      const chunks = Array.from({ length: 5 }, (_, i) => (i === 0 ? Buffer.from('a\n') : Buffer.alloc(MAX_UPLOAD / 4, 0x31)));
      const streamed = await app.inject({ method: 'POST', url: '/api/v1/datasets/huge/versions', headers: { 'content-type': 'text/csv' }, payload: Readable.from(chunks) });
      assert.equal(streamed.statusCode, 413, streamed.body);
      assert.match(streamed.json().error.message, /at most 1048576 bytes/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/datasets/huge' })).statusCode, 404);
      assert.equal(await artifacts.exists('datasets/huge'), false);
    });
  });
}
