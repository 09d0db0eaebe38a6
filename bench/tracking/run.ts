/**
 * Tracking benchmark: the real Flywheel server on a real loopback socket, driven by an MLflow-shaped
 * keep-alive HTTP client, once on SQLite and once on PostgreSQL, next to the ceilings of the same
 * machine and store and MLflow 2.17's figures. See bench/README.md.
 *
 *   npm run bench:tracking                       # both stores, ~2–3 minutes
 *   npm run bench:tracking -- --seconds 5 --store sqlite
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { sql, type Kysely } from 'kysely';
import { loadConfig, startServer, type Platform } from '@flywheel/server';
import { TrackingRepository, TrackingService } from '../../packages/server/src/domains/tracking/index.js';
import type { TrackingTables } from '../../packages/server/src/domains/tracking/tracking.tables.js';
import { systemClock } from '../../packages/server/src/lib/clock.js';
import { sqlitePathFromUrl } from '../../packages/server/src/store/index.js';
import { JsonHttpClient } from '../lib/http-client.js';
import { CLIENT_TAGS, createRunBody, finishRunBody, logBatchMetricsBody, metricPoints, tenParams } from '../lib/payloads.js';
import { BENCH_POSTGRES_URL, createBenchDatabase, describePostgres, type BenchDatabase } from '../lib/postgres.js';
import {
  httpCeiling,
  pgInsertCeiling,
  pgLifecycleCeiling,
  sqliteInsertCeiling,
  sqliteLifecycleCeiling,
} from '../lib/ceilings.js';
import { CapturingTracking, postgresReplayer, sqliteReplayer, type CapturedQuery, type RawReplayer } from '../lib/sql-capture.js';
import { fmt, fmtMs, fmtX, percentile, timeLoop, type Timing } from '../lib/stats.js';
import { renderTable } from '../lib/table.js';
import { seededRandom } from '../../packages/server/src/lib/seeded-random.js';

// ---- options -------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    store: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '10000' },
    'search-calls': { type: 'string', default: '50' },
    explain: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`npm run bench:tracking -- [--seconds 10] [--store both|sqlite|postgres] [--runs 10000] [--search-calls 50] [--explain]

  --seconds       duration of the log-batch ingest measurement; the other timed loops scale with it
  --store         which store(s) to run on (PostgreSQL: ${BENCH_POSTGRES_URL}, or FLYWHEEL_BENCH_POSTGRES_URL)
  --runs          runs seeded into the search experiment
  --search-calls  timed HTTP calls per search variant (at least 50 for the reported p50/p99)
  --explain       also print the query plan of each search statement (EXPLAIN ANALYZE / EXPLAIN QUERY PLAN)`);
  process.exit(0);
}
const SECONDS = Number(args.seconds);
const SEED_RUNS = Number(args.runs);
const SEARCH_CALLS = Number(args['search-calls']);
if (!(SECONDS > 0) || !(SEED_RUNS >= 100) || !(SEARCH_CALLS >= 1) || !['both', 'sqlite', 'postgres'].includes(args.store)) {
  console.error('bad options; see --help');
  process.exit(2);
}
const STORES = (args.store === 'both' ? ['sqlite', 'postgres'] : [args.store]) as ('sqlite' | 'postgres')[];
/** Secondary loops (ceilings, in-process figures) run for a fraction of the main one. */
const SHORT = Math.max(1.5, SECONDS * 0.3);
const LIFECYCLE_SECONDS = Math.max(2, SECONDS * 0.5);

/** MLflow 2.17 on this kind of machine (raw REST, same operations). */
const MLFLOW = { ingestPointsPerSec: 6_900, search100P50: 93, search1000P50: 770, runsPerSec: 34 };
const GOAL_FACTOR = 10;

const MLFLOW_API = '/api/2.0/mlflow';
const FILTER = "metrics.score > 0.5 and params.model = 'rf'";
const MODELS = ['rf', 'gbm', 'lr', 'svm'] as const;

// ---- small helpers --------------------------------------------------------------------------

