import type { AttributeFile, EntityFile } from '../types.js';
import { ColumnSet, ImportError, isObject, prefixedName, prefixProblem, TABLE_NAME_MAX } from './columns.js';

/**
 * Tables from Voyado Engage interaction schemas (seeds/voyado-engage-interactions.md): the body
 * of `POST api/v3/interactionschemas`, `{"id","displayName","jsonSchema":{"type":"object",
 * "properties":{…},"required":[…]}}`, becomes a metadata file of one table whose rows are
 * interactions of that schema:
 * - table `<prefix>_<id>` (lower case, `-` as `_`), DisplayName the schema's displayName;
 * - names past the SQL identifier limit (61 characters for the table, 63 for a column) are cut
 *   and end in a hash of the whole name (prefixedName), the same on every import;
 * - one column `<prefix>_<property>` per property: `integer` → Integer (BigInt when its
 *   minimum/maximum leave Int32), its minimum/maximum as MinValue/MaxValue (a fractional bound
 *   rounded inwards), `number` → Double (a
 *   bound past a double's range, read as Infinity, left out), `boolean` → Boolean, `string` → String
 *   (MaxLength its maxLength, else 4,000; Memo above 4,000), with `format` `date-time` →
 *   DateTime, `date` → DateTime DateOnly, `uuid` → Uniqueidentifier, `email`/`uri` → String
 *   Format Email/Url; DisplayName its displayName, ApplicationRequired when `required`;
 * - what every interaction carries besides its payload: `<prefix>_contactid` (the Engage
 *   contact, required, indexed) and `<prefix>_createddate` (DateTime);
 * - the primary name: the `name` string property when there is one, else an added
 *   `<prefix>_name` (String 100).
 * Voyado's display hints (showInContactCard, addToSegmentation, sortOrder) have no column.
 */

/** Voyado's rule for schema ids: letters, digits, `_` and `-`. */
const SCHEMA_ID = /^[A-Za-z0-9_-]+$/;
/** The largest String column; longer strings are Memo (Dataverse's limits). */
const STRING_MAX = 4000;
const INT32 = { min: -2147483648, max: 2147483647 };

/** The column of one property, or a problem. */
function column(prefix: string, name: string, p: unknown, required: boolean): AttributeFile | string {
  if (!isObject(p)) return `property '${name}': must be an object`;
  const make = (AttributeType: AttributeFile['AttributeType'], extra: Partial<AttributeFile> = {}): AttributeFile => ({
    LogicalName: prefixedName(prefix, name),
    AttributeType,
    DisplayName: typeof p['displayName'] === 'string' ? p['displayName'] : name,
    ...(typeof p['description'] === 'string' ? { Description: p['description'] } : {}),
    ...(required ? { RequiredLevel: 'ApplicationRequired' as const } : {}),
    ...extra,
  });
  const bound = (key: string) => (typeof p[key] === 'number' ? p[key] as number : undefined);
  // A bound past what a double holds (1e400 reads as Infinity) bounds nothing; the loader refuses it as MinValue/MaxValue.
  const limit = (key: string) => { const n = bound(key); return n !== undefined && Number.isFinite(n) ? n : undefined; };
  const range = (min: number | undefined, max: number | undefined) => ({ ...(min !== undefined ? { MinValue: min } : {}), ...(max !== undefined ? { MaxValue: max } : {}) });
  switch (p['type']) {
    case 'integer': {
      // Whole bounds, as the loader wants them on Integer and BigInt columns: `minimum: 1.5` admits 2 and up.
      const [low, high] = [limit('minimum'), limit('maximum')];
      const min = low === undefined ? undefined : Math.ceil(low);
      const max = high === undefined ? undefined : Math.floor(high);
      const wide = (min !== undefined && min < INT32.min) || (max !== undefined && max > INT32.max);
      return make(wide ? 'BigInt' : 'Integer', range(min, max));
    }
    case 'number':
      return make('Double', range(limit('minimum'), limit('maximum')));
    case 'boolean':
      return make('Boolean');
    case 'string': {
      switch (p['format']) {
        case 'date-time': return make('DateTime');
        case 'date': return make('DateTime', { DateTimeBehavior: 'DateOnly' });
        case 'uuid': return make('Uniqueidentifier');
        default: break;
      }
      const length = bound('maxLength') ?? STRING_MAX;
      if (!Number.isInteger(length) || length < 1 || length > 1048576) return `property '${name}': maxLength must be a whole number from 1 to 1048576`;
      const format = p['format'] === 'email' ? { Format: 'Email' } : p['format'] === 'uri' ? { Format: 'Url' } : {};
      return length > STRING_MAX ? make('Memo', { MaxLength: length }) : make('String', { MaxLength: length, ...format });
    }
    case 'object': case 'array':
      return `property '${name}': nested ${p['type']}s are not supported (Voyado allows no structure below the properties); flatten it into properties`;
    default:
      return `property '${name}': type must be "string", "number", "integer" or "boolean", not ${JSON.stringify(p['type'])}`;
  }
}

