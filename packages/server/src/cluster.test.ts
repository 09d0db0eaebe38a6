import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOGISTIC_W, logisticJs, logisticModel } from './domains/serving/test-support/serving-models.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'fw-cluster-'));
let server: ChildProcess | undefined;
after(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  msg?: string;
  pid?: number;
  address?: string;
}
const lines: Line[] = [];

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`not seen within ${timeoutMs} ms: ${what}\n${JSON.stringify(lines.slice(-20), null, 1)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One request on its own connection, so the kernel spreads requests over the workers. */
function call(url: string, method: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const payload = body === undefined ? undefined : body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  return new Promise((res, rej) => {
    const req = request(url, { method, agent: false, headers: payload ? { 'content-type': body instanceof Uint8Array ? 'application/octet-stream' : 'application/json', 'content-length': payload.length } : {} }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        res({ status: r.statusCode ?? 0, json, text });
      });
    });
    req.on('error', rej);
    req.end(payload);
  });
}

const listeningPids = () => new Set(lines.filter((l) => l.msg?.startsWith('Flywheel ') && l.msg.includes(' listening on ') && !l.msg.includes('cluster')).map((l) => l.pid!));

let base = '';
let workers = new Set<number>();

before(async () => {
  server = spawn(
    process.execPath,
    ['--conditions=flywheel-source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'server', '--port', '0', '--data-dir', dir, '--workers', '2', '--refresh-ms', '100'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let buf = '';
  const onData = (c: Buffer) => {
    buf += c.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(l) as Line);
      } catch {
        lines.push({ msg: l });
      }
    }
  };
  server.stdout!.on('data', onData);
  server.stderr!.on('data', onData);
  base = await until('the cluster listening', () => lines.find((l) => l.msg?.includes('cluster of 2 workers listening'))?.address);
  workers = await until('both workers listening', () => (listeningPids().size >= 2 ? listeningPids() : undefined));
  assert.equal(workers.size, 2);
}, { timeout: 180_000 });

// SQLite's deferred transactions fail at once with SQLITE_BUSY (no busy_timeout wait) when they read
// and then write while another process wrote: store.ts must begin SQLite transactions IMMEDIATE.
test('concurrent writes through both workers to one SQLite file', { timeout: 120_000 }, async () => {
  const created = await Promise.all(Array.from({ length: 60 }, (_, i) => call(`${base}/api/2.0/mlflow/experiments/create`, 'POST', { name: `e${i}` })));
  assert.deepEqual(created.map((r) => r.status), created.map(() => 200), created.find((r) => r.status !== 200)?.text);
  const search = await call(`${base}/api/2.0/mlflow/experiments/search`, 'POST', { max_results: 1000 });
  assert.equal((search.json as { experiments: unknown[] }).experiments.filter((e) => /^e\d+$/.test((e as { name: string }).name)).length, 60);
});

test('a deployment made through one worker is served by every worker and follows updates; /metrics sums the workers', { timeout: 180_000 }, async () => {

  // A deployment made through one worker; every worker serves its updates after a refresh.
  for (const [v, w] of [['1', LOGISTIC_W], ['2', LOGISTIC_W.map((x) => -x)]] as const) {
    assert.equal((await call(`${base}/api/2.0/mlflow-artifacts/artifacts/0/r${v}/artifacts/model/model.onnx`, 'PUT', logisticModel([...w], 0))).status, 200);
    if (v === '1') assert.equal((await call(`${base}/api/2.0/mlflow/registered-models/create`, 'POST', { name: 'lr' })).status, 200);
    assert.equal((await call(`${base}/api/2.0/mlflow/model-versions/create`, 'POST', { name: 'lr', source: `mlflow-artifacts:/0/r${v}/artifacts/model` })).status, 200);
  }
  const cfg = (version: string) => ({ variants: [{ name: 'a', model: { name: 'lr', version }, role: 'primary', weight: 100 }] });
  assert.equal((await call(`${base}/api/v1/deployments`, 'POST', { name: 'lr', config: cfg('1') })).status, 201);
  const row = Array.from({ length: 10 }, (_, i) => i / 10);
  let answered = 0;
  const infer = async () => {
    const r = await call(`${base}/v2/models/lr/infer`, 'POST', { inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row }] });
    if (r.status === 200) answered++;
    return r;
  };
  const consistently = async (check: () => Promise<boolean>) => {
    // 10 answers in a row, on fresh connections, spread over both workers.
    for (let ok = 0; ok < 10; ) {
      ok = (await check()) ? ok + 1 : 0;
      if (ok === 0) await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };
  await until('every worker serves lr v1', () => consistently(async () => {
    const r = await infer();
    return r.status === 200 && Math.abs((r.json as { outputs: { data: number[] }[] }).outputs[0]!.data[0]! - logisticJs(row, LOGISTIC_W, 0)) < 1e-5;
  }), 60_000);
  assert.equal((await call(`${base}/api/v1/deployments/lr`, 'PUT', { config: cfg('2') })).status, 200);
  await until('every worker serves revision 2', () => consistently(async () => ((await call(`${base}/deployments/lr/version`, 'GET')).json as { revision: number }).revision === 2), 60_000);

  // /metrics sums every worker: its 2xx count is every 200 the inference calls got, whichever worker answered.
  let text = '';
  const served = await until('metrics of every worker', async () => {
    const r = await call(`${base}/metrics`, 'GET');
    text = r.text;
    const m = /flywheel_serving_requests_total\{deployment="lr",variant="a",code="2xx"\} (\d+)/.exec(r.text);
    return r.status === 200 && m && Number(m[1]) === answered ? answered : undefined;
  }, 10_000).catch((e: Error) => assert.fail(`${e.message}\nanswered ${answered}; /metrics:\n${text.slice(0, 1500)}`));
  assert.ok(served >= 10);
});

test('a worker killed outright is replaced; SIGTERM stops every worker and the primary exits 0', { timeout: 180_000 }, async () => {
  const row = Array.from({ length: 10 }, (_, i) => i / 10);
  const infer = () => call(`${base}/v2/models/lr/infer`, 'POST', { inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row }] });
  const consistently = async (check: () => Promise<boolean>) => {
    for (let ok = 0; ok < 10; ) {
      ok = (await check()) ? ok + 1 : 0;
      if (ok === 0) await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };

  // A worker killed outright is replaced; the port keeps answering.
  const [victim] = [...workers];
  process.kill(victim!, 'SIGKILL');
  await until('a replacement worker', () => ([...listeningPids()].some((p) => !workers.has(p)) ? true : undefined));
  assert.ok(lines.some((l) => l.msg === 'worker died; starting another'));
  await until('serving after the restart', () => consistently(async () => (await infer()).status === 200), 60_000);

  // SIGTERM: the primary stops every worker and exits 0.
  const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
  server!.kill('SIGTERM');
  assert.equal(await exited, 0);
  for (const pid of listeningPids()) assert.throws(() => process.kill(pid, 0), 'worker still alive after the primary exited');
});