const progress = (msg: string) => process.stderr.write(`  · ${msg}\n`);


/** "select runs", "insert into metrics", "begin" … — a short name for a captured statement. */
function statementLabel(q: string): string {
  const s = q.trim().replace(/\s+/g, ' ');
  const verb = /^(select|insert into|update|delete from|begin|commit|rollback)/i.exec(s)?.[1]?.toLowerCase() ?? s.slice(0, 12);
  const table = verb === 'select' ? /\bfrom "?(\w+)"?/i.exec(s)?.[1] : /^(?:insert into|update|delete from) "?(\w+)"?/i.exec(s)?.[1];
  return table ? `${verb.replace(' into', '').replace(' from', '')} ${table}` : verb;
}

/** Per statement (by label and occurrence), the median Kysely-timed duration over several captured calls. */
function medianStatements(calls: readonly CapturedQuery[][]): { label: string; ms: number }[] {
  const order: string[] = [];
  const samples = new Map<string, number[]>();
  for (const call of calls) {
    const seen = new Map<string, number>();
    for (const q of call) {
      const base = statementLabel(q.sql);
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const key = n > 1 ? `${base} #${n}` : base;
      if (!samples.has(key)) {
        samples.set(key, []);
        order.push(key);
      }
      samples.get(key)!.push(q.ms);
    }
  }
  return order.map((label) => ({ label, ms: percentile(samples.get(label)!, 50) }));
}

const sumMedians = (calls: readonly CapturedQuery[][]) => medianStatements(calls).reduce((a, q) => a + q.ms, 0);

function statementSummary(calls: readonly CapturedQuery[][]): string {
  const st = medianStatements(calls);
  return `${st.map((q) => `${q.label} ${fmt(q.ms)}`).join(' | ')}  (Σ ${fmt(st.reduce((a, q) => a + q.ms, 0))} ms, ${st.length} statements)`;
}

/** Runs `fn` `times` times through the capturing service and returns every call's statements. */
async function captureCalls(capturing: CapturingTracking, times: number, fn: (svc: TrackingService, i: number) => Promise<unknown>): Promise<CapturedQuery[][]> {
  const out: CapturedQuery[][] = [];
  for (let i = 0; i < times; i++) out.push((await capturing.capture((svc) => fn(svc, i))).queries);
  return out;
}

const CAPTURED_CALLS = 7;

const pct = (x: number) => (Number.isFinite(x) ? `${fmt(x * 100, 0)}%` : '—');
const check = (ok: boolean) => (ok ? '✓' : '✗');

interface RunJson {
  info: { run_id: string };
  data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] };
}
interface SearchJson {
  runs?: RunJson[];
  next_page_token?: string;
}

// ---- seeding --------------------------------------------------------------------------------

interface SeedSpec {
  i: number;
  model: string;
  depth: string;
  score: number;
  loss: number;
  team: string;
  priority: string;
}

interface Seeded {
  experimentId: string;
  specs: SeedSpec[];
  ms: number;
  how: string;
}

/**
 * 10,000 runs through the service layer in-process (the same TrackingService.createRun and
 * logBatch the HTTP handlers call), grouped in transactions of 500 runs so that seeding does not
 * pay one durable commit per call; on PostgreSQL 4 such transactions run at once.
 */
