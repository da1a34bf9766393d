import { Errors, ServiceError } from '../errors.js';
import {
  ATTRIBUTE_METADATA_TYPES, attributeDefinition, attributeMetadata, attributeMetadataType, ENTITY_KEY_METADATA, ENTITY_METADATA, entityDefinition,
  ENUMS, globalOptionSetDefinitions, keyDefinitions, OPTION_SET_METADATA, OPTION_SET_TYPES, optionSetDefinition, type Definition, type PropertyType,
} from '../model/definitions.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { ExpandItem } from './expand.js';
import type { Expr } from './expression.js';
import type { DefinitionKey, ODataRequest, Resource } from './request.js';
import { json, type HttpResponse } from './respond.js';

/**
 * `GET EntityDefinitions…` and `GET GlobalOptionSetDefinitions…` (digest §8; Microsoft's "Query
 * table definitions using the Web API"): the model's tables as EntityMetadata, their columns as
 * AttributeMetadata, its global option sets as OptionSetMetadata, read-only.
 * - `EntityDefinitions`, `EntityDefinitions(LogicalName='x')` or `(<MetadataId>)`;
 * - `…/Attributes`, `…/Attributes(LogicalName='y')` or `(<MetadataId>)`, each optionally cast to
 *   its derived type (`/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`), which keeps the columns
 *   of that type and allows their own properties and `$expand=OptionSet,GlobalOptionSet`;
 * - `GlobalOptionSetDefinitions`, `GlobalOptionSetDefinitions(Name='x')` or `(<MetadataId>)`,
 *   `$select` only (Dataverse refuses `$filter` there).
 * Query options: `$select` (MetadataId, and `@odata.type` of derived types, always come back),
 * `$filter` (comparisons, `and`, `or`, `not` over properties and complex paths such as
 * `RequiredLevel/Value`, with enum literals such as `Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`
 * for enum properties), `$expand` of `Attributes` (its own `$select` and `$filter`) and `Keys` on a
 * table, and of an option set on a cast column (its own `$select`). Every option is checked against
 * the type before any row is looked at, so a wrong one is a 400 however many rows there are. As in
 * Dataverse there is no paging; `$top`, `$orderby`, `$count` and the rest are refused (400).
 */

type DefinitionsResource = Extract<Resource, { kind: 'definitions' }>;

const NAMESPACE = 'Microsoft.Dynamics.CRM';

/** Query options a metadata query does not take. */
const REFUSED: ReadonlyArray<[keyof ODataRequest['query'], string]> = [
  ['top', '$top'], ['orderBy', '$orderby'], ['count', '$count'], ['skipToken', '$skiptoken'], ['apply', '$apply'], ['fetchXml', 'fetchXml'],
];

/** A metadata type: its name (in errors), its properties and the navigation properties `$expand` may name. */
interface DefinitionType {
  readonly name: string;
  readonly properties: Readonly<Record<string, PropertyType>>;
  readonly navigation: ReadonlySet<string>;
}

/** EntityMetadata's relationship collections: valid navigation properties this service does not serve yet. */
const RELATIONSHIP_NAVIGATION = new Set(['OneToManyRelationships', 'ManyToOneRelationships', 'ManyToManyRelationships']);

const ENTITY: DefinitionType = { name: `${NAMESPACE}.EntityMetadata`, properties: ENTITY_METADATA, navigation: new Set(['Attributes', 'Keys']) };
const KEY: DefinitionType = { name: `${NAMESPACE}.EntityKeyMetadata`, properties: ENTITY_KEY_METADATA, navigation: new Set() };
const OPTION_SET: DefinitionType = { name: `${NAMESPACE}.OptionSetMetadata`, properties: OPTION_SET_METADATA, navigation: new Set() };

/** Base AttributeMetadata (no cast), or the derived type `cast`. */
function attributeType(cast?: string): DefinitionType {
  return {
    name: `${NAMESPACE}.${cast ?? 'AttributeMetadata'}`,
    properties: attributeMetadata(cast),
    navigation: new Set(cast && OPTION_SET_TYPES.has(cast) ? ['OptionSet', 'GlobalOptionSet'] : []),
  };
}

