import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type DialectName, type Store } from '../store.js';
import { migrateToLatest, type DomainMigrations } from '../migrate.js';

/** The PostgreSQL server the suite uses; every test database is created on it and dropped after. */
export const TEST_POSTGRES_URL = process.env.FLYWHEEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  dialect: DialectName;
  /** A URL for `--database-url`, pointing at a fresh, empty database. */
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** Creates an empty database of the given dialect (a temp SQLite file, or a new PostgreSQL database). */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fw-test-'));
  if (dialect === 'sqlite') {
    return { dialect, url: `sqlite:${join(dataDir, 'test.db')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `fw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    dataDir,
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated store on a fresh database; `close()` also drops the database. */
export async function createTestStore(dialect: DialectName, migrations: DomainMigrations[]): Promise<Store & { dispose(): Promise<void> }> {
  const tdb = await createTestDatabase(dialect);
  const store = await openStore({ databaseUrl: tdb.url, dataDir: tdb.dataDir, poolSize: 4 });
  await migrateToLatest(store, migrations);
  return Object.assign(store, {
    async dispose() {
      await store.close();
      await tdb.drop();
    },
  });
}
