import type { EntityModel } from '../model/types.js';
import { sequentialGuid } from '../plan/sequential-guid.js';
import { renderDeleteShares, renderInsertShare, renderSelectShares, renderUpdateShare, type ShareRow } from '../sql/principal-object-access.js';
import type { Database, Executor } from './database.js';

/**
 * Reads and writes of row shares (sql/principal-object-access.ts) for the sharing messages
 * (GrantAccess, ModifyAccess, RevokeAccess, RetrieveSharedPrincipalsAndAccess) and
 * RetrievePrincipalAccess. Each runs on `ex` (a transaction, or the database) with `db`'s dialect.
 */

/** A user or team a row is shared with: its table and id. */
export interface Principal {
  readonly entity: EntityModel;
  readonly id: string;
}

/** The shares of row `id` of `entity`, of `principals` only when given, in principalid order. */
export async function readShares(ex: Executor, db: Database, entity: EntityModel, id: string, principals?: readonly string[]): Promise<ShareRow[]> {
  const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
  return (await ex.rows(renderSelectShares(db.dialect, entity, id, principals))).map((r) => ({
    principalid: String(db.dialect.fromDb(pk, r[0])), principaltypecode: String(r[1]), accessrightsmask: Number(r[2]),
  }));
}

/** The union (bitwise OR) of the AccessRights row `id` of `entity` is shared with to any of `principals`; 0 when none. */
export async function sharedMask(ex: Executor, db: Database, entity: EntityModel, id: string, principals: readonly string[]): Promise<number> {
  return (await readShares(ex, db, entity, id, principals)).reduce((mask, s) => mask | s.accessrightsmask, 0);
}

/**
 * Sets the share of row `id` of `entity` with `principal` to `next(current)` (current: its mask,
 * undefined when it has none) at `now` (canonical UTC): created, changed, or, for a mask of 0,
 * removed. Run inside the message's transaction.
 */
export async function writeShare(tx: Executor, db: Database, entity: EntityModel, id: string, principal: Principal, next: (current: number | undefined) => number, now: string): Promise<void> {
  const d = db.dialect;
  const [current] = await readShares(tx, db, entity, id, [principal.id]);
  const mask = next(current?.accessrightsmask);
  if (!mask) {
    if (current) await tx.run(renderDeleteShares(d, entity, [id], principal.id));
  } else if (current) {
    if (mask !== current.accessrightsmask) await tx.run(renderUpdateShare(d, entity, id, principal.id, mask, now));
  } else await tx.run(renderInsertShare(d, entity, id, sequentialGuid(), principal.id, principal.entity.LogicalName, mask, now));
}
