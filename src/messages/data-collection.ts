import type { ComplexTypeDefinition, EnumTypeDefinition } from './types.js';

/**
 * Dataverse's DataCollection<TKey,TValue> on the Web API: a dictionary written as a ComplexType of
 * parallel `Keys` and `Values` with their `Count` and `IsReadOnly` (false), e.g.
 * EntityRecordCountCollection (table → rows) and EndpointCollection (EndpointType → URL), Web API
 * reference "EntityRecordCountCollection ComplexType", "EndpointCollection ComplexType".
 */

/**
 * The ComplexType `Name` of keys typed `keyType` and values typed `valueType` (Edm or `mscrm.`
 * names), declaring `enums` when its keys are an enumeration.
 */
export function dataCollectionType(Name: string, keyType: string, valueType: string, enums?: readonly EnumTypeDefinition[]): ComplexTypeDefinition {
  return {
    Name,
    Properties: [
      { Name: 'Count', Type: 'Edm.Int32' },
      { Name: 'IsReadOnly', Type: 'Edm.Boolean' },
      { Name: 'Keys', Type: `Collection(${keyType})` },
      { Name: 'Values', Type: `Collection(${valueType})` },
    ],
    ...(enums ? { Enums: enums } : {}),
  };
}

/** The value of a data collection of `entries` (key, value), in their order. */
export function dataCollection<K, V>(entries: ReadonlyArray<readonly [K, V]>): { Count: number; IsReadOnly: false; Keys: K[]; Values: V[] } {
  return { Count: entries.length, IsReadOnly: false, Keys: entries.map(([k]) => k), Values: entries.map(([, v]) => v) };
}
