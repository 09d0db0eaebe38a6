/**
 * Serving gateway throughput beside a bare-HTTP ceiling, on loopback (127.0.0.1), in one run:
 *   1. ceiling: a bare node:http server (own child process) answering a constant JSON body to POST;
 *   2. the real `flywheel server` (child process) serving a 10-feature logistic regression ONNX model
 *      through an A/B deployment (two versions, 50/50) with the prediction log on (default `sync`
 *      durability, SQLite): OIP v2 `/v2/models/lr/infer` and MLflow `/deployments/lr/invocations`;
 *   3. in-process: the same model called directly through OnnxModelRuntime (no HTTP).
 * HTTP load comes from `wrk -t1 -c<connections> --latency`. Not a test. Run:
 *   node --conditions=flywheel-source --import tsx bench/serving/gateway.ts [--seconds 10] [--connections 64]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' }, help: { type: 'boolean', default: false } },
});
if (flags.help) {
  console.log('usage: gateway.ts [--seconds N (default 10, per case)] [--connections N (default 64)]');
  process.exit(0);
}
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
if (!(SECONDS >= 1) || !Number.isInteger(CONNECTIONS) || CONNECTIONS < 1) {
  console.error('--seconds must be ≥ 1 and --connections a positive integer');
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
async function startChild(args: string[], ready: { line?: RegExp; poll?: string }, timeoutMs = 60_000): Promise<ChildProcess> {
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

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: string;
}

const toMs = (v: string, unit: string) => Number(v) * ({ us: 1e-3, ms: 1, s: 1e3, m: 60e3 } as Record<string, number>)[unit]!;

async function runWrk(url: string, body: string, seconds: number): Promise<WrkResult> {
  const script = join(TMP, `wrk-${randomUUID()}.lua`);
  writeFileSync(script, `wrk.method = 'POST'\nwrk.body = [==[${body}]==]\nwrk.headers['Content-Type'] = 'application/json'\n`);
  const out = await new Promise<string>((res, rej) => {
    const w = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return {
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

// ---- run -----------------------------------------------------------------------------------------

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}, ${process.platform}/${process.arch}; ${wrkCheck.stdout.split('\n')[0]?.trim() || 'wrk'}`);
console.log(`load: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s --latency, loopback 127.0.0.1; 1-row requests\n`);

type Row = { name: string; rps: number; p50: number; p99: number; note: string };
const rows: Row[] = [];
const warm = Math.min(2, Math.max(1, Math.round(SECONDS / 4)));

try {
  // 1. Ceiling: bare node:http in its own process.
  const ceilingPort = await freePort();
  const ceilingCode = `
    const http = require('node:http');
    const body = Buffer.from(${JSON.stringify(CEILING_BODY)});
    http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
    }).listen(${ceilingPort}, '127.0.0.1', () => console.log('listening on ${ceilingPort}'));`;
  const ceilingChild = await startChild(['-e', ceilingCode], { line: /listening on/ });
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}/`;
  await runWrk(ceilingUrl, OIP_BODY, warm);
  const ceiling = await runWrk(ceilingUrl, OIP_BODY, SECONDS);
  rows.push({ name: 'ceiling: bare node:http POST', rps: ceiling.rps, p50: ceiling.p50Ms, p99: ceiling.p99Ms, note: errNote(ceiling) });
  ceilingChild.kill('SIGKILL');

  // 2. The Flywheel gateway, set up over HTTP like a user.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = join(TMP, 'data');
  const t0 = Date.now();
  const server = await startChild(
    ['--conditions=flywheel-source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'server', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'],
    // At --log-level warn the info-level "listening on" line is not printed, so readiness is also polled.
    { line: /listening on/, poll: `${base}/v2/health/live` },
  );
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
        { name: 'a', model: { name: 'lr', version: '1' }, role: 'primary', weight: 50 },
        { name: 'b', model: { name: 'lr', version: '2' }, role: 'primary', weight: 50 },
      ],
    },
  });

  // Verify: both variants answer 200 with one prediction, before loading.
  const oipUrl = `${base}/v2/models/lr/infer`;
  const mlflowUrl = `${base}/deployments/lr/invocations`;
  const seen = new Map<string, number>();
  let verifyCalls = 2; // + the MLflow check and the final "last id" call
  for (let i = 0; i < 200 && seen.size < 2; i++, verifyCalls++) {
    const r = await call('POST', oipUrl, JSON.parse(OIP_BODY));
    const p = (r.json as { outputs?: { data?: number[] }[] }).outputs?.[0]?.data?.[0];
    if (r.status !== 200 || typeof p !== 'number') throw new Error(`OIP infer → ${r.status}: ${JSON.stringify(r.json)}`);
    seen.set(r.headers.get('x-flywheel-variant') ?? '?', p);
  }
  const m = await call('POST', mlflowUrl, JSON.parse(MLFLOW_BODY));
  const mp = (m.json as { predictions?: unknown }).predictions;
  if (m.status !== 200 || !Array.isArray(mp) || mp.length !== 1) throw new Error(`MLflow invocations → ${m.status}: ${JSON.stringify(m.json)}`);
  console.log(`verified: OIP 200, variants ${[...seen].map(([v, p]) => `${v} → p=${p.toFixed(4)}`).join(', ')}; MLflow 200 → ${JSON.stringify(mp)}\n`);

  const oipWarm = await runWrk(oipUrl, OIP_BODY, warm);
  const oip = await runWrk(oipUrl, OIP_BODY, SECONDS);
  rows.push({ name: 'gateway: OIP v2 infer, A/B + log', rps: oip.rps, p50: oip.p50Ms, p99: oip.p99Ms, note: errNote(oip) });
  const mlfWarm = await runWrk(mlflowUrl, MLFLOW_BODY, warm);
  const mlf = await runWrk(mlflowUrl, MLFLOW_BODY, SECONDS);
  rows.push({ name: 'gateway: MLflow invocations, A/B + log', rps: mlf.rps, p50: mlf.p50Ms, p99: mlf.p99Ms, note: errNote(mlf) });

  // Prediction log: the last answered inference id, and a count by paging (no count endpoint).
  const lastId = `bench-last-${randomUUID()}`;
  const last = await call('POST', oipUrl, JSON.parse(OIP_BODY), { 'x-flywheel-inference-id': lastId });
  if (last.status !== 200) throw new Error(`last OIP infer → ${last.status}`);
  const logged = await call('GET', `${base}/api/v1/predictions/${lastId}`);
  const newest = await ok<{ predictions: { inferenceId?: string }[] }>('GET', `${base}/api/v1/deployments/lr/predictions?limit=1`);
  let count = 0;
  let token: string | undefined;
  let complete = true;
  const countDeadline = Date.now() + 30_000;
  do {
    const page = await ok<{ predictions: unknown[]; nextPageToken?: string }>('GET', `${base}/api/v1/deployments/lr/predictions?limit=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
    count += page.predictions.length;
    token = page.nextPageToken;
    if (token && Date.now() > countDeadline) complete = false;
  } while (token && complete);
  // wrk counts completed responses only; requests still in flight when it stops may be answered and
  // logged too, so the log can exceed this by up to one per connection per wrk run.
  const sent = oipWarm.requests + oip.requests + mlfWarm.requests + mlf.requests + verifyCalls;
  console.log(
    `prediction log: last inference id ${lastId} → GET /api/v1/predictions/<id> ${logged.status}${logged.status === 200 ? ' (logged)' : ' (NOT logged)'}; ` +
      `newest in /deployments/lr/predictions is ${newest.predictions[0]?.inferenceId === lastId ? 'that id' : JSON.stringify(newest.predictions[0]).slice(0, 120)}`,
  );
  console.log(`prediction log: ${complete ? '' : '≥ '}${count} rows logged for 'lr'; answered: ${sent} (wrk warm-up + measured + ${verifyCalls} verify calls), difference ${count - sent} (≤ ${4 * CONNECTIONS} expected: in flight when wrk stopped)\n`);
  server.kill('SIGKILL');

  // 3. In-process: OnnxModelRuntime, one single-row call at a time.
  const runtime = new OnnxModelRuntime();
  const bytes = logisticModel();
  const model = await runtime.load('bench/1', bytes, onnxSignature(bytes));
  const x: Tensor = { type: 'float32', shape: [1, 10], data: Float32Array.from(row) };
  for (let i = 0; i < 500; i++) await model.run({ x });
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < deadline) {
    const t = now;
    await model.run({ x });
    now = process.hrtime.bigint();
    samples.push(Number(now - t) / 1e6);
  }
  await runtime.close();
  const elapsed = Number(now - start) / 1e9;
  rows.push({ name: 'in-process: OnnxModelRuntime.run (1 row)', rps: samples.length / elapsed, p50: percentile(samples, 50), p99: percentile(samples, 99), note: 'calls/s, sequential, no HTTP' });

  const ms = (v: number) => (Number.isFinite(v) ? (v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(2)} ms`) : '—');
  console.log(
    renderTable(
      ['case', 'req/s', 'p50', 'p99', '÷ ceiling', 'note'],
      rows.map((r) => [r.name, Math.round(r.rps).toLocaleString('en-US'), ms(r.p50), ms(r.p99), (r.rps / ceiling.rps).toFixed(2), r.note]),
    ),
  );
  const ratio = oip.rps / ceiling.rps;
  console.log(`\ngoal: gateway ≥ 0.60 × bare-HTTP ceiling with A/B routing and logging on → OIP ${ratio.toFixed(2)} (${ratio >= 0.6 ? 'met' : 'NOT met'}), MLflow ${(mlf.rps / ceiling.rps).toFixed(2)}`);
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
