import { Errors } from '../errors.js';
import { PRINCIPAL_KEY, PRINCIPAL_TABLES } from '../model/system-columns.js';
import type { EntityModel, Model } from '../model/types.js';
import { pkOf } from '../model/primary-key.js';
import { planRead } from '../plan/read.js';
import type { Value } from '../plan/types.js';
import { flagsValue, nowUtc } from '../plan/values.js';
import { CallerAccess } from '../security/access.js';
import { AccessRight, privilegeName, privilegesOf, type AccessRightName } from '../security/privileges.js';
import { InTransaction, withSecurity, type Database, type Executor } from '../store/database.js';
import { executeRead } from '../store/execute.js';
import { renderSelectById } from '../sql/render.js';
import { sharedMask, writeShare, type Principal } from '../store/shares.js';
import { entityObjectReference } from './targets.js';
import type { ComplexTypeDefinition, EnumTypeDefinition, Message, MessageContext, RecordReference } from './types.js';

/**
 * What the sharing messages share (Dataverse "Sharing and assigning"; Web API GrantAccess,
 * ModifyAccess, RevokeAccess, RetrieveSharedPrincipalsAndAccess, PrincipalAccess ComplexType,
 * AccessRights EnumType): the types `$metadata` declares for them, the Target record and the
 * principal a body names, and the checks a sharer passes. Not a message itself.
 */

/** Dataverse's AccessRights flags enumeration, as `$metadata` declares it (None, ReadAccess 1 … AssignAccess 524288). */
const ACCESS_RIGHT_MEMBERS: ReadonlyArray<{ readonly Name: string; readonly Value: number }> = [
  { Name: 'None', Value: 0 }, ...Object.entries(AccessRight).map(([name, value]) => ({ Name: `${name}Access`, Value: value })),
];
export const ACCESS_RIGHTS: EnumTypeDefinition = { Name: 'AccessRights', IsFlags: true, Members: ACCESS_RIGHT_MEMBERS };

/**
 * `Microsoft.Dynamics.CRM.PrincipalAccess` (Web API ComplexType): `AccessMask` (AccessRights) and
 * the navigation property `Principal` (crmbaseentity, not nullable): a user or team.
 */
export const PRINCIPAL_ACCESS: ComplexTypeDefinition = {
  Name: 'PrincipalAccess',
  Properties: [{ Name: 'AccessMask', Type: 'mscrm.AccessRights' }],
  NavigationProperties: [{ Name: 'Principal', Type: 'mscrm.crmbaseentity' }],
  Enums: [ACCESS_RIGHTS],
};

/** The rights a share may hold: every AccessRights flag but CreateAccess, which no existing row takes. */
const SHAREABLE = Object.values(AccessRight).filter((v) => v !== AccessRight.Create).reduce((bits, v) => bits | v, 0);

/** AccessRights flags as OData writes a flags value: the members' names in value order, comma-separated; `None` for none. */
export function accessRightsText(mask: number): string {
  const names = ACCESS_RIGHT_MEMBERS.filter((m) => m.Value && (mask & m.Value) === m.Value).map((m) => m.Name);
  return names.length ? names.join(', ') : 'None';
}

/** `rights` as an AccessRights mask. */
export function maskOf(rights: readonly AccessRightName[]): number {
  return rights.reduce((bits, r) => bits | AccessRight[r], 0);
}

/**
 * The AccessRights mask of an `AccessMask` value (`"ReadAccess, WriteAccess"`, member names or
 * values, flagsValue). Throws 400 `0x80040203` for what is no AccessRights value or holds
 * CreateAccess (a share is on an existing row).
 */
function accessMask(value: unknown): number {
  const mask = typeof value === 'string' ? flagsValue(ACCESS_RIGHT_MEMBERS, value) : undefined;
  if (mask === undefined) throw Errors.invalidArgument(`PrincipalAccess.AccessMask must be AccessRights member names separated by commas, such as "ReadAccess, WriteAccess"; ${JSON.stringify(value) ?? 'nothing'} is not.`);
  if (mask & ~SHAREABLE) throw Errors.invalidArgument('PrincipalAccess.AccessMask cannot hold CreateAccess: a share gives rights on an existing row.');
  return mask;
}

