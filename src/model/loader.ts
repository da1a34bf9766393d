import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parseString } from 'xml2js';
import { ENUMS } from './definitions.js';
import { securableProblem } from './field-security.js';
import { ATTRIBUTE_TYPES, entityFileSchema, IDENTIFIER_MAX, IMAGE_MAX_SIZE_IN_KB, identifierName, identifierTooLong, TYPE_PROPERTY_RULES } from './schema.js';
import { hierarchyProblems } from './hierarchy.js';
import { buildManyToMany, buildOneToMany, type DeclaredRelationship, type ManyToManyDeclaration } from './relationships.js';
import { setOnCreate, systemColumns, TEAM } from './system-columns.js';
import type { AttributeFile, AttributeModel, EdmType, EntityFile, EntityKeyModel, EntityModel, Model } from './types.js';

/** One problem found in a metadata file: the file, a JSON pointer into it, and the reason. */
export interface ModelProblem {
  file: string;
  pointer: string;
  reason: string;
}

/**
 * Thrown when the metadata folder does not describe a consistent model. `problems` lists every
 * problem found (not just the first); `message` has one line per problem: `file: pointer: reason`.
 */
export class ModelError extends Error {
  constructor(readonly problems: ModelProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.pointer || '/'}: ${p.reason}`).join('\n'));
    this.name = 'ModelError';
  }
}

// verbose: errors carry the failing value and the schema that failed (ajvProblems words them by it).
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateFile = ajv.compile<EntityFile>(entityFileSchema);

/**
 * Why a DateTime column's Format cannot be, or undefined. A DateTime column's Format is a
 * DateTimeFormat member, DateOnly or DateAndTime (EntityDefinitions report it as that enum), and a
 * column of DateTimeBehavior DateOnly, which holds no time, is DateOnly: Dataverse refuses
 * DateAndTime there ("Behavior and format of the date and time column").
 */
function dateTimeFormatProblem(a: AttributeFile): string | undefined {
  if (a.AttributeType !== 'DateTime' || a.Format === undefined) return undefined;
  if (!ENUMS['DateTimeFormat']!.includes(a.Format)) return `a DateTime column's Format is ${ENUMS['DateTimeFormat']!.join(' or ')}, not '${a.Format}'`;
  if (a.DateTimeBehavior === 'DateOnly' && a.Format !== 'DateOnly') return `a column with DateTimeBehavior DateOnly holds dates without a time: its Format is DateOnly (or left out), not '${a.Format}'`;
  return undefined;
}

/**
 * The Edm type of an attribute's OData property (digest §1.4): DateOnly behaviour → Edm.Date,
 * lookups → Edm.Guid (`_x_value`), choices → Edm.Int32.
 */
export function edmTypeOf(a: Pick<AttributeFile, 'AttributeType' | 'DateTimeBehavior'>): EdmType {
  switch (a.AttributeType) {
    case 'String': case 'Memo': case 'EntityName': return 'Edm.String';
    case 'Integer': case 'Picklist': case 'State': case 'Status': return 'Edm.Int32';
    case 'BigInt': return 'Edm.Int64';
    case 'Decimal': case 'Money': return 'Edm.Decimal';
    case 'Double': return 'Edm.Double';
    case 'Boolean': return 'Edm.Boolean';
    case 'DateTime': return a.DateTimeBehavior === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
    // A File column's value in payloads is its file's id (Dataverse "Use file column data",
    // "Behavior when retrieving"); $metadata types it Edm.Binary (csdlType in odata/csdl.ts).
    case 'Uniqueidentifier': case 'Lookup': case 'Owner': case 'Customer': case 'File': return 'Edm.Guid';
    // An Image column's value is its thumbnail's bytes, base64 in payloads (Dataverse "Use image column data").
    case 'Image': return 'Edm.Binary';
  }
}

/** True for the column types that hold a reference to another row. */
export function isLookupType(t: AttributeFile['AttributeType']): boolean {
  return t === 'Lookup' || t === 'Owner' || t === 'Customer';
}

const DEFAULT_RANGES: Partial<Record<AttributeFile['AttributeType'], [number, number]>> = {
  Integer: [-2147483648, 2147483647],
  BigInt: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  Decimal: [-100000000000, 100000000000],
  Money: [-922337203685477, 922337203685477],
  Double: [-100000000000, 100000000000],
};

/**
 * The widest range of doubles whose decimal text (`String(n)`, as drivers send numbers) a 64-bit
 * integer holds: ±9223372036854774784, written 9223372036854775000. A BigInt column's range is kept
 * within it, as a JSON number is a double: 9223372036854775807, Dataverse's BigInt MaxValue, reads
 * as 2^63, and -2^63 is written -9223372036854776000; no bigint column holds either.
 */
const INT64_DOUBLES: [number, number] = [-9223372036854774784, 9223372036854774784];

/** The Precision of a Decimal or Money column whose file gives none. */
const DEFAULT_PRECISION: Partial<Record<AttributeFile['AttributeType'], number>> = { Decimal: 2, Money: 4 };

/**
 * What the database column of a number type holds: a file's MinValue/MaxValue is kept within it,
 * so a value the range admits can be stored: int4 for Integer, INT64_DOUBLES for BigInt, and for
 * Decimal and Money, stored as numeric(38,p) / DECIMAL(38,p) (sql/types.ts), whose values are
 * below 10^(38-p), the largest 15-digit number below that (9.99999999999999e27 at Precision 10):
 * a double's shortest text, which drivers send, then never rounds up to 10^(38-p). For Double,
 * whose column holds every finite double, the range Dataverse allows a Floating Point Number
 * column (±100,000,000,000; "Column data types"), so that sums and averages stay far within a
 * double: PostgreSQL's avg(float8) also accumulates squares, and failed with "value out of range:
 * overflow" on values past ~1.3e154. Undefined for the other types.
 */
