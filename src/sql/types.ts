import type { AttributeModel } from '../model/types.js';

/**
 * The column type of every Dataverse attribute type on every database, in one table (issue #3 §1).
 *
 * | AttributeType                       | SQLite                | PostgreSQL          | SQL Server                        |
 * |-------------------------------------|-----------------------|---------------------|-----------------------------------|
 * | String, EntityName                  | TEXT COLLATE NOCASE   | citext              | NVARCHAR(n ≤ 4000, else MAX) _CI_ |
 * | Memo                                | TEXT COLLATE NOCASE   | citext              | NVARCHAR(n ≤ 4000, else MAX) _CI_ |
 * | Integer, Picklist, State, Status    | INTEGER               | integer             | INT                               |
 * | BigInt                              | INTEGER               | bigint              | BIGINT                            |
 * | Decimal (Precision p, default 2)    | REAL                  | numeric(38,p)       | DECIMAL(38,p)                     |
 * | Money (Precision p, default 4)      | REAL                  | numeric(38,p)       | DECIMAL(38,p)                     |
 * | Double                              | REAL                  | double precision    | FLOAT                             |
 * | Boolean                             | INTEGER (0/1)         | boolean             | BIT                               |
 * | DateTime (UserLocal, TZIndependent) | TEXT (canonical UTC)  | timestamptz(0)      | DATETIME2(0) (UTC)                |
 * | DateTime (DateOnly)                 | TEXT (YYYY-MM-DD)     | date                | DATE                              |
 * | Uniqueidentifier, Lookup, Owner, Customer, File (its file's id) | TEXT (lower case) | uuid | UNIQUEIDENTIFIER |
 * | Image (its thumbnail, base64 as in payloads) | TEXT          | text                | VARCHAR(MAX)                      |
 *
 * Strings are case-insensitive everywhere, as in Dataverse: NOCASE (ASCII) on SQLite, citext on
 * PostgreSQL, a `_CI_AS` collation on SQL Server. MaxLength is enforced by the plan stage on every
 * database (digest §5.3 `0x80044331`), and also by NVARCHAR(n) on SQL Server.
 */
export type Engine = 'sqlite' | 'postgres' | 'mssql';

/** SQL Server collation for string columns: case-insensitive, accent-sensitive, like Dataverse's default. */
export const MSSQL_COLLATION = 'Latin1_General_100_CI_AS';

/** Returns the column type of `a` on `engine`. */
export function columnType(engine: Engine, a: AttributeModel): string {
  const t = a.AttributeType;
  switch (t) {
    case 'String': case 'Memo': case 'EntityName':
      if (engine === 'sqlite') return 'TEXT COLLATE NOCASE';
      if (engine === 'postgres') return 'citext';
      return `NVARCHAR(${a.MaxLength !== undefined && a.MaxLength <= 4000 ? a.MaxLength : 'MAX'}) COLLATE ${MSSQL_COLLATION}`;
    case 'Integer': case 'Picklist': case 'State': case 'Status':
      return engine === 'sqlite' ? 'INTEGER' : engine === 'postgres' ? 'integer' : 'INT';
    case 'BigInt':
      return engine === 'sqlite' ? 'INTEGER' : engine === 'postgres' ? 'bigint' : 'BIGINT';
    case 'Decimal': case 'Money': {
      const p = a.Precision ?? (t === 'Money' ? 4 : 2);
      return engine === 'sqlite' ? 'REAL' : engine === 'postgres' ? `numeric(38,${p})` : `DECIMAL(38,${p})`;
    }
    case 'Double':
      return engine === 'sqlite' ? 'REAL' : engine === 'postgres' ? 'double precision' : 'FLOAT';
    case 'Boolean':
      return engine === 'sqlite' ? 'INTEGER' : engine === 'postgres' ? 'boolean' : 'BIT';
    case 'DateTime':
      if (a.DateTimeBehavior === 'DateOnly') return engine === 'sqlite' ? 'TEXT' : engine === 'postgres' ? 'date' : 'DATE';
      return engine === 'sqlite' ? 'TEXT' : engine === 'postgres' ? 'timestamptz(0)' : 'DATETIME2(0)';
    case 'Uniqueidentifier': case 'Lookup': case 'Owner': case 'Customer': case 'File':
      return engine === 'sqlite' ? 'TEXT' : engine === 'postgres' ? 'uuid' : 'UNIQUEIDENTIFIER';
    // The thumbnail (a few KB) is kept as the base64 text payloads carry: no conversion on any path,
    // $expand's JSON built by the database holds it as it is.
    case 'Image':
      return engine === 'sqlite' ? 'TEXT' : engine === 'postgres' ? 'text' : 'VARCHAR(MAX)';
  }
}

/** Canonical UTC text of a driver Date: `YYYY-MM-DDTHH:MM:SSZ`, or `YYYY-MM-DD` for DateOnly columns. */
export function canonicalDate(a: AttributeModel, d: Date): string {
  const iso = d.toISOString();
  return a.DateTimeBehavior === 'DateOnly' ? iso.slice(0, 10) : `${iso.slice(0, 19)}Z`;
}

/**
 * Canonical value of `a` from a JSON document built by the database (`$expand` subqueries):
 * date-times arrive as `…+00:00` (PostgreSQL) or without a zone (SQL Server, UTC), GUIDs in upper
 * case (SQL Server), booleans as 0/1 (SQLite), numbers sometimes as strings.
 */
export function fromJson(a: AttributeModel, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  switch (a.EdmType) {
    case 'Edm.DateTimeOffset': {
      const text = String(v);
      const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
      return `${new Date(zoned).toISOString().slice(0, 19)}Z`;
    }
    case 'Edm.Date': return String(v).slice(0, 10);
    case 'Edm.Guid': return String(v).toLowerCase();
    case 'Edm.Boolean': return v === true || v === 1 || v === '1';
    case 'Edm.Int32': case 'Edm.Int64': case 'Edm.Decimal': case 'Edm.Double': return Number(v);
    default: return String(v);
  }
}
