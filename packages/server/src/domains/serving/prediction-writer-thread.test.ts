import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { MIGRATIONS } from '../../main.js';
import { sqlitePathFromUrl } from '../../store/index.js';
import { createTestStore } from '../../store/test-support/stores.js';
import { GroupCommitPredictionLog, type PredictionEntry } from './prediction-log.js';
import { PredictionsRepository, type PredictionTables } from './predictions.repository.js';
import { ThreadedSqlitePredictionsRepository } from './prediction-writer-thread.js';

const entry = (i: number): PredictionEntry => ({
  inference_id: `id-${i}`, deployment: 'd', variant: i % 2 ? 'a' : 'b', model_name: 'm', model_version: '1', ts: 1_000 + i, latency_us: i, inputs: `{"x":${i}}`, outputs: '{}', status: i % 7 ? 0 : 500,
});

// SQLite only: the writer thread is how SQLite commits leave the event loop; PostgreSQL's driver is asynchronous already.
test('writer thread: group-committed sync appends are all written once, readable on the main connection; close stops the thread', async () => {
  const store = await createTestStore('sqlite', MIGRATIONS);
  after(() => store.dispose());
  const file = sqlitePathFromUrl(store.description, '/'); // description is `sqlite:<absolute file>`
  const threaded = new ThreadedSqlitePredictionsRepository(store.tables<PredictionTables>(), file);
  const reader = new PredictionsRepository(store.tables<PredictionTables>(), 'sqlite');
  const log = new GroupCommitPredictionLog(threaded, { durability: 'sync' });

  await Promise.all(Array.from({ length: 3000 }, (_, i) => log.append(entry(i))));
  assert.ok(log.stats().flushes < 3000, 'appends were grouped');
  const rows = await reader.list('d', { limit: 5000 });
  assert.equal(rows.length, 3000);
  assert.equal(new Set(rows.map((r) => r.inference_id)).size, 3000);
  const one = await reader.getByInferenceId('id-14');
  assert.equal(one.length, 1);
  assert.deepEqual([one[0]!.variant, Number(one[0]!.latency_us), one[0]!.inputs, Number(one[0]!.status)], ['b', 14, '{"x":14}', 500]);

  // A failed write (a NOT NULL column missing) rejects that append only.
  await assert.rejects(threaded.insertBatch([{ ...entry(9999), inference_id: null as unknown as string }]), /prediction log write failed/);
  await log.append(entry(10_000));
  assert.equal((await reader.getByInferenceId('id-10000')).length, 1);

  // Large payloads (6 rows of ~0.8 MB, non-ASCII) arrive intact.
  const big = Array.from({ length: 6 }, (_, i) => ({ ...entry(30_000 + i), inputs: JSON.stringify({ x: 'é'.repeat(400_000 + i) }) }));
  await threaded.insertBatch(big);
  const gotBig = await reader.getByInferenceId('id-30005');
  assert.equal(gotBig[0]!.inputs, big[5]!.inputs);

  await log.close();
  await threaded.close();
  // After close, writes go through the main connection.
  await threaded.insertBatch([entry(20_000)]);
  assert.equal((await reader.getByInferenceId('id-20000')).length, 1);
});

test('writer thread: its checkpointer copies the WAL into the database file as rows accumulate', async () => {
  const store = await createTestStore('sqlite', MIGRATIONS);
  after(() => store.dispose());
  const file = sqlitePathFromUrl(store.description, '/');
  const threaded = new ThreadedSqlitePredictionsRepository(store.tables<PredictionTables>(), file);
  const before = statSync(file).size;
  // SQLite's own checkpoints are off on the writer connection and nothing else writes here, so
  // the rows reach the database file only through the checkpointer thread.
  for (let i = 0; i < 12; i++) await threaded.insertBatch(Array.from({ length: 500 }, (_, j) => entry(50_000 + i * 500 + j)));
  const deadline = Date.now() + 20_000;
  while (statSync(file).size <= before + 500_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(statSync(file).size > before + 500_000, `database file grew from ${before} to ${statSync(file).size} bytes`);
  await threaded.close();
});

test('writer threads of two processes on one file (cluster workers): every batch is committed while the other holds the write lock', async () => {
  const store = await createTestStore('sqlite', MIGRATIONS);
  after(() => store.dispose());
  const file = sqlitePathFromUrl(store.description, '/');
  // Two threads with their own connections stand for two cluster workers' writers.
  const writers = [new ThreadedSqlitePredictionsRepository(store.tables<PredictionTables>(), file), new ThreadedSqlitePredictionsRepository(store.tables<PredictionTables>(), file)];
  const logs = writers.map((w) => new GroupCommitPredictionLog(w, { durability: 'sync' }));
  const t0 = performance.now();
  // Waves of 100: each log commits 40 batches, while the other's commits come and go.
  await Promise.all(logs.map(async (log, w) => {
    for (let wave = 0; wave < 40; wave++) await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(entry(100_000 * (w + 1) + wave * 100 + i))));
  }));
  const elapsed = performance.now() - t0;
  const reader = new PredictionsRepository(store.tables<PredictionTables>(), 'sqlite');
  assert.equal(await reader.count('d'), 8000, 'no batch lost to a busy lock');
  assert.ok(logs.every((l) => l.stats().flushes >= 40), 'both wrote in many batches, so their commits interleaved');
  for (const l of logs) await l.close();
  for (const w of writers) await w.close();
  assert.ok(elapsed < 60_000, `${elapsed} ms`);
});
