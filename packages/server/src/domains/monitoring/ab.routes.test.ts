import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { meanSample, welch, wilson } from './ab-analysis.js';
import { createAbApp } from './test-support/ab-app.js';

interface AbBody {
  kind: string;
  source: string;
  direction: string;
  baseline: string | null;
  variants: { variant: string; n: number; estimate: number | null; ci: [number, number] | null; skipped: number }[];
  comparisons: { baseline: string; challenger: string; difference: number | null; ci: [number, number] | null; pValue: number | null; verdict: string; better?: string; needed?: { baseline: number; challenger: number }; message: string }[];
  message: string;
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const dialect of DIALECTS) {
  describe(`A/B analysis and feedback API (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createAbApp>>;
    let T: number;
    const errorOf = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error;
    const postFeedback = (payload: unknown) => f.app.inject({ method: 'POST', url: '/api/v1/feedback', payload: payload as object });
    const ab = async (deployment: string, query: string) => {
      const res = await f.app.inject({ method: 'GET', url: `/api/v1/deployments/${deployment}/ab?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<AbBody>();
    };
    const variant = (b: AbBody, v: string) => b.variants.find((x) => x.variant === v)!;

    before(async () => {
      f = await createAbApp(dialect);
      T = f.clock.now() - 1_000_000;
      // churn: 200 predictions per variant on binary labels (i % 2); stable is right 7 times in 10, canary 9 in 10.
      const specs = [];
      const labels = [];
      for (const [v, right] of [['stable', 7], ['canary', 9]] as const) {
        for (let i = 0; i < 200; i++) {
          const actual = i % 2;
          const correct = i % 10 < right;
          specs.push({ id: `${v}-${i}`, variant: v, ts: T + i, p: correct === (actual === 1) ? 0.8 : 0.3 });
          labels.push({ inferenceId: `${v}-${i}`, value: actual });
        }
      }
      await f.logPredictions(specs);
      await f.actuals.ingest(labels);
    });
    after(async () => {
      await f?.dispose();
    });

    test('accuracy: a clear difference is significant and names the better variant; figures are the Wilson/Newcombe ones', async () => {
      const b = await ab('churn', 'metric=accuracy&baseline=stable');
      assert.deepEqual([b.kind, b.source, b.direction, b.baseline], ['proportion', 'actuals', 'higher', 'stable']);
      assert.deepEqual(b.variants.map((v) => [v.variant, v.n, v.estimate, v.skipped]), [['canary', 200, 0.9, 0], ['stable', 200, 0.7, 0]]);
      assert.deepEqual(variant(b, 'stable').ci, wilson(140, 200));
      const [c] = b.comparisons;
      assert.equal(b.comparisons.length, 1);
      assert.deepEqual([c!.baseline, c!.challenger, c!.verdict, c!.better], ['stable', 'canary', 'significant', 'canary']);
      close(c!.difference!, 0.2, 'difference');
      assert.ok(c!.ci![0] > 0 && c!.ci![1] < 0.3, `ci ${String(c!.ci)}`);
      assert.ok(c!.pValue! < 1e-5, `p ${c!.pValue}`);
      assert.match(b.message, /^canary is better than stable/);
      // error_rate: lower is better, the same winner.
      const e = await ab('churn', 'metric=error_rate&baseline=stable');
      assert.equal(e.direction, 'lower');
      close(e.comparisons[0]!.difference!, -0.2, 'error difference');
      assert.equal(e.comparisons[0]!.better, 'canary');
      // Default baseline: the variant with the most samples (a tie here: the first by name).
      assert.equal((await ab('churn', 'metric=accuracy')).baseline, 'canary');
    });

    test('tiny samples: not_enough_data, saying how many more each variant needs', async () => {
      const b = await ab('churn', `metric=accuracy&baseline=stable&since=${T}&until=${T + 30}`);
      assert.deepEqual(b.variants.map((v) => v.n), [30, 30]);
      const c = b.comparisons[0]!;
      assert.deepEqual([c.verdict, c.pValue, c.difference, c.needed], ['not_enough_data', null, null, { baseline: 70, challenger: 70 }]);
      assert.match(c.message, /^Not enough data yet: each variant needs at least 100 samples; stable \(baseline\) has 30, needs 70 more; canary has 30, needs 70 more/);
      // The same window with a lower bar gets a verdict.
      assert.notEqual((await ab('churn', `metric=accuracy&baseline=stable&since=${T}&until=${T + 30}&minSamples=20`)).comparisons[0]!.verdict, 'not_enough_data');
      const none = await ab('nobody', 'metric=accuracy');
      assert.deepEqual([none.variants, none.comparisons, none.baseline], [[], [], null]);
      assert.match(none.message, /^No data: deployment 'nobody' has no predictions with actuals/);
    });

    test('feedback: batch ingest is idempotent per (inferenceId, name), corrections counted, bad batches rejected whole', async () => {
      const first = await postFeedback({ events: [{ inferenceId: 'stable-0', name: 'probe', value: 1 }, { inferenceId: 'stable-1', name: 'probe', value: 2.5, timestamp: '2026-11-20T10:00:00Z' }] });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json(), { received: 2, inserted: 2, duplicates: 0, corrected: 0 });
      const again = await postFeedback({ events: [{ inferenceId: 'stable-0', name: 'probe', value: 1 }, { inferenceId: 'stable-1', name: 'probe', value: 3 }, { inferenceId: 'stable-1', name: 'probe2', value: 3 }] });
      assert.deepEqual(again.json(), { received: 3, inserted: 1, duplicates: 1, corrected: 1 });
      assert.deepEqual([...(await f.feedbackRepo.values('probe', ['stable-0', 'stable-1'])).entries()], [['stable-0', 1], ['stable-1', 3]]);
      const count = await f.feedbackRepo.count();
      const good = Array.from({ length: 5 }, (_, i) => ({ inferenceId: `bad-${i}`, name: 'probe', value: i }));
      const cases: [unknown, RegExp][] = [
        [{ events: good.map((e, i) => (i === 3 ? { ...e, value: 'x' } : e)) }, /^events\[3\]\.value must be a finite number; got string/],
        [{ events: good.map((e, i) => (i === 2 ? { ...e, inferenceId: 5 } : e)) }, /^events\[2\]\.inferenceId must be a string; got number/],
        [{ events: good.map((e, i) => (i === 1 ? { inferenceId: 'x', value: 1 } : e)) }, /^events\[1\]\.name is required/],
        [{ events: good.map((e, i) => (i === 4 ? { ...e, name: 'accuracy' } : e)) }, /^events\[4\]\.name 'accuracy' is reserved/],
        [{ events: good.map((e, i) => (i === 4 ? { ...e, name: 'has space' } : e)) }, /^events\[4\]\.name must start with a letter/],
        [{ events: good.map((e, i) => (i === 0 ? { ...e, timestamp: 'soon' } : e)) }, /^events\[0\]\.timestamp must be ms since epoch or an ISO-8601/],
        [{ events: good.map((e, i) => (i === 0 ? { ...e, extra: 1 } : e)) }, /^events\[0\]\.extra is not a known field/],
        [{ events: [] }, /^events is empty/],
        [{}, /^events is required/],
        [{ events: Array.from({ length: 10_001 }, (_, i) => ({ inferenceId: `big-${i}`, name: 'probe', value: 1 })) }, /^events has 10001 events; at most 10000/],
      ];
      for (const [payload, message] of cases) {
        const res = await postFeedback(payload);
        assert.equal(res.statusCode, 400, `${String(message)}: ${res.body}`);
        assert.equal(errorOf(res.body).code, 'INVALID_INPUT');
        assert.match(errorOf(res.body).message, message);
      }
      assert.equal(await f.feedbackRepo.count(), count);
    });

    test('revenue (a mean): equal variants are not significant; a clear lift is, naming the better one (Welch figures)', async () => {
      const base = Array.from({ length: 150 }, (_, i) => ((i * 37) % 101) / 10);
      const events = (name: string, lift: number) => [
        ...base.map((value, i) => ({ inferenceId: `stable-${i}`, name, value })),
        // The same multiset in another order (plus the lift) for the canary.
        ...base.map((_, i) => ({ inferenceId: `canary-${i}`, name, value: base[(i * 7) % 150]! + lift })),
      ];
      assert.equal((await postFeedback({ events: [...events('revenue', 0), ...events('revenue_b', 0.8)] })).statusCode, 200);
      const same = await ab('churn', 'metric=revenue&baseline=stable');
      assert.deepEqual([same.kind, same.source, same.variants.map((v) => [v.n, v.skipped])], ['mean', 'feedback', [[150, 50], [150, 50]]]);
      assert.equal(same.comparisons[0]!.verdict, 'not_significant');
      assert.ok(same.comparisons[0]!.pValue! > 0.9);
      assert.match(same.comparisons[0]!.message, /^No significant difference between canary and stable/);
      const lift = await ab('churn', 'metric=revenue_b&baseline=stable');
      const c = lift.comparisons[0]!;
      const w = welch(meanSample(base), meanSample(base.map((x) => x + 0.8)));
      close(c.difference!, 0.8, 'lift');
      close(c.pValue!, w.pValue, 'p');
      assert.deepEqual([c.verdict, c.better], ['significant', 'canary']);
      close(c.ci![0], w.ci[0], 'ci low');
      // Lower is better when asked: the same lift makes the baseline the better one.
      assert.equal((await ab('churn', 'metric=revenue_b&baseline=stable&direction=lower')).comparisons[0]!.better, 'stable');
    });

    test('conversion (0/1 events only for clicks): missing=zero counts the exposures; exclude leaves too few', async () => {
      const clicks = [
        ...Array.from({ length: 30 }, (_, i) => ({ inferenceId: `stable-${i * 5}`, name: 'click', value: 1 })),
        ...Array.from({ length: 70 }, (_, i) => ({ inferenceId: `canary-${i * 2}`, name: 'click', value: 1 })),
      ];
      assert.equal((await postFeedback({ events: clicks })).statusCode, 200);
      const b = await ab('churn', 'metric=click&baseline=stable&missing=zero');
      assert.equal(b.kind, 'proportion');
      assert.deepEqual(b.variants.map((v) => [v.variant, v.n, v.estimate]), [['canary', 200, 0.35], ['stable', 200, 0.15]]);
      assert.deepEqual([b.comparisons[0]!.verdict, b.comparisons[0]!.better], ['significant', 'canary']);
      const excluded = await ab('churn', 'metric=click&baseline=stable');
      assert.equal(excluded.comparisons[0]!.verdict, 'not_enough_data');
      assert.deepEqual(excluded.comparisons[0]!.needed, { baseline: 70, challenger: 30 });
    });

    test('mae on a regression deployment: absolute errors, lower is better', async () => {
      const specs = [];
      const labels = [];
      for (const [v, noise] of [['a', 1], ['b', 3]] as const) {
        for (let i = 0; i < 120; i++) {
          const truth = 10 + (i % 13);
          const err = noise * (((i * 17) % 11) / 10 - 0.5);
          specs.push({ id: `price-${v}-${i}`, deployment: 'price', variant: v, ts: T + i, output: { type: 'float64', shape: [1], data: [truth + err] } });
          labels.push({ inferenceId: `price-${v}-${i}`, value: truth });
        }
      }
      await f.logPredictions(specs);
      await f.actuals.ingest(labels);
      const b = await ab('price', 'metric=mae&baseline=a');
      assert.deepEqual([b.kind, b.direction], ['mean', 'lower']);
      const expected = (noise: number) => meanSample(Array.from({ length: 120 }, (_, i) => Math.abs(noise * (((i * 17) % 11) / 10 - 0.5))));
      close(variant(b, 'a').estimate!, expected(1).mean, 'mae a');
      assert.deepEqual([b.comparisons[0]!.verdict, b.comparisons[0]!.better], ['significant', 'a']);
    });

    test('bad queries: 400 naming the parameter', async () => {
      const cases: [string, RegExp][] = [
        ['metric=accuracy&alpha=2', /alpha/],
        ['metric=accuracy&minSamples=1', /minSamples/],
        ['metric=has%20space', /^querystring\.metric must start with a letter/],
        ['alpha=0.1', /metric/],
        [`metric=accuracy&since=${T + 10}&until=${T}`, /^since \(\d+\) is after until/],
        ['metric=accuracy&missing=maybe', /missing/],
      ];
      for (const [query, message] of cases) {
        const res = await f.app.inject({ method: 'GET', url: `/api/v1/deployments/churn/ab?${query}` });
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
        assert.match(errorOf(res.body).message, message);
      }
    });
  });
}