function storableRange(a: Pick<AttributeFile, 'AttributeType' | 'Precision'>): [number, number] | undefined {
  switch (a.AttributeType) {
    case 'Integer': return [-2147483648, 2147483647];
    case 'BigInt': return INT64_DOUBLES;
    case 'Double': return DEFAULT_RANGES.Double;
    case 'Decimal': case 'Money': {
      const max = Number(`999999999999999e${38 - (a.Precision ?? DEFAULT_PRECISION[a.AttributeType]!) - 15}`);
      return [-max, max];
    }
    default: return undefined;
  }
}

/** FileAttributeMetadata.MaxSizeInKB when a File column gives none: 32,768 KB (32 MB), Dataverse's default. */
export const DEFAULT_MAX_SIZE_IN_KB = 32768;

/** ImageAttributeMetadata.MaxSizeInKB when an Image column gives none: 10,240 KB (10 MB), Dataverse's default (ImageAttributeMetadata.MaxSizeInKB reference). */
export const DEFAULT_IMAGE_MAX_SIZE_IN_KB = 10240;

const DEFAULT_MAX_LENGTH: Partial<Record<AttributeFile['AttributeType'], number>> = {
  String: 100,
  Memo: 2000,
  EntityName: 100,
};

/**
 * The schema's errors as problems, in words a file's author reads: an identifier too long, a
 * property the AttributeType does not have or needs (TYPE_PROPERTY_RULES; the `if` error that comes
 * with each says nothing more and is left out), an unknown property, an enum's values.
 */
function ajvProblems(file: string, errors: ErrorObject[] | null | undefined): ModelProblem[] {
  const typeOf = (e: ErrorObject) => (e.data as { AttributeType?: unknown }).AttributeType;
  // A rule's error about an unknown AttributeType would only repeat the enum error on it.
  const known = (e: ErrorObject) => !TYPE_PROPERTY_RULES.has(e.parentSchema as object) || (ATTRIBUTE_TYPES as readonly unknown[]).includes(typeOf(e));
  return (errors ?? []).filter((e) => e.keyword !== 'if' && known(e)).map((e) => {
    const rule = TYPE_PROPERTY_RULES.get(e.parentSchema as object);
    if (rule) {
      const type = String(typeOf(e));
      return e.keyword === 'not'
        ? { file, pointer: `${e.instancePath}/${rule.property}`, reason: `${rule.property} is only for columns of type ${rule.types.length > 1 ? `${rule.types.slice(0, -1).join(', ')} or ` : ''}${rule.types.at(-1)!}, not ${type}` }
        : { file, pointer: e.instancePath, reason: `a column of type ${type} needs ${rule.property}` };
    }
    return {
      file,
      pointer: e.instancePath,
      reason: e.keyword === 'additionalProperties'
        ? `unknown property '${String(e.params['additionalProperty'])}'`
        : e.keyword === 'enum'
          ? `${e.message}: ${(e.params['allowedValues'] as unknown[]).join(', ')}`
          : e.keyword === 'maxLength' && e.parentSchema === identifierName
            ? identifierTooLong(String(e.data))
            : e.message ?? e.keyword,
    };
  });
}

/**
 * A fully defaulted attribute, at position `columnNumber` of its table's attributes.
 * `typeAttribute` is a polymorphic lookup's type column. Companion
 * columns (`AttributeOf`) are computed, except a polymorphic lookup's EntityName type column,
 * which is stored (as Dataverse stores `owneridtype`).
 */
function buildAttribute(file: EntityFile, a: AttributeFile, systemSupplied: boolean, columnNumber: number, typeAttribute?: AttributeModel): AttributeModel {
  const lookup = isLookupType(a.AttributeType);
  const range = DEFAULT_RANGES[a.AttributeType];
  const storable = storableRange(a);
  const primaryId = a.LogicalName === file.PrimaryIdAttribute;
  return Object.freeze({
    LogicalName: a.LogicalName,
    SchemaName: a.SchemaName ?? a.LogicalName,
    AttributeType: a.AttributeType,
    DisplayName: a.DisplayName ?? a.LogicalName,
    Description: a.Description ?? '',
    // statecode is always required and never set on create: rows start in their first state (planServiceCreate).
    RequiredLevel: a.AttributeType === 'State' ? 'SystemRequired' : a.RequiredLevel ?? (primaryId ? 'SystemRequired' : 'None'),
    // A file is set through its column's own path (service/files.ts), never in a row's body.
    IsValidForCreate: a.AttributeOf || a.AttributeType === 'State' || a.AttributeType === 'File' ? false : a.IsValidForCreate ?? true,
    IsValidForUpdate: a.AttributeOf || a.AttributeType === 'File' ? false : a.IsValidForUpdate ?? !primaryId,
    IsValidForRead: a.IsValidForRead ?? true,
    ...(a.IsSecured ? { IsSecured: true } : {}),
    MaxLength: a.MaxLength ?? DEFAULT_MAX_LENGTH[a.AttributeType],
    MinValue: storable ? Math.max(a.MinValue ?? range![0], storable[0]) : a.MinValue ?? range?.[0],
    MaxValue: storable ? Math.min(a.MaxValue ?? range![1], storable[1]) : a.MaxValue ?? range?.[1],
    Precision: a.Precision ?? DEFAULT_PRECISION[a.AttributeType],
    MaxSizeInKB: a.AttributeType === 'File' ? a.MaxSizeInKB ?? DEFAULT_MAX_SIZE_IN_KB : a.AttributeType === 'Image' ? a.MaxSizeInKB ?? DEFAULT_IMAGE_MAX_SIZE_IN_KB : undefined,
    CanStoreFullImage: a.AttributeType === 'Image' ? a.CanStoreFullImage ?? false : undefined,
    IsPrimaryImage: a.AttributeType === 'Image' ? a.LogicalName === primaryImageOf(file) : undefined,
    DefaultValue: a.AttributeType === 'Boolean' ? a.DefaultValue ?? false : undefined,
    DefaultFormValue: a.DefaultFormValue,
    Targets: Object.freeze([...(a.Targets ?? [])]),
    DateTimeBehavior: a.AttributeType === 'DateTime' ? a.DateTimeBehavior ?? 'UserLocal' : undefined,
    Format: a.Format,
    OptionSet: a.OptionSet
      ? Object.freeze({
        Name: a.OptionSet.Name ?? `${file.LogicalName}_${a.LogicalName}`,
        IsGlobal: a.OptionSet.IsGlobal ?? false,
        Options: Object.freeze(a.OptionSet.Options.map((o) => Object.freeze({ ...o }))),
      })
      : undefined,
    AttributeOf: a.AttributeOf,
    IsPrimaryId: primaryId,
    IsPrimaryName: a.LogicalName === file.PrimaryNameAttribute,
    IsSystemSupplied: systemSupplied,
    IsStored: !a.AttributeOf || a.AttributeType === 'EntityName',
    PropertyName: lookup ? `_${a.LogicalName}_value` : a.LogicalName,
    // An owner (ownerid) has one property whatever its targets, typed principal (relationships.ts).
    NavigationPropertyName: lookup && (a.Targets?.length === 1 || a.AttributeType === 'Owner') ? a.ReferencingEntityNavigationPropertyName ?? a.LogicalName : undefined,
    TypeAttribute: typeAttribute,
    EdmType: edmTypeOf(a),
    ColumnNumber: columnNumber,
  });
}

