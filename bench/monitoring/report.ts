/**
 * The full monitoring report (`buildReport`: drift of every column with every statistic, dataset
 * drift, data quality — missing share, type violations, out-of-reference-range share, new
 * categories) on the shape: a 200,000-row reference and a --rows current window × 20
 * features (15 numerical, 5 categorical), beside the time to merely read the same data in the same
 * run. Also the same report with the reference prepared once (sorted / counted), as a monitor keeps
 * it between windows. Not a test. Run:
 *   node --conditions=flywheel-source --import tsx bench/monitoring/report.ts [--rows 1000000] [--repeat 5]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { buildReport, type ReportTable } from '../../packages/server/src/domains/monitoring/report/index.js';
import { DriftPool, buildReportParallel, defaultDriftThreads } from '../../packages/server/src/domains/monitoring/report/parallel-report.js';
import { countCategories, sortedSample, type ColumnValues } from '../../packages/server/src/domains/monitoring/stats/index.js';
import { renderTable } from '../lib/table.js';
import { seededRandom } from '../../packages/server/src/lib/seeded-random.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '5' }, threads: { type: 'string' } } });
const ROWS = Number(args.rows);
const REPEAT = Number(args.repeat);
const REF_ROWS = 200_000;
const THREADS = args.threads === undefined ? Math.max(1, defaultDriftThreads()) : Number(args.threads);
if (!Number.isInteger(ROWS) || ROWS < 1000 || !Number.isInteger(REPEAT) || REPEAT < 1) {
  console.error('--rows must be an integer ≥ 1000 and --repeat a positive integer');
  process.exit(2);
}

const rand = seededRandom(42);
function normals(n: number, mean: number, sd: number, missingEvery = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = missingEvery && i % missingEvery === 0 ? Number.NaN : mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}
function categories(n: number, k: number, skew: number): string[] {
  const names = Array.from({ length: k }, (_, i) => `cat_${i}`);
  return Array.from({ length: n }, () => names[Math.floor(rand() ** skew * k)]!);
}

const t0 = performance.now();
const reference: ReportTable = { rowCount: REF_ROWS, columns: {} };
const current: ReportTable = { rowCount: ROWS, columns: {} };
for (let j = 0; j < 15; j++) {
  reference.columns[`num_${j}`] = normals(REF_ROWS, j, 1 + j / 10);
  current.columns[`num_${j}`] = normals(ROWS, j + (j % 4 === 0 ? 0.3 : 0), 1 + j / 10, j === 1 ? 50 : 0);
}
for (let j = 0; j < 5; j++) {
  const k = [5, 50, 500, 5, 50][j]!;
  reference.columns[`cat_${j}`] = categories(REF_ROWS, k, 2);
  current.columns[`cat_${j}`] = categories(ROWS, k + (j === 2 ? 3 : 0), j === 0 ? 1.5 : 2);
}
// Column kinds are part of a monitor's configuration once known; inferring them is a pass per column.
const kinds = Object.fromEntries(Object.keys(reference.columns).map((c) => [c, c.startsWith('num') ? ('numerical' as const) : ('categorical' as const)]));
const prepared: Record<string, ColumnValues> = {};
for (const [name, col] of Object.entries(reference.columns)) prepared[name] = col instanceof Float64Array ? sortedSample(name, col) : countCategories(name, col as string[]);
console.error(`generated the data in ${((performance.now() - t0) / 1000).toFixed(1)} s (not measured)`);

let sink = 0;
/** Best wall time and best CPU time (this process, every thread) of each function, interleaved rounds after a warm-up. */
function timeTogether(fns: (() => unknown)[]): { wall: number[]; cpu: number[] } {
  for (const fn of fns) fn();
  const wall = fns.map(() => Number.POSITIVE_INFINITY);
  const cpu = fns.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < REPEAT; r++) {
    fns.forEach((fn, i) => {
      const c = process.cpuUsage();
      const t = performance.now();
      fn();
      wall[i] = Math.min(wall[i]!, performance.now() - t);
      const d = process.cpuUsage(c);
      cpu[i] = Math.min(cpu[i]!, (d.user + d.system) / 1000);
    });
  }
  return { wall, cpu };
}

