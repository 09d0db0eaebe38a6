/**
 * Serving gateway throughput and latency beside a bare-HTTP ceiling, on loopback (127.0.0.1), in one run:
 *   1. ceiling: a bare node:http server (own child process) answering a constant JSON body to POST;
 *   2. the real `flywheel server` (child process) serving a 10-feature logistic regression ONNX model
 *      through an A/B deployment (two versions, 90/10) with the prediction log on (default `sync`
 *      durability, SQLite): OIP v2 `/v2/models/lr/infer` and MLflow `/deployments/lr/invocations`;
 *   3. latency at moderate load (`--moderate` connections): ceiling p99 vs gateway p99 → added p99;
 *   4. cluster: the ceiling with 2 node:cluster workers vs `flywheel server --workers 2`;
 *   5. in-process: the same model called directly through OnnxModelRuntime (no HTTP).
 * HTTP load comes from `wrk -t1 -c<connections> --latency`. Not a test. Run:
 *   node --conditions=flywheel-source --import tsx bench/serving/gateway.ts [--seconds 10] [--connections 64] [--moderate 8] [--workers 2]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { onnxSignature } from '../../packages/server/src/domains/registry/onnx-signature.js';
import { OnnxModelRuntime } from '../../packages/server/src/domains/serving/onnx-runtime.js';
import type { Tensor } from '../../packages/server/src/domains/serving/model-runtime.js';
import { LOGISTIC_B, LOGISTIC_W, logisticModel } from '../../packages/server/src/domains/serving/test-support/serving-models.js';
import { percentile } from '../lib/stats.js';
import { renderTable } from '../lib/table.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    moderate: { type: 'string', default: '8' },
    workers: { type: 'string', default: '2' },
    /** Interleaved rounds (ceiling, gateway, ceiling, gateway, …) of the OIP case: a ratio per round, robust to a shared machine's drifting load. */
    rounds: { type: 'string', default: '0' },
    'no-cluster': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    /** Extra `flywheel server` flags, e.g. "--log-synchronous normal" (compare configurations). */
    'server-flags': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: gateway.ts [--seconds N (default 10, per case)] [--connections N (default 64)] [--moderate N (default 8)] [--workers N (default 2)] [--rounds N (interleaved ceiling/gateway rounds, default 0)] [--no-cluster] [--cpu-prof DIR (profile the single-process gateway)]');
  process.exit(0);
}
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
const MODERATE = Number(flags.moderate);
const WORKERS = Number(flags.workers);
const ROUNDS = Number(flags.rounds);
if (!(SECONDS >= 1) || ![CONNECTIONS, MODERATE, WORKERS].every((n) => Number.isInteger(n) && n >= 1) || !(Number.isInteger(ROUNDS) && ROUNDS >= 0)) {
  console.error('--seconds must be ≥ 1; --connections, --moderate and --workers positive integers; --rounds a count');
  process.exit(2);
}

const wrkCheck = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
if (wrkCheck.error) {
  console.error('wrk is not installed. Install it with:  apt-get install wrk   (or: brew install wrk)');
  process.exit(1);
}

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TMP = mkdtempSync(join(tmpdir(), 'fw-bench-gateway-'));
const children: ChildProcess[] = [];

function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
function cleanup(): void {
  killChildren();
  rmSync(TMP, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

// ---- helpers -------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** Spawns a child, keeps it for cleanup, and resolves once `ready` (matched on stdout or polled). */
async function startChild(args: string[], ready: { line?: RegExp; poll?: string }, timeoutMs = 180_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`child exited early (${child.exitCode ?? child.signalCode}):\n${out}`);
    if (ready.line?.test(out)) return child;
    if (ready.poll) {
      const ok = await fetch(ready.poll).then((r) => r.ok, () => false);
      if (ok) return child;
    }
    if (Date.now() > deadline) throw new Error(`child not ready after ${timeoutMs} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const raw = body instanceof Uint8Array;
  const res = await fetch(url, {
    method,
    headers: { 'content-type': raw ? 'application/octet-stream' : 'application/json', ...headers },
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* keep text */
  }
  return { status: res.status, json, headers: res.headers };
}

async function ok<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await call(method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status}: ${JSON.stringify(r.json).slice(0, 500)}`);
  return r.json as T;
}

/**
 * CPU seconds (user + system) used so far by `pid` and its child processes (cluster workers), from
 * /proc. On a shared machine throughput depends on what else runs; CPU per request does not.
 */
function cpuSeconds(pid: number): number {
  const TICK = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "(comm) ": state ppid … utime(12th) stime(13th), counting from state = index 0
    if (Number(entry) === pid || Number(f[1]) === pid) total += (Number(f[11]) + Number(f[12])) / TICK;
  }
  return total;
}

