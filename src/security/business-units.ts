import { BUSINESSUNIT, businessUnitColumn } from '../model/system-columns.js';
import type { Model } from '../model/types.js';
import type { Caller } from '../plan/types.js';
import type { ExistingSchema } from '../sql/ddl.js';
import { renderFillMissing } from '../sql/render.js';
import type { Database } from '../store/database.js';
import { keepRows } from '../store/kept-rows.js';
import { organizationName } from '../store/organization-name.js';

/**
 * The one root business unit (Dataverse BusinessUnit table: "The first business unit created for
 * an organization is called the root business unit"). Tessera models no hierarchy: every user is
 * in it (systemuser.businessunitid), as is every user-owned row (owningbusinessunit, its owner's
 * unit) and business-owned row (businessunitid). Its id is the callers' fixed businessunitid
 * (security/callers.ts), which WhoAmI answers.
 */

/**
 * Creates the root business unit `caller.businessunitid` unless it exists, named after the
 * organization (its `name`, as Dataverse names the root unit after the organization), with no
 * parent, in `caller`'s organization; then puts in it every row of a table that had rows before
 * this migration added its business unit column (`existing`: the tables and columns the database
 * had before, store/migrate.ts). Tables whose column was there already are not read: a fill of
 * `… WHERE column IS NULL` scans the whole table, as the lookup index leaves nulls out. Run at
 * start and reload, under the migration's lock (Service.open; `tessera migrate` opens a Service
 * too). Does nothing when the model lacks the business unit table. Throws the database's errors.
 */
export async function keepRootBusinessUnit(model: Model, db: Database, caller: Caller, existing: ExistingSchema): Promise<void> {
  const units = model.byLogicalName.get(BUSINESSUNIT);
  if (!units) return;
  const name = await organizationName(model, db, caller.organizationid);
  await keepRows(model, db, units, new Map([[caller.businessunitid, { name }]]), caller, { keepUnwanted: true });
  for (const e of model.entities) {
    const column = businessUnitColumn(e);
    const before = existing.get(e.LogicalName);
    if (column && before && !before.has(column.LogicalName)) await db.run(renderFillMissing(db.dialect, e, column, caller.businessunitid));
  }
}
