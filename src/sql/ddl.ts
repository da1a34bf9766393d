import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { Dialect } from './dialect.js';

/**
 * Schema from metadata (issue #2 §3): tables, primary keys and lookup indexes are created from the
 * model; a new table or column is added; nothing is ever dropped or altered.
 */

/** Existing schema as read from the catalog: table name → its column names. */
export type ExistingSchema = ReadonlyMap<string, ReadonlySet<string>>;

function stored(e: EntityModel): AttributeModel[] {
  return e.Attributes.filter((a) => a.IsStored);
}

function columnDef(d: Dialect, e: EntityModel, a: AttributeModel): string {
  const notNull = a.LogicalName === e.PrimaryIdAttribute ? ' NOT NULL' : '';
  return `${d.quote(a.LogicalName)} ${d.columnType(a)}${notNull}`;
}

function columnIndex(d: Dialect, e: EntityModel, a: AttributeModel): string {
  return `CREATE INDEX IF NOT EXISTS ${d.quote(`ix_${e.LogicalName}_${a.LogicalName}`)} ON ${d.quote(e.LogicalName)} (${d.quote(a.LogicalName)})`;
}

/** CREATE TABLE for a table with every stored column and its primary key. */
export function createTable(d: Dialect, e: EntityModel): string {
  const columns = stored(e).map((a) => columnDef(d, e, a));
  columns.push(`PRIMARY KEY (${d.quote(e.PrimaryIdAttribute)})`);
  return `CREATE TABLE ${d.quote(e.LogicalName)} (${columns.join(', ')})`;
}

/**
 * The DDL that brings `existing` up to `model`: CREATE TABLE for new tables, ADD COLUMN for new
 * columns, and an index per lookup column and on the primary name column (the usual sort and
 * search column). Idempotent (indexes use IF NOT EXISTS).
 */
export function migrationDdl(d: Dialect, model: Model, existing: ExistingSchema): string[] {
  const ddl = [...d.versionCounterDdl];
  for (const e of model.entities) {
    const columns = existing.get(e.LogicalName);
    if (!columns) ddl.push(createTable(d, e));
    else {
      for (const a of stored(e)) {
        if (!columns.has(a.LogicalName)) ddl.push(`ALTER TABLE ${d.quote(e.LogicalName)} ADD COLUMN ${columnDef(d, e, a)}`);
      }
    }
    for (const a of stored(e)) if (a.NavigationPropertyName || a.IsPrimaryName) ddl.push(columnIndex(d, e, a));
  }
  return ddl;
}
