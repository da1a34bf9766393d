import { createHash } from 'node:crypto';
import { pkOf } from './primary-key.js';
import { DATE_TIME_MAX_TEXT, DATE_TIME_MIN_TEXT } from './date-time-range.js';
import { isSystemLookup } from './relationships.js';
import { THUMBNAIL_SIZE } from './images.js';
import { canBeSecured, canBeSecuredForRead } from './field-security.js';
import type { AttributeModel, AttributeType, EntityModel, ManyToManyRelationshipModel, Model, OptionMetadata, RelationshipModel } from './types.js';

/**
 * The model as Dataverse's metadata entity types (Web API Metadata Entity Type Reference:
 * EntityMetadata, AttributeMetadata and its derived types, OptionSetMetadata, EntityKeyMetadata,
 * OneToManyRelationshipMetadata and ManyToManyRelationshipMetadata), the JSON that
 * `EntityDefinitions` and `RelationshipDefinitions` answer with (digest §8). Read-only: the metadata files are
 * the source; nothing here can be changed through the API.
 */

/** A JSON object of one of the metadata entity or complex types. */
export type Definition = Record<string, unknown>;

/**
 * The IntroducedVersion of every definition (the solution version a component came with): Tessera
 * has no solutions, so everything is of the one version its metadata files make.
 */
const INTRODUCED_VERSION = '1.0';

/**
 * English's LCID, 1033: the language of every label (the files hold one text each, read as
 * English), and the user-interface language EqualUserLanguage compares with when the
 * organization's is not kept.
 */
export const LANGUAGE_CODE = 1033;

/**
 * A stable MetadataId for a named definition: the same name gives the same GUID on every start
 * and every server (Dataverse's are stored; ours are derived from the name, SHA-1, RFC 4122
 * variant, version 5 layout). `parts` name the definition, e.g. `['attribute', 'account', 'name']`.
 */
