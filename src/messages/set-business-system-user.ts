import { Errors } from '../errors.js';
import { BUSINESS_COLUMN, BUSINESSUNIT, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { EntityModel } from '../model/types.js';
import { linkPair } from '../plan/links.js';
import { planRead } from '../plan/read.js';
import { ACCESS_TEAM, defaultTeamId, membershipLink, membershipOfUsers } from '../plan/teams.js';
import type { DisassociatePlan, UpdatePlan, Value } from '../plan/types.js';
import { planUpdate } from '../plan/write.js';
import { USER_ROLES } from '../security/privileges.js';
import { InTransaction, withSecurity, type Database } from '../store/database.js';
import { executeRead, writeIn } from '../store/execute.js';
import { moveOwnedRows } from '../store/owned-rows.js';
import { boundUser } from './roles.js';
import { principalOf } from './sharing.js';
import { keyIn } from './team-members.js';
import type { Message, MessageContext } from './types.js';

/**
 * SetBusinessSystemUser (Dataverse Web API action bound to a systemuser; SDK
 * SetBusinessSystemUserRequest): `POST /systemusers(<id>)/Microsoft.Dynamics.CRM.SetBusinessSystemUser`
 * with `{"BusinessUnit":{"businessunitid":"<id>"},"ReassignPrincipal":{"@odata.type":"Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"},"DoNotMoveAllRecords":false}`
 * → 204: the user moves to the unit (systemuser.businessunitid), in one transaction:
 * - it leaves its old unit's default team and joins the new one's (Dataverse "Manage teams");
 * - its security roles are taken away (Dataverse's default on a change of business unit: the
 *   organization setting DoNotRemoveRolesOnChangeBusinessUnit is off), its teams' kept;
 * - the rows it owns are assigned to ReassignPrincipal (a user or an owner team, whose unit
 *   becomes their owningbusinessunit), or, when ReassignPrincipal is the user itself, keep it as
 *   owner and move to the new unit, unless DoNotMoveAllRecords is true ("Do not move Owned
 *   records to new Business Unit": they keep their owningbusinessunit).
 * Privileges (Dataverse's SetBusinessSystemUser message privileges: prvReadUser, prvWriteUser,
 * prvReadBusinessUnit), at the caller's depth: Read and Write on the user, Read on the unit; the
 * rest is written past them. Errors: 404 for a user or unit that does not exist or that the
 * caller cannot read (403 `0x80048306` at a depth that does not reach an existing one), a
 * ReassignPrincipal that does not exist (404 `0x80040217`); 400 `0x80040203` for a BusinessUnit
 * without a businessunitid, a ReassignPrincipal that is no user or team, or an access team (which
 * owns no rows); 403 without prvWriteUser on the user. The user's manager and its reports are left
 * as they are (Dataverse's CRM 4 SDK moved the reports that left the manager's unit hierarchy:
 * not done).
 */
export const message: Message = {
  Name: 'SetBusinessSystemUser',
  Kind: 'Action',
  Binding: 'entity',
  BindingTable: SYSTEMUSER,
  Parameters: [
    { Name: 'BusinessUnit', Type: `mscrm.${BUSINESSUNIT}` },
    { Name: 'ReassignPrincipal', Type: 'mscrm.crmbaseentity' },
    { Name: 'DoNotMoveAllRecords', Type: 'Edm.Boolean', Optional: true },
  ],
  async invoke(ctx, args) {
    const userId = await boundUser(ctx, 'SetBusinessSystemUser');
    const unitId = keyIn(args['BusinessUnit'] as Record<string, unknown>, ['businessunitid'], 'BusinessUnit', 'business unit');
    const principal = principalOf(ctx.model, args['ReassignPrincipal'], 'ReassignPrincipal');
    await moveUser(ctx, userId, unitId, principal, args['DoNotMoveAllRecords'] === true);
  },
};

/** Reads `columns` of row `id` of `entity` on `db`; undefined when it does not exist (or `db`'s caller cannot read it). */
async function rowOf(db: Database, entity: EntityModel, id: string, columns: readonly string[]): Promise<Value[] | undefined> {
  return (await executeRead(db, planRead(entity, { select: [...columns] }, { returnRepresentation: false }, id))).rows[0];
}

/** Moves user `userId` to unit `unitId` as SetBusinessSystemUser does (see `message`), all or nothing. */
async function moveUser(ctx: MessageContext, userId: string, unitId: string, principal: { entity: EntityModel; id: string }, keepUnits: boolean): Promise<void> {
  const users = ctx.model.byLogicalName.get(SYSTEMUSER)!;
  const units = ctx.model.byLogicalName.get(BUSINESSUNIT)!;
  const unitColumn = users.attributesByName.get(BUSINESS_COLUMN)!;
  await ctx.db.transaction(async (tx) => {
    const asCaller = new InTransaction(ctx.db, tx);
    const trusted = new InTransaction(withSecurity(ctx.db, undefined), tx);
    if (!(await rowOf(asCaller, units, unitId, [units.PrimaryIdAttribute]))) throw Errors.recordNotFound(BUSINESSUNIT, unitId);
    const [old] = (await rowOf(trusted, users, userId, [`_${BUSINESS_COLUMN}_value`]))!;
    // The new owner of the user's rows, and its unit (the user's: the new one).
    let owner: { id: string; table: typeof SYSTEMUSER | typeof TEAM; unit: string } | undefined;
    if (principal.id !== userId) {
      const team = principal.entity.LogicalName === TEAM;
      const row = await rowOf(trusted, principal.entity, principal.id, [`_${BUSINESS_COLUMN}_value`, ...(team ? ['teamtype'] : [])]);
      if (!row) throw Errors.recordNotFound(principal.entity.LogicalName, principal.id);
      if (team && row[1] === ACCESS_TEAM) throw Errors.invalidArgument('ReassignPrincipal must be a user or an owner team: an access team owns no rows.');
      owner = { id: principal.id, table: team ? TEAM : SYSTEMUSER, unit: row[0] as string };
    }
    // The user's row, with the caller's Write on it (at its depth), as any update of the user.
    const update = planUpdate(ctx.model, users, userId, {}, ctx.caller, '*', undefined) as UpdatePlan;
    await writeIn(tx, ctx.db, { ...update, set: new Map([...update.set, [unitColumn, unitId]]) });
    const membership = membershipOfUsers(users);
    if (membership && old !== unitId) {
      const leave: DisassociatePlan = { kind: 'disassociate', entity: membership.intersect.entity, match: linkPair(membership, userId, defaultTeamId(old as string)) };
      await writeIn(tx, trusted, leave);
      await writeIn(tx, trusted, membershipLink(membership, userId, defaultTeamId(unitId)));
    }
    const roles = users.navigation.get(USER_ROLES);
    if (roles?.intersect) await writeIn(tx, trusted, { kind: 'disassociate', entity: roles.intersect.entity, match: [{ attribute: roles.intersect.own, id: userId }] });
    if (owner) {
      const stamps = new Map([...update.set].filter(([a]) => a.LogicalName.startsWith('modified')).map(([a, v]) => [a.LogicalName, v] as const));
      await moveOwnedRows(tx, ctx.db, ctx.model, userId, { kind: 'assign', owner: owner.id, ownerTable: owner.table, unit: owner.unit, stamps });
    } else if (!keepUnits) await moveOwnedRows(tx, ctx.db, ctx.model, userId, { kind: 'unit', unit: unitId });
  });
}