/**
 * Answers a GET on EntityDefinitions or GlobalOptionSetDefinitions. Throws 404 `0x80040217` for a
 * table, column or option set no key matches (message: INF, Dataverse's wording is not
 * documented), 404 `0x8006088a` for a cast to a type that is not one of the set's derived types,
 * 400 `0x80060888` for unknown properties in `$select`, `$filter` or `$expand`, for comparisons of
 * incompatible types, functions and lambdas in `$filter`, and for the refused options; 501 for
 * `$expand` of the relationship collections.
 */
export function answerDefinitions(req: ODataRequest, model: Model, r: DefinitionsResource): HttpResponse {
  for (const [option, name] of REFUSED) {
    if (req.query[option] !== undefined) throw Errors.badQuery(`The query option '${name}' is not supported on metadata entities.`);
  }
  if (r.set === 'GlobalOptionSetDefinitions') return answerOptionSets(req, model, r);
  const { select, filter, expand } = req.query;
  const root = `${req.serviceRoot}$metadata#EntityDefinitions`;
  const filters = new Map<unknown, Predicate>();
  if (!r.attributes) {
    checkOptions(ENTITY, select, filter, expand, filters);
    if (r.key) {
      const entity = findEntity(model, r.key);
      return json(200, { '@odata.context': `${root}${selection(select)}/$entity`, ...entityObject(model, entity, select, expand, filters) });
    }
    const value = model.entities.filter((e) => filters.get(undefined)!(entityDefinition(e))).map((e) => entityObject(model, e, select, expand, filters));
    return json(200, { '@odata.context': `${root}${selection(select)}`, value });
  }
  const entity = findEntity(model, r.key!);
  const cast = r.attributes.cast;
  if (cast !== undefined && !ATTRIBUTE_METADATA_TYPES.has(cast)) throw Errors.resourceNotFound(`${NAMESPACE}.${cast}`);
  checkOptions(attributeType(cast), select, filter, expand, filters);
  const context = `${root}(${entityDefinition(entity).MetadataId as string})/Attributes${cast ? `/${NAMESPACE}.${cast}` : ''}${selection(select)}`;
  const columns = entity.Attributes.filter((a) => cast === undefined || attributeMetadataType(a) === cast);
  if (r.attributes.key) {
    const a = findAttribute(entity, columns, r.attributes.key, cast);
    return json(200, { '@odata.context': `${context}/$entity`, ...attributeObject(model, entity, a, select, expand) });
  }
  const value = columns.filter((a) => filters.get(undefined)!(attributeDefinition(entity, a))).map((a) => attributeObject(model, entity, a, select, expand));
  return json(200, { '@odata.context': context, value });
}

/** The derived types of GlobalOptionSetDefinitions' OptionSetMetadataBase a cast may name. */
const OPTION_SET_METADATA_TYPES: ReadonlySet<string> = new Set(['OptionSetMetadata', 'BooleanOptionSetMetadata']);

/** GlobalOptionSetDefinitions: every global option set, or one by `Name='x'` or MetadataId, each with `@odata.type`. */
function answerOptionSets(req: ODataRequest, model: Model, r: DefinitionsResource): HttpResponse {
  if (req.query.filter !== undefined) throw Errors.badQuery("The query option '$filter' is not supported on GlobalOptionSetDefinitions.");
  if (req.query.expand !== undefined) throw Errors.badQuery("The query option '$expand' is not supported on GlobalOptionSetDefinitions.");
  if (r.cast !== undefined && !OPTION_SET_METADATA_TYPES.has(r.cast)) throw Errors.resourceNotFound(`${NAMESPACE}.${r.cast}`);
  checkSelect(OPTION_SET, req.query.select);
  // Every global option set here is a Picklist's: an OptionSetMetadata.
  const all = r.cast === 'BooleanOptionSetMetadata' ? [] : globalOptionSetDefinitions(model);
  const typed = (d: Definition) => project({ '@odata.type': `#${NAMESPACE}.OptionSetMetadata`, ...d }, req.query.select);
  const context = `${req.serviceRoot}$metadata#GlobalOptionSetDefinitions${r.cast ? `/${NAMESPACE}.${r.cast}` : ''}${selection(req.query.select)}`;
  if (!r.key) return json(200, { '@odata.context': context, value: all.map(typed) });
  const key = r.key;
  const found = all.find((d) => (key.property === 'Name' ? d['Name'] === key.value : d['MetadataId'] === key.value));
  if (!found) throw notFound('an option set', key);
  return json(200, { '@odata.context': `${context}/$entity`, ...typed(found) });
}

