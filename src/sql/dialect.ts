import type { AttributeModel } from '../model/types.js';
import type { Value } from '../plan/types.js';
import type { Engine } from './types.js';

/**
 * A parameterised SQL statement: text with the dialect's placeholders and its values in order.
 * With named placeholders (Dialect.namedPlaceholder), a plain object ending `params` holds the
 * named values by name.
 */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * For `COPY … FROM STDIN` statements (dialects with `copy`): the data sent after the command —
   * the dialect's `copy.header`, rows, `copy.trailer` — all at once, or as a stream that the COPY
   * ends with (a bulk insert feeds rows while it plans the next ones). renderInsertMany gives the
   * rows alone, so that several statements' rows can share one COPY. Absent for every other
   * statement.
   */
  readonly copy?: Uint8Array | AsyncIterable<Uint8Array>;
  /**
   * Set on a statement that may run as long as it needs: the schema migration's (its lock wait,
   * its checks over stored rows, its DDL, store/migrate.ts), which on a large table can take longer
   * than a request may. Exempt from the database URL's `query_timeout` (PostgreSQL, SQL Server),
   * which bounds requests by Dataverse's 2 minutes. Absent for every other statement.
   */
  readonly unbounded?: boolean;
}

/**
 * A dialect's COPY data format (PostgreSQL: sql/pg-copy-binary.ts). A COPY's data is `header`,
 * then rows from `encodeRows` (one call's or several), then `trailer`.
 */
export interface CopyFormat {
  /** What follows `COPY <table> (<columns>) FROM STDIN` in the command, e.g. ` (FORMAT binary)`. */
  readonly options: string;
  readonly header: Uint8Array;
  readonly trailer: Uint8Array;
  /**
   * `count` rows of `columns`; `cells[row × columns.length + column]` is a driver value
   * (Dialect.toDb applied), row by row. Throws an Error for a value the column's type cannot hold.
   */
  encodeRows(columns: readonly AttributeModel[], count: number, cells: ArrayLike<unknown>): Uint8Array;
}

/**
 * What differs between databases: data and a few small overrides, never control flow
 * (DESIGN.md §1, in the manner of Kysely's per-dialect query compilers). The renderers in
 * `render.ts` and `ddl.ts` are shared; each database supplies one object of this shape
 * (`sqlite.ts`, `postgres.ts`, `mssql.ts`).
 */
