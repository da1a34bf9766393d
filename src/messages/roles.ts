import { Errors } from '../errors.js';
import { PRIVILEGE, ROLE, ROLEPRIVILEGES, SYSTEMUSER } from '../model/system-columns.js';
import type { EntityModel } from '../model/types.js';
import { planServiceCreate, planUpdate } from '../plan/write.js';
import { restrict } from '../plan/navigation.js';
import { canonicalGuid } from '../plan/values.js';
import { planRead } from '../plan/read.js';
import type { UpdatePlan, WritePlan } from '../plan/types.js';
import { InTransaction, withSecurity } from '../store/database.js';
import { executeRead, writeIn } from '../store/execute.js';
import { CallerAccess, userGrants, type UserGrants } from '../security/access.js';
import { SYSTEM_CALLER } from '../security/callers.js';
import { SYSTEM_ADMINISTRATOR_ID } from '../model/kept-ids.js';
import { DepthMask, privilegesOf, rolePrivilegeId, type DepthName, type PrivilegeModel } from '../security/privileges.js';
import type { ComplexTypeDefinition, MessageContext } from './types.js';

/**
 * What the role messages share (AddPrivilegesRole, RemovePrivilegeRole; Dataverse "Security
 * roles and privileges"): the bound role, the RolePrivilege complex type, and the writes to
 * `roleprivileges`, which clients cannot write themselves. A call takes the caller's Write
 * privilege on the role (prvWriteRole), checked by stamping the role's modifiedon/modifiedby
 * in the same transaction; the role's privileges are then written past the caller's checks.
 */

/** Dataverse's PrivilegeDepth members, in value order (Basic = 0 … Global = 3). */
const DEPTHS: readonly DepthName[] = ['Basic', 'Local', 'Deep', 'Global'];

/** `Microsoft.Dynamics.CRM.RolePrivilege`: one privilege at a depth. */
export const ROLE_PRIVILEGE: ComplexTypeDefinition = {
  Name: 'RolePrivilege',
  Properties: [
    { Name: 'Depth', Type: 'mscrm.PrivilegeDepth' },
    { Name: 'PrivilegeId', Type: 'Edm.Guid' },
    { Name: 'BusinessUnitId', Type: 'Edm.Guid', Nullable: true },
    { Name: 'PrivilegeName', Type: 'Edm.String', Nullable: true },
  ],
  Enums: [{ Name: 'PrivilegeDepth', Members: DEPTHS }],
};

/** A depth mask's PrivilegeDepth member (the widest depth it holds). */
export function depthName(mask: number): DepthName {
  return mask >= DepthMask.Global ? 'Global' : mask >= DepthMask.Deep ? 'Deep' : mask >= DepthMask.Local ? 'Local' : 'Basic';
}

/**
 * The user a user message is bound to (`/systemusers(<id>)/Microsoft.Dynamics.CRM.X`), after
 * checking that the caller may read it (403) and that it exists (404); 404 on another table.
 */
export function boundUser(ctx: MessageContext, name: string): Promise<string> {
  return boundRow(ctx, SYSTEMUSER, name);
}

/**
 * The row of `table` a message `name` is bound to (`/<set>(<id>)/Microsoft.Dynamics.CRM.<name>`),
 * after checking that the caller may read it (403) and that it exists (404 `0x80040217`); 404 on
 * another table.
 */
export async function boundRow(ctx: MessageContext, table: string, name: string): Promise<string> {
  const entity = ctx.binding?.entity;
  if (!entity || entity.LogicalName !== table || !ctx.binding?.id) throw Errors.resourceNotFound(`Microsoft.Dynamics.CRM.${name}`);
  const read = await executeRead(ctx.db, planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, ctx.binding.id));
  if (!read.rows.length) throw Errors.recordNotFound(table, ctx.binding.id);
  return ctx.binding.id;
}

/**
 * What user `userId` holds through its roles and its teams' (userGrants), read past the caller's
 * checks; with `direct`, also what its own roles give (UserGrants.direct); with `unit` (the user's
 * business unit), its teams of other units apart (UserGrants.home, .away).
 */
export function grantsOf(ctx: MessageContext, userId: string, direct = false, unit?: string): Promise<UserGrants> {
  return userGrants(ctx.model, withSecurity(ctx.db, undefined), userId, SYSTEM_CALLER, direct, unit);
}

/** The role a role message is bound to (`/roles(<id>)/Microsoft.Dynamics.CRM.X`); 404 on another table. */
export function boundRole(ctx: MessageContext, name: string): { role: EntityModel; id: string } {
  const entity = ctx.binding?.entity;
  if (!entity || entity.LogicalName !== ROLE || !ctx.binding?.id) throw Errors.resourceNotFound(`Microsoft.Dynamics.CRM.${name}`);
  // Kept by the service with every privilege: Dataverse's cannot be modified either.
  if (ctx.binding.id === SYSTEM_ADMINISTRATOR_ID) throw Errors.keptRole();
  return { role: entity, id: ctx.binding.id };
}

/** The RolePrivilege properties a client may send. */
const ROLE_PRIVILEGE_PROPERTIES = new Set(ROLE_PRIVILEGE.Properties.map((p) => p.Name));

