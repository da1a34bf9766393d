import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresDialect, VERSION_BLOCK, VERSION_HOLDERS_CLASS } from '../sql/postgres.js';
import type { Statement } from '../sql/dialect.js';
import { Errors, ServiceError } from '../errors.js';
import { atOnce, oneAtATime, type Database, type Executor, type UniqueViolation } from './database.js';
import { urlTimeouts } from './url-timeouts.js';

/** `date` columns come back as their `YYYY-MM-DD` text, not as a Date in the server's zone. */
const DATE_OID = 1082;

/**
 * Runs `COPY … FROM STDIN` (`sql`) on `client` with `data` (header, rows and trailer of the format
 * the command names), given whole or streamed (the COPY ends when the stream does; a stream that
 * fails aborts it with CopyFail); returns the rows copied. Errors (a duplicate key: 23505) reject
 * as the query's would.
 */
async function copyIn(client: pg.PoolClient, sql: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
  const stream = client.query(copyFrom(sql));
  await pipeline(data instanceof Uint8Array ? Readable.from([data]) : Readable.from(data), stream);
  return stream.rowCount;
}

/**
 * Statements on one pooled connection: a lone statement's (`queued` = atOnce), or a transaction's,
 * where `queued` is the transaction's oneAtATime queue: each statement waits for the
 * one sent before it, and the transaction's COMMIT or ROLLBACK for all of them. On a transaction's
 * connection `opening.pending` is true until BEGIN has gone: it goes with the first statement, in
 * the same round trip when that statement has no parameters (one simple query `BEGIN; <sql>`,
 * which answers with a result for each), otherwise alone just before it.
 */
/**
 * The longest `query_timeout` node-postgres can wait (setTimeout's largest delay, 2^31 − 1 ms,
 * ~24.8 days): a statement's own `query_timeout` of 0 would fall back to the connection's, so this
 * stands for "no limit" for an unbounded Statement.
 */
const NO_QUERY_TIMEOUT_MS = 2 ** 31 - 1;

/** A query's own node-postgres options for `s`: no query_timeout for an unbounded statement, else the connection's. */
function timeoutOf(s: Statement): { query_timeout?: number } {
  return s.unbounded ? { query_timeout: NO_QUERY_TIMEOUT_MS } : {};
}

function executor(client: pg.PoolClient, queued: <T>(work: () => Promise<T>) => Promise<T>, opening?: { pending: boolean }): Executor {
  /** The text to send for `s`: with BEGIN in front when it is the first and can carry it. */
  const open = async (s: Statement): Promise<string> => {
    if (!opening?.pending) return s.sql;
    opening.pending = false;
    if (!s.params.length && s.copy === undefined) return `BEGIN; ${s.sql}`;
    await client.query('BEGIN');
    return s.sql;
  };
  const last = (result: pg.QueryResult | pg.QueryResult[]) => (Array.isArray(result) ? result[result.length - 1]! : result);
  return {
    rows(s: Statement) {
      return queued(async () => {
        const text = await open(s);
        return last(await client.query({ text, values: s.params as unknown[], rowMode: 'array', ...timeoutOf(s) }) as pg.QueryResult).rows as unknown[][];
      });
    },
    run(s: Statement) {
      return queued(async () => {
        const text = await open(s);
        if (s.copy !== undefined) return copyIn(client, text, s.copy);
        return last(await client.query({ text, values: s.params as unknown[], ...timeoutOf(s) }) as pg.QueryResult | pg.QueryResult[]).rowCount ?? 0;
      });
    },
  };
}

/** How long settledVersion waits for the transactions holding versions to end, in ms. */
const SETTLE_TIMEOUT_MS = 30_000;

/** Runs of one transaction when PostgreSQL picks it as a deadlock victim (see transaction). */
const TRANSACTION_ATTEMPTS = 8;

/**
 * Milliseconds to wait before run `attempt + 1` of a transaction that lost a deadlock: a random
 * time up to 5 ms × 2^attempt (at most 320 ms), so that the writers that collided do not collide
 * again in step.
 */
