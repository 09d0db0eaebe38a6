import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { JsonHttpClient } from './http-client.js';
import { logBatchMetricsBody, metricPoints } from './payloads.js';
import { timeLoop, type Timing } from './stats.js';

/** Rows per transaction / statement: one log-batch worth. */
const ROWS = 1000;
const RUN_ID = 'ceiling00000000000000000000000000';

/** The pragmas the server opens its SQLite file with (packages/server/src/store/store.ts). */
export function applyServerPragmas(db: BetterSqlite3.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

/**
 * SQLite ceiling: better-sqlite3, one prepared INSERT run 1000 times inside one transaction, into
 * a table identical to the server's `metrics` (DDL copied from the server's own file, foreign key
 * to `runs` included) in a separate temp file with the server's pragmas (WAL, synchronous=FULL).
 */
export async function sqliteInsertCeiling(serverDbFile: string, seconds: number): Promise<Timing> {
  const src = new BetterSqlite3(serverDbFile, { readonly: true });
  const ddl = src
    .prepare<[], { name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ('experiments', 'runs', 'metrics')`)
    .all();
  src.close();
  const order = ['experiments', 'runs', 'metrics'];
  ddl.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  if (ddl.length !== 3) throw new Error(`could not read the server's metrics schema from ${serverDbFile}`);

  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-ceiling-'));
  const db = new BetterSqlite3(join(dir, 'ceiling.db'));
  try {
    applyServerPragmas(db);
    for (const t of ddl) db.exec(t.sql);
    db.prepare(`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (1, 'c', '', 'active', 0, 0)`).run();
    db.prepare(`INSERT INTO runs (run_uuid, experiment_id, run_name, user_id, status, start_time, artifact_uri, lifecycle_stage) VALUES (?, 1, 'c', 'u', 'RUNNING', 0, '', 'active')`).run(RUN_ID);
    const insert = db.prepare('INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, 0)');
    const batch = db.transaction((call: number) => {
      for (const p of metricPoints(call)) insert.run(RUN_ID, p.key, p.step, p.timestamp, p.value);
    });
    return await timeLoop(async (i) => batch(i), { seconds, minCalls: 20, warmup: 5 });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * PostgreSQL ceiling: pg, one multi-row INSERT of 1000 rows per statement (autocommit), into a
 * table shaped like the server's `metrics` (`LIKE metrics INCLUDING ALL`: columns, NOT NULL,
 * primary key). `temp` = a TEMP table, as asked (no WAL, so commits do not wait for a flush);
 * otherwise an ordinary logged table, which pays what the server's table pays.
 */
export async function pgInsertCeiling(url: string, seconds: number, opts: { temp: boolean }): Promise<Timing> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const table = opts.temp ? 'ceiling_metrics_tmp' : 'ceiling_metrics_logged';
  try {
    await c.query(`CREATE ${opts.temp ? 'TEMP ' : ''}TABLE ${table} (LIKE metrics INCLUDING ALL)`);
    const tuples: string[] = [];
    for (let r = 0; r < ROWS; r++) {
      const b = r * 6;
      tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`);
    }
    const text = `INSERT INTO ${table} (run_uuid, key, step, timestamp, value, is_nan) VALUES ${tuples.join(', ')}`;
    return await timeLoop(
      async (i) => {
        const values: unknown[] = [];
        for (const p of metricPoints(i)) values.push(RUN_ID, p.key, p.step, p.timestamp, p.value, 0);
        await c.query(text, values);
      },
      { seconds, minCalls: 20, warmup: 5 },
    );
  } finally {
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await c.end();
  }
}

/**
 * HTTP+JSON ceiling: a bare node:http server that reads the body, JSON.parses it, discards it
 * and answers `{}`; the same client sends the same 1000-metric log-batch bodies as the benchmark.
 */
export async function httpCeiling(seconds: number): Promise<Timing> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new JsonHttpClient(`http://127.0.0.1:${port}`);
  try {
    return await timeLoop((i) => client.post('/api/2.0/mlflow/runs/log-batch', logBatchMetricsBody(RUN_ID, i)), { seconds, minCalls: 20, warmup: 20 });
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The rows one run lifecycle writes: a run with 4 tags, then 10 params, then its end. */
function lifecycleRows(i: number, experimentId: number) {
  const runId = `ceil${String(i).padStart(8, '0')}${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}${'0'.repeat(8)}`;
  const now = Date.now();
  return {
    runId,
    run: [runId, experimentId, `ceiling-${i}`, 'bench', 'RUNNING', now, `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, 'active'] as const,
    tags: [['mlflow.user', 'bench'], ['mlflow.source.name', 'bench'], ['mlflow.source.type', 'LOCAL'], ['mlflow.runName', `ceiling-${i}`]] as const,
    params: Array.from({ length: 10 }, (_, k) => [`param_${k}`, String(i * k)] as const),
    end: now + 1,
  };
}

const RUN_COLUMNS = '(run_uuid, experiment_id, run_name, user_id, status, start_time, artifact_uri, lifecycle_stage)';

/**
 * Run-lifecycle ceiling on SQLite: the same rows the server writes for create + log-batch(10
 * params) + update FINISHED, as three durable transactions, with cached prepared statements on
 * a second connection to the server's own file (server's pragmas), and none of the reads.
 */
export async function sqliteLifecycleCeiling(file: string, experimentId: number, seconds: number): Promise<Timing> {
  const db = new BetterSqlite3(file);
  try {
    applyServerPragmas(db);
    const insRun = db.prepare(`INSERT INTO runs ${RUN_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const insTag = db.prepare('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)');
    const insParam = db.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)');
    const end = db.prepare(`UPDATE runs SET status = 'FINISHED', end_time = ? WHERE run_uuid = ?`);
    const create = db.transaction((r: ReturnType<typeof lifecycleRows>) => {
      insRun.run(...r.run);
      for (const [k, v] of r.tags) insTag.run(r.runId, k, v);
    });
    const params = db.transaction((r: ReturnType<typeof lifecycleRows>) => {
      for (const [k, v] of r.params) insParam.run(r.runId, k, v);
    });
    const finish = db.transaction((r: ReturnType<typeof lifecycleRows>) => end.run(r.end, r.runId));
    return await timeLoop(
      async (i) => {
        const r = lifecycleRows(i, experimentId);
        create(r);
        params(r);
        finish(r);
      },
      { seconds, minCalls: 20, warmup: 5 },
    );
  } finally {
    db.close();
  }
}

/** The same three transactions on PostgreSQL, one pg connection, multi-row INSERTs. */
export async function pgLifecycleCeiling(url: string, experimentId: number, seconds: number): Promise<Timing> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await timeLoop(
      async (i) => {
        const r = lifecycleRows(i, experimentId);
        await c.query('BEGIN');
        await c.query(`INSERT INTO runs ${RUN_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [...r.run]);
        await c.query('INSERT INTO tags (run_uuid, key, value) VALUES ($1, $2, $3), ($1, $4, $5), ($1, $6, $7), ($1, $8, $9)', [r.runId, ...r.tags.flat()]);
        await c.query('COMMIT');
        await c.query('BEGIN');
        const tuples = r.params.map((_, k) => `($1, $${2 + 2 * k}, $${3 + 2 * k})`).join(', ');
        await c.query(`INSERT INTO params (run_uuid, key, value) VALUES ${tuples}`, [r.runId, ...r.params.flat()]);
        await c.query('COMMIT');
        await c.query(`UPDATE runs SET status = 'FINISHED', end_time = $1 WHERE run_uuid = $2`, [r.end, r.runId]);
      },
      { seconds, minCalls: 20, warmup: 5 },
    );
  } finally {
    await c.end();
  }
}
