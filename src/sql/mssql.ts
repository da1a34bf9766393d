import type { Dialect } from './dialect.js';
import { toNumber } from './dialect.js';
import { canonicalDate, columnType } from './types.js';

/**
 * SQL Server dialect (mssql / tedious). Identifiers in brackets, parameters `@pN`, strings
 * NVARCHAR with a case-insensitive collation, row limits with TOP (@p), date-times DATETIME2(0)
 * in UTC passed as Date objects.
 * SQL Server already orders nulls first ascending and last descending, as Dataverse does.
 * Row versions come from the sequence `tessera_versionnumber`.
 */
export const mssqlDialect: Dialect = {
  name: 'mssql',
  quote: (identifier) => `[${identifier.replace(/]/g, ']]')}]`,
  placeholder: (index) => `@p${index}`,
  // 2,100 per request, less the two that sp_executesql itself takes (@stmt, @params).
  maxParameters: 2098,
  columnType: (a) => columnType('mssql', a),
  floatType: 'FLOAT',
  binaryType: 'VARBINARY(MAX)',
  maxBinaryBytes: 2 ** 31 - 1,
  byteSlice: (bytes, start, count) => `SUBSTRING(${bytes}, ${start}, ${count})`,
  exactWholeSum: 'DECIMAL(38,0)',
  countAll: 'COUNT_BIG(*)',
  recursiveWith: { keyword: 'WITH', atStatementHead: true, unionAllOnly: { most: 32_757 }, option: (levels) => ` OPTION (MAXRECURSION ${levels + 10})` },
  orderItem: (column, descending) => `${column} ${descending ? 'DESC' : 'ASC'}`,
  // TOP, not OFFSET/FETCH: FETCH NEXT 0 ROWS is an error (10744), TOP (0) is not ($top=0). Only a
  // skip (FetchXML page without a paging cookie, page size ≥ 1) needs OFFSET/FETCH.
  selectLimited: (body, orderBy, limit, options) => {
    const distinct = options?.distinct ? 'DISTINCT ' : '';
    if (options?.offset) return `SELECT ${distinct}${body} ORDER BY ${orderBy} OFFSET ${options.offset} ROWS FETCH NEXT ${limit} ROWS ONLY`;
    return `SELECT ${distinct}TOP (${limit}) ${body}${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
  },
  // FOR JSON PATH builds the JSON; JSON_QUERY marks it as JSON so an enclosing FOR JSON nests it
  // instead of quoting it as text.
  jsonSubquery: ({ pairs, from, single, orderBy, limit }) => {
    // Nested expansions are this function's own output, already wrapped in JSON_QUERY.
    const columns = pairs.map((p) => `${p.expr} AS [${p.key}]`).join(', ');
    if (single) return `JSON_QUERY((SELECT TOP (1) ${columns} FROM ${from} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES))`;
    return `JSON_QUERY(COALESCE((SELECT TOP (${limit}) ${columns} FROM ${from} ORDER BY ${orderBy} FOR JSON PATH, INCLUDE_NULL_VALUES), '[]'))`;
  },
  // DATEPART(weekday) counts from the session's DATEFIRST; shifting by @@DATEFIRST makes Sunday 0 under any.
  dateField: (field, value) => (field === 'weekday' ? `(DATEPART(weekday, ${value}) + @@DATEFIRST - 1) % 7` : `DATEPART(${field}, ${value})`),
  like: (column, placeholder) => `${column} LIKE ${placeholder} ESCAPE '\\'`,
  toDb: (a, v) => (a.AttributeType === 'DateTime' && typeof v === 'string' ? new Date(a.DateTimeBehavior === 'DateOnly' ? `${v}T00:00:00Z` : v) : v),
  fromDb: (a, v) => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return canonicalDate(a, v);
    switch (a.EdmType) {
      case 'Edm.Int32': case 'Edm.Int64': case 'Edm.Decimal': case 'Edm.Double': return toNumber(v);
      case 'Edm.Boolean': return v === true || v === 1;
      case 'Edm.Guid': return String(v).toLowerCase();
      default: return v as string;
    }
  },
  savepoint: { set: (n) => `SAVE TRANSACTION ${n}`, rollbackTo: (n) => `ROLLBACK TRANSACTION ${n}` },
  keyShareLock: { hint: ' WITH (HOLDLOCK, ROWLOCK)', suffix: '' },
  deleteReturning: (table, where, column) => `DELETE FROM ${table} OUTPUT DELETED.${column} WHERE ${where}`,
  reserveVersions: (count) => ({
    sql: 'DECLARE @first SQL_VARIANT; '
      + "EXEC sp_sequence_get_range @sequence_name = N'tessera_versionnumber', @range_size = @p1, @range_first_value = @first OUTPUT; "
      + 'SELECT CAST(@first AS BIGINT), @p1',
    params: [count],
  }),
  // NEXT VALUE FOR is allowed in an UPDATE's SET and yields a value per row it writes (T-SQL
  // reference, NEXT VALUE FOR: "Limitations and restrictions").
  rowVersionOnUpdate: 'NEXT VALUE FOR [tessera_versionnumber]',
  migrationLock: "EXEC sp_getapplock @Resource = N'tessera_migration', @LockMode = N'Exclusive', @LockOwner = N'Transaction'",
  rowLock: { tableHint: ' WITH (UPDLOCK, ROWLOCK, HOLDLOCK)' },
  tableLock: (table) => ({ sql: "EXEC sp_getapplock @Resource = @p1, @LockMode = N'Exclusive', @LockOwner = N'Transaction'", params: [`tessera_table_${table}`] }),
  setupDdl: [
    `IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000`,
  ],
  addColumn: 'ADD',
  // Index keys are limited to 1,700 bytes: NVARCHAR(850); NVARCHAR(MAX) cannot be a key at all.
  canIndex: (a) => a.EdmType !== 'Edm.String' || (a.MaxLength !== undefined && a.MaxLength <= 850),
  // SQL Server treats NULLs as equal in unique indexes: filter them out, as Dataverse does for keys.
  createUniqueIndex: (name, table, columns) =>
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${name.slice(1, -1).replace(/'/g, "''")}' AND object_id = OBJECT_ID(N'${table.slice(1, -1).replace(/'/g, "''")}')) CREATE UNIQUE INDEX ${name} ON ${table} (${columns.join(', ')}) WHERE ${columns.map((c) => `${c} IS NOT NULL`).join(' AND ')}`,
  createIndex: (name, table, columns, where) =>
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${name.slice(1, -1).replace(/'/g, "''")}' AND object_id = OBJECT_ID(N'${table.slice(1, -1).replace(/'/g, "''")}')) CREATE INDEX ${name} ON ${table} (${columns.join(', ')})${where ? ` WHERE ${where}` : ''}`,
  // Refused while an index covers the column: migrationDdl drops those first and builds them again.
  alterColumnType: (table, column, type) => `ALTER TABLE ${table} ALTER COLUMN ${column} ${type}`,
  catalogColumns: {
    sql: "SELECT TABLE_NAME, COLUMN_NAME, CASE DATA_TYPE WHEN 'date' THEN 1 WHEN 'datetime2' THEN 0 END, "
      + "CASE DATA_TYPE WHEN 'decimal' THEN NUMERIC_SCALE END FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA_NAME()",
    params: [],
  },
  dropIndex: (name, table) => `DROP INDEX ${name} ON ${table}`,
  catalogIndexes: {
    sql: 'SELECT t.name, i.name, c.name FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id '
      + 'JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0 '
      + 'JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id '
      + 'WHERE t.schema_id = SCHEMA_ID() AND i.is_primary_key = 0 ORDER BY t.name, i.name, ic.key_ordinal',
    params: [],
  },
};