function backoff(attempt: number): number {
  return Math.random() * Math.min(320, 5 * 2 ** attempt);
}

/**
 * Milliseconds of silence on a connection before the OS sends TCP keepalive probes (node-postgres
 * `keepAliveInitialDelayMillis`); the OS's probe interval and count then decide when a peer that
 * stopped answering is given up on (on Linux, by default, 9 probes 75 s apart). Without keepalive
 * a connection whose server vanished while it waited (a lock, a long statement) was never found dead.
 */
const KEEPALIVE_IDLE_MS = 10_000;

/**
 * The message of node-postgres's error for a statement unanswered within `query_timeout`
 * (pg/lib/client.js); pg gives it no code. pg leaves the connection waiting for the answer, so the
 * connection must not be used again.
 */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * Milliseconds terminate may take to open its connection, and then to run its query: kept short so
 * that a stop that abandons work (abandon) ends within the default shutdown deadline plus twice
 * this, inside Kubernetes' 30 s grace period.
 */
const TERMINATE_TIMEOUT_MS = 2_000;

/**
 * SQLSTATEs of a session the server ended or cannot serve: connection exceptions (class 08) and
 * the server shutting down, crashed or starting up (57P01 admin_shutdown, which
 * pg_terminate_backend and `pg_ctl stop -m fast` send; 57P02 crash_shutdown; 57P03 cannot_connect_now).
 */
const SESSION_ENDED = /^(08|57P0[123]$)/;

/**
 * SQLSTATEs of a statement the server stopped before it finished: 57014 query_canceled
 * (statement_timeout, pg_cancel_backend), 55P03 lock_not_available (lock_timeout), 25P03
 * idle_in_transaction_session_timeout.
 */
const STOPPED = new Set(['57014', '55P03', '25P03']);

/**
 * What one checkout of a pooled connection saw: the connection's own error, once it failed (or
 * was given up on), whether that was a statement unanswered within query_timeout (`timedOut`),
 * and whether COMMIT had been sent.
 */
interface Session {
  lost?: Error;
  timedOut?: boolean;
  committing: boolean;
}

/** The server process of a pooled connection (node-postgres's `processID`, from BackendKeyData; not in its types), or undefined before it is known. */
function backendPid(client: pg.PoolClient): number | undefined {
  return (client as unknown as { processID?: number | null }).processID ?? undefined;
}

/**
 * A gate for the statements of one checkout `session`: `work` runs unless the session is already
 * lost (then it rejects with the session's error at once, sending nothing: pg would queue it behind
 * the answer it still waits for); a statement that fails with pg's QUERY_READ_TIMEOUT is handed to
 * `timedOut` before its error is rethrown.
 */
function gate(session: Session, timedOut: (err: Error) => void): <T>(work: () => Promise<T>) => Promise<T> {
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (session.lost) throw session.lost;
    try {
      return await work();
    } catch (err) {
      if ((err as Error | undefined)?.message === QUERY_READ_TIMEOUT) timedOut(err as Error);
      throw err;
    }
  };
}

/** The SQLSTATE of a PostgreSQL error (pg's `code`), or undefined for any other error. */
function sqlState(err: unknown): string | undefined {
  const { code } = err as { code?: unknown };
  return err instanceof ServiceError || typeof code !== 'string' ? undefined : code;
}

/**
 * The 503 a driver error `err` of `session` stands for (Errors.databaseUnavailable once the session
 * is lost, Errors.databaseTimeout when the server stopped the statement or none was answered within
 * query_timeout before COMMIT), or undefined for any other error (a ServiceError, a deadlock, a
 * constraint, a bug), which is rethrown as it is.
 */
function databaseFault(err: unknown, session: Session): ServiceError | undefined {
  if (err instanceof ServiceError) return undefined;
  if (STOPPED.has(sqlState(err) ?? '')) return Errors.databaseTimeout(err);
  if (session.timedOut && !session.committing) return Errors.databaseTimeout(session.lost);
  return session.lost ? Errors.databaseUnavailable(session.lost, session.committing) : undefined;
}

