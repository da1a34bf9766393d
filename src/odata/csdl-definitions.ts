import {
  ATTRIBUTE_METADATA, ATTRIBUTE_METADATA_TYPES, attributeMetadata, COLLECTION_ITEMS, derivedProperties, ENTITY_KEY_METADATA, ENTITY_METADATA, ENUM_FLAGS, ENUMS,
  enumTypeMembers, MANY_TO_MANY_METADATA, ONE_TO_MANY_METADATA, OPTION_DERIVED, OPTION_SET_METADATA, OPTION_SET_TYPES, OTHER_COMPLEX_TYPES, RELATIONSHIP_METADATA,
  type PropertyType,
} from '../model/definitions.js';

/**
 * The metadata entity types as CSDL (Web API Metadata Entity Type Reference; digest §8), for
 * `$metadata`: EntityMetadata, AttributeMetadata and its derived types, OptionSetMetadataBase and
 * its two kinds, EntityKeyMetadata, RelationshipMetadataBase and its two kinds, the complex and
 * enum types their properties use, and the entity sets `EntityDefinitions`,
 * `RelationshipDefinitions` and `GlobalOptionSetDefinitions`. Declared from the same property
 * tables the queries are checked against (model/definitions.ts), so `$metadata` names exactly
 * what `$select` and `$filter` accept and what the answers hold. Each type is simplified to
 * derive from its base directly (Dataverse has intermediate types such as EnumAttributeMetadata).
 */

const ALIAS = 'mscrm';

/**
 * The Edm type of `Number` properties (MinValue, MaxValue) of each derived AttributeMetadata type,
 * as `$metadata` declares them and the answers write them (odata/definitions.ts).
 */
export const NUMBER_TYPES: Readonly<Record<string, string>> = {
  IntegerAttributeMetadata: 'Edm.Int32', BigIntAttributeMetadata: 'Edm.Int64', DecimalAttributeMetadata: 'Edm.Decimal',
  DoubleAttributeMetadata: 'Edm.Double', MoneyAttributeMetadata: 'Edm.Double',
};

const PRIMITIVES: Readonly<Record<string, string>> = {
  String: 'Edm.String', Guid: 'Edm.Guid', Int32: 'Edm.Int32', Number: 'Edm.Double', Boolean: 'Edm.Boolean', DateTimeOffset: 'Edm.DateTimeOffset',
};

/** The CSDL type of property `name` of type `t` on `owner`. */
function typeOf(name: string, t: PropertyType, owner: string): string {
  if (typeof t === 'object') return `${ALIAS}.${'enum' in t ? t.enum : t.name}`;
  if (t === 'Collection') {
    const item = COLLECTION_ITEMS[name] ?? 'Edm.String';
    return `Collection(${item.startsWith('Edm.') ? item : `${ALIAS}.${item}`})`;
  }
  if (t === 'Number') return NUMBER_TYPES[owner] ?? 'Edm.Double';
  return PRIMITIVES[t]!;
}

/** `<Property>` elements for `properties` of type `owner`; `key` (MetadataId of a keyed type) is not nullable. */
function properties(properties: Readonly<Record<string, PropertyType>>, owner: string, key?: string): object[] {
  return Object.entries(properties).map(([name, t]) => ({ $: { Name: name, Type: typeOf(name, t, owner), ...(name === key ? { Nullable: 'false' } : {}) } }));
}

/** The properties of `all` that are not in `base` (a derived type's own). */
function own(all: Readonly<Record<string, PropertyType>>, base: Readonly<Record<string, PropertyType>>): Record<string, PropertyType> {
  return Object.fromEntries(Object.entries(all).filter(([name]) => !Object.hasOwn(base, name)));
}

/** An EntityType: keyed by MetadataId unless it derives from `base`. */
function entityType(name: string, props: Readonly<Record<string, PropertyType>>, options: { base?: string; abstract?: boolean; navigation?: Array<[string, string]> } = {}): object {
  return {
    $: { Name: name, ...(options.base ? { BaseType: `${ALIAS}.${options.base}` } : {}), ...(options.abstract ? { Abstract: 'true' } : {}) },
    ...(options.base ? {} : { Key: { PropertyRef: { $: { Name: 'MetadataId' } } } }),
    Property: properties(props, name, options.base ? undefined : 'MetadataId'),
    ...(options.navigation?.length ? { NavigationProperty: options.navigation.map(([n, type]) => ({ $: { Name: n, Type: type, ...(type.startsWith('Collection(') ? {} : { Nullable: 'true' }) } })) } : {}),
  };
}

/** Every named complex type reachable from `types`' properties, each once, inner ones first. */
function complexTypesOf(tables: ReadonlyArray<Readonly<Record<string, PropertyType>>>): Map<string, Readonly<Record<string, PropertyType>>> {
  const found = new Map<string, Readonly<Record<string, PropertyType>>>();
  const visit = (t: PropertyType) => {
    if (typeof t !== 'object' || !('complex' in t) || found.has(t.name)) return;
    for (const inner of Object.values(t.complex)) visit(inner);
    found.set(t.name, t.complex);
  };
  for (const table of tables) for (const t of Object.values(table)) visit(t);
  return found;
}

