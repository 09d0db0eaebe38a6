/**
 * Actuals ingest on SQLite and PostgreSQL, beside ceilings measured in the same run on the same
 * table: `--actuals` actuals (default 150,000) for a log of `--predictions` answered predictions
 * (default 200,000; 75 % of them get an actual), in batches of `--batch` (10,000, the API's limit).
 * Per round, on an emptied `actuals` table:
 *   ceiling, insert:  the batches' rows written with the repository's bulk insert, one
 *                     transaction per batch (no lookup, no JSON, no checks) — the floor of any ingest;
 *   service:          `ActualsService.ingest` (existing-actuals lookup, insert, matched lookup in
 *                     the prediction log) per batch;
 *   HTTP JSON / CSV:  POST /api/v1/actuals through Fastify (`app.inject`): body parse, validation,
 *                     the service.
 * Not a test. Run:
 *   node --conditions=flywheel-source --import tsx bench/monitoring/ingest.ts [--predictions 200000] [--actuals 150000] [--batch 10000] [--repeat 3] [--dialect sqlite|postgres]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { DialectName } from '../../packages/server/src/store/index.js';
import { DIALECTS } from '../../packages/server/src/store/test-support/stores.js';
import { createActualsApp } from '../../packages/server/src/domains/monitoring/test-support/actuals-app.js';
import { predictionRows, type PredictionSpec } from '../../packages/server/src/domains/monitoring/test-support/actuals-fixtures.js';
import type { ActualRow } from '../../packages/server/src/domains/monitoring/actuals.tables.js';
import { renderTable } from '../lib/table.js';

const { values: args } = parseArgs({
  options: {
    predictions: { type: 'string', default: '200000' },
    actuals: { type: 'string', default: '150000' },
    batch: { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '3' },
    dialect: { type: 'string' },
  },
});
const P = Number(args.predictions);
const A = Number(args.actuals);
const BATCH = Number(args.batch);
const REPEAT = Number(args.repeat);
const dialects = args.dialect ? [args.dialect as DialectName] : DIALECTS;
if (![P, A, BATCH, REPEAT].every((x) => Number.isInteger(x) && x > 0) || A > P || BATCH > 10_000) {
  console.error('--predictions, --actuals, --batch (≤ 10000) and --repeat must be positive integers, actuals ≤ predictions');
  process.exit(2);
}
const T = 1_763_000_000_000;
const DAY = 86_400_000;

const items = Array.from({ length: A }, (_, j) => ({ inferenceId: `d-${j}`, value: j % 3 === 0 ? 1 : 0, timestamp: T + 1000 + j }));
const batches: (typeof items)[] = [];
for (let i = 0; i < A; i += BATCH) batches.push(items.slice(i, i + BATCH));
const jsonBodies = batches.map((b) => JSON.stringify({ actuals: b }));
const csvBodies = batches.map((b) => `inference_id,value,timestamp\n${b.map((x) => `${x.inferenceId},${x.value},${x.timestamp}`).join('\n')}\n`);

const rate = (ms: number) => `${Math.round(A / (ms / 1000)).toLocaleString('en-US')} rows/s`;
console.log(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`);
console.log(`${A.toLocaleString('en-US')} actuals in batches of ${BATCH.toLocaleString('en-US')} for a log of ${P.toLocaleString('en-US')} predictions; each figure: best and worst of ${REPEAT} rounds (each round empties the actuals table)\n`);

for (const dialect of dialects) {
  const f = await createActualsApp(dialect);
  try {
    const specs: PredictionSpec[] = [];
    for (let i = 0; i < P; i++) specs.push({ id: `d-${i}`, variant: i % 5 === 0 ? 'b' : 'a', ts: T + Math.floor((i * DAY) / P), p: (i % 100) / 100 });
    for (let i = 0; i < specs.length; i += 10_000) await f.predictions.insertBatch(predictionRows(specs.slice(i, i + 10_000)));
    const empty = async () => {
      await sql`DELETE FROM actuals`.execute(f.store.db);
      if (dialect === 'postgres') await sql`VACUUM ANALYZE actuals`.execute(f.store.db);
    };
    const rows: ActualRow[][] = batches.map((b) => b.map((x) => ({ inference_id: x.inferenceId, deployment: null, value: JSON.stringify(x.value), ts: x.timestamp, received_at: T, updated_at: T, revision: 1 })));
    const passes: [string, () => Promise<void>][] = [
      ['ceiling: bulk insert of the same rows, one transaction per batch', async () => {
        for (const r of rows) await f.repo.transaction((repo) => repo.insertMany(r));
      }],
      ['ActualsService.ingest (lookup, insert, matched count)', async () => {
        for (const b of batches) await f.service.ingest(b);
      }],
      ['POST /api/v1/actuals, JSON body', async () => {
        for (const body of jsonBodies) {
          const res = await f.app.inject({ method: 'POST', url: '/api/v1/actuals', headers: { 'content-type': 'application/json' }, payload: body });
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
        }
      }],
      ['POST /api/v1/actuals, CSV body', async () => {
        for (const body of csvBodies) {
          const res = await f.app.inject({ method: 'POST', url: '/api/v1/actuals', headers: { 'content-type': 'text/csv' }, payload: body });
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
        }
      }],
    ];
    const times = passes.map(() => [] as number[]);
    const cpu = passes.map(() => [] as number[]);
    for (let r = 0; r <= REPEAT; r++) {
      for (let p = 0; p < passes.length; p++) {
        await empty();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await passes[p]![1]();
        const c = process.cpuUsage(c0);
        if (r === 0) continue; // round 0 warms up
        times[p]!.push(performance.now() - t0);
        cpu[p]!.push((c.user + c.system) / 1000);
      }
    }
    const check = await f.service.ingest(batches[0]!.slice(0, 10));
    if (check.duplicates !== 10 || check.matched !== 10) throw new Error(`unexpected state after the rounds: ${JSON.stringify(check)}`);
    const ceiling = Math.min(...times[0]!);
    console.log(`${dialect} (load average ${os.loadavg()[0]!.toFixed(1)} at the end)`);
    console.log(
      renderTable(
        ['pass', 'best', 'worst', 'best rate', '÷ ceiling', `CPU of this process${dialect === 'sqlite' ? ' (all of SQLite)' : ' (not the server)'}`],
        passes.map(([name], p) => {
          const best = Math.min(...times[p]!);
          const c = Math.min(...cpu[p]!);
          return [name, `${best.toFixed(0)} ms`, `${Math.max(...times[p]!).toFixed(0)} ms`, rate(best), `${(best / ceiling).toFixed(2)}×`, `${c.toFixed(0)} ms (${rate(c)} of CPU)`];
        }),
      ),
    );
    console.log('');
  } finally {
    await f.dispose();
  }
}
