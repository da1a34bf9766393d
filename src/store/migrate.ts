import type { Model } from '../model/types.js';
import {
  incompatibleChanges, keysToBuild, migrationDdl, renderKeyDuplicates, renderPointingRows, selectSnapshot, withCatalogTypes, writeSnapshot,
  type CatalogColumnType, type ExistingIndexes, type ExistingSchema, type SnapshotAttribute,
} from '../sql/ddl.js';
import { InTransaction, type Database, type Executor } from './database.js';
import { COUNT_CAP } from './execute.js';

/** Thrown when the metadata changed in a way the database cannot follow; one line per change. */
export class MigrationError extends Error {
  constructor(readonly changes: string[]) {
    super(`the metadata changes the database incompatibly:\n${changes.map((c) => `  ${c}`).join('\n')}`);
    this.name = 'MigrationError';
  }
}

/** Whether a value read from the database is there: drivers give null (or nothing) for NULL. */
function present(v: unknown): boolean {
  return v !== null && v !== undefined;
}

/**
 * Reads the existing tables and columns from the database catalog: `schema`, table → its column
 * names, and `types`, table → column → what its type tells (Dialect.catalogColumns).
 */
async function readSchema(db: Database, ex: Executor): Promise<{ schema: Map<string, Set<string>>; types: Map<string, Map<string, CatalogColumnType>> }> {
  const schema = new Map<string, Set<string>>();
  const types = new Map<string, Map<string, CatalogColumnType>>();
  for (const [table, column, dateOnly, scale] of await ex.rows(db.dialect.catalogColumns)) {
    const name = String(table);
    if (!schema.has(name)) schema.set(name, new Set());
    schema.get(name)!.add(String(column));
    if (!present(dateOnly) && !present(scale)) continue;
    if (!types.has(name)) types.set(name, new Map());
    types.get(name)!.set(String(column), {
      ...(present(dateOnly) ? { dateOnly: Number(dateOnly) === 1 } : {}),
      ...(present(scale) ? { scale: Number(scale) } : {}),
    });
  }
  return { schema, types };
}

/** The bookkeeping rows (none before the first migration); a database made before a column of them was added reads it as absent. */
async function readSnapshot(db: Database, ex: Executor, schema: Map<string, Set<string>>): Promise<SnapshotAttribute[]> {
  const columns = schema.get('tessera_attribute');
  if (!columns) return [];
  return (await ex.rows(selectSnapshot(db.dialect, columns))).map(([entity, attribute, attributeType, maxLength, dateTimeBehavior, precision, targets]) => ({
    entity: String(entity), attribute: String(attribute), attributeType: String(attributeType),
    maxLength: present(maxLength) ? Number(maxLength) : null,
    ...(present(dateTimeBehavior) ? { dateTimeBehavior: String(dateTimeBehavior) } : {}),
    ...(present(precision) ? { precision: Number(precision) } : {}),
    ...(present(targets) && String(targets) ? { targets: String(targets).split(',') } : {}),
  }));
}

/** Reads the existing indexes from the database catalog (see ExistingIndexes). */
async function readIndexes(db: Database, ex: Executor): Promise<ExistingIndexes> {
  const indexes = new Map<string, Map<string, string[]>>();
  for (const [table, index, column] of await ex.rows(db.dialect.catalogIndexes)) {
    let ofTable = indexes.get(String(table));
    if (!ofTable) indexes.set(String(table), (ofTable = new Map()));
    let columns = ofTable.get(String(index));
    if (!columns) ofTable.set(String(index), (columns = []));
    columns.push(String(column));
  }
  return indexes;
}

/**
 * One line per alternate key that the stored rows already break (see renderKeyDuplicates), with
 * up to three of the values they share: Dataverse leaves such a key inactive; here the migration
 * is refused until the rows are changed.
 */
async function brokenKeys(db: Database, ex: Executor, keys: ReturnType<typeof keysToBuild>): Promise<string[]> {
  const broken: string[] = [];
  for (const { entity, key } of keys) {
    const rows = await ex.rows(renderKeyDuplicates(db.dialect, entity, key));
    if (!rows.length) continue;
    const shared = rows.map((r) => `(${r.slice(0, -1).map((v) => JSON.stringify(v)).join(', ')}) in ${Number(r[r.length - 1])} rows`);
    broken.push(`alternate key '${key.LogicalName}' of '${entity.LogicalName}' (${key.KeyAttributes.map((a) => a.LogicalName).join(', ')}): rows share its values, ${shared.join('; ')}${rows.length === 3 ? '; …' : ''}; change or delete them, then save the file again`);
  }
  return broken;
}

