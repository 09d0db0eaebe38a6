import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { createTestDatabase, DIALECTS } from '../../server/src/store/test-support/stores.js';
import { registerChurnModels, startServer, type ServerProcess } from './test-support/serving-e2e.js';

// The issue's promise: with the default durability, every answered prediction is in the log
// exactly once, also after a `kill -9` of the server under load. A real `flywheel server`
// process takes concurrent traffic, is SIGKILLed mid-load, restarts on the same store, and the
// log is read back through the API.
const CLIENTS = 32;
const LOAD_MS = 2_000;
const ROWS = 64;
const DEPLOYMENT = 'durable';

interface Load {
  sent: Set<string>;
  /** inference id → the variant the response named; only 200s whose body arrived whole. */
  answered: Map<string, string>;
  /** Non-200 statuses received before the kill (there should be none). */
  errors: string[];
  inFlightAtKill: Set<string>;
}

/** `CLIENTS` loops of single-row MLflow invocations, each with its own inference id, until `kill`. */
async function loadThenKill(server: ServerProcess): Promise<Load> {
  const load: Load = { sent: new Set(), answered: new Map(), errors: [], inFlightAtKill: new Set() };
  const inFlight = new Set<string>();
  let killed = false;
  const client = async (c: number) => {
    // Built once: the load generator shares the machine's cores with the server, so it must stay
    // cheap, while ROWS rows per request keep the server (parse, run, log) busy when the kill lands.
    const body = JSON.stringify({ instances: Array.from({ length: ROWS }, (_, r) => Array.from({ length: 10 }, (_, i) => ((c + r + i) % 7) / 7)) });
    for (let n = 0; !killed; n++) {
      const id = `dur-${c}-${n}`;
      load.sent.add(id);
      inFlight.add(id);
      try {
        const res = await fetch(`${server.url}/deployments/${DEPLOYMENT}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-flywheel-inference-id': id },
          body,
        });
        const text = await res.text();
        if (res.status === 200) {
          assert.equal(res.headers.get('x-flywheel-inference-id'), id);
          assert.match(text, /^\{"predictions":/);
          load.answered.set(id, res.headers.get('x-flywheel-variant')!);
        } else if (!killed) {
          load.errors.push(`${id}: ${res.status} ${text.slice(0, 200)}`);
        }
      } catch (e) {
        // Connection reset or refused: only expected once the process is gone.
        if (!killed) load.errors.push(`${id}: ${(e as Error).message}`);
      } finally {
        inFlight.delete(id);
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  const started = Date.now();
  // At least LOAD_MS of load, and enough answers that the kill lands in steady traffic.
  while (Date.now() - started < LOAD_MS || (load.answered.size < 500 && Date.now() - started < 30_000)) await new Promise((r) => setTimeout(r, 50));
  const exited = new Promise((r) => server.child.once('exit', r));
  load.inFlightAtKill = new Set(inFlight);
  // From here failures are the kill's; a 200 that still arrives counts as answered.
  killed = true;
  await server.killAll();
  await exited;
  await Promise.all(clients);
  return load;
}

async function readLog(url: string, atMost: number): Promise<Map<string, Array<{ variant: string; status: number }>>> {
  const byId = new Map<string, Array<{ variant: string; status: number }>>();
  let pageToken: string | undefined;
  let rows = 0;
  do {
    const res = await fetch(`${url}/api/v1/deployments/${DEPLOYMENT}/predictions?limit=1000${pageToken ? `&pageToken=${pageToken}` : ''}`);
    assert.equal(res.status, 200, await res.clone().text());
    const page = (await res.json()) as { predictions: Array<{ inferenceId: string; variant: string; status: number }>; nextPageToken?: string };
    for (const p of page.predictions) byId.set(p.inferenceId, [...(byId.get(p.inferenceId) ?? []), { variant: p.variant, status: p.status }]);
    rows += page.predictions.length;
    // A cursor that does not advance would page forever.
    assert.ok(rows <= atMost, `the listing returned ${rows} rows, more than the ${atMost} requests sent (page token ${pageToken} → ${page.nextPageToken})`);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return byId;
}

/** A GET on a connection of its own: the cluster hands each new connection to the next worker. */
const freshGet = (url: string) =>
  new Promise<number>((resolve, reject) => get(url, { agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode!))).on('error', reject));

/** In cluster mode each worker learns of a new deployment at its next refresh: wait until a run of connections all find it. */
async function untilServedEverywhere(url: string): Promise<void> {
  for (let ok = 0, tries = 0; ok < 16; tries++) {
    assert.ok(tries < 400, 'the deployment never reached every worker');
    ok = (await freshGet(`${url}/deployments/${DEPLOYMENT}/ping`)) === 200 ? ok + 1 : 0;
    if (ok === 0) await new Promise((r) => setTimeout(r, 100));
  }
}

for (const dialect of DIALECTS) {
  for (const workers of [1, 2]) {
    describe(`prediction log durability across kill -9 (${dialect}, ${workers === 1 ? 'one process' : `cluster of ${workers} workers`})`, () => {
      test(`${CLIENTS} clients, SIGKILL mid-load, restart: every answered request is logged exactly once`, { timeout: 240_000 }, async (t) => {
        const db = await createTestDatabase(dialect);
        let server: ServerProcess | undefined;
        try {
          server = await startServer(db.dataDir, db.url, ['--workers', String(workers)], { listeners: workers });
          await registerChurnModels(server.url);
          const created = await fetch(`${server.url}/api/v1/deployments`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              name: DEPLOYMENT,
              config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 90 }, { name: 'b', model: { name: 'churn', version: '2' }, role: 'primary', weight: 10 }] },
            }),
          });
          assert.equal(created.status, 201, await created.text());
          await untilServedEverywhere(server.url);

          const load = await loadThenKill(server);
          assert.equal(server.child.signalCode, 'SIGKILL');
          assert.deepEqual(load.errors, [], 'no request failed before the kill');
          assert.ok(load.answered.size >= 100, `only ${load.answered.size} answered before the kill`);

          server = await startServer(db.dataDir, db.url);
          const log = await readLog(server.url, load.sent.size + 1);

          const missing = [...load.answered.keys()].filter((id) => !log.has(id));
          assert.deepEqual(missing.slice(0, 20), [], `${missing.length} answered predictions are not in the log`);
          const duplicated = [...log].filter(([, entries]) => entries.length !== 1).map(([id, e]) => `${id}×${e.length}`);
          assert.deepEqual(duplicated.slice(0, 20), [], `${duplicated.length} inference ids are logged more than once`);
          for (const [id, variant] of load.answered) {
            const [entry] = log.get(id)!;
            assert.equal(entry!.variant, variant, `${id}: logged variant`);
            assert.equal(entry!.status, 0, `${id}: logged as answered`);
          }
          const invented = [...log.keys()].filter((id) => !load.sent.has(id));
          assert.deepEqual(invented, [], 'the log holds only requests that were sent');

          // The in-flight ones may or may not have been committed before the kill; both are allowed.
          const unanswered = [...load.sent].filter((id) => !load.answered.has(id));
          const unansweredLogged = unanswered.filter((id) => log.has(id)).length;
          const byVariant = [...load.answered.values()].reduce<Record<string, number>>((m, v) => ({ ...m, [v]: (m[v] ?? 0) + 1 }), {});
          t.diagnostic(
            `${dialect}, workers ${workers}: sent ${load.sent.size}, answered ${load.answered.size} (${JSON.stringify(byVariant)}), all logged once; ` +
              `in flight at the kill ${load.inFlightAtKill.size}, unanswered ${unanswered.length} of which logged ${unansweredLogged}`,
          );

          // The restarted server still serves, and logs, the deployment.
          const after = await fetch(`${server.url}/deployments/${DEPLOYMENT}/invocations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-flywheel-inference-id': 'after-restart' },
            body: JSON.stringify({ instances: [Array.from({ length: 10 }, () => 0.5)] }),
          });
          assert.equal(after.status, 200, await after.text());
          const one = await fetch(`${server.url}/api/v1/predictions/after-restart`);
          assert.equal(one.status, 200, await one.text());
        } finally {
          await server?.stop();
          await db.drop();
        }
      });
    });
  }
}
