import type { Dialect } from './dialect.js';
import { chunks, toNumber } from './dialect.js';
import { canonicalDate, columnType } from './types.js';

/** Characters escaped inside a double-quoted array element. */
const ARRAY_ESCAPE = /["\\]/g;

/**
 * PostgreSQL dialect (pg). Strings are `citext`, so `=`, ordering and LIKE are case-insensitive
 * (the citext extension is created in `public`). Nulls are ordered explicitly (NULLS FIRST
 * ascending, NULLS LAST descending) to match SQL Server and Dataverse. Parameters are `$n`.
 * Row versions come from the sequence `tessera_versionnumber`.
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  placeholder: (index) => `$${index}`,
  maxParameters: 65535,
  columnType: (a) => columnType('postgres', a),
  floatType: 'double precision',
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
  like: (column, placeholder) => `${column} LIKE ${placeholder} ESCAPE '\\'`,
  toDb: (_a, v) => v,
  fromDb: (a, v) => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return canonicalDate(a, v);
    switch (a.EdmType) {
      case 'Edm.Int32': case 'Edm.Int64': case 'Edm.Decimal': case 'Edm.Double': return toNumber(v);
      case 'Edm.Boolean': return v === true || v === 't';
      default: return v as string;
    }
  },
  reserveVersions: (count) => [{ sql: `SELECT nextval('tessera_versionnumber') FROM generate_series(1, $1)`, params: [count] }],
  setupDdl: [
    'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public',
    'CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000',
  ],
  addColumn: 'ADD COLUMN',
  canIndex: () => true,
  // NULLs are distinct in unique indexes here, so rows with a null key column never collide.
  createUniqueIndex: (name, table, columns) => `CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})`,
  // NULLS FIRST matches orderItem, so one index serves both ORDER BY … ASC NULLS FIRST and, read
  // backwards, DESC NULLS LAST.
  createIndex: (name, table, columns) => `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.map((c) => `${c} NULLS FIRST`).join(', ')})`,
  // One array per column: one statement for any number of rows, ~2x multi-row VALUES here.
  arrayCast: (columnType) => `${columnType}[]`,
  // PostgreSQL's array input syntax (docs: "8.15.2 Array Value Input"): every string element
  // double-quoted with `"` and `\` backslash-escaped, so commas, braces, spaces and the word NULL
  // stay data; unquoted NULL is null; booleans t/f.
  arrayLiteral: (values) => {
    let out = '{';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (i) out += ',';
      if (v === null || v === undefined) out += 'NULL';
      else if (typeof v === 'string') out += `"${v.replace(ARRAY_ESCAPE, '\\$&')}"`;
      else if (typeof v === 'boolean') out += v ? 't' : 'f';
      else out += String(v);
    }
    return `${out}}`;
  },
  catalogColumns: {
    sql: `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`,
    params: [],
  },
};