/** How many rows a count capped at COUNT_CAP (renderPointingRows) found, said. */
function rowsSaid(n: number): string {
  return n >= COUNT_CAP ? `${COUNT_CAP} or more` : String(n);
}

/**
 * One line per lookup whose stored rows would point at rows the metadata no longer relates them
 * to, from the Targets the bookkeeping recorded (`snapshot`) against `model`:
 * - a table `model` leaves out (its file removed) whose rows point, through a lookup, at rows of
 *   a table it serves. While the table is not served, deleting those rows would not apply the
 *   relationship's delete behaviour to its rows (Restrict, Cascade, RemoveLink), and when it came
 *   back its lookups would name rows that are gone; so it stays served until its rows no longer
 *   point there, or the tables they point at go too. This holds as well for a table left out
 *   before when a table it points at is served again. The same holds for the links of a
 *   many-to-many relationship no file declares any more (its intersect table's columns record the
 *   tables they link, ddl.ts intersectSides), in one line per relationship.
 * - a lookup of a served table whose Targets no longer name a table its stored rows point at (a
 *   polymorphic lookup's rows name their table in its type column; every set row of a lookup of
 *   one target points at that target): its joins, `$expand` and delete behaviours would no longer
 *   find them, or would take their ids for rows of another target. Adding targets is fine
 *   (migrationDdl fills in the type column of a lookup that gets its second).
 * The engine's lookups record no Targets (see SnapshotAttribute), nor do the rows of a database
 * whose bookkeeping predates them, until a migration rewrites them: those are not checked. Every
 * row counts, retained ones too. The same check runs at start, at `migrate` and at a reload (it
 * is part of every migration, under its lock). Throws the database's errors.
 */
async function danglingReferences(db: Database, ex: Executor, model: Model, snapshot: readonly SnapshotAttribute[], schema: ReadonlyMap<string, ReadonlySet<string>>): Promise<string[]> {
  const lines: string[] = [];
  // Intersect tables reported already (their two columns would each report them).
  const intersects = new Set<string>();
  const count = async (table: string, column: string, type?: { column: string; target: string }) => {
    const [row] = await ex.rows(renderPointingRows(db.dialect, table, column, COUNT_CAP, type));
    return Math.min(Number(row![0]), COUNT_CAP);
  };
  for (const s of snapshot) {
    const columns = schema.get(s.entity);
    if (!s.targets?.length || !columns?.has(s.attribute)) continue;
    const e = model.byLogicalName.get(s.entity);
    if (!e && s.attributeType === 'Uniqueidentifier') {
      // The intersect table of a many-to-many relationship no file declares any more: one line for
      // its links, as a reload says it (reload.ts linksOfRemoved).
      if (intersects.has(s.entity)) continue;
      intersects.add(s.entity);
      const sides = snapshot.filter((x) => x.entity === s.entity && x.attributeType === 'Uniqueidentifier').flatMap((x) => x.targets ?? []);
      const served = sides.filter((t) => model.byLogicalName.has(t));
      const rows = served.length ? await count(s.entity, s.attribute) : 0;
      if (rows) lines.push(`the many-to-many relationship of intersect table '${s.entity}' cannot stop being served while ${rowsSaid(rows)} links of it are stored (between rows of ${sides.map((t) => `'${t}'`).join(' and ')}; deleting a linked row meanwhile would leave its links pointing at nothing); declare it again and disassociate them first, or remove the file of ${served.map((t) => `'${t}'`).join(' and ')} too`);
      continue;
    }
    if (!e) {
      const served = s.targets.filter((t) => model.byLogicalName.has(t));
      const rows = served.length ? await count(s.entity, s.attribute) : 0;
      if (rows) lines.push(`table '${s.entity}' cannot stop being served while ${rowsSaid(rows)} of its rows point at rows of ${served.map((t) => `'${t}'`).join(', ')} through '${s.attribute}' (deleting those rows meanwhile would leave them pointing at nothing); put its file back and clear or delete them first, or remove the file of ${served.length > 1 ? 'those tables' : `'${served[0]}'`} too`);
      continue;
    }
    // A dropped column or a type change is refused before (incompatibleChanges).
    const a = e.attributesByName.get(s.attribute);
    if (!a?.Targets.length) continue;
    const typeColumn = s.targets.length > 1 && a.TypeAttribute && columns.has(a.TypeAttribute.LogicalName) ? a.TypeAttribute.LogicalName : undefined;
    for (const t of s.targets.filter((t) => !a.Targets.includes(t))) {
      const rows = await count(s.entity, s.attribute, typeColumn ? { column: typeColumn, target: t } : undefined);
      if (rows) lines.push(`table '${s.entity}', column '${s.attribute}': Targets no longer name '${t}' while ${rowsSaid(rows)} of its rows point at rows of '${t}' (a lookup keeps the targets its stored rows point at; adding targets is fine); clear or delete those rows first, or give it '${t}' back`);
    }
  }
  return lines;
}

