import { shortIdentifier } from '../model/schema.js';
import { BUSINESS_COLUMN, DATASTATE, isEngineLookup, OWNING_BUSINESS_UNIT, OWNING_TEAM } from '../model/system-columns.js';
import type { AttributeModel, EntityKeyModel, EntityModel, Model } from '../model/types.js';
import type { Dialect, Statement } from './dialect.js';
import { createDeletedRowsTable, DELETED_ROWS, tracksChanges } from './deleted-rows.js';
import { createFileAttachmentsTable, FILE_ATTACHMENTS, firstTableWithFiles } from './file-attachments.js';
import { createPrincipalObjectAccessTable, firstSharedTable, PRINCIPAL_OBJECT_ACCESS } from './principal-object-access.js';

/**
 * Schema from metadata: tables, primary keys and indexes are created from the model; a new table
 * or column is added; no table or column is ever dropped, and a column is altered only to widen a
 * Decimal or Money column whose Precision grew or, where its type has a length (SQL Server), a
 * String or Memo column whose MaxLength grew (only the indexes of alternate keys and declared
 * indexes follow the model otherwise, see migrationDdl). Which attributes were created, with
 * which type, MaxLength, DateTimeBehavior, Precision and (lookups) Targets, is kept in the
 * bookkeeping table `tessera_attribute`, so that an incompatible metadata change (type change,
 * DateTimeBehavior change to or from DateOnly, MaxLength or Precision shrink, dropped column, a
 * lookup's target or a table dropped while stored rows point there, see store/migrate.ts) is
 * refused with a message instead of silently diverging from the data (issue #3 §2).
 */

/** Existing schema as read from the catalog: table name → its column names. */
export type ExistingSchema = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * One attribute as it was last migrated: from `tessera_attribute`. `dateTimeBehavior` (DateTime)
 * and `precision` (Decimal, Money) are absent for other types, and where a database made before
 * they were recorded holds the row (see withCatalogTypes). `targets` is the Targets of a lookup
 * its file declares (recordedTargets), in their order; absent for other columns, for the engine's
 * lookups, and where a database made before they were recorded holds the row.
 */
export interface SnapshotAttribute {
  readonly entity: string;
  readonly attribute: string;
  readonly attributeType: string;
  readonly maxLength: number | null;
  readonly dateTimeBehavior?: string;
  readonly precision?: number;
  readonly targets?: readonly string[];
}

/**
 * What the catalog tells of an existing column's type, where the database's types tell it: for a
 * date-time column, whether it holds dates (PostgreSQL `date`, SQL Server DATE) rather than
 * date-times; for a decimal column, its scale. SQLite's TEXT and REAL tell neither.
 */
export interface CatalogColumnType {
  readonly dateOnly?: boolean;
  readonly scale?: number;
}

/** Existing column types as read from the catalog: table name → column name → what its type tells. */
export type ExistingColumnTypes = ReadonlyMap<string, ReadonlyMap<string, CatalogColumnType>>;

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
 * hash when longer than 63 characters (shortIdentifier: PostgreSQL's limit; it would otherwise
 * truncate, and two long names could collide).
 */
export function indexName(prefix: 'ix' | 'ak' | 'ndx', e: EntityModel, suffix: string): string {
  return shortIdentifier(`${prefix}_${e.LogicalName}_${suffix}`);
}

/** CREATE TABLE for a table with every stored column and its primary key. */
export function createTable(d: Dialect, e: EntityModel): string {
  const columns = stored(e).map((a) => columnDef(d, e, a));
  columns.push(`PRIMARY KEY (${d.quote(e.PrimaryIdAttribute)})`);
  return `CREATE TABLE ${d.quote(e.LogicalName)} (${columns.join(', ')})`;
}

/**
 * The bookkeeping table's columns, in order, with their types. The last three came later: a
 * database made before has no such columns until its next migration adds them (migrationDdl),
 * and its rows hold null there until a migration rewrites them (the rows of its tables; those of
 * a table no longer in the metadata keep what they hold). `targets` holds a lookup's Targets
 * joined by commas (logical names have none), of any number.
 */