export interface Dialect {
  readonly name: Engine;
  /** Quotes a model identifier (identifiers never come from requests). */
  quote(identifier: string): string;
  /** The placeholder for the 1-based parameter `index`. */
  placeholder(index: number): string;
  /**
   * Optional: the placeholder of the named parameter `name`, bound from a plain object ending the
   * statement's params. A multi-row INSERT then binds a value that every row shares (stamped
   * system columns, defaults) once instead of once per row. Absent: every value is bound per row.
   */
  readonly namedPlaceholder?: (name: string) => string;
  /** Most bound parameters one statement may carry (bulk inserts are split to fit). */
  readonly maxParameters: number;
  /**
   * True when the driver this dialect is served by runs each statement as it is sent, on this
   * thread, its answer settled before the call returns (SQLite: better-sqlite3 is synchronous).
   * A bulk insert then gives the thread to other requests only once it is done: between its
   * steps there is no answer to wait for, and interleaving other requests' work with its steps
   * cost ~12 % more server CPU per row (CreateMultiple on SQLite with 4 clients, `npm run bench
   * -- --create-multiple-only`, 6 alternating runs each: median 14.2 against 12.5 µs/row).
   * Absent: statements go over a connection, and a bulk insert yields between steps so that its
   * rows are sent while it plans.
   */
  readonly answersInline?: boolean;
  /** The SQL column type for an attribute (see the table in `types.ts`). */
  columnType(a: AttributeModel): string;
  /** The floating-point SQL type (Double columns); sums and averages of whole numbers answer in it. */
  readonly floatType: string;
  /** The SQL type of a column of bytes of any length (a file's content: sql/file-attachments.ts). */
  readonly binaryType: string;
  /**
   * The most bytes one binaryType value holds: SQLite's default SQLITE_MAX_LENGTH (1,000,000,000),
   * PostgreSQL's 1 GB field limit (2^30 - 1), SQL Server's VARBINARY(MAX) (2^31 - 1). A File
   * column's MaxSizeInKB may allow more (up to 10 GB); files stop at this.
   */
  readonly maxBinaryBytes: number;
  /**
   * SQL for bytes `start` (1-based) … `start + count - 1` of the binaryType expression `bytes`
   * (`start` and `count` placeholders): fewer when it ends sooner, none past its end.
   */
  byteSlice(bytes: string, start: string, count: string): string;
  /**
   * How SUM and AVG of a whole-number column (Integer, BigInt) stay exact and never overflow, the
   * result then rounded to floatType once: `''` where the column's own SUM and AVG already do
   * (PostgreSQL: sum(integer) is a bigint; sum(bigint) and avg of either a numeric), else the
   * type each value is cast to first (SQL Server, whose SUM of an INT is an INT and of a BIGINT a
   * BIGINT: DECIMAL(38,0)). Absent: each value is cast to floatType and summed as a float
   * (SQLite, whose integer SUM raises "integer overflow" past 2^63; its float SUM and AVG use
   * compensated summation, so they answer as the exact sum does while values stay below 2^53).
   */
  readonly exactWholeSum?: string;
  /**
   * The aggregate that counts a whole table's rows past 2^31: SQL Server's `COUNT_BIG(*)` (its
   * `COUNT(*)` is an INT and fails past 2,147,483,647 rows). Absent: `COUNT(*)`, a 64-bit integer
   * on SQLite and PostgreSQL.
   */
  readonly countAll?: string;
  /** One ORDER BY item with Dataverse's null order: nulls first ascending, last descending. */
  orderItem(column: string, descending: boolean): string;
  /**
   * A complete SELECT returning at most `limit` rows: `body` is `<columns> FROM … [WHERE …]`,
   * `orderBy` the ORDER BY list (may be empty), `limit` the limit's placeholder. With
   * `options.distinct` it is a SELECT DISTINCT; `options.offset` (a placeholder; needs an ORDER
   * BY) skips that many rows first.
   */
  selectLimited(body: string, orderBy: string, limit: string, options?: SelectOptions): string;
  /**
   * Whether the database computes every result column of a row before a sort with LIMIT keeps or
   * drops the row (SQLite: no sorter references unless compiled in). A read with costly columns
   * (expansions) then limits its rows in a derived table first, and computes them for those only.
   */
  readonly computesColumnsBeforeLimit?: boolean;
  /**
   * How a recursive common table expression (a hierarchy walk, render.ts) is written: the keyword
   * that opens it (`WITH RECURSIVE`; SQL Server's plain `WITH`), and whether it must stand at the
   * head of the statement (SQL Server takes no WITH in a subquery; its placeholders are numbered,
   * so moving the text moves no value) rather than in the subquery that reads it (SQLite binds
   * its `?` in text order: there the expression stays where its value was added).
   */
  readonly recursiveWith: {
    readonly keyword: string;
    readonly atStatementHead: boolean;
    /**
     * Where the recursive member takes UNION ALL only (SQL Server): the most levels a walk without
     * a level bound (a loop check) recurses. Absent where it may follow UNION, which drops the rows
     * found before, so that such a walk goes as deep as the hierarchy and ends at a loop (SQLite,
     * PostgreSQL).
     */
    readonly unionAllOnly?: { readonly most: number };
    /**
     * What ends a statement whose walks may recurse `levels` levels so that the database lets them
     * (SQL Server stops a recursive expression at 100 recursions unless told: OPTION
     * (MAXRECURSION n), n at most 32,767), with room for the last recursion that finds nothing.
     * Absent where recursion is not limited (SQLite, PostgreSQL).
     */
    option?(levels: number): string;
  };
  /**
   * A scalar subquery that returns related rows as JSON (for `$expand`, one statement per read):
   * a JSON object (or NULL) when `single`, else a JSON array (empty when no row) of at most
   * `limit` rows in `orderBy` order. `pairs` are the object's keys and SQL expressions; `json`
   * marks expressions that are themselves JSON (nested expansions). `from` is
   * `<table> <alias> WHERE …`.
   */
  jsonSubquery(spec: JsonSubquery): string;
  /**
   * A whole number (SQL integer) from the date-time or date `value` (an SQL expression of a
   * DateTime column): its UTC `year`, `month` (1–12), `day` of the month (1–31), `dayofyear`
   * (1–366) or `weekday` (0 = Sunday … 6 = Saturday, whatever the session's first day of the week);
   * null for null. `dateOnly`: the column holds dates (DateTimeBehavior DateOnly), not date-times.
   * sql/date-part.ts builds FetchXML's date groupings from these.
   */
  dateField(field: DateField, value: string, dateOnly: boolean): string;
  /** `LIKE` with the escape character `\` and case-insensitive matching. */
  like(column: string, placeholder: string): string;
  /**
   * Only where the database's own case-insensitive comparison folds A–Z alone (SQLite's NOCASE
   * and LIKE): the SQL function, registered on every connection, that lower-cases text as
   * `String.prototype.toLowerCase` does. A text comparison whose value has other letters
   * (`'ÉTÉ'`) is rendered on both sides folded instead (see render.ts, foldedText).
   */
  readonly foldFunction?: string;
  /** Converts a canonical plan value to the driver's value for a column. */
  toDb(a: AttributeModel, v: Value): unknown;
  /** Converts a driver value read from a column back to its canonical value. */
  fromDb(a: AttributeModel, v: unknown): Value;
  /**
   * The statement that reserves `count` new database-wide row version numbers and returns them as
   * runs of consecutive numbers, one row `[first, length]` per run (in any order; SQLite and SQL
   * Server reserve one run; PostgreSQL one per 1,000 numbers, each a block its sequence steps
   * over). Run inside the write transaction. One statement, so that reservations sent without
   * waiting for each other (a bulk insert's, and its deep inserts') never interleave.
   */
  reserveVersions(count: number): Statement;
  /**
   * Where writers run side by side (PostgreSQL, SQL Server): the SQL expression an UPDATE sets `versionnumber`
   * to, taking a new row version when the statement writes the row, after any wait for another
   * transaction's lock on it, so that a row's committed versions only grow. A version reserved
   * before the UPDATE may be older than the one a writer that held the row meanwhile committed.
   * The transaction still reserves a version first (reserveVersions), which marks it as a version
   * holder for change tracking. Absent: the reserved version is written (SQLite: one writer at a
   * time).
   */
  readonly rowVersionOnUpdate?: string;
  /**
   * Savepoint statements inside a transaction: set `name`, roll back to it (the transaction goes
   * on, as if nothing after the savepoint had run, even after an error), and release it (none on
   * SQL Server, where a savepoint needs no release).
   */
  readonly savepoint: { set(name: string): string; rollbackTo(name: string): string; release?(name: string): string };
  /**
   * A read of a row a write is about to point at, locked as a foreign key check locks it, so that
   * the row cannot be deleted before the writing transaction ends and a delete that came first is
   * waited for (PostgreSQL `FOR KEY SHARE`, SQL Server `WITH (HOLDLOCK, ROWLOCK)`; nothing on
   * SQLite, whose writes take turns): `hint` follows the table name, `suffix` ends the SELECT.
   */
  readonly keyShareLock: { readonly hint: string; readonly suffix: string };
  /**
   * `DELETE FROM <table> WHERE <where>` that answers the deleted rows' `column` (RETURNING, or
   * SQL Server's OUTPUT DELETED).
   */
  deleteReturning(table: string, where: string, column: string): string;
  /** DDL run before any table DDL: extensions, the row version sequence, bookkeeping tables. */
  readonly setupDdl: readonly string[];
  /**
   * A statement that makes the migration transaction wait for any other one on the database to end
   * (servers starting at once on a fresh database would each create the same tables), or none
   * where the transaction itself takes the database's one writer lock (SQLite).
   */
  readonly migrationLock?: string;
  /**
   * The statement that makes the transaction wait for any other holding the lock of table `table`
   * (quoted) and then hold it to its end, so that writes that read the table before they change it
   * take turns, each reading what the one before committed (a hierarchy's loop check,
   * plan/hierarchy-loops.ts): PostgreSQL's transaction-scoped advisory lock, SQL Server's
   * application lock owned by the transaction. It locks no row: other reads and writes of the table
   * go on. Absent where writes take turns already (SQLite).
   */
  tableLock?(table: string): Statement;
  /**
   * How a SELECT locks the rows it reads until the transaction ends, so that a write of many rows
   * can take them all, in one order, before it changes any (renderLockRows): `tableHint` after the
   * table's name (SQL Server's `WITH (UPDLOCK, ROWLOCK, HOLDLOCK)`), `suffix` after the statement
   * (PostgreSQL's `FOR UPDATE`, which locks rows in the ORDER BY's order). Absent where writes take
   * turns already (SQLite).
   */
  readonly rowLock?: { readonly tableHint?: string; readonly suffix?: string };
  /** `ALTER TABLE <t> <addColumn> <definition>`: `ADD COLUMN` or `ADD`. */
  readonly addColumn: string;
  /**
   * Optional bulk form: `COPY <table> (<columns>) FROM STDIN<options>` with the rows in this
   * format; absent = multi-row VALUES.
   */
  readonly copy?: CopyFormat;
  /** Whether a column can be an index key on this database. */
  canIndex(a: AttributeModel): boolean;
  /**
   * DDL creating index `name` on `table(columns…)` unless it exists; with `where` (a predicate over
   * the table's columns, e.g. `"x" IS NOT NULL`) a partial (SQL Server: filtered) index holding only
   * the rows it admits.
   */
  createIndex(name: string, table: string, columns: readonly string[], where?: string): string;
  /** DDL creating a unique index over `columns` unless it exists; rows with a null key column are exempt. */
  createUniqueIndex(name: string, table: string, columns: readonly string[]): string;
  /** DDL dropping index `name` of `table` (both quoted). */
  dropIndex(name: string, table: string): string;
  /**
   * DDL changing the type of `column` of `table` (both quoted) to `type` (columnType's), keeping
   * its values: only ever a Decimal or Money column to a larger scale (migrationDdl). SQLite, whose
   * REAL serves every Precision, never needs it and throws.
   */
  alterColumnType(table: string, column: string, type: string): string;
  /**
   * Catalog query returning one row per existing column: `[table_name, column_name, date_only,
   * scale]`, where `date_only` is 1 for a date column, 0 for a date-time one, and `scale` a decimal
   * column's scale; both null where the type does not tell (other types; SQLite's TEXT and REAL,
   * which serve dates, date-times and every Precision alike).
   */
  readonly catalogColumns: Statement;
  /**
   * Catalog query returning one row per key column of each index of the schema's tables but the
   * primary keys' own (SQLite's automatic ones): `[table_name, index_name, column_name]`,
   * ordered by table, index and the column's place in the index.
   */
  readonly catalogIndexes: Statement;
}

/** Canonical number from a driver value that may be a string (bigint, numeric) or a number. */
export function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The calendar fields of a date that `Dialect.dateField` reads. */
export type DateField = 'year' | 'month' | 'day' | 'dayofyear' | 'weekday';

/** Optional parts of `Dialect.selectLimited`. */
export interface SelectOptions {
  readonly distinct?: boolean;
  /** The placeholder of the number of rows to skip. */
  readonly offset?: string;
}

/** What `Dialect.jsonSubquery` renders. */
export interface JsonSubquery {
  readonly pairs: ReadonlyArray<{ readonly key: string; readonly expr: string; readonly json: boolean }>;
  readonly from: string;
  readonly single: boolean;
  readonly orderBy: string;
  /** The row limit's placeholder (collections). */
  readonly limit?: string;
}

/** Splits key/value pairs into chunks, for databases that cap a function's argument count. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length ? out : [[]];
}
