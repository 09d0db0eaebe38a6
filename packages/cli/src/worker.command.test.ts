import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { buildPlatform, loadConfig, type Platform } from '@flywheel/server';
import { createTestDatabase, type TestDatabase } from '../../server/src/store/test-support/stores.js';
import { createPipelinesFixture } from '../../server/src/domains/pipelines/test-support/pipelines-fixture.js';

// PostgreSQL only, by nature: the fleet's queue (pg-boss) and its store are the shared PostgreSQL.
const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const js = (script: string) => [process.execPath, '-e', script];
// Short heartbeats and lease so a killed worker's step is retried within seconds.
const FLEET = { pollMs: 100, heartbeatMs: 200, leaseMs: 1500 };

interface Worker {
  child: ChildProcess;
  pid: number;
  out: string[];
  exited: Promise<number | null>;
}

function startWorker(url: string, dataDir: string): Promise<Worker> {
  const child = spawn(
    process.execPath,
    // The same data dir as the server: the same (local) artifact store.
    ['--conditions=flywheel-source', '--import', 'tsx', bin, 'worker', '--database-url', url, '--data-dir', dataDir, '--concurrency', '2', '--poll-ms', String(FLEET.pollMs), '--heartbeat-ms', String(FLEET.heartbeatMs), '--lease-ms', String(FLEET.leaseMs), '--pool-size', '3'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  const out: string[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${out.join('')}`)), 60_000);
    const onData = (d: Buffer) => {
      out.push(d.toString());
      if (out.join('').includes('taking steps')) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`worker exited with ${code}: ${out.join('')}`)));
  });
}

describe('a fleet of flywheel worker processes on PostgreSQL', () => {
  let db: TestDatabase;
  let platform: Platform;
  let url: string;
  let dir: string;
  const workers: Worker[] = [];
  const orphans: number[] = [];

  before(async () => {
    db = await createTestDatabase('postgres');
    dir = mkdtempSync(join(tmpdir(), 'fw-fleet-'));
    const config = loadConfig({
      dataDir: db.dataDir,
      databaseUrl: db.url,
      port: 0,
      poolSize: 4,
      rolloutIntervalMs: 3_600_000,
      monitorIntervalMs: 3_600_000,
      alertIntervalMs: 3_600_000,
      // This server only schedules: every step runs on a worker.
      pipelinesExecutor: 'pgboss',
      pipelinesConcurrency: 0,
      pipelinesPollMs: FLEET.pollMs,
      pipelinesHeartbeatMs: FLEET.heartbeatMs,
      pipelinesLeaseMs: FLEET.leaseMs,
    }, {});
    platform = await buildPlatform(config, { logger: pino({ level: 'silent' }) });
    url = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    workers.push(...(await Promise.all([startWorker(db.url, db.dataDir), startWorker(db.url, db.dataDir)])));
  });

  after(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    for (const pid of orphans) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await platform?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const waitForRun = async (id: string, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await platform.services.pipelines.getRun(id);
      if (['succeeded', 'failed', 'cancelled'].includes(run.state)) return run;
      if (Date.now() > deadline) throw new Error(`run still ${run.state}: ${JSON.stringify(run.steps)}`);
      await sleep(100);
    }
  };

  test('steps of a DAG run on both workers, pass artifacts, report to the scheduling server, and the run succeeds', async () => {
    const { pipelines } = platform.services;
    const width = 8;
    const report = "console.log('by', process.ppid, process.env.MLFLOW_TRACKING_URI)";
    await pipelines.register({
      name: 'fan',
      steps: [
        { name: 'prep', command: js(`${report};require('fs').writeFileSync(process.env.FLYWHEEL_OUTPUT_DATA+'/x.txt','from prep')`), outputs: [{ name: 'data', kind: 'artifact' }] },
        ...Array.from({ length: width }, (_, i) => ({ name: `w${i}`, command: js(`${report};console.log(require('fs').readFileSync(process.env.FLYWHEEL_INPUT_PREP_DATA+'/x.txt','utf8'));setTimeout(()=>{},300)`), inputs: [{ from: 'prep.data' }] })),
        { name: 'join', command: js(report), dependsOn: Array.from({ length: width }, (_, i) => `w${i}`) },
      ],
    });
    const started = Date.now();
    const run = await waitForRun((await pipelines.startRun('fan')).id);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.state, 'succeeded', JSON.stringify(run));
    const ranBy = new Map<number, number>();
    for (const s of run.steps) {
      const log = await pipelines.stepLog(run.id, s.name);
      const m = /^by (\d+) (\S+)\n/.exec(log);
      assert.ok(m, `${s.name}: ${log}`);
      assert.equal(m[2], url, 'MLFLOW_TRACKING_URI is the scheduling server');
      ranBy.set(Number(m[1]), (ranBy.get(Number(m[1])) ?? 0) + 1);
      if (s.name.startsWith('w')) assert.match(log, /\nfrom prep\n/, 'the artifact output of prep, whichever worker ran it');
      assert.ok(s.mlflowRunId, 'the worker created the step\'s MLflow run in the shared store');
    }
    assert.deepEqual([...ranBy.keys()].sort(), workers.map((w) => w.pid).sort(), 'both workers ran steps');
    console.log(`# fleet: ${run.steps.length} steps (${width} in parallel, 300 ms each) on 2 workers × 2 in ${seconds.toFixed(2)} s; split ${[...ranBy.values()].join('/')}`);
  });

  test('the three-step YAML pipeline in Python (prepare, train, evaluate and register) gives the same result locally and on the fleet; a second run is served from cache', async () => {
    const py = (name: string, code: string) => {
      const file = join(dir, name);
      writeFileSync(file, code);
      return file;
    };
    const mlflow = `
import json, os, urllib.request, urllib.error
def mlflow(path, body):
    req = urllib.request.Request(os.environ['MLFLOW_TRACKING_URI'] + '/api/2.0/mlflow/' + path, data=json.dumps(body).encode(), headers={'content-type': 'application/json'})
    try:
        return json.load(urllib.request.urlopen(req))
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        if 'RESOURCE_ALREADY_EXISTS' in body: return {}
        raise SystemExit(f'{path}: {e.code} {body}')
def metric(key, value):
    import time
    mlflow('runs/log-metric', {'run_id': os.environ['MLFLOW_RUN_ID'], 'key': key, 'value': value, 'timestamp': int(time.time() * 1000), 'step': 0})
`;
    const prep = py('prep.py', `import os, csv
with open(os.path.join(os.environ['FLYWHEEL_OUTPUT_DATA'], 'train.csv'), 'w', newline='') as f:
    w = csv.writer(f); w.writerow(['x', 'y'])
    for x in range(100): w.writerow([x, 2 * x + 1 + (0.5 if x % 2 else -0.5)])
print('prepared 100 rows')
`);
    const train = py('train.py', `${mlflow}
import csv
rows = list(csv.DictReader(open(os.path.join(os.environ['FLYWHEEL_INPUT_PREP_DATA'], 'train.csv'))))
xs = [float(r['x']) for r in rows]; ys = [float(r['y']) for r in rows]
n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
json.dump({'slope': slope, 'intercept': my - slope * mx}, open(os.path.join(os.environ['FLYWHEEL_OUTPUT_MODEL'], 'model.json'), 'w'))
metric('slope', slope)
print('slope', round(slope, 6))
`);
    const evaluate = py('evaluate.py', `${mlflow}
import csv
m = json.load(open(os.path.join(os.environ['FLYWHEEL_INPUT_TRAIN_MODEL'], 'model.json')))
rows = list(csv.DictReader(open(os.path.join(os.environ['FLYWHEEL_INPUT_PREP_DATA'], 'train.csv'))))
rmse = (sum((m['slope'] * float(r['x']) + m['intercept'] - float(r['y'])) ** 2 for r in rows) / len(rows)) ** 0.5
metric('rmse', rmse)
mlflow('registered-models/create', {'name': 'linear'})
v = mlflow('model-versions/create', {'name': 'linear', 'source': 'runs:/' + os.environ['MLFLOW_RUN_ID'] + '/model', 'run_id': os.environ['MLFLOW_RUN_ID']})
print('rmse', round(rmse, 6), 'registered linear', v['model_version']['version'])
`);
    const yaml = [
      'name: linear',
      'steps:',
      '  - name: prep',
      `    command: [python3, ${JSON.stringify(prep)}]`,
      '    outputs: [{ name: data, kind: artifact }]',
      '  - name: train',
      `    command: [python3, ${JSON.stringify(train)}]`,
      '    inputs: [{ from: prep.data }]',
      '    outputs: [{ name: model, kind: artifact }, { name: slope, kind: metric }]',
      '  - name: evaluate',
      `    command: [python3, ${JSON.stringify(evaluate)}]`,
      '    inputs: [{ from: prep.data }, { from: train.model }]',
      '    outputs: [{ name: rmse, kind: metric }, { name: registered, kind: model }]',
      '',
    ].join('\n');
    type Outputs = Record<string, Record<string, unknown> | null>;
    const outputsOf = (run: { steps: { name: string; outputs: Outputs | null }[] }) => Object.fromEntries(run.steps.map((s) => [s.name, s.outputs]));

    const local = await createPipelinesFixture('sqlite');
    let localOut: Outputs;
    try {
      const reg = await local.app.inject({ method: 'POST', url: '/api/v1/pipelines', payload: yaml, headers: { 'content-type': 'application/yaml' } });
      assert.equal(reg.statusCode, 201, reg.body);
      const run = await local.waitForRun((await local.pipelines.startRun('linear')).id);
      assert.equal(run.state, 'succeeded', JSON.stringify(run.steps.map((s) => s.error)) + (await local.pipelines.stepLog(run.id, 'evaluate')));
      localOut = outputsOf(run as never);
    } finally {
      await local.dispose();
    }

    const reg = await platform.app.inject({ method: 'POST', url: '/api/v1/pipelines', payload: yaml, headers: { 'content-type': 'application/yaml' } });
    assert.equal(reg.statusCode, 201, reg.body);
    const { pipelines } = platform.services;
    const started = Date.now();
    const fleetRun = await waitForRun((await pipelines.startRun('linear')).id);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(fleetRun.state, 'succeeded', await pipelines.stepLog(fleetRun.id, 'evaluate'));
    const fleetOut = outputsOf(fleetRun as never);
    // The same result: the same data (by content digest), the same model file, the same metrics; one model version registered each time.
    for (const step of ['prep', 'train', 'evaluate']) {
      for (const [name, out] of Object.entries(fleetOut[step] ?? {})) {
        const o = out as { kind: string; digest?: string; value?: number; versions?: unknown[] };
        const l = (localOut[step] as Record<string, typeof o>)[name]!;
        if (o.kind === 'artifact') assert.equal(o.digest, l.digest, `${step}.${name}`);
        if (o.kind === 'metric') assert.equal(o.value, l.value, `${step}.${name}`);
        if (o.kind === 'model') assert.deepEqual(o.versions, [{ name: 'linear', version: 1 }]);
      }
    }
    assert.ok(Math.abs((fleetOut.train as { slope: { value: number } }).slope.value - 2) < 0.01);
    assert.ok(Math.abs((fleetOut.evaluate as { rmse: { value: number } }).rmse.value - 0.5) < 0.01);
    const again = await waitForRun((await pipelines.startRun('linear')).id);
    assert.equal(again.state, 'succeeded');
    assert.deepEqual(again.steps.map((s) => s.cached), [true, true, true], 'served from cache');
    console.log(`# fleet: the Python YAML pipeline (3 steps) in ${seconds.toFixed(2)} s; the second run entirely from cache`);
  });

  test('a worker SIGKILLed in the middle of a step: the step is retried on the other worker and the run succeeds', async () => {
    const { pipelines } = platform.services;
    const marks = join(dir, 'marks');
    // Each attempt leaves a file named after the worker running it, then works for 2 s.
    const slow = `const fs=require('fs');fs.mkdirSync(${JSON.stringify(marks)},{recursive:true});fs.writeFileSync(${JSON.stringify(marks)}+'/'+process.ppid,String(process.pid));console.log('attempt on',process.ppid);setTimeout(()=>console.log('done'),2000)`;
    await pipelines.register({ name: 'spot', steps: [{ name: 'train', command: js(slow) }, { name: 'after', command: js("console.log('after')"), dependsOn: ['train'] }] });
    const started = Date.now();
    const { id } = await pipelines.startRun('spot');
    let victim: Worker | undefined;
    for (const deadline = Date.now() + 30_000; !victim; await sleep(50)) {
      assert.ok(Date.now() < deadline, 'the step starts on a worker');
      const names = existsSync(marks) ? readdirSync(marks) : [];
      if (names.length) {
        victim = workers.find((w) => String(w.pid) === names[0]);
        orphans.push(Number(readFileSync(join(marks, names[0]!), 'utf8'))); // its step lives on in its own process group
      }
    }
    assert.ok(victim, 'the mark names one of the workers');
    victim.child.kill('SIGKILL'); // a preempted spot machine: no goodbye
    await victim.exited;
    const run = await waitForRun(id);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.state, 'succeeded', JSON.stringify(run));
    const train = run.steps.find((s) => s.name === 'train')!;
    assert.equal(train.attempt, 2, 'one retry');
    const survivor = workers.find((w) => w !== victim)!;
    assert.ok(existsSync(join(marks, String(survivor.pid))), 'the retry ran on the other worker');
    const log = await pipelines.stepLog(id, 'train');
    assert.match(log, new RegExp(`--- attempt 2 ---\\nattempt on ${survivor.pid}\\ndone\\n`));
    console.log(`# fleet: killed worker's step retried elsewhere; run done ${seconds.toFixed(2)} s after start (lease ${FLEET.leaseMs} ms, step 2 s)`);
  });

  test('a worker stopped with SIGTERM exits 0', async () => {
    const w = workers.find((x) => x.child.exitCode === null && x.child.signalCode === null)!;
    w.child.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.out.join(''));
  });
});