/**
 * The user or team an entity object names (`{"@odata.type":"Microsoft.Dynamics.CRM.systemuser",
 * "systemuserid":"<id>"}`, a team by `teamid`, either by `ownerid`, the key of their `principal`
 * type). Throws 400 `0x80040203` naming `parameter` for another table or a missing key.
 */
export function principalOf(model: Model, value: unknown, parameter: string): Principal {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw Errors.invalidArgument(`${parameter} must be a user or team: {"@odata.type":"Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"}.`);
  const ref = entityObjectReference(model, value, parameter, () => PRINCIPAL_KEY);
  if (!PRINCIPAL_TABLES.has(ref.entity.LogicalName)) throw Errors.invalidArgument(`${parameter} must be a user (systemuser) or a team, not a row of '${ref.entity.LogicalName}'.`);
  return ref;
}

/**
 * The record `Target` names (an entity object in an action body, already resolved in a function
 * call) of a table whose rows are shared: one with the Share privilege (user-owned tables).
 * Throws 400 `0x80040203` for another table and entityObjectReference's errors.
 */
export function shareTarget(model: Model, value: unknown): RecordReference {
  const target = value && typeof value === 'object' && 'entity' in value ? value as RecordReference : entityObjectReference(model, value, 'Target');
  if (!privilegesOf(model).byTable.get(target.entity)?.has('Share')) throw Errors.invalidArgument(`The table '${target.entity.LogicalName}' does not support sharing: only the rows of user- or team-owned tables are shared.`);
  return target;
}

/**
 * The owner of row `target` read on `ex` past the caller's checks (undefined for a table without
 * one), the row locked as a lookup's target is (Dialect.keyShareLock): inside a transaction, a
 * delete of the row waits for it to end, so no share outlives its row. Throws 404 `0x80040217`
 * when the row does not exist.
 */
export async function ownerOf(ex: Executor, db: Database, target: RecordReference): Promise<Value | undefined> {
  const { entity, id } = target;
  const owner = entity.OwnershipType === 'UserOwned' ? entity.attributesByName.get('ownerid') : undefined;
  const [row] = await ex.rows(renderSelectById(db.dialect, entity, id, [owner ?? pkOf(entity)], true));
  if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
  return owner ? db.dialect.fromDb(owner, row[0]) : undefined;
}

/** Throws 404 `0x80040217` unless the user or team `principal` exists (read past the caller's checks). */
async function requireExists(db: Database, principal: Principal): Promise<void> {
  const { entity, id } = principal;
  const read = planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id);
  if (!(await executeRead(withSecurity(db, undefined), read)).rows.length) throw Errors.recordNotFound(entity.LogicalName, id);
}

/**
 * Checks that the caller may share row `target` (owned by `owner`) with the rights `mask`, in the
 * transaction `db` runs in: it needs ShareAccess on the row (prvShare reaching it: every row, or at
 * Basic depth a row it or its teams own or that is shared with them with ShareAccess), and every
 * right it gives on the row itself (GrantAccessRequest: "the caller must have privileges on the
 * specified entity … and access rights on the specified record"; a sharer gives no more than it
 * holds). Throws 403 `0x80040220` for a privilege the caller lacks on the table, 403 `0x80048306`
 * naming the AccessRights it lacks on the row. Callers whose requests are not checked (the system
 * user, System Administrators) pass.
 */
async function checkSharer(db: Database, target: RecordReference, owner: Value | undefined, mask: number): Promise<void> {
  const access = db.security;
  if (!(access instanceof CallerAccess)) return;
  const { entity, id } = target;
  const held = access.rightsOn(entity, owner, await sharedMask(db, db, entity, id, access.sharePrincipals), await access.rowPlace(db, entity, id));
  // ShareAccess first: a sharer without it is told so, whatever it gives.
  const needed: AccessRightName[] = ['Share', ...(Object.keys(AccessRight) as AccessRightName[]).filter((r) => r !== 'Share' && (mask & AccessRight[r]) !== 0)];
  for (const right of needed) {
    if (held.includes(right)) continue;
    if (access.reach(entity, right) === 'none') throw access.missing(privilegeName(entity, right), entity);
    throw access.denied(entity, id, owner ?? null, `${right}Access`);
  }
}

