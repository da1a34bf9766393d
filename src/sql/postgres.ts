import type { DateField, Dialect } from './dialect.js';
import { chunks, toNumber } from './dialect.js';
import { BINARY_COPY } from './pg-copy-binary.js';
import { canonicalDate, columnType } from './types.js';

/** Row version numbers one `nextval` of `tessera_versionnumber` reserves. */
export const VERSION_BLOCK = 1000;

/** The high 32 bits of VERSION_HOLDERS_LOCK: pg_locks shows them as `classid`. */
export const VERSION_HOLDERS_CLASS = 0x7e55e7a;

/**
 * The advisory lock a migration holds to its transaction's end, for the whole database (the citext
 * extension is the database's, not a schema's): the same constant high 32 bits, low bits 1.
 */
export const MIGRATION_LOCK = `${VERSION_HOLDERS_CLASS}::bigint * 4294967296 + 1`;

/**
 * The advisory lock every transaction that reserves row versions holds (shared) to its end: the
 * bigint VERSION_HOLDERS_CLASS << 32 | the oid of this schema's version sequence, so Tessera
 * databases in other schemas or databases do not share it. pg_locks lists it with `classid`
 * VERSION_HOLDERS_CLASS, `objid` the sequence's oid, `objsubid` 1.
 */
export const VERSION_HOLDERS_LOCK = `${VERSION_HOLDERS_CLASS}::bigint * 4294967296 + 'tessera_versionnumber'::regclass::oid::bigint`;

/**
 * The high 32 bits of the advisory locks of tables (Dialect.tableLock); the low 32 bits are the
 * table's oid, so tables of other schemas or databases do not share one.
 */
export const TABLE_LOCK_CLASS = 0x7e55e7b;

/**
 * PostgreSQL dialect (pg). Strings are `citext`, so `=`, ordering and LIKE are case-insensitive
 * (the citext extension is created in `public`). Nulls are ordered explicitly (NULLS FIRST
 * ascending, NULLS LAST descending) to match SQL Server and Dataverse. Parameters are `$n`.
 * Row versions come from the sequence `tessera_versionnumber`.
 */
/**
 * The schema whose catalog a migration reads: the URL's `?schema=` (the session setting
 * `tessera.schema`, which store/postgres.ts sets with it), else current_schema(). Not
 * current_schema() alone: a schema that does not exist yet (`migrate --dry-run` creates none) is
 * skipped by it for the next one on the search path, public, whose tables would then be taken for
 * the schema's own and the dry run would plan nothing.
 */
const CATALOG_SCHEMA = "coalesce(nullif(current_setting('tessera.schema', true), ''), current_schema())";

/** EXTRACT's field for each DateField (DOW: 0 = Sunday). */
const PG_DATE_FIELDS: Record<DateField, string> = { year: 'YEAR', month: 'MONTH', day: 'DAY', dayofyear: 'DOY', weekday: 'DOW' };

