import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import pino from 'pino';
import { loadConfig } from './config/index.js';
import { startServer } from './main.js';
import { createTestDatabase, DIALECTS } from './store/test-support/stores.js';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

for (const dialect of DIALECTS) {
  describe(`flywheel server on ${dialect}`, () => {
    test('starts on a real socket, migrates once, survives a restart with its data, answers health, readiness and OpenAPI', async () => {
      const db = await createTestDatabase(dialect);
      const config = loadConfig({ dataDir: db.dataDir, databaseUrl: db.url, port: 0 }, {});
      const logger = pino({ level: 'silent' });
      try {
        let server = await startServer(config, { handleSignals: false, logger });
        assert.equal((await get(`${server.url}/health`)).body, 'OK');
        const ready = await get(`${server.url}/ready`);
        assert.equal(ready.status, 200);
        assert.deepEqual(JSON.parse(ready.body), { status: 'ready', checks: { store: true, artifacts: true } });
        const openapi = JSON.parse((await get(`${server.url}/api/v1/openapi.json`)).body) as { openapi: string; paths: Record<string, unknown> };
        assert.equal(openapi.openapi, '3.1.0');
        assert.ok(openapi.paths['/api/v1/experiments'], 'the native tracking routes are documented');
        const id = await server.services.tracking.createExperiment({ name: 'kept' });
        await server.close();

        server = await startServer(config, { handleSignals: false, logger });
        assert.equal((await server.services.tracking.getExperiment(id)).name, 'kept');
        const got = await get(`${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept`);
        assert.equal(got.status, 200);
        await server.close();
      } finally {
        await db.drop();
      }
    });
  });
}

test('graceful shutdown lets an in-flight request finish and refuses new ones', async () => {
  const db = await createTestDatabase('sqlite');
  const config = loadConfig({ dataDir: db.dataDir, databaseUrl: db.url, port: 0 }, {});
  const server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  // A slow handler stands in for a long request already being served when shutdown begins.
  const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${server.url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    // Send the body in two parts: the request is in flight while the server closes.
    req.write('{"run_id": "0123456789abcdef0123456789abcdef", ');
    void gate.then(() => req.end('"metrics": []}'));
  });
  await new Promise((r) => setTimeout(r, 50));
  const closing = server.close();
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(get(`${server.url}/health`), 'a new connection is refused while closing');
  release();
  const res = await slow;
  assert.equal(res.status, 404, 'the in-flight request completed with its real answer');
  assert.match(res.body, /RESOURCE_DOES_NOT_EXIST/);
  await closing;
  await db.drop();
});
