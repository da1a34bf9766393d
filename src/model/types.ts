import type { CASCADE_ACTIONS, CASCADE_TYPES } from './schema.js';

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
  | 'EntityName'
  | 'File'
  | 'Image';

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
  /**
   * AttributeMetadata.IsSecured: column-level security (Dataverse "Column-level security"): only
   * callers whose field security profiles allow it read, create or update the column
   * (model/field-security.ts says which columns may be secured).
   */
  IsSecured?: boolean;
  /** String / Memo: maximum length in characters. */
  MaxLength?: number;
  /** Integer / BigInt / Decimal / Double / Money: inclusive range. */
  MinValue?: number;
  MaxValue?: number;
  /** Decimal / Money / Double: digits after the decimal point. */
  Precision?: number;
  /**
   * File: the largest file the column takes, in KB (Dataverse's FileAttributeMetadata.MaxSizeInKB;
   * default 32,768, at most 10,485,760). A File column's value is the id of its file (read-only; the
   * bytes go through `/<set>(<id>)/<column>`), beside a read-only String `<column>_name`.
   */
  MaxSizeInKB?: number;
  /**
   * Image (Dataverse's ImageAttributeMetadata.CanStoreFullImage): whether the column keeps the
   * full-size image beside its 144×144 thumbnail (default false: the thumbnail only).
   */
  CanStoreFullImage?: boolean;
  /**
   * Image (ImageAttributeMetadata.IsPrimaryImage): whether the column is its table's primary image,
   * the one image column a create may set (see EntityFile.PrimaryImageAttribute).
   */
  IsPrimaryImage?: boolean;
  /**
   * Boolean: the value a created row takes when its body leaves the column out (Dataverse's
   * BooleanAttributeMetadata.DefaultValue); false when the file leaves it out.
   */
  DefaultValue?: boolean;
  /**
   * Picklist: the option a created row takes when its body leaves the column out (Dataverse's
   * PicklistAttributeMetadata.DefaultFormValue; the team table's teamtype: Owner). None when left out.
   */
  DefaultFormValue?: number;
  /**
   * Lookup / Owner / Customer: logical names of the referenced tables. With more than one target
   * the lookup is polymorphic (digest §1.5): one single-valued navigation property per target,
   * named `<column>_<target>`, and a stored type column (EntityName, `AttributeOf` the lookup,
   * `<column>type` unless the file declares one) holding the target's logical name.
   */
  Targets?: string[];
  /** Lookup with one target: name of the single-valued navigation property; defaults to LogicalName. */
  ReferencingEntityNavigationPropertyName?: string;
  /**
   * Lookup with one target: SchemaName of the many-to-one relationship, also the name of the
   * collection-valued navigation property on the referenced table. Defaults as Dataverse names
   * them: `lk_<table>_<column>` for created/modified by, `organization_<table>`, `user_<table>` /
   * `owner_<table>` for owners, else `<target>_<table>_<column>` (also the name of each
   * relationship of a polymorphic lookup).
   */
  RelationshipSchemaName?: string;
  /**
   * Lookup to its own table: its relationship is the table's hierarchical one
   * (OneToManyRelationshipMetadata.IsHierarchical; Dataverse "Query hierarchical data"), which the
   * hierarchy query functions and FetchXML operators (Under, Above, …) walk. At most one per table;
   * default false (model/hierarchy.ts checks both).
   */
  IsHierarchical?: boolean;
  /**
   * Lookup: the relationship's CascadeConfiguration, as Dataverse writes it. Delete is what
   * deleting a referenced row does to the rows that point at it; defaults: RemoveLink, Dataverse's
   * default for a custom relationship; Restrict for the system lookups (created/modified (on
   * behalf) by, owner, organization), whose rows Dataverse never deletes while they are in use.
   * The other actions (Assign, Share, Merge …, any CascadeType, default NoCascade) are reported in
   * RelationshipDefinitions but do nothing: Tessera has none of those messages.
   */
  CascadeConfiguration?: CascadeConfigurationFile;
  DateTimeBehavior?: DateTimeBehavior;
  /** Display format (DateOnly / DateAndTime for DateTime, Text / Email / Url for String, None for numbers). */
  Format?: string;
  /** Picklist / State / Status. */
  OptionSet?: OptionSetFile;
  /**
   * Set on companion columns of a lookup: a String (`createdbyname`) is its computed formatted
   * value, not stored; an EntityName (`parentcustomeridtype`) is the stored type column of a
   * polymorphic lookup. Neither is an OData property.
   */
  AttributeOf?: string;
}

