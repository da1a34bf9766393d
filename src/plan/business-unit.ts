import { Errors } from '../errors.js';
import { BUSINESSUNIT } from '../model/system-columns.js';
import type { EntityModel } from '../model/types.js';
import type { Caller } from './types.js';

/**
 * The writes Tessera refuses on the business unit table, which holds the one root business unit
 * (Dataverse BusinessUnit table: "The first business unit created for an organization is called
 * the root business unit. Business units can be deleted, however, the root business unit can't be
 * deleted"). Updates of its own columns (name, description…) are allowed.
 */

/**
 * Refuses a Create of a business unit: Dataverse makes it a child of another unit, and Tessera has
 * no hierarchy (every user and row is in the root unit). Throws 501 `0x0` naming it; does nothing
 * for another table.
 */
export function refuseBusinessUnitCreate(entity: EntityModel): void {
  if (entity.LogicalName === BUSINESSUNIT) throw Errors.notImplemented('Creating a business unit (Tessera holds only the root business unit, with no child business units)');
}

/**
 * Refuses deleting the root business unit, the caller's (every user is in it). Dataverse deletes
 * only a disabled unit and never disables the root ("Root Business unit cannot be disabled"), so
 * it answers BusinessUnitIsNotDisabledAndCannotBeDeleted: 400 `0x80041d60` (Dataverse web service
 * error codes). Any other id goes on to be a 404 (no such row). Does nothing for another table.
 */
export function refuseRootDelete(entity: EntityModel, id: string, caller: Caller): void {
  if (entity.LogicalName === BUSINESSUNIT && id === caller.businessunitid) throw Errors.businessUnitNotDisabled();
}
