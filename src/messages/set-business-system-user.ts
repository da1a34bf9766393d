import { Errors } from '../errors.js';
import { BUSINESS_COLUMN, BUSINESSUNIT, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { EntityModel, Model } from '../model/types.js';
import { linkPair } from '../plan/links.js';
import { planRead } from '../plan/read.js';
import { pkOf } from '../model/primary-key.js';
import { restrict } from '../plan/navigation.js';
import { ACCESS_TEAM, defaultTeamId, membershipLink, membershipOfUsers, teamMembers } from '../plan/teams.js';
import type { DisassociatePlan, PlanExpr, UpdatePlan, Value } from '../plan/types.js';
import { planUpdate } from '../plan/write.js';
import { CallerAccess } from '../security/access.js';
import { SYSTEM_CALLER } from '../security/callers.js';
import { privilegeName, USER_ROLES } from '../security/privileges.js';
import { InTransaction, withSecurity, type Database, type Executor } from '../store/database.js';
import { executeRead, writeIn } from '../store/execute.js';
import { moveOwnedRows, owningUser } from '../store/owned-rows.js';
import { boundUser, grantsOf } from './roles.js';
import { principalOf } from './sharing.js';
import { typedKeyIn } from './team-members.js';
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
 * prvReadBusinessUnit), at the caller's depth: Read and Write on the user where it is, Write on
 * it where it goes too (the unit within the caller's prvWriteUser depth: Local its own unit, Deep
 * its subtree, Global any; Tessera's reading, not confirmed, so that no one moves a user, itself
 * too, into the roles of a default team out of its reach), Read on the unit and on
 * ReassignPrincipal, and Read and Assign (prvAssign<table>) on every row reassigned to another
 * principal; only a System Administrator moves a System Administrator, and no one the SYSTEM user
 * (as no user changes the SYSTEM user). The rest (default teams, roles taken) is written past
 * them. A move to the user's own unit changes nothing (its checks pass first). A disabled user
 * may be ReassignPrincipal, as it may be given rows by an assign. Errors: 404 for a user or unit
 * that does not exist or that the caller cannot read (403 `0x80048306` at a depth that does not
 * reach an existing one), a ReassignPrincipal that does not exist (404 `0x80040217`) or that the
 * caller cannot read (as a read of it: 403); 400 `0x80040203` for a BusinessUnit without a businessunitid or typed as
 * another table, a ReassignPrincipal that is no user or team, or an access team (which owns no
 * rows); 403 `0x80040220` without prvWriteUser, or a missing prvRead/prvAssign of a table whose
 * rows move, or for a System Administrator or the SYSTEM user moved; 403 `0x80048306` for a user
 * or a reassigned row out of the caller's depth. The user's manager and its reports are left
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
    const unitId = typedKeyIn(args['BusinessUnit'] as Record<string, unknown>, BUSINESSUNIT, ['businessunitid'], 'BusinessUnit', 'business unit');
    const principal = principalOf(ctx.model, args['ReassignPrincipal'], 'ReassignPrincipal');
    await moveUser(ctx, userId, unitId, principal, args['DoNotMoveAllRecords'] === true);
  },
};

/** Reads `columns` of row `id` of `entity` on `db`; undefined when it does not exist (or `db`'s caller cannot read it). */
async function rowOf(db: Database, entity: EntityModel, id: string, columns: readonly string[]): Promise<Value[] | undefined> {
  return (await executeRead(db, planRead(entity, { select: [...columns] }, { returnRepresentation: false }, id))).rows[0];
}

/**
 * Moves user `userId` to unit `unitId` as SetBusinessSystemUser does (see `message`), all or
 * nothing. The caller's checks, in order: Read on the unit (404); Write on the user where it is
 * (the update's guard) and where it goes (requireWriteAt); a System Administrator moved only by
 * one (the SYSTEM user by none); Read on ReassignPrincipal (404, read only after the Write
 * checks, so that a caller learns nothing of principals it may not read); Read and Assign on
 * every row that changes owner (ownedRowsAssignable). A move to the user's own unit changes nothing.
 */
