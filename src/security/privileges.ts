import { isDuplicateKey } from '../errors.js';
import { PRIVILEGE, ROLE, ROLEPRIVILEGES, SYSTEMUSER } from '../model/system-columns.js';
import type { EntityModel, Model } from '../model/types.js';
import { restrict } from '../plan/navigation.js';
import { planAssociate } from '../plan/associate.js';
import { planRead } from '../plan/read.js';
import type { Caller, PlanExpr } from '../plan/types.js';
import { clientWritable } from '../plan/write.js';
import type { Database } from '../store/database.js';
import { executeRead, executeWrite } from '../store/execute.js';
import { nameGuid, SYSTEM_ADMINISTRATOR, SYSTEM_ADMINISTRATOR_ID } from '../model/kept-ids.js';
import { keepRows } from '../store/kept-rows.js';

/**
 * Privileges and the built-in System Administrator role (Dataverse "Security concepts",
 * "Security roles and privileges"). A privilege is the right to do one thing to the rows of one
 * table (`prv<Verb><Table>`, e.g. prvReadmsdyn_copilotinteraction), or a right of its own
 * (prvActOnBehalfOfAnotherUser). Roles hold privileges at a depth; users hold roles.
 * The privilege rows follow from the model: keepSecurityRows writes them at start, with ids
 * derived from their names, so they stay the same from start to start.
 */

/** The many-to-many relationship (and navigation property) between users and their roles. */
export const USER_ROLES = 'systemuserroles_association';

/**
 * What a table privilege lets a caller do: Dataverse's AccessRights flags (Microsoft.Crm.Sdk
 * AccessRights), also `privilege.accessright`.
 */
export const AccessRight = {
  Read: 1, Write: 2, Append: 4, AppendTo: 16, Create: 32, Delete: 65536, Share: 262144, Assign: 524288,
} as const;
export type AccessRightName = keyof typeof AccessRight;

/**
 * How far a privilege held by a role reaches (`roleprivileges.privilegedepthmask`, Dataverse
 * PrivilegeDepth): the caller's own rows (Basic, "User"), its business unit's (Local), its
 * business unit's and those below (Deep), every row (Global, "Organization").
 */
export const DepthMask = { Basic: 1, Local: 2, Deep: 4, Global: 8 } as const;
export type DepthName = keyof typeof DepthMask;

/** One privilege: its row's values and what it guards. */
export interface PrivilegeModel {
  readonly id: string;
  readonly name: string;
  /** The table it guards; undefined for a privilege of its own. */
  readonly entity?: EntityModel;
  readonly right?: AccessRightName;
  /** The depths a role may hold it at. */
  readonly depths: readonly DepthName[];
}

/** The privilege that lets a user impersonate another (Dataverse "Impersonate another user"). */
export const ACT_ON_BEHALF = 'prvActOnBehalfOfAnotherUser';

/**
 * The privilege a request needs to send `MSCRM.BypassCustomPluginExecution: true` (Dataverse
 * "Bypass custom business logic": only callers holding prvBypassCustomPlugins may bypass, by
 * default System Administrators; without it the request fails).
 */
export const BYPASS_CUSTOM_PLUGINS = 'prvBypassCustomPlugins';

/**
 * The privilege a request needs to send `MSCRM.BypassBusinessLogicExecution` or
 * `MSCRM.BypassBusinessLogicExecutionStepIds` (Dataverse "Bypass custom Dataverse logic": held by
 * System Administrators by default; BypassCustomPluginExecution takes prvBypassCustomPlugins instead).
 */
export const BYPASS_CUSTOM_BUSINESS_LOGIC = 'prvBypassCustomBusinessLogic';

/** Tables whose privileges Dataverse names other than by SchemaName (prvReadUser, not prvReadSystemUser). */
const PRIVILEGE_TABLE_NAMES: Readonly<Record<string, string>> = { systemuser: 'User' };

/** The privilege name of `right` on `entity`, e.g. `prvCreatemsdyn_copilotinteraction`. */
export function privilegeName(entity: EntityModel, right: AccessRightName): string {
  return `prv${right}${PRIVILEGE_TABLE_NAMES[entity.LogicalName] ?? entity.SchemaName}`;
}

/** The depths a role may hold a privilege on a table of this ownership at. */
function depthsOf(entity: EntityModel): DepthName[] {
  switch (entity.OwnershipType) {
    case 'UserOwned': return ['Basic', 'Local', 'Deep', 'Global'];
    case 'BusinessOwned': return ['Local', 'Deep', 'Global'];
    default: return ['Global'];
  }
}

/** The rights a table has privileges for: Read always; the rest where clients write it; Assign and Share on owned rows. */
function rightsOf(entity: EntityModel): AccessRightName[] {
  if (!clientWritable(entity)) return ['Read'];
  // Dataverse's users are disabled, never deleted: there is no prvDeleteUser.
  const rights: AccessRightName[] = entity.LogicalName === SYSTEMUSER ? ['Create', 'Read', 'Write', 'Append', 'AppendTo'] : ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'];
  if (entity.OwnershipType === 'UserOwned') rights.push('Assign', 'Share');
  // Dataverse's prvAssignRole: giving users a role.
  else if (entity.LogicalName === ROLE) rights.push('Assign');
  return rights;
}

/** The service's privileges: per table (intersect tables have none: their rows are links) and of their own. */
export function privilegeCatalogue(model: Model): PrivilegeModel[] {
  const out: PrivilegeModel[] = [];
  for (const entity of model.entities) {
    if (entity.IsIntersect) continue;
    const depths = depthsOf(entity);
    for (const right of rightsOf(entity)) {
      const name = privilegeName(entity, right);
      out.push({ id: privilegeId(name), name, entity, right, depths });
    }
  }
  for (const name of [ACT_ON_BEHALF, BYPASS_CUSTOM_PLUGINS, BYPASS_CUSTOM_BUSINESS_LOGIC]) out.push({ id: privilegeId(name), name, depths: ['Global'] });
  return out;
}

