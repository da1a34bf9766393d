import { Errors, ServiceError } from '../errors.js';
import { BUSINESSUNIT, TEAM } from '../model/system-columns.js';
import type { Model } from '../model/types.js';
import { deletePlan } from '../plan/delete.js';
import { defaultTeamId } from '../plan/teams.js';
import type { Caller, DeletePlan } from '../plan/types.js';
import { renderSelectById } from '../sql/render.js';
import { withSecurity, type Database } from './database.js';
import { executeWriteCheck, writeIn } from './execute.js';

/**
 * Deletes a business unit (`plan`, planDelete's, by `caller`) with its default team, in one
 * transaction (Dataverse "Business units": a disabled unit is deleted, its default team with it):
 * first the caller must be allowed to delete the unit (executeWriteCheck: 403, or 404 when it
 * does not exist), then the unit must be disabled (400 `0x80041d60`, before anything is deleted); then its
 * default team is deleted past the caller's privileges, with its memberships, refused with 400
 * `0x80041d62` (BusinessUnitDefaultTeamOwnsRecords) when the team owns rows; then the unit, under
 * the caller's privileges and plan's guards: 400 `0x80041d61` when child units point at it, 405
 * `0x80040227` when users, teams or roles still do, 404 when it does not exist. Another table's
 * plan is run as executeWrite runs it.
 */
export async function executeDelete(model: Model, db: Database, plan: DeletePlan, caller: Caller): Promise<void> {
  const teams = model.byLogicalName.get(TEAM);
  const disabled = plan.entity.attributesByName.get('isdisabled');
  const unit = plan.entity.LogicalName === BUSINESSUNIT && teams && disabled;
  // The caller's privileges first: a unit it may not delete is refused as such, before its state is told.
  if (unit) await executeWriteCheck(db, plan);
  await db.transaction(async (tx) => {
    if (!unit) {
      await writeIn(tx, db, plan);
      return;
    }
    const [row] = await tx.rows(renderSelectById(db.dialect, plan.entity, plan.id, [disabled]));
    if (row && db.dialect.fromDb(disabled, row[0]) !== true) throw Errors.businessUnitNotDisabled();
    try {
      if (row) await writeIn(tx, withSecurity(db, undefined), deletePlan(teams, defaultTeamId(plan.id), [], caller));
    } catch (err) {
      if (err instanceof ServiceError && err.code === '0x80040227') throw Errors.businessUnitDefaultTeamOwnsRecords(plan.id);
      if (!(err instanceof ServiceError && err.status === 404)) throw err;
    }
    await writeIn(tx, db, plan);
  });
}
