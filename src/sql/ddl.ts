import { createHash } from 'node:crypto';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { Dialect, Statement } from './dialect.js';
import { createDeletedRowsTable, DELETED_ROWS, tracksChanges } from './deleted-rows.js';

/**
 * Schema from metadata: tables, primary keys and indexes are created from the model; a new table
 * or column is added; nothing is ever dropped or altered. Which attributes were created, with
 * which type and MaxLength, is kept in the bookkeeping table `tessera_attribute`, so that an
 * incompatible metadata change (type change, MaxLength shrink, dropped column) is refused with a
 * message instead of silently diverging from the data (issue #3 §2).
 */

/** Existing schema as read from the catalog: table name → its column names. */
export type ExistingSchema = ReadonlyMap<string, ReadonlySet<string>>;

/** One attribute as it was last migrated: from `tessera_attribute`. */
export interface SnapshotAttribute {
  readonly entity: string;
  readonly attribute: string;
  readonly attributeType: string;
  readonly maxLength: number | null;
}

const SNAPSHOT = 'tessera_attribute';

/**
 * System lookups that get no index: organizationid holds one value per organization, the
 * on-behalf-of columns are mostly null, and modifiedby is rarely a filter; each index costs every
 * insert (about a third of bulk insert time on SQLite with all of them).
 */
const UNINDEXED_LOOKUPS: ReadonlySet<string> = new Set(['organizationid', 'createdonbehalfby', 'modifiedonbehalfby', 'modifiedby']);

function stored(e: EntityModel): AttributeModel[] {
  return e.Attributes.filter((a) => a.IsStored);
}

function columnDef(d: Dialect, e: EntityModel, a: AttributeModel): string {
  const notNull = a.LogicalName === e.PrimaryIdAttribute ? ' NOT NULL' : '';
  return `${d.quote(a.LogicalName)} ${d.columnType(a)}${notNull}`;
}

/**
 * `<prefix>_<table>_<name>` (`ix` for lookup indexes, `ak` for alternate keys, `ndx` for declared
 * indexes, Dataverse's own prefix for its non-clustered indexes), shortened with a
 * hash when longer than 63 characters (PostgreSQL's limit; it would otherwise truncate, and two
 * long names could collide).
 */
export function indexName(prefix: 'ix' | 'ak' | 'ndx', e: EntityModel, suffix: string): string {
  const name = `${prefix}_${e.LogicalName}_${suffix}`;
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}

/** CREATE TABLE for a table with every stored column and its primary key. */
export function createTable(d: Dialect, e: EntityModel): string {
  const columns = stored(e).map((a) => columnDef(d, e, a));
  columns.push(`PRIMARY KEY (${d.quote(e.PrimaryIdAttribute)})`);
  return `CREATE TABLE ${d.quote(e.LogicalName)} (${columns.join(', ')})`;
}

/** CREATE TABLE of the bookkeeping table, for dialects that lack IF NOT EXISTS it is guarded by the caller's catalog check. */
export function createSnapshotTable(d: Dialect): string {
  const text = d.name === 'mssql' ? 'NVARCHAR(128)' : 'VARCHAR(128)';
  return `CREATE TABLE ${d.quote(SNAPSHOT)} (${d.quote('entity')} ${text} NOT NULL, ${d.quote('attribute')} ${text} NOT NULL, `
    + `${d.quote('attributetype')} ${text} NOT NULL, ${d.quote('maxlength')} INTEGER, PRIMARY KEY (${d.quote('entity')}, ${d.quote('attribute')}))`;
}

/** Reads the bookkeeping table. */
export function selectSnapshot(d: Dialect): Statement {
  return { sql: `SELECT ${['entity', 'attribute', 'attributetype', 'maxlength'].map((c) => d.quote(c)).join(', ')} FROM ${d.quote(SNAPSHOT)}`, params: [] };
}

/**
 * The bookkeeping row (in the place of a column name, which cannot start with `$`) that records
 * a table tracks changes, so that turning it off is caught (see incompatibleChanges).
 */
const CHANGE_TRACKING_ROW = '$changetracking';

/** Rewrites the bookkeeping rows of every table in the model. */
export function writeSnapshot(d: Dialect, model: Model): Statement[] {
  const out: Statement[] = [];
  for (const e of model.entities) {
    out.push({ sql: `DELETE FROM ${d.quote(SNAPSHOT)} WHERE ${d.quote('entity')} = ${d.placeholder(1)}`, params: [e.LogicalName] });
    const rows: Array<[string, string, number | null]> = stored(e).map((a) => [a.LogicalName, a.AttributeType, a.MaxLength ?? null]);
    if (e.ChangeTrackingEnabled) rows.push([CHANGE_TRACKING_ROW, 'ChangeTracking', null]);
    for (const [attribute, type, maxLength] of rows) {
      out.push({
        sql: `INSERT INTO ${d.quote(SNAPSHOT)} (${['entity', 'attribute', 'attributetype', 'maxlength'].map((c) => d.quote(c)).join(', ')}) VALUES (${[1, 2, 3, 4].map((i) => d.placeholder(i)).join(', ')})`,
        params: [e.LogicalName, attribute, type, maxLength],
      });
    }
  }
  return out;
}