/** EntityMetadata as written in a metadata file (one table per file). */
export interface EntityFile {
  LogicalName: string;
  SchemaName?: string;
  EntitySetName: string;
  /** EntityMetadata LogicalCollectionName (Dataverse's plural logical name); defaults to EntitySetName. */
  LogicalCollectionName?: string;
  /**
   * EntityMetadata CollectionSchemaName (the plural SchemaName, e.g. `SavedQueries`); defaults to
   * SchemaName's casing carried over LogicalCollectionName (see collectionSchemaName in loader.ts).
   */
  CollectionSchemaName?: string;
  DisplayName?: string;
  DisplayCollectionName?: string;
  Description?: string;
  PrimaryIdAttribute: string;
  PrimaryNameAttribute?: string;
  /**
   * EntityMetadata.PrimaryImageAttribute: the Image column that is the table's primary image.
   * Defaults to the Image column declaring IsPrimaryImage, else the table's first Image column
   * (Dataverse makes the first image column of a table its primary image).
   */
  PrimaryImageAttribute?: string;
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
  /**
   * Whether clients may track the table's changes with `Prefer: odata.track-changes` and delta
   * links (Dataverse EntityMetadata ChangeTrackingEnabled; default false). The table then gets an
   * index on versionnumber, and its deleted rows are remembered (tessera_deletedrow).
   */
  ChangeTrackingEnabled?: boolean;
  /**
   * EntityMetadata ObjectTypeCode: the table's number, unique in the model. Defaults: Dataverse's
   * for systemuser (8) and organization (1019); for any other table a number from 10,000 up
   * derived from its LogicalName (the same on every start; declare one if two tables meet).
   */
  ObjectTypeCode?: number;
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
  /**
   * Many-to-many relationships this table takes part in (EntityMetadata.ManyToManyRelationships).
   * Each is declared once, in the file of its Entity1 or Entity2 table.
   */
  ManyToManyRelationships?: ManyToManyRelationshipFile[];
}

/**
 * ManyToManyRelationshipMetadata as written in a metadata file: rows of Entity1 and Entity2 are
 * linked by rows of an intersect table holding both ids. The migration creates the intersect
 * table; both tables get a collection-valued navigation property for it.
 */
export interface ManyToManyRelationshipFile {
  SchemaName: string;
  /** The intersect table's logical name; defaults to SchemaName in lower case. */
  IntersectEntityName?: string;
  Entity1LogicalName: string;
  Entity2LogicalName: string;
  /** The intersect column holding Entity1's id; defaults to Entity1's PrimaryIdAttribute. */
  Entity1IntersectAttribute?: string;
  /** The intersect column holding Entity2's id; defaults to Entity2's PrimaryIdAttribute. */
  Entity2IntersectAttribute?: string;
  /** The collection-valued navigation property on Entity1 (to Entity2 rows); defaults to SchemaName. */
  Entity1NavigationPropertyName?: string;
  /** The collection-valued navigation property on Entity2 (to Entity1 rows); defaults to SchemaName. */
  Entity2NavigationPropertyName?: string;
}

/** EntityKeyMetadata as written in a file: an alternate key (or an extra index) over one or more columns. */
export interface EntityKeyFile {
  LogicalName: string;
  KeyAttributes: string[];
  DisplayName?: string;
}

/**
 * What deleting a referenced row does to the rows whose lookup names it: Dataverse's CascadeType
 * values valid for CascadeConfiguration.Delete (Dataverse docs, "CascadeConfiguration.Delete",
 * "CascadeType"): 'RemoveLink' clears their lookup, 'Restrict' refuses the delete while any exist
 * (405 `0x80040227`, digest §2.4), 'Cascade' deletes them as well.
 */
export type CascadeDelete = 'Cascade' | 'RemoveLink' | 'Restrict';

/** Dataverse's CascadeType values (CascadeConfiguration of a one-to-many relationship). */
export type CascadeType = (typeof CASCADE_TYPES)[number];

/** A lookup's CascadeConfiguration in a metadata file: Delete, and any of the other actions. */
export type CascadeConfigurationFile = { Delete?: CascadeDelete } & { [K in (typeof CASCADE_ACTIONS)[number]]?: CascadeType };

/**
 * A one-to-many relationship derived from a lookup (OneToManyRelationshipMetadata): rows of
 * `ReferencingEntity` point at one row of `ReferencedEntity` through `ReferencingAttribute`.
 * A polymorphic lookup has one such relationship per target, sharing the column; the column's
 * `TypeAttribute` tells which target a row points at.
 */
