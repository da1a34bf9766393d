import { Errors, ServiceError } from '../errors.js';
import {
  ATTRIBUTE_METADATA_TYPES, attributeDefinition, attributeMetadataType, entityDefinition, entityMetadataId, entityRelationships, globalOptionSetDefinitions, keyDefinitions,
  modelRelationships, OPTION_SET_TYPES, optionSetDefinition, relationshipDefinition, type Definition,
} from '../model/definitions.js';
import {
  attributeType, checkOptions, checkSelect, ENTITY, isRelationshipNavigation, KEY, MANY_TO_MANY, NAMESPACE, ONE_TO_MANY, OPTION_SET, RELATIONSHIP,
  type DefinitionType, type Predicate,
} from '../plan/definitions.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import { privilegesOf } from '../security/privileges.js';
import { NUMBER_TYPES } from './csdl-definitions.js';
import type { ExpandItem } from './expand.js';
import { jsonOfType } from './json-number.js';
import type { DefinitionKey, ODataRequest, Resource } from './request.js';
import { json, type HttpResponse } from './respond.js';

/**
 * `GET EntityDefinitions…`, `GET RelationshipDefinitions…` and `GET GlobalOptionSetDefinitions…`
 * (digest §8; Microsoft's "Query table definitions using the Web API"): the model's tables as
 * EntityMetadata, their columns as AttributeMetadata, its relationships as
 * OneToManyRelationshipMetadata / ManyToManyRelationshipMetadata, its global option sets as
 * OptionSetMetadata, read-only.
 * - `EntityDefinitions`, `EntityDefinitions(LogicalName='x')` or `(<MetadataId>)`;
 * - `…/Attributes`, `…/Attributes(LogicalName='y')` or `(<MetadataId>)`, each optionally cast to
 *   its derived type (`/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`), which keeps the columns
 *   of that type and allows their own properties and `$expand=OptionSet,GlobalOptionSet`;
 * - `GlobalOptionSetDefinitions`, `GlobalOptionSetDefinitions(Name='x')` or `(<MetadataId>)`,
 *   `$select` only (Dataverse refuses `$filter` there);
 * - `RelationshipDefinitions`, `RelationshipDefinitions(SchemaName='x')` or `(<MetadataId>)`,
 *   optionally cast to one kind (`/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata`), whose
 *   own properties `$select` and `$filter` may then name.
 * Query options: `$select` (MetadataId, and `@odata.type` of derived types, always come back),
 * `$filter` (comparisons, `and`, `or`, `not` over properties and complex paths such as
 * `RequiredLevel/Value`, with enum literals such as `Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`
 * for enum properties), `$expand` of `Attributes` (its own `$select` and `$filter`), `Keys` and the
 * relationship collections (`OneToManyRelationships`, `ManyToOneRelationships`,
 * `ManyToManyRelationships`) on a table, and of an option set on a cast column (its own `$select`). Every option is checked against
 * the type before any row is looked at, so a wrong one is a 400 however many rows there are. As in
 * Dataverse there is no paging; `$top`, `$orderby`, `$count` and the rest are refused (400).
 */

type DefinitionsResource = Extract<Resource, { kind: 'definitions' }>;

/** Query options a metadata query does not take. */
const REFUSED: ReadonlyArray<[keyof ODataRequest['query'], string]> = [
  ['top', '$top'], ['orderBy', '$orderby'], ['count', '$count'], ['skipToken', '$skiptoken'], ['apply', '$apply'], ['fetchXml', 'fetchXml'],
];

/**
 * Answers a GET on EntityDefinitions or GlobalOptionSetDefinitions. Throws 404 `0x80040217` for a
 * table, column or option set no key matches (message: INF, Dataverse's wording is not
 * documented), 404 `0x8006088a` for a cast to a type that is not one of the set's derived types,
 * 400 `0x80060888` for unknown properties in `$select`, `$filter` or `$expand`, for comparisons of
 * incompatible types, functions and lambdas in `$filter`, and for the refused options.
 */