/** `(a,b)` for a `$select`, else nothing. */
function selection(select: readonly string[] | undefined): string {
  return select ? `(${select.join(',')})` : '';
}

function notFound(what: string, key: DefinitionKey): ServiceError {
  const by = key.property === 'MetadataId' ? `MetadataId ${key.value}` : `${key.property} '${key.value}'`;
  return new ServiceError(404, '0x80040217', `Could not find ${what} with ${by}.`);
}

function findEntity(model: Model, key: DefinitionKey): EntityModel {
  const entity = key.property === 'MetadataId'
    ? model.entities.find((e) => entityDefinition(e).MetadataId === key.value)
    : model.byLogicalName.get(key.value);
  if (!entity) throw notFound('an entity', key);
  return entity;
}

function findAttribute(entity: EntityModel, columns: readonly AttributeModel[], key: DefinitionKey, cast: string | undefined): AttributeModel {
  const a = key.property === 'MetadataId'
    ? columns.find((c) => attributeDefinition(entity, c).MetadataId === key.value)
    : columns.find((c) => c.LogicalName === key.value);
  if (!a) throw notFound(`an attribute of '${entity.LogicalName}'${cast ? ` of type ${cast}` : ''}`, key);
  return a;
}

function unknownProperty(name: string, type: string): ServiceError {
  return Errors.badQuery(`Could not find a property named '${name}' on type '${type}'.`);
}

// ---- checks and compilation, before any row is looked at ----

/** A compiled `$filter`: whether a definition satisfies it. */
type Predicate = (d: Definition) => boolean;

/**
 * Checks `$select`, `$filter` and `$expand` (with their nested options) against `type`; returns
 * the compiled `$filter` of each level (`filters.get(undefined)` for this one, keyed by expand
 * item for the nested ones).
 */
function checkOptions(type: DefinitionType, select: readonly string[] | undefined, filter: Expr | undefined, expand: readonly ExpandItem[] | undefined, filters: Map<unknown, Predicate>, at?: unknown): void {
  checkSelect(type, select);
  filters.set(at, filter ? compileBoolean(filter, type) : () => true);
  for (const item of expand ?? []) {
    if (RELATIONSHIP_NAVIGATION.has(item.property) && type === ENTITY) throw Errors.notImplemented(`$expand=${item.property} on EntityDefinitions`);
    if (!type.navigation.has(item.property) || item.ref) {
      const hint = type.name.endsWith('.AttributeMetadata') && item.property === 'OptionSet' ? '; OptionSet is expanded on a cast to the derived type, e.g. Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata' : '';
      throw Errors.badQuery(`Could not find a navigation property named '${item.property}' on type '${type.name}'${hint}.`);
    }
    if (item.orderBy || item.top !== undefined) throw Errors.badQuery(`$orderby and $top are not supported on metadata entities ($expand=${item.property}).`);
    const target = item.property === 'Attributes' ? attributeType() : item.property === 'Keys' ? KEY : OPTION_SET;
    // An option set is one object: only its $select applies.
    if (target === OPTION_SET && (item.filter || item.expand)) throw Errors.badQuery(`Only $select applies inside $expand=${item.property}.`);
    checkOptions(target, item.select, item.filter, item.expand, filters, item);
  }
}

