import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import { AuditRepository, AuditService, auditMigrations, canonicalJson } from './index.js';

test('canonicalJson sorts keys at every depth and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
});

/** Drops the append-only triggers, as a database owner rewriting history would. */
async function dropTriggers(store: Awaited<ReturnType<typeof createTestStore>>) {
  if (store.dialect === 'postgres') await sql`DROP TRIGGER audit_log_no_change ON audit_log`.execute(store.db);
  else {
    await sql`DROP TRIGGER audit_log_no_update`.execute(store.db);
    await sql`DROP TRIGGER audit_log_no_delete`.execute(store.db);
  }
}

for (const dialect of DIALECTS) {
  describe(`audit log on ${dialect}`, () => {
    let store: Awaited<ReturnType<typeof createTestStore>>;
    let audit: AuditService;
    let now = 1_700_000_000_000;
    before(async () => {
      store = await createTestStore(dialect, [auditMigrations]);
      audit = new AuditService({ repo: new AuditRepository(store.tables(), store.dialect), clock: { now: () => now++ } });
    });
    after(() => store.dispose());

    test('entries chain by hash; the chain verifies; queries filter and page newest first', async () => {
      const a = await audit.record({ actor: 'ada', action: 'project.created', resourceType: 'project', resourceId: 'churn', team: 'risk', source: '10.0.0.1', after: { name: 'churn', stage: 'idea' } });
      const b = await audit.record({ actor: 'bob', action: 'project.stage_changed', resourceType: 'project', resourceId: 'churn', before: { stage: 'idea' }, after: { stage: 'poc' } });
      const c = await audit.record({ actor: 'ada', action: 'model.alias_set', resourceType: 'model', resourceId: 'churn-model' });
      assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
      assert.equal(b.prevHash, a.hash);
      assert.equal(c.prevHash, b.hash);
      assert.match(a.hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(await audit.verify(), { ok: true, checked: 3, lastSeq: 3, headHash: c.hash });

      assert.deepEqual((await audit.list({ actor: 'ada' })).items.map((e) => e.seq), [3, 1]);
      assert.deepEqual((await audit.list({ action: 'project.*' })).items.map((e) => e.seq), [2, 1]);
      assert.deepEqual((await audit.list({ action: 'project.created' })).items.map((e) => e.action), ['project.created']);
      assert.deepEqual((await audit.list({ resource: 'project:churn' })).items.map((e) => e.seq), [2, 1]);
      assert.deepEqual((await audit.list({ resource: 'model' })).items.map((e) => e.seq), [3]);
      assert.deepEqual((await audit.list({ since: a.ts + 1, until: c.ts })).items.map((e) => e.seq), [2]);
      assert.deepEqual((await audit.list({ since: new Date(c.ts).toISOString() })).items.map((e) => e.seq), [3]);
      const p1 = await audit.list({ maxResults: 2 });
      assert.deepEqual(p1.items.map((e) => e.seq), [3, 2]);
      const p2 = await audit.list({ maxResults: 2, pageToken: p1.nextPageToken });
      assert.deepEqual(p2.items.map((e) => e.seq), [1]);
      assert.equal(p2.nextPageToken, undefined);
      assert.deepEqual(p1.items[1]!.before, { stage: 'idea' });
      await assert.rejects(audit.list({ since: 'yesterday' }), /since must be ms since epoch or an ISO date/);
      await assert.rejects(audit.list({ pageToken: 'nope' }), /Invalid pageToken/);
      await assert.rejects(audit.record({ actor: 'ada', action: 'Bad Action', resourceType: 'x', resourceId: 'y' }), /action 'Bad Action' must look like/);
    });

    test("an entry written in the caller's transaction rolls back with it", async () => {
      const headBefore = (await audit.verify()).lastSeq;
      await assert.rejects(
        store.transaction(async (trx) => {
          await audit.record({ actor: 'ada', action: 'project.updated', resourceType: 'project', resourceId: 'x' }, trx);
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      const v = await audit.verify();
      assert.equal(v.ok, true);
      assert.equal(v.lastSeq, headBefore);
      const e = await store.transaction((trx) => audit.record({ actor: 'ada', action: 'project.updated', resourceType: 'project', resourceId: 'x' }, trx));
      assert.equal(e.seq, headBefore + 1);
    });

    test('concurrent appends never fork the chain', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => audit.record({ actor: `u${i}`, action: 'project.updated', resourceType: 'project', resourceId: String(i) })));
      const v = await audit.verify();
      assert.equal(v.ok, true, v.reason);
      assert.equal(v.checked, v.lastSeq);
    });

    test('the table refuses UPDATE and DELETE; a rewritten or deleted row is named by verify', async () => {
      await assert.rejects(sql`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`.execute(store.db), /append-only/);
      await assert.rejects(sql`DELETE FROM audit_log WHERE seq = 2`.execute(store.db), /append-only/);
      await dropTriggers(store);
      await sql`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`.execute(store.db);
      const v = await audit.verify();
      assert.equal(v.ok, false);
      assert.equal(v.firstBrokenSeq, 2);
      assert.match(v.reason!, /does not match its hash/);
      await sql`UPDATE audit_log SET actor = 'bob' WHERE seq = 2`.execute(store.db);
      assert.equal((await audit.verify()).ok, true);

      // Editing a before/after document is caught the same way.
      await sql`UPDATE audit_log SET after_json = ${'{"stage":"production"}'} WHERE seq = 2`.execute(store.db);
      assert.equal((await audit.verify()).firstBrokenSeq, 2);
      await sql`UPDATE audit_log SET after_json = ${'{"stage":"poc"}'} WHERE seq = 2`.execute(store.db);
      assert.equal((await audit.verify()).ok, true);

      // Recomputing the tampered row's own hash moves the break to the next entry.
      const { entryHash } = await import('./audit.chain.js');
      const row = (await sql<Record<string, unknown>>`SELECT * FROM audit_log WHERE seq = 3`.execute(store.db)).rows[0]!;
      const forged = { ...row, seq: 3, ts: Number(row.ts), actor: 'mallory' } as Parameters<typeof entryHash>[0];
      await sql`UPDATE audit_log SET actor = 'mallory', hash = ${entryHash(forged)} WHERE seq = 3`.execute(store.db);
      const v3 = await audit.verify();
      assert.equal(v3.firstBrokenSeq, 4);
      assert.match(v3.reason!, /prev_hash does not match/);

      await sql`DELETE FROM audit_log WHERE seq = 3`.execute(store.db);
      const gap = await audit.verify();
      assert.equal(gap.firstBrokenSeq, 3);
      assert.match(gap.reason!, /entry 3 is missing/);

      const last = (await audit.verify()).checked;
      assert.ok(last >= 2);
      const head = await sql<{ seq: number }>`SELECT seq FROM audit_head`.execute(store.db);
      await sql`DELETE FROM audit_log WHERE seq >= 3`.execute(store.db);
      const truncated = await audit.verify();
      assert.equal(truncated.ok, false);
      assert.equal(truncated.firstBrokenSeq, 3);
      assert.match(truncated.reason!, new RegExp(`entries up to ${Number(head.rows[0]!.seq)} were written`));
    });
  });
}
