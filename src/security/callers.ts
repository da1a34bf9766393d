import { Errors, isDuplicateKey } from '../errors.js';
import { ROOT_BUSINESS_UNIT_ID } from '../model/kept-ids.js';
import type { EntityModel, Model } from '../model/types.js';
import { header, type HttpRequest } from '../odata/request.js';
import { BUSINESSUNIT, businessUnitColumn, SYSTEMUSER } from '../model/system-columns.js';
import { restrict } from '../plan/navigation.js';
import { planRead } from '../plan/read.js';
import { canonicalGuid } from '../plan/values.js';
import type { Caller, ReadPlan } from '../plan/types.js';
import { planCreate } from '../plan/write.js';
import type { Database } from '../store/database.js';
import { executeRead, executeWrite } from '../store/execute.js';
import type { Identity } from './identity.js';

/**
 * The systemuser rows requests run as: the user a bearer token names (signIn) and the user a
 * request impersonates (impersonate). Every user belongs to the one organization; its business unit
 * is its row's (systemuser.businessunitid), the built-in system user's the root (security/business-units.ts).
 */

/** The built-in system user: every request runs as it without sign-in; it holds every privilege. */
export const SYSTEM_CALLER: Caller = Object.freeze({
  systemuserid: '8f7f6c3e-2f43-4a8a-9d0b-5e3c5a1d0001',
  organizationid: '8f7f6c3e-2f43-4a8a-9d0b-5e3c5a1d0002',
  businessunitid: ROOT_BUSINESS_UNIT_ID,
});

/** A systemuser row, as far as sign-in needs it. */
interface UserRow {
  readonly systemuserid: string;
  readonly isdisabled: boolean;
  /** The row is an application user's: it has an applicationid. */
  readonly application: boolean;
  readonly azureactivedirectoryobjectid: string | null;
  /** The user's business unit (systemuser.businessunitid); undefined when the model has no business units. */
  readonly businessunitid?: string;
  /** The user's business unit is disabled (businessunit.isdisabled): its users are refused as disabled users are. */
  readonly unitDisabled: boolean;
}

function systemuser(model: Model): EntityModel {
  return model.byLogicalName.get(SYSTEMUSER)!;
}

/**
 * The systemuser row whose `column` holds `value`, if any: one read, the user's business unit's
 * isdisabled joined to it (a lookup's linked column, a LEFT JOIN), so that a disabled unit costs
 * no statement more.
 */
async function findUser(model: Model, db: Database, column: string, value: string): Promise<UserRow | undefined> {
  const users = systemuser(model);
  const attribute = users.attributesByName.get(column)!;
  const unit = businessUnitColumn(users);
  const select = ['systemuserid', 'isdisabled', 'applicationid', 'azureactivedirectoryobjectid', ...(unit ? [`_${unit.LogicalName}_value`] : [])];
  const toUnit = unit && [...users.navigation.values()].find((n) => n.kind === 'single' && !n.intersect && n.relationship.ReferencingAttribute === unit);
  const flag = toUnit?.target.LogicalName === BUSINESSUNIT ? toUnit.target.attributesByName.get('isdisabled') : undefined;
  const read = restrict(planRead(users, { select, top: 1 }, { returnRepresentation: false }), { kind: 'compare', op: 'eq', attribute, value });
  const plan: ReadPlan = toUnit && flag ? { ...read, linked: [{ name: '_unitdisabled', path: [{ navigation: toUnit }], attribute: flag }] } : read;
  const [row] = (await executeRead(db, plan)).rows;
  if (!row) return undefined;
  const businessunitid = typeof row[4] === 'string' ? row[4] : undefined;
  return {
    systemuserid: row[0] as string, isdisabled: row[1] === true, application: row[2] != null, azureactivedirectoryobjectid: (row[3] as string | null) ?? null,
    ...(businessunitid ? { businessunitid } : {}), unitDisabled: plan.linked !== undefined && row[row.length - 1] === true,
  };
}

/**
 * `row` as the caller, in `base`'s organization and in its own business unit (systemuser.businessunitid;
 * `base`'s where the model has none). Throws 400 `0x80040225` for a disabled user, and for a user
 * of a disabled unit (Dataverse: no user of a disabled business unit signs in; its answer is not
 * documented, not confirmed).
 */
function enabled(row: UserRow, base: Caller): Caller {
  if (row.isdisabled || row.unitDisabled) throw Errors.userDisabled(row.systemuserid, base.organizationid);
  return { systemuserid: row.systemuserid, organizationid: base.organizationid, businessunitid: row.businessunitid ?? base.businessunitid };
}

/**
 * User `systemuserid` as a caller (its organization `base`'s, its business unit its own), for
 * answers about another user (RetrievePrincipalAccess); `base` with that id when the row is not
 * found. Throws the database's errors.
 */
export async function callerOf(model: Model, db: Database, systemuserid: string, base: Caller): Promise<Caller> {
  const row = await findUser(model, db, 'systemuserid', systemuserid);
  return { systemuserid, organizationid: base.organizationid, businessunitid: row?.businessunitid ?? base.businessunitid };
}

/**
 * The caller a verified token names (Dataverse "Manage application users", "Add users"):
 * - an application calling as itself is the application user whose `applicationid` is its client
 *   id; without one it is refused (403 `0x80072560`), as Dataverse has no such user made on sign-in;
 * - a user is the systemuser whose `azureactivedirectoryobjectid` is the token's `oid`. A user
 *   signing in for the first time gets a row made from the token's claims (fullname, firstname,
 *   lastname, domainname, internalemailaddress), created by `base`, as Dataverse adds a user on
 *   first access.
 * A disabled user (`isdisabled`) is refused with 400 `0x80040225`, a person's token whose object
 * id is an application user's row with 403 `0x80072560`. `base` is the built-in system user: the
 * organization and business unit every caller gets.
 */
