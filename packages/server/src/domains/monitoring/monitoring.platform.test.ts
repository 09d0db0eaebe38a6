import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { logisticJs, logisticModel } from '../serving/test-support/serving-models.js';
import { seededRandom } from '../../lib/seeded-random.js';

// Issue 5's "Done when", end to end through the platform as `flywheel server` wires it: model
// registered and deployed over HTTP, traffic through the inference API, late actuals, a monitor
// whose reference is the deployment's own first window, the platform's own alert scheduler firing
// a signed webhook to a real HTTP receiver, and a reviewer's label becoming an actual.

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;


const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);
/** Version 2's weights: a different model, so the variants' quality differs. */
const W2 = Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.3 : -0.2));
const B2 = 0.1;
const score = (row: number[], variant: string) => (variant === 'b' ? logisticJs(row, W2, B2) : logisticJs(row));
/** Ground truth: depends on f1 and the group f9, not on the model, so both variants make mistakes. */
const truth = (row: number[]) => (row[1]! + (row[9] === 1 ? 0.5 : 0) > 0 ? 1 : 0);

interface Sent {
  id: string;
  variant: string;
  rows: number[][];
}

/** A receiver that verifies as ALERTS.md tells one to: raw body, HMAC over "<ts>.<body>", constant-time compare, 5 min tolerance, dedup on delivery id. */
async function startVerifyingReceiver(secretOf: () => string) {
  const got: { headers: IncomingHttpHeaders; body: string; verified: boolean; duplicate: boolean }[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ts = String(req.headers['x-flywheel-timestamp'] ?? '');
      const sig = Buffer.from(String(req.headers['x-flywheel-signature'] ?? ''));
      const want = Buffer.from(`sha256=${createHmac('sha256', secretOf()).update(Buffer.concat([Buffer.from(`${ts}.`), body])).digest('hex')}`);
      const fresh = /^\d+$/.test(ts) && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      const verified = fresh && sig.length === want.length && timingSafeEqual(sig, want);
      const delivery = String(req.headers['x-flywheel-delivery'] ?? '');
      const duplicate = seen.has(delivery);
      seen.add(delivery);
      got.push({ headers: req.headers, body: body.toString('utf8'), verified, duplicate });
      res.writeHead(verified ? 200 : 401, { 'content-type': 'text/plain' }).end(verified ? 'ok' : 'bad signature');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/flywheel`, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const dialect of DIALECTS) {
  describe(`monitoring end to end on the server's wiring (${dialect})`, () => {
    let platform: TestPlatform;
    let receiver: Awaited<ReturnType<typeof startVerifyingReceiver>>;
    let secret = '';
    const rand = seededRandom(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    /** 9 normal features and a 0/1 group f9 (the sensitive attribute); `shift` moves f0 only. */
    const makeRow = (shift = 0) => [...Array.from({ length: 9 }, (_, i) => normal() + (i === 0 ? shift : 0)), rand() < 0.5 ? 0 : 1];
    let seq = 0;

    const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers?: Record<string, string>) => {
      const res = await platform.app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as string }) });
      assert.ok(res.statusCode < 500, `${method} ${url} → ${res.statusCode}: ${res.body.slice(0, 400)}`);
      let body: Json = {};
      try {
        body = res.body ? JSON.parse(res.body) : {};
      } catch {
        body = res.body;
      }
      return { status: res.statusCode, body, headers: res.headers };
    };
    const ok = (r: { status: number; body: Json }, status = 200): Json => {
      assert.equal(r.status, status, JSON.stringify(r.body).slice(0, 400));
      return r.body;
    };

    /** `requests` OIP requests of `rowsPer` rows through the deployment, with our own inference ids. */
    const send = async (requests: number, rowsPer: number, shift = 0): Promise<Sent[]> => {
      const out: Sent[] = [];
      for (let r = 0; r < requests; r++) {
        const rows = Array.from({ length: rowsPer }, () => makeRow(shift));
        const id = `inf-${dialect}-${seq++}`;
        const res = await call('POST', '/v2/models/churn-live/infer', { id, inputs: [{ name: 'x', shape: [rowsPer, 10], datatype: 'FP32', data: rows }] });
        ok(res);
        assert.equal(res.body.id, id);
        out.push({ id, variant: String(res.headers['x-flywheel-variant']), rows: rows.map((row) => row.map((v) => Math.fround(v))) });
      }
      return out;
    };
    /** Runs `fn` inside a [since, until) window of its own (ms), apart from the windows around it. */
    const window = async <T>(fn: () => Promise<T>) => {
      const since = Date.now();
      await sleep(5);
      const value = await fn();
      await sleep(5);
      const until = Date.now();
      await sleep(5);
      return { since, until, value };
    };

    before(async () => {
      platform = await createTestPlatform(dialect, { config: { alertIntervalMs: 200 } });
      receiver = await startVerifyingReceiver(() => secret);
    });
    after(async () => {
      await platform?.dispose();
      await receiver?.close();
    });

    test('traffic → late actuals → monitor → drift alert on a signed webhook → labeling', async () => {
      const t0 = Date.now();
      // 1. Register two ONNX versions the way an MLflow client does, and deploy them 90 / 10.
      const exp = ok(await call('POST', '/api/2.0/mlflow/experiments/create', { name: 'churn' })).experiment_id as string;
      ok(await call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'churn' }));
      for (const [w, b] of [[undefined, undefined], [W2, B2]] as const) {
        const run = ok(await call('POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp, start_time: Date.now() })).run.info;
        const path = (run.artifact_uri as string).replace(/^mlflow-artifacts:\//, '');
        ok(await call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}/model/model.onnx`, Buffer.from(logisticModel(w, b)), { 'content-type': 'application/octet-stream' }));
        ok(await call('POST', '/api/2.0/mlflow/model-versions/create', { name: 'churn', source: `${run.artifact_uri}/model`, run_id: run.run_id }));
      }
      ok(await call('POST', '/api/v1/deployments', {
        name: 'churn-live',
        config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 90 }, { name: 'b', model: { name: 'churn', version: '2' }, role: 'primary', weight: 10 }] },
      }), 201);

      // 2. A reference-like window, then one where f0 is shifted by 3 standard deviations.
      const ref = await window(() => send(150, 10));
      const cur = await window(() => send(150, 10, 3));
      const sent = [...ref.value, ...cur.value];
      const byVariant = (v: string) => cur.value.filter((s) => s.variant === v);
      assert.ok(byVariant('a').length > byVariant('b').length && byVariant('b').length > 0, `90/10 split: a ${byVariant('a').length}, b ${byVariant('b').length}`);

      // 3. Actuals arrive late, then the monitor (reference: the deployment's own first window) evaluates the drifted window.
      const posted = ok(await call('POST', '/api/v1/actuals', { actuals: sent.map((s) => ({ inferenceId: s.id, value: s.rows.map(truth), deployment: 'churn-live' })) }));
      assert.deepEqual([posted.received, posted.inserted, posted.matched], [300, 300, 300]);
      const monitor = ok(await call('POST', '/api/v1/monitors', {
        deployment: 'churn-live', name: 'churn drift', reference: { since: ref.since, until: ref.until }, window: '1h',
        inputs: { x: FEATURES }, score: { output: 'p' }, positiveLabel: 1, sensitive: 'f9',
      }), 201);
      const ev = ok(await call('POST', `/api/v1/monitors/${monitor.id}/evaluate`, { since: cur.since, until: cur.until }));
      assert.equal(ev.overall.current_rows, 1500);
      assert.equal(ev.overall.model_quality.estimated, false, 'measured from the actuals, not estimated');

      const metrics = async (q: string) => ok(await call('GET', `/api/v1/monitors/${monitor.id}/metrics?since=${t0}&${q}`)).points as Json[];
      for (const variant of ['a', 'b']) {
        const rows = byVariant(variant).flatMap((s) => s.rows);
        const correct = rows.filter((r) => (score(r, variant) >= 0.5 ? 1 : 0) === truth(r)).length;
        const points = await metrics(`metric=accuracy&variant=${variant}`);
        assert.equal(points.length, 1, JSON.stringify(points));
        assert.ok(Math.abs(points[0].value - correct / rows.length) < 1e-12, `${variant}: ${points[0].value} vs ${correct}/${rows.length}`);
        assert.equal(points[0].sampleSize, rows.length);
        assert.equal(points[0].estimated, false);
      }
      // The A/B analysis of the same window counts the same answers, and compares b with a.
      const ab = ok(await call('GET', `/api/v1/deployments/churn-live/ab?metric=accuracy&baseline=a&since=${cur.since}&until=${cur.until}&minSamples=50`));
      for (const variant of ['a', 'b']) {
        const rows = byVariant(variant).flatMap((s) => s.rows);
        const correct = rows.filter((r) => (score(r, variant) >= 0.5 ? 1 : 0) === truth(r)).length;
        const est = (ab.variants as Json[]).find((v) => v.variant === variant);
        assert.equal(est.n, rows.length);
        assert.ok(Math.abs(est.estimate - correct / rows.length) < 1e-12);
      }
      assert.equal(ab.comparisons.length, 1);
      assert.equal(ab.comparisons[0].challenger, 'b');
      assert.ok(['significant', 'not_significant'].includes(ab.comparisons[0].verdict), JSON.stringify(ab.comparisons[0]));
      // Fairness over the sensitive input f9: the true positive rate per group, counted here.
      const all = cur.value.flatMap((s) => s.rows.map((r) => ({ r, v: s.variant })));
      for (const g of [0, 1]) {
        const pos = all.filter(({ r }) => r[9] === g && truth(r) === 1);
        const tpr = pos.filter(({ r, v }) => score(r, v) >= 0.5).length / pos.length;
        const p = (await metrics('metric=true_positive_rate&variant=null')).filter((x) => x.group === String(g));
        assert.equal(p.length, 1, JSON.stringify(p));
        assert.ok(Math.abs(p[0].value - tpr) < 1e-12, `group ${g}: ${p[0].value} vs ${tpr}`);
      }
      const drift = await metrics('metric=drift_detected&variant=null');
      const featureDrift = Object.fromEntries(drift.filter((p) => FEATURES.includes(p.column)).map((p) => [p.column, p.value]));
      assert.deepEqual(featureDrift, Object.fromEntries(FEATURES.map((f) => [f, f === 'f0' ? 1 : 0])), 'drift on the shifted feature only');

      // 4. A webhook at a real receiver and a rule on f0's drift: the platform's own scheduler fires and delivers.
      const wh = ok(await call('POST', '/api/v1/webhooks', { name: 'ops', url: receiver.url }), 201);
      secret = wh.secret as string;
      const rule = ok(await call('POST', '/api/v1/alerts', {
        name: 'f0-drift', deployment: 'churn-live', monitorId: monitor.id, metric: 'drift_detected', column: 'f0', variant: null, group: null,
        condition: { op: '>=', threshold: 1 }, window: { points: 1 }, minSampleSize: 1000, severity: 'critical', notify: [wh.id],
      }), 201);
      // The same rule on a feature that did not move must stay quiet: the firing is the data's doing.
      const control = ok(await call('POST', '/api/v1/alerts', {
        name: 'f1-drift', deployment: 'churn-live', monitorId: monitor.id, metric: 'drift_detected', column: 'f1', variant: null, group: null,
        condition: { op: '>=', threshold: 1 }, window: { points: 1 }, notify: [wh.id],
      }), 201);
      const deadline = Date.now() + 20_000;
      let events: Json[] = [];
      while (Date.now() < deadline) {
        events = ok(await call('GET', '/api/v1/alerts/f0-drift/events')).events;
        // Both rules evaluated: the control rule may have been created just after a scheduler tick.
        const controlEvaluated = ok(await call('GET', `/api/v1/alerts/${control.name}`)).lastEvaluatedAt !== null;
        if (controlEvaluated && receiver.got.some((d) => d.verified) && events.some((e) => e.type === 'notified')) break;
        await sleep(100);
      }
      const delivered = receiver.got.filter((d) => d.verified);
      assert.equal(delivered.length, 1, JSON.stringify(receiver.got.map((d) => ({ verified: d.verified, body: d.body.slice(0, 200) }))));
      assert.ok(receiver.got.every((d) => d.verified && !d.duplicate), 'every request was correctly signed and sent once');
      const payload = JSON.parse(delivered[0]!.body) as Json;
      assert.equal(delivered[0]!.headers['x-flywheel-event'], 'alert.fired');
      assert.equal(payload.type, 'alert.fired');
      assert.deepEqual([payload.rule.id, payload.rule.name, payload.rule.metric, payload.rule.column, payload.rule.severity], [rule.id, 'f0-drift', 'drift_detected', 'f0', 'critical']);
      assert.deepEqual([payload.event.type, payload.event.value], ['fired', 1]);
      assert.deepEqual(events.map((e) => e.type).sort(), ['fired', 'notified']);
      assert.equal(ok(await call('GET', '/api/v1/alerts/f0-drift')).state, 'firing');
      const history = ok(await call('GET', '/api/v1/alerts/history?limit=50')).events as Json[];
      assert.deepEqual(history.filter((e) => e.type === 'fired').map((e) => e.ruleId), [rule.id], 'the history shows the one firing, of that rule');
      const controlNow = ok(await call('GET', `/api/v1/alerts/${control.name}`));
      assert.ok(controlNow.lastEvaluatedAt !== null, 'the control rule was evaluated too');
      assert.equal(controlNow.state, 'ok');
      assert.deepEqual(ok(await call('GET', '/api/v1/alerts/f1-drift/events')).events, []);
      const deliveries = ok(await call('GET', '/api/v1/webhooks/ops/deliveries')).deliveries as Json[];
      assert.deepEqual(deliveries.map((d) => [d.status, d.history[0].statusCode]), [['delivered', 200]]);

      // 5. Labeling: the least confident predictions of fresh unlabeled traffic go to the queue; a review becomes an actual.
      const fresh = await window(() => send(40, 1));
      ok(await call('PUT', '/api/v1/labeling/churn-live/policy', { strategy: 'least_confident', share: 0.1, stratifyByVariant: true, scoreOutput: 'p' }));
      const sampled = ok(await call('POST', '/api/v1/labeling/churn-live/sample', { since: fresh.since, until: fresh.until }));
      const perVariant = (v: string) => fresh.value.filter((s) => s.variant === v).length;
      const expectedQueued = ['a', 'b'].reduce((n, v) => n + Math.ceil(0.1 * perVariant(v)), 0);
      assert.deepEqual([sampled.scanned, sampled.unscorable, sampled.queued], [40, 0, expectedQueued], JSON.stringify(sampled));
      const claimed = ok(await call('GET', '/api/v1/labeling/churn-live/next?reviewer=ada&count=1')).items as Json[];
      assert.equal(claimed.length, 1);
      const leastConfident = fresh.value.reduce((best, s) => (Math.abs(score(s.rows[0]!, s.variant) - 0.5) < Math.abs(score(best.rows[0]!, best.variant) - 0.5) ? s : best));
      const item = claimed[0]!;
      assert.equal(item.inferenceId, leastConfident.id, 'the least confident prediction comes first');
      assert.equal((await call('GET', `/api/v1/actuals/${leastConfident.id}`)).status, 404, 'no actual before the review');
      ok(await call('POST', `/api/v1/labeling/items/${item.id}/label`, { label: 1, reviewer: 'ada' }));
      const actual = ok(await call('GET', `/api/v1/actuals/${leastConfident.id}`));
      assert.deepEqual([actual.value, actual.deployment, actual.revision, actual.matched], [1, 'churn-live', 1, true]);
      const stats = ok(await call('GET', '/api/v1/labeling/churn-live/stats'));
      assert.equal(stats.labeled, 1, JSON.stringify(stats));
    });
  });
}