/**
 * Reads the TransitionData XML of the status option `source` (`<allowedtransitions>
 * <allowedtransition sourcestatusid="1" tostatusid="2"/>…`) into the target statuses. Every line's
 * sourcestatusid must be `source`, as Dataverse writes them (each option lists its own moves;
 * define-custom-state-model-transitions). Returns a string describing the problem when the XML is
 * malformed or a line names another source.
 */
export function parseTransitionData(xml: string, source: number): number[] | string {
  let result: number[] | string = 'not parsed';
  parseString(xml, { explicitArray: true }, (err, doc: { allowedtransitions?: { allowedtransition?: Array<{ $?: Record<string, string> }> } } | null) => {
    if (err) { result = `TransitionData is not valid XML: ${err.message.split('\n')[0]}`; return; }
    const root = doc?.allowedtransitions;
    if (root === undefined) { result = 'TransitionData must have the root element <allowedtransitions>'; return; }
    const targets: number[] = [];
    for (const t of (typeof root === 'object' ? root.allowedtransition : undefined) ?? []) {
      const to = Number(t.$?.['tostatusid']);
      if (!Number.isInteger(to)) { result = 'every <allowedtransition> needs an integer tostatusid'; return; }
      const from = t.$?.['sourcestatusid'];
      if (from === undefined || Number(from) !== source) {
        result = `every <allowedtransition> of status ${source} needs sourcestatusid="${source}" (the status it moves from)${from === undefined ? '' : `, not "${from}"`}`;
        return;
      }
      targets.push(to);
    }
    result = targets;
  });
  return result;
}

/**
 * The engine-supplied columns of a table (systemColumns) a file may declare itself, by name: the
 * first of a name (the primary key before an organizationid lookup, on the organization table),
 * without the polymorphic lookups' type columns, which are checked as type columns.
 */
function engineColumns(file: EntityFile, teams: boolean): Map<string, AttributeFile> {
  const columns = new Map<string, AttributeFile>();
  for (const c of systemColumns(file, teams)) if (!c.AttributeOf && !columns.has(c.LogicalName)) columns.set(c.LogicalName, c);
  return columns;
}

/**
 * The problems of declaring `a`, at `pointer`, in the place of the engine's column `s`: the engine
 * writes and reads it as its own, so it must be the same column (type, targets, date behaviour,
 * stored) and no more writable by clients. A declaration may leave out IsValidForCreate and
 * IsValidForUpdate (it gets the engine's, see buildAttributes) and change the rest (names,
 * labels, RequiredLevel, options).
 */
function systemColumnProblems(source: string, pointer: string, a: AttributeFile, s: AttributeFile): ModelProblem[] {
  const problem = (at: string, reason: string): ModelProblem => ({ file: source, pointer: `${pointer}${at}`, reason: `'${a.LogicalName}' is a column the engine supplies${reason}` });
  if (a.AttributeType !== s.AttributeType) return [problem('/AttributeType', ` (${s.AttributeType}); declare it as ${s.AttributeType} or leave it out`)];
  const problems: ModelProblem[] = [];
  if (JSON.stringify(a.Targets ?? []) !== JSON.stringify(s.Targets ?? [])) problems.push(problem('/Targets', `, a lookup to ${(s.Targets ?? []).join(', ')}; declare the same Targets`));
  if (s.AttributeType === 'DateTime' && (a.DateTimeBehavior ?? 'UserLocal') !== s.DateTimeBehavior) problems.push(problem('/DateTimeBehavior', `, with DateTimeBehavior ${s.DateTimeBehavior!}; declare the same`));
  if (a.AttributeOf !== undefined) problems.push(problem('/AttributeOf', ', a stored column of its own; it cannot be AttributeOf another'));
  for (const flag of ['IsValidForCreate', 'IsValidForUpdate'] as const) {
    // statecode is never valid for create, whatever the file says (buildAttribute).
    if (flag === 'IsValidForCreate' && s.AttributeType === 'State') continue;
    if (a[flag] === true && s[flag] === false) problems.push(problem(`/${flag}`, `, not valid for ${flag === 'IsValidForCreate' ? 'create' : 'update'} (the engine sets it or it never changes); ${flag} must be false or left out`));
  }
  return problems;
}

/**
 * The problems of a column's MinValue and MaxValue, at `pointer`: a bound that is no finite number
 * (JSON's 1e400 reads as Infinity), a fraction on an Integer or BigInt column, MinValue above
 * MaxValue, and a range with no value the column stores (a bound past what it stores is brought
 * within it by buildAttribute, see storableRange).
 */
