import type { EntityModel, Model } from '../model/types.js';
import { nameGuid } from '../model/kept-ids.js';
import { deletePlan } from '../plan/delete.js';
import { planRead } from '../plan/read.js';
import type { Caller, ReadPlan } from '../plan/types.js';
import { planServiceCreate } from '../plan/write.js';
import type { Database } from './database.js';
import { executeInsertMany, executeRead, executeWrite } from './execute.js';

/**
 * Rows the service keeps itself from its model at every start (sdkmessage rows, privileges, the
 * System Administrator role): each has an id derived from a name, so it stays the same from start
 * to start and a row is known by its id alone.
 */

/** The ids of the rows of `entity` (every row, not a page: for tables of a few thousand rows). */
async function existingIds(db: Database, entity: EntityModel, where?: (read: ReadPlan) => ReadPlan): Promise<Set<string>> {
  let read = planRead(entity, { select: [entity.PrimaryIdAttribute], top: 1_000_000 }, { returnRepresentation: false });
  if (where) read = where(read);
  return new Set((await executeRead(db, read)).rows.map((r) => r[0] as string));
}

/** Options of keepRows: `where` narrows the rows kept in line; `keepUnwanted` leaves rows not wanted in place. */
export interface KeepOptions {
  readonly where?: (read: ReadPlan) => ReadPlan;
  readonly keepUnwanted?: boolean;
}

/**
 * Brings the rows of `entity` (or those `where` selects) in line with `wanted` (id → create body):
 * creates the missing ones as `caller`, in one transaction, and deletes those not wanted (with
 * their cascades) unless `keepUnwanted`. Rows that exist are left as they are. Throws the
 * database's errors.
 */
export async function keepRows(
  model: Model, db: Database, entity: EntityModel, wanted: ReadonlyMap<string, Record<string, unknown>>, caller: Caller,
  { where, keepUnwanted = false }: KeepOptions = {},
): Promise<void> {
  const existing = await existingIds(db, entity, where);
  if (!keepUnwanted) for (const id of existing) if (!wanted.has(id)) await executeWrite(db, deletePlan(entity, id, [], caller));
  const missing = [...wanted].filter(([id]) => !existing.has(id));
  if (missing.length) await executeInsertMany(db, missing.map(([id, body]) => planServiceCreate(model, entity, body, caller, id)));
}