/**
 * Metadata changes the database cannot follow without losing or breaking data: a stored column
 * whose AttributeType changed, whose MaxLength shrank, or that the metadata no longer declares;
 * a table whose change tracking was turned off. Returns one message per change, naming table, column and change; empty when compatible.
 */
export function incompatibleChanges(model: Model, snapshot: readonly SnapshotAttribute[]): string[] {
  const problems: string[] = [];
  for (const s of snapshot) {
    const e = model.byLogicalName.get(s.entity);
    if (!e) continue; // a table left out of the metadata keeps its data and is simply not served
    if (s.attribute === CHANGE_TRACKING_ROW) {
      // Dataverse: "Once change tracking has been enabled for a table, it is not possible to disable it."
      // The rows deleted while it was off would be missing from the delta answers after.
      if (!e.ChangeTrackingEnabled) problems.push(`table '${s.entity}': ChangeTrackingEnabled turned off (change tracking cannot be turned off once on, as in Dataverse; set it back to true)`);
      continue;
    }
    const a = e.attributesByName.get(s.attribute);
    if (!a || !a.IsStored) problems.push(`table '${s.entity}', column '${s.attribute}': dropped from the metadata (columns are never dropped; declare it again)`);
    else if (a.AttributeType !== s.attributeType) problems.push(`table '${s.entity}', column '${s.attribute}': type change from ${s.attributeType} to ${a.AttributeType}`);
    else if (s.maxLength !== null && a.MaxLength !== undefined && a.MaxLength < s.maxLength) problems.push(`table '${s.entity}', column '${s.attribute}': MaxLength shrink from ${s.maxLength} to ${a.MaxLength}`);
  }
  return problems;
}

/**
 * The columns of a table that get an index of their own: each lookup (but UNINDEXED_LOOKUPS);
 * for an intersect table, the second id column (its unique key over both ids serves lookups by the
 * first). A lookup's index is partial, `WHERE <lookup> IS NOT NULL`: lookups are often empty, and
 * a row with none then costs the index nothing, while every use of the index (`= id`, `IN (ids)`,
 * the joins and correlated subqueries of `$expand`) compares with a value and so never looks for
 * null (SQLite, PostgreSQL and SQL Server all infer `x IS NOT NULL` from `x = ?`); with the Copilot
 * table's one mostly-null indexed lookup, raw 1,000-row transactions on SQLite ran ~5 % faster. The primary name column gets none: names are scattered values, so such an index costs
 * every insert a random page write (on SQLite, about a page per row at 1,000 rows per transaction:
 * CreateMultiple into the Copilot table ran at half the speed with it). Tables that sort lists by
 * name declare it in `Indexes`.
 */
function indexedColumns(e: EntityModel): AttributeModel[] {
  if (e.IsIntersect) return [e.Keys[0]!.KeyAttributes[1]!];
  return stored(e).filter((a) => a.Targets.length > 0 && !UNINDEXED_LOOKUPS.has(a.LogicalName));
}

/**
 * The DDL that brings `existing` up to `model`: the dialect's setup, CREATE TABLE for new tables
 * (intersect tables of many-to-many relationships included), ADD COLUMN for new columns, the
 * indexes of `indexedColumns`, a unique index per alternate key and an index per declared
 * `Indexes` entry; for change tracking, an index on versionnumber of each tracked table and the
 * table of deleted rows (sql/deleted-rows.ts). Idempotent.
 */
export function migrationDdl(d: Dialect, model: Model, existing: ExistingSchema): string[] {
  const ddl = [...d.setupDdl];
  if (!existing.has(SNAPSHOT)) ddl.push(createSnapshotTable(d));
  const tracked = tracksChanges(model);
  if (tracked && !existing.has(DELETED_ROWS)) ddl.push(...createDeletedRowsTable(d, tracked));
  for (const e of model.entities) {
    const columns = existing.get(e.LogicalName);
    if (!columns) ddl.push(createTable(d, e));
    else {
      for (const a of stored(e)) {
        if (!columns.has(a.LogicalName)) ddl.push(`ALTER TABLE ${d.quote(e.LogicalName)} ${d.addColumn} ${columnDef(d, e, a)}`);
      }
    }
    for (const a of indexedColumns(e)) {
      const column = d.quote(a.LogicalName);
      if (d.canIndex(a)) ddl.push(d.createIndex(d.quote(indexName('ix', e, a.LogicalName)), d.quote(e.LogicalName), [column], e.IsIntersect ? undefined : `${column} IS NOT NULL`));
    }
    // Change pages read rows by version range in version order (plan/changes.ts).
    if (e.ChangeTrackingEnabled) ddl.push(d.createIndex(d.quote(indexName('ix', e, 'versionnumber')), d.quote(e.LogicalName), [d.quote('versionnumber')]));
    for (const x of e.Indexes) {
      if (x.KeyAttributes.every((a) => d.canIndex(a))) {
        ddl.push(d.createIndex(d.quote(indexName('ndx', e, x.LogicalName)), d.quote(e.LogicalName), x.KeyAttributes.map((a) => d.quote(a.LogicalName))));
      }
    }
    for (const k of e.Keys) {
      ddl.push(d.createUniqueIndex(d.quote(indexName('ak', e, k.LogicalName)), d.quote(e.LogicalName), k.KeyAttributes.map((a) => d.quote(a.LogicalName))));
    }
  }
  return ddl;
}