function boundProblems(source: string, pointer: string, a: AttributeFile): ModelProblem[] {
  const problems: ModelProblem[] = [];
  const problem = (bound: 'MinValue' | 'MaxValue', reason: string) => problems.push({ file: source, pointer: `${pointer}/${bound}`, reason: `${bound} ${a[bound]!} ${reason}` });
  for (const bound of ['MinValue', 'MaxValue'] as const) {
    const n = a[bound];
    if (n === undefined) continue;
    if (!Number.isFinite(n)) problem(bound, 'is not a finite number (a number past ±1.7976931348623157e308 reads as Infinity)');
    else if ((a.AttributeType === 'Integer' || a.AttributeType === 'BigInt') && !Number.isInteger(n)) problem(bound, `is not a whole number, as the bounds of a column of type ${a.AttributeType} are`);
  }
  if (problems.length) return problems;
  if (a.MinValue !== undefined && a.MaxValue !== undefined && a.MinValue > a.MaxValue) problem('MinValue', `is greater than MaxValue ${a.MaxValue}`);
  const storable = storableRange(a);
  if (!storable) return problems;
  const column = `a column of type ${a.AttributeType}${DEFAULT_PRECISION[a.AttributeType] === undefined ? '' : ` (Precision ${a.Precision ?? DEFAULT_PRECISION[a.AttributeType]!})`} holds`;
  if (a.MinValue !== undefined && a.MinValue > storable[1]) problem('MinValue', `is above ${storable[1]}, the largest value ${column}`);
  if (a.MaxValue !== undefined && a.MaxValue < storable[0]) problem('MaxValue', `is below ${storable[0]}, the smallest value ${column}`);
  return problems;
}

/** Checks one file's internal rules (beyond the JSON Schema) and returns its problems. */
function checkEntity(source: string, file: EntityFile, teams: boolean): ModelProblem[] {
  const problems: ModelProblem[] = [];
  if (file.LogicalName.startsWith(RESERVED_PREFIX)) {
    problems.push({ file: source, pointer: '/LogicalName', reason: `table names starting with '${RESERVED_PREFIX}' are reserved for Tessera's own bookkeeping tables; choose another prefix` });
  }
  const at = (i: number, rest = '') => `/Attributes/${i}${rest}`;
  const seen = new Map<string, number>();
  const engine = engineColumns(file, teams);
  file.Attributes.forEach((a, i) => {
    const supplied = engine.get(a.LogicalName);
    // The primary key's type is checked below, with its own words.
    if (supplied && !(a.LogicalName === file.PrimaryIdAttribute && a.AttributeType !== 'Uniqueidentifier')) problems.push(...systemColumnProblems(source, at(i), a, supplied));
    const previous = seen.get(a.LogicalName);
    if (previous !== undefined) problems.push({ file: source, pointer: at(i, '/LogicalName'), reason: `duplicate attribute '${a.LogicalName}' (also at ${at(previous)})` });
    seen.set(a.LogicalName, i);
    problems.push(...boundProblems(source, at(i), a));
    const format = dateTimeFormatProblem(a);
    if (format) problems.push({ file: source, pointer: at(i, '/Format'), reason: format });
    if (a.OptionSet) {
      const values = new Set<number>();
      a.OptionSet.Options.forEach((o, j) => {
        if (values.has(o.Value)) problems.push({ file: source, pointer: at(i, `/OptionSet/Options/${j}/Value`), reason: `duplicate option value ${o.Value}` });
        values.add(o.Value);
      });
      if (a.DefaultFormValue !== undefined && !values.has(a.DefaultFormValue)) problems.push({ file: source, pointer: at(i, '/DefaultFormValue'), reason: `${a.DefaultFormValue} is not one of the column's option values` });
    }
    if (a.CascadeConfiguration && !a.Targets) {
      problems.push({ file: source, pointer: at(i, '/CascadeConfiguration'), reason: 'CascadeConfiguration is what deleting a referenced row does to the rows of a lookup; only a Lookup, Customer or Owner column has one' });
    }
    if ((a.Targets?.length ?? 0) > 1) {
      for (const option of ['ReferencingEntityNavigationPropertyName', 'RelationshipSchemaName'] as const) {
        if (a[option] !== undefined) problems.push({ file: source, pointer: at(i, `/${option}`), reason: `a lookup with several Targets has one relationship per target, named by Dataverse's rule; ${option} names one` });
      }
      // The type column the engine adds (lookupTypeColumns) is a column too.
      const typeColumn = `${a.LogicalName}type`;
      if (typeColumn.length > IDENTIFIER_MAX && !file.Attributes.some((t) => t.AttributeType === 'EntityName' && t.AttributeOf === a.LogicalName)) {
        problems.push({ file: source, pointer: at(i, '/LogicalName'), reason: `the lookup's type column ${identifierTooLong(typeColumn)}; shorten the lookup's name or declare its type column (an EntityName column with AttributeOf '${a.LogicalName}')` });
      }
    }
    if (a.IsSecured) {
      const reason = securableProblem(a, a.LogicalName === file.PrimaryIdAttribute, a.LogicalName === file.PrimaryNameAttribute, supplied !== undefined);
      if (reason) problems.push({ file: source, pointer: at(i, '/IsSecured'), reason });
    }
    if ((a.AttributeType === 'State') !== (a.LogicalName === 'statecode') || (a.AttributeType === 'Status') !== (a.LogicalName === 'statuscode')) {
      problems.push({ file: source, pointer: at(i, '/AttributeType'), reason: 'State and Status are the types of the statecode and statuscode columns only' });
    }
  });
  const pk = file.Attributes.findIndex((a) => a.LogicalName === file.PrimaryIdAttribute);
  if (pk >= 0 && file.Attributes[pk]!.AttributeType !== 'Uniqueidentifier') {
    problems.push({ file: source, pointer: at(pk, '/AttributeType'), reason: `primary id attribute '${file.PrimaryIdAttribute}' must be Uniqueidentifier` });
  }
  if (file.PrimaryNameAttribute) {
    const i = file.Attributes.findIndex((a) => a.LogicalName === file.PrimaryNameAttribute);
    if (i < 0) problems.push({ file: source, pointer: '/PrimaryNameAttribute', reason: `no attribute named '${file.PrimaryNameAttribute}'` });
    else if (file.Attributes[i]!.AttributeType !== 'String') problems.push({ file: source, pointer: at(i, '/AttributeType'), reason: 'the primary name attribute must be a String' });
  }
  return problems;
}