function checkSelect(type: DefinitionType, select: readonly string[] | undefined): void {
  for (const name of select ?? []) if (name !== '*' && !Object.hasOwn(type.properties, name)) throw unknownProperty(name, type.name);
}

const UNSUPPORTED = 'A $filter on metadata entities may compare properties with eq, ne, gt, ge, lt and le, and join them with and, or and not; functions, lambdas and arrays are not supported there.';

/** A `$filter` operand: a property path's type and how to read it, or a literal. */
type Operand =
  | { readonly kind: 'property'; readonly type: PropertyType; readonly read: (d: Definition) => unknown }
  | { readonly kind: 'literal'; readonly literal: Extract<Expr, { kind: 'literal' }> };

/** Compiles `e`, which must be a boolean expression over `type`'s properties. */
function compileBoolean(e: Expr, type: DefinitionType): Predicate {
  switch (e.kind) {
    case 'and': { const l = compileBoolean(e.left, type); const r = compileBoolean(e.right, type); return (d) => l(d) && r(d); }
    case 'or': { const l = compileBoolean(e.left, type); const r = compileBoolean(e.right, type); return (d) => l(d) || r(d); }
    case 'not': { const o = compileBoolean(e.operand, type); return (d) => !o(d); }
    case 'compare': return compileComparison(e, type);
    case 'path': {
      const o = operandOf(e, type);
      if (o.kind === 'property' && o.type === 'Boolean') return (d) => o.read(d) === true;
      break;
    }
    case 'literal': if (e.literal === 'boolean') return () => e.value === true; break;
    default: break;
  }
  throw Errors.badQuery(UNSUPPORTED);
}

/** The operand `e`: a property path (`RequiredLevel/Value`, own properties only) or a literal; 400 for anything else. */
function operandOf(e: Expr, type: DefinitionType): Operand {
  if (e.kind === 'literal') return { kind: 'literal', literal: e };
  if (e.kind !== 'path') throw Errors.badQuery(UNSUPPORTED);
  let properties: Readonly<Record<string, PropertyType>> | undefined = type.properties;
  let owner = type.name;
  let t: PropertyType | undefined;
  for (const segment of e.segments) {
    if (!properties || !Object.hasOwn(properties, segment)) throw unknownProperty(segment, owner);
    t = properties[segment]!;
    properties = typeof t === 'object' && 'complex' in t ? t.complex : undefined;
    owner = segment;
  }
  const segments = e.segments;
  return {
    kind: 'property',
    type: t!,
    read: (d) => {
      let value: unknown = d;
      for (const segment of segments) {
        if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return null;
        value = (value as Record<string, unknown>)[segment];
      }
      return value;
    },
  };
}

const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

function describe(o: Operand): string {
  if (o.kind === 'literal') return o.literal.literal === 'enum' ? o.literal.enumType! : o.literal.raw;
  const t = o.type;
  return typeof t === 'string' ? t : 'enum' in t ? `${NAMESPACE}.${t.enum}` : 'a complex type';
}

/**
 * Compiles a comparison: a property with a literal of its type (a GUID in any of its forms, an
 * enum member of the property's own enum type, by name; null), or two properties of one type.
 * Only numbers and strings are ordered (gt, ge, lt, le).
 */
function compileComparison(e: Extract<Expr, { kind: 'compare' }>, type: DefinitionType): Predicate {
  const left = operandOf(e.left, type);
  const right = operandOf(e.right, type);
  const incompatible = () => Errors.badQuery(`A binary operator with incompatible types was detected. Found operand types '${describe(left)}' and '${describe(right)}' for operator kind '${e.op}'.`);
  const property = left.kind === 'property' ? left : right.kind === 'property' ? right : undefined;
  if (!property) throw incompatible();
  const other = property === left ? right : left;
  const t = property.type;
  if (t === 'Collection' || (typeof t === 'object' && 'complex' in t)) throw incompatible();
  const ordered = t === 'Int32' || t === 'Number' || t === 'String';
  if (e.op !== 'eq' && e.op !== 'ne' && !ordered) throw incompatible();
  let read: (d: Definition) => unknown;
  if (other.kind === 'property') {
    if (JSON.stringify(other.type) !== JSON.stringify(t)) throw incompatible();
    read = other.read;
  } else {
    const value = literalFor(t, other.literal, incompatible);
    read = () => value;
  }
  const [l, r] = property === left ? [property.read, read] : [read, property.read];
  const compare = COMPARE[e.op];
  return (d) => compare(l(d), r(d));
}

