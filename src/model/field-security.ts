import type { AttributeModel, AttributeType, EntityModel, Model } from './types.js';
import { nameGuid } from './kept-ids.js';

/**
 * Column-level security in the model (Dataverse "Column-level security", "Column-level security
 * by using code"): which columns may be secured (AttributeMetadata.CanBeSecuredForRead/Create/
 * Update) and which are (IsSecured). What a caller may do with a secured column follows from its
 * field security profiles (security/field-access.ts).
 */

/** The field security profile and permission tables (Dataverse FieldSecurityProfile, FieldPermission). */
export const FIELDSECURITYPROFILE = 'fieldsecurityprofile';
export const FIELDPERMISSION = 'fieldpermission';

/** The many-to-many relationships (and navigation properties) of profiles with users and with teams. */
export const USER_PROFILES = 'systemuserprofiles_association';
export const TEAM_PROFILES = 'teamprofiles_association';

/**
 * The built-in "System Administrator" field security profile: full access to every secured column
 * for its users and teams (Dataverse: "the System Administrator field security profile gives full
 * access to all secured fields"); kept at start, as the System Administrator role is.
 */
export const SYSTEM_ADMINISTRATOR_PROFILE = 'System Administrator';
export const SYSTEM_ADMINISTRATOR_PROFILE_ID = nameGuid(`fieldsecurityprofile:${SYSTEM_ADMINISTRATOR_PROFILE}`);

/**
 * FieldPermissionType (Microsoft.Xrm.Sdk), the values of fieldpermission's canread, cancreate and
 * canupdate: 0 Not Allowed, 4 Allowed.
 */
export const FieldPermissionType = { NotAllowed: 0, Allowed: 4 } as const;

/**
 * The types of column Tessera secures: those whose value is one stored scalar. Dataverse secures
 * lookups, files and images too; Tessera does not yet (their values are also read through
 * navigation, `$value` and download paths), and refuses them when the metadata loads.
 */
const SECURABLE_TYPES: ReadonlySet<AttributeType> = new Set<AttributeType>([
  'String', 'Memo', 'Integer', 'BigInt', 'Decimal', 'Double', 'Money', 'Boolean', 'DateTime', 'Picklist',
]);

/** What securableProblem needs to know of a column. */
export interface SecurableColumn {
  readonly LogicalName: string;
  readonly AttributeType: AttributeType;
  readonly AttributeOf?: string;
}

/**
 * Why column `a` cannot be secured, or undefined when it can. Dataverse ("Columns that can't be
 * secured"): the primary key, the primary name column, system columns (createdon, modifiedon,
 * statecode, statuscode…: `engineColumn`), computed columns (`AttributeOf`); and here the types
 * Tessera does not secure (SECURABLE_TYPES).
 */
export function securableProblem(a: SecurableColumn, primaryId: boolean, primaryName: boolean, engineColumn: boolean): string | undefined {
  if (primaryId) return 'the primary key cannot be secured';
  if (primaryName) return 'the primary name column cannot be secured (Dataverse: "Columns that can\'t be secured")';
  if (engineColumn) return `'${a.LogicalName}' is a system column the engine supplies; system columns cannot be secured`;
  if (a.AttributeOf) return 'a column computed from another (AttributeOf) cannot be secured';
  if (!SECURABLE_TYPES.has(a.AttributeType)) return `a column of type ${a.AttributeType} cannot be secured here; only ${[...SECURABLE_TYPES].join(', ')} columns can`;
  return undefined;
}

/** AttributeMetadata.CanBeSecuredForRead/Create/Update of a built column: whether it could be secured. */
export function canBeSecured(a: AttributeModel): boolean {
  return securableProblem(a, a.IsPrimaryId, a.IsPrimaryName, a.IsSystemSupplied) === undefined;
}

/**
 * AttributeMetadata.CanBeSecuredForRead of a built column: whether securing it limits its reads.
 * Not a Boolean's (Dataverse, "Use field security to control access to field values": Boolean
 * columns can be secured for create and update but not for read): a secured Boolean column is
 * read by everyone, its writes are limited.
 */
export function canBeSecuredForRead(a: AttributeModel): boolean {
  return a.AttributeType !== 'Boolean' && canBeSecured(a);
}

/** Whether reading secured column `a` takes read permission (every secured column's but a Boolean's: canBeSecuredForRead). */
export function readSecured(a: AttributeModel): boolean {
  return a.IsSecured === true && a.AttributeType !== 'Boolean';
}

const secured = new WeakMap<EntityModel, readonly AttributeModel[]>();

/** The secured columns of `entity` (IsSecured), in column order; the same array on every call. */
export function securedColumns(entity: EntityModel): readonly AttributeModel[] {
  let columns = secured.get(entity);
  if (!columns) {
    columns = Object.freeze(entity.Attributes.filter((a) => a.IsSecured));
    secured.set(entity, columns);
  }
  return columns;
}

const modelsSecured = new WeakMap<Model, boolean>();

/** Whether any table of `model` has a secured column: without one, no caller's field access is read. Cached per model. */
export function hasSecuredColumns(model: Model): boolean {
  let any = modelsSecured.get(model);
  if (any === undefined) {
    any = model.entities.some((e) => securedColumns(e).length > 0);
    modelsSecured.set(model, any);
  }
  return any;
}