/** A model's privileges (privilegeCatalogue), indexed; made once per model. */
export interface PrivilegeIndex {
  readonly all: readonly PrivilegeModel[];
  readonly byId: ReadonlyMap<string, PrivilegeModel>;
  /** By name in lower case. */
  readonly byName: ReadonlyMap<string, PrivilegeModel>;
  readonly byTable: ReadonlyMap<EntityModel, ReadonlyMap<AccessRightName, PrivilegeModel>>;
}

const indexes = new WeakMap<Model, PrivilegeIndex>();

/** The privileges of `model`, indexed by id, name and table (cached per model). */
export function privilegesOf(model: Model): PrivilegeIndex {
  let index = indexes.get(model);
  if (!index) {
    const all = privilegeCatalogue(model);
    const byTable = new Map<EntityModel, Map<AccessRightName, PrivilegeModel>>();
    for (const p of all) {
      if (!p.entity || !p.right) continue;
      let rights = byTable.get(p.entity);
      if (!rights) byTable.set(p.entity, (rights = new Map()));
      rights.set(p.right, p);
    }
    index = { all, byId: new Map(all.map((p) => [p.id, p])), byName: new Map(all.map((p) => [p.name.toLowerCase(), p])), byTable };
    indexes.set(model, index);
  }
  return index;
}

/** A privilege's id, the same on every start. */
export function privilegeId(name: string): string {
  return nameGuid(`privilege:${name}`);
}


/** The id of the roleprivileges row of `roleId` and `privilegeId`: one row per pair. */
export function rolePrivilegeId(roleId: string, privilegeId: string): string {
  return nameGuid(`roleprivileges:${roleId}:${privilegeId}`);
}

/**
 * Brings the privilege rows in line with privilegeCatalogue and keeps the System Administrator
 * role with every privilege at Global depth (as `caller`, the built-in system user). Privileges of
 * tables that are no longer served are kept, with every role's grant of them, as the tables' rows
 * are: a table file that comes back (an editor's save, a restart without it) finds its roles'
 * grants; they give nothing while the table is not served. Does nothing when the model lacks the
 * security tables. Throws the database's errors.
 */
export async function keepSecurityRows(model: Model, db: Database, caller: Caller): Promise<void> {
  const privilege = model.byLogicalName.get(PRIVILEGE);
  const role = model.byLogicalName.get(ROLE);
  const grants = model.byLogicalName.get(ROLEPRIVILEGES);
  if (!privilege || !role || !grants) return;
  const catalogue = privilegesOf(model).all;
  await keepRows(model, db, privilege, new Map(catalogue.map((p) => [p.id, {
    name: p.name, accessright: p.right ? AccessRight[p.right] : 0,
    canbebasic: p.depths.includes('Basic'), canbelocal: p.depths.includes('Local'), canbedeep: p.depths.includes('Deep'), canbeglobal: p.depths.includes('Global'),
  }])), caller, { keepUnwanted: true });
  const admins = new Map([[SYSTEM_ADMINISTRATOR_ID, { name: SYSTEM_ADMINISTRATOR, description: 'Every privilege at organization depth. Kept by Tessera.' }]]);
  await keepRows(model, db, role, admins, caller, { where: (read) => restrict(read, { kind: 'in', attribute: role.attributesByName.get(role.PrimaryIdAttribute)!, values: [SYSTEM_ADMINISTRATOR_ID] }) });
  const roleId = grants.attributesByName.get('roleid')!;
  await keepRows(model, db, grants, new Map(catalogue.map((p) => [rolePrivilegeId(SYSTEM_ADMINISTRATOR_ID, p.id), {
    [`roleid@odata.bind`]: `${role.EntitySetName}(${SYSTEM_ADMINISTRATOR_ID})`,
    [`privilegeid@odata.bind`]: `${privilege.EntitySetName}(${p.id})`,
    privilegedepthmask: DepthMask.Global,
  }])), caller, { where: (read) => restrict(read, { kind: 'compare', op: 'eq', attribute: roleId, value: SYSTEM_ADMINISTRATOR_ID }) });
}

/**
 * Gives user `systemuserid` the System Administrator role unless it holds it (the administrators
 * the service is started with: Dataverse makes its environment's creator one). As `caller`, the
 * built-in system user. Two sign-ins at once may both link: the second's duplicate is ignored.
 * Throws the database's other errors.
 */
export async function ensureAdministrator(model: Model, db: Database, systemuserid: string, caller: Caller): Promise<void> {
  const users = model.byLogicalName.get(SYSTEMUSER);
  const nav = users?.navigation.get(USER_ROLES);
  if (!users || !nav?.intersect) return;
  const { entity, own, other } = nav.intersect;
  const link = planRead(entity, { select: [entity.PrimaryIdAttribute], top: 1 }, { returnRepresentation: false });
  const match: PlanExpr = { kind: 'and', left: { kind: 'compare', op: 'eq', attribute: own, value: systemuserid }, right: { kind: 'compare', op: 'eq', attribute: other, value: SYSTEM_ADMINISTRATOR_ID } };
  if ((await executeRead(db, restrict(link, match))).rows.length) return;
  try {
    await executeWrite(db, planAssociate(model, caller, nav, systemuserid, SYSTEM_ADMINISTRATOR_ID));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}