/**
 * The metadata file (EntityFile) of the interactions of a Voyado schema, with columns named
 * `<prefix>_…`. Throws ImportError listing every problem: not a schema object, an id with
 * characters Voyado refuses, a bad prefix, a property of an unknown or nested type, two
 * properties that make the same column, or a property named like a column every interaction has.
 */
export function voyadoTable(schema: unknown, prefix = 'new'): EntityFile {
  const problems: string[] = [];
  const badPrefix = prefixProblem(prefix);
  if (badPrefix) problems.push(badPrefix);
  if (!isObject(schema)) throw new ImportError(['the schema must be a JSON object with id, displayName and jsonSchema']);
  const id = schema['id'];
  if (typeof id !== 'string' || !SCHEMA_ID.test(id)) problems.push(`id: must be letters, digits, '_' and '-' (Voyado's rule), not ${JSON.stringify(id)}`);
  const json = schema['jsonSchema'];
  if (!isObject(json) || json['type'] !== 'object' || !isObject(json['properties'])) {
    problems.push('jsonSchema: must be {"type":"object","properties":{…}}');
    throw new ImportError(problems);
  }
  const required = new Set(Array.isArray(json['required']) ? json['required'].filter((r): r is string => typeof r === 'string') : []);
  const logicalName = prefixedName(prefix, String(id), TABLE_NAME_MAX);
  const contact: AttributeFile = { LogicalName: `${prefix}_contactid`, AttributeType: 'Uniqueidentifier', DisplayName: 'Contact', Description: 'The Engage contact the interaction belongs to.', RequiredLevel: 'ApplicationRequired' };
  const created: AttributeFile = { LogicalName: `${prefix}_createddate`, AttributeType: 'DateTime', DisplayName: 'Created date', Description: 'When the interaction happened.' };
  const columns = new ColumnSet([{ column: contact, maker: 'contactId (every interaction has it)' }, { column: created, maker: 'createdDate (every interaction has it)' }]);
  for (const [name, p] of Object.entries(json['properties'])) columns.add(`property '${name}'`, column(prefix, name, p, required.has(name)));
  problems.push(...columns.problems);
  for (const r of required) if (!(r in json['properties'])) problems.push(`required: '${r}' is not a property`);
  if (problems.length) throw new ImportError(problems);
  const { attributes, primaryName } = columns.withPrimaryName(prefix, `${prefix}_name`, 'The interaction\'s name (not part of the Voyado schema).');
  return {
    LogicalName: logicalName,
    EntitySetName: `${logicalName}s`,
    DisplayName: typeof schema['displayName'] === 'string' ? schema['displayName'] : String(id),
    Description: `Interactions of the Voyado Engage schema '${String(id)}'.`,
    PrimaryIdAttribute: `${logicalName}id`,
    PrimaryNameAttribute: primaryName,
    OwnershipType: 'OrganizationOwned',
    Attributes: attributes,
    Indexes: [{ LogicalName: `${prefix}_contactid`, KeyAttributes: [contact.LogicalName, created.LogicalName] }],
  } as EntityFile;
}