let last: ReturnType<typeof buildReport> | undefined;
const seq = timeTogether([
  () => {
    let s = 0;
    for (const side of [reference, current]) {
      for (const col of Object.values(side.columns)) {
        if (col instanceof Float64Array) for (let i = 0; i < col.length; i++) s += col[i]!;
        else for (let i = 0; i < col.length; i++) s += (col[i] as string).length;
      }
    }
    sink += s;
  },
  () => (last = buildReport(reference, current)),
  () => buildReport(reference, current, { kinds }),
  () => buildReport(reference, current, { kinds }, prepared),
]);
const [read, full, withKinds, steady] = seq.wall as [number, number, number, number];

// Worker threads: async, so timed in their own rounds (after a warm-up that starts them), each round
// also timing the single-threaded report again, so both see the same load.
const pool = new DriftPool({ threads: THREADS });
await buildReportParallel(pool, reference, current, { kinds });
let parallel = Number.POSITIVE_INFINITY;
let parallelPrepared = Number.POSITIVE_INFINITY;
let steadyAgain = Number.POSITIVE_INFINITY;
for (let r = 0; r < REPEAT; r++) {
  let t = performance.now();
  buildReport(reference, current, { kinds }, prepared);
  steadyAgain = Math.min(steadyAgain, performance.now() - t);
  t = performance.now();
  await buildReportParallel(pool, reference, current, { kinds }, prepared);
  parallelPrepared = Math.min(parallelPrepared, performance.now() - t);
  t = performance.now();
  await buildReportParallel(pool, reference, current, { kinds });
  parallel = Math.min(parallel, performance.now() - t);
}
await pool.close();
const cells = 20 * (REF_ROWS + ROWS);
const ms = (x: number) => `${x.toFixed(0)} ms`;
const rate = (n: number, x: number) => `${((n / x) * 1000 / 1e6).toFixed(1)} M cells/s`;
console.log(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load average ${os.loadavg()[0]!.toFixed(1)} at the end, node ${process.version}`);
console.log(`reference ${REF_ROWS.toLocaleString('en-US')} rows, current ${ROWS.toLocaleString('en-US')} rows × 20 columns (15 numerical, 5 categorical); best of ${REPEAT} interleaved runs after a warm-up\n`);
console.log(
  renderTable(
    ['pass', 'time', 'CPU time', 'throughput', '÷ reading'],
    [
      ['reading every cell once (the floor)', ms(read), ms(seq.cpu[0]!), rate(cells, read), '1.0×'],
      ['buildReport: drift (KS, W1, PSI, JS / χ², PSI, JS) + data quality, kinds inferred', ms(full), ms(seq.cpu[1]!), rate(cells, full), `${(full / read).toFixed(1)}×`],
      ['buildReport, column kinds configured', ms(withKinds), ms(seq.cpu[2]!), rate(cells, withKinds), `${(withKinds / read).toFixed(1)}×`],
      ['buildReport, kinds configured and reference prepared once (a monitor between windows)', ms(steady), ms(seq.cpu[3]!), rate(20 * ROWS, steady), `${(steady / read).toFixed(1)}×`],
      ['buildReport, kinds configured, reference prepared, again in the rounds of the two below', ms(steadyAgain), '', rate(20 * ROWS, steadyAgain), `${(steadyAgain / read).toFixed(1)}×`],
      [`buildReportParallel, kinds configured, ${pool.size} worker thread(s) + the calling thread`, ms(parallel), '', rate(cells, parallel), `${(parallel / read).toFixed(1)}×`],
      [`buildReportParallel, kinds configured, reference prepared once, ${pool.size} worker thread(s) + the calling thread`, ms(parallelPrepared), '', rate(20 * ROWS, parallelPrepared), `${(parallelPrepared / read).toFixed(1)}×`],
      ['SciPy/pandas KS + chi-square + PSI (the issue\'s figure, same shape)', '≈ 4300 ms', '', '', ''],
    ],
  ),
);
const r = last!;
console.log(`\n→ ${r.dataset_drift.number_of_drifted_columns}/20 drifted, dataset drift ${r.dataset_drift.dataset_drift}; num_1 missing_share ${Number(r.columns.num_1!.missing_share).toFixed(4)}; cat_2 new categories ${String(r.columns.cat_2!.new_categories)}${sink === 0.5 ? ' ' : ''}`);