export const postgresDialect: Dialect = {
  name: 'postgres',
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  placeholder: (index) => `$${index}`,
  maxParameters: 65535,
  columnType: (a) => columnType('postgres', a),
  floatType: 'double precision',
  binaryType: 'bytea',
  maxBinaryBytes: 2 ** 30 - 1,
  byteSlice: (bytes, start, count) => `substring(${bytes} from ${start} for ${count})`,
  exactWholeSum: '',
  recursiveWith: { keyword: 'WITH RECURSIVE', atStatementHead: false },
  orderItem: (column, descending) => `${column} ${descending ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`,
  selectLimited: (body, orderBy, limit, options) =>
    `SELECT ${options?.distinct ? 'DISTINCT ' : ''}${body}${orderBy ? ` ORDER BY ${orderBy}` : ''} LIMIT ${limit}${options?.offset ? ` OFFSET ${options.offset}` : ''}`,
  // jsonb_build_object takes at most 100 arguments: objects are built in chunks joined with ||.
  // Collections keep their order through row_number().
  jsonSubquery: ({ pairs, from, single, orderBy, limit }) => {
    const object = chunks(pairs, 50).map((c) => `jsonb_build_object(${c.map((p) => `'${p.key}', ${p.expr}`).join(', ')})`).join(' || ');
    if (single) return `(SELECT ${object} FROM ${from})`;
    return `(SELECT coalesce(jsonb_agg("x"."j" ORDER BY "x"."n"), '[]'::jsonb) FROM (SELECT ${object} AS "j", row_number() OVER (ORDER BY ${orderBy}) AS "n" FROM ${from} ORDER BY ${orderBy} LIMIT ${limit}) AS "x")`;
  },
  // EXTRACT answers numeric; a timestamptz is read in UTC whatever the session's TimeZone, a date as it is.
  dateField: (field, value, dateOnly) => `CAST(EXTRACT(${PG_DATE_FIELDS[field]} FROM ${dateOnly ? value : `${value} AT TIME ZONE 'UTC'`}) AS integer)`,
  like: (column, placeholder) => `${column} LIKE ${placeholder} ESCAPE '\\'`,
  // A whole number past 2^53 is sent as the integer the double holds (BigInt(n)), as SQLite and SQL
  // Server bind it, not as its shortest text, which pg would send (String(2 ** 60 + 1) is
  // "1152921504606847000", another integer): so a row stores what a $filter literal, compared
  // exactly, names on every database.
  toDb: (a, v) => (a.EdmType === 'Edm.Int64' && typeof v === 'number' && !Number.isSafeInteger(v) ? BigInt(v) : v),
  fromDb: (a, v) => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return canonicalDate(a, v);
    switch (a.EdmType) {
      case 'Edm.Int32': case 'Edm.Int64': case 'Edm.Decimal': case 'Edm.Double': return toNumber(v);
      case 'Edm.Boolean': return v === true || v === 't';
      default: return v as string;
    }
  },
  // A sequence hands out no ranges (SQL Server's sp_sequence_get_range does), so it steps by
  // VERSION_BLOCK: each nextval reserves the block of that many numbers it starts, and a write of
  // `count` rows takes ceil(count / VERSION_BLOCK) of them. One nextval per row cost a 1,000-row
  // CreateMultiple ~1 ms of server time before its first row could be sent. Version numbers thus
  // advance by a block per write; clients only compare them.
  // The count is written into the text (a safe integer, checked) rather than bound, so that the
  // statement needs no parameters and can open its transaction in the same round trip
  // (store/postgres.ts). Before it reserves (in a CTE the join reads before any nextval runs),
  // the transaction takes VERSION_HOLDERS_LOCK in shared mode, which it keeps to its end: so the
  // transactions holding versions are listed in pg_locks (settledVersion waits for them).
  savepoint: { set: (n) => `SAVEPOINT ${n}`, rollbackTo: (n) => `ROLLBACK TO SAVEPOINT ${n}`, release: (n) => `RELEASE SAVEPOINT ${n}` },
  keyShareLock: { hint: '', suffix: ' FOR KEY SHARE' },
  deleteReturning: (table, where, column) => `DELETE FROM ${table} WHERE ${where} RETURNING ${column}`,
  reserveVersions: (count) => {
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`reserveVersions: count must be a positive integer, not ${count}`);
    return {
      sql: `WITH "x" AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(${VERSION_HOLDERS_LOCK})) SELECT nextval('tessera_versionnumber'), least(${VERSION_BLOCK}, ${count} - ${VERSION_BLOCK} * ("n" - 1)) FROM "x", generate_series(1, ${Math.ceil(count / VERSION_BLOCK)}) AS "n"`,
      params: [],
    };
  },
  rowVersionOnUpdate: "nextval('tessera_versionnumber')",
  migrationLock: `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`,
  rowLock: { suffix: ' FOR UPDATE' },
  tableLock: (table) => ({ sql: `SELECT pg_advisory_xact_lock(${TABLE_LOCK_CLASS}::bigint * 4294967296 + $1::regclass::oid::bigint)`, params: [table] }),
  setupDdl: [
    'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public',
    `CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY ${VERSION_BLOCK}`,
    // Databases made when the sequence stepped by one. Only then: ALTER SEQUENCE waits for every
    // transaction that called nextval and blocks nextval meanwhile, so running servers would stall.
    `DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> ${VERSION_BLOCK} THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY ${VERSION_BLOCK}; END IF; END $$`,
  ],
  addColumn: 'ADD COLUMN',
  canIndex: () => true,
  // NULLs are distinct in unique indexes here, so rows with a null key column never collide.
  createUniqueIndex: (name, table, columns) => `CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})`,
  // NULLS FIRST matches orderItem, so one full index (declared `Indexes`) serves both ORDER BY …
  // ASC NULLS FIRST and, read backwards, DESC NULLS LAST. A partial lookup index holds no nulls,
  // so it serves equality and joins, not an ORDER BY of the lookup (rare: a sort by GUID).
  createIndex: (name, table, columns, where) => `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.map((c) => `${c} NULLS FIRST`).join(', ')})${where ? ` WHERE ${where}` : ''}`,
  // COPY is PostgreSQL's fastest way in: ~2x an INSERT from unnest'ed arrays here, which parses
  // an array literal per column on the server; binary, so it parses no text at all.
  copy: BINARY_COPY,
  // numeric(38,p) to a larger p rewrites the table (under an exclusive lock) and rebuilds its
  // indexes. The default ranges (±1e11 Decimal, ±9.2e14 Money) fit 38 - 10 whole digits; a stored
  // value past 38 - p would fail the statement, and the migration with it.
  alterColumnType: (table, column, type) => `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}`,
  catalogColumns: {
    sql: `SELECT table_name, column_name, CASE data_type WHEN 'date' THEN 1 WHEN 'timestamp with time zone' THEN 0 END, `
      + `CASE data_type WHEN 'numeric' THEN numeric_scale END FROM information_schema.columns WHERE table_schema = ${CATALOG_SCHEMA}`,
    params: [],
  },
  dropIndex: (name) => `DROP INDEX ${name}`,
  catalogIndexes: {
    sql: `SELECT t.relname, c.relname, a.attname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid `
      + `JOIN pg_namespace n ON n.oid = t.relnamespace CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) `
      + `JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum WHERE n.nspname = ${CATALOG_SCHEMA} AND NOT x.indisprimary ORDER BY 1, 2, k.ord`,
    params: [],
  },
};
