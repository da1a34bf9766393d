import type { AttributeFile, EntityFile } from '../types.js';
import { ColumnSet, ImportError, isObject, namePart, prefixedName, prefixProblem, TABLE_NAME_MAX, type Json } from './columns.js';

/**
 * Tables from Customer Insights interaction types (seeds/customer-insights-interaction-type.md,
 * …-create-interaction-type-arm.md): an InteractionTypeDefinition — the ARM request body, or a
 * response with the definition under `properties` — becomes a metadata file of one table whose
 * rows are interactions of that type:
 * - table `<prefix>_<typeName>` (else the ARM `name`, else apiEntitySetName), EntitySetName
 *   `<prefix>_<apiEntitySetName>` when given, else the table name with `s`; DisplayName and
 *   Description from the localized dictionaries (`en-us`, else the first); names past the SQL
 *   identifier limit (61 characters for the table, 63 for a column) are cut and end in a hash of
 *   the whole name (prefixedName), the same on every import;
 * - one column `<prefix>_<fieldName>` per field, by `fieldType`: Edm.String → String (4,000; 450
 *   for key fields, which become a unique index), Edm.Int16/Int32 → Integer, Edm.Int64 → BigInt,
 *   Edm.Double/Single → Double, Edm.Decimal → Decimal, Edm.Boolean → Boolean,
 *   Edm.DateTimeOffset/DateTime → DateTime, Edm.Date → DateTime DateOnly, Edm.Guid →
 *   Uniqueidentifier; `isRequired` → ApplicationRequired;
 * - `idPropertyNames` → an alternate key over their columns (Dataverse's EntityKeyMetadata);
 * - `timestampPropertyName` → an index on that column, which must be a date;
 * - the primary name: the first String field marked `isName`, else an added `<prefix>_name`.
 * Array fields have no column type and are reported; images, enums and participants are kept as
 * the plain columns their fields are.
 */

/** Edm field types and the AttributeType (and extras) each becomes. */
const FIELD_TYPES: Readonly<Record<string, Partial<AttributeFile>>> = {
  'Edm.String': { AttributeType: 'String' },
  'Edm.Int16': { AttributeType: 'Integer' },
  'Edm.Int32': { AttributeType: 'Integer' },
  'Edm.Int64': { AttributeType: 'BigInt' },
  'Edm.Double': { AttributeType: 'Double' },
  'Edm.Single': { AttributeType: 'Double' },
  'Edm.Decimal': { AttributeType: 'Decimal' },
  'Edm.Boolean': { AttributeType: 'Boolean' },
  'Edm.DateTimeOffset': { AttributeType: 'DateTime' },
  'Edm.DateTime': { AttributeType: 'DateTime' },
  'Edm.Date': { AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly' },
  'Edm.Guid': { AttributeType: 'Uniqueidentifier' },
};

/** String lengths: a field's, and a key field's (an index key fits SQL Server's 1,700 bytes). */
const STRING_LENGTH = 4000;
const KEY_STRING_LENGTH = 450;

/** A localized text (`{"en-us":"…"}`) or a plain one, in English when there is a choice. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (!isObject(v)) return undefined;
  const english = Object.entries(v).find(([lang]) => lang.toLowerCase() === 'en-us')?.[1];
  const first = english ?? Object.values(v)[0];
  return typeof first === 'string' && first ? first : undefined;
}

/** The column of one field, or a problem. */
function column(prefix: string, field: Json, index: number, keyed: boolean): AttributeFile | string {
  const name = field['fieldname'];
  if (typeof name !== 'string' || !namePart(name)) return `fields[${index}]: fieldName must be a name`;
  if (field['isarray'] === true) return `field '${name}': arrays have no column type; store them as rows of another table`;
  const type = FIELD_TYPES[String(field['fieldtype'])];
  if (!type) return `field '${name}': fieldType must be one of ${Object.keys(FIELD_TYPES).join(', ')}, not ${JSON.stringify(field['fieldtype'])}`;
  const length = type.AttributeType === 'String' ? { MaxLength: keyed ? KEY_STRING_LENGTH : STRING_LENGTH } : {};
  return {
    LogicalName: prefixedName(prefix, name),
    ...type,
    DisplayName: text(field['displayname']) ?? name,
    ...(text(field['description']) ? { Description: text(field['description']) } : {}),
    ...(field['isrequired'] === true ? { RequiredLevel: 'ApplicationRequired' } : {}),
    ...length,
  } as AttributeFile;
}

/** `v` with every object's property names in lower case, nested objects and arrays included. */
function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}