interface WrkResult {
  /** Server CPU µs per answered request during the run (see cpuSeconds), when a pid was given. */
  cpuUs?: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: string;
}

const toMs = (v: string, unit: string) => Number(v) * ({ us: 1e-3, ms: 1, s: 1e3, m: 60e3 } as Record<string, number>)[unit]!;

async function runWrk(url: string, body: string, seconds: number, connections = CONNECTIONS, pid?: number): Promise<WrkResult> {
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const script = join(TMP, `wrk-${randomUUID()}.lua`);
  writeFileSync(script, `wrk.method = 'POST'\nwrk.body = [==[${body}]==]\nwrk.headers['Content-Type'] = 'application/json'\n`);
  const out = await new Promise<string>((res, rej) => {
    const w = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(w);
    let text = '';
    w.stdout.on('data', (c: Buffer) => (text += c.toString()));
    w.stderr.on('data', (c: Buffer) => (text += c.toString()));
    w.on('error', rej);
    w.on('exit', (code) => (code === 0 ? res(text) : rej(new Error(`wrk exited ${code}:\n${text}`))));
  });
  const lat = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const socket = /Socket errors: (.*)/.exec(out)?.[1] ?? '';
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return {
    ...(pid && requests ? { cpuUs: ((cpuSeconds(pid) - cpu0) / requests) * 1e6 } : {}),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket,
  };
}

const row = Array.from({ length: 10 }, (_, i) => Number((Math.sin(i + 1) * 2).toFixed(4)));
const OIP_BODY = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row }] });
const MLFLOW_BODY = JSON.stringify({ dataframe_split: { columns: row.map((_, i) => `f${i}`), data: [row] } });
const CEILING_BODY = JSON.stringify({ model_name: 'lr', outputs: [{ name: 'p', shape: [1, 1], datatype: 'FP32', data: [0.5] }] });

/** Waits until `n` consecutive requests on fresh connections succeed (every cluster worker is ready). */
async function readyOnEveryWorker(url: string, n = 20, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let ok = 0; ok < n; ) {
    const status = await new Promise<number>((res) => {
      const r = httpRequest(url, { agent: false }, (resp) => {
        resp.resume();
        resp.on('end', () => res(resp.statusCode ?? 0));
      });
      r.on('error', () => res(0));
      r.end();
    });
    ok = status === 200 ? ok + 1 : 0;
    if (Date.now() > deadline) throw new Error(`${url} not ready on every worker after ${timeoutMs} ms`);
    if (!ok) await new Promise((r) => setTimeout(r, 200));
  }
}

const serverArgs = (port: number, dataDir: string, workers: number, prof = false) => [
  ...(prof && flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(flags['cpu-prof'])] : []),
  '--conditions=flywheel-source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'server',
  '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn', '--workers', String(workers),
  ...(flags['server-flags'] ? flags['server-flags'].split(/\s+/).filter(Boolean) : []),
];