export function answerDefinitions(req: ODataRequest, model: Model, r: DefinitionsResource): HttpResponse {
  for (const [option, name] of REFUSED) {
    if (req.query[option] !== undefined) throw Errors.badQuery(`The query option '${name}' is not supported on metadata entities.`);
  }
  if (r.set === 'GlobalOptionSetDefinitions') return answerOptionSets(req, model, r);
  if (r.set === 'RelationshipDefinitions') return answerRelationships(req, model, r);
  const { select, filter, expand } = req.query;
  const root = `${req.serviceRoot}$metadata#EntityDefinitions`;
  const filters = new Map<unknown, Predicate>();
  if (!r.attributes && !r.relationships && !r.keys) {
    checkOptions(ENTITY, select, filter, expand, filters);
    if (r.key) {
      const entity = findEntity(model, r.key);
      return json(200, { '@odata.context': `${root}${selection(select, expand)}/$entity`, ...entityObject(model, entity, select, expand, filters) }, {}, req.metadata);
    }
    const value = model.entities.filter((e) => filters.get(undefined)!(tableDefinition(model, e))).map((e) => entityObject(model, e, select, expand, filters));
    return json(200, { '@odata.context': `${root}${selection(select, expand)}`, value }, {}, req.metadata);
  }
  const entity = findEntity(model, r.key!);
  if (r.relationships) {
    const { property, key } = r.relationships;
    const type = property === 'ManyToManyRelationships' ? MANY_TO_MANY : ONE_TO_MANY;
    return answerTableCollection(req, entity, property, type, entityRelationships(model, entity, property).map((x) => untyped(relationshipDefinition(x))), key);
  }
  if (r.keys) return answerTableCollection(req, entity, 'Keys', KEY, keyDefinitions(entity), r.keys.key);
  const cast = r.attributes!.cast;
  if (r.attributes!.optionSet) return answerColumnOptionSet(req, model, entity, r.attributes!.key!, cast, r.attributes!.optionSet);
  if (cast !== undefined && !ATTRIBUTE_METADATA_TYPES.has(cast)) throw Errors.resourceNotFound(`${NAMESPACE}.${cast}`);
  checkOptions(attributeType(cast), select, filter, expand, filters);
  const context = `${root}(${entityMetadataId(entity)})/Attributes${cast ? `/${NAMESPACE}.${cast}` : ''}${selection(select, expand)}`;
  const columns = entity.Attributes.filter((a) => cast === undefined || attributeMetadataType(a) === cast);
  if (r.attributes!.key) {
    const a = findAttribute(entity, columns, r.attributes!.key, cast);
    return json(200, { '@odata.context': `${context}/$entity`, ...attributeObject(model, entity, a, select, expand) }, {}, req.metadata);
  }
  const value = columns.filter((a) => filters.get(undefined)!(attributeDefinition(entity, a))).map((a) => attributeObject(model, entity, a, select, expand));
  return json(200, { '@odata.context': context, value }, {}, req.metadata);
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
  const all = r.cast === 'BooleanOptionSetMetadata' ? [] : globalOptionSetDefinitions(model).map((d) => ({ '@odata.type': `#${NAMESPACE}.OptionSetMetadata`, ...d }));
  const context = `${req.serviceRoot}$metadata#GlobalOptionSetDefinitions${r.cast ? `/${NAMESPACE}.${r.cast}` : ''}${selection(req.query.select)}`;
  return answerCollection(req, context, all, () => true, r.key, 'an option set');
}

/**
 * A collection of definitions at `context` (a context URL without `/$entity`): those that
 * satisfy `filter`, or, with `key`, the one whose keyed property (MetadataId or its name) has the
 * key's value (404 `0x80040217` naming `what` when none has); each with `$select`'s properties.
 */
function answerCollection(req: ODataRequest, context: string, definitions: readonly Definition[], filter: Predicate, key: DefinitionKey | undefined, what: string): HttpResponse {
  if (!key) return json(200, { '@odata.context': context, value: definitions.filter(filter).map((d) => project(d, req.query.select)) }, {}, req.metadata);
  const found = definitions.find((d) => d[key.property] === key.value);
  if (!found) throw notFound(what, key);
  return json(200, { '@odata.context': `${context}/$entity`, ...project(found, req.query.select) }, {}, req.metadata);
}