/** The value literal `l` stands for when compared with a property of type `t`; throws `incompatible()` when it cannot. */
function literalFor(t: PropertyType, l: Extract<Expr, { kind: 'literal' }>, incompatible: () => Error): unknown {
  if (l.literal === 'null') return null;
  if (typeof t === 'object') {
    if (!('enum' in t) || (l.literal !== 'enum' && l.literal !== 'string')) throw incompatible();
    if (l.literal === 'enum' && l.enumType !== `${NAMESPACE}.${t.enum}` && l.enumType !== `mscrm.${t.enum}`) throw incompatible();
    const members = ENUMS[t.enum] ?? [];
    if (!members.includes(String(l.value))) throw Errors.badQuery(`'${String(l.value)}' is not a member of the enum type '${NAMESPACE}.${t.enum}' (${members.join(', ')}).`);
    return l.value;
  }
  switch (t) {
    case 'String': if (l.literal === 'string') return l.value; break;
    case 'Guid': {
      const m = l.literal === 'guid' || l.literal === 'string' ? GUID.exec(String(l.value)) : null;
      if (m) return m[1]!.toLowerCase();
      break;
    }
    case 'Int32': if (l.literal === 'integer') return l.value; break;
    case 'Number': if (l.literal === 'integer' || l.literal === 'decimal') return l.value; break;
    case 'Boolean': if (l.literal === 'boolean') return l.value; break;
    default: break;
  }
  throw incompatible();
}

/** The comparison operators over checked values (null: equal only to null, never ordered). */
const COMPARE: Readonly<Record<Extract<Expr, { kind: 'compare' }>['op'], (l: unknown, r: unknown) => boolean>> = {
  eq: (l, r) => l === r,
  ne: (l, r) => l !== r,
  gt: (l, r) => l !== null && r !== null && (l as number) > (r as number),
  ge: (l, r) => l !== null && r !== null && (l as number) >= (r as number),
  lt: (l, r) => l !== null && r !== null && (l as number) < (r as number),
  le: (l, r) => l !== null && r !== null && (l as number) <= (r as number),
};

/** `definition` with only the selected properties (MetadataId and `@odata.type` always). */
function project(definition: Definition, select: readonly string[] | undefined): Definition {
  if (!select || select.includes('*')) return definition;
  const out: Definition = {};
  for (const [name, value] of Object.entries(definition)) {
    if (name === '@odata.type' || name === 'MetadataId' || select.includes(name)) out[name] = value;
  }
  return out;
}

function entityObject(model: Model, entity: EntityModel, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined, filters: ReadonlyMap<unknown, Predicate>): Definition {
  const out = project(entityDefinition(entity), select);
  for (const item of expand ?? []) {
    const rows = item.property === 'Keys'
      ? keyDefinitions(entity)
      : entity.Attributes.map((a) => attributeObject(model, entity, a, undefined, item.expand));
    out[item.property] = rows.filter(filters.get(item)!).map((d) => project(d, item.select));
  }
  return out;
}

function attributeObject(model: Model, entity: EntityModel, a: AttributeModel, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined): Definition {
  const out = project(attributeDefinition(entity, a), select);
  for (const item of expand ?? []) {
    // A column's OptionSet, global or its own; GlobalOptionSet only for a global one.
    const options = optionSetDefinition(model, entity, a) ?? null;
    const value = item.property === 'OptionSet' || options?.['IsGlobal'] ? options : null;
    out[item.property] = value && project(value, item.select);
  }
  return out;
}
