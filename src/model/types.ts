/**
 * Metadata vocabulary. File types (`*File`) mirror Dataverse's EntityMetadata / AttributeMetadata
 * names as they are written in `metadata/*.json`; runtime types (`EntityModel`, `AttributeModel`,
 * `Model`) are the immutable, fully defaulted model the engine works from.
 *
 * Source of the vocabulary: Dataverse EntityMetadata / AttributeMetadata
 * (learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.metadata), digest §1.4 and §6.1.
 */

/** Dataverse AttributeTypeCode names that Tessera stores (digest §1.4). */
export type AttributeType =
  | 'String'
  | 'Memo'
  | 'Integer'
  | 'BigInt'
  | 'Decimal'
  | 'Double'
  | 'Money'
  | 'Boolean'
  | 'DateTime'
  | 'Uniqueidentifier'
  | 'Lookup'
  | 'Owner'
  | 'Customer'
  | 'Picklist'
  | 'State'
  | 'Status'
  | 'EntityName';

/** AttributeRequiredLevel. Only `SystemRequired` is enforced by the service (digest §2.1). */
export type RequiredLevel = 'None' | 'SystemRequired' | 'ApplicationRequired' | 'Recommended';

/** DateTimeBehavior: `DateOnly` maps to Edm.Date, the others to Edm.DateTimeOffset (digest §1.4). */
export type DateTimeBehavior = 'UserLocal' | 'DateOnly' | 'TimeZoneIndependent';

/** EntityMetadata.OwnershipType. */
export type OwnershipType = 'OrganizationOwned' | 'UserOwned' | 'BusinessOwned' | 'None';

/** One choice option. `State` is set on statuscode options, `DefaultStatus` on statecode options. */
export interface OptionMetadata {
  Value: number;
  Label: string;
  /** statuscode options: the statecode value this status belongs to. */
  State?: number;
  /** statecode options: the statuscode applied when only the state is set. */
  DefaultStatus?: number;
  /** statecode options: the state's invariant name (e.g. `Active`), used by IsValidStateTransition. */
  InvariantName?: string;
  /**
   * statuscode options: the statuses a row may move to from this one, as Dataverse stores them:
   * `<allowedtransitions xmlns="http://schemas.microsoft.com/crm/2009/WebServices">
   * <allowedtransition sourcestatusid="1" tostatusid="2" /></allowedtransitions>`.
   * Enforced only when the table sets EnforceStateTransitions.
   */
  TransitionData?: string;
  Description?: string;
}

/** OptionSetMetadata as written in a file. */
export interface OptionSetFile {
  Name?: string;
  IsGlobal?: boolean;
  Options: OptionMetadata[];
}

/** AttributeMetadata as written in a metadata file; everything but LogicalName/AttributeType is optional. */
export interface AttributeFile {
  LogicalName: string;
  SchemaName?: string;
  AttributeType: AttributeType;
  DisplayName?: string;
  Description?: string;
  RequiredLevel?: RequiredLevel;
  IsValidForCreate?: boolean;
  IsValidForUpdate?: boolean;
  IsValidForRead?: boolean;
  /** String / Memo: maximum length in characters. */
  MaxLength?: number;
  /** Integer / BigInt / Decimal / Double / Money: inclusive range. */
  MinValue?: number;
  MaxValue?: number;
  /** Decimal / Money / Double: digits after the decimal point. */
  Precision?: number;
  /** Lookup / Owner / Customer: logical names of the referenced tables. */
  Targets?: string[];
  /** Lookup: name of the single-valued navigation property; defaults to LogicalName. */
  ReferencingEntityNavigationPropertyName?: string;
  /**
   * Lookup: SchemaName of the many-to-one relationship, also the name of the collection-valued
   * navigation property on the referenced table. Defaults as Dataverse names them:
   * `lk_<table>_<column>` for created/modified by, `organization_<table>`, `user_<table>` /
   * `owner_<table>` for owners, else `<target>_<table>_<column>`.
   */
  RelationshipSchemaName?: string;
  DateTimeBehavior?: DateTimeBehavior;
  /** Display format (DateOnly / DateAndTime for DateTime, Text / Email / Url for String, None for numbers). */
  Format?: string;
  /** Picklist / State / Status. */
  OptionSet?: OptionSetFile;
  /** Set on computed companion columns (`createdbyname`): the lookup whose formatted value they are. */
  AttributeOf?: string;
}

/** EntityMetadata as written in a metadata file (one table per file). */
export interface EntityFile {
  LogicalName: string;
  SchemaName?: string;
  EntitySetName: string;
  LogicalCollectionName?: string;
  DisplayName?: string;
  DisplayCollectionName?: string;
  Description?: string;
  PrimaryIdAttribute: string;
  PrimaryNameAttribute?: string;
  OwnershipType?: OwnershipType;
  /** Whether the engine adds the standard state model (statecode/statuscode); default true. */
  HasStateModel?: boolean;
  /** Whether status changes must follow the statuscode options' TransitionData (default false). */
  EnforceStateTransitions?: boolean;
  /**
   * Whether rows can be marked for long-term retention (Dataverse EntityMetadata
   * IsRetentionEnabled; default false). The engine then adds the `msft_datastate` column.
   */
  IsRetentionEnabled?: boolean;
  Attributes: AttributeFile[];
  /** Alternate keys (EntityKeyMetadata): each a unique combination of columns. */
  Keys?: EntityKeyFile[];
  /**
   * Tessera extension (Dataverse keeps its indexes out of metadata): extra non-unique indexes, in
   * the shape of an alternate key. Primary keys, lookups and alternate keys are indexed anyway;
   * declare one for a column lists sort or filter on, weighing that every index on a column with
   * scattered values (a name, say) costs each insert a random page write.
   */
  Indexes?: EntityKeyFile[];
}

