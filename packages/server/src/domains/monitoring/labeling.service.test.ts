import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { confidence, randomPriority } from './labeling-policy.js';
import { createLabelingFixture } from './test-support/labeling-fixtures.js';

test('confidence: |p − 0.5| for one score, top probability for several, a batch counts as its least confident row', () => {
  const out = (data: number[], shape: number[]) => JSON.stringify({ probability: { type: 'float32', shape, data } });
  assert.equal(confidence(out([0.9], [1]), undefined), 0.4);
  assert.ok(Math.abs(confidence(out([0.45], [1]), undefined)! - 0.05) < 1e-12);
  assert.ok(Math.abs(confidence(out([0.3, 0.7], [1, 2]), undefined)! - 0.2) < 1e-12);
  assert.equal(confidence(out([0.2, 0.5, 0.3], [1, 3]), undefined), 0.5);
  assert.ok(Math.abs(confidence(out([0.99, 0.52, 0.1], [3, 1]), undefined)! - 0.02) < 1e-12);
  assert.equal(confidence(JSON.stringify({ label: { type: 'int64', shape: [1], data: ['1'] }, other: { type: 'float32', shape: [1], data: [1] } }), undefined), undefined);
  assert.equal(confidence(JSON.stringify({ y: { type: 'float32', shape: [1], data: [0.6] } }), undefined)!.toFixed(6), '0.100000', 'the only output');
  assert.equal(confidence(JSON.stringify({ $truncated: true }), undefined), undefined);
  const r = Array.from({ length: 2000 }, (_, i) => randomPriority(`id-${i}`));
  assert.ok(r.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) / r.length - 0.5) < 0.03, 'roughly uniform');
});