export async function signIn(model: Model, db: Database, identity: Identity, base: Caller): Promise<Caller> {
  if (identity.applicationId) {
    const app = await findUser(model, db, 'applicationid', identity.applicationId);
    if (!app) throw Errors.notAnOrganizationUser(identity.applicationId);
    return enabled(app, base);
  }
  const person = (row: UserRow): Caller => {
    if (row.application) throw Errors.applicationUserRow(identity.objectId, row.systemuserid);
    return enabled(row, base);
  };
  const known = await findUser(model, db, 'azureactivedirectoryobjectid', identity.objectId);
  if (known) return person(known);
  const body: Record<string, unknown> = { azureactivedirectoryobjectid: identity.objectId };
  // Names are cut to the column's MaxLength (never inside a surrogate pair); a sign-in name or
  // an email address that does not fit is left out rather than cut into another one.
  const put = (column: string, value: string | undefined, maxLength: number, cut = true) => {
    if (!value || (!cut && value.length > maxLength)) return;
    let end = Math.min(value.length, maxLength);
    if (end < value.length && /[\uD800-\uDBFF]/.test(value[end - 1]!)) end--;
    body[column] = value.slice(0, end);
  };
  const users = systemuser(model);
  const max = (column: string) => users.attributesByName.get(column)?.MaxLength ?? 100;
  put('fullname', identity.name ?? ([identity.givenName, identity.familyName].filter(Boolean).join(' ') || identity.userName), max('fullname'));
  put('firstname', identity.givenName, max('firstname'));
  put('lastname', identity.familyName, max('lastname'));
  put('domainname', identity.userName, max('domainname'), false);
  if (identity.email && /^[^@\s]+@[^@\s]+$/.test(identity.email)) put('internalemailaddress', identity.email, max('internalemailaddress'), false);
  try {
    const id = (await executeWrite(db, planCreate(model, users, body, base))).id!;
    return { systemuserid: id, organizationid: base.organizationid, businessunitid: base.businessunitid };
  } catch (err) {
    // Two first requests of the same user at once: the other one made the row (the alternate key on the object id).
    if (!isDuplicateKey(err)) throw err;
    const made = await findUser(model, db, 'azureactivedirectoryobjectid', identity.objectId);
    if (!made) throw err;
    return person(made);
  }
}

/**
 * Whether `headers` ask to run as a user other than `caller` (`CallerObjectId` or `MSCRMCallerID`,
 * see impersonate): naming oneself is no impersonation. Only the caller's own row is read, so the
 * answer tells nothing of other users.
 */
export async function impersonatesAnother(model: Model, db: Database, headers: HttpRequest['headers'], caller: Caller): Promise<boolean> {
  const byObjectId = header(headers, 'callerobjectid');
  const byUserId = byObjectId === undefined ? header(headers, 'mscrmcallerid') : undefined;
  if (byObjectId === undefined && byUserId === undefined) return false;
  const self = caller.delegate ?? caller;
  if (byUserId !== undefined) return canonicalGuid(byUserId) !== self.systemuserid;
  const own = await findUser(model, db, 'systemuserid', self.systemuserid);
  return own?.azureactivedirectoryobjectid == null || canonicalGuid(byObjectId!) !== own.azureactivedirectoryobjectid;
}

/**
 * The caller a request runs as when it impersonates another user (Dataverse "Impersonate another
 * user using the Web API"): the `CallerObjectId` header names the user by Entra object id, the
 * legacy `MSCRMCallerID` by systemuserid; `caller` otherwise. The impersonated caller's `delegate`
 * is the user who sent the request (`caller`, or the delegate `caller` already acts for, so that a
 * `$batch` part impersonates from the signed-in user), whom writes stamp in createdonbehalfby and
 * modifiedonbehalfby. Every user may impersonate until security roles (prvActOnBehalfOfAnotherUser)
 * exist. Throws 400 `0x80040203` for a header that is not a GUID, 404 `0x80040217` for a user that
 * does not exist (for CallerObjectId, as for an alternate key no row has) and 400 `0x80040225` for a
 * disabled one.
 */
export async function impersonate(model: Model, db: Database, headers: HttpRequest['headers'], caller: Caller): Promise<Caller> {
  const byObjectId = header(headers, 'callerobjectid');
  const byUserId = byObjectId === undefined ? header(headers, 'mscrmcallerid') : undefined;
  const value = byObjectId ?? byUserId;
  if (value === undefined) return caller;
  const name = byObjectId !== undefined ? 'CallerObjectId' : 'MSCRMCallerID';
  const id = canonicalGuid(value);
  if (!id) throw Errors.invalidArgument(`The ${name} header must be a GUID, not '${value}'.`);
  const delegate = caller.delegate ?? caller;
  const row = byObjectId !== undefined ? await findUser(model, db, 'azureactivedirectoryobjectid', id) : await findUser(model, db, 'systemuserid', id);
  if (!row) throw byObjectId !== undefined ? Errors.keyNotFound(SYSTEMUSER) : Errors.recordNotFound(SYSTEMUSER, id);
  const target = enabled(row, delegate);
  return target.systemuserid === delegate.systemuserid ? delegate : { ...target, delegate };
}