/** EntityKeyMetadata as written in a file: an alternate key (or an extra index) over one or more columns. */
export interface EntityKeyFile {
  LogicalName: string;
  KeyAttributes: string[];
  DisplayName?: string;
}

/**
 * A one-to-many relationship derived from a lookup (OneToManyRelationshipMetadata): rows of
 * `ReferencingEntity` point at one row of `ReferencedEntity` through `ReferencingAttribute`.
 */
export interface RelationshipModel {
  readonly SchemaName: string;
  readonly ReferencedEntity: EntityModel;
  readonly ReferencingEntity: EntityModel;
  readonly ReferencingAttribute: AttributeModel;
  /** Single-valued navigation property on the referencing table (the lookup's). */
  readonly ReferencingEntityNavigationPropertyName: string;
  /** Collection-valued navigation property on the referenced table (= SchemaName). */
  readonly ReferencedEntityNavigationPropertyName: string;
}

/** A navigation property of a table: single-valued (to one row) or collection-valued (to many). */
export interface NavigationPropertyModel {
  readonly Name: string;
  readonly kind: 'single' | 'collection';
  readonly relationship: RelationshipModel;
  /** The table the property leads to. */
  readonly target: EntityModel;
}

/**
 * An alternate key of the model: unique over its columns (rows with a null key column excepted);
 * also the shape of a declared non-unique index.
 */
export interface EntityKeyModel {
  readonly LogicalName: string;
  readonly DisplayName: string;
  readonly KeyAttributes: readonly AttributeModel[];
}

/** OData primitive types used in CSDL and for literal typing. */
export type EdmType =
  | 'Edm.String'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Decimal'
  | 'Edm.Double'
  | 'Edm.Boolean'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date'
  | 'Edm.Guid';

/** A fully defaulted attribute. Immutable. */
export interface AttributeModel {
  readonly LogicalName: string;
  readonly SchemaName: string;
  readonly AttributeType: AttributeType;
  readonly DisplayName: string;
  readonly Description: string;
  readonly RequiredLevel: RequiredLevel;
  readonly IsValidForCreate: boolean;
  readonly IsValidForUpdate: boolean;
  readonly IsValidForRead: boolean;
  readonly MaxLength?: number;
  readonly MinValue?: number;
  readonly MaxValue?: number;
  readonly Precision?: number;
  readonly Targets: readonly string[];
  readonly DateTimeBehavior?: DateTimeBehavior;
  readonly Format?: string;
  readonly OptionSet?: { readonly Name: string; readonly Options: readonly OptionMetadata[] };
  readonly AttributeOf?: string;
  readonly IsPrimaryId: boolean;
  readonly IsPrimaryName: boolean;
  /** True when the engine supplied the column (the file left it out). */
  readonly IsSystemSupplied: boolean;
  /** True when the column has a SQL column (computed `AttributeOf` columns do not). */
  readonly IsStored: boolean;
  /** OData property name: `_x_value` for lookups, LogicalName otherwise. */
  readonly PropertyName: string;
  /** Lookups: the single-valued navigation property name. */
  readonly NavigationPropertyName?: string;
  /** The Edm type of the property in `$metadata` and payloads. */
  readonly EdmType: EdmType;
}

/** A fully defaulted table. Immutable. */
export interface EntityModel {
  readonly LogicalName: string;
  readonly SchemaName: string;
  readonly EntitySetName: string;
  readonly DisplayName: string;
  readonly DisplayCollectionName: string;
  readonly Description: string;
  readonly PrimaryIdAttribute: string;
  readonly PrimaryNameAttribute?: string;
  readonly OwnershipType: OwnershipType;
  /** All attributes in file order, engine-supplied ones appended. */
  readonly Attributes: readonly AttributeModel[];
  /** Attribute by LogicalName. */
  readonly attributesByName: ReadonlyMap<string, AttributeModel>;
  /** Readable attribute by OData property name (`_x_value` for lookups). */
  readonly attributesByProperty: ReadonlyMap<string, AttributeModel>;
  /** Lookup attribute by navigation property name. */
  readonly lookupsByNavigation: ReadonlyMap<string, AttributeModel>;
  /** Alternate keys (unique indexes), in file order. */
  readonly Keys: readonly EntityKeyModel[];
  /** Declared non-unique indexes (`Indexes` in the file), in file order. */
  readonly Indexes: readonly EntityKeyModel[];
  /** Navigation properties by name: the lookups' single-valued ones and the collection-valued ones of relationships pointing here. */
  readonly navigation: ReadonlyMap<string, NavigationPropertyModel>;
  readonly EnforceStateTransitions: boolean;
  /**
   * Long-term retention (Dataverse "Long-term data retention"): rows with `msft_datastate` = 1 are
   * retained — left out of every ordinary read, refused to updates, read with FetchXML
   * `datasource="retained"`, and deleted by PurgeRetainedContent. When true the table has the
   * `msft_datastate` column (see system-columns.ts).
   */
  readonly IsRetentionEnabled: boolean;
  /**
   * With EnforceStateTransitions: source statuscode → the statuscodes it may move to, for the
   * status options that carry TransitionData (a status without it may move anywhere).
   */
  readonly Transitions: ReadonlyMap<number, readonly number[]>;
  /** The file the table came from (for error messages). */
  readonly source: string;
}

/** The whole model: every table, by LogicalName and by EntitySetName. Built once, never mutated. */
export interface Model {
  readonly entities: readonly EntityModel[];
  readonly byLogicalName: ReadonlyMap<string, EntityModel>;
  readonly byEntitySetName: ReadonlyMap<string, EntityModel>;
}