/**
 * Checks rules that span attributes and files: targets, AttributeOf, state/status, names, and
 * SystemRequired columns that no Create could fill.
 */
function checkModel(entities: EntityModel[], indexOf: Map<EntityModel, Map<string, number>>): ModelProblem[] {
  const problems: ModelProblem[] = [];
  const byName = new Map(entities.map((e) => [e.LogicalName, e]));
  const sets = new Map<string, EntityModel>();
  const schemaNames = new Map<string, EntityModel>();
  // Option sets by Name: the first declaration, whether global, its options as JSON, and where it is.
  const optionSets = new Map<string, { global: boolean; options: string; where: string }>();
  for (const e of entities) {
    const pointerOf = (a: AttributeModel, rest: string) => {
      const i = indexOf.get(e)!.get(a.LogicalName);
      return i === undefined ? `(engine-supplied column '${a.LogicalName}')` : `/Attributes/${i}${rest}`;
    };
    // An option set's Name is unique, but for a global one declared again with the same options.
    for (const a of e.Attributes) {
      if (!a.OptionSet) continue;
      const { Name, IsGlobal } = a.OptionSet;
      const options = JSON.stringify(a.OptionSet.Options);
      const first = optionSets.get(Name);
      if (!first) optionSets.set(Name, { global: IsGlobal, options, where: `${e.LogicalName}.${a.LogicalName}` });
      else if (!first.global || !IsGlobal) problems.push({ file: e.source, pointer: pointerOf(a, '/OptionSet/Name'), reason: `the option set name '${Name}' is also used by ${first.where}; only a global option set (IsGlobal, the same options) may be declared twice` });
      else if (first.options !== options) problems.push({ file: e.source, pointer: pointerOf(a, '/OptionSet'), reason: `the global option set '${Name}' has other options in ${first.where}; a global option set is the same wherever it is declared` });
    }
    // Privilege names (prv<Right><SchemaName>) are matched case-insensitively, as Dataverse does.
    const schemaName = e.SchemaName.toLowerCase();
    const sameSchema = schemaNames.get(schemaName);
    if (sameSchema) problems.push({ file: e.source, pointer: '/SchemaName', reason: `SchemaName '${e.SchemaName}' differs only in case from table '${sameSchema.LogicalName}''s '${sameSchema.SchemaName}'; its privileges would have the same names` });
    schemaNames.set(schemaName, e);
    const other = sets.get(e.EntitySetName);
    if (other) problems.push({ file: e.source, pointer: '/EntitySetName', reason: `EntitySetName '${e.EntitySetName}' is also used by ${other.source}` });
    sets.set(e.EntitySetName, e);
    const properties = new Map<string, string>();
    for (const a of e.Attributes) {
      if (a.RequiredLevel === 'SystemRequired' && !a.IsValidForCreate && a.IsStored && !a.AttributeOf && !setOnCreate(e, a.LogicalName)) {
        problems.push({ file: e.source, pointer: pointerOf(a, '/RequiredLevel'), reason: `'${a.LogicalName}' is SystemRequired but not valid for create, and the engine does not set it: no row could be created; make it valid for create or choose another RequiredLevel` });
      }
      for (const t of a.Targets) {
        if (!byName.has(t)) problems.push({ file: e.source, pointer: pointerOf(a, '/Targets'), reason: `lookup target '${t}' is not a table in the model (add ${join(dirname(e.source), `${t}.json`)})` });
      }
      if (a.AttributeOf) {
        const of = e.attributesByName.get(a.AttributeOf);
        if (!of || !isLookupType(of.AttributeType)) problems.push({ file: e.source, pointer: pointerOf(a, '/AttributeOf'), reason: `AttributeOf '${a.AttributeOf}' is not a lookup column of this table` });
        else if (a.AttributeType === 'EntityName' && of.TypeAttribute !== a) problems.push({ file: e.source, pointer: pointerOf(a, '/AttributeOf'), reason: `an EntityName column is the type column of a lookup with several Targets, one per lookup; '${a.AttributeOf}' is not one or has another` });
        continue;
      }
      if (a.Targets.length > 1 && !a.TypeAttribute) {
        problems.push({ file: e.source, pointer: pointerOf(a, ''), reason: `the lookup '${a.LogicalName}' has several Targets and needs a type column: '${a.LogicalName}type' is taken; declare an EntityName column with AttributeOf '${a.LogicalName}'` });
      }
      for (const name of [a.PropertyName, a.NavigationPropertyName]) {
        if (!name) continue;
        const owner = properties.get(name);
        if (owner) problems.push({ file: e.source, pointer: pointerOf(a, ''), reason: `property name '${name}' is also used by '${owner}'` });
        properties.set(name, a.LogicalName);
      }
    }
    const state = e.attributesByName.get('statecode');
    const status = e.attributesByName.get('statuscode');
    if (!!state !== !!status) problems.push({ file: e.source, pointer: '/Attributes', reason: 'statecode and statuscode must be declared together' });
    if (state?.OptionSet && status?.OptionSet) {
      const states = new Set(state.OptionSet.Options.map((o) => o.Value));
      // A problem in the options of the engine's column (the file declares only the other) is the
      // file's: it is reported once, on the declared column.
      let engineMisfit = false;
      const stateModel = (on: AttributeModel, problem: ModelProblem) => {
        if (on.IsSystemSupplied) engineMisfit = true;
        else problems.push(problem);
      };
      for (const [j, o] of status.OptionSet.Options.entries()) {
        if (o.State === undefined || !states.has(o.State)) stateModel(status, { file: e.source, pointer: pointerOf(status, `/OptionSet/Options/${j}/State`), reason: `status ${o.Value} must name one of the states ${[...states].join(', ')}` });
      }
      for (const [j, o] of state.OptionSet.Options.entries()) {
        const ok = status.OptionSet.Options.some((s) => s.Value === o.DefaultStatus && s.State === o.Value);
        if (!ok) stateModel(state, { file: e.source, pointer: pointerOf(state, `/OptionSet/Options/${j}/DefaultStatus`), reason: `DefaultStatus of state ${o.Value} must be a status of that state` });
      }
      if (engineMisfit) {
        const [own, engine] = state.IsSystemSupplied ? [status, state] : [state, status];
        const options = engine.OptionSet!.Options.map((o) => (engine === status ? `${o.Value} of state ${o.State!}` : `${o.Value} with DefaultStatus ${o.DefaultStatus!}`)).join(', ');
        problems.push({ file: e.source, pointer: pointerOf(own, '/OptionSet'), reason: `${own.LogicalName} is declared without ${engine.LogicalName}, and the engine's ${engine.LogicalName} (${options}) does not fit its options; declare statecode and statuscode together, each status with its State and each state with its DefaultStatus` });
      }
    }
  }
  return problems;
}

