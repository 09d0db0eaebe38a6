import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the benchmark creates its database on (trust auth, like the test suite). */
export const BENCH_POSTGRES_URL = process.env.FLYWHEEL_BENCH_POSTGRES_URL ?? process.env.FLYWHEEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  /** URL of the fresh database, for `--database-url`. */
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database `fw_bench_<random>`; `drop()` removes it (idempotent). */
export async function createBenchDatabase(adminUrl = BENCH_POSTGRES_URL): Promise<BenchDatabase> {
  const name = `fw_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop() {
      dropped ??= (async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      })();
      return dropped;
    },
  };
}

/** The server's version and the settings that decide commit cost, for the report header. */
export async function describePostgres(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const v = await c.query<{ server_version: string }>('SHOW server_version');
    const s = await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    const f = await c.query<{ fsync: string }>('SHOW fsync');
    return `PostgreSQL ${v.rows[0]?.server_version ?? '?'} (fsync=${f.rows[0]?.fsync ?? '?'}, synchronous_commit=${s.rows[0]?.synchronous_commit ?? '?'})`;
  } finally {
    await c.end();
  }
}
