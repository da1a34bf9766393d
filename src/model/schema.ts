import { createHash } from 'node:crypto';

/**
 * JSON Schema (draft 2020-12 subset understood by ajv) of a Tessera metadata file: one Dataverse
 * EntityMetadata object per file, in Dataverse's own property names (DESIGN.md §2).
 * Checked by `loader.ts` with ajv; cross-file rules (lookup targets exist, option consistency)
 * are checked by the loader after the schema passes.
 */
export const ATTRIBUTE_TYPES = [
  'String', 'Memo', 'Integer', 'BigInt', 'Decimal', 'Double', 'Money', 'Boolean', 'DateTime',
  'Uniqueidentifier', 'Lookup', 'Owner', 'Customer', 'Picklist', 'State', 'Status', 'EntityName',
  'File', 'Image',
] as const;

/** Dataverse's CascadeType values (CascadeConfiguration of a one-to-many relationship). */
export const CASCADE_TYPES = ['NoCascade', 'Cascade', 'Active', 'UserOwned', 'RemoveLink', 'Restrict'] as const;
/** The actions of a CascadeConfiguration besides Delete (only Delete does anything in Tessera). */
export const CASCADE_ACTIONS = ['Assign', 'Share', 'Unshare', 'Reparent', 'Merge', 'RollupView', 'Archive'] as const;

const logicalName = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,99}$' };

/** The largest ImageAttributeMetadata.MaxSizeInKB: 30 MB (Dataverse "Use image column data", "Maximum image size"). */
export const IMAGE_MAX_SIZE_IN_KB = 30720;

/**
 * The longest table or column name: names are SQL identifiers, and PostgreSQL cuts longer ones to
 * 63 characters (two long columns would become one; a cut name is not found again at the next
 * start). The same limit holds on every database, so a file loads on all or none.
 */
export const IDENTIFIER_MAX = 63;

/**
 * A logical name that becomes an SQL identifier (a table, a column): at most IDENTIFIER_MAX
 * characters. The loader reports its `maxLength` errors in its own words (see loader.ts).
 */
export const identifierName = { type: 'string', pattern: '^[a-z][a-z0-9_]*$', maxLength: IDENTIFIER_MAX };

/** Why `name` is too long for a table or column name (IDENTIFIER_MAX); `name` is quoted in it. */
export function identifierTooLong(name: string): string {
  return `'${name}' has ${name.length} characters; table and column names are SQL identifiers, at most ${IDENTIFIER_MAX} characters (PostgreSQL's limit, which would cut it short), on every database`;
}

/**
 * `name` when it has at most `max` characters, else its first `max - 9` characters, `_` and 8 hex
 * digits of its SHA-1: the same short name on every run, and two long names that share a start
 * stay apart. Used where a name is made from another source's (index names, imported tables and
 * columns), never to rename what a metadata file declares.
 */
export function shortIdentifier(name: string, max: number = IDENTIFIER_MAX): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9)}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}
const navigationName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' };

/** A property only some AttributeTypes have: which, and whether they must have it. */
export interface TypeProperty {
  readonly property: 'Targets' | 'IsHierarchical' | 'OptionSet' | 'MaxLength' | 'DefaultValue' | 'MaxSizeInKB' | 'DefaultFormValue' | 'CanStoreFullImage' | 'IsPrimaryImage';
  readonly types: readonly (typeof ATTRIBUTE_TYPES)[number][];
  readonly required: boolean;
}

/** The properties of an attribute that belong to some AttributeTypes only (checked as if/then/else). */
const TYPE_PROPERTIES: readonly TypeProperty[] = [
  { property: 'Targets', types: ['Lookup', 'Owner', 'Customer'], required: true },
  { property: 'IsHierarchical', types: ['Lookup'], required: false },
  { property: 'OptionSet', types: ['Picklist', 'State', 'Status'], required: true },
  { property: 'MaxLength', types: ['String', 'Memo'], required: false },
  { property: 'DefaultValue', types: ['Boolean'], required: false },
  { property: 'MaxSizeInKB', types: ['File', 'Image'], required: false },
  { property: 'CanStoreFullImage', types: ['Image'], required: false },
  { property: 'IsPrimaryImage', types: ['Image'], required: false },
  { property: 'DefaultFormValue', types: ['Picklist'], required: false },
];

const option = {
  type: 'object',
  required: ['Value', 'Label'],
  additionalProperties: false,
  properties: {
    Value: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
    Label: { type: 'string', minLength: 1 },
    State: { type: 'integer' },
    DefaultStatus: { type: 'integer' },
    InvariantName: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
    TransitionData: { type: 'string' },
    Description: { type: 'string' },
  },
};

