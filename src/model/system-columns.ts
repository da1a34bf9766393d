import { imageUrl } from './images.js';
import type { AttributeFile, AttributeModel, EntityFile, EntityModel } from './types.js';

/**
 * The standard columns Dataverse puts on every table. The loader appends each one a metadata file
 * leaves out, so a new table's file only needs its own columns (issue #2 §2).
 * Shapes follow the copilot interaction reference page (seeds/dataverse-msdyn_copilotinteraction.md).
 */

const readOnly = { IsValidForCreate: false, IsValidForUpdate: false, IsValidForRead: true } as const;
const createOnly = { IsValidForCreate: true, IsValidForUpdate: false, IsValidForRead: true } as const;

/** The column that marks a row for long-term retention (Dataverse "Long-term data retention"). */
export const DATASTATE = 'msft_datastate';
/** `msft_datastate` values: 0 (or null, rows older than the column) = active, 1 = retained. */
export const DATASTATE_ACTIVE = 0;
/** See DATASTATE_ACTIVE. */
export const DATASTATE_RETAINED = 1;

/** The built-in system user's table: every createdby/modifiedby lookup points here. */
export const SYSTEMUSER = 'systemuser';
/**
 * The team table (Dataverse Team): a group of users that can own rows (ownerid, owningteam) and
 * hold roles its members get the privileges of.
 */
export const TEAM = 'team';
/**
 * The abstract entity type users and teams derive from in `$metadata` (Dataverse Web API
 * "principal EntityType": base type crmbaseentity, key `ownerid`, "Unique identifier for the
 * Owner: systemuserid or teamid"). It is no table: `ownerid` navigation properties are typed as it.
 */
export const PRINCIPAL = 'principal';
/** The key of PRINCIPAL, which users and teams inherit: their own id (`ownerid` of a user row is its systemuserid). */
export const PRINCIPAL_KEY = 'ownerid';
/** The tables deriving from PRINCIPAL: the ones an `ownerid` can point at. */
export const PRINCIPAL_TABLES: ReadonlySet<string> = new Set([SYSTEMUSER, TEAM]);
/** The organization table: organizationid on organization-owned tables points here. */
export const ORGANIZATION = 'organization';
/**
 * The business unit table: owningbusinessunit on user-owned tables and businessunitid on
 * business-owned ones point here (Dataverse BusinessUnit table). It holds the one root unit.
 */
export const BUSINESSUNIT = 'businessunit';
/** The business-owned tables' column naming their business unit (systemuser, role: `businessunitid`). */
export const BUSINESS_COLUMN = 'businessunitid';
/** The user-owned tables' column naming the owner when it is a team (null when a user owns the row). */
export const OWNING_TEAM = 'owningteam';
/** The user-owned tables' column naming the owner's business unit. */
export const OWNING_BUSINESS_UNIT = 'owningbusinessunit';
/** The messages the service answers (sdkmessage): kept by the service, read-only to clients. */
export const SDKMESSAGE = 'sdkmessage';
/** Which tables each message takes (sdkmessagefilter): kept by the service, read-only to clients. */
export const SDKMESSAGEFILTER = 'sdkmessagefilter';
/** The privilege table: one row per privilege, kept by the service (security/privileges.ts). */
export const PRIVILEGE = 'privilege';
/** The security role table. */
export const ROLE = 'role';
/** Which privileges a role holds at which depth: written by the role messages only. */
export const ROLEPRIVILEGES = 'roleprivileges';
/**
 * Tables whose rows only the service writes (messages/sdk-messages.ts, security/privileges.ts,
 * the role messages); clients' writes are refused.
 */
export const SERVICE_MAINTAINED: ReadonlySet<string> = new Set([SDKMESSAGE, SDKMESSAGEFILTER, PRIVILEGE, ROLEPRIVILEGES]);

/**
 * Whether every Create gives column `name` of `entity` a value whatever its body holds
 * (plan/write.ts planServiceCreate): the primary key, the audit columns (created/modified on and
 * by), organizationid, ownerid and, beside it, owninguser and owningbusinessunit, the business
 * column (businessunitid) of a business-owned table, statecode and statuscode, and
 * msft_datastate on a retention-enabled table. Such a column may be SystemRequired without being
 * valid for create; any other would make every Create fail.
 */