async function seedSearchExperiment(platform: Platform, runs: number): Promise<Seeded> {
  const tracking = platform.services.tracking;
  const experimentId = await tracking.createExperiment({ name: 'bench-search' });
  const rand = seededRandom(42);
  const specs: SeedSpec[] = Array.from({ length: runs }, (_, i) => {
    const score = rand();
    return {
      i,
      model: MODELS[Math.floor(rand() * MODELS.length)]!,
      depth: String(2 + Math.floor(rand() * 11)),
      score,
      loss: Math.max(0, 1 - score + (rand() - 0.5) * 0.2),
      team: ['vision', 'nlp', 'tabular'][i % 3]!,
      priority: rand() < 0.2 ? 'high' : 'low',
    };
  });
  const perTx = 500;
  const workers = platform.store.dialect === 'postgres' ? 4 : 1;
  const chunks: SeedSpec[][] = [];
  for (let i = 0; i < specs.length; i += perTx) chunks.push(specs.slice(i, i + perTx));
  const base = Date.now() - runs * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        const part = chunk;
        await platform.store.transaction(async (trx) => {
          const svc = new TrackingService({ repo: new TrackingRepository(trx as unknown as Kysely<TrackingTables>, platform.store.dialect), clock: systemClock });
          for (const s of part) {
            const run = await svc.createRun({
              experimentId,
              userId: 'bench',
              runName: `run-${s.i}`,
              startTime: base + s.i * 1000,
              tags: [
                { key: 'mlflow.user', value: 'bench' },
                { key: 'mlflow.source.name', value: 'train.py' },
                { key: 'mlflow.source.type', value: 'LOCAL' },
                { key: 'team', value: s.team },
                { key: 'priority', value: s.priority },
              ],
            });
            const ts = base + s.i * 1000 + 500;
            await svc.logBatch({
              runId: run.info.runId,
              params: [
                { key: 'model', value: s.model },
                { key: 'depth', value: s.depth },
              ],
              metrics: [
                { key: 'score', value: s.score, timestamp: ts, step: 0 },
                { key: 'loss', value: s.loss, timestamp: ts, step: 0 },
              ],
            });
          }
        });
      }
    }),
  );
  return {
    experimentId,
    specs,
    ms: performance.now() - t0,
    how: `service layer in-process (TrackingService.createRun + logBatch), ${perTx} runs per transaction, ${workers} concurrent transaction${workers > 1 ? 's' : ''}`,
  };
}

// ---- query plans (--explain) ----------------------------------------------------------------

/** The plan of every captured statement of one search call, with the long id lists shortened. */
async function explain(store: 'sqlite' | 'postgres', target: string, queries: readonly CapturedQuery[], label: string): Promise<string> {
  const out: string[] = [`    plans of "${label}":`];
  const short = (text: string) => text.replace(/(\$\d+, |\?, ){4,}/g, '…, ').replace(/'\{[0-9a-f,]{200,}\}'/g, "'{…}'");
  if (store === 'sqlite') {
    const db = new BetterSqlite3(target, { readonly: true });
    try {
      for (const q of queries) {
        const rows = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[]));
        out.push(`    ${short(q.sql).slice(0, 160)}`, ...rows.map((r) => `      ${r.detail}`));
      }
    } finally {
      db.close();
    }
  } else {
    const c = new pg.Client({ connectionString: target });
    await c.connect();
    try {
      for (const q of queries) {
        const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.parameters as unknown[]);
        out.push(`    ${short(q.sql).slice(0, 160)}`, ...r.rows.map((x) => `      ${short(x['QUERY PLAN']).slice(0, 180)}`));
      }
    } finally {
      await c.end();
    }
  }
  return out.join('\n');
}

// ---- one store ------------------------------------------------------------------------------

interface SearchVariant {
  label: string;
  maxResults: number;
  orderBy?: string[];
  mlflowP50?: number;
}

const VARIANTS: SearchVariant[] = [
  { label: 'search, 100 results', maxResults: 100, mlflowP50: MLFLOW.search100P50 },
  { label: 'search, 1000 results', maxResults: 1000, mlflowP50: MLFLOW.search1000P50 },
  { label: 'search, 100, order_by metrics.score DESC', maxResults: 100, orderBy: ['metrics.score DESC'] },
];

interface SearchResult {
  variant: SearchVariant;
  http: Timing;
  service: Timing;
  raw: Timing;
  responseBytes: number;
  queries: CapturedQuery[][];
}

interface StoreReport {
  store: 'sqlite' | 'postgres';
  description: string;
  ingest: Timing;
  ingestService: Timing;
  ingestQueries: CapturedQuery[][];
  ingestRows: number;
  dbCeiling: Timing;
  dbCeilingLogged?: Timing;
  httpCeiling: Timing;
  lifecycle: Timing;
  lifecycleService: Timing;
  lifecycleCeiling: Timing;
  lifecycleQueries: CapturedQuery[][];
  seeded: Seeded;
  searches: SearchResult[];
}

