import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import type { JoinedRow } from './actuals.service.js';
import { createActualsFixture } from './test-support/actuals-fixtures.js';

for (const dialect of DIALECTS) {
  describe(`actuals service (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createActualsFixture>>;
    before(async () => {
      f = await createActualsFixture(dialect);
    });
    after(async () => {
      await f?.dispose();
    });

    test('a batch is stored; ids with a logged prediction are matched, the others kept as unmatched', async () => {
      const t0 = f.clock.t;
      await f.logPredictions([{ id: 'i1', ts: t0 - 5000 }, { id: 'i2', ts: t0 - 4000 }, { id: 'failed', ts: t0 - 3000, status: 500 }]);
      const r = await f.service.ingest([
        { inferenceId: 'i1', value: 1 },
        { inferenceId: 'i2', value: 'spam', timestamp: t0 - 100 },
        { inferenceId: 'early', value: [0.5, 2], deployment: 'churn' },
        { inferenceId: 'failed', value: 0 },
      ]);
      assert.deepEqual(r, { received: 4, inserted: 4, duplicates: 0, corrected: 0, matched: 2, unmatched: 2 });
      const i2 = await f.service.get('i2');
      assert.deepEqual({ ...i2 }, { inferenceId: 'i2', deployment: null, value: 'spam', timestamp: t0 - 100, receivedAt: t0, updatedAt: t0, revision: 1, matched: true, history: [] });
      const early = await f.service.get('early');
      assert.deepEqual([early.value, early.timestamp, early.deployment, early.matched], [[0.5, 2], t0, 'churn', false]);
      // A failed request has no output to judge: its actual stays unmatched.
      assert.equal((await f.service.get('failed')).matched, false);
    });

    test('bulk writes: 3,000 new actuals and 3,000 corrections in one batch each; a correction whose revision moved is refused as a whole', async () => {
      const ids = Array.from({ length: 3000 }, (_, i) => `bulk-${i}`);
      assert.equal((await f.service.ingest(ids.map((id, i) => ({ inferenceId: id, value: i % 2 === 0 ? 'a' : ['x', i] })))).inserted, 3000);
      const r = await f.service.ingest(ids.map((id, i) => ({ inferenceId: id, value: i, deployment: 'churn', timestamp: 5 + i })));
      assert.equal(r.corrected, 3000);
      const last = await f.service.get('bulk-2999');
      assert.deepEqual([last.value, last.deployment, last.timestamp, last.revision, last.history.map((h) => h.value)], [2999, 'churn', 5 + 2999, 2, [['x', 2999]]]);
      const row = (await f.repo.getMany(['bulk-7', 'bulk-8']));
      const stale = [...row.values()].map((x) => ({ row: { ...x, value: '"late"', revision: x.revision + 1 }, previousRevision: x.revision }));
      stale[1]!.previousRevision = 1; // bulk-8 is at revision 2 now
      await assert.rejects(f.repo.transaction((repo) => repo.updateMany(stale)), /changed during the batch/);
      assert.equal((await f.service.get('bulk-7')).value, 7, 'nothing of the refused batch was written');
    });

    test('re-sending the same values changes nothing and counts duplicates', async () => {
      f.clock.t += 1000;
      const before = await f.service.get('i1');
      const r = await f.service.ingest([{ inferenceId: 'i1', value: 1.0 }, { inferenceId: 'i2', value: 'spam', timestamp: 1 }]);
      assert.deepEqual(r, { received: 2, inserted: 0, duplicates: 2, corrected: 0, matched: 2, unmatched: 0 });
      assert.deepEqual(await f.service.get('i1'), before);
      assert.equal((await f.service.get('i2')).timestamp, f.clock.t - 1000 - 100);
    });

    test('a different value for a known id is a correction: current value replaced, old one kept, revision counted', async () => {
      f.clock.t += 1000;
      const old = await f.service.get('i1');
      const r = await f.service.ingest([{ inferenceId: 'i1', value: 0 }]);
      assert.deepEqual(r, { received: 1, inserted: 0, duplicates: 0, corrected: 1, matched: 1, unmatched: 0 });
      const now = await f.service.get('i1');
      assert.equal(now.value, 0);
      assert.equal(now.revision, 2);
      assert.equal(now.timestamp, old.timestamp, 'without a new timestamp the outcome time stands');
      assert.equal(now.receivedAt, old.receivedAt);
      assert.equal(now.updatedAt, f.clock.t);
      assert.deepEqual(now.history, [{ revision: 1, value: 1, timestamp: old.timestamp, replacedAt: f.clock.t }]);

      f.clock.t += 1000;
      await f.service.ingest([{ inferenceId: 'i1', value: 1, timestamp: 42 }]);
      const third = await f.service.get('i1');
      assert.deepEqual([third.value, third.revision, third.timestamp, third.history.map((h) => h.value)], [1, 3, 42, [1, 0]]);
    });

    test('an id twice in one batch: applied in order (insert, then correction)', async () => {
      const r = await f.service.ingest([{ inferenceId: 'twice', value: 'a' }, { inferenceId: 'twice', value: 'b' }, { inferenceId: 'twice', value: 'b' }]);
      assert.deepEqual(r, { received: 3, inserted: 1, duplicates: 1, corrected: 1, matched: 0, unmatched: 3 });
      const a = await f.service.get('twice');
      assert.deepEqual([a.value, a.revision, a.history.map((h) => h.value)], ['b', 2, ['a']]);
    });

    test('an unmatched actual is matched once its prediction is logged (actual before prediction)', async () => {
      const t = f.clock.t;
      const before = await f.service.summary('late', { since: t - 10_000, until: t + 10_000 });
      assert.deepEqual([before.predictions, before.withActuals, before.unmatchedActuals], [0, 0, 0]);
      await f.service.ingest([{ inferenceId: 'late-1', value: 1, deployment: 'late' }]);
      const waiting = await f.service.summary('late', { since: t - 10_000, until: t + 10_000 });
      assert.deepEqual([waiting.predictions, waiting.withActuals, waiting.matchRate, waiting.unmatchedActuals], [0, 0, null, 1]);
      assert.equal((await f.service.get('late-1')).matched, false);

      await f.logPredictions([{ id: 'late-1', deployment: 'late', ts: t }, { id: 'late-2', deployment: 'late', ts: t }]);
      const s = await f.service.summary('late', { since: t - 10_000, until: t + 10_000 });
      assert.deepEqual([s.predictions, s.withActuals, s.matchRate, s.unmatchedActuals], [2, 1, 0.5, 0]);
      assert.equal((await f.service.get('late-1')).matched, true);
      const rows = await collect(f.service.joined('late', { since: t - 10_000, until: t + 10_000 }));
      assert.deepEqual(rows.map((r) => [r.inferenceId, r.actual?.value]), [['late-1', 1]]);
    });

    test('concurrent batches over the same new ids all succeed and agree', async () => {
      const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
      const results = await Promise.all([0, 1, 2].map(() => f.service.ingest(ids.map((id) => ({ inferenceId: id, value: 1 })))));
      assert.equal(results.reduce((n, r) => n + r.inserted, 0), 300);
      assert.equal(results.reduce((n, r) => n + r.duplicates, 0), 600);
      assert.equal((await f.service.get('c299')).revision, 1);
    });

    test('NOT_FOUND for an unknown inference id', async () => {
      await assert.rejects(f.service.get('nope'), { code: 'NOT_FOUND' });
    });
  });

  describe(`actuals summary and join (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createActualsFixture>>;
    const T = 1_763_000_000_000;
    before(async () => {
      f = await createActualsFixture(dialect);
      // 40 predictions over 40 s: variant a even, b odd; one failed request; one other deployment.
      const specs = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, variant: i % 2 === 0 ? 'a' : 'b', ts: T + i * 1000, p: i / 40, modelVersion: i % 2 === 0 ? '1' : '2' }));
      await f.logPredictions([...specs, { id: 'err', ts: T + 500, status: 503 }, { id: 'other', deployment: 'fraud', ts: T }]);
      // Actuals for p0..p19 (a: 10, b: 10) and p30..p39 except p35; and 3 orphans.
      const labeled = [...Array.from({ length: 20 }, (_, i) => i), 30, 31, 32, 33, 34, 36, 37, 38, 39];
      await f.service.ingest([
        ...labeled.map((i) => ({ inferenceId: `p${i}`, value: i % 3 === 0 ? 1 : 0, timestamp: T + i * 1000 + 60_000 })),
        { inferenceId: 'orphan-1', value: 1, deployment: 'churn', timestamp: T + 1000 },
        { inferenceId: 'orphan-2', value: 1, deployment: 'churn', timestamp: T + 100_000 },
        { inferenceId: 'orphan-3', value: 1, timestamp: T + 2000 },
        { inferenceId: 'other', value: 0, deployment: 'churn', timestamp: T + 3000 },
      ]);
    });
    after(async () => {
      await f?.dispose();
    });

    test('summary: predictions, with actuals and match rate overall and per variant; unmatched actuals in the window', async () => {
      const s = await f.service.summary('churn', { since: T, until: T + 40_000 });
      assert.deepEqual(s, {
        deployment: 'churn',
        since: T,
        until: T + 40_000,
        predictions: 40,
        withActuals: 29,
        matchRate: 29 / 40,
        unmatchedActuals: 1, // orphan-1 (orphan-2 is outside the window; 'other' is matched in fraud)
        unmatchedUntagged: 1, // orphan-3
        variants: [
          { variant: 'a', predictions: 20, withActuals: 15, matchRate: 15 / 20 }, // 0..18 even (10) + 30,32,34,36,38
          { variant: 'b', predictions: 20, withActuals: 14, matchRate: 14 / 20 }, // 1..19 odd (10) + 31,33,37,39
        ],
      });
      // since inclusive, until exclusive.
      const edge = await f.service.summary('churn', { since: T + 10_000, until: T + 20_000 });
      assert.deepEqual([edge.predictions, edge.withActuals], [10, 10]);
      await assert.rejects(f.service.summary('churn', { since: T + 2, until: T + 1 }), { code: 'INVALID_INPUT' });
    });

    test('summary defaults to the 24 h before now', async () => {
      f.clock.t = T + 24 * 3600 * 1000 + 5000; // p0..p4 fall out of the window
      const s = await f.service.summary('churn');
      assert.deepEqual([s.since, s.until, s.predictions, s.withActuals], [T + 5000, f.clock.t, 35, 24]);
    });

    test('joined: labeled predictions oldest first with outputs, actual, variant and model version, across pages', async () => {
      const pages: JoinedRow[][] = [];
      for await (const rows of f.service.joined('churn', { since: T, until: T + 40_000, pageSize: 7 })) pages.push(rows);
      const rows = pages.flat();
      assert.ok(pages.length >= 5, `paged: ${pages.length}`);
      assert.equal(rows.length, 29);
      assert.deepEqual(rows.map((r) => r.inferenceId), [...Array.from({ length: 20 }, (_, i) => `p${i}`), 'p30', 'p31', 'p32', 'p33', 'p34', 'p36', 'p37', 'p38', 'p39']);
      const r3 = rows[3]!;
      assert.deepEqual(
        { ...r3, outputs: r3.outputs?.probability?.data },
        { inferenceId: 'p3', variant: 'b', modelName: 'churn', modelVersion: '2', ts: T + 3000, outputs: [3 / 40], actual: { value: 1, timestamp: T + 63_000, revision: 1 } },
      );
      assert.equal(rows[0]!.inputs, undefined);
    });

    test('joined: per variant, with inputs, and with unlabeled predictions', async () => {
      const b = (await collect(f.service.joined('churn', { since: T, until: T + 40_000, variant: 'b', inputs: true }))).map((r) => r.inferenceId);
      assert.equal(b.length, 14);
      const withInputs = await collect(f.service.joined('churn', { since: T, until: T + 1000, inputs: true }));
      assert.deepEqual(withInputs[0]!.inputs, { x: { type: 'float32', shape: [1, 2], data: [0.5, 1.5] } });
      const all = await collect(f.service.joined('churn', { since: T + 34_000, until: T + 36_000, includeUnlabeled: true, pageSize: 1 }));
      assert.deepEqual(all.map((r) => [r.inferenceId, r.actual?.value]), [['p34', 0], ['p35', undefined]]);
    });
  });
}

async function collect(gen: AsyncGenerator<JoinedRow[]>): Promise<JoinedRow[]> {
  const out: JoinedRow[] = [];
  for await (const rows of gen) out.push(...rows);
  return out;
}