export function setOnCreate(entity: EntityModel, name: string): boolean {
  switch (name) {
    case entity.PrimaryIdAttribute: case 'createdon': case 'modifiedon': case 'createdby': case 'modifiedby': case 'organizationid': case 'ownerid':
      return true;
    case 'owninguser': case OWNING_BUSINESS_UNIT: return entity.attributesByName.has('ownerid');
    case BUSINESS_COLUMN: return hasBusinessColumn(entity);
    case 'statecode': case 'statuscode': return entity.attributesByName.has('statecode') && entity.attributesByName.has('statuscode');
    case DATASTATE: return entity.IsRetentionEnabled;
    default: return false;
  }
}

/**
 * Whether `entity` is business-owned with a business column of its own (`businessunitid`): not the
 * business unit table, whose businessunitid is its primary key.
 */
export function hasBusinessColumn(entity: Pick<EntityModel, 'OwnershipType' | 'PrimaryIdAttribute'>): boolean {
  return entity.OwnershipType === 'BusinessOwned' && entity.PrimaryIdAttribute !== BUSINESS_COLUMN;
}

/**
 * The column of `entity` naming its row's business unit: owningbusinessunit on a user-owned table
 * (the owner's unit), businessunitid on a business-owned one (hasBusinessColumn); undefined on
 * other tables, and when the column is not stored.
 */
export function businessUnitColumn(entity: EntityModel): AttributeModel | undefined {
  const a = entity.attributesByName.has('ownerid') ? entity.attributesByName.get(OWNING_BUSINESS_UNIT) : hasBusinessColumn(entity) ? entity.attributesByName.get(BUSINESS_COLUMN) : undefined;
  return a?.IsStored ? a : undefined;
}

function userLookup(LogicalName: string, DisplayName: string): AttributeFile {
  return { LogicalName, AttributeType: 'Lookup', Targets: [SYSTEMUSER], DisplayName, RequiredLevel: 'None', ...readOnly };
}

function auditDate(LogicalName: string, DisplayName: string): AttributeFile {
  return {
    LogicalName, AttributeType: 'DateTime', DateTimeBehavior: 'UserLocal', Format: 'DateAndTime',
    DisplayName, RequiredLevel: 'None', ...readOnly,
  };
}

/**
 * The engine-supplied columns for one table file, in Dataverse's usual order.
 * Returns only definitions; the caller keeps any the file declares itself. `teams`: whether the
 * model has the team table; without it an owner is a user only (ownerid targets systemuser
 * alone, and there is no owningteam).
 */
