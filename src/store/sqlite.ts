import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sqliteDialect } from '../sql/sqlite.js';
import type { Statement } from '../sql/dialect.js';
import type { Database, Executor, UniqueViolation } from './database.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpoint.js';

type Connection = BetterSqlite3.Database;

/** WAL size past which a commit checkpoints (files made before 8 KiB pages keep their 4 KiB). */
const WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024;

/**
 * Opens a better-sqlite3 connection with Tessera's settings: WAL, `synchronous = NORMAL` (see
 * SqliteDatabase), a 5 s busy timeout, a 64 MiB page cache, and a checkpoint every ~40 MiB of WAL
 * rather than SQLite's 1,000 pages (bulk writes touch many pages), and the dialect's `foldFunction`
 * (Unicode lower-casing for text comparisons). The benchmark's raw-driver
 * figures use the same settings. Two more, for bulk writes (measured with 1,000-row transactions
 * of 200-row INSERTs, sqlite.org/pragma.html):
 * - `page_size = 8192` for a new file (an existing one keeps its size): a commit writes each
 *   changed page to the WAL as two system calls, and bigger pages make half as many
 *   (~0.6 µs a row less).
 * - `temp_store = MEMORY`: a multi-row INSERT inside a transaction keeps a statement journal
 *   (the before-image of every page it changes, so that a failing row undoes only its
 *   statement), which spills to a temporary file past 64 KiB: ~230 writes per 1,000 rows. In
 *   memory it costs ~1 µs a row less. The price: temporary tables and the sorts of large
 *   queries without a LIMIT are held in memory too, not in temporary files.
 */
export function openSqliteConnection(path: string): Connection {
  const db = new BetterSqlite3(path);
  db.pragma('page_size = 8192');
  db.pragma('temp_store = MEMORY');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma(`wal_autocheckpoint = ${Math.round(WAL_CHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number))}`);
  // The dialect's foldFunction: NOCASE and LIKE fold A–Z only.
  db.function(sqliteDialect.foldFunction!, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
  return db;
}

/** How many prepared statements a connection keeps; clients shape SQL text, so the cache is bounded. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * One connection with a prepared-statement cache keyed by SQL text (DESIGN.md §7), least recently
 * used statements evicted beyond STATEMENT_CACHE_SIZE.
 */
class CachedConnection implements Executor {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  constructor(readonly db: Connection) {}

  private prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.cache.get(sql);
    if (stmt) {
      this.cache.delete(sql); // re-inserted below: Map order is recency order
    } else {
      stmt = this.db.prepare(sql);
      if (this.cache.size >= STATEMENT_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(sql, stmt);
    return stmt;
  }

  /** Number of cached statements (for tests). */
  get cachedStatements(): number {
    return this.cache.size;
  }

  /**
   * Parameters are passed spread, not as one array: better-sqlite3 then reads them as call
   * arguments instead of one element lookup each (a 1,000-row INSERT binds ~15,000; ~40 % faster).
   * At most 32,766 (the dialect's maxParameters), well within V8's argument limit.
   */
  rowsSync(s: Statement): unknown[][] {
    return this.prepare(s.sql).raw(true).all(...s.params) as unknown[][];
  }

  async rows(s: Statement): Promise<unknown[][]> {
    return this.rowsSync(s);
  }

  async run(s: Statement): Promise<number> {
    const stmt = this.prepare(s.sql);
    if (stmt.reader) return (stmt.raw(true).all(...s.params) as unknown[]).length;
    return stmt.run(...s.params).changes;
  }
}

/**
 * SQLite through better-sqlite3. The file is opened twice: a writer connection, used only inside
 * transactions (serialised by a promise queue, `BEGIN IMMEDIATE`), and a reader connection for
 * plain reads, which in WAL mode sees only committed data and never blocks the writer. A third
 * connection, in a worker thread, checkpoints the WAL in the background (sqlite-checkpoint.ts).
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

  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
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

  /**
   * Nothing to end: better-sqlite3 runs each statement to its end before anything else runs, so no
   * statement is in progress when this runs, and none waits for ever (a locked file fails after
   * the busy timeout). A transaction left open (its request waiting on something else) never
   * commits: SQLite discards it when the process exits, and the file holds none of it.
   */
  async abandon(): Promise<void> {}

  async close(): Promise<void> {
    await this.queue;
    await this.checkpointer?.stop();
    this.writer.db.close();
    if (this.reader !== this.writer) this.reader.db.close();
  }
}