export interface RelationshipModel {
  readonly RelationshipType: 'OneToManyRelationship';
  readonly SchemaName: string;
  readonly ReferencedEntity: EntityModel;
  readonly ReferencingEntity: EntityModel;
  readonly ReferencingAttribute: AttributeModel;
  /**
   * The column of ReferencedEntity that ReferencingAttribute's values name
   * (OneToManyRelationshipMetadata.ReferencedAttribute); absent: its primary key, as for every
   * relationship of the model. Only the steps of FetchXML joins on columns outside relationships
   * (model/column-links.ts) name another column; read it with sourceKey (model/primary-key.ts).
   */
  readonly ReferencedAttribute?: AttributeModel;
  /** Single-valued navigation property on the referencing table (the lookup's). */
  readonly ReferencingEntityNavigationPropertyName: string;
  /** Collection-valued navigation property on the referenced table (= SchemaName). */
  readonly ReferencedEntityNavigationPropertyName: string;
  /**
   * The relationship's CascadeConfiguration (see AttributeFile.CascadeConfiguration): Delete is
   * what deleting a ReferencedEntity row does to its referencing rows; the other actions are
   * descriptive only.
   */
  readonly CascadeConfiguration: { readonly Delete: CascadeDelete } & { readonly [K in (typeof CASCADE_ACTIONS)[number]]: CascadeType };
  /** Whether this is its table's hierarchical relationship (AttributeFile.IsHierarchical): self-referential, one per table. */
  readonly IsHierarchical: boolean;
}

/**
 * A many-to-many relationship (ManyToManyRelationshipMetadata): a row of `IntersectEntity` links
 * one Entity1 row (id in Entity1IntersectAttribute) to one Entity2 row (Entity2IntersectAttribute).
 */
export interface ManyToManyRelationshipModel {
  readonly RelationshipType: 'ManyToManyRelationship';
  readonly SchemaName: string;
  readonly IntersectEntity: EntityModel;
  readonly Entity1: EntityModel;
  readonly Entity2: EntityModel;
  readonly Entity1IntersectAttribute: AttributeModel;
  readonly Entity2IntersectAttribute: AttributeModel;
  readonly Entity1NavigationPropertyName: string;
  readonly Entity2NavigationPropertyName: string;
}

/**
 * A navigation property of a one-to-many relationship: the lookup's single-valued property on the
 * referencing table, or the collection-valued one on the referenced table.
 */
export interface OneToManyNavigationModel {
  readonly Name: string;
  readonly kind: 'single' | 'collection';
  readonly relationship: RelationshipModel;
  /** The table that declares the property. */
  readonly source: EntityModel;
  /** The table the property leads to. */
  readonly target: EntityModel;
  /** The navigation property of the other side (CSDL Partner). */
  readonly Partner: string;
  readonly intersect?: undefined;
  /**
   * On an owner's single-valued property (`ownerid`, typed `principal`): the property of each
   * table it may lead to (users, teams), this one included, by table. One name serves all of
   * them: `ownerid@odata.bind` takes `/systemusers(<id>)` or `/teams(<id>)` (Dataverse "Assign
   * and share records").
   */
  readonly principals?: ReadonlyMap<EntityModel, OneToManyNavigationModel>;
}

/** A collection-valued navigation property of a many-to-many relationship, through its intersect table. */
export interface ManyToManyNavigationModel {
  readonly Name: string;
  readonly kind: 'collection';
  readonly relationship: ManyToManyRelationshipModel;
  readonly source: EntityModel;
  readonly target: EntityModel;
  readonly Partner: string;
  /** The intersect table and its columns holding the source row's id (`own`) and the target row's (`other`). */
  readonly intersect: { readonly entity: EntityModel; readonly own: AttributeModel; readonly other: AttributeModel };
}

