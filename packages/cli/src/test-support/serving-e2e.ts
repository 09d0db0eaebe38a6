import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { LOGISTIC_B, LOGISTIC_W, logisticModel } from '../../../server/src/domains/serving/test-support/serving-models.js';

export const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));

/** Weights of the logistic models registered as versions 1 and 2 of `churn`. */
export const MODELS: Record<string, { w: number[]; b: number }> = {
  '1': { w: LOGISTIC_W, b: LOGISTIC_B },
  '2': { w: LOGISTIC_W.map((x) => -x), b: 0.4 },
};

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL to the server's whole process group (a cluster's primary and workers at once); resolves when none is left. */
  killAll(): Promise<void>;
}

/**
 * Starts `flywheel server` as a user would, as its own process (bin.ts directly, so a signal
 * reaches the server itself and not a wrapper), and resolves once it logs its address.
 */
export async function startServer(dataDir: string, databaseUrl?: string, extraArgs: string[] = [], opts: { listeners?: number } = {}): Promise<ServerProcess> {
  const args = ['--conditions=flywheel-source', '--import', 'tsx', bin, 'server', '--port', '0', '--data-dir', dataDir, ...(databaseUrl ? ['--database-url', databaseUrl] : []), ...extraArgs];
  // Its own process group, so that killAll reaches cluster workers too.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // A cluster logs one line per worker; a worker not yet listening gets no connections.
    const onData = () => {
      const lines = [...out.matchAll(/listening on (http:\/\/[^"\s]+)/g)];
      if (lines.length >= (opts.listeners ?? 1)) resolve(lines[0]![1]!);
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${out}`)));
    setTimeout(() => reject(new Error(`no listening line after 60 s: ${out}`)), 60_000).unref();
  });
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
    async killAll() {
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      for (let i = 0; i < 200 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(groupAlive(child.pid!), false, 'a server process survived SIGKILL');
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * GET and parse JSON on a connection of its own. A test that blocks its event loop in spawnSync
 * cannot see a pooled keep-alive socket being closed by the server, and fetch would reuse it.
 */
export function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) =>
    get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as T }));
    }).on('error', reject),
  );
}

/** Runs the CLI against `url`; `--url` goes last so every command gets it. */
export function cli(url: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args, '--url', url], { encoding: 'utf8', timeout: 60_000 });
}

async function mlflow(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

/**
 * Registers `churn` versions 1 and 2 the way an MLflow client does: the ONNX file uploaded
 * through the artifact proxy under a run, then a model version from that run's folder.
 */
export async function registerChurnModels(url: string): Promise<void> {
  await mlflow(url, 'registered-models/create', { name: 'churn' });
  for (const [version, m] of Object.entries(MODELS)) {
    const run = (await mlflow(url, 'runs/create', { experiment_id: '0' })) as { run: { info: { run_id: string } } };
    const runId = run.run.info.run_id;
    const put = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/model.onnx`, { method: 'PUT', body: Buffer.from(logisticModel(m.w, m.b)) });
    assert.equal(put.status, 200, await put.text());
    const mv = (await mlflow(url, 'model-versions/create', { name: 'churn', source: `mlflow-artifacts:/0/${runId}/artifacts/model`, run_id: runId })) as { model_version: { version: string } };
    assert.equal(mv.model_version.version, version);
  }
}