/** The privilege with id `id` (any case); 400 when there is none. */
export function privilegeById(ctx: MessageContext, id: string, where: string): PrivilegeModel {
  const privilege = privilegesOf(ctx.model).byId.get(id.toLowerCase());
  if (!privilege) throw Errors.invalidArgument(`${where}no privilege has Id ${id}.`);
  return privilege;
}

/**
 * A RolePrivilege object as a privilege and a depth mask: PrivilegeId or PrivilegeName (both must
 * name the same one), Depth as a member name or its value (a number or a numeric string, as
 * OData JSON allows). 400 for another property, an unknown privilege, or a depth it cannot have;
 * 403 `0x80040220` for a depth beyond the one the caller holds the privilege at (a user may not
 * give what it does not hold).
 */
export function rolePrivilege(ctx: MessageContext, item: Record<string, unknown>, index: number): { privilege: PrivilegeModel; mask: number } {
  const at = `Privileges[${index}]: `;
  for (const key of Object.keys(item)) {
    if (!key.includes('@') && !ROLE_PRIVILEGE_PROPERTIES.has(key)) throw Errors.invalidArgument(`${at}'${key}' is not a property of RolePrivilege; its properties are ${[...ROLE_PRIVILEGE_PROPERTIES].join(', ')}.`);
  }
  const id = item['PrivilegeId'];
  const name = item['PrivilegeName'];
  const unit = item['BusinessUnitId'];
  if (unit !== undefined && unit !== null && (typeof unit !== 'string' || !canonicalGuid(unit))) throw Errors.invalidArgument(`${at}BusinessUnitId must be a GUID.`);
  if (id !== undefined && id !== null && typeof id !== 'string') throw Errors.invalidArgument(`${at}PrivilegeId must be a GUID.`);
  if (name !== undefined && name !== null && typeof name !== 'string') throw Errors.invalidArgument(`${at}PrivilegeName must be a string.`);
  let privilege: PrivilegeModel | undefined;
  if (id) privilege = privilegeById(ctx, id, at);
  if (name) {
    const named = privilegesOf(ctx.model).byName.get(name.toLowerCase());
    if (!named) throw Errors.invalidArgument(`${at}no privilege has the name '${name}'.`);
    if (privilege && privilege !== named) throw Errors.invalidArgument(`${at}PrivilegeId ${privilege.id} is ${privilege.name}, not '${name}'.`);
    privilege = named;
  }
  if (!privilege) throw Errors.invalidArgument(`${at}give the PrivilegeId or the PrivilegeName.`);
  const raw = item['Depth'];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
  const depth = value !== undefined ? DEPTHS[value] : DEPTHS.find((d) => d.toLowerCase() === String(raw).toLowerCase());
  if (!depth) throw Errors.invalidArgument(`${at}Depth must be one of ${DEPTHS.join(', ')}, not '${String(raw)}'.`);
  if (!privilege.depths.includes(depth)) throw Errors.invalidArgument(`${at}${privilege.name} cannot be held at ${depth} depth; it can at ${privilege.depths.join(', ')}.`);
  const mask = DepthMask[depth];
  const security = ctx.db.security;
  if (security instanceof CallerAccess && security.depthOf(privilege.id) < mask) {
    throw Errors.grantBeyondOwn(ctx.caller.systemuserid, privilege.name, depth);
  }
  return { privilege, mask };
}

/**
 * Runs `change(tx, db)` in one transaction after stamping the role (which takes the caller's
 * Write privilege on it, and answers 404 for a role that does not exist); `db` runs past the
 * caller's checks.
 */
export function changeRole(ctx: MessageContext, role: EntityModel, id: string, change: (held: ReadonlySet<string>, grants: EntityModel, run: (plan: WritePlan) => Promise<unknown>) => Promise<void>): Promise<void> {
  const grants = ctx.model.byLogicalName.get(ROLEPRIVILEGES)!;
  return ctx.db.transaction(async (tx) => {
    await writeIn(tx, ctx.db, planUpdate(ctx.model, role, id, {}, ctx.caller, '*', undefined) as UpdatePlan);
    const trusted = new InTransaction(withSecurity(ctx.db, undefined), tx);
    const roleId = grants.attributesByName.get('roleid')!;
    const read = restrict(planRead(grants, { select: [grants.PrimaryIdAttribute], top: 1_000_000 }, { returnRepresentation: false }), { kind: 'compare', op: 'eq', attribute: roleId, value: id });
    const held = new Set((await executeRead(trusted, read)).rows.map((r) => r[0] as string));
    await change(held, grants, (plan) => writeIn(tx, trusted, plan));
  });
}

/** The roleprivileges row giving `roleId` `privilege` at `mask`, as a create plan. */
export function grantPlan(ctx: MessageContext, grants: EntityModel, roleId: string, privilege: PrivilegeModel, mask: number) {
  const role = ctx.model.byLogicalName.get(ROLE)!;
  return planServiceCreate(ctx.model, grants, {
    'roleid@odata.bind': `${role.EntitySetName}(${roleId})`,
    'privilegeid@odata.bind': `${ctx.model.byLogicalName.get(PRIVILEGE)!.EntitySetName}(${privilege.id})`,
    privilegedepthmask: mask,
  }, ctx.caller, rolePrivilegeId(roleId, privilege.id));
}
