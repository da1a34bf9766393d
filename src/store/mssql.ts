import mssql from 'mssql';
import { mssqlDialect } from '../sql/mssql.js';
import { Errors } from '../errors.js';
import type { Statement } from '../sql/dialect.js';
import { atOnce, oneAtATime, type Database, type Executor, type UniqueViolation } from './database.js';

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
function executor(make: () => mssql.Request, queued: <T>(work: () => Promise<T>) => Promise<T>): Executor {
  return {
    rows(s: Statement) {
      return queued(async () => ((await request(s, make()).query(s.sql)).recordset ?? []) as unknown as unknown[][]);
    },
    run(s: Statement) {
      return queued(async () => (await request(s, make()).query(s.sql)).rowsAffected.reduce((a, b) => a + b, 0));
    },
  };
}

/** Reads `mssql://user:password@host:port/database?encrypt=false&trustServerCertificate=true`. */
function configOf(url: string): mssql.config {
  const u = new URL(url.replace(/^sqlserver:/, 'mssql:'));
  const flag = (name: string, fallback: boolean) => (u.searchParams.has(name) ? u.searchParams.get(name) === 'true' : fallback);
  return {
    server: u.hostname,
    port: u.port ? Number(u.port) : 1433,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    pool: { max: 10 },
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
    const config = configOf(url);
    this.description = `mssql://${config.server}:${config.port}/${config.database ?? ''}`;
    this.pool = new mssql.ConnectionPool(config);
    this.reader = executor(() => this.pool.request(), atOnce);
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
      const value = await fn(executor(() => new mssql.Request(tx), queued));
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

  close(): Promise<void> {
    return this.pool.close();
  }
}