export function systemColumns(file: EntityFile, teams = true): AttributeFile[] {
  const columns: AttributeFile[] = [
    {
      LogicalName: file.PrimaryIdAttribute, AttributeType: 'Uniqueidentifier', RequiredLevel: 'SystemRequired',
      DisplayName: file.DisplayName ?? file.LogicalName, Description: 'Unique identifier for entity instances',
      ...createOnly,
    },
    auditDate('createdon', 'Created On'),
    userLookup('createdby', 'Created By'),
    userLookup('createdonbehalfby', 'Created By (Delegate)'),
    auditDate('modifiedon', 'Modified On'),
    userLookup('modifiedby', 'Modified By'),
    userLookup('modifiedonbehalfby', 'Modified By (Delegate)'),
    {
      LogicalName: 'versionnumber', AttributeType: 'BigInt', DisplayName: 'Version Number', RequiredLevel: 'None',
      MinValue: Number.MIN_SAFE_INTEGER, MaxValue: Number.MAX_SAFE_INTEGER, ...readOnly,
    },
    {
      LogicalName: 'importsequencenumber', AttributeType: 'Integer', DisplayName: 'Import Sequence Number',
      MinValue: -2147483648, MaxValue: 2147483647, RequiredLevel: 'None', ...createOnly,
    },
    {
      LogicalName: 'overriddencreatedon', AttributeType: 'DateTime', DateTimeBehavior: 'UserLocal', Format: 'DateOnly',
      DisplayName: 'Record Created On', RequiredLevel: 'None', ...createOnly,
    },
    {
      LogicalName: 'timezoneruleversionnumber', AttributeType: 'Integer', DisplayName: 'Time Zone Rule Version Number',
      MinValue: -1, MaxValue: 2147483647, RequiredLevel: 'None', IsValidForCreate: true, IsValidForUpdate: true,
    },
    {
      LogicalName: 'utcconversiontimezonecode', AttributeType: 'Integer', DisplayName: 'UTC Conversion Time Zone Code',
      MinValue: -1, MaxValue: 2147483647, RequiredLevel: 'None', IsValidForCreate: true, IsValidForUpdate: true,
    },
  ];
  if (file.HasStateModel !== false) {
    columns.push(
      {
        LogicalName: 'statecode', AttributeType: 'State', DisplayName: 'Status', RequiredLevel: 'SystemRequired',
        IsValidForCreate: false, IsValidForUpdate: true, IsValidForRead: true,
        OptionSet: {
          Name: `${file.LogicalName}_statecode`,
          Options: [
            { Value: 0, Label: 'Active', DefaultStatus: 1, InvariantName: 'Active' },
            { Value: 1, Label: 'Inactive', DefaultStatus: 2, InvariantName: 'Inactive' },
          ],
        },
      },
      {
        LogicalName: 'statuscode', AttributeType: 'Status', DisplayName: 'Status Reason', RequiredLevel: 'None',
        IsValidForCreate: true, IsValidForUpdate: true, IsValidForRead: true,
        OptionSet: {
          Name: `${file.LogicalName}_statuscode`,
          Options: [
            { Value: 1, Label: 'Active', State: 0 },
            { Value: 2, Label: 'Inactive', State: 1 },
          ],
        },
      },
    );
  }
  if (file.IsRetentionEnabled === true) {
    // Set only by the retention messages (Retain, BulkRetain, RollbackRetain), never by a body.
    columns.push({
      LogicalName: DATASTATE, AttributeType: 'Picklist', DisplayName: 'Data State', RequiredLevel: 'None', ...readOnly,
      Description: 'Whether the row is marked for long-term retention (1) or active (0).',
      OptionSet: {
        Name: `${file.LogicalName}_${DATASTATE}`,
        Options: [{ Value: DATASTATE_ACTIVE, Label: 'Active' }, { Value: DATASTATE_RETAINED, Label: 'Retained' }],
      },
    });
  }
  switch (file.OwnershipType ?? 'UserOwned') {
    case 'OrganizationOwned':
      columns.push({ LogicalName: 'organizationid', AttributeType: 'Lookup', Targets: [ORGANIZATION],
        DisplayName: 'Organization Id', RequiredLevel: 'None', ...readOnly });
      break;
    case 'UserOwned':
      columns.push(
        // A user or a team (Dataverse: "Owner Id", targets systemuser and team; owneridtype beside it).
        { LogicalName: 'ownerid', AttributeType: 'Owner', Targets: teams ? [SYSTEMUSER, TEAM] : [SYSTEMUSER], DisplayName: 'Owner',
          RequiredLevel: 'SystemRequired', IsValidForCreate: true, IsValidForUpdate: true, IsValidForRead: true },
        userLookup('owninguser', 'Owning User'),
        // The owner when it is a team (Dataverse: "OwningTeam", read-only, null for a user owner).
        ...(teams ? [{ LogicalName: OWNING_TEAM, AttributeType: 'Lookup' as const, Targets: [TEAM], DisplayName: 'Owning Team',
          Description: 'Unique identifier for the team that owns the record.', RequiredLevel: 'None' as const, ...readOnly }] : []),
        // The owner's business unit, stamped on create (Dataverse: "OwningBusinessUnit", read-only).
        { LogicalName: OWNING_BUSINESS_UNIT, AttributeType: 'Lookup', Targets: [BUSINESSUNIT], DisplayName: 'Owning Business Unit',
          Description: 'Unique identifier for the business unit that owns the record', RequiredLevel: 'None', ...readOnly },
      );
      break;
    case 'BusinessOwned':
      // Dataverse's business-owned tables name their unit in businessunitid (systemuser, role, team),
      // not owningbusinessunit ("Expecting business column to be set for Creating business owned entities").
      if (hasBusinessColumn({ OwnershipType: 'BusinessOwned', PrimaryIdAttribute: file.PrimaryIdAttribute })) {
        columns.push({ LogicalName: BUSINESS_COLUMN, AttributeType: 'Lookup', Targets: [BUSINESSUNIT], DisplayName: 'Business Unit',
          Description: 'Unique identifier of the business unit with which the record is associated', RequiredLevel: 'SystemRequired', ...createOnly });
      }
      break;
    default:
      break;
  }
  columns.push(...lookupTypeColumns(file, columns), ...fileNameColumns(file), ...imageColumns(file));
  return columns;
}

/**
 * The read-only String `<column>_name` of each File column the file gives none: the stored name
 * of the column's file, set with its upload and cleared with its delete (Dataverse "Use file
 * column data", "File name column"; MaxLength 255 as fileattachment.filename).
 */
