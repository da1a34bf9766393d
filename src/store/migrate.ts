import type { Model } from '../model/types.js';
import { incompatibleChanges, migrationDdl, selectSnapshot, writeSnapshot, type SnapshotAttribute } from '../sql/ddl.js';
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

async function plan(db: Database, ex: Executor, model: Model): Promise<string[]> {
  const schema = await readSchema(db, ex);
  const changes = incompatibleChanges(model, await readSnapshot(db, ex, schema));
  if (changes.length) throw new MigrationError(changes);
  return migrationDdl(db.dialect, model, schema);
}

/** The DDL that `migrate` would run now (for a dry run). Throws MigrationError like `migrate`. */
export async function pendingDdl(db: Database, model: Model): Promise<string[]> {
  return plan(db, db, model);
}

/**
 * Creates missing tables, columns and indexes for `model` in one transaction and records what it
 * created (additive only: nothing is dropped). Returns the DDL it ran. Throws MigrationError, with
 * nothing changed, for a type change, a MaxLength shrink, a dropped column or change tracking
 * turned off.
 */
export async function migrate(db: Database, model: Model): Promise<string[]> {
  return db.transaction(async (tx) => {
    const ddl = await plan(db, tx, model);
    for (const sql of ddl) await tx.run({ sql, params: [] });
    for (const stmt of writeSnapshot(db.dialect, model)) await tx.run(stmt);
    return ddl;
  });
}