/**
 * The metadata file (EntityFile) of the interactions of a Customer Insights interaction type,
 * with names `<prefix>_…`. Throws ImportError listing every problem: not a definition, no name,
 * a bad prefix, a field with no name, an array or an unknown type, two fields that make the same
 * column, an id or timestamp property that is not a field (or, for the timestamp, not a date).
 */
export function customerInsightsTable(definition: unknown, prefix = 'new'): EntityFile {
  const problems: string[] = [];
  const badPrefix = prefixProblem(prefix);
  if (badPrefix) problems.push(badPrefix);
  if (!isObject(definition)) throw new ImportError(['the interaction type must be a JSON object with fields']);
  // Property names are read whatever their case, as Customer Insights reads them (its own example
  // writes `IdPropertyNames` where its reference table says `idPropertyNames`).
  const def = lowerKeys(definition) as Json;
  const d = isObject(def['properties']) && Array.isArray(def['properties']['fields']) ? def['properties'] : def;
  const typeName = [d['typename'], def['name'], d['apientitysetname']].find((n): n is string => typeof n === 'string' && namePart(n) !== '');
  if (!typeName) problems.push('typeName: the interaction type needs a name (typeName, name or apiEntitySetName)');
  if (!Array.isArray(d['fields'])) { problems.push('fields: must be a list of fields'); throw new ImportError(problems); }
  const ids = Array.isArray(d['idpropertynames']) ? d['idpropertynames'].filter((n): n is string => typeof n === 'string') : [];
  const columns = new ColumnSet([]);
  const byField = new Map<string, AttributeFile>();
  d['fields'].forEach((f: unknown, i: number) => {
    if (!isObject(f)) { columns.add(`fields[${i}]`, `fields[${i}]: must be an object`); return; }
    const c = column(prefix, f, i, ids.includes(String(f['fieldname'])));
    columns.add(`field '${String(f['fieldname'])}'`, c);
    if (typeof c !== 'string') byField.set(String(f['fieldname']), c);
  });
  problems.push(...columns.problems);
  for (const id of ids) if (!byField.has(id)) problems.push(`idPropertyNames: '${id}' is not a field`);
  const timestamp = typeof d['timestamppropertyname'] === 'string' ? d['timestamppropertyname'] : undefined;
  if (timestamp !== undefined && byField.get(timestamp)?.AttributeType !== 'DateTime') problems.push(`timestampPropertyName: '${timestamp}' is not a date field`);
  if (problems.length) throw new ImportError(problems);
  const logicalName = prefixedName(prefix, typeName!, TABLE_NAME_MAX);
  const nameField = d['fields'].find((f: unknown) => isObject(f) && f['isname'] === true && byField.get(String(f['fieldname']))?.AttributeType === 'String') as Json | undefined;
  const { attributes, primaryName } = columns.withPrimaryName(prefix, nameField ? byField.get(String(nameField['fieldname']))!.LogicalName : undefined, 'The interaction\'s name (not part of the interaction type).');
  const setName = typeof d['apientitysetname'] === 'string' && namePart(d['apientitysetname']) ? `${prefix}_${namePart(d['apientitysetname'])}` : `${logicalName}s`;
  return {
    LogicalName: logicalName,
    EntitySetName: setName,
    DisplayName: text(d['displayname']) ?? typeName!,
    Description: text(d['description']) ?? `Interactions of the Customer Insights interaction type '${typeName!}'.`,
    PrimaryIdAttribute: `${logicalName}id`,
    PrimaryNameAttribute: primaryName,
    OwnershipType: 'OrganizationOwned',
    Attributes: attributes,
    ...(ids.length ? { Keys: [{ LogicalName: `${logicalName}_key`, KeyAttributes: ids.map((id) => byField.get(id)!.LogicalName) }] } : {}),
    ...(timestamp ? { Indexes: [{ LogicalName: byField.get(timestamp)!.LogicalName, KeyAttributes: [byField.get(timestamp)!.LogicalName] }] } : {}),
  } as EntityFile;
}
