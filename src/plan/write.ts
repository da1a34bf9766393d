import { Errors, ServiceError } from '../errors.js';
import { parseJsonBody } from '../odata/json-body.js';
import { ROOT_BUSINESS_UNIT_ID, SYSTEM_ADMINISTRATOR_ID } from '../model/kept-ids.js';
import { FIELDPERMISSION, FIELDSECURITYPROFILE, SYSTEM_ADMINISTRATOR_PROFILE_ID } from '../model/field-security.js';
import { BUSINESSUNIT, businessUnitColumn, DATASTATE, DATASTATE_ACTIVE, OWNING_TEAM, PRINCIPAL_TABLES, ROLE, SERVICE_MAINTAINED, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, ManyToManyNavigationModel, Model, NavigationPropertyModel, OneToManyNavigationModel, OptionMetadata } from '../model/types.js';
import { ColumnValues, stampModified } from './column-values.js';
import { planAssociate } from './associate.js';
import { businessUnitDeleteGuards, businessUnitDepthCheck, checkBusinessUnitCreate, checkBusinessUnitUpdate } from './business-unit.js';
import { planDefaultTeam } from './default-team.js';
import { defaultTeamId, membershipLink, membershipOfUsers, notAccessTeam, defaultTeamDeleteGuards } from './teams.js';
import { deletePlan } from './delete.js';
import { namedPrimaryKey } from './keys.js';
import type { Caller, DeletePlan, Guard, InsertPlan, OwnerUnit, RowReference, UpdatePlan, Value, WritePlan } from './types.js';
import { bodyValue, canonicalGuid, checkBodyType, nowUtc } from './values.js';

/**
 * Plans for Create (POST), Update/Upsert (PATCH) and Delete, with Dataverse's body rules
 * (digest §2.1, §2.3, §2.4, §6.5):
 * - columns not valid for create/update are ignored; unknown properties are rejected;
 * - values are type-, length-, range- and option-checked; SystemRequired columns cannot be null;
 * - lookups are written through `<nav>@odata.bind` only (a polymorphic lookup through the
 *   property of one target, which also sets its type column);
 * - on create, navigation properties may hold new related rows (deep insert: an object for a
 *   single-valued property, an array of objects for a collection) and collection-valued
 *   properties may bind existing rows (`<collection>@odata.bind: [urls]`);
 * - system columns (ids, created/modified on/by, owner, organization, state) are stamped here.
 */

type Mode = 'create' | 'update';

import { sequentialGuid } from './sequential-guid.js';
import { hierarchyLoopCheck } from './hierarchy-loops.js';

export { sequentialGuid };

/** A collection-valued property's item on create: a new row (deep insert) or an existing one (bind). */
type CollectionItem = { nav: NavigationPropertyModel; body: Record<string, unknown> } | { nav: NavigationPropertyModel; ref: RowReference };

interface Assignments {
  values: ColumnValues;
  references: RowReference[];
  /**
   * Which navigation property set each lookup (two properties of one polymorphic lookup clash);
   * made by the first lookup set, as most bodies set none.
   */
  setBy?: Map<AttributeModel, string>;
  /** Related rows created first (deep insert through single-valued properties). */
  before: InsertPlan[];
  /** Items of collection-valued properties, planned once the new row's id is known. */
  collections: CollectionItem[];
}

/** The suffix of a property that binds a navigation property to record URLs (OData JSON §8.5). */
export const BIND_SUFFIX = '@odata.bind';

/**
 * Parses a JSON request body that must be an object. Throws 400 `0x80048d19` otherwise, and for a
 * body nested deeper than MAX_JSON_DEPTH.
 */