/** The bare server of the ceiling, as a script file (node:cluster forks a file), with `workers` workers sharing the port. */
function ceilingScript(port: number, workers: number): string {
  const file = join(TMP, `ceiling-${workers}.cjs`);
  writeFileSync(file, ceilingCode(port, workers));
  return file;
}
const ceilingCode = (port: number, workers: number) => `
  const http = require('node:http');
  const cluster = require('node:cluster');
  const body = Buffer.from(${JSON.stringify(CEILING_BODY)});
  if (${workers} > 1 && cluster.isPrimary) {
    let up = 0;
    for (let i = 0; i < ${workers}; i++) cluster.fork().on('listening', () => { if (++up === ${workers}) console.log('listening on ${port}'); });
  } else {
    http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
    }).listen(${port}, '127.0.0.1', () => { if (${workers} === 1) console.log('listening on ${port}'); });
  }`;

/** Stops a child gracefully (SIGTERM) and waits for it: a gateway's log is complete afterwards. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

// ---- run -----------------------------------------------------------------------------------------

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}, ${process.platform}/${process.arch}; ${wrkCheck.stdout.split('\n')[0]?.trim() || 'wrk'}`);
console.log(`load: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s --latency (moderate: -c${MODERATE}), loopback 127.0.0.1; 1-row requests\n`);

type Row = { name: string; rps: number; p50: number; p99: number; note: string; base: number; cpuUs?: number | undefined; baseCpuUs?: number | undefined };
const rows: Row[] = [];
const warm = Math.min(2, Math.max(1, Math.round(SECONDS / 4)));

try {
  // 1. Ceiling: bare node:http in its own process.
  const ceilingPort = await freePort();
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}/`;
  let ceilingChild = await startChild([ceilingScript(ceilingPort, 1)], { line: /listening on/ });
  await runWrk(ceilingUrl, OIP_BODY, warm);
  const ceiling = await runWrk(ceilingUrl, OIP_BODY, SECONDS, CONNECTIONS, ceilingChild.pid);
  const ceilingModerate = await runWrk(ceilingUrl, OIP_BODY, SECONDS, MODERATE, ceilingChild.pid);
  rows.push({ name: 'ceiling: bare node:http POST', rps: ceiling.rps, p50: ceiling.p50Ms, p99: ceiling.p99Ms, note: errNote(ceiling), base: ceiling.rps, cpuUs: ceiling.cpuUs, baseCpuUs: ceiling.cpuUs });
  ceilingChild.kill('SIGKILL');

  // 2. The Flywheel gateway, set up over HTTP like a user.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = join(TMP, 'data');
  const t0 = Date.now();
  let server = await startChild(serverArgs(port, dataDir, 1, true), { line: /listening on/, poll: `${base}/v2/health/live` });
  console.log(`flywheel server up on ${base} in ${Date.now() - t0} ms (data dir ${dataDir})`);

  const weights: [number[], number][] = [
    [LOGISTIC_W, LOGISTIC_B],
    [LOGISTIC_W.map((w) => -w * 0.8), 0.2],
  ];
  for (const [w, b] of weights) {
    const { run } = await ok<{ run: { info: { run_id: string } } }>('POST', `${base}/api/2.0/mlflow/runs/create`, { experiment_id: '0' });
    const runId = run.info.run_id;
    await ok('PUT', `${base}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/model.onnx`, logisticModel(w, b));
    if (weights[0]![0] === w) await ok('POST', `${base}/api/2.0/mlflow/registered-models/create`, { name: 'lr' });
    await ok('POST', `${base}/api/2.0/mlflow/model-versions/create`, { name: 'lr', source: `mlflow-artifacts:/0/${runId}/artifacts/model`, run_id: runId });
  }
  await ok('POST', `${base}/api/v1/deployments`, {
    name: 'lr',
    config: {
      variants: [
        { name: 'a', model: { name: 'lr', version: '1' }, role: 'primary', weight: 90 },
        { name: 'b', model: { name: 'lr', version: '2' }, role: 'primary', weight: 10 },
      ],
    },
  });

  // Verify: both variants answer 200 with one prediction, before loading.
  const oipUrl = `${base}/v2/models/lr/infer`;
  const mlflowUrl = `${base}/deployments/lr/invocations`;
  const seen = new Map<string, number>();
  let verifyCalls = 2; // + the MLflow check and the final "last id" call
  for (let i = 0; i < 500 && seen.size < 2; i++, verifyCalls++) {
    const r = await call('POST', oipUrl, JSON.parse(OIP_BODY));
    const p = (r.json as { outputs?: { data?: number[] }[] }).outputs?.[0]?.data?.[0];
    if (r.status !== 200 || typeof p !== 'number') throw new Error(`OIP infer → ${r.status}: ${JSON.stringify(r.json)}`);
    seen.set(r.headers.get('x-flywheel-variant') ?? '?', p);
  }
  const m = await call('POST', mlflowUrl, JSON.parse(MLFLOW_BODY));
  const mp = (m.json as { predictions?: unknown }).predictions;
  if (m.status !== 200 || !Array.isArray(mp) || mp.length !== 1) throw new Error(`MLflow invocations → ${m.status}: ${JSON.stringify(m.json)}`);
  console.log(`verified: OIP 200, variants ${[...seen].map(([v, p]) => `${v} → p=${p.toFixed(4)}`).join(', ')}; MLflow 200 → ${JSON.stringify(mp)}\n`);

  const sent: number[] = [];
  const oipWarm = await runWrk(oipUrl, OIP_BODY, warm);
  const oip = await runWrk(oipUrl, OIP_BODY, SECONDS, CONNECTIONS, server.pid);
  rows.push({ name: 'gateway: OIP v2 infer, A/B 90/10 + log', rps: oip.rps, p50: oip.p50Ms, p99: oip.p99Ms, note: errNote(oip), base: ceiling.rps, cpuUs: oip.cpuUs, baseCpuUs: ceiling.cpuUs });
  const mlf = await runWrk(mlflowUrl, MLFLOW_BODY, SECONDS, CONNECTIONS, server.pid);
  rows.push({ name: 'gateway: MLflow invocations, A/B + log', rps: mlf.rps, p50: mlf.p50Ms, p99: mlf.p99Ms, note: errNote(mlf), base: ceiling.rps, cpuUs: mlf.cpuUs, baseCpuUs: ceiling.cpuUs });
  const oipModerate = await runWrk(oipUrl, OIP_BODY, SECONDS, MODERATE, server.pid);
  sent.push(oipWarm.requests, oip.requests, mlf.requests, oipModerate.requests);

  // Interleaved rounds: the ceiling and the gateway measured back to back, a ratio per round.
  let interleaved: { ratios: number[]; cpu: number[] } | undefined;
  if (ROUNDS > 0) {
    ceilingChild = await startChild([ceilingScript(ceilingPort, 1)], { line: /listening on/ });
    interleaved = { ratios: [], cpu: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const c = await runWrk(ceilingUrl, OIP_BODY, SECONDS, CONNECTIONS, ceilingChild.pid);
      const g = await runWrk(oipUrl, OIP_BODY, SECONDS, CONNECTIONS, server.pid);
      sent.push(g.requests);
      interleaved.ratios.push(g.rps / c.rps);
      if (g.cpuUs && c.cpuUs) interleaved.cpu.push(c.cpuUs / g.cpuUs);
    }
    ceilingChild.kill('SIGKILL');
    console.log(`interleaved rounds: gateway ÷ ceiling ${interleaved.ratios.map((x) => x.toFixed(2)).join(', ')}`);
  }

  // Prediction log: the last answered inference id, and a count by paging (no count endpoint).
  const lastId = `bench-last-${randomUUID()}`;
  const last = await call('POST', oipUrl, JSON.parse(OIP_BODY), { 'x-flywheel-inference-id': lastId });
  if (last.status !== 200) throw new Error(`last OIP infer → ${last.status}`);
  const logged = await call('GET', `${base}/api/v1/predictions/${lastId}`);
  const newest = await ok<{ predictions: { inferenceId?: string }[] }>('GET', `${base}/api/v1/deployments/lr/predictions?limit=1`);
  console.log(
    `prediction log: last inference id ${lastId} → GET /api/v1/predictions/<id> ${logged.status}${logged.status === 200 ? ' (logged)' : ' (NOT logged)'}; ` +
      `newest in /deployments/lr/predictions is ${newest.predictions[0]?.inferenceId === lastId ? 'that id' : JSON.stringify(newest.predictions[0]).slice(0, 120)}`,
  );
  const metricsText = (await call('GET', `${base}/metrics`)).json as string;
  const served = [...String(metricsText).matchAll(/flywheel_serving_requests_total\{deployment="lr",variant="(\w+)",code="2xx"\} (\d+)/g)].map((x) => `${x[1]}: ${x[2]}`);
  console.log(`/metrics: 2xx by variant ${served.join(', ') || '(none)'}`);
  await stop(server);

  // 3. Cluster: the same comparison with every core in use.
  let clusterCeiling: WrkResult | undefined;
  let clusterOip: WrkResult | undefined;
  if (!flags['no-cluster']) {
    ceilingChild = await startChild([ceilingScript(ceilingPort, WORKERS)], { line: /listening on/ });
    await runWrk(ceilingUrl, OIP_BODY, warm);
    clusterCeiling = await runWrk(ceilingUrl, OIP_BODY, SECONDS, CONNECTIONS, ceilingChild.pid);
    rows.push({ name: `ceiling: bare node:http, ${WORKERS} cluster workers`, rps: clusterCeiling.rps, p50: clusterCeiling.p50Ms, p99: clusterCeiling.p99Ms, note: errNote(clusterCeiling), base: clusterCeiling.rps, cpuUs: clusterCeiling.cpuUs, baseCpuUs: clusterCeiling.cpuUs });
    ceilingChild.kill('SIGKILL');
    server = await startChild(serverArgs(port, dataDir, WORKERS), { poll: `${base}/v2/health/live` });
    await readyOnEveryWorker(`${base}/v2/models/lr/ready`);
    const clusterWarm = await runWrk(oipUrl, OIP_BODY, warm);
    clusterOip = await runWrk(oipUrl, OIP_BODY, SECONDS, CONNECTIONS, server.pid);
    rows.push({ name: `gateway --workers ${WORKERS}: OIP infer, A/B + log`, rps: clusterOip.rps, p50: clusterOip.p50Ms, p99: clusterOip.p99Ms, note: errNote(clusterOip), base: clusterCeiling.rps, cpuUs: clusterOip.cpuUs, baseCpuUs: clusterCeiling.cpuUs });
    sent.push(clusterWarm.requests, clusterOip.requests);
    await stop(server);
  }

  // Every answered request is in the log exactly once (counted on a fresh single server).
  server = await startChild(serverArgs(port, dataDir, 1), { poll: `${base}/v2/health/live` });
  let count = 0;
  let token: string | undefined;
  let complete = true;
  const countDeadline = Date.now() + 60_000;
  do {
    const page = await ok<{ predictions: unknown[]; nextPageToken?: string }>('GET', `${base}/api/v1/deployments/lr/predictions?limit=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
    count += page.predictions.length;
    token = page.nextPageToken;
    if (token && Date.now() > countDeadline) complete = false;
  } while (token && complete);
  await stop(server);
  // wrk counts completed responses only; requests still in flight when it stops may be answered and
  // logged too, so the log can exceed this by up to one per connection per wrk run.
  const answered = sent.reduce((a, b) => a + b, 0) + verifyCalls;
  console.log(`prediction log: ${complete ? '' : '≥ '}${count} rows logged for 'lr'; answered: ${answered} (wrk runs + ${verifyCalls} verify calls), difference ${count - answered} (≥ 0 and ≤ ${sent.length * CONNECTIONS} expected: in flight when wrk stopped)\n`);

  // 4. In-process: OnnxModelRuntime, one single-row call at a time.
  const runtime = new OnnxModelRuntime();
  const bytes = logisticModel();
  const model = await runtime.load('bench/1', bytes, onnxSignature(bytes));
  const x: Tensor = { type: 'float32', shape: [1, 10], data: Float32Array.from(row) };
  for (let i = 0; i < 500; i++) await model.run({ x });
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(Math.min(SECONDS, 5) * 1e9));
  let now = start;
  while (now < deadline) {
    const t = now;
    await model.run({ x });
    now = process.hrtime.bigint();
    samples.push(Number(now - t) / 1e6);
  }
  await runtime.close();
  const elapsed = Number(now - start) / 1e9;
  rows.push({ name: 'in-process: OnnxModelRuntime.run (1 row)', rps: samples.length / elapsed, p50: percentile(samples, 50), p99: percentile(samples, 99), note: 'calls/s, sequential, no HTTP', base: ceiling.rps });

  const ms = (v: number) => (Number.isFinite(v) ? (v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(2)} ms`) : '—');
  console.log(
    renderTable(
      ['case', 'req/s', 'p50', 'p99', '÷ ceiling', 'CPU µs/req', 'ceiling CPU ÷ CPU', 'note'],
      rows.map((r) => [
        r.name, Math.round(r.rps).toLocaleString('en-US'), ms(r.p50), ms(r.p99), (r.rps / r.base).toFixed(2),
        r.cpuUs ? r.cpuUs.toFixed(0) : '—', r.cpuUs && r.baseCpuUs ? (r.baseCpuUs / r.cpuUs).toFixed(2) : '—', r.note,
      ]),
    ),
  );
  console.log(
    `\nmoderate load (wrk -c${MODERATE}): ceiling ${Math.round(ceilingModerate.rps).toLocaleString('en-US')} req/s p50 ${ms(ceilingModerate.p50Ms)} p99 ${ms(ceilingModerate.p99Ms)}; ` +
      `gateway ${Math.round(oipModerate.rps).toLocaleString('en-US')} req/s p50 ${ms(oipModerate.p50Ms)} p99 ${ms(oipModerate.p99Ms)} (CPU ${oipModerate.cpuUs?.toFixed(0) ?? '—'} µs/req vs ${ceilingModerate.cpuUs?.toFixed(0) ?? '—'}) → added p99 ${ms(oipModerate.p99Ms - ceilingModerate.p99Ms)} (goal < 2 ms: ${oipModerate.p99Ms - ceilingModerate.p99Ms < 2 ? 'met' : 'NOT met'})`,
  );
  if (interleaved) {
    const sorted = [...interleaved.ratios].sort((a, b) => a - b);
    const cpu = [...interleaved.cpu].sort((a, b) => a - b);
    console.log(
      `interleaved (${ROUNDS} rounds of ceiling then gateway OIP, ${SECONDS} s each): gateway ÷ ceiling median ${percentile(sorted, 50).toFixed(2)} (${sorted.map((x) => x.toFixed(2)).join(', ')}); ` +
        `ceiling CPU ÷ gateway CPU median ${cpu.length ? percentile(cpu, 50).toFixed(2) : '—'}`,
    );
  }
  const ratio = oip.rps / ceiling.rps;
  console.log(`goal: gateway ≥ 0.60 × bare-HTTP ceiling with A/B routing and logging on → OIP ${ratio.toFixed(2)} (${ratio >= 0.6 ? 'met' : 'NOT met'}), MLflow ${(mlf.rps / ceiling.rps).toFixed(2)}`);
  if (clusterCeiling && clusterOip) console.log(`cluster (${WORKERS} workers each): gateway ÷ ceiling ${(clusterOip.rps / clusterCeiling.rps).toFixed(2)}; gateway --workers ${WORKERS} ÷ single-process gateway ${(clusterOip.rps / oip.rps).toFixed(2)}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  cleanup();
}

function errNote(r: WrkResult): string {
  const parts = [`${r.requests.toLocaleString('en-US')} req`];
  if (r.non2xx) parts.push(`${r.non2xx} non-2xx`);
  if (r.socketErrors) parts.push(`socket errors: ${r.socketErrors}`);
  return parts.join(', ');
}