/**
 * `ex` with every statement marked Statement.unbounded: a migration's lock wait, its checks over
 * stored rows and its DDL (an index built on a large table) may take longer than the URL's
 * `query_timeout` gives a request, and must not fail the start for it.
 */
function unbounded(ex: Executor): Executor {
  return { rows: (s) => ex.rows({ ...s, unbounded: true }), run: (s) => ex.run({ ...s, unbounded: true }) };
}

async function plan(db: Database, ex: Executor, model: Model): Promise<{ ddl: string[]; existing: ExistingSchema }> {
  const { schema, types } = await readSchema(db, ex);
  const snapshot = withCatalogTypes(await readSnapshot(db, ex, schema), types);
  const changes = incompatibleChanges(model, snapshot);
  if (changes.length) throw new MigrationError(changes);
  const dangling = await danglingReferences(db, ex, model, snapshot, schema);
  if (dangling.length) throw new MigrationError(dangling);
  const indexes = await readIndexes(db, ex);
  const broken = await brokenKeys(db, ex, keysToBuild(db.dialect, model, schema, indexes));
  if (broken.length) throw new MigrationError(broken);
  return { ddl: migrationDdl(db.dialect, model, schema, indexes, snapshot), existing: schema };
}

/** The DDL that `migrate` would run now (for a dry run). Throws MigrationError like `migrate`. */
export async function pendingDdl(db: Database, model: Model): Promise<string[]> {
  return (await plan(db, unbounded(db), model)).ddl;
}

/**
 * Creates missing tables, columns and indexes for `model` in one transaction and records what it
 * created. Additive but for indexes and decimals: those of alternate keys and declared indexes
 * the model no longer has are dropped, those whose columns changed are built again, and a Decimal
 * or Money column whose Precision grew gets the larger scale where its type has one, a String or
 * Memo column whose MaxLength grew the larger length where its type has one (SQL Server; see
 * migrationDdl).
 * `then`, when given, runs last in the same transaction (on `tx`, a Database whose statements run
 * in it), still under the migration's lock: work that must not interleave with another server's
 * start, such as creating the rows a service keeps (Service.open); what it throws rolls back the
 * migration too. It is given the tables and columns the database had before this migration
 * (`existing`, catalog names: logical names), so that it can fill a column just added to a table
 * that has rows without reading every row at every start.
 * Returns the DDL it ran. Throws MigrationError, with nothing changed, for a type change (a
 * DateTimeBehavior change to or from DateOnly is one), a MaxLength or Precision shrink, a dropped
 * column, change tracking turned off, a table left out or a lookup's target dropped while stored
 * rows point there (danglingReferences), or an alternate key the stored rows already break. DateTimeBehavior and Precision are checked against the catalog's column types where
 * they tell them (PostgreSQL, SQL Server; see withCatalogTypes), so a database whose bookkeeping
 * predates recording them is checked too; on SQLite such a database records them at this
 * migration. A database whose bookkeeping predates recording lookups' Targets records them at
 * this migration too (for the tables of `model`), and is checked against them from then on.
 */
export async function migrate(db: Database, model: Model, then?: (tx: Database, existing: ExistingSchema) => Promise<void>): Promise<string[]> {
  return db.transaction(async (inTx) => {
    const tx = unbounded(inTx);
    // Another server migrating the same database at once finishes first; this one then plans on what it made.
    if (db.dialect.migrationLock) await tx.rows({ sql: db.dialect.migrationLock, params: [] });
    const { ddl, existing } = await plan(db, tx, model);
    for (const sql of ddl) await tx.run({ sql, params: [] });
    for (const stmt of writeSnapshot(db.dialect, model)) await tx.run(stmt);
    if (then) await then(new InTransaction(db, inTx), existing);
    return ddl;
  });
}
