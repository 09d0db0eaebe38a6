import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { homedir } from 'node:os';
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
