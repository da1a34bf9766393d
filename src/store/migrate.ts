import type { Model } from '../model/types.js';
import { migrationDdl } from '../sql/ddl.js';
import type { Database } from './database.js';

/** Reads the existing tables and columns from the database catalog. */
async function readSchema(db: Database): Promise<Map<string, Set<string>>> {
  const schema = new Map<string, Set<string>>();
  for (const [table, column] of await db.rows(db.dialect.catalogColumns)) {
    const name = String(table);
    if (!schema.has(name)) schema.set(name, new Set());
    schema.get(name)!.add(String(column));
  }
  return schema;
}

/** The DDL that `migrate` would run now (for a dry run). */
export async function pendingDdl(db: Database, model: Model): Promise<string[]> {
  return migrationDdl(db.dialect, model, await readSchema(db));
}

/**
 * Creates missing tables, columns and lookup indexes for `model` in one transaction (additive
 * only: nothing is dropped). Returns the statements it ran.
 */
export async function migrate(db: Database, model: Model): Promise<string[]> {
  const ddl = await pendingDdl(db, model);
  await db.transaction(async (tx) => {
    for (const sql of ddl) await tx.run({ sql, params: [] });
  });
  return ddl;
}
