/**
 * A SQLite connection as Tessera opens it (openSqliteConnection) and CachedConnection, its
 * prepared statements kept by SQL text: used by SqliteDatabase's connections on the request thread
 * and by the bulk writer's in its worker (sqlite-bulk-writer.ts).
 */
import BetterSqlite3 from 'better-sqlite3';
import { sqliteDialect } from '../sql/sqlite.js';
import type { Statement } from '../sql/dialect.js';
import type { Executor } from './database.js';

/** A better-sqlite3 connection. */
export type Connection = BetterSqlite3.Database;

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
export class CachedConnection implements Executor {
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
   * Runs a query and returns its rows as arrays (raw mode).
   */
  rowsSync(s: Statement): unknown[][] {
    return this.prepare(s.sql).raw(true).all(...s.params) as unknown[][];
  }

  async rows(s: Statement): Promise<unknown[][]> {
    return this.rowsSync(s);
  }

  /** Runs a write (or a query, counting its rows) and returns how many rows it changed. */
  runSync(s: Statement): number {
    const stmt = this.prepare(s.sql);
    if (stmt.reader) return (stmt.raw(true).all(...s.params) as unknown[]).length;
    return stmt.run(...s.params).changes;
  }

  async run(s: Statement): Promise<number> {
    return this.runSync(s);
  }
}
