import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteDialect } from '../sql/sqlite.js';
import type { Statement } from '../sql/dialect.js';
import type { Database, Executor, TransactionOptions, UniqueViolation } from './database.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpoint.js';
import { BulkWriter } from './sqlite-bulk-writer.js';
import { CachedConnection, openSqliteConnection } from './sqlite-connection.js';

/**
 * SQLite through better-sqlite3. The file is opened twice: a writer connection, used only inside
 * transactions (serialised by a promise queue, `BEGIN IMMEDIATE`), and a reader connection for
 * plain reads, which in WAL mode sees only committed data and never blocks the writer. A third
 * connection, in a worker thread, checkpoints the WAL in the background (sqlite-checkpoint.ts), and
 * a fourth, in another worker started by the first bulk transaction, runs the transactions marked
 * `bulk` (sqlite-bulk-writer.ts); those take their turn in the same queue as the writer's.
 *
 * Durability: WAL with `synchronous = NORMAL`: a committed transaction survives a crash of the
 * process; after a power loss or OS crash the last transactions before it may be lost, but the
 * file is never corrupt (sqlite.org/pragma.html#pragma_synchronous).
 */
export class SqliteDatabase implements Database {
  readonly dialect = sqliteDialect;
  private readonly writer: CachedConnection;
  private readonly reader: CachedConnection;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly checkpointer: Checkpointer | undefined;
  private bulkWriter: BulkWriter | undefined;

  /**
   * Opens (creating folders and the file if needed) `path`. `:memory:` uses one connection, so
   * there, unlike with a file, a read that runs while a long write (a bulk insert, a `$batch`
   * change set) waits between statements sees that write's rows before it commits: for tests and
   * trials, not for serving.
   */
  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const open = () => new CachedConnection(openSqliteConnection(path));
    this.writer = open();
    this.reader = path === ':memory:' ? this.writer : open();
    this.checkpointer = path === ':memory:' ? undefined : startCheckpointer(path);
  }

  /** Prepared statements cached on the reader and the writer connection (for tests). */
  get cachedStatements(): { reader: number; writer: number } {
    return { reader: this.reader.cachedStatements, writer: this.writer.cachedStatements };
  }

  get description(): string {
    return `sqlite:${this.path}`;
  }

  rows(s: Statement): Promise<unknown[][]> {
    return this.reader.rows(s);
  }

  run(s: Statement): Promise<number> {
    return this.transaction((tx) => tx.run(s));
  }

  /**
   * Runs `fn` in a write transaction, after the transactions before it. With `options.bulk` on a
   * file, on the bulk writer's connection in its worker thread (see the class); otherwise on the
   * writer connection. `:memory:` has one connection and runs every transaction on it.
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (options?.bulk && this.path !== ':memory:') return this.inBulkWriter(fn);
    const result = this.queue.then(async () => {
      this.writer.db.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(this.writer);
        this.writer.db.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.writer.db.inTransaction) this.writer.db.exec('ROLLBACK');
        throw err;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private inBulkWriter<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      // A worker whose thread ended (it failed) is replaced; SQLite rolled back what it left open.
      if (!this.bulkWriter || this.bulkWriter.failed) this.bulkWriter = new BulkWriter(this.path);
      const writer = this.bulkWriter;
      await writer.begin();
      try {
        const value = await fn(writer);
        await writer.commit();
        return value;
      } catch (err) {
        await writer.rollback().catch(() => undefined);
        throw err;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * The row version counter as committed: writes take turns and reserve their versions inside
   * their transaction, so every version up to it belongs to a transaction that has ended. On
   * `:memory:` (one connection) it is read in the writers' queue, after the writes before it.
   */
  async settledVersion(): Promise<number> {
    const read = this.reader === this.writer ? (s: Statement) => this.transaction((tx) => tx.rows(s)) : (s: Statement) => this.reader.rows(s);
    const [[value]] = await read({ sql: `SELECT "value" FROM "tessera_sequence" WHERE "name" = 'versionnumber'`, params: [] }) as [[number]];
    return Number(value);
  }

  /**
   * SQLite names no index: a unique index's violation ("UNIQUE constraint failed: t.a, t.b") gives
   * its columns; the primary key's (SQLITE_CONSTRAINT_PRIMARYKEY) nothing more.
   */
  uniqueViolation(err: unknown): UniqueViolation | undefined {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return {};
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
    const list = /constraint failed: (.*)$/.exec(String(message))?.[1];
    return list ? { columns: list.split(',').map((c) => c.trim().replace(/^.*\./, '')) } : {};
  }

  isNumericOverflow(err: unknown): boolean {
    return err instanceof Error && err.message === 'integer overflow';
  }

  isTransactionAborted(): boolean {
    return false;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.checkpointer?.stop();
    await this.bulkWriter?.close();
    this.writer.db.close();
    if (this.reader !== this.writer) this.reader.db.close();
  }
}