export function metadataId(...parts: string[]): string {
  const h = createHash('sha1').update(`tessera:${parts.join(':')}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A Label complex type: `{"LocalizedLabels":[LocalizedLabel],"UserLocalizedLabel":LocalizedLabel}`,
 * or no labels and a null UserLocalizedLabel for an empty text.
 */
function label(text: string | undefined, ...id: string[]): Definition {
  if (!text) return { LocalizedLabels: [], UserLocalizedLabel: null };
  const localized = { Label: text, LanguageCode: LANGUAGE_CODE, IsManaged: false, MetadataId: metadataId('label', ...id), HasChanged: null };
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
}

/** A BooleanManagedProperty complex type (`IsCustomizable`, `IsRenameable` …): a value that can be changed. */
function managed(value: boolean, name: string): Definition {
  return { Value: value, CanBeChanged: true, ManagedPropertyLogicalName: name };
}

/**
 * Derived AttributeMetadata type and AttributeTypeName of each AttributeType, and the
 * AttributeTypeCode Dataverse answers for it when that is not the type's own name (a File column
 * is `Virtual`, FileType: FileAttributeMetadata class reference, AttributeTypeDisplayName.FileType;
 * an Image column `Virtual`, ImageType, as account's entityimage).
 */
const ATTRIBUTE_TYPES: Record<AttributeType, { type: string; typeName: string; code?: string }> = {
  String: { type: 'StringAttributeMetadata', typeName: 'StringType' },
  Memo: { type: 'MemoAttributeMetadata', typeName: 'MemoType' },
  Integer: { type: 'IntegerAttributeMetadata', typeName: 'IntegerType' },
  BigInt: { type: 'BigIntAttributeMetadata', typeName: 'BigIntType' },
  Decimal: { type: 'DecimalAttributeMetadata', typeName: 'DecimalType' },
  Double: { type: 'DoubleAttributeMetadata', typeName: 'DoubleType' },
  Money: { type: 'MoneyAttributeMetadata', typeName: 'MoneyType' },
  Boolean: { type: 'BooleanAttributeMetadata', typeName: 'BooleanType' },
  DateTime: { type: 'DateTimeAttributeMetadata', typeName: 'DateTimeType' },
  Uniqueidentifier: { type: 'UniqueIdentifierAttributeMetadata', typeName: 'UniqueidentifierType' },
  Lookup: { type: 'LookupAttributeMetadata', typeName: 'LookupType' },
  Owner: { type: 'LookupAttributeMetadata', typeName: 'OwnerType' },
  Customer: { type: 'LookupAttributeMetadata', typeName: 'CustomerType' },
  Picklist: { type: 'PicklistAttributeMetadata', typeName: 'PicklistType' },
  State: { type: 'StateAttributeMetadata', typeName: 'StateType' },
  Status: { type: 'StatusAttributeMetadata', typeName: 'StatusType' },
  EntityName: { type: 'EntityNameAttributeMetadata', typeName: 'EntityNameType' },
  File: { type: 'FileAttributeMetadata', typeName: 'FileType', code: 'Virtual' },
  Image: { type: 'ImageAttributeMetadata', typeName: 'ImageType', code: 'Virtual' },
};

/** The derived AttributeMetadata type of `a`, e.g. `PicklistAttributeMetadata` (without namespace). */
export function attributeMetadataType(a: AttributeModel): string {
  return ATTRIBUTE_TYPES[a.AttributeType].type;
}

/**
 * Every derived AttributeMetadata type an `Attributes/Microsoft.Dynamics.CRM.<type>` cast may name:
 * those of the columns here, and Dataverse's others, which no column here has (a cast to one
 * answers an empty collection, as in an organization without such columns). EnumAttributeMetadata
 * is abstract and cannot be cast to.
 */
export const ATTRIBUTE_METADATA_TYPES: ReadonlySet<string> = new Set([
  ...Object.values(ATTRIBUTE_TYPES).map((t) => t.type),
  'FileAttributeMetadata', 'ImageAttributeMetadata', 'ManagedPropertyAttributeMetadata', 'MultiSelectPicklistAttributeMetadata',
]);

/**
 * Whether a table or column is custom, as Dataverse tells: custom names carry a publisher prefix
 * (`msdyn_`, `new_`), system ones (`systemuser`, `fullname`) do not; columns the engine adds are
 * system columns.
 */
function isCustomName(logicalName: string): boolean {
  return logicalName.includes('_');
}

/**
 * Whether column `a` is custom (AttributeMetadata.IsCustomAttribute): a prefixed name the engine
 * does not add (see isCustomName).
 */
function isCustomColumn(a: AttributeModel): boolean {
  return !a.IsSystemSupplied && isCustomName(a.LogicalName);
}

/** The MetadataId of `entity`'s EntityMetadata. */
export function entityMetadataId(entity: EntityModel): string {
  return metadataId('entity', entity.LogicalName);
}

/**
 * A privilege on a table, as EntityMetadata.Privileges lists it (security/privileges.ts
 * PrivilegeModel: its id, `prv<Right><Table>` name, right and the depths a role may hold it at).
 */
export interface TablePrivilege {
  readonly id: string;
  readonly name: string;
  readonly right?: string;
  readonly depths: readonly string[];
}

/**
 * EntityMetadata of `entity`, without its collection-valued navigation properties (`Attributes`,
 * `Keys`, relationships), which are expanded on request; `privileges` are the table's (the
 * model's privilege catalogue, security/privileges.ts), listed as Privileges.
 */
export function entityDefinition(entity: EntityModel, privileges: readonly TablePrivilege[]): Definition {
  const id = ['entity', entity.LogicalName];
  const stateful = entity.attributesByName.has('statecode');
  return {
    MetadataId: entityMetadataId(entity),
    HasChanged: null,
    LogicalName: entity.LogicalName,
    SchemaName: entity.SchemaName,
    EntitySetName: entity.EntitySetName,
    LogicalCollectionName: entity.LogicalCollectionName,
    CollectionSchemaName: entity.CollectionSchemaName,
    DisplayName: label(entity.DisplayName, ...id, 'DisplayName'),
    DisplayCollectionName: label(entity.DisplayCollectionName, ...id, 'DisplayCollectionName'),
    Description: label(entity.Description, ...id, 'Description'),
    PrimaryIdAttribute: entity.PrimaryIdAttribute,
    PrimaryNameAttribute: entity.PrimaryNameAttribute ?? null,
    OwnershipType: entity.OwnershipType,
    IsActivity: false,
    IsIntersect: entity.IsIntersect,
    IsCustomEntity: isCustomName(entity.LogicalName),
    IsManaged: false,
    IsStateModelAware: stateful,
    EnforceStateTransitions: entity.EnforceStateTransitions,
    ChangeTrackingEnabled: entity.ChangeTrackingEnabled,
    IsOptimisticConcurrencyEnabled: true,
    IsRetentionEnabled: entity.IsRetentionEnabled,
    IsCustomizable: managed(true, 'iscustomizable'),
    IsValidForAdvancedFind: !entity.IsIntersect,
    HasNotes: false,
    HasActivities: false,
    ObjectTypeCode: entity.ObjectTypeCode,
    TableType: 'Standard',
    IntroducedVersion: INTRODUCED_VERSION,
    PrimaryImageAttribute: entity.PrimaryImageAttribute ?? null,
    EntityColor: null,
    IconSmallName: null,
    IconMediumName: null,
    IconLargeName: null,
    ExternalName: null,
    ExternalCollectionName: null,
    // Capabilities Tessera does not have: no auditing, queues, connections, offline, business
    // processes or app designers (forms, views, charts), and columns come only from metadata files.
    IsAuditEnabled: managed(false, 'canmodifyauditsettings'),
    IsValidForQueue: managed(false, 'canmodifyqueuesettings'),
    IsConnectionsEnabled: managed(false, 'canmodifyconnectionsettings'),
    IsAvailableOffline: false,
    IsBusinessProcessEnabled: false,
    IsActivityParty: false,
    IsChildEntity: false,
    IsPrivate: false,
    IsRenameable: managed(true, 'isrenameable'),
    // Fixed for a table (CanBeChanged false), as Dataverse answers them (Web API Metadata Operations Sample).
    IsMappable: { ...managed(!entity.IsIntersect, 'ismappable'), CanBeChanged: false },
    CanCreateAttributes: { ...managed(false, 'cancreateattributes'), CanBeChanged: false },
    CanCreateForms: managed(false, 'cancreateforms'),
    CanCreateViews: managed(false, 'cancreateviews'),
    CanCreateCharts: managed(false, 'cancreatecharts'),
    // Kinds of table Tessera does not have: logical, business process flow, elastic; long-term
    // retention is what Dataverse calls archival; no virtual-table data provider.
    IsLogicalEntity: false,
    IsBPFEntity: false,
    IsElasticTable: false,
    IsArchivalEnabled: entity.IsRetentionEnabled,
    IconVectorName: null,
    DataProviderId: null,
    ...relationshipEligibility(entity),
    ...ABSENT_FEATURES,
    ...UNRECORDED,
    // EntitySetting items: no table has settings of its own (Web API Metadata Operations Sample).
    Settings: [],
    Privileges: privilegeDefinitions(privileges),
  };
}

/**
 * The EntityMetadata properties of a definition's own record, as Dataverse answers them for a
 * custom table (Web API Metadata Operations Sample, `GET EntityDefinitions(LogicalName='sample_bankaccount')`):
 * no owner (OwnerId and OwningBusinessUnit null, OwnerIdType 8), no email addresses, no
 * DaysSinceRecordLastModified limit for offline clients (0). CreatedOn and ModifiedOn are null:
 * Tessera keeps no record of when a metadata file's definition was made (Dataverse's are times).
 */
const UNRECORDED: Readonly<Definition> = Object.freeze({
  CreatedOn: null,
  ModifiedOn: null,
  DaysSinceRecordLastModified: 0,
  HasEmailAddresses: false,
  OwnerId: null,
  OwnerIdType: 8,
  OwningBusinessUnit: null,
});

/**
 * SecurityPrivilegeMetadata of a table's privileges, in PrivilegeType order (Create, Read, Write,
 * Delete, Assign, Share, Append, AppendTo, as Dataverse lists them: Web API Metadata Operations
 * Sample). The depths are the privilege's; there are no external-party (EntityReference) or
 * record-filter depths.
 */
function privilegeDefinitions(privileges: readonly TablePrivilege[]): Definition[] {
  const order = ENUMS['PrivilegeType']!;
  return [...privileges].sort((a, b) => order.indexOf(a.right!) - order.indexOf(b.right!)).map((p) => ({
    CanBeBasic: p.depths.includes('Basic'),
    CanBeDeep: p.depths.includes('Deep'),
    CanBeGlobal: p.depths.includes('Global'),
    CanBeLocal: p.depths.includes('Local'),
    CanBeEntityReference: false,
    CanBeParentEntityReference: false,
    CanBeRecordFilter: false,
    Name: p.name,
    PrivilegeId: p.id,
    PrivilegeType: p.right,
  }));
}

/**
 * Whether a table may take part in relationships (EntityMetadata CanBePrimaryEntityInRelationship,
 * CanBeRelatedEntityInRelationship, CanBeInManyToMany, CanBeInCustomEntityAssociation): any
 * table of a metadata file may be a lookup's target, have lookups and be in a many-to-many
 * relationship; an intersect table may not (its rows are links, written through `$ref`).
 * CanChangeTrackingBeEnabled likewise: any file may set ChangeTrackingEnabled.
 */
function relationshipEligibility(entity: EntityModel): Definition {
  const eligible = !entity.IsIntersect;
  return {
    CanBePrimaryEntityInRelationship: managed(eligible, 'canbeprimaryentityinrelationship'),
    CanBeRelatedEntityInRelationship: managed(eligible, 'canberelatedentityinrelationship'),
    CanBeInManyToMany: managed(eligible, 'canbeinmanytomany'),
    CanBeInCustomEntityAssociation: managed(eligible, 'canbeincustomentityassociation'),
    CanChangeTrackingBeEnabled: managed(eligible, 'canchangetrackingbeenabled'),
  };
}

/**
 * The EntityMetadata properties of features Tessera does not have, the same for every table, as
 * Dataverse answers them for a table without the feature (Web API Metadata Operations Sample,
 * `GET EntityDefinitions(LogicalName='sample_bankaccount')`): no activities (ActivityTypeMask
 * 0), access teams, queues, workflows, help pages, document management, OneNote, Teams,
 * knowledge management, SLAs, interactive or external channels, feedback, Dataverse search,
 * auditing of reads, duplicate detection, mail merge, mobile or offline clients (empty
 * MobileOfflineFilters), quick create, reading pane, charts, import wizard, tracing,
 * hierarchies, recurring appointments, report views, business data labels, virtual-table data
 * sources, settings tables, solutions or clusters (AutoReplicateClusterRecords, CanChangeClusterMode,
 * Boolean in the EntityMetadata EntityType reference). CanModifyAdditionalSettings is true, as on columns.
 */
const ABSENT_FEATURES: Readonly<Definition> = Object.freeze({
  ActivityTypeMask: 0,
  AutoCreateAccessTeams: false,
  AutoRouteToOwnerQueue: false,
  CanTriggerWorkflow: false,
  EntityHelpUrlEnabled: false,
  EntityHelpUrl: null,
  IsDocumentManagementEnabled: false,
  IsOneNoteIntegrationEnabled: false,
  IsInteractionCentricEnabled: false,
  IsKnowledgeManagementEnabled: false,
  IsSLAEnabled: false,
  IsDocumentRecommendationsEnabled: false,
  IsMSTeamsIntegrationEnabled: false,
  IsEnabledForExternalChannels: false,
  HasFeedback: false,
  SyncToExternalSearchIndex: false,
  IsRetrieveAuditEnabled: false,
  IsRetrieveMultipleAuditEnabled: false,
  IsAIRUpdated: false,
  IsImportable: false,
  IsEnabledForCharts: false,
  IsEnabledForTrace: false,
  IsQuickCreateEnabled: false,
  IsReadingPaneEnabled: false,
  MobileOfflineFilters: '',
  RecurrenceBaseEntityLogicalName: null,
  ReportViewName: null,
  UsesBusinessDataLabelTable: false,
  IsSolutionAware: false,
  SettingOf: null,
  DataSourceId: null,
  AutoReplicateClusterRecords: false,
  CanChangeClusterMode: false,
  IsDuplicateDetectionEnabled: managed(false, 'canmodifyduplicatedetectionsettings'),
  IsMailMergeEnabled: managed(false, 'canmodifymailmergesettings'),
  IsVisibleInMobile: managed(false, 'canmodifymobilevisibility'),
  IsVisibleInMobileClient: managed(false, 'canmodifymobileclientvisibility'),
  IsReadOnlyInMobileClient: managed(false, 'canmodifymobileclientreadonly'),
  IsOfflineInMobileClient: managed(false, 'canmodifymobileclientoffline'),
  CanChangeHierarchicalRelationship: managed(false, 'canchangehierarchicalrelationship'),
  CanEnableSyncToExternalSearchIndex: managed(false, 'canenablesynctoexternalsearchindex'),
  CanModifyAdditionalSettings: managed(true, 'canmodifyadditionalsettings'),
});

/**
 * An option of an option set as OptionMetadata; a status option as StatusOptionMetadata (`State`,
 * `TransitionData`, null without one) and a state option as StateOptionMetadata (`DefaultStatus`,
 * `InvariantName`), each with `@odata.type`, derived types in a Collection(OptionMetadata).
 */
function optionDefinition(o: OptionMetadata, kind: string, ...id: string[]): Definition {
  const derived = kind === 'Status' ? 'StatusOptionMetadata' : kind === 'State' ? 'StateOptionMetadata' : undefined;
  const option: Definition = {
    ...(derived ? { '@odata.type': `#Microsoft.Dynamics.CRM.${derived}` } : {}),
    Value: o.Value,
    Label: label(o.Label, ...id, String(o.Value)),
    Description: label(o.Description, ...id, String(o.Value), 'Description'),
    Color: null,
    IsManaged: false,
    // Dataverse's value for an option of a table that is not virtual (Web API Metadata Operations Sample).
    ExternalValue: '',
    MetadataId: null,
    HasChanged: null,
    ParentValues: [],
    Tag: null,
    IsHidden: false,
  };
  if (kind === 'Status') Object.assign(option, { State: o.State ?? null, TransitionData: o.TransitionData ?? null });
  if (kind === 'State') Object.assign(option, { DefaultStatus: o.DefaultStatus ?? null, InvariantName: o.InvariantName ?? null });
  return option;
}