/**
 * PostgreSQL through a pg pool. URL:
 * `postgres://user:password@host:port/database[?schema=name][&connect_timeout=seconds][&query_timeout=ms]`;
 * `schema` sets the search_path (`<schema>, public`; the citext extension lives in public);
 * `connect_timeout` (libpq's parameter; default DEFAULT_CONNECT_TIMEOUT_S, 0 waits for ever)
 * bounds how long opening a connection may take, not the wait for a free one; `query_timeout`
 * (node-postgres's; default DEFAULT_QUERY_TIMEOUT_MS, 0 waits for ever) how long one statement may
 * go unanswered: past it the request fails with 503 `0x80044151`, nothing of it kept, and the
 * connection is dropped (see connected). Connections send TCP keepalives (KEEPALIVE_IDLE_MS).
 * Each statement and each transaction takes one pooled connection (READ COMMITTED; guarded writes
 * check their guards in the statement itself, so no read-then-write race). A database that cannot
 * be reached, or that ends the session (stopped, restarted, the backend killed), fails the request
 * with 503 (databaseFault); the pool opens new connections for the next ones.
 */
export class PostgresDatabase implements Database {
  readonly dialect = postgresDialect;
  private readonly pool: pg.Pool;
  /** The URL without Tessera's own parameters, for terminate's connection. */
  private readonly connectionString: string;
  /** Milliseconds a statement may go unanswered (query_timeout); 0: no limit. */
  private readonly queryTimeoutMs: number;
  /** The connections lent out now, with what their checkout saw (connected), for abandon. */
  private readonly lent = new Map<pg.PoolClient, Session>();
  readonly description: string;
  /** The URL's `schema`, if any: first on the search path (see ensureSchema). */
  readonly schema: string | undefined;