for (const dialect of DIALECTS) {
  describe(`labeling queue (${dialect})`, () => {
    let f: Awaited<ReturnType<typeof createLabelingFixture>>;
    const T = 1_763_800_000_000;
    before(async () => {
      f = await createLabelingFixture(dialect);
    });
    after(async () => {
      await f?.dispose();
    });

    test('least confident first, stratified per variant: each variant gets ceil(share × n) of its least confident', async () => {
      // Variant a: 10 predictions, p = 0.05 … 0.95; variant b: 4 predictions.
      const a = Array.from({ length: 10 }, (_, i) => ({ id: `a${i}`, variant: 'a', ts: T + i, p: 0.05 + 0.1 * i }));
      const b = [0.9, 0.62, 0.1, 0.3].map((p, i) => ({ id: `b${i}`, variant: 'b', ts: T + 100 + i, p }));
      await f.logPredictions([...a, ...b, { id: 'failed', ts: T + 5, status: 500 }, { id: 'other-dep', deployment: 'other', ts: T, p: 0.5 }]);
      await f.labeling.putPolicy('churn', { strategy: 'least_confident', share: 0.2 });
      const r = await f.labeling.sample('churn', { since: T, until: T + 1000 });
      assert.deepEqual([r.scanned, r.unscorable, r.selected, r.queued], [14, 0, { a: 2, b: 1 }, 3]);
      // a: p=0.45 and 0.55 are nearest 0.5; b: 0.62.
      const items = await f.labeling.next('churn', { count: 10, reviewer: 'ann' });
      assert.deepEqual(items.map((i) => i.inferenceId).sort(), ['a4', 'a5', 'b1']);
      assert.equal(items[0]!.state, 'claimed');
      assert.deepEqual(items[0]!.outputs, { probability: { type: 'float32', shape: [1], data: [items[0]!.inferenceId === 'b1' ? 0.62 : items[0]!.inferenceId === 'a4' ? 0.45 : 0.55] } });
      assert.ok(items[0]!.priority <= items[1]!.priority && items[1]!.priority <= items[2]!.priority, 'least confident first');
      // Re-sampling the same window queues nothing twice.
      const again = await f.labeling.sample('churn', { since: T, until: T + 1000 });
      assert.equal(again.queued, 0);
      const stats = await f.labeling.stats('churn');
      assert.deepEqual([stats.pending, stats.claimed, stats.labeled], [0, 3, 0]);
    });

    test('without stratification the least confident of the whole deployment win, whatever their variant', async () => {
      const ps = [0.5, 0.51, 0.49, 0.9, 0.1, 0.8];
      await f.logPredictions(ps.map((p, i) => ({ id: `ns${i}`, deployment: 'nostrat', variant: i < 3 ? 'big' : 'small', ts: T + i, p })));
      await f.labeling.putPolicy('nostrat', { strategy: 'least_confident', share: 0.5, stratifyByVariant: false });
      const r = await f.labeling.sample('nostrat', { since: T, until: T + 100 });
      assert.deepEqual(r.selected, { '*': 3 });
      const items = await f.labeling.next('nostrat', { count: 5, reviewer: 'ann' });
      assert.deepEqual(items.map((i) => i.inferenceId), ['ns0', 'ns1', 'ns2']);
    });

    test('multiclass: lowest top probability first', async () => {
      await f.logMulticlass([
        { id: 'm0', deployment: 'mc', ts: T, probs: [0.9, 0.05, 0.05] },
        { id: 'm1', deployment: 'mc', ts: T + 1, probs: [0.34, 0.33, 0.33] },
        { id: 'm2', deployment: 'mc', ts: T + 2, probs: [0.5, 0.4, 0.1] },
        { id: 'm3', deployment: 'mc', ts: T + 3, probs: [0.1, 0.2, 0.7] },
      ]);
      await f.labeling.putPolicy('mc', { strategy: 'least_confident', share: 0.5, scoreOutput: 'probabilities' });
      await f.labeling.sample('mc', { since: T, until: T + 10 });
      assert.deepEqual((await f.labeling.next('mc', { count: 4, reviewer: 'x' })).map((i) => i.inferenceId), ['m1', 'm2']);
    });

    test('random share: about the share of each variant, the same draw on a re-run', async () => {
      const specs = Array.from({ length: 400 }, (_, i) => ({ id: `r${i}`, deployment: 'rnd', variant: i % 4 === 0 ? 'canary' : 'main', ts: T + i }));
      await f.logPredictions(specs);
      await f.labeling.putPolicy('rnd', { strategy: 'random', share: 0.1 });
      const r = await f.labeling.sample('rnd', { since: T, until: T + 1000 });
      assert.deepEqual(r.selected, { canary: 10, main: 30 });
      const chosen = (await f.labeling.next('rnd', { count: 100, reviewer: 'x' })).map((i) => i.inferenceId);
      const expected = (variant: string, k: number) => specs.filter((s) => s.variant === variant).map((s) => s.id).sort((x, y) => randomPriority(x) - randomPriority(y)).slice(0, k);
      assert.deepEqual(new Set(chosen), new Set([...expected('canary', 10), ...expected('main', 30)]));
    });

    test('a label becomes an actual; a re-label is a correction; skip; leases keep items to their reviewer', async () => {
      await f.logPredictions([0.48, 0.52, 0.9].map((p, i) => ({ id: `l${i}`, deployment: 'lab', ts: T + i, p })));
      await f.labeling.putPolicy('lab', { strategy: 'least_confident', share: 1, leaseSeconds: 60 });
      f.clock.t = T + 10_000;
      const r = await f.labeling.sample('lab');
      assert.deepEqual([r.since, r.until, r.queued], [T + 10_000 - 24 * 3600_000, T + 10_000, 3]);
      assert.equal((await f.labeling.policy('lab')).sampledUntil, T + 10_000);

      const [first] = await f.labeling.next('lab', { count: 1, reviewer: 'ann' });
      const [second] = await f.labeling.next('lab', { count: 1, reviewer: 'bob' });
      assert.notEqual(first!.id, second!.id, 'a claimed item is not handed to another reviewer');
      await assert.rejects(f.labeling.label(first!.id, { label: 1, reviewer: 'bob' }), { code: 'INVALID_STATE' });

      const done = await f.labeling.label(first!.id, { label: 1, reviewer: 'ann' });
      assert.deepEqual([done.state, done.label, done.reviewer], ['labeled', 1, 'ann']);
      const actual = await f.actuals.get(first!.inferenceId);
      assert.deepEqual([actual.value, actual.deployment, actual.matched, actual.revision], [1, 'lab', true, 1]);
      await f.labeling.label(first!.id, { label: 0, reviewer: 'ann' });
      const corrected = await f.actuals.get(first!.inferenceId);
      assert.deepEqual([corrected.value, corrected.revision, corrected.history.map((h) => h.value)], [0, 2, [1]]);

      await f.labeling.skip(second!.id, { reviewer: 'bob', reason: 'unclear' });
      await assert.rejects(f.actuals.get(second!.inferenceId), { code: 'NOT_FOUND' });

      // ann claims the last one and walks away: after the lease it is open again.
      const [third] = await f.labeling.next('lab', { count: 5, reviewer: 'ann' });
      assert.ok(third);
      assert.deepEqual(await f.labeling.next('lab', { count: 5, reviewer: 'bob' }), []);
      f.clock.t += 61_000;
      const [retaken] = await f.labeling.next('lab', { count: 5, reviewer: 'bob' });
      assert.equal(retaken!.id, third!.id);
      const stats = await f.labeling.stats('lab');
      assert.deepEqual([stats.pending, stats.claimed, stats.labeled, stats.skipped, stats.reviewers], [0, 1, 1, 1, [{ reviewer: 'ann', labeled: 1 }]]);
    });

    test('validation names the field', async () => {
      await assert.rejects(f.labeling.putPolicy('x', { strategy: 'newest', share: 0.1 }), /strategy must be 'random' or 'least_confident'/);
      await assert.rejects(f.labeling.putPolicy('x', { strategy: 'random', share: 1.5 }), /share must be a number in \(0, 1\]/);
      await assert.rejects(f.labeling.putPolicy('x', { strategy: 'random', share: 0.1, leaseSeconds: 1 }), /leaseSeconds must be an integer from 10/);
      await assert.rejects(f.labeling.sample('no-policy'), { code: 'NOT_FOUND' });
      await f.logPredictions([{ id: 'v0', deployment: 'val', ts: T, p: 0.5 }]);
      await f.labeling.putPolicy('val', { strategy: 'random', share: 1 });
      await f.labeling.sample('val', { since: T, until: T + 1 });
      const [item] = await f.labeling.next('val', { count: 1, reviewer: 'carl' });
      const id = item!.id;
      await assert.rejects(f.labeling.label(id, { reviewer: 'carl' }), { code: 'INVALID_INPUT', message: /^label is required/ });
      await assert.rejects(f.labeling.label(id, { label: { a: 1 }, reviewer: 'carl' }), (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && /^label /.test(e.message));
      assert.equal((await f.labeling.get(id)).state, 'claimed', 'nothing changed');
      await assert.rejects(f.labeling.label(id, { label: 1 }), /reviewer is required/);
      await assert.rejects(f.labeling.label(999_999, { label: 1, reviewer: 'carl' }), { code: 'NOT_FOUND' });
    });
  });
}