async function moveUser(ctx: MessageContext, userId: string, unitId: string, principal: { entity: EntityModel; id: string }, keepUnits: boolean): Promise<void> {
  if (userId === SYSTEM_CALLER.systemuserid) throw Errors.notAdministrator(ctx.caller.systemuserid, 'move the SYSTEM user to another business unit');
  const users = ctx.model.byLogicalName.get(SYSTEMUSER)!;
  const units = ctx.model.byLogicalName.get(BUSINESSUNIT)!;
  const unitColumn = users.attributesByName.get(BUSINESS_COLUMN)!;
  const access = ctx.db.security instanceof CallerAccess ? ctx.db.security : undefined;
  await ctx.db.transaction(async (tx) => {
    const asCaller = new InTransaction(ctx.db, tx);
    const trusted = new InTransaction(withSecurity(ctx.db, undefined), tx);
    if (!(await rowOf(asCaller, units, unitId, [units.PrimaryIdAttribute]))) throw Errors.recordNotFound(BUSINESSUNIT, unitId);
    const [old] = (await rowOf(trusted, users, userId, [`_${BUSINESS_COLUMN}_value`]))!;
    // The user's row, with the caller's Write on it (at its depth), as any update of the user.
    const update = planUpdate(ctx.model, users, userId, {}, ctx.caller, '*', undefined) as UpdatePlan;
    // Where it is already: nothing changes (no role taken, no row version), once the caller's checks pass.
    if (old !== unitId) await writeIn(tx, ctx.db, { ...update, set: new Map([...update.set, [unitColumn, unitId]]) });
    if (access) {
      await requireWriteAt(access, asCaller, users, userId, units, unitId);
      if ((await grantsOf(ctx, userId)).unrestricted) throw Errors.notAdministrator(ctx.caller.systemuserid, 'move a System Administrator to another business unit');
    }
    const owner = principal.id === userId ? undefined : await ownerFor(asCaller, principal);
    if (old === unitId) return;
    await joinDefaultTeam(tx, trusted, users, userId, unitId);
    const roles = users.navigation.get(USER_ROLES);
    if (roles?.intersect) await writeIn(tx, trusted, { kind: 'disassociate', entity: roles.intersect.entity, match: [{ attribute: roles.intersect.own, id: userId }] });
    if (owner) {
      if (access) await ownedRowsAssignable(asCaller, access, ctx.model, userId);
      const stamps = new Map([...update.set].filter(([a]) => a.LogicalName.startsWith('modified')).map(([a, v]) => [a.LogicalName, v] as const));
      await moveOwnedRows(tx, ctx.db, ctx.model, userId, { kind: 'assign', owner: owner.id, ownerTable: owner.table, unit: owner.unit, stamps });
    } else if (!keepUnits) await moveOwnedRows(tx, ctx.db, ctx.model, userId, { kind: 'unit', unit: unitId });
  });
}

/**
 * Throws unless `access`'s Write on users (prvWriteUser) reaches a user of unit `unitId`: Local
 * depth the caller's unit, Deep its unit and those below, Global every unit (as its teams' roles
 * reach from their units): 403 `0x80040220` without the privilege, `0x80048306` for a unit out of
 * its reach (the refusal of a write of user `userId` there).
 */
async function requireWriteAt(access: CallerAccess, db: Database, users: EntityModel, userId: string, units: EntityModel, unitId: string): Promise<void> {
  if (access.reach(users, 'Write') === 'none') throw access.missing(privilegeName(users, 'Write'), users);
  if (!access.rightsOn(users, undefined, 0, await access.rowPlace(db, units, unitId)).includes('Write')) throw access.denied(users, userId, null, 'WriteAccess', unitId);
}