/** The metadata types' schema elements, to add to `$metadata`'s Schema (see renderCsdl). */
export function definitionTypes(): { EntityType: object[]; ComplexType: object[]; EnumType: object[]; EntitySet: object[] } {
  const derivedAttributes = [...ATTRIBUTE_METADATA_TYPES].filter((t) => t !== 'AttributeMetadata');
  const optionSetBase = own(OPTION_SET_METADATA, { Options: 'Collection', ParentOptionSetName: 'String', TrueOption: 'String', FalseOption: 'String' });
  const relationships = [RELATIONSHIP_METADATA, ONE_TO_MANY_METADATA, MANY_TO_MANY_METADATA];
  const tables = [ENTITY_METADATA, ATTRIBUTE_METADATA, ...derivedAttributes.map((t) => attributeMetadata(t)), OPTION_SET_METADATA, ENTITY_KEY_METADATA, ...relationships,
    Object.fromEntries(OTHER_COMPLEX_TYPES.map((t, i) => [`_${i}`, t]))];
  const complex = complexTypesOf(tables);
  const collection = (type: string) => `Collection(${ALIAS}.${type})`;
  return {
    EntityType: [
      entityType('EntityMetadata', ENTITY_METADATA, {
        navigation: [['Attributes', collection('AttributeMetadata')], ['Keys', collection('EntityKeyMetadata')],
          ['OneToManyRelationships', collection('OneToManyRelationshipMetadata')], ['ManyToOneRelationships', collection('OneToManyRelationshipMetadata')],
          ['ManyToManyRelationships', collection('ManyToManyRelationshipMetadata')]],
      }),
      entityType('AttributeMetadata', ATTRIBUTE_METADATA),
      ...derivedAttributes.map((t) => entityType(t, Object.fromEntries(derivedProperties(t).map((n) => [n, attributeMetadata(t)[n]!])), {
        base: 'AttributeMetadata',
        // As Dataverse's SDK types them: the option set's own kind, so its Options (TrueOption …) are declared.
        navigation: OPTION_SET_TYPES.has(t) ? (['OptionSet', 'GlobalOptionSet'] as const).map((n) => [n, `${ALIAS}.${t === 'BooleanAttributeMetadata' ? 'Boolean' : ''}OptionSetMetadata`] as [string, string]) : [],
      })),
      entityType('OptionSetMetadataBase', optionSetBase, { abstract: true }),
      entityType('OptionSetMetadata', { Options: OPTION_SET_METADATA['Options']!, ParentOptionSetName: OPTION_SET_METADATA['ParentOptionSetName']! }, { base: 'OptionSetMetadataBase' }),
      entityType('BooleanOptionSetMetadata', { TrueOption: OPTION_SET_METADATA['TrueOption']!, FalseOption: OPTION_SET_METADATA['FalseOption']! }, { base: 'OptionSetMetadataBase' }),
      entityType('EntityKeyMetadata', ENTITY_KEY_METADATA),
      entityType('RelationshipMetadataBase', RELATIONSHIP_METADATA, { abstract: true }),
      entityType('OneToManyRelationshipMetadata', own(ONE_TO_MANY_METADATA, RELATIONSHIP_METADATA), { base: 'RelationshipMetadataBase' }),
      entityType('ManyToManyRelationshipMetadata', own(MANY_TO_MANY_METADATA, RELATIONSHIP_METADATA), { base: 'RelationshipMetadataBase' }),
    ],
    ComplexType: [
      ...[...complex].map(([name, props]) => ({ $: { Name: name }, Property: properties(props, name) })),
      ...Object.entries(OPTION_DERIVED).map(([name, props]) => ({ $: { Name: name, BaseType: `${ALIAS}.OptionMetadata` }, Property: properties(props, name) })),
    ],
    EnumType: Object.keys(ENUMS).map((name) => ({
      $: { Name: name, ...(ENUM_FLAGS[name] ? { IsFlags: 'true' } : {}) },
      Member: enumTypeMembers(name).map((m) => ({ $: { Name: m.Name, Value: String(m.Value) } })),
    })),
    EntitySet: Object.entries(DEFINITION_SETS).map(([name, type]) => ({ $: { Name: name, EntityType: `Microsoft.Dynamics.CRM.${type}` } })),
  };
}

/** The metadata entity sets Tessera serves, with their entity types (also listed in the service document). */
export const DEFINITION_SETS: Readonly<Record<string, string>> = {
  EntityDefinitions: 'EntityMetadata', RelationshipDefinitions: 'RelationshipMetadataBase', GlobalOptionSetDefinitions: 'OptionSetMetadataBase',
};
