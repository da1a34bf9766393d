import mssql from 'mssql';
import { mssqlDialect } from '../sql/mssql.js';
import { Errors } from '../errors.js';
import type { Statement } from '../sql/dialect.js';
import { atOnce, oneAtATime, type Database, type Executor, type UniqueViolation } from './database.js';
import { DatabaseUrlError } from './url-error.js';
import { urlTimeouts } from './url-timeouts.js';

function request(s: Statement, r: mssql.Request): mssql.Request {
  r.arrayRowMode = true;
  s.params.forEach((v, i) => r.input(`p${i + 1}`, v));
  return r;
}

/**
 * Statements on `make()`'s requests: the pool's (`queued` = atOnce) or one transaction's, where
 * `queued` is the transaction's oneAtATime queue: each request waits for the one sent before it,
 * and the commit or rollback for all of them.
 */
function executor(make: (overrides?: RequestOverrides) => mssql.Request, queued: <T>(work: () => Promise<T>) => Promise<T>): Executor {
  // An unbounded statement (Statement.unbounded) runs without the connection's requestTimeout (0: no limit).
  const made = (s: Statement) => make(s.unbounded ? { requestTimeout: 0 } : undefined);
  return {
    rows(s: Statement) {
      return queued(() => timed(async () => ((await request(s, made(s)).query(s.sql)).recordset ?? []) as unknown as unknown[][]));
    },
    run(s: Statement) {
      return queued(() => timed(async () => (await request(s, made(s)).query(s.sql)).rowsAffected.reduce((a, b) => a + b, 0)));
    },
  };
}

/** mssql's per-request settings (its Request constructor's second argument, missing from its types). */
interface RequestOverrides {
  readonly requestTimeout?: number;
}

/** A request of `parent` (a pool or a transaction) with `overrides`. */
function requestOf(parent: mssql.ConnectionPool | mssql.Transaction, overrides?: RequestOverrides): mssql.Request {
  const Request = mssql.Request as unknown as new (parent: mssql.ConnectionPool | mssql.Transaction, overrides?: RequestOverrides) => mssql.Request;
  return new Request(parent, overrides);
}

/**
 * `work`, whose request failing past its requestTimeout (tedious's RequestError `ETIMEOUT`; tedious
 * then cancels it on the server) throws 503 `0x80044151` (Errors.databaseTimeout), as a statement
 * past query_timeout does on PostgreSQL; a transaction it was part of is rolled back by the caller.
 */
async function timed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw (err as { code?: unknown }).code === 'ETIMEOUT' ? Errors.databaseTimeout(err) : err;
  }
}

/**
 * Reads `mssql://user:password@host:port/database?encrypt=false&trustServerCertificate=true[&connect_timeout=s][&query_timeout=ms]`.
 * `query_timeout` (default DEFAULT_QUERY_TIMEOUT_MS; 0 no limit) is mssql's `requestTimeout`, and
 * `connect_timeout` (seconds, default DEFAULT_CONNECT_TIMEOUT_S) its `connectionTimeout`, as on
 * PostgreSQL (urlTimeouts). Throws DatabaseUrlError for a timeout that is not a whole number, and
 * for `connect_timeout=0`: tedious has no "wait for ever" (its 0 fails every connection at once).
 */
export function mssqlConfig(url: string): mssql.config {
  const u = new URL(url.replace(/^sqlserver:/, 'mssql:'));
  const flag = (name: string, fallback: boolean) => (u.searchParams.has(name) ? u.searchParams.get(name) === 'true' : fallback);
  const { connectMs, queryMs } = urlTimeouts(u.searchParams);
  if (!connectMs) throw new DatabaseUrlError("the database URL's connect_timeout cannot be 0 (no limit) on SQL Server, whose driver always limits it: give it in seconds");
  return {
    server: u.hostname,
    port: u.port ? Number(u.port) : 1433,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    pool: { max: 10 },
    connectionTimeout: connectMs,
    requestTimeout: queryMs,
    options: { encrypt: flag('encrypt', false), trustServerCertificate: flag('trustServerCertificate', true), useUTC: true },
  };
}