function verifySearch(body: SearchJson, v: SearchVariant, seeded: Seeded): void {
  const matching = seeded.specs.filter((s) => s.model === 'rf' && s.score > 0.5);
  const runs = body.runs ?? [];
  const expected = Math.min(v.maxResults, matching.length);
  if (runs.length !== expected) throw new Error(`${v.label}: got ${runs.length} runs, expected ${expected}`);
  if ((matching.length > v.maxResults) !== Boolean(body.next_page_token)) throw new Error(`${v.label}: next_page_token presence is wrong`);
  let prev = Infinity;
  for (const r of runs) {
    const model = r.data.params?.find((p) => p.key === 'model')?.value;
    const score = r.data.metrics?.find((m) => m.key === 'score')?.value;
    if (model !== 'rf' || score === undefined || !(score > 0.5)) throw new Error(`${v.label}: run ${r.info.run_id} does not match the filter`);
    if (v.orderBy) {
      if (score > prev) throw new Error(`${v.label}: not ordered by score DESC`);
      prev = score;
    }
  }
  if (v.orderBy && Math.abs((runs[0]?.data.metrics?.find((m) => m.key === 'score')?.value ?? -1) - Math.max(...matching.map((s) => s.score))) > 1e-6) {
    throw new Error(`${v.label}: the first run is not the best score`);
  }
}

