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

/**
 * The shares of row `id` of `entity`, of `principals` only when given, in principalid order (the
 * ids' text order, sorted here: SQL Server orders uniqueidentifiers by other bytes first).
 */
export async function readShares(ex: Executor, db: Database, entity: EntityModel, id: string, principals?: readonly string[]): Promise<ShareRow[]> {
  const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
  const shares = (await ex.rows(renderSelectShares(db.dialect, entity, id, principals))).map((r) => ({
    principalid: String(db.dialect.fromDb(pk, r[0])), principaltypecode: String(r[1]), accessrightsmask: Number(r[2]),
  }));
  return shares.sort((a, b) => (a.principalid < b.principalid ? -1 : a.principalid > b.principalid ? 1 : 0));
}

/** The union (bitwise OR) of the AccessRights row `id` of `entity` is shared with to any of `principals`; 0 when none. */
export async function sharedMask(ex: Executor, db: Database, entity: EntityModel, id: string, principals: readonly string[]): Promise<number> {
  return (await readShares(ex, db, entity, id, principals)).reduce((mask, s) => mask | s.accessrightsmask, 0);
}

/**
 * Gives `principal` the rights `mask` on row `id` of `entity` at `now` (canonical UTC): with
 * `merge` they join the rights its share holds (GrantAccess; a share changed by another
 * transaction meanwhile keeps that one's rights too, the OR being done by the UPDATE), else they
 * replace them (ModifyAccess, RevokeAccess), a mask of 0 removing the share. Run inside the
 * message's transaction. Two transactions sharing the same row with the same principal for the
 * first time both INSERT: the later fails on the share table's unique index (the caller retries).
 */
export async function writeShare(tx: Executor, db: Database, entity: EntityModel, id: string, principal: Principal, mask: number, merge: boolean, now: string): Promise<void> {
  const d = db.dialect;
  const [current] = await readShares(tx, db, entity, id, [principal.id]);
  if (!mask) {
    if (current && !merge) await tx.run(renderDeleteShares(d, entity, [id], principal.id));
  } else if (current) {
    if ((merge ? current.accessrightsmask | mask : mask) !== current.accessrightsmask) await tx.run(renderUpdateShare(d, entity, id, principal.id, mask, merge, now));
  } else await tx.run(renderInsertShare(d, entity, id, sequentialGuid(), principal.id, principal.entity.LogicalName, mask, now));
}
