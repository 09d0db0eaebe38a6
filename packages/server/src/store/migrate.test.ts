import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Migration } from 'kysely';
import { migrateToLatest, pendingMigrations, type DomainMigrations } from './migrate.js';
import { createTestStore, DIALECTS } from './test-support/stores.js';

const table = (name: string): Migration => ({
  up: async (db) => {
    await sql`create table ${sql.table(name)} (id integer primary key)`.execute(db);
  },
});
const later: DomainMigrations = () => ({ '0900_later_init': table('later_t') });
const earlier: DomainMigrations = () => ({ '0100_earlier_init': table('earlier_t'), '0110_earlier_more': table('earlier_more_t') });

for (const dialect of DIALECTS) {
  test(`a domain's migration named before another domain's applied one still runs (${dialect})`, async () => {
    const store = await createTestStore(dialect, [later]);
    try {
      assert.deepEqual(await pendingMigrations(store, [earlier, later]), ['0100_earlier_init', '0110_earlier_more']);
      assert.deepEqual(await migrateToLatest(store, [earlier, later]), ['0100_earlier_init', '0110_earlier_more']);
      assert.deepEqual(await pendingMigrations(store, [earlier, later]), []);
      await sql`select id from earlier_more_t`.execute(store.db);
      assert.deepEqual(await migrateToLatest(store, [earlier, later]), [], 'nothing runs twice');
      await assert.rejects(migrateToLatest(store, [earlier, () => ({ '0100_earlier_init': table('x') })]), /Two migrations are named 0100_earlier_init/);
    } finally {
      await store.dispose();
    }
  });
}
