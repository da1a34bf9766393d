import type { DateField, Dialect } from './dialect.js';
import { chunks, toNumber } from './dialect.js';
import { columnType } from './types.js';

/** strftime's format of each DateField (`%w`: 0 = Sunday). */
const SQLITE_DATE_FORMATS: Record<DateField, string> = { year: '%Y', month: '%m', day: '%d', dayofyear: '%j', weekday: '%w' };

/**
 * SQLite dialect (better-sqlite3). Strings are `TEXT COLLATE NOCASE` so `=`, ordering and
 * comparisons are case-insensitive like Dataverse's SQL Server collation (ASCII letters; SQLite's
 * NOCASE does not fold other scripts). LIKE is case-insensitive for ASCII by default.
 * Date-times are canonical UTC text, which sorts chronologically; booleans are 0/1.
 * SQLite sorts NULLs first ascending and last descending, as SQL Server does.
 */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  answersInline: true,
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  placeholder: () => '?',
  // better-sqlite3 binds `?` from the arguments in order and `@name` from a trailing plain object;
  // binding a string costs ~200 ns (two copies), so a value shared by 1,000 rows is worth naming.
  namedPlaceholder: (name) => `@${name}`,
  maxParameters: 32766,
  columnType: (a) => columnType('sqlite', a),
  floatType: 'REAL',
  binaryType: 'BLOB',
  maxBinaryBytes: 1_000_000_000,
  byteSlice: (bytes, start, count) => `substr(${bytes}, ${start}, ${count})`,
  recursiveWith: { keyword: 'WITH RECURSIVE', atStatementHead: false },
  orderItem: (column, descending) => `${column} ${descending ? 'DESC' : 'ASC'}`,
  computesColumnsBeforeLimit: true,
  selectLimited: (body, orderBy, limit, options) =>
    `SELECT ${options?.distinct ? 'DISTINCT ' : ''}${body}${orderBy ? ` ORDER BY ${orderBy}` : ''} LIMIT ${limit}${options?.offset ? ` OFFSET ${options.offset}` : ''}`,
  // json_object takes at most 127 arguments here: objects are built in chunks and merged.
  jsonSubquery: ({ pairs, from, single, orderBy, limit }) => {
    const objects = chunks(pairs, 50).map((c) => `json_object(${c.map((p) => `'${p.key}', ${p.json ? `json(${p.expr})` : p.expr}`).join(', ')})`);
    const object = objects.length === 1 ? objects[0]! : `json_patch(${objects.join(', ')})`;
    if (single) return `(SELECT ${object} FROM ${from})`;
    return `(SELECT json_group_array(json("x"."j")) FROM (SELECT ${object} AS "j" FROM ${from} ORDER BY ${orderBy} LIMIT ${limit}) AS "x")`;
  },
  // Date-times are canonical UTC text (`…Z`), dates `YYYY-MM-DD`: strftime reads both as they are.
  dateField: (field, value) => `CAST(strftime('${SQLITE_DATE_FORMATS[field]}', ${value}) AS INTEGER)`,
  like: (column, placeholder) => `${column} LIKE ${placeholder} ESCAPE '\\'`,
  foldFunction: 'tessera_fold',
  toDb: (a, v) => (a.AttributeType === 'Boolean' && v !== null ? (v ? 1 : 0) : v),
  fromDb: (a, v) => {
    if (v === null || v === undefined) return null;
    if (a.AttributeType === 'Boolean') return v === 1 || v === true;
    if (typeof v === 'bigint') return toNumber(v);
    return v as string | number;
  },
  savepoint: { set: (n) => `SAVEPOINT ${n}`, rollbackTo: (n) => `ROLLBACK TO SAVEPOINT ${n}`, release: (n) => `RELEASE SAVEPOINT ${n}` },
  keyShareLock: { hint: '', suffix: '' },
  deleteReturning: (table, where, column) => `DELETE FROM ${table} WHERE ${where} RETURNING ${column}`,
  reserveVersions: (count) => ({
    sql: `UPDATE "tessera_sequence" SET "value" = "value" + ? WHERE "name" = 'versionnumber' RETURNING "value" - ? + 1, ?`,
    params: [count, count, count],
  }),
  setupDdl: [
    `CREATE TABLE IF NOT EXISTS "tessera_sequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)`,
    `INSERT OR IGNORE INTO "tessera_sequence" ("name", "value") VALUES ('versionnumber', 1000)`,
  ],
  addColumn: 'ADD COLUMN',
  canIndex: () => true,
  // NULLs are distinct in unique indexes here, so rows with a null key column never collide.
  createUniqueIndex: (name, table, columns) => `CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})`,
  createIndex: (name, table, columns, where) => `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})${where ? ` WHERE ${where}` : ''}`,
  alterColumnType: () => {
    throw new Error('SQLite changes no column type: REAL and TEXT serve every Precision and DateTimeBehavior');
  },
  catalogColumns: {
    sql: `SELECT m.name AS table_name, p.name AS column_name, NULL, NULL FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`,
    params: [],
  },
  dropIndex: (name) => `DROP INDEX ${name}`,
  catalogIndexes: {
    // Automatic indexes (primary keys, UNIQUE constraints) have no SQL of their own.
    sql: `SELECT m.tbl_name, m.name, i.name FROM sqlite_master m JOIN pragma_index_info(m.name) i WHERE m.type = 'index' AND m.sql IS NOT NULL ORDER BY m.tbl_name, m.name, i.seqno`,
    params: [],
  },
};