/**
 * The column that defines option set `name` for the model: the first that declares it. A global
 * option set is one definition, labelled like this column, whichever column it is reached from.
 */
function declaringColumn(model: Model, name: string): { entity: EntityModel; a: AttributeModel } | undefined {
  for (const entity of model.entities) {
    for (const a of entity.Attributes) if (a.OptionSet?.Name === name) return { entity, a };
  }
  return undefined;
}

/**
 * The OptionSetMetadata of a Picklist, State or Status column (`OptionSetType` Picklist, State or
 * Status), or the BooleanOptionSetMetadata of a Boolean one (TrueOption / FalseOption, labelled
 * Yes / No); undefined for other columns. A global option set's is its first declaration's
 * (see declaringColumn). IsCustomOptionSet is false for system option sets (an unprefixed global
 * name, or a local one of a system column, such as `account.industrycode` or any `statecode`), as
 * in Dataverse.
 */
export function optionSetDefinition(model: Model, entity: EntityModel, a: AttributeModel): Definition | undefined {
  if (a.OptionSet?.IsGlobal) {
    const first = declaringColumn(model, a.OptionSet.Name);
    if (first && first.a !== a) return optionSetDefinition(model, first.entity, first.a);
  }
  const id = a.OptionSet?.IsGlobal ? ['globaloptionset', a.OptionSet.Name] : ['optionset', entity.LogicalName, a.LogicalName];
  const common = {
    MetadataId: metadataId(...id),
    HasChanged: null,
    // A global option set is custom by its own name (`new_color`, not `budgetstatus`); a local one
    // is as custom as its column (IsCustomAttribute).
    IsCustomOptionSet: a.OptionSet?.IsGlobal ? isCustomName(a.OptionSet.Name) : isCustomColumn(a),
    IsGlobal: a.OptionSet?.IsGlobal ?? false,
    IsManaged: false,
    IsCustomizable: managed(true, 'iscustomizable'),
    Name: a.OptionSet?.Name ?? `${entity.LogicalName}_${a.LogicalName}`,
    DisplayName: label(a.DisplayName, ...id, 'DisplayName'),
    Description: label(a.Description, ...id, 'Description'),
    IntroducedVersion: INTRODUCED_VERSION,
    ExternalTypeName: null,
  };
  if (a.AttributeType === 'Boolean') {
    const option = (value: number, text: string) => optionDefinition({ Value: value, Label: text }, 'Boolean', ...id);
    return { ...common, OptionSetType: 'Boolean', TrueOption: option(1, 'Yes'), FalseOption: option(0, 'No') };
  }
  if (!a.OptionSet) return undefined;
  // ParentOptionSetName: no dependent choices (see ParentPicklistLogicalName).
  return { ...common, OptionSetType: a.AttributeType, ParentOptionSetName: null, Options: a.OptionSet.Options.map((o) => optionDefinition(o, a.AttributeType, ...id)) };
}

/**
 * The enum types of the metadata properties and their members (Web API Metadata Entity Type
 * Reference), for checking enum literals in `$filter`.
 */
export const ENUMS: Readonly<Record<string, readonly string[]>> = {
  OwnershipTypes: ['None', 'UserOwned', 'TeamOwned', 'BusinessOwned', 'OrganizationOwned', 'BusinessParented'],
  AttributeTypeCode: ['Boolean', 'Customer', 'DateTime', 'Decimal', 'Double', 'Integer', 'Lookup', 'Memo', 'Money', 'Owner', 'PartyList', 'Picklist', 'State', 'Status',
    'String', 'Uniqueidentifier', 'CalendarRules', 'Virtual', 'BigInt', 'ManagedProperty', 'EntityName'],
  AttributeRequiredLevel: ['None', 'SystemRequired', 'ApplicationRequired', 'Recommended'],
  OptionSetType: ['Picklist', 'State', 'Status', 'Boolean'],
  EntityKeyIndexStatus: ['Pending', 'InProgress', 'Active', 'Failed'],
  StringFormat: ['Email', 'Text', 'TextArea', 'Url', 'TickerSymbol', 'PhoneticGuide', 'VersionNumber', 'Phone', 'Json', 'RichText'],
  IntegerFormat: ['None', 'Duration', 'TimeZone', 'Language', 'Locale'],
  DateTimeFormat: ['DateOnly', 'DateAndTime'],
  CascadeType: ['NoCascade', 'Cascade', 'Active', 'UserOwned', 'RemoveLink', 'Restrict'],
  RelationshipType: ['OneToManyRelationship', 'ManyToManyRelationship'],
  AssociatedMenuBehavior: ['UseCollectionName', 'UseLabel', 'DoNotDisplay'],
  AssociatedMenuGroup: ['Details', 'Sales', 'Service', 'Marketing'],
  SecurityTypes: ['None', 'Append', 'ParentChild', 'Pointer', 'Inheritance'],
  PrivilegeType: ['None', 'Create', 'Read', 'Write', 'Delete', 'Assign', 'Share', 'Append', 'AppendTo'],
  ImeMode: ['Auto', 'Inactive', 'Active', 'Disabled'],
};