/**
 * The attributes of a table: the file's own, then the system columns it leaves out (none for an
 * intersect table), in order. A declared system column takes the engine's IsValidForCreate and
 * IsValidForUpdate where it gives none (checkEntity refuses one that makes it more writable).
 * Type columns are built first so their lookups can point at them.
 */
function buildAttributes(file: EntityFile, intersect: boolean, teams: boolean): AttributeModel[] {
  const declared = new Set(file.Attributes.map((a) => a.LogicalName));
  const engine = intersect ? new Map<string, AttributeFile>() : engineColumns(file, teams);
  const withEngineFlags = (a: AttributeFile): AttributeFile => {
    const s = engine.get(a.LogicalName);
    return s ? { IsValidForCreate: s.IsValidForCreate, IsValidForUpdate: s.IsValidForUpdate, ...a } : a;
  };
  const all: Array<[AttributeFile, boolean]> = [
    ...file.Attributes.map((a): [AttributeFile, boolean] => [withEngineFlags(a), false]),
    ...(intersect ? [] : systemColumns(file, teams).filter((a) => !declared.has(a.LogicalName)).map((a): [AttributeFile, boolean] => [a, true])),
  ];
  const types = new Map<string, AttributeModel>();
  all.forEach(([a, system], n) => {
    if (a.AttributeType === 'EntityName' && a.AttributeOf && !types.has(a.AttributeOf)) types.set(a.AttributeOf, buildAttribute(file, a, system, n));
  });
  return all.map(([a, system], n) => {
    const type = a.AttributeOf ? types.get(a.AttributeOf) : undefined;
    return type && type.LogicalName === a.LogicalName ? type : buildAttribute(file, a, system, n, (a.Targets?.length ?? 0) > 1 ? types.get(a.LogicalName) : undefined);
  });
}

/**
 * The logical name of the primary Image column of `file` (EntityMetadata.PrimaryImageAttribute):
 * the one it names, else the Image column declaring IsPrimaryImage, else its first Image column
 * (Dataverse makes a table's first image column its primary image); undefined without Image columns.
 */
function primaryImageOf(file: EntityFile): string | undefined {
  const images = file.Attributes.filter((a) => a.AttributeType === 'Image');
  return file.PrimaryImageAttribute ?? images.find((a) => a.IsPrimaryImage)?.LogicalName ?? images[0]?.LogicalName;
}

/**
 * What is wrong with `file`'s Image columns (from `source`): one over IMAGE_MAX_SIZE_IN_KB (30 MB,
 * Dataverse's limit), a PrimaryImageAttribute that is not an Image column, two columns declaring
 * IsPrimaryImage, or one that is not the PrimaryImageAttribute.
 */
function imageProblems(source: string, file: EntityFile): ModelProblem[] {
  const problems: ModelProblem[] = [];
  file.Attributes.forEach((a, i) => {
    if (a.AttributeType === 'Image' && (a.MaxSizeInKB ?? 0) > IMAGE_MAX_SIZE_IN_KB) problems.push({ file: source, pointer: `/Attributes/${i}/MaxSizeInKB`, reason: `an Image column holds at most ${IMAGE_MAX_SIZE_IN_KB} KB (30 MB)` });
  });
  const images = file.Attributes.filter((a) => a.AttributeType === 'Image');
  const declared = images.filter((a) => a.IsPrimaryImage);
  const named = file.PrimaryImageAttribute;
  const problem = (reason: string) => problems.push({ file: source, pointer: '/PrimaryImageAttribute', reason });
  if (named !== undefined && !images.some((a) => a.LogicalName === named)) problem(`'${named}' is not an Image column of this table`);
  if (declared.length > 1) problem(`only one Image column is the primary image; ${declared.map((a) => a.LogicalName).join(' and ')} declare IsPrimaryImage`);
  else if (named !== undefined && declared.length === 1 && declared[0]!.LogicalName !== named) problem(`'${named}' is not the column declaring IsPrimaryImage ('${declared[0]!.LogicalName}')`);
  return problems;
}

/**
 * Builds one table from its (schema-checked) file: attributes, alternate keys, state transitions.
 * Returns the problems instead when keys or TransitionData are broken. An intersect table gets no
 * system columns; `teams`: whether the model has the team table (systemColumns).
 */