/**
 * Throws 403 `0x80040220` when the caller holds the Share privilege of `entity` at no depth:
 * checked before the row and principal are looked up, so that a caller who may share nothing of
 * the table learns nothing of which rows and principals exist.
 */
function requireSharePrivilege(db: Database, entity: EntityModel): void {
  const access = db.security;
  if (access instanceof CallerAccess && access.reach(entity, 'Share') === 'none') throw access.missing(privilegeName(entity, 'Share'), entity);
}

/** Transactions changeShare runs before giving up on a unique-index clash with a concurrent first share. */
const SHARE_ATTEMPTS = 3;

/**
 * Gives `principal` the rights `mask` on row `target` (merged with those its share holds, or
 * replacing them: store/shares.ts writeShare) in one transaction, after checking that the caller
 * may share the table (requireSharePrivilege), that both exist (404 `0x80040217`) and that it may
 * share the row with those rights (checkSharer). A transaction that loses a race to share the same
 * row with the same principal first (the share table's unique index) runs again and finds that share.
 */
export async function changeShare(ctx: MessageContext, target: RecordReference, principal: Principal, mask: number, merge: boolean): Promise<void> {
  requireSharePrivilege(ctx.db, target.entity);
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.db.transaction(async (tx) => {
        const db = new InTransaction(ctx.db, tx);
        const owner = await ownerOf(tx, db, target);
        await requireExists(db, principal);
        await checkSharer(db, target, owner, mask);
        await writeShare(tx, ctx.db, target.entity, target.id, principal, mask, merge, nowUtc());
      });
      return;
    } catch (err) {
      if (attempt >= SHARE_ATTEMPTS || !ctx.db.uniqueViolation(err)) throw err;
    }
  }
}

/**
 * GrantAccess (`merge`: the rights given join those the principal holds already) or ModifyAccess
 * (they replace them): unbound actions, `POST /<Name>` with
 * `{"Target":{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<pk>":"<id>"},
 * "PrincipalAccess":{"AccessMask":"ReadAccess, WriteAccess","Principal":{"@odata.type":
 * "Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"}}}` → 204 (Dataverse Web API reference:
 * Target crmbaseentity, PrincipalAccess PrincipalAccess, no return value). ModifyAccess of a
 * principal the row is not shared with shares it; a mask of `None` removes the share. Errors:
 * shareTarget, principalOf, accessMask (400), changeShare (404, 403).
 */
export function accessMessage(name: string, merge: boolean): Message {
  return {
    Name: name,
    Kind: 'Action',
    Parameters: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }, { Name: 'PrincipalAccess', Type: 'mscrm.PrincipalAccess', ComplexType: PRINCIPAL_ACCESS }],
    takes: (entity) => sharedTable(entity),
    async invoke(ctx, args) {
      const target = shareTarget(ctx.model, args['Target']);
      const given = args['PrincipalAccess'] as Record<string, unknown>;
      for (const key of Object.keys(given)) {
        if (key !== 'AccessMask' && key !== 'Principal' && !key.startsWith('@')) throw Errors.invalidArgument(`'${key}' is not a property of PrincipalAccess; its properties are AccessMask and Principal.`);
      }
      const principal = principalOf(ctx.model, given['Principal'], 'PrincipalAccess.Principal');
      const mask = accessMask(given['AccessMask']);
      await changeShare(ctx, target, principal, mask, merge);
    },
  };
}

/** Whether rows of `entity` are shared (Message.takes of the sharing messages): user-owned tables. */
export function sharedTable(entity: EntityModel): boolean {
  return entity.OwnershipType === 'UserOwned';
}