/** The derived types of RelationshipDefinitions' RelationshipMetadataBase a cast may name, with the relationship kind each holds. */
const RELATIONSHIP_TYPES: Readonly<Record<string, { type: typeof ONE_TO_MANY; kind: string }>> = {
  OneToManyRelationshipMetadata: { type: ONE_TO_MANY, kind: 'OneToManyRelationship' },
  ManyToManyRelationshipMetadata: { type: MANY_TO_MANY, kind: 'ManyToManyRelationship' },
};

/**
 * RelationshipDefinitions: every relationship (each with `@odata.type`), or one by
 * `SchemaName='x'` or MetadataId; a cast keeps one kind and allows its own properties.
 */
function answerRelationships(req: ODataRequest, model: Model, r: DefinitionsResource): HttpResponse {
  if (req.query.expand !== undefined) throw Errors.badQuery("The query option '$expand' is not supported on RelationshipDefinitions.");
  const cast = r.cast === undefined ? undefined : RELATIONSHIP_TYPES[r.cast];
  if (r.cast !== undefined && !cast) throw Errors.resourceNotFound(`${NAMESPACE}.${r.cast}`);
  const filters = new Map<unknown, Predicate>();
  checkOptions(cast?.type ?? RELATIONSHIP, req.query.select, req.query.filter, undefined, filters);
  const all = modelRelationships(model).filter((x) => !cast || x.RelationshipType === cast.kind).map(relationshipDefinition);
  const context = `${req.serviceRoot}$metadata#RelationshipDefinitions${r.cast ? `/${NAMESPACE}.${r.cast}` : ''}${selection(req.query.select)}`;
  return answerCollection(req, context, all, filters.get(undefined)!, r.key, 'a relationship');
}

/** A relationship's definition as an item of a typed collection (no `@odata.type`). */
function untyped(definition: Definition): Definition {
  const { '@odata.type': _type, ...rest } = definition;
  return rest;
}

/**
 * `EntityDefinitions(<key>)/<property>[(<key>)]` for a collection of the table's definitions of
 * `type` (its relationships of one kind, its keys), with `$select` and `$filter` of the type; see
 * answerCollection.
 */
function answerTableCollection(req: ODataRequest, entity: EntityModel, property: string, type: DefinitionType, definitions: readonly Definition[], key: DefinitionKey | undefined): HttpResponse {
  if (req.query.expand !== undefined) throw Errors.badQuery(`The query option '$expand' is not supported on ${property}.`);
  const filters = new Map<unknown, Predicate>();
  checkOptions(type, req.query.select, req.query.filter, undefined, filters);
  const context = `${req.serviceRoot}$metadata#EntityDefinitions(${entityMetadataId(entity)})/${property}${selection(req.query.select)}`;
  return answerCollection(req, context, definitions, filters.get(undefined)!, key, `an item of ${property} of '${entity.LogicalName}'`);
}

/**
 * `…/Attributes(<key>)/<cast>/OptionSet` or `/GlobalOptionSet`: the column's option set (its own
 * or the global one; GlobalOptionSet only for a global one, else 204 No Content, a null
 * single-valued navigation property), `$select` only. The cast must be a type with an option set
 * (404 `0x8006088a` for another).
 */
function answerColumnOptionSet(req: ODataRequest, model: Model, entity: EntityModel, key: DefinitionKey, cast: string | undefined, property: 'OptionSet' | 'GlobalOptionSet'): HttpResponse {
  if (cast === undefined || !OPTION_SET_TYPES.has(cast)) throw Errors.resourceNotFound(property);
  for (const [option, label] of [['filter', '$filter'], ['expand', '$expand']] as const) {
    if (req.query[option] !== undefined) throw Errors.badQuery(`The query option '${label}' is not supported on ${property}.`);
  }
  checkSelect(OPTION_SET, req.query.select);
  const a = findAttribute(entity, entity.Attributes.filter((c) => attributeMetadataType(c) === cast), key, cast);
  const options = optionSetDefinition(model, entity, a) ?? null;
  const value = property === 'OptionSet' || options?.['IsGlobal'] ? options : null;
  if (!value) return { status: 204, headers: {} };
  const context = `${req.serviceRoot}$metadata#EntityDefinitions(${entityMetadataId(entity)})/Attributes(${attributeDefinition(entity, a)['MetadataId'] as string})/${NAMESPACE}.${cast}/${property}${selection(req.query.select)}`;
  return json(200, { '@odata.context': `${context}/$entity`, ...project(value, req.query.select) }, {}, req.metadata);
}