function snapshotColumns(d: Dialect): ReadonlyArray<readonly [name: string, type: string]> {
  const text = d.name === 'mssql' ? 'NVARCHAR(128)' : 'VARCHAR(128)';
  return [['entity', `${text} NOT NULL`], ['attribute', `${text} NOT NULL`], ['attributetype', `${text} NOT NULL`], ['maxlength', 'INTEGER'],
    ['datetimebehavior', text], ['precision', 'INTEGER'], ['targets', d.name === 'mssql' ? 'NVARCHAR(MAX)' : 'TEXT']];
}

/** CREATE TABLE of the bookkeeping table, for dialects that lack IF NOT EXISTS it is guarded by the caller's catalog check. */
export function createSnapshotTable(d: Dialect): string {
  const columns = snapshotColumns(d).map(([name, type]) => `${d.quote(name)} ${type}`);
  return `CREATE TABLE ${d.quote(SNAPSHOT)} (${columns.join(', ')}, PRIMARY KEY (${d.quote('entity')}, ${d.quote('attribute')}))`;
}

/**
 * Reads the bookkeeping table: `[entity, attribute, attributetype, maxlength, datetimebehavior,
 * precision, targets]` per row. `existing` is the table's columns in the catalog (default: all of them);
 * a column it lacks (a database made before it) is read as NULL.
 */
export function selectSnapshot(d: Dialect, existing?: ReadonlySet<string>): Statement {
  const columns = snapshotColumns(d).map(([name]) => (!existing || existing.has(name) ? d.quote(name) : 'NULL'));
  return { sql: `SELECT ${columns.join(', ')} FROM ${d.quote(SNAPSHOT)}`, params: [] };
}

/**
 * The bookkeeping row (in the place of a column name, which cannot start with `$`) that records
 * a table tracks changes, so that turning it off is caught (see incompatibleChanges).
 */
const CHANGE_TRACKING_ROW = '$changetracking';

/** The Precision of `a` that its column's type depends on: Decimal and Money only (a Double's is display only). */
function columnPrecision(a: AttributeModel): number | null {
  return a.AttributeType === 'Decimal' || a.AttributeType === 'Money' ? a.Precision ?? null : null;
}

/**
 * The Targets of `a` that the bookkeeping records: those of a lookup its file declares, and for a
 * column of an intersect table the table its ids belong to (`sides`, intersectSides); none (null)
 * for other columns and for the engine's lookups (isEngineLookup), whose rows point at users and
 * the organization and whose Targets the metadata cannot change.
 */
function recordedTargets(e: EntityModel, a: AttributeModel, sides: ReadonlyMap<AttributeModel, string>): string | null {
  const side = sides.get(a);
  if (side !== undefined) return side;
  return a.Targets.length && !isEngineLookup(e, a) ? a.Targets.join(',') : null;
}

/**
 * The two id columns of every intersect table of `model`, each with the table whose rows it links
 * (a many-to-many relationship's Entity1 or Entity2): they are Uniqueidentifier columns, not
 * lookups, so they have no Targets of their own.
 */
function intersectSides(model: Model): Map<AttributeModel, string> {
  const sides = new Map<AttributeModel, string>();
  for (const e of model.entities) for (const n of e.navigation.values()) if (n.intersect) sides.set(n.intersect.own, n.source.LogicalName);
  return sides;
}

/** Rewrites the bookkeeping rows of every table in the model (all columns of snapshotColumns). */
export function writeSnapshot(d: Dialect, model: Model): Statement[] {
  const out: Statement[] = [];
  const columns = snapshotColumns(d);
  const insert = `INSERT INTO ${d.quote(SNAPSHOT)} (${columns.map(([name]) => d.quote(name)).join(', ')}) VALUES (${columns.map((_, i) => d.placeholder(i + 1)).join(', ')})`;
  const sides = intersectSides(model);
  for (const e of model.entities) {
    out.push({ sql: `DELETE FROM ${d.quote(SNAPSHOT)} WHERE ${d.quote('entity')} = ${d.placeholder(1)}`, params: [e.LogicalName] });
    const rows: Array<[string, string, number | null, string | null, number | null, string | null]> = stored(e).map((a) => [
      a.LogicalName, a.AttributeType, a.MaxLength ?? null, a.AttributeType === 'DateTime' ? a.DateTimeBehavior ?? null : null, columnPrecision(a), recordedTargets(e, a, sides),
    ]);
    if (e.ChangeTrackingEnabled) rows.push([CHANGE_TRACKING_ROW, 'ChangeTracking', null, null, null, null]);
    for (const row of rows) out.push({ sql: insert, params: [e.LogicalName, ...row] });
  }
  return out;
}