/** A navigation property of a table: single-valued (to one row) or collection-valued (to many). */
export type NavigationPropertyModel = OneToManyNavigationModel | ManyToManyNavigationModel;

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
  | 'Edm.Guid'
  | 'Edm.Binary';

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
  /** AttributeMetadata.IsSecured (AttributeFile.IsSecured); absent: false. */
  readonly IsSecured?: boolean;
  readonly MaxLength?: number;
  readonly MinValue?: number;
  readonly MaxValue?: number;
  readonly Precision?: number;
  /** File, Image: the largest file the column takes, in KB (see AttributeFile.MaxSizeInKB). */
  readonly MaxSizeInKB?: number;
  /** Image: whether the full-size image is kept beside the thumbnail (AttributeFile.CanStoreFullImage). */
  readonly CanStoreFullImage?: boolean;
  /** Image: whether this is the table's primary image (EntityModel.PrimaryImageAttribute). */
  readonly IsPrimaryImage?: boolean;
  /** Boolean: the value a created row takes when its body leaves the column out (false by default). */
  readonly DefaultValue?: boolean;
  /** Picklist: the option a created row takes when its body leaves the column out (none by default). */
  readonly DefaultFormValue?: number;
  readonly Targets: readonly string[];
  readonly DateTimeBehavior?: DateTimeBehavior;
  readonly Format?: string;
  /**
   * The column's choices. `IsGlobal`: a global option set (GlobalOptionSetDefinitions), shared by
   * `Name` with every column that declares it, with the same options everywhere (checked on load).
   */
  readonly OptionSet?: { readonly Name: string; readonly IsGlobal: boolean; readonly Options: readonly OptionMetadata[] };
  readonly AttributeOf?: string;
  readonly IsPrimaryId: boolean;
  readonly IsPrimaryName: boolean;
  /** True when the engine supplied the column (the file left it out). */
  readonly IsSystemSupplied: boolean;
  /** True when the column has a SQL column (computed `AttributeOf` columns do not). */
  readonly IsStored: boolean;
  /** OData property name: `_x_value` for lookups, LogicalName otherwise. */
  readonly PropertyName: string;
  /** Lookups with one target: the single-valued navigation property name (polymorphic ones have one per target). */
  readonly NavigationPropertyName?: string;
  /** Polymorphic lookups: the stored EntityName column holding the target table's logical name. */
  readonly TypeAttribute?: AttributeModel;
  /** The Edm type of the property in `$metadata` and payloads. */
  readonly EdmType: EdmType;
  /**
   * The column's position in its table's `EntityModel.Attributes` (0-based): the ordinal, as
   * Dataverse's AttributeMetadata.ColumnNumber, by which per-row structures index it.
   */
  readonly ColumnNumber: number;
}

/** A fully defaulted table. Immutable. */
export interface EntityModel {
  readonly LogicalName: string;
  readonly SchemaName: string;
  readonly EntitySetName: string;
  /** EntityMetadata LogicalCollectionName (see EntityFile.LogicalCollectionName). */
  readonly LogicalCollectionName: string;
  /** EntityMetadata CollectionSchemaName (see EntityFile.CollectionSchemaName). */
  readonly CollectionSchemaName: string;
  readonly DisplayName: string;
  readonly DisplayCollectionName: string;
  readonly Description: string;
  readonly PrimaryIdAttribute: string;
  readonly PrimaryNameAttribute?: string;
  /** The primary Image column's logical name (EntityFile.PrimaryImageAttribute), if the table has Image columns. */
  readonly PrimaryImageAttribute?: string;
  /** The table's Image columns, in file order (empty for most tables: write paths test its length once per request). */
  readonly ImageAttributes: readonly AttributeModel[];
  readonly OwnershipType: OwnershipType;
  /** All attributes in file order, engine-supplied ones appended. */
  readonly Attributes: readonly AttributeModel[];
  /** Attribute by LogicalName. */
  readonly attributesByName: ReadonlyMap<string, AttributeModel>;
  /** Readable attribute by OData property name (`_x_value` for lookups). */
  readonly attributesByProperty: ReadonlyMap<string, AttributeModel>;
  /** Lookup attribute by single-valued navigation property name (each `<column>_<target>` of a polymorphic one). */
  readonly lookupsByNavigation: ReadonlyMap<string, AttributeModel>;
  /** Alternate keys (unique indexes), in file order. */
  readonly Keys: readonly EntityKeyModel[];
  /** Declared non-unique indexes (`Indexes` in the file), in file order. */
  readonly Indexes: readonly EntityKeyModel[];
  /**
   * Navigation properties by name: the lookups' single-valued ones, the collection-valued ones of
   * relationships pointing here and those of many-to-many relationships.
   */
  readonly navigation: ReadonlyMap<string, NavigationPropertyModel>;
  /** True for the intersect table of a many-to-many relationship: read-only, written through `$ref`. */
  readonly IsIntersect: boolean;
  readonly EnforceStateTransitions: boolean;
  /**
   * Long-term retention (Dataverse "Long-term data retention"): rows with `msft_datastate` = 1 are
   * retained — left out of every ordinary read, refused to updates, read with FetchXML
   * `datasource="retained"`, and deleted by PurgeRetainedContent. When true the table has the
   * `msft_datastate` column (see system-columns.ts).
   */
  readonly IsRetentionEnabled: boolean;
  /** Change tracking (see EntityFile.ChangeTrackingEnabled; digest §10). */
  readonly ChangeTrackingEnabled: boolean;
  /** EntityMetadata ObjectTypeCode (see EntityFile.ObjectTypeCode). */
  readonly ObjectTypeCode: number;
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
