import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { availableParallelism, homedir } from 'node:os';
import { ConfigError, loadConfig } from './config.js';

test('defaults: SQLite under ~/.flywheel, 127.0.0.1:5000', () => {
  const c = loadConfig({}, {});
  assert.equal(c.dataDir, join(homedir(), '.flywheel'));
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.server.port, 5000);
  assert.equal(c.store.databaseUrl, 'sqlite:');
  assert.equal(c.artifacts.root, join(homedir(), '.flywheel', 'artifacts'));
  assert.equal(c.log.level, 'info');
});

test('flags win over the environment, which wins over defaults', () => {
  const env = { FLYWHEEL_PORT: '7000', FLYWHEEL_HOME: '/tmp/fw-env', FLYWHEEL_DATABASE_URL: 'postgres://u@h:5432/db' };
  const fromEnv = loadConfig({}, env);
  assert.equal(fromEnv.server.port, 7000);
  assert.equal(fromEnv.dataDir, '/tmp/fw-env');
  assert.equal(fromEnv.artifacts.root, '/tmp/fw-env/artifacts');
  assert.equal(fromEnv.store.databaseUrl, 'postgres://u@h:5432/db');
  const fromFlags = loadConfig({ port: '8080', dataDir: '/tmp/fw-flag' }, env);
  assert.equal(fromFlags.server.port, 8080);
  assert.equal(fromFlags.dataDir, '/tmp/fw-flag');
});

test('a bad value is refused with a message naming the flag, the variable and the value', () => {
  assert.throws(() => loadConfig({ port: 'abc' }, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /--port \/ FLYWHEEL_PORT/);
    assert.match(e.message, /"abc"/);
    return true;
  });
  assert.throws(() => loadConfig({ port: '70000' }, {}), /--port/);
  assert.throws(() => loadConfig({ logLevel: 'loud' }, {}), /--log-level/);
  assert.throws(() => loadConfig({ databaseUrl: 'mysql://x' }, {}), /must start with sqlite: or postgres:\/\//);
  assert.throws(() => loadConfig({}, { FLYWHEEL_DB_POOL_SIZE: '0' }), /--pool-size \/ FLYWHEEL_DB_POOL_SIZE/);
});

test('artifacts: an s3:// root is kept as given, with the S3 connection settings', () => {
  const local = loadConfig({ artifactRoot: 'rel/arts' }, {});
  assert.equal(local.artifacts.root, join(process.cwd(), 'rel/arts'));
  assert.deepEqual(local.artifacts.s3, { region: 'us-east-1', forcePathStyle: false });

  const c = loadConfig({}, {
    FLYWHEEL_ARTIFACT_ROOT: 's3://ml-artifacts/flywheel',
    FLYWHEEL_S3_ENDPOINT: 'http://minio:9000',
    FLYWHEEL_S3_REGION: 'eu-west-1',
    FLYWHEEL_S3_ACCESS_KEY_ID: 'AKIA1',
    FLYWHEEL_S3_SECRET_ACCESS_KEY: 'sekrit',
  });
  assert.equal(c.artifacts.root, 's3://ml-artifacts/flywheel');
  assert.deepEqual(c.artifacts.s3, { endpoint: 'http://minio:9000', region: 'eu-west-1', accessKeyId: 'AKIA1', secretAccessKey: 'sekrit', forcePathStyle: true });

  // Flags win; the AWS_* credentials are the fallback; path style can be turned off.
  const f = loadConfig(
    { artifactRoot: 's3://b-from-flag', s3Endpoint: 'https://s3.example', s3Region: 'us-west-2', s3ForcePathStyle: 'false' },
    { FLYWHEEL_ARTIFACT_ROOT: 's3://other-bucket', FLYWHEEL_S3_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIA2', AWS_SECRET_ACCESS_KEY: 'aws-secret' },
  );
  assert.equal(f.artifacts.root, 's3://b-from-flag');
  assert.deepEqual(f.artifacts.s3, { endpoint: 'https://s3.example', region: 'us-west-2', accessKeyId: 'AKIA2', secretAccessKey: 'aws-secret', forcePathStyle: false });
  assert.equal(loadConfig({}, { FLYWHEEL_ARTIFACT_ROOT: 's3://bkt', FLYWHEEL_S3_FORCE_PATH_STYLE: '1' }).artifacts.s3.forcePathStyle, true);
  assert.equal(loadConfig({}, { FLYWHEEL_ARTIFACT_ROOT: 's3://bucket', FLYWHEEL_S3_ACCESS_KEY_ID: 'x', FLYWHEEL_S3_SECRET_ACCESS_KEY: 'y', AWS_ACCESS_KEY_ID: 'z' }).artifacts.s3.accessKeyId, 'x');
});

test('artifacts: a malformed s3:// root or S3 setting is refused, naming the flag, never echoing a secret', () => {
  for (const root of ['s3://', 's3:///prefix', 's3://a', 's3://bad bucket/x', 's3:bucket', 's3://bucket/../x']) {
    assert.throws(() => loadConfig({ artifactRoot: root }, {}), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /--artifact-root \/ FLYWHEEL_ARTIFACT_ROOT/);
      return true;
    }, root);
  }
  assert.throws(() => loadConfig({ s3Endpoint: 'minio:9000' }, {}), /--s3-endpoint \/ FLYWHEEL_S3_ENDPOINT/);
  assert.throws(() => loadConfig({}, { FLYWHEEL_S3_FORCE_PATH_STYLE: 'maybe' }), /--s3-force-path-style \/ FLYWHEEL_S3_FORCE_PATH_STYLE/);
  assert.throws(() => loadConfig({}, { FLYWHEEL_S3_ACCESS_KEY_ID: 'AKIA1' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /FLYWHEEL_S3_SECRET_ACCESS_KEY/);
    return true;
  });
  assert.throws(() => loadConfig({}, { FLYWHEEL_S3_SECRET_ACCESS_KEY: 'sekrit-value' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /FLYWHEEL_S3_ACCESS_KEY_ID/);
    assert.doesNotMatch(e.message, /sekrit-value/);
    return true;
  });
});