function fileNameColumns(file: EntityFile): AttributeFile[] {
  return file.Attributes.filter((a) => a.AttributeType === 'File').map((a) => ({
    LogicalName: `${a.LogicalName}_name`, SchemaName: `${a.SchemaName ?? a.LogicalName}_Name`, AttributeType: 'String', MaxLength: 255,
    DisplayName: `${a.DisplayName ?? a.LogicalName} Name`, RequiredLevel: 'None', ...readOnly,
  }));
}

/**
 * The read-only companions of each Image column (Dataverse "Use image column data", "Download
 * URL"; e.g. account's EntityImageId, EntityImage_Timestamp, EntityImage_URL): `<column>id`
 * (Uniqueidentifier, the image's id), `<column>_timestamp` (BigInt, when the image was last set, in
 * .NET ticks) and `<column>_url` (String, Format Url, MaxLength 200 as Dataverse's, longer when the
 * table's and column's names need it: the relative URL that downloads the thumbnail).
 */
function imageColumns(file: EntityFile): AttributeFile[] {
  return file.Attributes.filter((a) => a.AttributeType === 'Image').flatMap((a): AttributeFile[] => {
    const schema = a.SchemaName ?? a.LogicalName;
    return [
      { LogicalName: `${a.LogicalName}id`, SchemaName: `${schema}Id`, AttributeType: 'Uniqueidentifier', DisplayName: `${a.DisplayName ?? a.LogicalName} Id`, RequiredLevel: 'None', ...readOnly },
      { LogicalName: `${a.LogicalName}_timestamp`, SchemaName: `${schema}_Timestamp`, AttributeType: 'BigInt', DisplayName: '', RequiredLevel: 'None', ...readOnly },
      { LogicalName: `${a.LogicalName}_url`, SchemaName: `${schema}_URL`, AttributeType: 'String', Format: 'Url', DisplayName: '', RequiredLevel: 'None',
        MaxLength: Math.max(200, imageUrl(file.LogicalName, a.LogicalName, '00000000-0000-0000-0000-000000000000', IMAGE_TIMESTAMP_MAX).length), ...readOnly },
    ];
  });
}

/** The largest `_timestamp` a URL may carry (19 digits), for the length of `<column>_url`. */
const IMAGE_TIMESTAMP_MAX = 9223372036854775807n;

/**
 * Whether `a`, a column of `e`, is a lookup the engine supplies (systemColumns): the audit lookups
 * to users, and organizationid, ownerid, owninguser, owningteam and owningbusinessunit, or businessunitid, by
 * OwnershipType; also when `e`'s file
 * declares it, in the engine's place (the loader holds it to the engine's Targets), so that
 * IsSystemSupplied is false. Such lookups point at users, teams, the organization and business units,
 * with Targets the metadata cannot change.
 */
export function isEngineLookup(e: EntityModel, a: AttributeModel): boolean {
  if (!a.Targets.length || e.IsIntersect) return false;
  if (a.IsSystemSupplied) return true;
  const engine = systemColumns({ LogicalName: e.LogicalName, EntitySetName: e.EntitySetName, PrimaryIdAttribute: e.PrimaryIdAttribute, OwnershipType: e.OwnershipType, Attributes: [] });
  return engine.some((c) => c.LogicalName === a.LogicalName && c.Targets !== undefined);
}

/**
 * The type column of each polymorphic lookup (more than one target) of the file, or of the
 * engine's `columns` it does not declare (ownerid), that the file gives none: an EntityName
 * column `<lookup>type` holding the target's logical name, as Dataverse stores `owneridtype` or
 * `customeridtype` beside the id.
 */
function lookupTypeColumns(file: EntityFile, columns: readonly AttributeFile[]): AttributeFile[] {
  const typed = new Set(file.Attributes.filter((a) => a.AttributeType === 'EntityName' && a.AttributeOf).map((a) => a.AttributeOf));
  const declared = new Set(file.Attributes.map((a) => a.LogicalName));
  const lookups = [...file.Attributes, ...columns.filter((c) => !declared.has(c.LogicalName))];
  return lookups.filter((a) => (a.Targets?.length ?? 0) > 1 && !typed.has(a.LogicalName)).map((a) => ({
    LogicalName: `${a.LogicalName}type`, AttributeType: 'EntityName', AttributeOf: a.LogicalName, MaxLength: 100,
    DisplayName: `${a.DisplayName ?? a.LogicalName} Type`, RequiredLevel: 'None', ...readOnly,
  }));
}
