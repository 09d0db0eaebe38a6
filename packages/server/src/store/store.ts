import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type SqliteDialectConfig, type Transaction } from 'kysely';
import pg from 'pg';

export type DialectName = 'sqlite' | 'postgres';

/**
 * SQLite transactions take the write lock when they begin. A deferred transaction that reads and
 * then writes fails at once with SQLITE_BUSY (busy_timeout does not apply to the lock upgrade)
 * when another connection — a cluster worker, the prediction-log writer thread — wrote meanwhile.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/**
 * The Store port: one Kysely instance over SQLite (embedded default) or PostgreSQL (scale).
 * Repositories receive it and never learn which database is underneath, except through
 * `dialect` for the few statements where the two differ (kept in store/ helpers).
 */
export interface Store {
  readonly dialect: DialectName;
  /** Kysely over every table; each repository narrows it to its own tables with {@link Store.tables}. */
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  tables<T>(): Kysely<T>;
  /** Runs `fn` in one transaction: all of it is written, or none of it. */
  transaction<R>(fn: (trx: Transaction<any>) => Promise<R>): Promise<R>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** True when a query round-trips (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** Human description without credentials, for logs. */
  readonly description: string;
}

export interface StoreOptions {
  databaseUrl: string;
  dataDir: string;
  poolSize?: number;
}

/** Strips the password from a URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export function sqlitePathFromUrl(url: string, dataDir: string): string {
  const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
  if (rest === '' ) return join(dataDir, 'flywheel.db');
  if (rest === ':memory:') return ':memory:';
  return resolve(rest);
}

/**
 * Opens the store named by `databaseUrl`.
 *
 * @example
 *   const store = await openStore({ databaseUrl: 'sqlite:', dataDir: '/var/lib/flywheel' });
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl.startsWith('sqlite:')) return openSqlite(sqlitePathFromUrl(opts.databaseUrl, opts.dataDir));
  return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  // WAL lets readers proceed during a write; synchronous=FULL makes every acknowledged commit
  // durable across power loss, not just a process crash ("nothing acknowledged is lost").
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<any>({ dialect: new ImmediateSqliteDialect({ database }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return makeStore('sqlite', db, `sqlite:${file}`);
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // int8 (counts, ms timestamps) as JS numbers: every value we store fits in 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    /* an idle client lost its connection; the pool replaces it on next use */
  });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return makeStore('postgres', db, redactUrl(url));
}

function makeStore(dialect: DialectName, db: Kysely<any>, description: string): Store { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    dialect,
    db,
    description,
    tables: <T>() => db as unknown as Kysely<T>,
    transaction: (fn) => db.transaction().execute(fn),
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}