/**
 * The bookkeeping rows with what the catalog says of their columns' types (CatalogColumnType)
 * put in, where it says it: that is what the column holds. So a row written before
 * DateTimeBehavior and Precision were recorded gets them: a date-time column's type tells
 * whether it holds dates, so such a row gets `DateOnly`, or `UserLocal or TimeZoneIndependent`
 * (the two store alike); a decimal column's scale is its Precision. Where the catalog cannot tell
 * (SQLite), a row keeps what it recorded, and an older row stays without, so nothing is checked
 * against it: the migration records the metadata's. Returns new rows; `snapshot` is not changed.
 */
export function withCatalogTypes(snapshot: readonly SnapshotAttribute[], types: ExistingColumnTypes): SnapshotAttribute[] {
  return snapshot.map((s) => {
    const known = types.get(s.entity)?.get(s.attribute);
    if (s.attributeType === 'DateTime' && known?.dateOnly !== undefined) {
      const recorded = s.dateTimeBehavior !== undefined && (s.dateTimeBehavior === 'DateOnly') === known.dateOnly;
      return { ...s, dateTimeBehavior: recorded ? s.dateTimeBehavior : known.dateOnly ? 'DateOnly' : 'UserLocal or TimeZoneIndependent' };
    }
    if ((s.attributeType === 'Decimal' || s.attributeType === 'Money') && known?.scale !== undefined) return { ...s, precision: known.scale };
    return s;
  });
}

/** The Edm type a DateTime column of `behavior` is served as: DateOnly is Edm.Date (model/loader.ts edmTypeOf). */
function dateTimeEdm(behavior: string | undefined): string {
  return behavior === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
}

/**
 * Why `column`, a stored column of `e` that the engine made rather than a file declared, is no
 * longer in `e`, said as the change of the table's file that dropped it and how to undo it; undefined
 * for any other column. Telling the admin to declare such a column again would not help: the
 * loader refuses an `ownerid` on an organization-owned table, or a type column beside a lookup
 * of one target.
 * - organizationid, ownerid, owninguser, owningteam and owningbusinessunit, or businessunitid: OwnershipType changed; a table's OwnershipType
 *   cannot change once it is created, in Dataverse either ("You cannot change the ownership type
 *   after creating the entity", PL-200 exam guide, Data modeling: entity ownership).
 * - `<lookup>type` beside a lookup of one target: the lookup had several Targets; its rows record
 *   there which table each points at.
 * - statecode, statuscode: HasStateModel turned off; msft_datastate: IsRetentionEnabled turned off.
 */
function engineColumnGone(e: EntityModel, column: string): string | undefined {
  const was = column === 'organizationid' ? 'OrganizationOwned'
    : column === 'ownerid' || column === 'owninguser' || column === OWNING_TEAM || column === OWNING_BUSINESS_UNIT ? 'UserOwned'
      : column === BUSINESS_COLUMN && e.PrimaryIdAttribute !== BUSINESS_COLUMN ? 'BusinessOwned' : undefined;
  if (was) {
    if (e.OwnershipType !== was) return `OwnershipType change from ${was} to ${e.OwnershipType} (a table's OwnershipType cannot change once the table exists, as in Dataverse; set it back to ${was})`;
  }
  const lookup = column.endsWith('type') ? e.attributesByName.get(column.slice(0, -'type'.length)) : undefined;
  if (lookup && lookup.Targets.length === 1) {
    return `the type column of lookup '${lookup.LogicalName}', whose Targets went from several tables to one ('${lookup.Targets[0]}'); it records which table each row points at, so a lookup keeps the targets it had (add targets, never remove them): give it its Targets back`;
  }
  if ((column === 'statecode' || column === 'statuscode') && !e.attributesByName.has('statecode')) return 'HasStateModel turned off (rows keep their state and status; set HasStateModel back to true)';
  if (column === DATASTATE && !e.IsRetentionEnabled) return 'IsRetentionEnabled turned off (retained rows would be served as active ones; set IsRetentionEnabled back to true)';
  return undefined;
}