const attribute = {
  type: 'object',
  required: ['LogicalName', 'AttributeType'],
  additionalProperties: false,
  properties: {
    LogicalName: identifierName,
    SchemaName: { type: 'string', minLength: 1 },
    AttributeType: { enum: ATTRIBUTE_TYPES },
    DisplayName: { type: 'string' },
    Description: { type: 'string' },
    RequiredLevel: { enum: ['None', 'SystemRequired', 'ApplicationRequired', 'Recommended'] },
    IsValidForCreate: { type: 'boolean' },
    IsValidForUpdate: { type: 'boolean' },
    IsValidForRead: { type: 'boolean' },
    IsSecured: { type: 'boolean' },
    MaxLength: { type: 'integer', minimum: 1, maximum: 1048576 },
    MinValue: { type: 'number' },
    MaxValue: { type: 'number' },
    Precision: { type: 'integer', minimum: 0, maximum: 10 },
    DefaultValue: { type: 'boolean' },
    // FileAttributeMetadata.MaxSizeInKB: up to 10 GB (Dataverse's limit); an Image column's up to 30 MB (IMAGE_MAX_SIZE_IN_KB, checked by the loader).
    MaxSizeInKB: { type: 'integer', minimum: 1, maximum: 10485760 },
    // ImageAttributeMetadata.CanStoreFullImage and IsPrimaryImage.
    CanStoreFullImage: { type: 'boolean' },
    IsPrimaryImage: { type: 'boolean' },
    DefaultFormValue: { type: 'integer' },
    Targets: { type: 'array', minItems: 1, items: logicalName, uniqueItems: true },
    ReferencingEntityNavigationPropertyName: navigationName,
    RelationshipSchemaName: navigationName,
    // OneToManyRelationshipMetadata.IsHierarchical of the lookup's relationship (model/hierarchy.ts).
    IsHierarchical: { type: 'boolean' },
    CascadeConfiguration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        Delete: { enum: ['Cascade', 'RemoveLink', 'Restrict'] },
        ...Object.fromEntries(CASCADE_ACTIONS.map((action) => [action, { enum: CASCADE_TYPES }])),
      },
    },
    DateTimeBehavior: { enum: ['UserLocal', 'DateOnly', 'TimeZoneIndependent'] },
    Format: { type: 'string' },
    OptionSet: {
      type: 'object',
      required: ['Options'],
      additionalProperties: false,
      properties: {
        Name: { type: 'string' },
        IsGlobal: { type: 'boolean' },
        Options: { type: 'array', minItems: 1, items: option },
      },
    },
    AttributeOf: logicalName,
  },
  allOf: TYPE_PROPERTIES.map(({ property, types, required }) => ({
    if: { properties: { AttributeType: { enum: types } } },
    ...(required ? { then: { required: [property] } } : {}),
    else: { not: { required: [property] } },
  })),
};

/**
 * The `then` (a type that needs the property lacks it) and `else` (another type has it) schema
 * objects of TYPE_PROPERTIES' rules, to the rule: the loader words their ajv errors by it.
 */
export const TYPE_PROPERTY_RULES: ReadonlyMap<object, TypeProperty> = new Map(attribute.allOf.flatMap((rule, i): Array<[object, TypeProperty]> => [
  ...(rule.then ? [[rule.then, TYPE_PROPERTIES[i]!] as [object, TypeProperty]] : []),
  [rule.else, TYPE_PROPERTIES[i]!],
]));

/** ManyToManyRelationshipMetadata (Dataverse's property names; the loader fills the defaults). */
const manyToMany = {
  type: 'object',
  required: ['SchemaName', 'Entity1LogicalName', 'Entity2LogicalName'],
  additionalProperties: false,
  properties: {
    SchemaName: navigationName,
    IntersectEntityName: identifierName,
    Entity1LogicalName: logicalName,
    Entity2LogicalName: logicalName,
    Entity1IntersectAttribute: identifierName,
    Entity2IntersectAttribute: identifierName,
    Entity1NavigationPropertyName: navigationName,
    Entity2NavigationPropertyName: navigationName,
  },
};

/** The schema object handed to ajv. */
/** An alternate key (EntityKeyMetadata) or a declared index: a named list of columns. */
const columnSets = {
  type: 'array',
  items: {
    type: 'object',
    required: ['LogicalName', 'KeyAttributes'],
    additionalProperties: false,
    properties: {
      LogicalName: logicalName,
      DisplayName: { type: 'string' },
      KeyAttributes: { type: 'array', minItems: 1, maxItems: 16, uniqueItems: true, items: logicalName },
    },
  },
} as const;

/**
 * The schema of one metadata file (an EntityMetadata object: LogicalName, EntitySetName, Attributes,
 * relationships, Keys, Indexes…), which the loader compiles with ajv; a file that fails it is
 * reported with the JSON pointer of each problem (ModelError).
 */
export const entityFileSchema = {
  $id: 'https://tessera.dev/schemas/entity-metadata.json',
  type: 'object',
  required: ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute', 'Attributes'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    LogicalName: identifierName,
    SchemaName: { type: 'string', minLength: 1 },
    EntitySetName: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
    LogicalCollectionName: { type: 'string', minLength: 1 },
    CollectionSchemaName: { type: 'string', minLength: 1 },
    DisplayName: { type: 'string' },
    DisplayCollectionName: { type: 'string' },
    Description: { type: 'string' },
    PrimaryIdAttribute: identifierName,
    PrimaryNameAttribute: logicalName,
    PrimaryImageAttribute: logicalName,
    OwnershipType: { enum: ['OrganizationOwned', 'UserOwned', 'BusinessOwned', 'None'] },
    HasStateModel: { type: 'boolean' },
    EnforceStateTransitions: { type: 'boolean' },
    IsRetentionEnabled: { type: 'boolean' },
    ChangeTrackingEnabled: { type: 'boolean' },
    ObjectTypeCode: { type: 'integer', minimum: 1, maximum: 2147483647 },
    Attributes: { type: 'array', items: attribute },
    Keys: columnSets,
    Indexes: columnSets,
    ManyToManyRelationships: { type: 'array', items: manyToMany },
  },
} as const;