/** The SQL Server error number of a driver error (tedious puts it on the error or its cause). */
function errorNumber(err: unknown): number | undefined {
  const e = err as { number?: number; originalError?: { info?: { number?: number } } };
  return e.number ?? e.originalError?.info?.number;
}

/**
 * SQL Server through an mssql (tedious) pool. Write transactions run SERIALIZABLE, so an upsert's
 * UPDATE-then-INSERT cannot race another upsert of the same key.
 * Reviewed through rendered SQL (test/render.test.ts); run the behaviour suite with
 * TESSERA_TEST_MSSQL_URL to check it against a server.
 */
export class MssqlDatabase implements Database {
  readonly dialect = mssqlDialect;
  readonly description: string;
  private readonly pool: mssql.ConnectionPool;
  private readonly reader: Executor;

  constructor(url: string) {
    const config = mssqlConfig(url);
    this.description = `mssql://${config.server}:${config.port}/${config.database ?? ''}`;
    this.pool = new mssql.ConnectionPool(config);
    this.reader = executor((overrides) => requestOf(this.pool, overrides), atOnce);
  }

  /** Opens the pool; call once before use. */
  async connect(): Promise<void> {
    await this.pool.connect();
  }

  rows(s: Statement): Promise<unknown[][]> {
    return this.reader.rows(s);
  }

  run(s: Statement): Promise<number> {
    return this.reader.run(s);
  }

  /**
   * Runs `fn` in a SERIALIZABLE transaction. `fn`'s requests and the final commit or rollback go
   * through one queue, so a request `fn` sent without awaiting runs inside the transaction, before
   * its end (mssql refuses to roll back while a request is active).
   */
  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const tx = new mssql.Transaction(this.pool);
    await tx.begin(mssql.ISOLATION_LEVEL.SERIALIZABLE);
    const queued = oneAtATime();
    try {
      const value = await fn(executor((overrides) => requestOf(tx, overrides), queued));
      await queued(() => tx.commit());
      return value;
    } catch (err) {
      await queued(() => tx.rollback()).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Not yet: versions come from sp_sequence_get_range outside the transactions that hold them,
   * and telling when those have ended needs the server's transaction views (VIEW SERVER STATE).
   * Throws 501, so change tracking answers 501 here rather than a token that could skip a write.
   */
  async settledVersion(): Promise<number> {
    throw Errors.notImplemented('Change tracking on SQL Server');
  }

  /**
   * SQL Server's 2601 (a unique index: "… with unique index 'ak_…'") and 2627 (a unique or
   * primary key constraint: "Violation of PRIMARY KEY constraint 'PK__…'") name it in the message.
   */
  uniqueViolation(err: unknown): UniqueViolation | undefined {
    if (![2627, 2601].includes(errorNumber(err) ?? 0)) return undefined;
    const index = /(?:unique index|constraint) '([^']+)'/.exec(String((err as { message?: unknown }).message))?.[1];
    return index ? { index } : {};
  }

  isNumericOverflow(err: unknown): boolean {
    return errorNumber(err) === 8115;
  }

  isTransactionAborted(err: unknown): boolean {
    return errorNumber(err) === 3930;
  }

  /**
   * Nothing beyond what the process's exit does: it closes the connections, and SQL Server rolls
   * back the open transaction of a session whose connection closed (not checked here: no SQL Server
   * runs in the tests; that it notices during a lock wait too is assumed). A request cannot be
   * abandoned through mssql's pool, whose close waits for the connections lent out; none waits
   * longer than its requestTimeout (query_timeout) either.
   */
  async abandon(): Promise<void> {}

  close(): Promise<void> {
    return this.pool.close();
  }
}