/** The flag enums of ENUMS (members combine), with Dataverse's member values in ENUMS' order. */
export const ENUM_FLAGS: Readonly<Record<string, readonly number[]>> = {
  OwnershipTypes: [0, 1, 2, 4, 8, 16],
  SecurityTypes: [0, 1, 2, 4, 8],
};

/**
 * The members of the metadata enum type `name` (a key of ENUMS; none for another name) with their
 * values: the flag values of ENUM_FLAGS, else each member's position (CSDL's default, OData CSDL
 * §10.2.2). `$metadata` declares these; `$filter` takes a member by name or by value.
 */
export function enumTypeMembers(name: string): Array<{ readonly Name: string; readonly Value: number }> {
  return (ENUMS[name] ?? []).map((Name, i) => ({ Name, Value: ENUM_FLAGS[name]?.[i] ?? i }));
}

/**
 * The type of a property of a metadata entity or complex type, for checking `$select` and
 * `$filter`: a primitive, an enum (its type name, a key of ENUMS), a complex type (its
 * properties) or a collection (selectable, not filterable without a lambda).
 */
export type PropertyType =
  | 'String' | 'Guid' | 'Int32' | 'Number' | 'Boolean' | 'DateTimeOffset' | 'Collection'
  | { readonly enum: string }
  | { readonly complex: Readonly<Record<string, PropertyType>>; readonly name: string };

/** The complex types with one string Value. */
const TYPE_NAME: PropertyType = { complex: { Value: 'String' }, name: 'AttributeTypeDisplayName' };
const DATE_TIME_BEHAVIOR: PropertyType = { complex: { Value: 'String' }, name: 'DateTimeBehavior' };
const STRING_FORMAT_NAME: PropertyType = { complex: { Value: 'String' }, name: 'StringFormatName' };
/** BooleanManagedProperty. */
const MANAGED: PropertyType = { complex: { Value: 'Boolean', CanBeChanged: 'Boolean', ManagedPropertyLogicalName: 'String' }, name: 'BooleanManagedProperty' };
/**
 * The properties of calculated and rollup columns (FormulaDefinition, SourceTypeMask), which the
 * derived types that can be calculated declare; Tessera has no such columns, so they are null and 0,
 * except a Boolean column's FormulaDefinition, which Dataverse answers as "" (the Web API Metadata
 * Operations Sample's and "Create and update column definitions using the Web API"'s Boolean column).
 */
const CALCULATED: Readonly<Record<string, PropertyType>> = { FormulaDefinition: 'String', SourceTypeMask: 'Int32' };
/**
 * ImeMode, which the derived types of typed-text columns declare (String, Memo, DateTime, Decimal,
 * Double, Money: SDK and PowerApps-Samples WebAPIService/Metadata/Types); every column's is Auto,
 * the input method editor's own choice (ImeMode enum, 0), as for a column created without one.
 */
const IME: Readonly<Record<string, PropertyType>> = { ImeMode: { enum: 'ImeMode' } };

/**
 * The properties each derived AttributeMetadata type adds to the base type's, with their types
 * (Web API Metadata Entity Type Reference, e.g. DateTimeAttributeMetadata EntityType; the same
 * lists as Microsoft's Web API sample types, PowerApps-Samples WebAPIService/Metadata/Types),
 * besides the navigation properties OptionSet / GlobalOptionSet of the option-set types, and the
 * ImeMode (input method editor) of the types that take typed text.
 */
const DERIVED_PROPERTIES: Readonly<Record<string, Readonly<Record<string, PropertyType>>>> = {
  StringAttributeMetadata: {
    MaxLength: 'Int32', Format: { enum: 'StringFormat' }, FormatName: STRING_FORMAT_NAME, IsLocalizable: 'Boolean', DatabaseLength: 'Int32', YomiOf: 'String', ...IME, ...CALCULATED,
  },
  MemoAttributeMetadata: { MaxLength: 'Int32', Format: { enum: 'StringFormat' }, IsLocalizable: 'Boolean', ...IME },
  IntegerAttributeMetadata: { MinValue: 'Number', MaxValue: 'Number', Format: { enum: 'IntegerFormat' }, ...CALCULATED },
  BigIntAttributeMetadata: { MinValue: 'Number', MaxValue: 'Number' },
  DecimalAttributeMetadata: { MinValue: 'Number', MaxValue: 'Number', Precision: 'Int32', ...IME, ...CALCULATED },
  DoubleAttributeMetadata: { MinValue: 'Number', MaxValue: 'Number', Precision: 'Int32', ...IME },
  MoneyAttributeMetadata: {
    MinValue: 'Number', MaxValue: 'Number', Precision: 'Int32', PrecisionSource: 'Int32', IsBaseCurrency: 'Boolean', CalculationOf: 'String', ...IME, ...CALCULATED,
  },
  DateTimeAttributeMetadata: {
    Format: { enum: 'DateTimeFormat' }, DateTimeBehavior: DATE_TIME_BEHAVIOR, CanChangeDateTimeBehavior: MANAGED, MinSupportedValue: 'DateTimeOffset',
    MaxSupportedValue: 'DateTimeOffset', ...IME, ...CALCULATED,
  },
  LookupAttributeMetadata: { Targets: 'Collection' },
  PicklistAttributeMetadata: { DefaultFormValue: 'Int32', ParentPicklistLogicalName: 'String', ChildPicklistLogicalNames: 'Collection', ...CALCULATED },
  BooleanAttributeMetadata: { DefaultValue: 'Boolean', ...CALCULATED },
  StateAttributeMetadata: { DefaultFormValue: 'Int32' },
  StatusAttributeMetadata: { DefaultFormValue: 'Int32' },
  FileAttributeMetadata: { MaxSizeInKB: 'Int32' },
  ImageAttributeMetadata: { IsPrimaryImage: 'Boolean', MaxHeight: 'Int32', MaxWidth: 'Int32', MaxSizeInKB: 'Int32', CanStoreFullImage: 'Boolean' },
};

/** The derived types with an option set to expand (`OptionSet`, `GlobalOptionSet`). */
export const OPTION_SET_TYPES: ReadonlySet<string> = new Set(['PicklistAttributeMetadata', 'StateAttributeMetadata', 'StatusAttributeMetadata', 'BooleanAttributeMetadata', 'MultiSelectPicklistAttributeMetadata']);

/** The properties of derived AttributeMetadata type `type` beyond the base type's (none for an unknown type). */
export function derivedProperties(type: string): readonly string[] {
  return Object.keys(DERIVED_PROPERTIES[type] ?? {});
}

/**
 * AttributeMetadata of column `a` of `entity`, with `@odata.type` naming its derived type and
 * that type's own properties (see DERIVED_PROPERTIES), without the OptionSet, which is expanded
 * on request.
 */
