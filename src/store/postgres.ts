import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresDialect } from '../sql/postgres.js';
import type { Statement } from '../sql/dialect.js';
import { atOnce, oneAtATime, type Database, type Executor } from './database.js';

/** `date` columns come back as their `YYYY-MM-DD` text, not as a Date in the server's zone. */
const DATE_OID = 1082;

/**
 * Runs `COPY … FROM STDIN` (`sql`) with `data` (header, rows and trailer of the format the
 * command names), given whole or streamed (the COPY ends when the stream does; a stream that
 * fails aborts it with CopyFail); returns the rows copied. A pool lends a connection for it.
 * Errors (a duplicate key: 23505) reject as the query's would.
 */
async function copyIn(client: pg.Pool | pg.PoolClient, sql: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
  const own = client instanceof pg.Pool ? await client.connect() : undefined;
  try {
    const stream = (own ?? (client as pg.PoolClient)).query(copyFrom(sql));
    await pipeline(data instanceof Uint8Array ? Readable.from([data]) : Readable.from(data), stream);
    return stream.rowCount;
  } finally {
    own?.release();
  }
}

/**
 * Statements on a pool (each on any free connection, `queued` = atOnce) or on one transaction's
 * connection, where `queued` is the transaction's oneAtATime queue: each statement waits for the
 * one sent before it, and the transaction's COMMIT or ROLLBACK for all of them.
 */
function executor(client: pg.Pool | pg.PoolClient, queued: <T>(work: () => Promise<T>) => Promise<T>): Executor {
  return {
    rows(s: Statement) {
      return queued(async () => (await client.query({ text: s.sql, values: s.params as unknown[], rowMode: 'array' })).rows as unknown[][]);
    },
    run(s: Statement) {
      return queued(async () => {
        if (s.copy !== undefined) return copyIn(client, s.sql, s.copy);
        return (await client.query({ text: s.sql, values: s.params as unknown[] })).rowCount ?? 0;
      });
    },
  };
}

/** Runs of one transaction when PostgreSQL picks it as a deadlock victim (see transaction). */
const TRANSACTION_ATTEMPTS = 4;

/**
 * PostgreSQL through a pg pool. URL: `postgres://user:password@host:port/database[?schema=name]`;
 * `schema` sets the search_path (`<schema>, public`; the citext extension lives in public).
 * Each transaction takes one pooled connection (READ COMMITTED; guarded writes check their
 * guards in the statement itself, so no read-then-write race).
 */
export class PostgresDatabase implements Database {
  readonly dialect = postgresDialect;
  private readonly pool: pg.Pool;
  private readonly reader: Executor;
  readonly description: string;

  constructor(url: string, poolSize = 10) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    this.description = `postgres://${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`;
    this.pool = new pg.Pool({
      connectionString: parsed.toString(),
      max: poolSize,
      options: schema ? `-c search_path=${schema},public` : undefined,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === DATE_OID ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
    });
    this.pool.on('error', () => undefined); // an idle client's connection dropped; the next query reconnects
    this.reader = executor(this.pool, atOnce);
  }

  rows(s: Statement): Promise<unknown[][]> {
    return this.reader.rows(s);
  }

  run(s: Statement): Promise<number> {
    return this.reader.run(s);
  }

  /**
   * Runs `fn` in a transaction on one pooled connection. BEGIN, `fn`'s statements and the final
   * COMMIT or ROLLBACK go through one queue, so a statement `fn` sent without awaiting still runs
   * inside the transaction, before its end, and never on the connection once it is back in the pool.
   * When PostgreSQL ends it as a deadlock victim (40P01; two writers taking the same unique keys
   * in opposite orders) or a serialization failure (40001), `fn` runs again, up to
   * TRANSACTION_ATTEMPTS times: nothing of the failed run was kept, and `fn` plans from scratch.
   */
  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (err) {
        // A deadlock victim or a serialization failure (40P01, 40001) is rolled back whole and
        // may simply run again; past the attempts it is reported like any other fault.
        const code = (err as { code?: unknown }).code;
        if ((code !== '40P01' && code !== '40001') || attempt >= TRANSACTION_ATTEMPTS) throw err;
      }
    }
  }

  /** One run of a transaction: BEGIN, `fn`, COMMIT, or ROLLBACK when it throws. */
  private async attempt<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const queued = oneAtATime();
    const command = (sql: string) => queued(() => client.query(sql));
    try {
      await command('BEGIN');
      const value = await fn(executor(client, queued));
      await command('COMMIT');
      return value;
    } catch (err) {
      await command('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  isUniqueViolation(err: unknown): boolean {
    return (err as { code?: unknown }).code === '23505';
  }

  isTransactionAborted(err: unknown): boolean {
    return (err as { code?: unknown }).code === '25P02';
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