async function benchStore(store: 'sqlite' | 'postgres'): Promise<StoreReport> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'fw-bench-'));
  let pgdb: BenchDatabase | undefined;
  let platform: (Platform & { url: string }) | undefined;
  let client: JsonHttpClient | undefined;
  let capturing: CapturingTracking | undefined;
  let replayer: RawReplayer | undefined;
  const cleanup = async () => {
    client?.close();
    await replayer?.close().catch(() => undefined);
    await capturing?.close().catch(() => undefined);
    await platform?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    await pgdb?.drop();
  };
  cleanups.add(cleanup);
  try {
    let databaseUrl = 'sqlite:';
    let description: string;
    if (store === 'postgres') {
      pgdb = await createBenchDatabase();
      databaseUrl = pgdb.url;
      description = `${await describePostgres(pgdb.url)}, database ${pgdb.name}, pool 10`;
    } else {
      const mem = new BetterSqlite3(':memory:');
      const v = mem.prepare<[], { v: string }>('select sqlite_version() as v').get()?.v ?? '?';
      mem.close();
      description = `SQLite ${v} via better-sqlite3 (WAL, synchronous=FULL), ${sqlitePathFromUrl(databaseUrl, dataDir)}`;
    }
    const config = loadConfig({ dataDir, databaseUrl, port: 0, poolSize: 10 }, {});
    platform = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
    const sqliteFile = store === 'sqlite' ? sqlitePathFromUrl(databaseUrl, dataDir) : '';
    client = new JsonHttpClient(platform.url);
    capturing = store === 'sqlite' ? CapturingTracking.sqlite(sqliteFile) : CapturingTracking.postgres(databaseUrl);
    replayer = store === 'sqlite' ? sqliteReplayer(sqliteFile) : await postgresReplayer(databaseUrl);
    const tracking = platform.services.tracking;
    const http = client;
    console.error(`\n${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${description}`);

    // 1. log-batch ingest over HTTP: one client, sequential, 1000 points per call, fresh steps.
    const { experiment_id: ingestExp } = await http.post<{ experiment_id: string }>(`${MLFLOW_API}/experiments/create`, { name: 'bench-ingest' });
    const { run: ingestRun } = await http.post<{ run: { info: { run_id: string } } }>(`${MLFLOW_API}/runs/create`, createRunBody(ingestExp, 'ingest'));
    const ingestRunId = ingestRun.info.run_id;
    const warmup = 20;
    const ingest = await timeLoop((i) => http.post(`${MLFLOW_API}/runs/log-batch`, logBatchMetricsBody(ingestRunId, i)), { seconds: SECONDS, minCalls: 10, warmup });
    const [countRow] = await sql<{ n: number | string }>`select count(*) as n from metrics where run_uuid = ${ingestRunId}`.execute(platform.store.db).then((r) => r.rows);
    const ingestRows = Number(countRow?.n);
    if (ingestRows !== (ingest.n + warmup) * 1000) throw new Error(`ingest stored ${ingestRows} points, expected ${(ingest.n + warmup) * 1000}`);
    progress(`log-batch ingest over HTTP (${SECONDS} s): ${fmt(ingest.perSecond * 1000)} points/s, p50 ${fmtMs(ingest.p50)}, p99 ${fmtMs(ingest.p99)}; ${fmt(ingestRows)} points stored and counted`);

    // The same ingest in-process (service layer, no HTTP/JSON), on its own run.
    const svcRun = await tracking.createRun({ experimentId: ingestExp, runName: 'ingest-in-process' });
    const ingestService = await timeLoop((i) => tracking.logBatch({ runId: svcRun.info.runId, metrics: metricPoints(i) }), { seconds: SHORT, minCalls: 10, warmup: 10 });
    const capRun = await tracking.createRun({ experimentId: ingestExp, runName: 'ingest-captured' });
    for (let i = 0; i < 5; i++) await capturing.service.logBatch({ runId: capRun.info.runId, metrics: metricPoints(i) });
    const ingestQueries = await captureCalls(capturing, CAPTURED_CALLS, (svc, i) => svc.logBatch({ runId: capRun.info.runId, metrics: metricPoints(5 + i) }));
    progress(`log-batch in-process (${fmt(SHORT)} s): ${fmt(ingestService.perSecond * 1000)} points/s, p50 ${fmtMs(ingestService.p50)}`);

    // 4. ceilings: raw metric-row inserts on the same store, and a bare HTTP+JSON server.
    let dbCeiling: Timing;
    let dbCeilingLogged: Timing | undefined;
    if (store === 'sqlite') {
      dbCeiling = await sqliteInsertCeiling(sqliteFile, SHORT);
      progress(`DB insert ceiling (better-sqlite3, separate file): ${fmt(dbCeiling.perSecond * 1000)} rows/s`);
    } else {
      dbCeiling = await pgInsertCeiling(databaseUrl, SHORT, { temp: true });
      progress(`DB insert ceiling (pg, TEMP table): ${fmt(dbCeiling.perSecond * 1000)} rows/s`);
      dbCeilingLogged = await pgInsertCeiling(databaseUrl, SHORT, { temp: false });
      progress(`DB insert ceiling (pg, logged table): ${fmt(dbCeilingLogged.perSecond * 1000)} rows/s`);
    }
    const httpCeil = await httpCeiling(SHORT);
    progress(`HTTP+JSON ceiling (bare node:http): ${fmt(httpCeil.perSecond)} requests/s = ${fmt(httpCeil.perSecond * 1000)} points/s`);

    // Settle PostgreSQL after the bulk insert, so that autovacuum does not run during the next figures.
    if (store === 'postgres') await sql`VACUUM (ANALYZE)`.execute(platform.store.db);

    // 3. run lifecycle over HTTP: create, log-batch of 10 params, update FINISHED.
    const { experiment_id: lifeExp } = await http.post<{ experiment_id: string }>(`${MLFLOW_API}/experiments/create`, { name: 'bench-lifecycle' });
    const lifecycle = await timeLoop(
      async (i) => {
        const { run } = await http.post<{ run: { info: { run_id: string } } }>(`${MLFLOW_API}/runs/create`, createRunBody(lifeExp));
        await http.post(`${MLFLOW_API}/runs/log-batch`, { run_id: run.info.run_id, params: tenParams(i) });
        await http.post(`${MLFLOW_API}/runs/update`, finishRunBody(run.info.run_id));
      },
      { seconds: LIFECYCLE_SECONDS, minCalls: 10, warmup: 10 },
    );
    progress(`run lifecycle over HTTP (${fmt(LIFECYCLE_SECONDS)} s): ${fmt(lifecycle.perSecond)} runs/s, p50 ${fmtMs(lifecycle.p50)}`);
    const lifeOnce = async (svc: TrackingService, i: number) => {
      const run = await svc.createRun({
        experimentId: lifeExp,
        userId: 'bench',
        startTime: Date.now(),
        tags: CLIENT_TAGS,
      });
      await svc.logBatch({ runId: run.info.runId, params: tenParams(i) });
      await svc.updateRun({ runId: run.info.runId, status: 'FINISHED', endTime: Date.now() });
    };
    const lifecycleService = await timeLoop((i) => lifeOnce(tracking, i), { seconds: SHORT, minCalls: 10, warmup: 10 });
    const lifecycleQueries = await captureCalls(capturing, CAPTURED_CALLS, lifeOnce);
    const lifecycleCeiling = store === 'sqlite' ? await sqliteLifecycleCeiling(sqliteFile, Number(lifeExp), SHORT) : await pgLifecycleCeiling(databaseUrl, Number(lifeExp), SHORT);
    progress(`run lifecycle in-process: ${fmt(lifecycleService.perSecond)} runs/s; same writes via bare driver: ${fmt(lifecycleCeiling.perSecond)} runs/s`);

    // 2. search-runs over 10,000 seeded runs.
    const seeded = await seedSearchExperiment(platform, SEED_RUNS);
    progress(`seeded ${fmt(SEED_RUNS)} runs in ${fmt(seeded.ms / 1000)} s (${fmt(SEED_RUNS / (seeded.ms / 1000))} runs/s) — ${seeded.how}`);
    if (store === 'postgres') await sql`VACUUM (ANALYZE)`.execute(platform.store.db);
    const searches: SearchResult[] = [];
    for (const v of VARIANTS) {
      const body = { experiment_ids: [seeded.experimentId], filter: FILTER, run_view_type: 'ACTIVE_ONLY', max_results: v.maxResults, ...(v.orderBy ? { order_by: v.orderBy } : {}) };
      const first = await http.request('POST', `${MLFLOW_API}/runs/search`, body);
      if (first.status !== 200) throw new Error(`${v.label}: HTTP ${first.status} ${first.text.slice(0, 300)}`);
      verifySearch(JSON.parse(first.text) as SearchJson, v, seeded);
      const httpT = await timeLoop(() => http.post(`${MLFLOW_API}/runs/search`, body), { minCalls: SEARCH_CALLS, maxCalls: SEARCH_CALLS, warmup: 3 });
      const input = { experimentIds: [seeded.experimentId], filter: FILTER, runViewType: 'ACTIVE_ONLY' as const, maxResults: v.maxResults, orderBy: v.orderBy };
      const inner = Math.max(10, Math.floor(SEARCH_CALLS / 2));
      const service = await timeLoop(() => tracking.searchRuns(input), { minCalls: inner, maxCalls: inner, warmup: 3 });
      const queries = await captureCalls(capturing, CAPTURED_CALLS, (svc) => svc.searchRuns(input));
      const rp = replayer;
      const raw = await timeLoop(() => rp.replay(queries[0]!), { minCalls: inner, maxCalls: inner, warmup: 3 });
      if (args.explain) console.error(await explain(store, store === 'sqlite' ? sqliteFile : databaseUrl, queries[0]!, v.label));
      searches.push({ variant: v, http: httpT, service, raw, responseBytes: Buffer.byteLength(first.text), queries });
      progress(`${v.label}: HTTP p50 ${fmtMs(httpT.p50)} p99 ${fmtMs(httpT.p99)} (${httpT.n} calls); service p50 ${fmtMs(service.p50)}; same SQL via driver p50 ${fmtMs(raw.p50)}`);
    }

    return {
      store,
      description,
      ingest,
      ingestService,
      ingestQueries,
      ingestRows,
      dbCeiling,
      dbCeilingLogged,
      httpCeiling: httpCeil,
      lifecycle,
      lifecycleService,
      lifecycleCeiling,
      lifecycleQueries,
      seeded,
      searches,
    };
  } finally {
    await cleanup();
    cleanups.delete(cleanup);
  }
}