function buildEntity(source: string, file: EntityFile, teams: boolean, intersect = false): EntityModel | ModelProblem[] {
  const attributes = buildAttributes(file, intersect, teams);
  const byName = new Map(attributes.map((a) => [a.LogicalName, a]));
  const problems: ModelProblem[] = [];
  problems.push(...imageProblems(source, file));
  /** The column sets of `Keys` or `Indexes`: stored columns, not Memo or Image (long text no index takes), unique names. */
  const columnSets = (property: 'Keys' | 'Indexes', what: string): EntityKeyModel[] => {
    const sets: EntityKeyModel[] = [];
    (file[property] ?? []).forEach((k, i) => {
      const columns = k.KeyAttributes.map((name, j) => {
        const a = byName.get(name);
        if (!a || !a.IsStored || a.AttributeType === 'Memo' || a.AttributeType === 'Image') problems.push({ file: source, pointer: `/${property}/${i}/KeyAttributes/${j}`, reason: `'${name}' is not a stored column of this table that is neither Memo nor Image` });
        // A row found by a key's values would tell a caller who may not read them what they are.
        else if (property === 'Keys' && a.IsSecured) problems.push({ file: source, pointer: `/${property}/${i}/KeyAttributes/${j}`, reason: `'${name}' is a secured column (IsSecured); an alternate key cannot hold one` });
        return a!;
      });
      if (sets.some((other) => other.LogicalName === k.LogicalName)) problems.push({ file: source, pointer: `/${property}/${i}/LogicalName`, reason: `duplicate ${what} '${k.LogicalName}'` });
      sets.push(Object.freeze({ LogicalName: k.LogicalName, DisplayName: k.DisplayName ?? k.LogicalName, KeyAttributes: Object.freeze(columns) }));
    });
    return sets;
  };
  const keys = columnSets('Keys', 'key');
  const indexes = columnSets('Indexes', 'index');
  const transitions = new Map<number, readonly number[]>();
  const statusOptions = byName.get('statuscode')?.OptionSet?.Options ?? [];
  statusOptions.forEach((o, j) => {
    if (o.TransitionData === undefined) return;
    const parsed = parseTransitionData(o.TransitionData, o.Value);
    const at = file.Attributes.findIndex((a) => a.LogicalName === 'statuscode');
    const pointer = `/Attributes/${at}/OptionSet/Options/${j}/TransitionData`;
    if (typeof parsed === 'string') problems.push({ file: source, pointer, reason: parsed });
    else {
      const unknown = parsed.filter((to) => !statusOptions.some((x) => x.Value === to));
      if (unknown.length) problems.push({ file: source, pointer, reason: `tostatusid ${unknown.join(', ')} is not a statuscode option` });
      transitions.set(o.Value, Object.freeze(parsed));
    }
  });
  if (problems.length) return problems;
  const schemaName = file.SchemaName ?? file.LogicalName;
  const collection = file.LogicalCollectionName ?? file.EntitySetName;
  return Object.freeze({
    LogicalName: file.LogicalName,
    SchemaName: schemaName,
    EntitySetName: file.EntitySetName,
    LogicalCollectionName: collection,
    CollectionSchemaName: file.CollectionSchemaName ?? collectionSchemaName(schemaName, collection),
    DisplayName: file.DisplayName ?? file.LogicalName,
    DisplayCollectionName: file.DisplayCollectionName ?? file.EntitySetName,
    Description: file.Description ?? '',
    PrimaryIdAttribute: file.PrimaryIdAttribute,
    PrimaryNameAttribute: file.PrimaryNameAttribute,
    PrimaryImageAttribute: primaryImageOf(file),
    ImageAttributes: Object.freeze(attributes.filter((a) => a.AttributeType === 'Image')),
    OwnershipType: file.OwnershipType ?? 'UserOwned',
    Attributes: Object.freeze(attributes),
    attributesByName: byName,
    // Companion columns (AttributeOf) are not OData properties, stored or not.
    attributesByProperty: new Map(attributes.filter((a) => a.IsStored && a.IsValidForRead && !a.AttributeOf).map((a) => [a.PropertyName, a])),
    lookupsByNavigation: new Map(attributes.flatMap((a) => (a.NavigationPropertyName ? [a.NavigationPropertyName] : a.Targets.map((t) => `${a.LogicalName}_${t}`)).map((n): [string, AttributeModel] => [n, a]))),
    Keys: Object.freeze(keys),
    Indexes: Object.freeze(indexes),
    navigation: new Map(),
    IsIntersect: intersect,
    EnforceStateTransitions: file.EnforceStateTransitions === true,
    IsRetentionEnabled: file.IsRetentionEnabled === true,
    ChangeTrackingEnabled: file.ChangeTrackingEnabled === true,
    ObjectTypeCode: file.ObjectTypeCode ?? defaultObjectTypeCode(file.LogicalName),
    Transitions: transitions,
    source,
  });
}

/**
 * A table's CollectionSchemaName when its file declares none: its plural logical name with
 * SchemaName's casing over the part the two share, e.g. `SavedQuery` + `savedqueries` →
 * `SavedQueries`, `msdyn_CopilotInteraction` + `msdyn_copilotinteractions` →
 * `msdyn_CopilotInteractions` (Dataverse's LogicalCollectionName is its CollectionSchemaName in
 * lower case: Web API Metadata Operations Sample, `sample_BankAccounts` / `sample_bankaccounts`).
 */
export function collectionSchemaName(schemaName: string, logicalCollectionName: string): string {
  let shared = 0;
  while (shared < schemaName.length && shared < logicalCollectionName.length && schemaName[shared]!.toLowerCase() === logicalCollectionName[shared]) shared++;
  return schemaName.slice(0, shared) + logicalCollectionName.slice(shared);
}

/** Dataverse's ObjectTypeCode of the system tables Tessera ships. */
const SYSTEM_OBJECT_TYPE_CODES: Readonly<Record<string, number>> = { systemuser: 8, team: 9, organization: 1019 };