/**
 * Metadata changes the database cannot follow without losing or breaking data: a stored column
 * whose AttributeType changed, whose DateTimeBehavior changed to or from DateOnly (its Edm type
 * and column type change: Edm.Date and `date` against Edm.DateTimeOffset and `timestamptz`; a
 * change between UserLocal and TimeZoneIndependent, stored alike, is accepted), whose MaxLength
 * or Precision (Decimal, Money) shrank, or that the metadata no longer declares; a table whose
 * change tracking was turned off. A row without a DateTimeBehavior or Precision (see
 * withCatalogTypes) is not checked for it. Returns one message per change, naming table, column
 * and change; empty when compatible.
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
    if (!a || !a.IsStored) problems.push(`table '${s.entity}', column '${s.attribute}': ${engineColumnGone(e, s.attribute) ?? 'dropped from the metadata (columns are never dropped; declare it again)'}`);
    else if (a.AttributeType !== s.attributeType) problems.push(`table '${s.entity}', column '${s.attribute}': type change from ${s.attributeType} to ${a.AttributeType}`);
    else if (s.maxLength !== null && a.MaxLength !== undefined && a.MaxLength < s.maxLength) problems.push(`table '${s.entity}', column '${s.attribute}': MaxLength shrink from ${s.maxLength} to ${a.MaxLength}`);
    else if (a.AttributeType === 'DateTime' && s.dateTimeBehavior !== undefined && dateTimeEdm(s.dateTimeBehavior) !== a.EdmType) {
      problems.push(`table '${s.entity}', column '${s.attribute}': DateTimeBehavior change from ${s.dateTimeBehavior} to ${a.DateTimeBehavior} (a type change, ${dateTimeEdm(s.dateTimeBehavior)} to ${a.EdmType})`);
    } else {
      const precision = columnPrecision(a);
      if (s.precision !== undefined && precision !== null && precision < s.precision) problems.push(`table '${s.entity}', column '${s.attribute}': Precision shrink from ${s.precision} to ${precision} (stored values would be rounded)`);
    }
  }
  return problems;
}

/**
 * The stored columns of `e` (a table that exists) whose column type on `d` grows with the model:
 * Decimal and Money columns whose Precision is larger than `recorded` says (attribute name → its
 * bookkeeping row), and String and Memo columns whose MaxLength is, where the type depends on it
 * (`numeric(38,p)`, `DECIMAL(38,p)`, SQL Server's `NVARCHAR(n)`; not SQLite's REAL and TEXT nor
 * PostgreSQL's citext). Left as it was, SQL Server's NVARCHAR(n) would refuse the longer values
 * the model now accepts. A smaller Precision or MaxLength never gets here: incompatibleChanges
 * refuses it first.
 */