/** The context URL's select items: `$select`'s, then each expansion with its own (`Attributes(LogicalName)`), as for tables. */
function selectItems(select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined): string[] {
  return [...(select ?? []), ...(expand ?? []).map((e) => `${e.property}(${selectItems(e.select, e.expand).join(',')})`)];
}

/** `(a,b,Attributes(c))` for a `$select` or `$expand`, else nothing. */
function selection(select: readonly string[] | undefined, expand?: readonly ExpandItem[]): string {
  const items = selectItems(select, expand);
  return items.length ? `(${items.join(',')})` : '';
}

function notFound(what: string, key: DefinitionKey): ServiceError {
  const by = key.property === 'MetadataId' ? `MetadataId ${key.value}` : `${key.property} '${key.value}'`;
  return new ServiceError(404, '0x80040217', `Could not find ${what} with ${by}.`);
}

function findEntity(model: Model, key: DefinitionKey): EntityModel {
  const entity = key.property === 'MetadataId'
    ? model.entities.find((e) => entityMetadataId(e) === key.value)
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

/** `definition` with only the selected properties (MetadataId and `@odata.type` always). */
function project(definition: Definition, select: readonly string[] | undefined): Definition {
  if (!select || select.includes('*')) return definition;
  const out: Definition = {};
  for (const [name, value] of Object.entries(definition)) {
    if (name === '@odata.type' || name === 'MetadataId' || select.includes(name)) out[name] = value;
  }
  return out;
}

/** EntityMetadata of `entity` with its Privileges: the model's privileges on the table (security/privileges.ts). */
function tableDefinition(model: Model, entity: EntityModel): Definition {
  return entityDefinition(entity, [...(privilegesOf(model).byTable.get(entity)?.values() ?? [])]);
}

function entityObject(model: Model, entity: EntityModel, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined, filters: ReadonlyMap<unknown, Predicate>): Definition {
  const out = project(tableDefinition(model, entity), select);
  for (const item of expand ?? []) {
    const property = item.property;
    // The collections are typed: their items carry no @odata.type.
    const rows = property === 'Keys' ? keyDefinitions(entity)
      : isRelationshipNavigation(property) ? entityRelationships(model, entity, property).map((x) => untyped(relationshipDefinition(x)))
        : entity.Attributes.map((a) => attributeObject(model, entity, a, undefined, item.expand));
    out[item.property] = rows.filter(filters.get(item)!).map((d) => project(d, item.select));
  }
  return out;
}

/**
 * AttributeMetadata of column `a` as answered: the selected properties, MinValue and MaxValue
 * written as their declared type (NUMBER_TYPES: Edm.Decimal in plain notation, Edm.Int64 exact;
 * json-number.ts), and the expanded option sets.
 */
function attributeObject(model: Model, entity: EntityModel, a: AttributeModel, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined): Definition {
  const out = { ...project(attributeDefinition(entity, a), select) };
  const numberType = NUMBER_TYPES[attributeMetadataType(a)];
  if (numberType) for (const name of ['MinValue', 'MaxValue']) if (name in out) out[name] = jsonOfType(numberType, out[name]);
  for (const item of expand ?? []) {
    // A column's OptionSet, global or its own; GlobalOptionSet only for a global one.
    const options = optionSetDefinition(model, entity, a) ?? null;
    const value = item.property === 'OptionSet' || options?.['IsGlobal'] ? options : null;
    out[item.property] = value && project(value, item.select);
  }
  return out;
}
