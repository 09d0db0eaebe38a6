import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, parse, relative } from 'node:path';
import type { AddressInfo } from 'node:net';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';

// MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/...`) as the Python client's
// HttpArtifactRepository uses it for `mlflow-artifacts:/` URIs, plus the tracking API's
// `artifacts/list`. Every path a client sends is checked: nothing may be read, written or
// deleted outside the artifact root.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  raw: Buffer;
  body: Body;
}

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const MPU_MESSAGE = 'Multipart upload is not supported for the current artifact repository';

function toReply(status: number, headers: Reply['headers'], raw: Buffer): Reply {
  let body: Body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  return { status, headers, raw, body };
}

/** MLflow's error body `{error_code, message}` and status. */
function fails(r: Reply, status: number, errorCode: string, message?: RegExp): void {
  const text = r.raw.toString('utf8').slice(0, 300);
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${text}`);
  assert.deepEqual(Object.keys(r.body ?? {}).sort(), ['error_code', 'message'], text);
  assert.equal(r.body.error_code, errorCode, text);
  if (message) assert.match(r.body.message, message);
}

function ok(r: Reply): Body {
  assert.equal(r.status, 200, `expected 200, got ${r.status}: ${r.raw.toString('utf8').slice(0, 300)}`);
  return r.body;
}

/** Every file below `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

for (const dialect of DIALECTS) {
  describe(`MLflow artifact proxy on ${dialect}`, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    let root: string;
    let port: number;
    let expId: string;
    let runId: string;
    let base: string; // <exp>/<run>/artifacts, the run's folder in the store
    let artifactUri: string;

    before(async () => {
      platform = await createTestPlatform(dialect);
      assert.ok(platform.artifacts instanceof LocalFsArtifactStore);
      root = platform.artifacts.root;
      // A real socket too: inject() normalizes '..' and '%2e%2e' in paths before routing, a raw
      // HTTP request does not.
      await platform.app.listen({ port: 0, host: '127.0.0.1' });
      port = (platform.app.server.address() as AddressInfo).port;
      const exp = await inject('POST', '/api/2.0/mlflow/experiments/create', JSON.stringify({ name: 'artifacts' }), { 'content-type': 'application/json' });
      expId = ok(exp).experiment_id;
      const run = await inject('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: expId, start_time: 1 }), { 'content-type': 'application/json' });
      runId = ok(run).run.info.run_id;
      artifactUri = ok(run).run.info.artifact_uri;
      base = `${expId}/${runId}/artifacts`;
      assert.equal(artifactUri, `mlflow-artifacts:/${base}`);
    });
    after(async () => platform?.dispose());

    async function inject(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
      const res = await platform.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
      const reply = toReply(res.statusCode, res.headers, res.rawPayload);
      assert.ok(res.statusCode < 500 || res.statusCode === 501, `${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
      return reply;
    }

    /** A request on the real socket with the path sent byte for byte as given. */
    function raw(method: string, path: string, body?: Buffer): Promise<Reply> {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers: body ? { 'content-length': body.length } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(toReply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
        });
        req.on('error', reject);
        req.end(body);
      });
    }

    const put = (path: string, bytes: Buffer, headers: Record<string, string> = {}) => inject('PUT', `${PROXY}/${path}`, bytes, headers);
    const download = (path: string) => inject('GET', `${PROXY}/${path}`);
    const list = (path?: string) => inject('GET', path === undefined ? PROXY : `${PROXY}?${new URLSearchParams({ path })}`);
    const listRun = (query: Record<string, string>) => inject('GET', `/api/2.0/mlflow/artifacts/list?${new URLSearchParams(query)}`);

    test('upload, download byte for byte, overwrite, with any content type', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value, incl. NUL and CR/LF
      assert.deepEqual(ok(await put(`${base}/dir/file.txt`, bytes, { 'content-type': 'text/plain' })), {});
      assert.deepEqual(ok(await put(`${base}/dir/none.bin`, bytes)), {}, 'no content-type at all');
      assert.deepEqual(ok(await put(`${base}/dir/octets.bin`, bytes, { 'content-type': 'application/octet-stream' })), {});
      assert.deepEqual(ok(await put(`${base}/model.json`, Buffer.from('{"not": "parsed"'), { 'content-type': 'application/json' })), {}, 'a JSON content type is stored as bytes, not parsed');
      assert.deepEqual(ok(await put(`${base}/empty.txt`, Buffer.alloc(0), { 'content-type': 'text/plain' })), {});

      const got = await download(`${base}/dir/file.txt`);
      assert.equal(got.status, 200);
      assert.ok(got.raw.equals(bytes), 'byte-identical');
      assert.match(String(got.headers['content-disposition']), /^attachment; filename="?file\.txt"?$/);
      assert.match(String(got.headers['content-type']), /^text\/plain/);
      assert.equal(got.headers['x-content-type-options'], 'nosniff');
      assert.equal(Number(got.headers['content-length']), 256);
      for (const name of ['dir/none.bin', 'dir/octets.bin']) {
        const r = await download(`${base}/${name}`);
        assert.ok(r.raw.equals(bytes), name);
        assert.equal(r.headers['content-type'], 'application/octet-stream');
      }
      assert.equal((await download(`${base}/model.json`)).raw.toString(), '{"not": "parsed"');
      const empty = await download(`${base}/empty.txt`);
      assert.equal(empty.status, 200);
      assert.equal(empty.raw.length, 0);

      // Overwrite: the last upload wins.
      ok(await put(`${base}/dir/file.txt`, Buffer.from('v2')));
      assert.equal((await download(`${base}/dir/file.txt`)).raw.toString(), 'v2');
      // The UI's prefix serves the same files.
      assert.equal((await inject('GET', `/ajax-api/2.0/mlflow-artifacts/artifacts/${base}/dir/file.txt`)).raw.toString(), 'v2');
      // On disk exactly where the run's artifact URI says.
      assert.equal(readFileSync(join(root, base, 'dir', 'file.txt'), 'utf8'), 'v2');

      // Models nest deeply: a long path is fine.
      const deep = `${base}/deep/${'segment-0123456789/'.repeat(20)}f.txt`;
      ok(await put(deep, Buffer.from('deep')));
      assert.equal((await download(deep)).raw.toString(), 'deep');

      fails(await download(`${base}/dir/missing.txt`), 404, 'RESOURCE_DOES_NOT_EXIST', /missing\.txt/);
      fails(await download(`${base}/dir`), 404, 'RESOURCE_DOES_NOT_EXIST');
      fails(await put(`${base}/dir`, Buffer.from('x')), 400, 'INVALID_PARAMETER_VALUE', /directory/);
      fails(await put(`${base}/dir/file.txt/below`, Buffer.from('x')), 400, 'INVALID_PARAMETER_VALUE', /file/);
    });

    test('list through the proxy (basenames) and through artifacts/list (run-relative paths)', async () => {
      const lb = `${expId}/${runId}/artifacts/listing`;
      ok(await put(`${lb}/a.txt`, Buffer.from('hello')));
      ok(await put(`${lb}/sub/b.bin`, Buffer.from('123456789')));
      ok(await put(`${lb}/sub/deeper/c.txt`, Buffer.from('c')));

      // The proxy's own listing: basenames, is_dir, file_size as a number and only for files.
      assert.deepEqual(ok(await list(lb)), {
        files: [
          { path: 'a.txt', is_dir: false, file_size: 5 },
          { path: 'sub', is_dir: true },
        ],
      });
      assert.deepEqual(ok(await list(`${lb}/sub`)), {
        files: [
          { path: 'b.bin', is_dir: false, file_size: 9 },
          { path: 'deeper', is_dir: true },
        ],
      });
      assert.deepEqual(ok(await list(`${lb}/nothing-here`)), {}, 'a missing folder lists nothing');
      assert.deepEqual(ok(await list(`${lb}/a.txt`)), {}, 'a file lists nothing');
      const top = ok(await list());
      assert.ok(top.files.some((f: Body) => f.path === expId && f.is_dir === true), 'no ?path= lists the root');
      // requests encodes '/' in a query value as %2F; a raw '/' works too.
      assert.deepEqual(ok(await inject('GET', `${PROXY}?path=${lb}/sub/deeper`)), { files: [{ path: 'c.txt', is_dir: false, file_size: 1 }] });

      // The tracking API's listing, relative to the run's artifact root.
      const runRoot = ok(await listRun({ run_id: runId }));
      assert.equal(runRoot.root_uri, artifactUri);
      assert.ok(runRoot.files.some((f: Body) => f.path === 'listing' && f.is_dir === true && !('file_size' in f)));
      assert.deepEqual(ok(await listRun({ run_id: runId, path: 'listing' })), {
        root_uri: artifactUri,
        files: [
          { path: 'listing/a.txt', is_dir: false, file_size: 5 },
          { path: 'listing/sub', is_dir: true },
        ],
      });
      assert.deepEqual(ok(await listRun({ run_uuid: runId, run_id: runId, path: 'listing/sub' })), {
        root_uri: artifactUri,
        files: [
          { path: 'listing/sub/b.bin', is_dir: false, file_size: 9 },
          { path: 'listing/sub/deeper', is_dir: true },
        ],
      });
      assert.deepEqual(ok(await listRun({ run_id: runId, path: 'listing/none' })), { root_uri: artifactUri });

      // A fresh run has nothing yet.
      const other = ok(await inject('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: expId }), { 'content-type': 'application/json' })).run.info;
      assert.deepEqual(ok(await listRun({ run_id: other.run_id })), { root_uri: other.artifact_uri });

      // A run whose experiment stores artifacts elsewhere: the root URI, and nothing proxied.
      const s3 = ok(await inject('POST', '/api/2.0/mlflow/experiments/create', JSON.stringify({ name: 's3-exp', artifact_location: 's3://bucket/prefix' }), { 'content-type': 'application/json' })).experiment_id;
      const s3Run = ok(await inject('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: s3 }), { 'content-type': 'application/json' })).run.info;
      assert.equal(s3Run.artifact_uri, `s3://bucket/prefix/${s3Run.run_id}/artifacts`);
      assert.deepEqual(ok(await listRun({ run_id: s3Run.run_id })), { root_uri: s3Run.artifact_uri });

      fails(await listRun({ path: 'x' }), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'run_id'/);
      fails(await listRun({ run_id: 'f'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST', /Run with id=f{32} not found/);
      fails(await listRun({ run_id: runId, path: '../../other' }), 400, 'INVALID_PARAMETER_VALUE', /\.\./);
    });

    test('an artifact larger than the JSON body limit (64 MiB) is streamed, not refused', async () => {
      const big = Buffer.alloc(64 * 1024 * 1024 + 1, 0x5a);
      big.write('head', 0);
      big.write('tail', big.length - 4);
      assert.deepEqual(ok(await put(`${base}/big/weights.bin`, big, { 'content-type': 'application/octet-stream' })), {});
      const got = await download(`${base}/big/weights.bin`);
      assert.equal(got.raw.length, big.length);
      assert.ok(got.raw.equals(big));
      assert.deepEqual(ok(await list(`${base}/big`)), { files: [{ path: 'weights.bin', is_dir: false, file_size: big.length }] });
      ok(await inject('DELETE', `${PROXY}/${base}/big`));
    });

    test('delete a file or a folder; 404 for what is not there', async () => {
      const db = `${base}/del`;
      ok(await put(`${db}/one.txt`, Buffer.from('1')));
      ok(await put(`${db}/tree/two.txt`, Buffer.from('2')));
      ok(await put(`${db}/tree/three.txt`, Buffer.from('3')));

      assert.deepEqual(ok(await inject('DELETE', `${PROXY}/${db}/one.txt`)), {});
      fails(await download(`${db}/one.txt`), 404, 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual(ok(await inject('DELETE', `${PROXY}/${db}/tree`)), {});
      fails(await download(`${db}/tree/two.txt`), 404, 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual(ok(await list(db)), {});
      fails(await inject('DELETE', `${PROXY}/${db}/one.txt`), 404, 'RESOURCE_DOES_NOT_EXIST');
      fails(await inject('DELETE', `${PROXY}/`), 400, 'INVALID_PARAMETER_VALUE', /root/);
      assert.ok(existsSync(join(root, base)), 'the run folder itself is still there');
    });

    test('multipart upload endpoints answer 501 with the message the client falls back on', async () => {
      const bodies: Record<string, unknown> = {
        create: { path: 'big.bin', num_parts: 3 },
        complete: { path: 'big.bin', upload_id: 'u', parts: [{ part_number: 1, etag: 'e', url: 'http://x' }] },
        abort: { path: 'big.bin', upload_id: 'u' },
      };
      for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
        for (const [op, body] of Object.entries(bodies)) {
          const r = await inject('POST', `${prefix}/mpu/${op}/${base}/big.bin`, JSON.stringify(body), { 'content-type': 'application/json' });
          assert.equal(r.status, 501, `${op}: ${r.raw.toString()}`);
          assert.deepEqual(r.body, { error_code: 'NOT_IMPLEMENTED', message: MPU_MESSAGE });
        }
      }
      assert.ok(!existsSync(join(root, base, 'big.bin')));
    });

    test('path traversal is refused with 400 and touches nothing outside the artifact root', async () => {
      const dataDir = dirname(root);
      const sentinel = join(dataDir, 'sentinel.txt');
      writeFileSync(sentinel, 'secret');
      const before = filesUnder(root);
      const marker = `fw-traversal-${randomBytes(6).toString('hex')}`;
      const absTarget = join(dataDir, marker).replace(/^\//, '');

      // Sent through inject() (decoded once by the router, never normalized by the client).
      const viaInject = [
        `..%2F..%2F${marker}`,
        `..%2F..%2Fetc%2Fpasswd`,
        `${base}/..%2F..%2F..%2F..%2F${marker}`,
        `%252e%252e/%252e%252e/${marker}`, // double-encoded dots
        `%252e%252e%252f${marker}`, // double-encoded dots and slash
        `..%5C..%5C${marker}`, // backslashes
        `${base}%5C..%5C..%5C..%5C..%5C${marker}`,
        `%2F${absTarget}`, // an absolute path, encoded
        `/${absTarget}`, // an absolute path after a double slash
        `C:%5C${marker}`, // a drive letter
        `..%00/${marker}`, // NUL
        `%c0%ae%c0%ae/${marker}`, // overlong UTF-8 dots
      ];
      // Sent on the socket exactly as written: dot segments a normalizing client would resolve.
      const viaSocket = [`%2e%2e/%2e%2e/${marker}`, `${base}/../../../../${marker}`, `a/%2E%2E/%2E%2E/${marker}`, `%2e%2e%2f%2e%2e%2f${marker}`];

      const refused = /Invalid (artifact|request) path/;
      for (const p of viaInject) {
        fails(await inject('PUT', `${PROXY}/${p}`, Buffer.from('pwned')), 400, 'INVALID_PARAMETER_VALUE', refused);
        fails(await inject('GET', `${PROXY}/${p}`), 400, 'INVALID_PARAMETER_VALUE', refused);
        fails(await inject('DELETE', `${PROXY}/${p}`), 400, 'INVALID_PARAMETER_VALUE', refused);
      }
      for (const p of viaSocket) {
        for (const method of ['PUT', 'GET', 'DELETE']) {
          const r = await raw(method, `${PROXY}/${p}`, method === 'PUT' ? Buffer.from('pwned') : undefined);
          fails(r, 400, 'INVALID_PARAMETER_VALUE', /Invalid artifact path/);
        }
      }
      // Reading or deleting the sentinel next to the root.
      for (const p of ['..%2Fsentinel.txt', '%252e%252e%252fsentinel.txt']) {
        const r = await inject('GET', `${PROXY}/${p}`);
        fails(r, 400, 'INVALID_PARAMETER_VALUE');
        assert.ok(!r.raw.toString().includes('secret'));
        fails(await inject('DELETE', `${PROXY}/${p}`), 400, 'INVALID_PARAMETER_VALUE');
      }
      fails(await raw('GET', `${PROXY}/%2e%2e/sentinel.txt`), 400, 'INVALID_PARAMETER_VALUE');
      fails(await raw('DELETE', `${PROXY}/%2e%2e/sentinel.txt`), 400, 'INVALID_PARAMETER_VALUE');

      // Listings: ?path= of the proxy and path= of artifacts/list.
      for (const p of ['/etc', '..', '../..', `${base}/../../../..`, '%2e%2e', '..\\..', 'C:\\Windows', `/${dirname(root).replace(/^\//, '')}`]) {
        fails(await list(p), 400, 'INVALID_PARAMETER_VALUE', /Invalid artifact path/);
      }
      fails(await inject('GET', `${PROXY}?path=a&path=b`), 400, 'INVALID_PARAMETER_VALUE', /path/);
      for (const p of ['..', '../../..', '/etc', 'a/../../..', '%2e%2e/x']) {
        fails(await listRun({ run_id: runId, path: p }), 400, 'INVALID_PARAMETER_VALUE', /Invalid artifact path/);
      }

      // Nothing written anywhere: not in the root, not next to it, not above it.
      assert.deepEqual(filesUnder(root), before, 'the artifact root is unchanged');
      assert.equal(readFileSync(sentinel, 'utf8'), 'secret', 'the sentinel outside the root is intact');
      for (let dir = root; ; dir = dirname(dir)) {
        assert.ok(!existsSync(join(dir, marker)), `nothing written to ${dir}`);
        if (dir === parse(dir).root) break;
      }
      assert.ok(!existsSync(join(dataDir, 'etc', 'passwd')));
      assert.deepEqual(readdirSync(dataDir).filter((n) => n.includes(marker)), []);
    });

    test('names outside Latin-1 download with a safe Content-Disposition; control characters are refused', async () => {
      const cases: [string, string][] = [
        ['モデル.bin', `attachment; filename="___.bin"; filename*=UTF-8''${encodeURIComponent('モデル.bin')}`],
        ['a b.txt', 'attachment; filename="a b.txt"'],
        ["q\"uote's (1)*.txt", `attachment; filename="q_uote's (1)*.txt"; filename*=UTF-8''q%22uote%27s%20%281%29%2A.txt`],
      ];
      for (const [name, expected] of cases) {
        const bytes = Buffer.from(`bytes of ${name}`);
        const path = `${base}/names/${encodeURIComponent(name)}`;
        assert.deepEqual(ok(await put(path, bytes)), {}, name);
        for (const get of [() => download(path), () => raw('GET', `${PROXY}/${path}`)]) {
          const r = await get();
          assert.equal(r.status, 200, name);
          assert.ok(r.raw.equals(bytes), name);
          assert.equal(Number(r.headers['content-length']), bytes.length);
          const header = String(r.headers['content-disposition']);
          assert.equal(header, expected);
          // What a client makes of it: filename* when present, else the quoted fallback.
          const star = /filename\*=UTF-8''([^;]+)/.exec(header);
          assert.equal(star ? decodeURIComponent(star[1]!) : /filename="([^"]*)"/.exec(header)![1], name);
        }
      }
      for (const bad of ['%0A', '%0D', '%09', '%1F', '%7F']) {
        const path = `${base}/names/bad${bad}name.txt`;
        fails(await put(path, Buffer.from('x')), 400, 'INVALID_PARAMETER_VALUE', /control characters/);
        fails(await download(path), 400, 'INVALID_PARAMETER_VALUE', /control characters/);
        fails(await raw('GET', `${PROXY}/${path}`), 400, 'INVALID_PARAMETER_VALUE', /control characters/);
      }
      assert.deepEqual(filesUnder(join(root, base, 'names')).sort(), cases.map(([n]) => n).sort());
    });

    test('dataset files are read-only through the proxy: PUT and DELETE under datasets/ are 403 PERMISSION_DENIED', async () => {
      const file = `datasets/proxied/1/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/data.csv`;
      await platform.artifacts.put(file, Buffer.from('a\n1\n'));
      const denied = /dataset files are immutable and managed through \/api\/v1\/datasets/;
      for (const prefix of [PROXY, '/ajax-api/2.0/mlflow-artifacts/artifacts']) {
        for (const p of [file, 'datasets/proxied/1/new.csv', 'datasets', 'datasets/', './datasets//proxied/1', 'Datasets/proxied/1/x.csv']) {
          fails(await inject('PUT', `${prefix}/${p}`, Buffer.from('overwritten')), 403, 'PERMISSION_DENIED', denied);
          fails(await inject('DELETE', `${prefix}/${p}`), 403, 'PERMISSION_DENIED', denied);
        }
        fails(await raw('PUT', `${prefix}/a/../${file}`, Buffer.from('overwritten')), 400, 'INVALID_PARAMETER_VALUE');
      }
      assert.equal(readFileSync(join(root, file), 'utf8'), 'a\n1\n', 'the dataset file is intact');
      assert.ok(!existsSync(join(root, 'datasets', 'proxied', '1', 'new.csv')));
      // Reads stay allowed.
      const got = await download(file);
      assert.equal(got.status, 200);
      assert.equal(got.raw.toString(), 'a\n1\n');
      assert.deepEqual(ok(await list('datasets/proxied/1')).files.length, 1);
      // A name that merely starts with "datasets" is an ordinary path.
      ok(await put(`${base}/datasets/x.txt`, Buffer.from('x')));
      ok(await put('datasets-not/x.txt', Buffer.from('x')));
      ok(await inject('DELETE', `${PROXY}/datasets-not`));
    });

    test('upload paths: an empty or undecodable path is refused; odd but legal names work', async () => {
      fails(await inject('PUT', `${PROXY}/`, Buffer.from('x')), 400, 'INVALID_PARAMETER_VALUE');
      fails(await inject('PUT', `${PROXY}/${base}/bad%zz.txt`, Buffer.from('x')), 400, 'INVALID_PARAMETER_VALUE', /bad%zz/);
      fails(await inject('GET', `${PROXY}/${base}/bad%e9.txt`), 400, 'INVALID_PARAMETER_VALUE');
      fails(await raw('GET', `/api/2.0/mlflow/runs/get%zz?run_id=${runId}`), 400, 'INVALID_PARAMETER_VALUE', /Invalid request path '\/api\/2\.0\/mlflow\/runs\/get%zz': it is not valid percent-encoded UTF-8\.$/);
      const native = await raw('GET', '/api/v1/experiments/%zz');
      assert.equal(native.status, 400);
      assert.equal(native.body.error.code, 'INVALID_INPUT', 'the native API keeps its own error shape');
      const names = ['50%.txt', 'a b.txt', 'ünïcödé.txt', '.hidden'];
      for (const name of names) {
        const encoded = `${base}/odd/${encodeURIComponent(name)}`;
        assert.deepEqual(ok(await inject('PUT', `${PROXY}/${encoded}`, Buffer.from(name))), {}, name);
        assert.equal((await inject('GET', `${PROXY}/${encoded}`)).raw.toString(), name);
      }
      const listed = ok(await list(`${base}/odd`)).files.map((f: Body) => f.path).sort();
      assert.deepEqual(listed, [...names].sort());
    });
  });
}