function widenedColumns(d: Dialect, e: EntityModel, recorded: ReadonlyMap<string, SnapshotAttribute> | undefined): AttributeModel[] {
  return stored(e).filter((a) => {
    const s = recorded?.get(a.LogicalName);
    if (!s || s.attributeType !== a.AttributeType) return false;
    const precision = columnPrecision(a);
    const longer = s.maxLength !== null && a.MaxLength !== undefined && a.MaxLength > s.maxLength;
    const finer = s.precision !== undefined && precision !== null && precision > s.precision;
    if (!longer && !finer) return false;
    const was = { ...a, ...(longer ? { MaxLength: s.maxLength! } : {}), ...(finer ? { Precision: s.precision } : {}) };
    return d.columnType(was) !== d.columnType(a);
  });
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
 *
 * A lookup's index keys on (lookup, primary key), not the lookup alone: a collection-valued
 * navigation (`$expand`, `/<set>(id)/<nav>`) reads one parent's rows in primary-key order, a page
 * at a time, and with this key the database reads just that page from the index. Keyed on the
 * lookup alone it read and sorted all the parent's rows for every parent: an `$expand` through
 * `createdby` of a collection of 21,000 rows of one user took 28 s on SQLite, 0.1 s with it.
 */
function indexedColumns(e: EntityModel): AttributeModel[] {
  if (e.IsIntersect) return [e.Keys[0]!.KeyAttributes[1]!];
  return stored(e).filter((a) => a.Targets.length > 0 && !UNINDEXED_LOOKUPS.has(a.LogicalName));
}

/** Existing indexes as read from the catalog: table name → index name → its key columns, in order. */
export type ExistingIndexes = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/** An index a table should have: its name and key columns (unquoted), its DDL, and its alternate key if it is one. */
interface WantedIndex {
  readonly name: string;
  readonly columns: readonly string[];
  readonly ddl: string;
  readonly key?: EntityKeyModel;
}

/**
 * The indexes of `e`: those of `indexedColumns`, versionnumber's for change tracking (change pages
 * read rows by version range in version order, plan/changes.ts), one per declared `Indexes` entry
 * and a unique one per alternate key.
 */
function wantedIndexes(d: Dialect, e: EntityModel): WantedIndex[] {
  const table = d.quote(e.LogicalName);
  const wanted: WantedIndex[] = [];
  const add = (prefix: 'ix' | 'ak' | 'ndx', suffix: string, columns: readonly AttributeModel[], ddl: (name: string, quoted: string[]) => string, key?: EntityKeyModel) => {
    const name = indexName(prefix, e, suffix);
    wanted.push({ name, columns: columns.map((a) => a.LogicalName), ddl: ddl(d.quote(name), columns.map((a) => d.quote(a.LogicalName))), key });
  };
  const pk = e.attributesByName.get(e.PrimaryIdAttribute)!;
  for (const a of indexedColumns(e)) {
    if (!d.canIndex(a)) continue;
    if (e.IsIntersect) add('ix', a.LogicalName, [a], (name, columns) => d.createIndex(name, table, columns));
    else add('ix', a.LogicalName, [a, pk], (name, columns) => d.createIndex(name, table, columns, `${columns[0]} IS NOT NULL`));
  }
  if (e.ChangeTrackingEnabled) add('ix', 'versionnumber', [e.attributesByName.get('versionnumber')!], (name, columns) => d.createIndex(name, table, columns));
  for (const x of e.Indexes) {
    if (x.KeyAttributes.every((a) => d.canIndex(a))) add('ndx', x.LogicalName, x.KeyAttributes, (name, columns) => d.createIndex(name, table, columns));
  }
  for (const k of e.Keys) add('ak', k.LogicalName, k.KeyAttributes, (name, columns) => d.createUniqueIndex(name, table, columns), k);
  return wanted;
}

/** Whether `wanted` must be built: `have` (the table's indexes; undefined for none) lacks it or gives it other columns. */
function mustBuild(wanted: WantedIndex, have: ReadonlyMap<string, readonly string[]> | undefined): boolean {
  const columns = have?.get(wanted.name);
  return !columns || columns.length !== wanted.columns.length || columns.some((c, i) => c !== wanted.columns[i]);
}

/** Names of the indexes this module makes that a table may lose: declared ones and alternate keys (lookup indexes go only with their column, which stays). */
const DROPPABLE = /^(ak|ndx)_/;

/**
 * The alternate keys of tables that exist already whose unique index the migration builds (a key
 * that is new, or whose columns changed): their rows may already break them (see
 * renderKeyDuplicates).
 */
export function keysToBuild(d: Dialect, model: Model, existing: ExistingSchema, indexes: ExistingIndexes): Array<{ entity: EntityModel; key: EntityKeyModel }> {
  return model.entities.filter((e) => existing.has(e.LogicalName)).flatMap((e) =>
    wantedIndexes(d, e).filter((w) => w.key && mustBuild(w, indexes.get(e.LogicalName))).map((w) => ({ entity: e, key: w.key! })));
}

/**
 * Up to three sets of values that two or more rows of `e` share in the columns of `key` (none
 * null): what would stop its unique index. Columns compare as the index does (their collation).
 */
export function renderKeyDuplicates(d: Dialect, e: EntityModel, key: EntityKeyModel): Statement {
  const columns = key.KeyAttributes.map((a) => d.quote(a.LogicalName));
  const body = `${columns.join(', ')}, COUNT(*) FROM ${d.quote(e.LogicalName)} WHERE ${columns.map((c) => `${c} IS NOT NULL`).join(' AND ')} GROUP BY ${columns.join(', ')} HAVING COUNT(*) > 1`;
  return { sql: d.selectLimited(body, '', '3'), params: [] };
}

/**
 * Counts, up to `cap` + 1, the rows of `table` whose lookup `column` is set; with `type`, the
 * type column of a polymorphic lookup and a table, only those that point at that table. Every row
 * counts, retained ones too, and the table need not be in the model (one left out of the
 * metadata): names come from the bookkeeping.
 */
export function renderPointingRows(d: Dialect, table: string, column: string, cap: number, type?: { column: string; target: string }): Statement {
  const where = [`${d.quote(column)} IS NOT NULL`, ...(type ? [`${d.quote(type.column)} = ${d.placeholder(1)}`] : [])];
  const inner = d.selectLimited(`1 AS ${d.quote('x')} FROM ${d.quote(table)} WHERE ${where.join(' AND ')}`, '', String(cap + 1));
  return { sql: `SELECT COUNT(*) AS ${d.quote('n')} FROM (${inner}) ${d.quote('c')}`, params: type ? [type.target] : [] };
}

/**
 * The UPDATE that fills the new type column of `lookup`, a lookup of `e` that had one target and
 * now has several (its column exists, its type column is added by this migration): each row that
 * points at a row gets the name of the target that holds that row, as the row was written when the
 * lookup had one target. Without it the rows kept their id but lost their relationship: every
 * join and delete behaviour of a polymorphic lookup also compares the type column, so `$expand`
 * answered null, the lookuplogicalname annotation was gone and deleting the row pointed at left
 * them pointing at nothing (RemoveLink, Restrict and Cascade found no rows). Dataverse keeps the
 * values of a lookup when more relationships are added to it (CreatePolymorphicLookupAttribute /
 * a new one-to-many relationship on an existing multi-table lookup). A row whose id no target
 * holds keeps a null type, as before. Table names are SQL identifiers (`[a-z][a-z0-9_]*`), so they
 * are safe as string literals.
 */
function typeBackfill(d: Dialect, model: Model, e: EntityModel, lookup: AttributeModel): string {
  const table = d.quote(e.LogicalName);
  const column = `${table}.${d.quote(lookup.LogicalName)}`;
  const target = d.quote('tessera_target');
  const cases = lookup.Targets.map((t) => {
    const pk = d.quote(model.byLogicalName.get(t)!.PrimaryIdAttribute);
    return `WHEN EXISTS (SELECT 1 FROM ${d.quote(t)} AS ${target} WHERE ${target}.${pk} = ${column}) THEN '${t}'`;
  });
  return `UPDATE ${table} SET ${d.quote(lookup.TypeAttribute!.LogicalName)} = CASE ${cases.join(' ')} END WHERE ${column} IS NOT NULL`;
}

/**
 * The UPDATE that puts the rows of `e`, a table that had no state model and has one now
 * (HasStateModel turned on: statecode and statuscode are added), in the state every Create starts
 * a row in: the first state option and its DefaultStatus (plan/write.ts). Left null, a row was in
 * no state: the "Active" lists (`statecode eq 0`) missed it, while statecode is SystemRequired,
 * never null, in Dataverse. Option values are integers from the model, safe as literals.
 */
function stateBackfill(d: Dialect, e: EntityModel): string {
  const initial = e.attributesByName.get('statecode')!.OptionSet!.Options[0]!;
  const status = initial.DefaultStatus ?? 'NULL';
  return `UPDATE ${d.quote(e.LogicalName)} SET ${d.quote('statecode')} = ${initial.Value}, ${d.quote('statuscode')} = ${status} WHERE ${d.quote('statecode')} IS NULL`;
}

/**
 * The DDL that brings `existing` up to `model`: the dialect's setup, CREATE TABLE for new tables
 * (intersect tables of many-to-many relationships included), ADD COLUMN for new columns (and for
 * the bookkeeping table's later columns, snapshotColumns; the type column a lookup gets when it
 * becomes polymorphic is filled for the rows it has, last, see typeBackfill, and so are statecode
 * and statuscode when a table gets a state model, see stateBackfill), a change of column type for each
 * Decimal or Money column whose Precision grew and each String or Memo column whose MaxLength grew
 * where the type tells it (widenedColumns) against `snapshot` (the bookkeeping rows with the
 * catalog's column types put in, see withCatalogTypes; none given, none altered), and the indexes of
 * wantedIndexes; for change tracking, the table of deleted rows (sql/deleted-rows.ts).
 * Against `indexes` (the catalog's): an index that exists with its columns is left alone (so a
 * migration locks only the tables it changes), one whose columns changed or that covers a column
 * whose type changes (SQL Server alters no indexed column) is dropped and built again, and the
 * alternate-key and declared indexes a table no longer has are dropped. Idempotent. Expects a
 * model incompatibleChanges accepts against `snapshot`.
 */
export function migrationDdl(d: Dialect, model: Model, existing: ExistingSchema, indexes: ExistingIndexes, snapshot: readonly SnapshotAttribute[] = []): string[] {
  const ddl = [...d.setupDdl];
  const bookkeeping = existing.get(SNAPSHOT);
  if (!bookkeeping) ddl.push(createSnapshotTable(d));
  else {
    for (const [name, type] of snapshotColumns(d)) if (!bookkeeping.has(name)) ddl.push(`ALTER TABLE ${d.quote(SNAPSHOT)} ${d.addColumn} ${d.quote(name)} ${type}`);
  }
  const recorded = new Map<string, Map<string, SnapshotAttribute>>();
  for (const s of snapshot) {
    if (!recorded.has(s.entity)) recorded.set(s.entity, new Map());
    recorded.get(s.entity)!.set(s.attribute, s);
  }
  // Run last, once every table they read exists.
  const backfills: string[] = [];
  const tracked = tracksChanges(model);
  if (tracked && !existing.has(DELETED_ROWS)) ddl.push(...createDeletedRowsTable(d, tracked));
  const filed = firstTableWithFiles(model);
  if (filed && !existing.has(FILE_ATTACHMENTS)) ddl.push(...createFileAttachmentsTable(d, filed));
  const shared = firstSharedTable(model);
  if (shared && !existing.has(PRINCIPAL_OBJECT_ACCESS)) ddl.push(...createPrincipalObjectAccessTable(d, shared));
  for (const e of model.entities) {
    const columns = existing.get(e.LogicalName);
    const drop = (name: string) => ddl.push(d.dropIndex(d.quote(name), d.quote(e.LogicalName)));
    let have = indexes.get(e.LogicalName);
    if (!columns) ddl.push(createTable(d, e));
    else {
      for (const a of stored(e)) {
        if (columns.has(a.LogicalName)) continue;
        ddl.push(`ALTER TABLE ${d.quote(e.LogicalName)} ${d.addColumn} ${columnDef(d, e, a)}`);
        const lookup = a.AttributeOf === undefined ? undefined : e.attributesByName.get(a.AttributeOf);
        if (lookup?.TypeAttribute === a && columns.has(lookup.LogicalName)) backfills.push(typeBackfill(d, model, e, lookup));
        if (a.LogicalName === 'statecode' && a.AttributeType === 'State') backfills.push(stateBackfill(d, e));
      }
      const widened = new Set(widenedColumns(d, e, recorded.get(e.LogicalName)).map((a) => a.LogicalName));
      if (widened.size) {
        const covering = [...have ?? []].filter(([, keyColumns]) => keyColumns.some((c) => widened.has(c))).map(([name]) => name);
        for (const name of covering) drop(name);
        for (const a of stored(e)) if (widened.has(a.LogicalName)) ddl.push(d.alterColumnType(d.quote(e.LogicalName), d.quote(a.LogicalName), d.columnType(a)));
        have = new Map([...have ?? []].filter(([name]) => !covering.includes(name)));
      }
    }
    const wanted = wantedIndexes(d, e);
    for (const name of have?.keys() ?? []) if (DROPPABLE.test(name) && !wanted.some((w) => w.name === name)) drop(name);
    for (const w of wanted) {
      if (!mustBuild(w, have)) continue;
      if (have?.has(w.name)) drop(w.name);
      ddl.push(w.ddl);
    }
  }
  return [...ddl, ...backfills];
}
