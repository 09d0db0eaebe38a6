import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, createTestStore } from '../../store/test-support/stores.js';
import { FeedbackRepository } from './feedback.repository.js';
import { FeedbackService } from './feedback.service.js';
import { feedbackMigrations } from './feedback.migrations.js';
import { ManualClock } from './test-support/actuals-fixtures.js';

for (const dialect of DIALECTS) {
  describe(`FeedbackService (${dialect})`, () => {
    let store: Awaited<ReturnType<typeof createTestStore>>;
    let repo: FeedbackRepository;
    let service: FeedbackService;
    const clock = new ManualClock();
    before(async () => {
      store = await createTestStore(dialect, [feedbackMigrations]);
      repo = new FeedbackRepository(store.tables(), store.dialect);
      service = new FeedbackService({ repo, clock });
    });
    after(async () => {
      await store?.dispose();
    });

    test('one batch may name a key twice: the later value corrects the earlier; a correction keeps the outcome time', async () => {
      const r = await service.ingest([
        { inferenceId: 'i1', name: 'revenue', value: 10, timestamp: 1000 },
        { inferenceId: 'i1', name: 'revenue', value: 12 },
        { inferenceId: 'i1', name: 'click', value: 1 },
      ]);
      assert.deepEqual(r, { received: 3, inserted: 2, duplicates: 0, corrected: 1 });
      // Each correction, even within one batch, counts a revision: 10 → 12 is revision 2.
      clock.t += 1000;
      assert.deepEqual(await service.ingest([{ inferenceId: 'i1', name: 'revenue', value: 12.5 }]), { received: 1, inserted: 0, duplicates: 0, corrected: 1 });
      const row = (await repo.getMany([{ inferenceId: 'i1', name: 'revenue' }])).values().next().value!;
      assert.deepEqual([row.value, row.ts, row.revision, row.updated_at], [12.5, 1000, 3, clock.t]);
      assert.deepEqual(await service.ingest([{ inferenceId: 'i1', name: 'revenue', value: 12.5 }]), { received: 1, inserted: 0, duplicates: 1, corrected: 0 });
    });

    test('a full batch of 10,000 corrections applies in one transaction', async () => {
      const batch = (value: number) => Array.from({ length: 10_000 }, (_, i) => ({ inferenceId: `big${i}`, name: 'revenue', value: value + i / 100 }));
      assert.equal((await service.ingest(batch(1))).inserted, 10_000);
      assert.equal((await service.ingest(batch(2))).corrected, 10_000);
      const values = await repo.values('revenue', ['big0', 'big9999']);
      assert.deepEqual([values.get('big0'), values.get('big9999')], [2, 2 + 9999 / 100]);
    });

    test('concurrent batches on the same new keys both land (the loser retries); the last value is current', async () => {
      const batch = (value: number) => Array.from({ length: 300 }, (_, i) => ({ inferenceId: `c${i}`, name: 'revenue', value }));
      const results = await Promise.all([service.ingest(batch(1)), service.ingest(batch(2))]);
      assert.equal(results.reduce((n, r) => n + r.inserted, 0), 300);
      assert.equal(results.reduce((n, r) => n + r.corrected, 0), 300);
      const values = new Set((await repo.values('revenue', batch(0).map((e) => e.inferenceId))).values());
      assert.equal(values.size, 1);
    });
  });
}
