import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Statement } from '../sql/dialect.js';
import type { Executor } from './database.js';
import { CachedConnection, openSqliteConnection } from './sqlite-connection.js';

/**
 * A SQLite write connection in a worker thread, for bulk write transactions (CreateMultiple).
 *
 * better-sqlite3 runs every statement in the calling thread. A CreateMultiple of 1,000 rows spends
 * about a third of its time in SQLite itself (binding and inserting into the table and its
 * indexes); on the request thread that time adds to the planning of the rows. Here the statements
 * run on a connection of the worker's own, so SQLite inserts one step of rows while the request
 * thread plans the next (store/execute.ts insertStream sends each step without waiting for its
 * answer), and the request thread is free for other requests' parsing meanwhile.
 *
 * The price is a message each way per statement (tens of microseconds), which a bulk transaction
 * of a few statements per thousand rows does not notice and a single-row write would: SqliteDatabase
 * runs only transactions marked `bulk` here. Transactions still take turns with those on the
 * request thread's writer connection (SqliteDatabase's queue), so the two connections never wait
 * for SQLite's write lock.
 *
 * Errors come back as Errors with the driver's `code` and `message` (SqliteDatabase.uniqueViolation
 * and isNumericOverflow read those). Values cross the thread boundary by structured clone: a BLOB
 * (a Buffer) arrives as a Uint8Array and is made a Buffer again on either side.
 */

/** What the worker is started with. */
interface BulkWriterData { readonly tesseraBulkWriter: string }

/** A request to the worker: a statement to run (`run`: changes; `rows`: rows), or `begin` / `commit` / `rollback`. */
type Request =
  | { readonly id: number; readonly op: 'run' | 'rows'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'begin' | 'commit' | 'rollback' };

/** The worker's answer to request `id`: its value, or the error it threw. */
type Answer =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: unknown } };

/**
 * The request thread's side: an Executor whose statements run in the worker, in the order sent
 * (the worker takes its messages in order). Starts the worker at construction; the thread keeps
 * the process alive only while an answer is awaited.
 */
export class BulkWriter implements Executor {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(err: unknown): void }>();
  private nextId = 0;
  /** Why the worker can take no more requests (it could not start, or its thread ended); undefined while it serves. */
  failed: Error | undefined;

  /** Opens, in a new worker thread, a connection to the SQLite file at `path` (Tessera's settings, openSqliteConnection). */
  constructor(path: string) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { tesseraBulkWriter: path } satisfies BulkWriterData });
    this.worker.unref();
    this.worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      if (!waiter) return;
      this.settled(answer.id);
      if ('error' in answer) waiter.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
      else waiter.resolve(answer.value);
    });
    // A worker that cannot start or dies fails what waits on it, and every later request.
    const fail = (err: Error) => {
      this.failed = err;
      for (const [id, waiter] of this.waiting) {
        this.settled(id);
        waiter.reject(err);
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`The SQLite bulk writer thread ended (exit code ${code}).`)));
  }

  async rows(s: Statement): Promise<unknown[][]> {
    const rows = await this.ask({ op: 'rows', sql: s.sql, params: s.params }) as unknown[][];
    return rows.map((row) => row.map(asBuffer));
  }

  run(s: Statement): Promise<number> {
    return this.ask({ op: 'run', sql: s.sql, params: s.params }) as Promise<number>;
  }

  /** Starts a write transaction (`BEGIN IMMEDIATE`) on the worker's connection. */
  begin(): Promise<void> {
    return this.ask({ op: 'begin' }) as Promise<void>;
  }

  /** Commits the worker's transaction; throws as COMMIT does (the transaction is then still open). */
  commit(): Promise<void> {
    return this.ask({ op: 'commit' }) as Promise<void>;
  }

  /** Rolls the worker's transaction back, if one is open. */
  rollback(): Promise<void> {
    return this.ask({ op: 'rollback' }) as Promise<void>;
  }

  /** Closes the worker's connection and ends the thread; resolves once it has ended. */
  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  private ask(request: { op: Request['op']; sql?: string; params?: readonly unknown[] }): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    if (this.waiting.size === 1) this.worker.ref();
    this.worker.postMessage({ ...request, id });
    return answer;
  }

  private settled(id: number): void {
    this.waiting.delete(id);
    if (!this.waiting.size) this.worker.unref();
  }
}

/** A BLOB value as better-sqlite3 binds and returns it (a Buffer), from the Uint8Array structured clone makes of one. */
function asBuffer(v: unknown): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** The worker's side: one connection, each request run as it arrives. */
function serve(path: string): void {
  const connection = new CachedConnection(openSqliteConnection(path));
  const { db } = connection;
  const port = parentPort!;
  port.on('message', (request: Request | 'close') => {
    if (request === 'close') {
      db.close();
      port.close();
      return;
    }
    let answer: Answer;
    try {
      let value: unknown;
      switch (request.op) {
        case 'run': value = connection.runSync({ sql: request.sql, params: request.params.map(asBuffer) }); break;
        case 'rows': value = connection.rowsSync({ sql: request.sql, params: request.params.map(asBuffer) }); break;
        case 'begin': db.exec('BEGIN IMMEDIATE'); break;
        case 'commit': db.exec('COMMIT'); break;
        case 'rollback': if (db.inTransaction) db.exec('ROLLBACK'); break;
      }
      answer = { id: request.id, value };
    } catch (err) {
      const { message, code } = err as { message?: unknown; code?: unknown };
      answer = { id: request.id, error: { message: String(message), code } };
    }
    port.postMessage(answer);
  });
}

if (!isMainThread && typeof (workerData as Partial<BulkWriterData> | undefined)?.tesseraBulkWriter === 'string') {
  serve((workerData as BulkWriterData).tesseraBulkWriter);
}
