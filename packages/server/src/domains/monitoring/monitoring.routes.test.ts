import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createActualsApp } from './test-support/actuals-app.js';

for (const dialect of DIALECTS) {
  describe(`actuals API (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createActualsApp>>;
    const T = 1_763_000_000_000;
    const post = (payload: unknown, opts: { csv?: boolean; query?: string } = {}) =>
      f.app.inject({ method: 'POST', url: `/api/v1/actuals${opts.query ?? ''}`, headers: { 'content-type': opts.csv ? 'text/csv' : 'application/json' }, payload: payload as string });
    const errorOf = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error;
    before(async () => {
      f = await createActualsApp(dialect);
      await f.logPredictions(Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, variant: i < 6 ? 'a' : 'b', ts: T + i })));
    });
    after(async () => {
      await f?.dispose();
    });

    test('POST JSON: counts; GET one actual', async () => {
      const res = await post({ actuals: [{ inferenceId: 'r0', value: 1 }, { inferenceId: 'r1', value: 0, timestamp: '2026-11-20T10:00:00Z' }, { inferenceId: 'x', value: 'cat' }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { received: 3, inserted: 3, duplicates: 0, corrected: 0, matched: 2, unmatched: 1 });
      const again = await post({ actuals: [{ inferenceId: 'r0', value: 1 }, { inferenceId: 'r1', value: 1 }] });
      assert.deepEqual(again.json(), { received: 2, inserted: 0, duplicates: 1, corrected: 1, matched: 2, unmatched: 0 });
      const one = await f.app.inject({ method: 'GET', url: '/api/v1/actuals/r1' });
      assert.equal(one.statusCode, 200, one.body);
      const a = one.json();
      assert.deepEqual([a.value, a.revision, a.timestamp, a.matched, a.history[0].value], [1, 2, Date.parse('2026-11-20T10:00:00Z'), true, 0]);
      const missing = await f.app.inject({ method: 'GET', url: '/api/v1/actuals/nope' });
      assert.equal(missing.statusCode, 404);
      assert.equal(errorOf(missing.body).code, 'NOT_FOUND');
    });

    test('a bad item rejects the whole batch with a 400 naming its index and field; nothing is written', async () => {
      const before = await f.repo.count();
      const items = Array.from({ length: 20 }, (_, i) => ({ inferenceId: `bad-batch-${i}`, value: 1 }));
      const cases: [unknown, RegExp][] = [
        [{ actuals: items.map((it, i) => (i === 12 ? { ...it, inferenceId: 7 } : it)) }, /^actuals\[12\]\.inferenceId must be a string; got number/],
        [{ actuals: items.map((it, i) => (i === 3 ? { value: 1 } : it)) }, /^actuals\[3\]\.inferenceId is required/],
        [{ actuals: items.map((it, i) => (i === 19 ? { ...it, value: null } : it)) }, /^actuals\[19\]\.value must be a string, a number, a boolean or an array/],
        [{ actuals: items.map((it, i) => (i === 5 ? { ...it, value: [1, [2]] } : it)) }, /^actuals\[5\]\.value\[1\] must be .* got a nested array/],
        [{ actuals: items.map((it, i) => (i === 6 ? { ...it, value: '' } : it)) }, /^actuals\[6\]\.value is empty/],
        [{ actuals: items.map((it, i) => (i === 7 ? { ...it, timestamp: 1.5 } : it)) }, /^actuals\[7\]\.timestamp must be an integer of ms since epoch/],
        [{ actuals: items.map((it, i) => (i === 8 ? { ...it, timestamp: 'yesterday' } : it)) }, /^actuals\[8\]\.timestamp must be ms since epoch or an ISO-8601/],
        [{ actuals: items.map((it, i) => (i === 9 ? { ...it, label: 1 } : it)) }, /^actuals\[9\]\.label is not a known field/],
        [{ actuals: items.map((it, i) => (i === 10 ? { ...it, inferenceId: 'x'.repeat(257) } : it)) }, /^actuals\[10\]\.inferenceId is longer than 256/],
        [{ actuals: [] }, /^actuals is empty/],
        [{ actuals: 'r0' }, /^actuals must be an array/],
        [{}, /^actuals is required/],
        [{ actuals: items, extra: 1 }, /^body\.extra is not a known field/],
        [{ actuals: Array.from({ length: 10_001 }, (_, i) => ({ inferenceId: `big-${i}`, value: 1 })) }, /^actuals has 10001 actuals; at most 10000 per request/],
      ];
      for (const [payload, message] of cases) {
        const res = await post(payload);
        assert.equal(res.statusCode, 400, `${String(message)}: ${res.body}`);
        const e = errorOf(res.body);
        assert.equal(e.code, 'INVALID_INPUT');
        assert.match(e.message, message);
      }
      const wrongType = await f.app.inject({ method: 'POST', url: '/api/v1/actuals', headers: { 'content-type': 'text/plain' }, payload: 'r0,1' });
      assert.equal(wrongType.statusCode, 400);
      assert.match(errorOf(wrongType.body).message, /content-type 'text\/plain'/);
      assert.equal(await f.repo.count(), before);
    });

    test('POST text/csv: header in any order, quoted vectors, ISO or ms timestamps, deployment from the query', async () => {
      const csv = 'value,inference_id,timestamp\n1,r2,1763000000123\n"[0.5, 1]",r3,2026-11-21T00:00:00Z\nspam,csv-orphan,\n\n';
      const res = await post(csv, { csv: true, query: '?deployment=churn' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { received: 3, inserted: 3, duplicates: 0, corrected: 0, matched: 2, unmatched: 1 });
      const r3 = (await f.app.inject({ method: 'GET', url: '/api/v1/actuals/r3' })).json();
      assert.deepEqual([r3.value, r3.timestamp, r3.deployment], [[0.5, 1], Date.parse('2026-11-21T00:00:00Z'), 'churn']);
      const r2 = (await f.app.inject({ method: 'GET', url: '/api/v1/actuals/r2' })).json();
      assert.deepEqual([r2.value, r2.timestamp], [1, 1763000000123]);
      // The same rows as JSON are duplicates: a CSV `1` and a JSON 1 are the same actual.
      const again = await post({ actuals: [{ inferenceId: 'r2', value: 1 }, { inferenceId: 'csv-orphan', value: 'spam' }] });
      assert.deepEqual(again.json(), { received: 2, inserted: 0, duplicates: 2, corrected: 0, matched: 1, unmatched: 1 });
    });

    test('CSV errors name the item and the CSV line; nothing is written', async () => {
      const before = await f.repo.count();
      const cases: [string, RegExp][] = [
        ['inference_id,value\nok-1,1\nok-2,\n', /^actuals\[1\]\.value is empty \(CSV line 3\)/],
        ['inference_id,value,timestamp\nok-1,1,soon\n', /^actuals\[0\]\.timestamp must be ms since epoch or an ISO-8601.* \(CSV line 2\)/],
        ['inference_id,value\nok-1,"[1,"\n', /^actuals\[0\]\.value starts with '\[' but is not a JSON array \(CSV line 2\)/],
        ['inference_id,label\nok-1,1\n', /^CSV header: unknown column 'label'/],
        ['inference_id\nok-1\n', /^CSV header must name inference_id and value/],
        ['inference_id,value\nok-1,1,extra\n', /^actuals\[0\] has 3 fields; the header has 2 \(CSV line 2\)/],
        ['inference_id,value\nok-1,"[1,2]\n', /^Invalid CSV: a quoted field opened on line 2 is never closed/],
        ['inference_id,value\n', /^CSV is empty: send at least one actual/],
        ['', /^CSV is empty: expected a header/],
      ];
      for (const [csv, message] of cases) {
        const res = await post(csv, { csv: true });
        assert.equal(res.statusCode, 400, `${csv}: ${res.body}`);
        assert.match(errorOf(res.body).message, message);
      }
      assert.equal(await f.repo.count(), before);
    });

    test('GET summary: the window, per variant, and validation of the query', async () => {
      const res = await f.app.inject({ method: 'GET', url: `/api/v1/deployments/churn/actuals/summary?since=${T}&until=${T + 10}` });
      assert.equal(res.statusCode, 200, res.body);
      const s = res.json();
      // r0..r3 have actuals (r0, r1 from JSON; r2, r3 from CSV); a = r0..r5, b = r6..r9.
      assert.deepEqual([s.predictions, s.withActuals, s.matchRate], [10, 4, 0.4]);
      assert.deepEqual(s.variants, [{ variant: 'a', predictions: 6, withActuals: 4, matchRate: 4 / 6 }, { variant: 'b', predictions: 4, withActuals: 0, matchRate: 0 }]);
      for (const [q, msg] of [['since=abc', /querystring\.since must be integer/], ['until=-1', /querystring\.until must be >= 0/], [`since=${T + 5}&until=${T}`, /since .* is after until/]] as const) {
        const bad = await f.app.inject({ method: 'GET', url: `/api/v1/deployments/churn/actuals/summary?${q}` });
        assert.equal(bad.statusCode, 400, bad.body);
        assert.match(errorOf(bad.body).message, msg);
      }
    });
  });
}