// ---- report ---------------------------------------------------------------------------------

function printReport(r: StoreReport): void {
  const title = r.store === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  console.log(`\n━━ ${title} ━━ ${r.description}`);
  const points = r.ingest.perSecond * 1000;
  const dbRows = r.dbCeiling.perSecond * 1000;
  const httpPoints = r.httpCeiling.perSecond * 1000;
  const ceiling = Math.min(dbRows, httpPoints);
  const lifeGoal = MLFLOW.runsPerSec * GOAL_FACTOR;
  const rows: string[][] = [
    [
      'log-batch ingest, metric points/s',
      fmt(points),
      `${fmt(ceiling)} (${dbRows <= httpPoints ? 'DB' : 'HTTP'})`,
      pct(points / ceiling),
      fmt(MLFLOW.ingestPointsPerSec),
      fmtX(points / MLFLOW.ingestPointsPerSec),
      `≥ ${fmt(MLFLOW.ingestPointsPerSec * GOAL_FACTOR)} ${check(points >= MLFLOW.ingestPointsPerSec * GOAL_FACTOR)}`,
    ],
    ['  per call (1000 points) p50 / p99', `${fmt(r.ingest.p50)} / ${fmt(r.ingest.p99)} ms`, '', '', '', '', ''],
    [`  ceiling: DB insert${r.store === 'postgres' ? ' (TEMP table)' : ''}, rows/s`, '', fmt(dbRows), pct(points / dbRows), '', '', ''],
  ];
  if (r.dbCeilingLogged) {
    const logged = r.dbCeilingLogged.perSecond * 1000;
    rows.push(['  (for reference: logged table, rows/s)', '', fmt(logged), pct(points / logged), '', '', '']);
  }
  rows.push(['  ceiling: HTTP+JSON, points/s', '', fmt(httpPoints), pct(points / httpPoints), '', '', '']);
  for (const s of r.searches) {
    const mp = s.variant.mlflowP50;
    rows.push([
      `${s.variant.label}, p50`,
      fmtMs(s.http.p50),
      fmtMs(s.raw.p50),
      pct(s.raw.p50 / s.http.p50),
      mp !== undefined ? fmtMs(mp) : '—',
      mp !== undefined ? fmtX(mp / s.http.p50) : '—',
      mp !== undefined ? `≤ ${fmtMs(mp / GOAL_FACTOR)} ${check(s.http.p50 <= mp / GOAL_FACTOR)}` : '',
    ]);
    rows.push(['  p99', fmtMs(s.http.p99), fmtMs(s.raw.p99), '', '', '', '']);
  }
  rows.push([
    'run lifecycle (create + log 10 params + end), runs/s',
    fmt(r.lifecycle.perSecond),
    fmt(r.lifecycleCeiling.perSecond),
    pct(r.lifecycle.perSecond / r.lifecycleCeiling.perSecond),
    fmt(MLFLOW.runsPerSec),
    fmtX(r.lifecycle.perSecond / MLFLOW.runsPerSec),
    `≥ ${fmt(lifeGoal)} ${check(r.lifecycle.perSecond >= lifeGoal)}`,
  ]);
  rows.push(['  per run (3 calls) p50 / p99', `${fmt(r.lifecycle.p50)} / ${fmt(r.lifecycle.p99)} ms`, `${fmt(r.lifecycleCeiling.p50)} / ${fmt(r.lifecycleCeiling.p99)} ms`, '', '', '', '']);
  console.log(renderTable(['', 'Flywheel', 'ceiling', 'of ceiling', 'MLflow 2.17', 'speed-up', `goal (${GOAL_FACTOR}× MLflow)`], rows));
  console.log(
    [
      'ceilings: ingest = min(DB insert of 1000-row batches without the server, bare node:http server that JSON.parses the same bodies);',
      '          search = the exact SQL the server ran for that call, replayed through the bare driver (no Kysely, service, JSON or HTTP);',
      '          lifecycle = the same rows written as the same 3 durable transactions through the bare driver, without the reads.',
      `search data: ${fmt(r.seeded.specs.length)} runs seeded via the ${r.seeded.how}, in ${fmt(r.seeded.ms / 1000)} s; ` +
        `filter "${FILTER}" matches ${fmt(r.seeded.specs.filter((s) => s.model === 'rf' && s.score > 0.5).length)} runs; every answer checked.`,
    ].join('\n'),
  );

  console.log('\nwhere the time goes (p50 per call)');
  const brk: string[][] = [];
  const share = (outer: number, inner: number) => pct((outer - inner) / outer);
  brk.push(['log-batch, 1000 points', fmtMs(r.ingest.p50), fmtMs(r.ingestService.p50), fmtMs(sumMedians(r.ingestQueries)), '—', share(r.ingest.p50, r.ingestService.p50), '—']);
  for (const s of r.searches) {
    brk.push([s.variant.label, fmtMs(s.http.p50), fmtMs(s.service.p50), fmtMs(sumMedians(s.queries)), fmtMs(s.raw.p50), share(s.http.p50, s.service.p50), `${fmt(s.responseBytes / 1024)} KiB`]);
  }
  brk.push([
    'run lifecycle (3 calls)',
    fmtMs(r.lifecycle.p50),
    fmtMs(r.lifecycleService.p50),
    fmtMs(sumMedians(r.lifecycleQueries)),
    fmtMs(r.lifecycleCeiling.p50),
    share(r.lifecycle.p50, r.lifecycleService.p50),
    '—',
  ]);
  console.log(renderTable(['', 'HTTP end-to-end', 'service in-process', 'SQL (Kysely-timed)', 'SQL via bare driver', 'outside the service', 'response'], brk));
  console.log(`statements of one call, Kysely-timed, median of ${CAPTURED_CALLS} captured calls (ms)${r.store === 'postgres' ? '; the 4 selects after the search run concurrently, so their Σ exceeds their wall time' : ''}:`);
  console.log(`  log-batch 1000 points: ${statementSummary(r.ingestQueries)}`);
  for (const s of r.searches) console.log(`  ${s.variant.label}: ${statementSummary(s.queries)}`);
  console.log(`  run lifecycle: ${statementSummary(r.lifecycleQueries)}`);
}