/** A table's ObjectTypeCode when its file declares none (see EntityFile.ObjectTypeCode). */
function defaultObjectTypeCode(logicalName: string): number {
  return SYSTEM_OBJECT_TYPE_CODES[logicalName] ?? 10_000 + (createHash('sha1').update(logicalName).digest().readUInt32BE(0) % 90_000);
}

/** A problem per table whose ObjectTypeCode another table has already. */
function objectTypeCodeProblems(entities: readonly EntityModel[]): ModelProblem[] {
  const taken = new Map<number, EntityModel>();
  const problems: ModelProblem[] = [];
  for (const e of entities) {
    const other = taken.get(e.ObjectTypeCode);
    if (other) problems.push({ file: e.source, pointer: '/ObjectTypeCode', reason: `ObjectTypeCode ${e.ObjectTypeCode} is also table '${other.LogicalName}''s; declare another` });
    else taken.set(e.ObjectTypeCode, e);
  }
  return problems;
}

/**
 * Builds the immutable model from parsed files. `files` maps a source name (for messages) to the
 * parsed JSON. Throws ModelError listing every problem (schema, per-file and cross-file).
 * Relationships are built last: one-to-many ones from lookups, then the declared many-to-many
 * ones, whose intersect tables join the model's tables.
 */
export function buildModel(files: ReadonlyArray<{ source: string; json: unknown }>): Model {
  const problems: ModelProblem[] = [];
  const entities: EntityModel[] = [];
  const indexOf = new Map<EntityModel, Map<string, number>>();
  const logicalNames = new Map<string, string>();
  const declared = new Map<string, DeclaredRelationship>();
  const manyToMany: ManyToManyDeclaration[] = [];
  // Owners may be teams only where the model has the team table (a deployment's own folder may not).
  const teams = files.some(({ json }) => (json as { LogicalName?: unknown } | null)?.LogicalName === TEAM);
  for (const { source, json } of files) {
    if (!validateFile(json)) {
      problems.push(...ajvProblems(source, validateFile.errors));
      continue;
    }
    const file = json;
    const own = checkEntity(source, file, teams);
    if (own.length) { problems.push(...own); continue; }
    const previous = logicalNames.get(file.LogicalName);
    if (previous) { problems.push({ file: source, pointer: '/LogicalName', reason: `table '${file.LogicalName}' is also defined in ${previous}` }); continue; }
    logicalNames.set(file.LogicalName, source);
    const entity = buildEntity(source, file, teams);
    if (Array.isArray(entity)) { problems.push(...entity); continue; }
    indexOf.set(entity, new Map(file.Attributes.map((a, i) => [a.LogicalName, i])));
    file.Attributes.forEach((a, i) => {
      if (a.Targets) declared.set(`${file.LogicalName}.${a.LogicalName}`, { RelationshipSchemaName: a.RelationshipSchemaName, CascadeConfiguration: a.CascadeConfiguration, IsHierarchical: a.IsHierarchical, pointer: `/Attributes/${i}` });
    });
    (file.ManyToManyRelationships ?? []).forEach((r, i) => manyToMany.push({ source, pointer: `/ManyToManyRelationships/${i}`, declaredBy: file.LogicalName, file: r }));
    entities.push(entity);
  }
  problems.push(...checkModel(entities, indexOf));
  problems.push(...hierarchyProblems(entities, declared));
  if (!problems.length) problems.push(...buildOneToMany(entities, declared));
  if (!problems.length) {
    const built = buildManyToMany(entities, manyToMany, (source, file) => buildEntity(source, file, teams, true) as EntityModel);
    problems.push(...built.problems);
    entities.push(...built.intersects);
  }
  if (!problems.length) problems.push(...objectTypeCodeProblems(entities));
  if (problems.length) throw new ModelError(problems);
  return Object.freeze({
    entities: Object.freeze(entities),
    byLogicalName: new Map(entities.map((e) => [e.LogicalName, e])),
    byEntitySetName: new Map(entities.map((e) => [e.EntitySetName, e])),
  });
}

/** Table names with this prefix are Tessera's own (tessera_attribute, tessera_deletedrow, …). */
const RESERVED_PREFIX = 'tessera_';

/**
 * The table files of a metadata folder, sorted by name: regular files (or links to them) named
 * `*.json`, except hidden ones (`.name.json`: editors' lock files, macOS's `._` companions).
 * Throws what readdir throws.
 */
export function tableFileNames(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.name.endsWith('.json') && !d.name.startsWith('.') && (d.isFile() || (d.isSymbolicLink() && isFileAt(join(folder, d.name)))))
    .map((d) => d.name)
    .sort();
}

function isFileAt(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Loads every table file of a metadata folder (see tableFileNames) and builds the model.
 * Throws ModelError (file, JSON pointer, reason per problem) for unreadable JSON, schema
 * violations and inconsistent definitions, and when the folder holds no table at all.
 */
export function loadModel(folder: string): Model {
  let names: string[];
  try {
    names = tableFileNames(folder);
  } catch (err) {
    throw new ModelError([{ file: folder, pointer: '', reason: `cannot read the metadata folder: ${(err as Error).message}` }]);
  }
  if (!names.length) throw new ModelError([{ file: folder, pointer: '', reason: 'the metadata folder has no *.json table files' }]);
  const files: Array<{ source: string; json: unknown }> = [];
  const problems: ModelProblem[] = [];
  for (const name of names) {
    const source = join(folder, name);
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      problems.push({ file: source, pointer: '', reason: `cannot read the file: ${(err as Error).message}` });
      continue;
    }
    try {
      // A byte order mark (Windows editors save one) is not part of the JSON.
      files.push({ source, json: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) });
    } catch (err) {
      problems.push({ file: source, pointer: '', reason: `not valid JSON: ${(err as Error).message}` });
    }
  }
  if (problems.length) throw new ModelError(problems);
  return buildModel(files);
}