  /** Throws a DatabaseUrlError for a `connect_timeout` or `query_timeout` that is not a whole number (urlTimeouts). */
  constructor(url: string, poolSize = 10) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    this.schema = schema;
    const { connectMs, queryMs } = urlTimeouts(parsed.searchParams);
    this.queryTimeoutMs = queryMs;
    for (const own of ['schema', 'connect_timeout', 'query_timeout']) parsed.searchParams.delete(own);
    this.connectionString = parsed.toString();
    this.description = `postgres://${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`;
    // The connect timeout is the connections' own: given to the pool, it would also bound the wait
    // for a free connection, failing requests that merely queue behind slow ones.
    const own: pg.ClientConfig = { connectionTimeoutMillis: connectMs, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS, ...(queryMs ? { query_timeout: queryMs } : {}) };
    this.pool = new pg.Pool({
      connectionString: this.connectionString,
      max: poolSize,
      Client: class extends pg.Client {
        constructor(config?: pg.ClientConfig) {
          super({ ...config, ...own });
        }
      },
      // tessera.schema names the URL's schema to the catalog queries (postgresDialect
      // catalogColumns), as current_schema() skips a schema that does not exist yet.
      options: schema ? `-c search_path=${schema},public -c tessera.schema=${schema}` : undefined,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === DATE_OID ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
    });
    this.pool.on('error', () => undefined); // an idle client's connection dropped; the next query reconnects
  }

  rows(s: Statement): Promise<unknown[][]> {
    return this.connected((client, _session, gated) => executor(client, gated).rows(s));
  }

  run(s: Statement): Promise<number> {
    return this.connected((client, _session, gated) => executor(client, gated).run(s));
  }

  /**
   * Runs `work` on a pooled connection. A connection that cannot be opened throws 503
   * (Errors.databaseUnavailable); so does `work`'s failure once the connection failed or the server
   * ended the session, and a statement the server stopped throws 503 Errors.databaseTimeout
   * (databaseFault); other errors are rethrown as they are. A connection that failed is dropped,
   * not pooled again. The connection's own errors are listened to while it is lent out: unheard,
   * a connection lost between two statements of a transaction (pg_terminate_backend) would crash
   * the process. `work` sends its statements through `gated` (gate): a statement unanswered within
   * query_timeout loses the session, so the rest of `work` sends nothing more, the request fails
   * with 503 `0x80044151` (or, during COMMIT, the 503 saying the changes may or may not be saved),
   * the connection is dropped, and its server session is ended (terminate) so that its transaction
   * rolls back and frees its locks now rather than when the server notices the connection gone.
   */
  private async connected<T>(work: (client: pg.PoolClient, session: Session, gated: <U>(run: () => Promise<U>) => Promise<U>) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw Errors.databaseUnavailable(err);
    }
    const session: Session = { committing: false };
    const lose = (err: Error) => { session.lost ??= err; };
    const timedOut = (err: Error) => {
      if (session.lost) return;
      lose(new Error(`PostgreSQL did not answer a statement within query_timeout (${this.queryTimeoutMs} ms); the connection was dropped`, { cause: err }));
      session.timedOut = true;
      void this.terminate([backendPid(client)]);
    };
    client.on('error', lose);
    this.lent.set(client, session);
    try {
      return await work(client, session, gate(session, timedOut));
    } catch (err) {
      // The server's word that it ends the session comes before the connection closes.
      if (SESSION_ENDED.test(sqlState(err) ?? '')) lose(err as Error);
      throw databaseFault(err, session) ?? err;
    } finally {
      this.lent.delete(client);
      client.off('error', lose);
      client.release(session.lost);
    }
  }

  /**
   * Ends the server sessions of `pids` (pg_terminate_backend, allowed on a role's own sessions)
   * from a connection of its own, so that their transactions roll back and free their locks now:
   * a session waiting for a lock does not notice its connection closed until it gets the lock.
   * Best effort, for connections Tessera has given up on: when the server cannot be reached either
   * (a network partition), it ends them itself once it finds their connections gone. Resolves
   * either way, within twice TERMINATE_TIMEOUT_MS.
   */
  private async terminate(pids: ReadonlyArray<number | undefined>): Promise<void> {
    const known = pids.filter((pid): pid is number => pid !== undefined);
    if (!known.length) return;
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: TERMINATE_TIMEOUT_MS, query_timeout: TERMINATE_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [known]);
    } catch {
      // Unreachable too: see above.
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Ends the work lent connections are doing, for a process stopping at its shutdown deadline:
   * each connection is closed (pg's end: at once when a statement is in flight) and its session
   * lost, so its request sends nothing more and its transaction never commits, and the server
   * sessions are ended (terminate) so that their transactions roll back now, a lock wait included.
   * Resolves once the server has been asked (or could not be reached), within twice
   * TERMINATE_TIMEOUT_MS.
   */
  async abandon(): Promise<void> {
    const lent = [...this.lent];
    for (const [client, session] of lent) {
      session.lost ??= new Error('abandoned: Tessera is stopping and the shutdown deadline has passed');
      void client.end().catch(() => undefined);
    }
    await this.terminate(lent.map(([client]) => backendPid(client)));
  }

  /**
   * Runs `fn` in a transaction on one pooled connection. BEGIN, `fn`'s statements and the final
   * COMMIT or ROLLBACK go through one queue, so a statement `fn` sent without awaiting still runs
   * inside the transaction, before its end, and never on the connection once it is back in the pool.
   * When PostgreSQL ends it as a deadlock victim (40P01; two writers taking the same rows or
   * unique keys in opposite orders) or a serialization failure (40001), `fn` runs again after a
   * random backoff, up to TRANSACTION_ATTEMPTS times: nothing of the failed run was kept, and `fn`
   * plans from scratch. Past them it throws 503 `0x80044150` (Errors.writeConflict), never a 500.
   * A session lost or a statement stopped by the server throws its 503 at once (connected): the
   * database may be gone, and the request's client is the one to try again.
   */
  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (err) {
        // A deadlock victim or a serialization failure (40P01, 40001) is rolled back whole and
        // may simply run again; past the attempts it is reported like any other fault.
        const code = (err as { code?: unknown }).code;
        if (code !== '40P01' && code !== '40001') throw err;
        if (attempt >= TRANSACTION_ATTEMPTS) throw Errors.writeConflict(attempt);
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
      }
    }
  }

  /**
   * One run of a transaction: `fn`, then COMMIT, or ROLLBACK when it throws. BEGIN is not a round
   * trip of its own: it travels with the first statement (see executor), so a write that starts
   * with reserving its row versions waits for the server once less. A run that sent nothing has
   * nothing to end.
   */
  private attempt<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    return this.connected(async (client, session, gated) => {
      const inOrder = oneAtATime();
      const queued = <U>(work: () => Promise<U>) => inOrder(() => gated(work));
      const opening = { pending: true };
      try {
        const value = await fn(executor(client, queued, opening));
        await queued(async () => {
          if (opening.pending) return;
          session.committing = true;
          await client.query('COMMIT');
        });
        return value;
      } catch (err) {
        await queued(async () => { if (!opening.pending && !session.lost) await client.query('ROLLBACK'); }).catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Creates the URL's schema when it does not exist yet. Without it, PostgreSQL would create the
   * tables in the next schema on the search path (`public`) without a word. A schema that exists
   * needs no privilege beyond using it.
   */
  async ensureSchema(): Promise<void> {
    if (!this.schema) return;
    const [found] = await this.rows({ sql: 'SELECT 1 FROM pg_namespace WHERE nspname = $1', params: [this.schema] });
    if (!found) await this.run({ sql: `CREATE SCHEMA IF NOT EXISTS ${postgresDialect.quote(this.schema)}`, params: [] });
  }

  /**
   * Sequences are not transactional: a transaction may hold version 5 uncommitted while one
   * holding 6 has committed. So: read the highest version handed out (L, the sequence's last block
   * end); then list the transactions holding VERSION_HOLDERS_LOCK, which every transaction that
   * reserved a version ≤ L took before reserving and keeps until it has ended (see
   * reserveVersions); then wait until none of those holds it any more (polling, 1 ms doubling to
   * 50 ms). Other transactions on the server, Tessera's later writes and other schemas' are not
   * waited for. Writes last milliseconds, so this does too; one left open for SETTLE_TIMEOUT_MS
   * makes it throw 503 `0x80044150` (Errors.writesStillOpen).
   */
  async settledVersion(): Promise<number> {
    const [[last, called]] = await this.rows({ sql: 'SELECT last_value, is_called FROM tessera_versionnumber', params: [] }) as [[string, boolean]];
    const settled = called ? Number(last) + VERSION_BLOCK - 1 : Number(last) - 1;
    const holders = (extra: string, params: unknown[]) => ({
      sql: `SELECT "virtualtransaction" FROM pg_locks WHERE "locktype" = 'advisory' AND "database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database()) `
        + `AND "classid" = ${VERSION_HOLDERS_CLASS} AND "objid" = 'tessera_versionnumber'::regclass::oid AND "objsubid" = 1${extra}`,
      params,
    });
    const open = (await this.rows(holders('', []))).map(([v]) => v);
    if (!open.length) return settled;
    for (let waited = 0, pause = 1; ; waited += pause, pause = Math.min(50, pause * 2)) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (!(await this.rows(holders(' AND "virtualtransaction" = ANY($1::text[])', [open]))).length) return settled;
      if (waited >= SETTLE_TIMEOUT_MS) throw Errors.writesStillOpen(SETTLE_TIMEOUT_MS / 1000);
    }
  }

  /** PostgreSQL's 23505 names the index (or the primary key's constraint, `<table>_pkey`). */
  uniqueViolation(err: unknown): UniqueViolation | undefined {
    const { code, constraint } = err as { code?: unknown; constraint?: unknown };
    if (code !== '23505') return undefined;
    return typeof constraint === 'string' ? { index: constraint } : {};
  }

  isNumericOverflow(err: unknown): boolean {
    return (err as { code?: unknown }).code === '22003';
  }

  isTransactionAborted(err: unknown): boolean {
    return (err as { code?: unknown }).code === '25P02';
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