export function parseBody(entity: EntityModel, text: string | undefined): Record<string, unknown> {
  let body: unknown;
  try {
    body = parseJsonBody(text, 'null');
  } catch (err) {
    throw Errors.payload(entity.EntitySetName, (err as Error).message);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw Errors.payload(entity.EntitySetName, 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/**
 * Resolves a record URL — `set(id)`, `/set(id)` or an absolute `…/api/data/v9.x/set(id)`, the key
 * bare, quoted or named (`set(<primary key>=id)`) (digest §2.1, §6.6) — to its table and canonical
 * id; undefined when it is not one. URLs with alternate keys are resolved to ids before planning
 * (store/keyed-urls.ts).
 */
export function resolveRecordUrl(model: Model, url: string): RowReference | undefined {
  const parts = splitRecordUrl(url);
  const entity = parts ? model.byEntitySetName.get(parts.entitySet) : undefined;
  const id = parts && entity ? canonicalGuid(parts.key.replace(/^'(.*)'$/, '$1')) ?? namedPrimaryKey(entity, parts.key) : undefined;
  return entity && id ? { entity, id } : undefined;
}

/**
 * Splits a record URL (relative, `/`-rooted, root-relative `/api/data/v9.2/…` or absolute) into
 * its entity set and key text, the key percent-decoded (RFC 3986 §2.1: `new_code=%27U1%27` is
 * `new_code='U1'`; DESIGN.md §3 takes quotes raw or as `%27`); a key that is not valid
 * percent-encoding is taken as written.
 */
export function splitRecordUrl(url: string): { entitySet: string; key: string } | undefined {
  const m = /^(?:(?:[a-z][a-z0-9+.-]*:\/\/[^/]+)?\/api\/data\/v9\.[012]\/|\/)?([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/s.exec(url.trim());
  return m ? { entitySet: m[1]!, key: percentDecoded(m[2]!) } : undefined;
}

function percentDecoded(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Resolves an `@odata.bind` value (or a `$ref` body's / `$id`'s record URL) to a row of the
 * navigation property's target table. Throws 400 `0x80090800` for anything else (digest §5.3
 * InvalidUrlForODataBindProperty).
 */
export function resolveBind(model: Model, nav: NavigationPropertyModel, raw: unknown): RowReference {
  const ref = typeof raw === 'string' ? resolveRecordUrl(model, raw) : undefined;
  // A value that is no string is written as JSON, not as '[object Object]'.
  if (!ref || (ref.entity !== nav.target && !(nav.kind === 'single' && nav.principals?.has(ref.entity)))) throw Errors.invalidBindUrl(typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw), nav.Name);
  return ref;
}

function setValue(entity: EntityModel, a: AttributeModel, raw: unknown, into: Assignments): void {
  // Dataverse stores an empty text as null (the SDK's way to clear a text column is String.Empty).
  if (raw === null || (raw === '' && (a.AttributeType === 'String' || a.AttributeType === 'Memo'))) {
    if (a.RequiredLevel === 'SystemRequired') throw Errors.invalidArgument(`The attribute '${a.LogicalName}' of '${entity.LogicalName}' is required and cannot be set to null.`);
    into.values.set(a, null);
    return;
  }
  into.values.set(a, bodyValue(entity, a, raw));
}

/**
 * Points the lookup behind single-valued property `nav` at row `id` of its target, or clears it
 * (null); a polymorphic lookup's type column gets the target's logical name. Throws 400 when
 * another property of the same lookup was set in the body too.
 */
function setLookup(entity: EntityModel, nav: OneToManyNavigationModel, id: string | null, into: Assignments): void {
  const a = nav.relationship.ReferencingAttribute;
  into.setBy ??= new Map();
  const other = into.setBy.get(a);
  if (other !== undefined && other !== nav.Name) throw Errors.payload(entity.EntitySetName, `The navigation properties '${other}' and '${nav.Name}' set the same lookup '${a.LogicalName}'; set one of them.`);
  into.setBy.set(a, nav.Name);
  setValue(entity, a, id, into);
  if (a.TypeAttribute) into.values.set(a.TypeAttribute, id === null ? null : nav.target.LogicalName);
}

function creatable(a: AttributeModel, mode: Mode): boolean {
  return mode === 'create' ? a.IsValidForCreate : a.IsValidForUpdate;
}

/**
 * Whether `raw` is the `@odata.type` of `entity`: `Microsoft.Dynamics.CRM.<table>`, with or
 * without a leading `#` (OData JSON §4.5.3).
 */
export function isTypeOf(entity: EntityModel, raw: unknown): boolean {
  let type = typeNames.get(entity);
  if (type === undefined) typeNames.set(entity, (type = `Microsoft.Dynamics.CRM.${entity.LogicalName}`));
  return raw === type || (typeof raw === 'string' && raw.replace(/^#/, '') === type);
}

/** Each table's qualified type name, built once: bulk messages check it on every item, twice. */
const typeNames = new WeakMap<EntityModel, string>();

/** Whether `v` is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A navigation property's value in a body: null clears a lookup; on create an object under a
 * single-valued property is a new related row, an array of objects under a collection-valued one
 * new rows related to this one (digest §2.1 deep insert). Lookups the system maintains are
 * ignored, as their columns are.
 */
function assignNavigation(model: Model, entity: EntityModel, nav: NavigationPropertyModel, raw: unknown, mode: Mode, caller: Caller, into: Assignments): void {
  const refused = (what: string) => Errors.payload(entity.EntitySetName, `${what} for the navigation property '${nav.Name}'.`);
  // An entity reference in a deep insert (OData 4.01 JSON §8.5) would otherwise be read as a new,
  // empty record: existing records are linked with @odata.bind.
  const reference = (v: unknown) => isObject(v) && '@odata.id' in v;
  if (reference(raw) || (Array.isArray(raw) && raw.some(reference))) {
    throw refused(`A record given by '@odata.id' was found; link an existing record with '${nav.Name}@odata.bind' instead`);
  }
  if (nav.kind === 'single') {
    if (raw !== null && !isObject(raw)) throw refused(`A value that is neither null nor an object was found`);
    if (!creatable(nav.relationship.ReferencingAttribute, mode)) return;
    if (raw === null) { setLookup(entity, nav, null, into); return; }
    if (mode !== 'create') throw refused('Deep update is not supported: a related record can only be created with its parent (POST); use @odata.bind to link an existing record');
    const related = planCreate(model, nav.target, raw, caller);
    into.before.push(related);
    setLookup(entity, nav, related.id, into);
    return;
  }
  if (!Array.isArray(raw) || !raw.every(isObject)) throw refused('A collection-valued navigation property takes an array of records; a value of another kind was found');
  if (mode !== 'create') throw refused('Deep update is not supported: related records can only be created with their parent (POST); use POST …/$ref to link records');
  for (const body of raw) into.collections.push({ nav, body });
}

/** Reads the body's properties for `mode`; system stamping is done by the callers. */
function assign(model: Model, entity: EntityModel, body: Record<string, unknown>, mode: Mode, caller: Caller): Assignments {
  const into: Assignments = { values: new ColumnValues(entity), references: [], before: [], collections: [] };
  for (const key in body) {
    const raw = body[key];
    // Most keys name a column: looked up first (no navigation property shares a column's name,
    // model/relationships.ts, and no column name holds '@').
    const a = entity.attributesByProperty.get(key);
    if (a) {
      if (a.Targets.length) throw lookupNotWritable(entity, a);
      if (creatable(a, mode)) setValue(entity, a, raw, into);
      else if (raw !== null) checkBodyType(entity, a, raw); // ignored (digest §2.1), once read as its type
      continue;
    }
    if (key === '@odata.type') {
      if (!isTypeOf(entity, raw)) {
        throw Errors.payload(entity.EntitySetName, `The @odata.type '${String(raw)}' does not match the entity set's type 'Microsoft.Dynamics.CRM.${entity.LogicalName}'.`);
      }
      continue;
    }
    if (key.endsWith(BIND_SUFFIX)) {
      const name = key.slice(0, -BIND_SUFFIX.length);
      const nav = entity.navigation.get(name);
      if (!nav) {
        throw Errors.payload(entity.EntitySetName, `An undeclared property '${name}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
      }
      if (nav.kind === 'collection') {
        if (mode !== 'create') throw Errors.payload(entity.EntitySetName, `Records can be bound to the collection-valued navigation property '${name}' only on create; use POST …/${name}/$ref to link records.`);
        if (!Array.isArray(raw)) throw Errors.payload(entity.EntitySetName, `The value of '${key}' must be an array of record URLs.`);
        for (const url of raw) into.collections.push({ nav, ref: resolveBind(model, nav, url) });
        continue;
      }
      if (!creatable(nav.relationship.ReferencingAttribute, mode)) continue;
      if (raw === null) { setLookup(entity, nav, null, into); continue; }
      const ref = resolveBind(model, nav, raw);
      // An owner's bind names a user or a team: the property of that target sets owneridtype.
      setLookup(entity, nav.principals?.get(ref.entity) ?? nav, ref.id, into);
      // An access team owns no rows (notAccessTeam).
      into.references.push(nav.principals ? notAccessTeam(ref, 'own records') : ref);
      continue;
    }
    if (key.includes('@')) continue; // instance annotations sent by clients carry no data (OData JSON §4.5)
    const nav = entity.navigation.get(key);
    if (nav) { assignNavigation(model, entity, nav, raw, mode, caller, into); continue; }
    throw Errors.invalidBodyProperty(key, entity.LogicalName);
  }
  return into;
}

/** The 400 for a lookup column written by its `_x_value` property instead of `x@odata.bind`. */
function lookupNotWritable(entity: EntityModel, a: AttributeModel): Error {
  const names = [...entity.navigation.values()].filter((n) => n.kind === 'single' && n.relationship.ReferencingAttribute === a).map((n) => `'${n.Name}@odata.bind'`);
  return Errors.payload(entity.EntitySetName, `CRM do not support direct update of Entity Reference properties, Use Navigation properties instead (${names.join(' or ')}).`);
}

/**
 * The body of a new row of `nav`'s target created in row `id`'s collection `nav` (a deep insert's
 * item, or a POST to `/<set>(<id>)/<nav>`, OData Protocol §11.4.2): `body` with the bind of the way
 * back to row `id` (for many-to-many, added to the body's own binds of that property). Throws 400
 * for a one-to-many collection whose lookup the system maintains (`createdby`'s rows are the
 * caller's own) or a body that sets that lookup itself.
 */
export function linkedBody(entity: EntityModel, id: string, nav: NavigationPropertyModel, body: Record<string, unknown>): Record<string, unknown> {
  const back = `${nav.Partner}${BIND_SUFFIX}`;
  if (nav.intersect) return { ...body, [back]: [...(Array.isArray(body[back]) ? body[back] : []), `/${entity.EntitySetName}(${id})`] };
  const lookup = nav.relationship.ReferencingAttribute;
  if (!lookup.IsValidForCreate) throw Errors.payload(entity.EntitySetName, `Records cannot be created in '${nav.Name}': its lookup '${lookup.LogicalName}' is maintained by the system.`);
  if (Object.keys(body).some((k) => k === nav.Partner || k === back)) {
    throw Errors.payload(nav.target.EntitySetName, `A record created in '${nav.Name}' is linked to its parent; it cannot set '${nav.Partner}' itself.`);
  }
  return { ...body, [back]: `/${entity.EntitySetName}(${id})` };
}

/**
 * The writes after a new row `id` exists, for its collection-valued properties: a new related row
 * (pointing at it, or linked to it for many-to-many) per object, an association per bound URL.
 * Throws 400 for a collection whose lookup the system maintains, or an item that sets that lookup.
 */
function planCollections(model: Model, entity: EntityModel, id: string, items: readonly CollectionItem[], caller: Caller): WritePlan[] {
  const after: WritePlan[] = [];
  for (const item of items) {
    const { nav } = item;
    if ('ref' in item) { after.push(planAssociate(model, caller, nav, id, item.ref.id)); continue; }
    if (nav.intersect) {
      const child = planCreate(model, nav.target, item.body, caller);
      after.push(child, planAssociate(model, caller, nav, id, child.id));
      continue;
    }
    after.push(planCreate(model, nav.target, linkedBody(entity, id, nav, item.body), caller));
  }
  return after;
}

function options(a: AttributeModel | undefined): readonly OptionMetadata[] {
  return a?.OptionSet?.Options ?? [];
}

function stateName(entity: EntityModel, state: number): string {
  const o = options(entity.attributesByName.get('statecode')).find((s) => s.Value === state);
  return o?.InvariantName ?? o?.Label ?? String(state);
}

/** The state a status belongs to, or undefined for an unknown status. */
function stateOfStatus(entity: EntityModel, status: number): number | undefined {
  return options(entity.attributesByName.get('statuscode')).find((s) => s.Value === status)?.State;
}

/** The columns a Create stamps, looked up once per table rather than once per row. */
interface CreateStamps {
  readonly pk: AttributeModel;
  /** createdon, modifiedon: the request's time. */
  readonly times: readonly AttributeModel[];
  /** createdby, modifiedby: the caller. */
  readonly users: readonly AttributeModel[];
  /** createdonbehalfby, modifiedonbehalfby: the user impersonating the caller, if any. */
  readonly delegates: readonly AttributeModel[];
  /** createdon and overriddencreatedon, when the table stores both: a migrated row's dates. */
  readonly migration?: { readonly createdOn: AttributeModel; readonly overriddenCreatedOn: AttributeModel };
  readonly organization?: AttributeModel;
  /** The owner and business unit columns of a user-owned or business-owned table (none on others). */
  readonly owned?: OwnedStamps;
  /** msft_datastate on retention-enabled tables: new rows are active (0). */
  readonly dataState?: AttributeModel;
  /** statecode and statuscode with the initial state option, when the table has a state model. */
  readonly state?: { readonly state: AttributeModel; readonly status: AttributeModel; readonly initial: OptionMetadata };
  /**
   * The Boolean columns: a row whose body leaves one out takes its DefaultValue, read-only ones
   * (team.isdefault) too, which no body sets, on every table: Dataverse's two-option columns
   * always hold a value, their DefaultValue where none was given (BooleanAttributeMetadata).
   */
  readonly booleans: readonly AttributeModel[];
  /** The choice columns with a DefaultFormValue: a row whose body leaves one out takes it. */
  readonly choices: readonly AttributeModel[];
}

/** The columns that name a row's owner and business unit (CreateStamps.owned). */
interface OwnedStamps {
  /** On the user table: the membership every new user gets in its business unit's default team. */
  readonly membership?: ManyToManyNavigationModel;
  /** ownerid with its type column, owninguser and owningteam, on a user-owned table. */
  readonly owner?: OwnerColumns;
  /**
   * owningbusinessunit (user-owned: the owner's unit) or businessunitid (business-owned: the
   * body's unit, else the caller's).
   */
  readonly businessUnit?: AttributeModel;
}

/** ownerid, its type column (owneridtype: systemuser or team), owninguser and owningteam. */
interface OwnerColumns {
  readonly owner: AttributeModel;
  readonly ownerType?: AttributeModel;
  readonly owningUser?: AttributeModel;
  readonly owningTeam?: AttributeModel;
}

/**
 * Points owninguser and owningteam at the owner `values` gives ownerid (if any): owninguser when a
 * user owns the row, owningteam when a team does (owneridtype), the other null, as Dataverse keeps
 * OwningUser and OwningTeam ("Unique identifier for the user/team that owns the record").
 */
function followOwnerColumns(columns: OwnerColumns, values: ColumnValues): void {
  const id = values.get(columns.owner);
  if (id === undefined) return;
  const team = columns.ownerType !== undefined && values.get(columns.ownerType) === TEAM;
  if (columns.owningUser) values.set(columns.owningUser, team ? null : id);
  if (columns.owningTeam) values.set(columns.owningTeam, team ? id : null);
}

const createStamps = new WeakMap<EntityModel, CreateStamps>();

/** The OwnedStamps of `entity`, undefined when it has none of those columns (organization-owned tables). */
function ownedStamps(entity: EntityModel, stored: (name: string) => AttributeModel | undefined): OwnedStamps | undefined {
  const owner = entity.attributesByName.get('ownerid');
  const businessUnit = businessUnitColumn(entity);
  if (!owner && !businessUnit) return undefined;
  return { owner: owner && { owner, ownerType: owner.TypeAttribute, owningUser: stored('owninguser'), owningTeam: stored(OWNING_TEAM) }, businessUnit, membership: membershipOfUsers(entity) };
}

/**
 * Stamps a new row's owner columns (`values`, by `caller`): ownerid defaults to the caller, and
 * owninguser or owningteam copies it (followOwnerColumns); the business unit column takes the owner's unit (Dataverse stamps
 * OwningBusinessUnit from the owner, read-only) or, on a business-owned table, the one the body
 * names, else the caller's. Every user is in the one root business unit, so the owner's unit is
 * the caller's.
 */
function stampOwned(owned: OwnedStamps, values: ColumnValues, caller: Caller): void {
  if (owned.owner) {
    const { owner, ownerType } = owned.owner;
    if ((values.get(owner) ?? null) === null) {
      values.set(owner, caller.systemuserid);
      if (ownerType) values.set(ownerType, SYSTEMUSER);
    }
    followOwnerColumns(owned.owner, values);
    if (owned.businessUnit) values.set(owned.businessUnit, caller.businessunitid);
  } else if ((values.get(owned.businessUnit!) ?? null) === null) values.set(owned.businessUnit!, caller.businessunitid);
}

function stampsOf(entity: EntityModel): CreateStamps {
  let stamps = createStamps.get(entity);
  if (stamps) return stamps;
  const stored = (name: string) => {
    const a = entity.attributesByName.get(name);
    return a?.IsStored ? a : undefined;
  };
  const state = entity.attributesByName.get('statecode');
  const status = entity.attributesByName.get('statuscode');
  stamps = {
    pk: entity.attributesByName.get(entity.PrimaryIdAttribute)!,
    times: ['createdon', 'modifiedon'].map(stored).filter((a) => a !== undefined),
    users: ['createdby', 'modifiedby'].map(stored).filter((a) => a !== undefined),
    delegates: ['createdonbehalfby', 'modifiedonbehalfby'].map(stored).filter((a) => a !== undefined),
    migration: stored('createdon') && stored('overriddencreatedon') ? { createdOn: stored('createdon')!, overriddenCreatedOn: stored('overriddencreatedon')! } : undefined,
    organization: stored('organizationid'),
    owned: ownedStamps(entity, stored),
    dataState: entity.IsRetentionEnabled ? stored(DATASTATE) : undefined,
    state: state && status ? { state, status, initial: options(state)[0]! } : undefined,
    booleans: entity.Attributes.filter((a) => a.AttributeType === 'Boolean' && a.IsStored),
    choices: entity.Attributes.filter((a) => a.DefaultFormValue !== undefined && a.IsStored && a.IsValidForCreate),
  };
  createStamps.set(entity, stamps);
  return stamps;
}

const systemRequired = new WeakMap<EntityModel, readonly AttributeModel[]>();

function checkRequired(entity: EntityModel, values: ReadonlyMap<AttributeModel, Value>): void {
  let required = systemRequired.get(entity);
  if (!required) {
    required = entity.Attributes.filter((a) => a.IsStored && a.RequiredLevel === 'SystemRequired');
    systemRequired.set(entity, required);
  }
  for (const a of required) {
    if ((values.get(a) ?? null) === null) {
      throw Errors.invalidArgument(`The attribute '${a.LogicalName}' of '${entity.LogicalName}' is required and was not provided.`);
    }
  }
}

/**
 * Whether clients may create, change and delete rows of `entity`: not an intersect table, whose
 * rows are the links written through `$ref`, nor a table the service maintains itself
 * (SERVICE_MAINTAINED).
 */
export function clientWritable(entity: EntityModel): boolean {
  return !entity.IsIntersect && !SERVICE_MAINTAINED.has(entity.LogicalName);
}

/** Refuses writes (400 `0x80040800`) to a table that is not clientWritable. */
function writable(entity: EntityModel, message: 'Create' | 'Update' | 'Delete'): void {
  if (!clientWritable(entity)) throw Errors.messageNotSupported(message, entity.LogicalName);
}

/**
 * Plans a Create. `urlId` is the key from a PATCH URL (upsert) and wins over a body key; `now`
 * (canonical UTC) stamps createdon/modifiedon, so a bulk create stamps every row alike. A row
 * migrated from another system gives its creation time in `overriddencreatedon`: that becomes
 * createdon, and overriddencreatedon ("Record Created On", the time the record was migrated) is
 * stamped with `now`, as Dataverse does (OverriddenCreatedOn column of every table reference page).
 * Navigation properties with new rows or bound URLs become the plan's `before`/`after` writes.
 * A Boolean column the body leaves out (or cannot set) takes its DefaultValue (BooleanAttributeMetadata),
 * and a choice column with a DefaultFormValue that the body leaves out takes it (PicklistAttributeMetadata).
 * Throws the body errors of this module, 400 `0x80048408` for a statuscode that is not a
 * status of the Active state (new rows always start in statecode 0), 400 `0x80040800` on an
 * intersect or SERVICE_MAINTAINED table, and 400 `0x80040203` for a business unit without a parent
 * (checkBusinessUnitCreate) or more than HIERARCHY_MAX_DEPTH levels below the root
 * (businessUnitDepthCheck). A new business unit gets its default team, written after it
 * (planDefaultTeam; Dataverse "Manage teams": each business unit has one, made with it).
 */
export function planCreate(model: Model, entity: EntityModel, body: Record<string, unknown>, caller: Caller, urlId?: string, now = nowUtc()): InsertPlan {
  writable(entity, 'Create');
  const plan = planServiceCreate(model, entity, body, caller, urlId, now);
  if (entity.LogicalName !== BUSINESSUNIT) return plan;
  checkBusinessUnitCreate(entity, plan.values);
  const references = businessUnitDepthCheck(entity, plan.values, plan.references);
  const team = planDefaultTeam(model, plan.id, String(plan.values.get(entity.attributesByName.get(entity.PrimaryNameAttribute ?? 'name')!) ?? ''), caller, now);
  return { ...plan, references, ...(team ? { after: [...plan.after ?? [], team] } : {}) };
}

/**
 * planCreate without asking whether clients may create rows of the table: for the rows the
 * service keeps itself in a SERVICE_MAINTAINED table. `kept`: values of read-only columns no body
 * sets, by logical name, that the service gives the rows it keeps (the default team's
 * `isdefault`), after every default. Throws as planCreate otherwise does.
 */
export function planServiceCreate(model: Model, entity: EntityModel, body: Record<string, unknown>, caller: Caller, urlId?: string, now = nowUtc(), kept?: Readonly<Record<string, Value>>): InsertPlan {
  const { values, references, before, collections } = assign(model, entity, body, 'create', caller);
  const stamps = stampsOf(entity);
  const pk = stamps.pk;
  const given = urlId ?? (values.get(pk) as string | undefined);
  const id = given ?? sequentialGuid();
  values.set(stamps.pk, id);
  const migrated = stamps.migration ? values.get(stamps.migration.overriddenCreatedOn) ?? null : null;
  for (const a of stamps.times) values.set(a, now);
  if (migrated !== null) {
    values.set(stamps.migration!.createdOn, migrated);
    values.set(stamps.migration!.overriddenCreatedOn, now);
  }
  for (const a of stamps.users) values.set(a, caller.systemuserid);
  if (caller.delegate) for (const a of stamps.delegates) values.set(a, caller.delegate.systemuserid);
  if (stamps.organization) values.set(stamps.organization, caller.organizationid);
  if (stamps.owned) stampOwned(stamps.owned, values, caller);
  if (stamps.dataState) values.set(stamps.dataState, DATASTATE_ACTIVE);
  for (const a of stamps.booleans) if (values.get(a) === undefined) values.set(a, a.DefaultValue ?? false);
  for (const a of stamps.choices) if (values.get(a) === undefined) values.set(a, a.DefaultFormValue!);
  // Only the service's own rows keep values (the default team's isdefault): a bulk row allocates nothing here.
  if (kept) for (const [name, value] of Object.entries(kept)) values.set(entity.attributesByName.get(name)!, value);
  if (stamps.state) {
    const { state, status, initial } = stamps.state;
    values.set(state, initial.Value);
    const requested = values.get(status);
    if (requested === undefined || requested === null) values.set(status, initial.DefaultStatus ?? null);
    else if (stateOfStatus(entity, requested as number) !== initial.Value) {
      throw Errors.invalidStateStatus(requested as number, stateName(entity, initial.Value), entity.LogicalName, id);
    }
  }
  checkRequired(entity, values);
  hierarchyLoopCheck(entity, id, values, true);
  if (entity.LogicalName === FIELDPERMISSION) refuseUnsecuredPermission(model, entity, values);
  const ownerUnit = ownerUnitOf(model, entity, values, caller);
  const plan: InsertPlan = { kind: 'insert', entity, id, values, references, idGiven: given !== undefined, idSharedWith: given !== undefined ? otherPrincipalTables(model, entity) : undefined, ...(ownerUnit ? { ownerUnit } : {}) };
  // A new user is a member of its business unit's default team (Dataverse "Manage teams").
  const membership = stamps.owned?.membership && stamps.owned.businessUnit && membershipLink(stamps.owned.membership, id, defaultTeamId(values.get(stamps.owned.businessUnit!) as string));
  if (!before.length && !collections.length && !membership) return plan;
  const after = planCollections(model, entity, id, collections, caller);
  return { ...plan, before, after: membership ? [membership, ...after] : after };
}

/**
 * Throws 400 `0x8004F508` (AttributeNotSecured) for a new field permission whose entityname and
 * attributelogicalname name no secured column of the model (Dataverse keeps field permissions to
 * secured columns only).
 */
function refuseUnsecuredPermission(model: Model, entity: EntityModel, values: ColumnValues): void {
  const name = (column: string) => String(values.get(entity.attributesByName.get(column)!) ?? '');
  const table = name('entityname');
  const column = name('attributelogicalname');
  if (!model.byLogicalName.get(table)?.attributesByName.get(column)?.IsSecured) throw Errors.notSecured();
}

/** The principal tables of `model` other than `entity` when it is one (InsertPlan.idSharedWith), else undefined. */
function otherPrincipalTables(model: Model, entity: EntityModel): EntityModel[] | undefined {
  if (!PRINCIPAL_TABLES.has(entity.LogicalName)) return undefined;
  return [...PRINCIPAL_TABLES].filter((name) => name !== entity.LogicalName).map((name) => model.byLogicalName.get(name)).filter((e) => e !== undefined);
}

/** `Label (value)` of a status, for messages. */
function statusText(status: AttributeModel, value: number): string {
  const o = options(status).find((x) => x.Value === value);
  return o ? `${o.Label} (${value})` : String(value);
}

/**
 * The statuses a row may come from to reach `target` when the table enforces transitions
 * (digest §6.5 rule 2): its own status, statuses without TransitionData, and statuses whose
 * TransitionData lists `target`. Undefined when every status may, so no guard is needed.
 */
export function allowedSources(entity: EntityModel, status: AttributeModel, target: number): number[] | undefined {
  const all = options(status).map((o) => o.Value);
  const sources = all.filter((s) => s === target || !entity.Transitions.has(s) || entity.Transitions.get(s)!.includes(target));
  return sources.length === all.length ? undefined : sources;
}

function transitionGuard(entity: EntityModel, status: AttributeModel, target: number): Guard | undefined {
  const sources = allowedSources(entity, status, target);
  if (!sources) return undefined;
  return {
    attribute: status,
    values: sources,
    fail: (current) => Errors.invalidStateTransition(entity.LogicalName, statusText(status, current as number), statusText(status, target)),
  };
}

/**
 * The guards of a write's conditional headers on the row's versionnumber, each failing with 412
 * `0x80060882`: `If-Match: W/"n", …`, the row must be at one of those versions; `If-None-Match: W/"n", …`, it
 * must be at none of them; `If-None-Match: *`, no row passes (RFC 9110 §13.1.2: `*` is false when
 * the resource exists), so a write that must find its row changes nothing (planUpdate reads
 * `If-None-Match: *` as create only before it gets here).
 */
function versionGuard(entity: EntityModel, ifMatch: '*' | readonly string[] | undefined, ifNoneMatch?: '*' | readonly string[]): Guard[] {
  const version = entity.attributesByName.get('versionnumber')!;
  // A version past 2^53 (W/"9223372036854775807") is none a row has: it matches nothing.
  const versions = (etags: readonly string[]) => etags.map(Number).filter((n) => Number.isSafeInteger(n));
  const guards: Guard[] = [];
  // If-Match's ETags (RFC 9110 §13.1.1: `*` or a list): the row must be at one of them.
  if (Array.isArray(ifMatch)) guards.push({ attribute: version, values: versions(ifMatch), fail: () => Errors.concurrencyMismatch() });
  // If-None-Match's ETags (RFC 9110 §13.1.2): the write fails when the row has one of them.
  const unwanted = Array.isArray(ifNoneMatch) ? versions(ifNoneMatch) : [];
  if (unwanted.length) guards.push({ attribute: version, values: unwanted, except: true, fail: () => Errors.concurrencyMismatch() });
  // `*` matches any version: a guard no row passes, so only a missing row gets past (as a 404).
  if (ifNoneMatch === '*') guards.push({ attribute: version, values: [], fail: () => Errors.concurrencyMismatch() });
  return guards;
}

/**
 * On a retention-enabled table: the row must be active (`msft_datastate` 0, or null for rows older
 * than the column); a retained row fails with 400 (Errors.retainedRecord). Undefined elsewhere.
 */
export function activeRowGuard(entity: EntityModel, id: string): Guard | undefined {
  const dataState = entity.IsRetentionEnabled ? entity.attributesByName.get(DATASTATE) : undefined;
  if (!dataState) return undefined;
  return { attribute: dataState, values: [DATASTATE_ACTIVE, null], precheck: true, fail: () => Errors.retainedRecord(entity.LogicalName, id) };
}

/**
 * Plans `PATCH /<set>(<id>)` with Dataverse's conditional semantics (digest §2.3); 400
 * `0x80040800` on an intersect table:
 * no If-Match → update or create (upsert); `If-Match: *` → update only; `If-Match: W/"n"` →
 * update only if the row's version is n (else 412); `If-None-Match: *` → create only (returns an
 * InsertPlan; an existing row then fails with 412 `0x80040237`); `If-None-Match: W/"n", …` → an
 * existing row at one of those versions is not updated (412 `0x80060882`), others are and a
 * missing one is created.
 * State rules (digest §6.5): statecode alone gets its DefaultStatus; statecode + statuscode must
 * agree (400 `0x80048408`; statecode with a null statuscode gets the DefaultStatus); statuscode alone
 * must belong to the row's current state, checked as a guard in the UPDATE itself (null never
 * does: 400 `0x80048408`). The System Administrator role is refused to every caller (403,
 * Errors.keptRole). On retention-enabled tables a retained row cannot be updated
 * (activeRowGuard); an upsert of one fails the same way instead of creating a second row.
 * `createBody` is what the row is created with when it does not exist (default `body`; an upsert
 * by alternate key updates without the key's values and creates with them, plan/keys.ts
 * upsertBodies); it is called only when the row may be created, its errors being the create's.
 */
export function planUpdate(
  model: Model, entity: EntityModel, id: string, body: Record<string, unknown>, caller: Caller,
  ifMatch: '*' | readonly string[] | undefined, ifNoneMatch: '*' | readonly string[] | undefined,
  createBody: () => Record<string, unknown> = () => body,
): UpdatePlan | InsertPlan {
  writable(entity, 'Update');
  refuseKeptRole(entity, id);
  if (ifNoneMatch === '*') return planCreate(model, entity, createBody(), caller, id);
  let upsert: InsertPlan | Error | undefined;
  if (ifMatch === undefined) {
    try {
      upsert = planCreate(model, entity, createBody(), caller, id);
    } catch (err) {
      upsert = err as Error;
    }
  }
  let update: Pick<UpdatePlan, 'set' | 'guards' | 'references' | 'ownerUnit'>;
  try {
    update = planRowUpdate(model, entity, id, body, caller, ifMatch, ifNoneMatch);
  } catch (err) {
    // An upsert whose body cannot update the row may still create it, as a Create of the same
    // body would: the update's error is raised only if the row exists (a guard no row passes).
    if (ifMatch !== undefined || !(err instanceof ServiceError)) throw err;
    const set = new ColumnValues(entity);
    stampModified(entity, set, caller, nowUtc());
    update = { set, references: [], guards: [{ attribute: entity.attributesByName.get(entity.PrimaryIdAttribute)!, values: [], fail: () => err }] };
  }
  return { kind: 'update', entity, id, ...update, upsert };
}

/**
 * Plans an update of row `id` that must exist: a property PUT or DELETE (`/<set>(<id>)/<column>`),
 * a single-valued `$ref` PUT or DELETE. There is no upsert: a missing row fails at execution with
 * 404 `0x80040217`. `ifMatch` is `*` (any version) or a list of versions, one of which the row
 * must be at (none: 412 `0x80060882`);
 * `ifNoneMatch` `*` fails with 412 `0x80060882` whenever the row exists, a list of ETags when the
 * row is at one of them (versionGuard). Throws as planUpdate for the body and the table.
 */
export function planRowChange(
  model: Model, entity: EntityModel, id: string, body: Record<string, unknown>, caller: Caller,
  ifMatch: '*' | readonly string[], ifNoneMatch: '*' | readonly string[] | undefined,
): UpdatePlan {
  writable(entity, 'Update');
  refuseKeptRole(entity, id);
  return { kind: 'update', entity, id, ...planRowUpdate(model, entity, id, body, caller, ifMatch, ifNoneMatch), upsert: undefined };
}

/** The update half of planUpdate: the columns to set, the guards of the row's state and version, and the rows the body points at. Throws as planUpdate. */
function planRowUpdate(
  model: Model, entity: EntityModel, id: string, body: Record<string, unknown>, caller: Caller, ifMatch: '*' | readonly string[] | undefined,
  ifNoneMatch: '*' | readonly string[] | undefined,
): Pick<UpdatePlan, 'set' | 'guards' | 'references' | 'ownerUnit'> {
  const { values: set, references } = assign(model, entity, body, 'update', caller);
  checkBusinessUnitUpdate(entity, id, set, ROOT_BUSINESS_UNIT_ID);
  // The loop check reads the new parent's ancestors with the check that the parent exists, not after it.
  const loop = hierarchyLoopCheck(entity, id, set, false);
  const bound = loop ? references.findIndex((r) => r.entity === loop.entity && r.id === loop.id && !r.related) : -1;
  if (bound >= 0) references[bound] = { ...references[bound]!, related: loop!.related };
  else if (loop) references.push(loop);
  const guards = versionGuard(entity, ifMatch, ifNoneMatch);
  const state = entity.attributesByName.get('statecode');
  const status = entity.attributesByName.get('statuscode');
  if (state && status) {
    const newState = set.get(state) as number | undefined;
    const newStatus = set.get(status) as number | null | undefined;
    if (newState !== undefined && (newStatus === undefined || newStatus === null)) {
      set.set(status, options(state).find((o) => o.Value === newState)!.DefaultStatus ?? null);
    } else if (newState !== undefined && stateOfStatus(entity, newStatus!) !== newState) {
      throw Errors.invalidStateStatus(newStatus!, stateName(entity, newState), entity.LogicalName, id);
    } else if (newState === undefined && newStatus !== undefined && newStatus !== null) {
      const required = stateOfStatus(entity, newStatus)!;
      guards.push({ attribute: state, values: [required], fail: (current) => Errors.invalidStateStatus(newStatus, stateName(entity, current as number), entity.LogicalName, id) });
    } else if (newState === undefined && newStatus === null) {
      // No status is one of the row's state (rule 1): a guard no state passes, so that the
      // error names the current state; an upsert that creates the row gets the default status.
      guards.push({ attribute: state, values: [], fail: (current) => Errors.invalidStateStatus(null, stateName(entity, current as number), entity.LogicalName, id) });
    }
    const target = set.get(status);
    if (entity.EnforceStateTransitions && typeof target === 'number') {
      const guard = transitionGuard(entity, status, target);
      if (guard) guards.push(guard);
    }
  }
  const retained = activeRowGuard(entity, id);
  if (retained) guards.push(retained);
  followOwner(entity, set);
  stampModified(entity, set, caller, nowUtc());
  const ownerUnit = ownerUnitOf(model, entity, set);
  return { set, guards, references, ...(ownerUnit ? { ownerUnit } : {}) };
}

/**
 * The OwnerUnit of a row of `entity` whose `values` name an owner other than `caller` (create) or
 * a new owner (update: `caller` may be that owner, whose unit the plan does not know either):
 * its owningbusinessunit is read from the owner's row in SQL. Undefined when the owner is left
 * alone, or on a create the caller owns (the caller's unit, stamped).
 */
function ownerUnitOf(model: Model, entity: EntityModel, values: ReadonlyMap<AttributeModel, Value>, caller?: Caller): OwnerUnit | undefined {
  const owned = stampsOf(entity).owned;
  const column = owned?.owner && owned.businessUnit;
  const id = owned?.owner && values.get(owned.owner.owner);
  if (!column || typeof id !== 'string' || id === caller?.systemuserid) return undefined;
  const type = owned.owner!.ownerType;
  const owner = model.byLogicalName.get(type && values.get(type) === TEAM ? TEAM : SYSTEMUSER);
  return owner && businessUnitColumn(owner) ? { column, owner, id, via: owned.owner!.owner } : undefined;
}

/**
 * On an update that assigns the row (sets ownerid), owninguser and owningteam follow the new
 * owner, as on create (followOwnerColumns). owningbusinessunit, the owner's unit, stays: every
 * user and team is in the one root business unit.
 */
function followOwner(entity: EntityModel, set: ColumnValues): void {
  const columns = stampsOf(entity).owned?.owner;
  if (columns) followOwnerColumns(columns, set);
}

/**
 * Throws Errors.keptRole (403) for the System Administrator role's row, Errors.keptProfile (400)
 * for the System Administrator field security profile's: no caller changes or deletes them.
 */
function refuseKeptRole(entity: EntityModel, id: string): void {
  if (entity.LogicalName === ROLE && id === SYSTEM_ADMINISTRATOR_ID) throw Errors.keptRole();
  if (entity.LogicalName === FIELDSECURITYPROFILE && id === SYSTEM_ADMINISTRATOR_PROFILE_ID) throw Errors.keptProfile();
}

/**
 * Plans `DELETE /<set>(<id>)` by `caller`, guarded by If-Match's versions when sent (digest
 * §2.4) and by If-None-Match (a row at one of its versions, or any row for `*`, is not deleted: 412 `0x80060882`); the row's many-to-many links go with it, and its referencing rows are cleared, refuse the
 * delete or are deleted too (see delete.ts). Throws 400 `0x80040800` on an intersect table, 403
 * for the System Administrator role (Errors.keptRole), 400 `0x80041d60` for the root business
 * unit or one not disabled (businessUnitDeleteGuards) and 400 `0x80048307` for a default team (defaultTeamDeleteGuards).
 */
export function planDelete(entity: EntityModel, id: string, ifMatch: '*' | readonly string[] | undefined, caller: Caller, ifNoneMatch?: '*' | readonly string[]): DeletePlan {
  writable(entity, 'Delete');
  refuseKeptRole(entity, id);
  const unit = businessUnitDeleteGuards(entity, id, ROOT_BUSINESS_UNIT_ID);
  const team = defaultTeamDeleteGuards(entity, id, caller);
  return deletePlan(entity, id, [...unit, ...team, ...versionGuard(entity, ifMatch, ifNoneMatch)], caller);
}