export function attributeDefinition(entity: EntityModel, a: AttributeModel): Definition {
  const id = ['attribute', entity.LogicalName, a.LogicalName];
  const { type, typeName, code } = ATTRIBUTE_TYPES[a.AttributeType];
  const format = a.Format ?? DEFAULT_FORMAT[a.AttributeType === 'DateTime' && a.DateTimeBehavior === 'DateOnly' ? 'DateOnly' : a.AttributeType] ?? null;
  const custom = isCustomColumn(a);
  const securable = canBeSecured(a);
  const own: Record<string, unknown> = {
    MaxLength: a.MaxLength ?? null,
    Format: format,
    // StringFormatName: the same format, as the complex type that replaced the StringFormat enum.
    FormatName: { Value: format },
    // Localizable values are for a few system tables' columns only (StringAttributeMetadata.IsLocalizable).
    IsLocalizable: false,
    DatabaseLength: a.MaxLength === undefined ? null : a.MaxLength * DATABASE_BYTES_PER_CHARACTER,
    YomiOf: yomiOf(entity, a),
    ImeMode: 'Auto',
    MinValue: a.MinValue ?? null,
    MaxValue: a.MaxValue ?? null,
    Precision: a.Precision ?? (a.AttributeType === 'Double' ? DOUBLE_PRECISION : null),
    // Money: 0, the column's own Precision, which values are rounded to (MoneyAttributeMetadata.PrecisionSource);
    // there are no transaction currencies, hence no base-currency (`_base`) columns.
    PrecisionSource: 0,
    IsBaseCurrency: false,
    CalculationOf: null,
    DateTimeBehavior: { Value: a.DateTimeBehavior ?? 'UserLocal' },
    // "Behavior and format of the date and time column": system columns (createdon …) keep UserLocal; custom ones may change.
    CanChangeDateTimeBehavior: managed(custom, 'canchangedatetimebehavior'),
    // The range every DateTime column holds, the one plan/values.ts enforces (model/date-time-range.ts).
    MinSupportedValue: DATE_TIME_MIN_TEXT,
    MaxSupportedValue: DATE_TIME_MAX_TEXT,
    Targets: [...a.Targets],
    DefaultFormValue: a.AttributeType === 'Picklist' ? a.DefaultFormValue ?? -1 : null,
    DefaultValue: a.DefaultValue ?? null,
    // No dependent choices and no calculated choice columns.
    ParentPicklistLogicalName: null,
    ChildPicklistLogicalNames: [],
    FormulaDefinition: a.AttributeType === 'Boolean' ? '' : null,
    SourceTypeMask: 0,
    MaxSizeInKB: a.MaxSizeInKB ?? null,
    // ImageAttributeMetadata: thumbnails are THUMBNAIL_SIZE pixels square (MaxHeight, MaxWidth).
    IsPrimaryImage: a.IsPrimaryImage ?? null,
    CanStoreFullImage: a.CanStoreFullImage ?? null,
    MaxHeight: a.AttributeType === 'Image' ? THUMBNAIL_SIZE : null,
    MaxWidth: a.AttributeType === 'Image' ? THUMBNAIL_SIZE : null,
  };
  const d: Definition = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${type}`,
    MetadataId: metadataId(...id),
    HasChanged: null,
    LogicalName: a.LogicalName,
    SchemaName: a.SchemaName,
    EntityLogicalName: entity.LogicalName,
    AttributeType: code ?? a.AttributeType,
    AttributeTypeName: { Value: typeName },
    AttributeOf: a.AttributeOf ?? null,
    ColumnNumber: a.ColumnNumber,
    DisplayName: label(a.DisplayName, ...id, 'DisplayName'),
    Description: label(a.Description, ...id, 'Description'),
    RequiredLevel: { Value: a.RequiredLevel, CanBeChanged: !a.IsSystemSupplied, ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' },
    IsPrimaryId: a.IsPrimaryId,
    IsPrimaryName: a.IsPrimaryName,
    IsValidForCreate: a.IsValidForCreate,
    IsValidForUpdate: a.IsValidForUpdate,
    IsValidForRead: a.IsValidForRead,
    IsCustomAttribute: custom,
    IsManaged: false,
    IsLogical: !a.IsStored,
    IsSearchable: a.IsStored,
    IsFilterable: a.IsStored,
    IsValidForAdvancedFind: managed(a.IsStored, 'canmodifysearchsettings'),
    IsCustomizable: managed(true, 'iscustomizable'),
    IsRenameable: managed(true, 'isrenameable'),
    IsSortableEnabled: managed(a.IsStored, 'canmodifyissortablesettings'),
    IsGlobalFilterEnabled: managed(false, 'canmodifyglobalfiltersettings'),
    // No auditing; column-level security as the metadata file declares it (model/field-security.ts);
    // every column is a simple one (SourceType 0: no calculated or rollup columns), shown in forms and grids.
    IsAuditEnabled: managed(false, 'canmodifyauditsettings'),
    IsSecured: a.IsSecured === true,
    CanBeSecuredForRead: canBeSecuredForRead(a),
    CanBeSecuredForCreate: securable && a.IsValidForCreate,
    CanBeSecuredForUpdate: securable && a.IsValidForUpdate,
    IsRetrievable: a.IsValidForRead,
    IsValidForForm: a.IsStored,
    IsValidForGrid: a.IsStored,
    IsRequiredForForm: a.RequiredLevel === 'SystemRequired',
    IsDataSourceSecret: false,
    SourceType: a.IsStored ? 0 : null,
    IntroducedVersion: INTRODUCED_VERSION,
    DeprecatedVersion: null,
    AutoNumberFormat: null,
    ExternalName: null,
    InheritsFrom: null,
    LinkedAttributeId: null,
    // Whether the column is a property of its EntityType (not a lookup's name or type column).
    IsValidODataAttribute: entity.attributesByProperty.get(a.PropertyName) === a,
    CanModifyAdditionalSettings: managed(true, 'canmodifyadditionalsettings'),
    // No record of when a metadata file's column was made (see UNRECORDED).
    CreatedOn: null,
    ModifiedOn: null,
  };
  for (const name of derivedProperties(type)) d[name] = own[name];
  return d;
}

/**
 * StringAttributeMetadata.DatabaseLength per character of MaxLength: Dataverse stores text as
 * nvarchar, two bytes a character, and reports the column's length in bytes.
 */
const DATABASE_BYTES_PER_CHARACTER = 2;

/**
 * DoubleAttributeMetadata.Precision of a column whose file gives none: 2 digits after the point,
 * the default of a Floating Point Number column Dataverse makes (the Decimal column's too, see
 * loader.ts DEFAULT_PRECISION); Dataverse allows 0 to 5 (MinSupportedPrecision, MaxSupportedPrecision).
 * A Double's Precision only says how values are shown: they are stored and answered unrounded.
 */
const DOUBLE_PRECISION = 2;

/**
 * StringAttributeMetadata.YomiOf of column `a`: the column whose phonetic (yomi) spelling it holds,
 * as Dataverse pairs a lookup's `<lookup>yominame` with its `<lookup>name`; null for other columns.
 */
function yomiOf(entity: EntityModel, a: AttributeModel): string | null {
  const match = /^(.*)yominame$/.exec(a.LogicalName);
  return match && entity.attributesByName.has(`${match[1]}name`) ? `${match[1]}name` : null;
}

/** The Format a column without one in its file has, by AttributeType (DateOnly: a date-only DateTime). */
const DEFAULT_FORMAT: Readonly<Record<string, string>> = { String: 'Text', Memo: 'TextArea', Integer: 'None', DateTime: 'DateAndTime', DateOnly: 'DateOnly' };

/**
 * The global option sets (GlobalOptionSetDefinitions) as OptionSetMetadata, each once, in the
 * order their first columns come in the model; labelled like the first column that declares it.
 */
export function globalOptionSetDefinitions(model: Model): Definition[] {
  const seen = new Map<string, Definition>();
  for (const entity of model.entities) {
    for (const a of entity.Attributes) {
      if (a.OptionSet?.IsGlobal && !seen.has(a.OptionSet.Name)) seen.set(a.OptionSet.Name, optionSetDefinition(model, entity, a)!);
    }
  }
  return [...seen.values()];
}

/**
 * EntityKeyMetadata of each alternate key of `entity` (Web API EntityKeyMetadata EntityType),
 * every one Active: its index exists once the migration has run.
 */
export function keyDefinitions(entity: EntityModel): Definition[] {
  return entity.Keys.map((k) => {
    const id = ['key', entity.LogicalName, k.LogicalName];
    return {
      MetadataId: metadataId(...id),
      HasChanged: null,
      LogicalName: k.LogicalName,
      SchemaName: k.LogicalName,
      EntityLogicalName: entity.LogicalName,
      DisplayName: label(k.DisplayName, ...id, 'DisplayName'),
      KeyAttributes: k.KeyAttributes.map((a) => a.LogicalName),
      EntityKeyIndexStatus: 'Active',
      IsManaged: false,
      IntroducedVersion: INTRODUCED_VERSION,
      IsCustomizable: managed(true, 'iscustomizable'),
      // The migration makes the key's unique index before the service starts: no system job
      // (AsyncJob) builds it. An ordinary alternate key: neither a secondary nor an export key.
      AsyncJob: null,
      IsSynchronous: true,
      IsSecondaryKey: false,
      IsExportKey: false,
    };
  });
}

/** A relationship of the model, of either kind. */
export type AnyRelationship = RelationshipModel | ManyToManyRelationshipModel;

/** Every relationship of the model once: the one-to-many ones in table and column order, then the many-to-many ones. */
export function modelRelationships(model: Model): AnyRelationship[] {
  const oneToMany: RelationshipModel[] = [];
  const manyToMany = new Map<string, ManyToManyRelationshipModel>();
  for (const entity of model.entities) {
    for (const nav of entity.navigation.values()) {
      if (nav.intersect) manyToMany.set(nav.relationship.SchemaName, nav.relationship);
      else if (nav.kind === 'single') oneToMany.push(nav.relationship);
    }
  }
  return [...oneToMany, ...manyToMany.values()];
}

/** The relationships of `entity` an EntityMetadata collection lists: where it is referenced, referencing, or either side of a many-to-many. */
export function entityRelationships(model: Model, entity: EntityModel, property: 'OneToManyRelationships' | 'ManyToOneRelationships' | 'ManyToManyRelationships'): AnyRelationship[] {
  return modelRelationships(model).filter((r) => (r.RelationshipType === 'ManyToManyRelationship'
    ? property === 'ManyToManyRelationships' && (r.Entity1 === entity || r.Entity2 === entity)
    : (property === 'OneToManyRelationships' && r.ReferencedEntity === entity && !ownerRelationship(r)) || (property === 'ManyToOneRelationships' && r.ReferencingEntity === entity)));
}

/** Dataverse's name of the table an owner (`ownerid`) references: `owner` (Owner table: its users and teams, key ownerid). */
const OWNER_TABLE = 'owner';

/**
 * Whether `r` is an owner's relationship (`owner_<table>`, of ownerid): Dataverse names its
 * referenced table `owner` (attribute `ownerid`), the Owner table whose one-to-many relationships
 * list it, not those of users or teams (Owner table/entity reference).
 */
function ownerRelationship(r: RelationshipModel): boolean {
  return r.ReferencingAttribute.AttributeType === 'Owner';
}

/**
 * An AssociatedMenuConfiguration: how a model-driven app would list the related rows. Tessera has
 * no app, so every relationship has Dataverse's default (the collection name, in Details), at
 * Order 10000 for a custom relationship, as Dataverse gives one (Web API Metadata Operations
 * Sample, sections 4 to 7), and no Order (null) for a system one.
 */
function associatedMenu(custom: boolean, ...id: string[]): Definition {
  return {
    Behavior: 'UseCollectionName', Group: 'Details', Label: label(undefined, ...id), Order: custom ? CUSTOM_MENU_ORDER : null, IsCustomizable: true, Icon: null,
    ViewId: '00000000-0000-0000-0000-000000000000', AvailableOffline: true, MenuId: null, QueryApi: null,
  };
}

/** AssociatedMenuConfiguration.Order of a custom relationship (Web API Metadata Operations Sample). */
const CUSTOM_MENU_ORDER = 10000;

/**
 * OneToManyRelationshipMetadata.RelationshipBehavior of a custom relationship: 1, as Dataverse
 * answers for the lookups it makes (Web API Metadata Operations Sample, sections 4 to 6); a
 * system relationship's is 0.
 */
const CUSTOM_RELATIONSHIP_BEHAVIOR = 1;

/**
 * OneToManyRelationshipMetadata or ManyToManyRelationshipMetadata of `r`, with `@odata.type`.
 * Of CascadeConfiguration only Delete does anything here (model CascadeDelete); the other actions
 * are as the metadata file declares them (NoCascade by default) but do nothing, as Tessera has no
 * Assign, Share, Merge or Reparent messages and Retain does not reach related rows (Archive). SecurityTypes: None for the system lookups and many-to-many
 * relationships, Append for other lookups (as Dataverse reports them).
 */
export function relationshipDefinition(r: AnyRelationship): Definition {
  const base = {
    MetadataId: metadataId('relationship', r.SchemaName),
    HasChanged: null,
    SchemaName: r.SchemaName,
    RelationshipType: r.RelationshipType,
    IsManaged: false,
    IsValidForAdvancedFind: true,
    IsCustomizable: managed(true, 'iscustomizable'),
    IntroducedVersion: INTRODUCED_VERSION,
  };
  if (r.RelationshipType === 'ManyToManyRelationship') {
    // Custom as its intersect table is: `new_…` links are, `systemuserroles_association` is not.
    const custom = isCustomName(r.IntersectEntity.LogicalName);
    return {
      '@odata.type': '#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata',
      ...base,
      IsCustomRelationship: custom,
      SecurityTypes: 'None',
      Entity1LogicalName: r.Entity1.LogicalName,
      Entity2LogicalName: r.Entity2.LogicalName,
      IntersectEntityName: r.IntersectEntity.LogicalName,
      Entity1IntersectAttribute: r.Entity1IntersectAttribute.LogicalName,
      Entity2IntersectAttribute: r.Entity2IntersectAttribute.LogicalName,
      Entity1NavigationPropertyName: r.Entity1NavigationPropertyName,
      Entity2NavigationPropertyName: r.Entity2NavigationPropertyName,
      Entity1AssociatedMenuConfiguration: associatedMenu(custom, 'relationship', r.SchemaName, 'Entity1'),
      Entity2AssociatedMenuConfiguration: associatedMenu(custom, 'relationship', r.SchemaName, 'Entity2'),
    };
  }
  const custom = isCustomName(r.ReferencingAttribute.LogicalName);
  return {
    '@odata.type': '#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
    ...base,
    IsCustomRelationship: custom,
    SecurityTypes: isSystemLookup(r.ReferencingAttribute) ? 'None' : 'Append',
    IsHierarchical: r.IsHierarchical,
    RelationshipBehavior: custom ? CUSTOM_RELATIONSHIP_BEHAVIOR : 0,
    IsDenormalizedLookup: null,
    DenormalizedAttributeName: null,
    IsRelationshipAttributeDenormalized: false,
    EntityKey: null,
    RelationshipAttributes: [],
    ReferencedAttribute: ownerRelationship(r) ? 'ownerid' : pkOf(r.ReferencedEntity).LogicalName,
    ReferencedEntity: ownerRelationship(r) ? OWNER_TABLE : r.ReferencedEntity.LogicalName,
    ReferencingAttribute: r.ReferencingAttribute.LogicalName,
    ReferencingEntity: r.ReferencingEntity.LogicalName,
    ReferencedEntityNavigationPropertyName: r.ReferencedEntityNavigationPropertyName,
    ReferencingEntityNavigationPropertyName: r.ReferencingEntityNavigationPropertyName,
    CascadeConfiguration: { ...r.CascadeConfiguration },
    AssociatedMenuConfiguration: associatedMenu(custom, 'relationship', r.SchemaName),
  };
}

/** Label: LocalizedLabels and the UserLocalizedLabel (a LocalizedLabel). */
const LABEL: PropertyType = {
  complex: {
    LocalizedLabels: 'Collection',
    UserLocalizedLabel: { complex: { Label: 'String', LanguageCode: 'Int32', IsManaged: 'Boolean', MetadataId: 'Guid', HasChanged: 'Boolean' }, name: 'LocalizedLabel' },
  },
  name: 'Label',
};
/** OptionMetadata, as optionDefinition writes it (its derived types add their own, see OPTION_DERIVED). */
const OPTION: PropertyType = {
  complex: {
    Value: 'Int32', Label: LABEL, Description: LABEL, Color: 'String', IsManaged: 'Boolean', ExternalValue: 'String', MetadataId: 'Guid', HasChanged: 'Boolean',
    ParentValues: 'Collection', Tag: 'String', IsHidden: 'Boolean',
  },
  name: 'OptionMetadata',
};
/** The properties StatusOptionMetadata and StateOptionMetadata add to OptionMetadata's. */
export const OPTION_DERIVED: Readonly<Record<string, Readonly<Record<string, PropertyType>>>> = {
  StatusOptionMetadata: { State: 'Int32', TransitionData: 'String' },
  StateOptionMetadata: { DefaultStatus: 'Int32', InvariantName: 'String' },
};
/**
 * The item type of each collection-valued property (`'Collection'` above), by property name, for
 * `$metadata`: a primitive (`Edm.String`) or a complex type's name.
 */
export const COLLECTION_ITEMS: Readonly<Record<string, string>> = {
  LocalizedLabels: 'LocalizedLabel', Targets: 'Edm.String', KeyAttributes: 'Edm.String', Options: 'OptionMetadata', RelationshipAttributes: 'Edm.String',
  ParentValues: 'Edm.Int32', ChildPicklistLogicalNames: 'Edm.String', Privileges: 'SecurityPrivilegeMetadata', Settings: 'EntitySetting',
};
/** SecurityPrivilegeMetadata, as privilegeDefinitions writes it (the items of EntityMetadata.Privileges). */
const SECURITY_PRIVILEGE: PropertyType = {
  complex: {
    CanBeBasic: 'Boolean', CanBeDeep: 'Boolean', CanBeGlobal: 'Boolean', CanBeLocal: 'Boolean', CanBeEntityReference: 'Boolean', CanBeParentEntityReference: 'Boolean',
    CanBeRecordFilter: 'Boolean', Name: 'String', PrivilegeId: 'Guid', PrivilegeType: { enum: 'PrivilegeType' },
  },
  name: 'SecurityPrivilegeMetadata',
};
/** EntitySetting (the items of EntityMetadata.Settings): a named value. */
const ENTITY_SETTING: PropertyType = { complex: { Name: 'String', Value: 'String' }, name: 'EntitySetting' };
/** The complex types no property of the metadata entity types names directly. */
export const OTHER_COMPLEX_TYPES: readonly PropertyType[] = [OPTION, SECURITY_PRIVILEGE, ENTITY_SETTING];
/** EntityMetadata's properties, as entityDefinition writes them. */
export const ENTITY_METADATA: Readonly<Record<string, PropertyType>> = {
  MetadataId: 'Guid', HasChanged: 'Boolean', LogicalName: 'String', SchemaName: 'String', EntitySetName: 'String', LogicalCollectionName: 'String',
  CollectionSchemaName: 'String', DisplayName: LABEL, DisplayCollectionName: LABEL, Description: LABEL, PrimaryIdAttribute: 'String',
  PrimaryNameAttribute: 'String', OwnershipType: { enum: 'OwnershipTypes' }, IsActivity: 'Boolean', IsIntersect: 'Boolean', IsCustomEntity: 'Boolean',
  IsManaged: 'Boolean', IsStateModelAware: 'Boolean', EnforceStateTransitions: 'Boolean', ChangeTrackingEnabled: 'Boolean',
  IsOptimisticConcurrencyEnabled: 'Boolean', IsRetentionEnabled: 'Boolean', IsCustomizable: MANAGED, IsValidForAdvancedFind: 'Boolean',
  HasNotes: 'Boolean', HasActivities: 'Boolean', ObjectTypeCode: 'Int32', TableType: 'String', IntroducedVersion: 'String', PrimaryImageAttribute: 'String',
  EntityColor: 'String', IconSmallName: 'String', IconMediumName: 'String', IconLargeName: 'String', ExternalName: 'String', ExternalCollectionName: 'String',
  IsAuditEnabled: MANAGED, IsValidForQueue: MANAGED, IsConnectionsEnabled: MANAGED, IsAvailableOffline: 'Boolean', IsBusinessProcessEnabled: 'Boolean',
  IsActivityParty: 'Boolean', IsChildEntity: 'Boolean', IsPrivate: 'Boolean', IsRenameable: MANAGED, IsMappable: MANAGED, CanCreateAttributes: MANAGED,
  CanCreateForms: MANAGED, CanCreateViews: MANAGED, CanCreateCharts: MANAGED, IsLogicalEntity: 'Boolean', IsBPFEntity: 'Boolean',
  IsElasticTable: 'Boolean', IsArchivalEnabled: 'Boolean', IconVectorName: 'String', DataProviderId: 'Guid',
  CanBePrimaryEntityInRelationship: MANAGED, CanBeRelatedEntityInRelationship: MANAGED, CanBeInManyToMany: MANAGED,
  CanBeInCustomEntityAssociation: MANAGED, CanChangeTrackingBeEnabled: MANAGED,
  ActivityTypeMask: 'Int32', AutoCreateAccessTeams: 'Boolean', AutoRouteToOwnerQueue: 'Boolean', CanTriggerWorkflow: 'Boolean',
  EntityHelpUrlEnabled: 'Boolean', EntityHelpUrl: 'String', IsDocumentManagementEnabled: 'Boolean', IsOneNoteIntegrationEnabled: 'Boolean',
  IsInteractionCentricEnabled: 'Boolean', IsKnowledgeManagementEnabled: 'Boolean', IsSLAEnabled: 'Boolean', IsDocumentRecommendationsEnabled: 'Boolean',
  IsMSTeamsIntegrationEnabled: 'Boolean', IsEnabledForExternalChannels: 'Boolean', HasFeedback: 'Boolean', SyncToExternalSearchIndex: 'Boolean',
  IsRetrieveAuditEnabled: 'Boolean', IsRetrieveMultipleAuditEnabled: 'Boolean', IsAIRUpdated: 'Boolean', IsImportable: 'Boolean',
  IsEnabledForCharts: 'Boolean', IsEnabledForTrace: 'Boolean', IsQuickCreateEnabled: 'Boolean', IsReadingPaneEnabled: 'Boolean',
  MobileOfflineFilters: 'String', RecurrenceBaseEntityLogicalName: 'String', ReportViewName: 'String', UsesBusinessDataLabelTable: 'Boolean',
  IsSolutionAware: 'Boolean', SettingOf: 'String', DataSourceId: 'Guid', AutoReplicateClusterRecords: 'Boolean', CanChangeClusterMode: 'Boolean', IsDuplicateDetectionEnabled: MANAGED, IsMailMergeEnabled: MANAGED,
  IsVisibleInMobile: MANAGED, IsVisibleInMobileClient: MANAGED, IsReadOnlyInMobileClient: MANAGED, IsOfflineInMobileClient: MANAGED,
  CanChangeHierarchicalRelationship: MANAGED, CanEnableSyncToExternalSearchIndex: MANAGED, CanModifyAdditionalSettings: MANAGED,
  CreatedOn: 'DateTimeOffset', ModifiedOn: 'DateTimeOffset', DaysSinceRecordLastModified: 'Int32', HasEmailAddresses: 'Boolean', OwnerId: 'Guid',
  OwnerIdType: 'Int32', OwningBusinessUnit: 'Guid', Settings: 'Collection',
  Privileges: 'Collection',
};

/** AttributeMetadata's own properties (the base type's), as attributeDefinition writes them. */
export const ATTRIBUTE_METADATA: Readonly<Record<string, PropertyType>> = {
  MetadataId: 'Guid', HasChanged: 'Boolean', LogicalName: 'String', SchemaName: 'String', EntityLogicalName: 'String',
  AttributeType: { enum: 'AttributeTypeCode' }, AttributeTypeName: TYPE_NAME, AttributeOf: 'String', ColumnNumber: 'Int32', DisplayName: LABEL,
  Description: LABEL,
  RequiredLevel: { complex: { Value: { enum: 'AttributeRequiredLevel' }, CanBeChanged: 'Boolean', ManagedPropertyLogicalName: 'String' }, name: 'AttributeRequiredLevelManagedProperty' },
  IsPrimaryId: 'Boolean', IsPrimaryName: 'Boolean', IsValidForCreate: 'Boolean', IsValidForUpdate: 'Boolean', IsValidForRead: 'Boolean',
  IsCustomAttribute: 'Boolean', IsManaged: 'Boolean', IsLogical: 'Boolean', IsSearchable: 'Boolean', IsFilterable: 'Boolean', IsValidForAdvancedFind: MANAGED,
  IsCustomizable: MANAGED, IsRenameable: MANAGED, IsSortableEnabled: MANAGED, IsGlobalFilterEnabled: MANAGED, IsAuditEnabled: MANAGED,
  IsSecured: 'Boolean', CanBeSecuredForRead: 'Boolean', CanBeSecuredForCreate: 'Boolean', CanBeSecuredForUpdate: 'Boolean', IsRetrievable: 'Boolean',
  IsValidForForm: 'Boolean', IsValidForGrid: 'Boolean', IsRequiredForForm: 'Boolean', IsDataSourceSecret: 'Boolean', SourceType: 'Int32',
  IntroducedVersion: 'String', DeprecatedVersion: 'String', AutoNumberFormat: 'String', ExternalName: 'String', InheritsFrom: 'String',
  LinkedAttributeId: 'Guid', IsValidODataAttribute: 'Boolean', CanModifyAdditionalSettings: MANAGED, CreatedOn: 'DateTimeOffset', ModifiedOn: 'DateTimeOffset',
};

/** The properties of AttributeMetadata (no `type`) or of its derived type `type`. */
export function attributeMetadata(type?: string): Readonly<Record<string, PropertyType>> {
  if (!type) return ATTRIBUTE_METADATA;
  return { ...ATTRIBUTE_METADATA, ...DERIVED_PROPERTIES[type] };
}

/** OptionSetMetadata's (and BooleanOptionSetMetadata's) properties, as optionSetDefinition writes them. */
export const OPTION_SET_METADATA: Readonly<Record<string, PropertyType>> = {
  MetadataId: 'Guid', HasChanged: 'Boolean', IsCustomOptionSet: 'Boolean', IsGlobal: 'Boolean', IsManaged: 'Boolean', IsCustomizable: MANAGED,
  Name: 'String', DisplayName: LABEL, Description: LABEL, IntroducedVersion: 'String', ExternalTypeName: 'String', ParentOptionSetName: 'String',
  OptionSetType: { enum: 'OptionSetType' }, Options: 'Collection', TrueOption: OPTION, FalseOption: OPTION,
};

/** EntityKeyMetadata's properties, as keyDefinitions writes them. */
export const ENTITY_KEY_METADATA: Readonly<Record<string, PropertyType>> = {
  MetadataId: 'Guid', HasChanged: 'Boolean', LogicalName: 'String', SchemaName: 'String', EntityLogicalName: 'String', DisplayName: LABEL,
  KeyAttributes: 'Collection', EntityKeyIndexStatus: { enum: 'EntityKeyIndexStatus' }, IsManaged: 'Boolean', IntroducedVersion: 'String',
  IsCustomizable: MANAGED, AsyncJob: 'Guid', IsSynchronous: 'Boolean', IsSecondaryKey: 'Boolean', IsExportKey: 'Boolean',
};

/** RelationshipMetadataBase's properties, as relationshipDefinition writes them for both kinds. */
export const RELATIONSHIP_METADATA: Readonly<Record<string, PropertyType>> = {
  MetadataId: 'Guid', HasChanged: 'Boolean', SchemaName: 'String', RelationshipType: { enum: 'RelationshipType' }, IsManaged: 'Boolean',
  IsValidForAdvancedFind: 'Boolean', IsCustomizable: MANAGED, IntroducedVersion: 'String', IsCustomRelationship: 'Boolean', SecurityTypes: { enum: 'SecurityTypes' },
};

const CASCADE: PropertyType = { enum: 'CascadeType' };

/** AssociatedMenuConfiguration, as associatedMenu writes it. */
const ASSOCIATED_MENU: PropertyType = {
  complex: {
    Behavior: { enum: 'AssociatedMenuBehavior' }, Group: { enum: 'AssociatedMenuGroup' }, Label: LABEL, Order: 'Int32', IsCustomizable: 'Boolean', Icon: 'String',
    ViewId: 'Guid', AvailableOffline: 'Boolean', MenuId: 'String', QueryApi: 'String',
  },
  name: 'AssociatedMenuConfiguration',
};

/** OneToManyRelationshipMetadata's properties (the base type's and its own). */
export const ONE_TO_MANY_METADATA: Readonly<Record<string, PropertyType>> = {
  ...RELATIONSHIP_METADATA, IsHierarchical: 'Boolean', ReferencedAttribute: 'String', ReferencedEntity: 'String', ReferencingAttribute: 'String',
  ReferencingEntity: 'String', ReferencedEntityNavigationPropertyName: 'String', ReferencingEntityNavigationPropertyName: 'String',
  CascadeConfiguration: {
    complex: { Assign: CASCADE, Delete: CASCADE, Merge: CASCADE, Reparent: CASCADE, Share: CASCADE, Unshare: CASCADE, RollupView: CASCADE, Archive: CASCADE },
    name: 'CascadeConfiguration',
  },
  RelationshipBehavior: 'Int32', IsDenormalizedLookup: 'Boolean', DenormalizedAttributeName: 'String', IsRelationshipAttributeDenormalized: 'Boolean',
  EntityKey: 'String', RelationshipAttributes: 'Collection', AssociatedMenuConfiguration: ASSOCIATED_MENU,
};

/** ManyToManyRelationshipMetadata's properties (the base type's and its own). */
export const MANY_TO_MANY_METADATA: Readonly<Record<string, PropertyType>> = {
  ...RELATIONSHIP_METADATA, Entity1LogicalName: 'String', Entity2LogicalName: 'String', IntersectEntityName: 'String', Entity1IntersectAttribute: 'String',
  Entity2IntersectAttribute: 'String', Entity1NavigationPropertyName: 'String', Entity2NavigationPropertyName: 'String',
  Entity1AssociatedMenuConfiguration: ASSOCIATED_MENU, Entity2AssociatedMenuConfiguration: ASSOCIATED_MENU,
};