/** The new owner of a moved user's rows: `principal` read as `db`'s caller (404 when it does not exist, a read's refusal when the caller cannot read it), with its unit. */
async function ownerFor(db: Database, principal: { entity: EntityModel; id: string }): Promise<{ id: string; table: typeof SYSTEMUSER | typeof TEAM; unit: string }> {
  const team = principal.entity.LogicalName === TEAM;
  const row = await rowOf(db, principal.entity, principal.id, [`_${BUSINESS_COLUMN}_value`, ...(team ? ['teamtype'] : [])]);
  if (!row) throw Errors.recordNotFound(principal.entity.LogicalName, principal.id);
  if (team && row[1] === ACCESS_TEAM) throw Errors.invalidArgument('ReassignPrincipal must be a user or an owner team: an access team owns no rows.');
  return { id: principal.id, table: team ? TEAM : SYSTEMUSER, unit: row[0] as string };
}

/**
 * Makes user `userId` a member of unit `unitId`'s default team and of no other default team (the
 * rows of its old unit's and of any a concurrent move left), read and written in transaction `tx`
 * once the user's row is updated (its row lock held: concurrent moves of the user take turns
 * here, and each sees the last one's links).
 */
async function joinDefaultTeam(tx: Executor, db: Database, users: EntityModel, userId: string, unitId: string): Promise<void> {
  const membership = membershipOfUsers(users);
  const teams = membership?.target;
  const members = teams && teamMembers(teams);
  const isDefault = teams?.attributesByName.get('isdefault');
  if (!membership || !members || !isDefault) return;
  const isUser: PlanExpr = { kind: 'compare', op: 'eq', attribute: pkOf(users), value: userId };
  const where: PlanExpr = { kind: 'and', left: { kind: 'compare', op: 'eq', attribute: isDefault, value: true }, right: { kind: 'exists', navigation: members, where: isUser } };
  const held = (await executeRead(db, restrict(planRead(teams, { select: [teams.PrimaryIdAttribute], top: 1_000_000 }, { returnRepresentation: false }), where))).rows.map((r) => r[0] as string);
  const target = defaultTeamId(unitId);
  for (const team of held.filter((t) => t !== target)) {
    await writeIn(tx, db, { kind: 'disassociate', entity: membership.intersect.entity, match: linkPair(membership, userId, team) } satisfies DisassociatePlan);
  }
  if (!held.includes(target)) await writeIn(tx, db, membershipLink(membership, userId, target));
}

/**
 * Throws unless `access` reaches with Read and Assign every row user `userId` owns, on every table
 * whose rows a move reassigns (owned-rows.ts), as an assign of each would: 403 `0x80040220`
 * naming the missing privilege where the user owns a row of a table the caller holds none of,
 * `0x80048306` (AssignAccess) for a row out of its depth. One read per table the caller does
 * not reach whole, past its privileges, in `db`'s transaction.
 */
async function ownedRowsAssignable(db: Database, access: CallerAccess, model: Model, userId: string): Promise<void> {
  const trusted = withSecurity(db, undefined);
  for (const entity of model.entities) {
    const owning = owningUser(entity);
    if (!owning) continue;
    const read = access.reach(entity, 'Read');
    const assign = access.reach(entity, 'Assign');
    if (read === 'all' && assign === 'all') continue;
    const owned = restrict(planRead(entity, { select: [entity.PrimaryIdAttribute], top: 1 }, { returnRepresentation: false }), { kind: 'compare', op: 'eq', attribute: owning.ReferencingAttribute, value: userId });
    if (read === 'none' || assign === 'none') {
      if ((await executeRead(trusted, owned)).rows.length) throw access.missing(privilegeName(entity, read === 'none' ? 'Read' : 'Assign'), entity);
      continue;
    }
    // The owned rows the caller may read and assign, as its read of them would narrow them: any other is refused.
    const allowed = access.read({ ...owned, forRight: 'Assign' }).filter!;
    const [row] = (await executeRead(trusted, restrict(owned, { kind: 'not', operand: allowed }))).rows;
    if (row) throw access.denied(entity, row[0] as string, userId, 'AssignAccess');
  }
}
