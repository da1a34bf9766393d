import type { Model } from '../model/types.js';
import {
  incompatibleChanges, keysToBuild, migrationDdl, renderKeyDuplicates, selectSnapshot, writeSnapshot, type ExistingIndexes, type SnapshotAttribute,
} from '../sql/ddl.js';
import type { Database, Executor } from './database.js';

/** Thrown when the metadata changed in a way the database cannot follow; one line per change. */
export class MigrationError extends Error {
  constructor(readonly changes: string[]) {
    super(`the metadata changes the database incompatibly:\n${changes.map((c) => `  ${c}`).join('\n')}`);
    this.name = 'MigrationError';
  }
}

/** Reads the existing tables and columns from the database catalog. */
async function readSchema(db: Database, ex: Executor): Promise<Map<string, Set<string>>> {
  const schema = new Map<string, Set<string>>();
  for (const [table, column] of await ex.rows(db.dialect.catalogColumns)) {
    const name = String(table);
    if (!schema.has(name)) schema.set(name, new Set());
    schema.get(name)!.add(String(column));
  }
  return schema;
}

async function readSnapshot(db: Database, ex: Executor, schema: Map<string, Set<string>>): Promise<SnapshotAttribute[]> {
  if (!schema.has('tessera_attribute')) return [];
  return (await ex.rows(selectSnapshot(db.dialect))).map(([entity, attribute, attributeType, maxLength]) => ({
    entity: String(entity), attribute: String(attribute), attributeType: String(attributeType),
    maxLength: maxLength === null || maxLength === undefined ? null : Number(maxLength),
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

async function plan(db: Database, ex: Executor, model: Model): Promise<string[]> {
  const schema = await readSchema(db, ex);
  const changes = incompatibleChanges(model, await readSnapshot(db, ex, schema));
  if (changes.length) throw new MigrationError(changes);
  const indexes = await readIndexes(db, ex);
  const broken = await brokenKeys(db, ex, keysToBuild(db.dialect, model, schema, indexes));
  if (broken.length) throw new MigrationError(broken);
  return migrationDdl(db.dialect, model, schema, indexes);
}

/** The DDL that `migrate` would run now (for a dry run). Throws MigrationError like `migrate`. */
export async function pendingDdl(db: Database, model: Model): Promise<string[]> {
  return plan(db, db, model);
}

/**
 * Creates missing tables, columns and indexes for `model` in one transaction and records what it
 * created. Additive but for indexes: those of alternate keys and declared indexes the model no
 * longer has are dropped, and those whose columns changed are built again (see migrationDdl).
 * Returns the DDL it ran. Throws MigrationError, with nothing changed, for a type change, a
 * MaxLength shrink, a dropped column, change tracking turned off, or an alternate key the stored
 * rows already break.
 */
export async function migrate(db: Database, model: Model): Promise<string[]> {
  return db.transaction(async (tx) => {
    const ddl = await plan(db, tx, model);
    for (const sql of ddl) await tx.run({ sql, params: [] });
    for (const stmt of writeSnapshot(db.dialect, model)) await tx.run(stmt);
    return ddl;
  });
}
