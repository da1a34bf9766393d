import type { AttributeModel } from '../model/types.js';
import type { Value } from '../plan/types.js';

/** A parameterised SQL statement: text with the dialect's placeholders and its values in order. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * What differs between databases: data and a few small overrides, never control flow
 * (DESIGN.md §1, in the manner of Kysely's per-dialect query compilers). The renderer in
 * `render.ts` and `ddl.ts` is shared; each database supplies one object of this shape.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres' | 'mssql';
  /** Quotes a model identifier (identifiers never come from requests). */
  quote(identifier: string): string;
  /** The placeholder for the 1-based parameter `index`. */
  placeholder(index: number): string;
  /** The SQL column type for an attribute (string types carry the case-insensitive collation). */
  columnType(a: AttributeModel): string;
  /** One ORDER BY item with Dataverse's null order: nulls first ascending, last descending. */
  orderItem(column: string, descending: boolean): string;
  /** The row-limit clause appended after ORDER BY, given the limit's placeholder. */
  limitClause(placeholder: string): string;
  /** `LIKE` with the escape character `\` and case-insensitive matching. */
  like(column: string, placeholder: string): string;
  /** Converts a canonical plan value to the driver's value for a column. */
  toDb(a: AttributeModel, v: Value): unknown;
  /** Converts a driver value read from a column back to its canonical value. */
  fromDb(a: AttributeModel, v: unknown): Value;
  /** Statement that increments and returns the database-wide row version counter. */
  readonly nextVersion: Statement;
  /** DDL creating the row version counter if it is missing. */
  readonly versionCounterDdl: readonly string[];
  /** Catalog query returning one row per existing column: `{ table_name, column_name }`. */
  readonly catalogColumns: Statement;
}