test('cluster, role and serving settings: defaults, auto workers, flags over environment, refusals', () => {
  const d = loadConfig({}, {});
  assert.equal(d.server.workers, 1);
  assert.equal(d.server.role, 'all');
  assert.equal(d.serving.refreshMs, 1000);
  assert.equal(d.serving.batching, true);
  assert.equal(loadConfig({}, { FLYWHEEL_WORKERS: 'auto' }).server.workers, availableParallelism());
  const env = { FLYWHEEL_WORKERS: '3', FLYWHEEL_ROLE: 'gateway', FLYWHEEL_SERVING_REFRESH_MS: '250', FLYWHEEL_SERVING_BATCHING: 'false' };
  const e = loadConfig({}, env);
  assert.deepEqual([e.server.workers, e.server.role, e.serving.refreshMs, e.serving.batching], [3, 'gateway', 250, false]);
  const f = loadConfig({ workers: '2', role: 'all', refreshMs: 100, batching: 'on' }, env);
  assert.deepEqual([f.server.workers, f.server.role, f.serving.refreshMs, f.serving.batching], [2, 'all', 100, true]);
  assert.throws(() => loadConfig({ role: 'proxy' }, {}), (err: unknown) => err instanceof ConfigError && /--role \/ FLYWHEEL_ROLE/.test(err.message) && /"proxy"/.test(err.message));
  assert.throws(() => loadConfig({ workers: '0' }, {}), (err: unknown) => err instanceof ConfigError && /--workers \/ FLYWHEEL_WORKERS/.test(err.message));
  assert.throws(() => loadConfig({ workers: 'many' }, {}), (err: unknown) => err instanceof ConfigError && /--workers/.test(err.message));
  assert.throws(() => loadConfig({ refreshMs: '5' }, {}), (err: unknown) => err instanceof ConfigError && /--refresh-ms/.test(err.message));
});

test('prediction-log settings: defaults and refusals', () => {
  const d = loadConfig({}, {});
  assert.deepEqual([d.serving.logDurability, d.serving.logSynchronous, d.serving.logWriterThread], ['sync', 'normal', true]);
  const e = loadConfig({ logDurability: 'fast', logSynchronous: 'full', logWriterThread: 'false' }, {});
  assert.deepEqual([e.serving.logDurability, e.serving.logSynchronous, e.serving.logWriterThread], ['fast', 'full', false]);
  assert.throws(() => loadConfig({ logDurability: 'async' }, {}), (err: unknown) => err instanceof ConfigError && /--log-durability/.test(err.message));
  assert.throws(() => loadConfig({}, { FLYWHEEL_SERVING_LOG_SYNCHRONOUS: 'off' }), (err: unknown) => err instanceof ConfigError && /FLYWHEEL_SERVING_LOG_SYNCHRONOUS/.test(err.message));
});