// ---- main -----------------------------------------------------------------------------------

const cleanups = new Set<() => Promise<void>>();
process.once('SIGINT', () => {
  console.error('\ninterrupted: cleaning up (temp files, bench database)…');
  void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
});

const cpus = os.cpus();
console.log('Flywheel tracking benchmark (MLflow REST API over loopback HTTP, keep-alive, one sequential client)');
console.log(
  `machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, ` +
    `${os.type()} ${os.release()} ${os.arch()}; node ${process.version}`,
);
console.log(
  `settings: ingest ${SECONDS} s, lifecycle ${fmt(LIFECYCLE_SECONDS)} s, ceilings/in-process ${fmt(SHORT)} s each, ` +
    `${fmt(SEED_RUNS)} seeded runs, ${SEARCH_CALLS} timed HTTP calls per search; MLflow 2.17 reference: ` +
    `${fmt(MLFLOW.ingestPointsPerSec)} points/s, search p50 ${MLFLOW.search100P50} ms (100) / ${MLFLOW.search1000P50} ms (1000), ${MLFLOW.runsPerSec} runs/s`,
);
const started = performance.now();
const reports: StoreReport[] = [];
let failed = false;
for (const store of STORES) {
  try {
    reports.push(await benchStore(store));
  } catch (e) {
    failed = true;
    console.error(`\n${store}: benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}
for (const r of reports) printReport(r);
console.log(`\ntotal ${fmt((performance.now() - started) / 1000)} s`);
process.exit(failed ? 1 : 0);
