import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { TrackingRepository, TrackingService } from '../../packages/server/src/domains/tracking/index.js';
import type { TrackingTables } from '../../packages/server/src/domains/tracking/tracking.tables.js';
import { systemClock } from '../../packages/server/src/lib/clock.js';
import { applyServerPragmas } from './ceilings.js';

export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
  /** Time Kysely measured for the statement (driver round trip, rows materialized). */
  ms: number;
}

/**
 * A second TrackingService over its own connection to the same database, whose Kysely logs every
 * statement: it shows which SQL a service call runs and how long each statement takes, and lets
 * the benchmark replay exactly that SQL through the bare driver (no Kysely, no service, no HTTP).
 */
export class CapturingTracking {
  readonly service: TrackingService;
  private readonly kysely: Kysely<TrackingTables>;
  private log: CapturedQuery[] | undefined;

  private constructor(dialect: 'sqlite' | 'postgres', kyselyDialect: SqliteDialect | PostgresDialect) {
    this.kysely = new Kysely<TrackingTables>({
      dialect: kyselyDialect,
      log: (e: LogEvent) => {
        if (e.level === 'query') this.log?.push({ sql: e.query.sql, parameters: e.query.parameters, ms: e.queryDurationMillis });
      },
    });
    this.service = new TrackingService({ repo: new TrackingRepository(this.kysely, dialect), clock: systemClock });
  }

  /** A second read-write connection to the server's file, opened with the server's pragmas. */
  static sqlite(file: string): CapturingTracking {
    const database = new BetterSqlite3(file);
    applyServerPragmas(database);
    return new CapturingTracking('sqlite', new SqliteDialect({ database }));
  }

  static postgres(url: string): CapturingTracking {
    return new CapturingTracking('postgres', new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }));
  }

  /** Runs `fn` and returns what it returned and every statement it ran, in order. */
  async capture<R>(fn: (svc: TrackingService) => Promise<R>): Promise<{ result: R; queries: CapturedQuery[] }> {
    this.log = [];
    try {
      const result = await fn(this.service);
      return { result, queries: this.log };
    } finally {
      this.log = undefined;
    }
  }

  close(): Promise<void> {
    return this.kysely.destroy();
  }
}

/** Replays captured statements on bare driver connections. */
export interface RawReplayer {
  replay(queries: readonly CapturedQuery[]): Promise<void>;
  close(): Promise<void>;
}

/** SQLite: one connection, statements one after another (better-sqlite3 is synchronous, like the server's). */
export function sqliteReplayer(file: string): RawReplayer {
  const db = new BetterSqlite3(file, { readonly: true });
  return {
    async replay(queries) {
      for (const q of queries) {
        const stmt = db.prepare(q.sql);
        if (stmt.reader) stmt.all(...(q.parameters as unknown[]));
        else stmt.run(...(q.parameters as unknown[]));
      }
    },
    async close() {
      db.close();
    },
  };
}

/**
 * PostgreSQL: a pool of 4 connections, replaying with the concurrency of the server's search —
 * the first statement (the search itself) alone, then the rest in groups of `group` at once
 * (the repository loads params, tags, latest metrics and inputs of a page in parallel).
 */
export async function postgresReplayer(url: string, group = 4): Promise<RawReplayer> {
  const pool = new pg.Pool({ connectionString: url, max: group });
  const warm = await Promise.all(Array.from({ length: group }, () => pool.connect()));
  for (const c of warm) c.release();
  return {
    async replay(queries) {
      const [first, ...rest] = queries;
      if (first) await pool.query(first.sql, first.parameters as unknown[]);
      for (let i = 0; i < rest.length; i += group) {
        await Promise.all(rest.slice(i, i + group).map((q) => pool.query(q.sql, q.parameters as unknown[])));
      }
    },
    close: () => pool.end(),
  };
}
