import { Errors, ServiceError } from '../errors.js';
import {
  ATTRIBUTE_METADATA_TYPES, attributeDefinition, attributeMetadataType, derivedProperties, entityDefinition, keyDefinitions,
  OPTION_SET_TYPES, optionSetDefinition, type Definition,
} from '../model/definitions.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { ExpandItem } from './expand.js';
import type { Expr } from './expression.js';
import type { DefinitionKey, ODataRequest, Resource } from './request.js';
import { json, type HttpResponse } from './respond.js';

/**
 * `GET EntityDefinitions…` (digest §8; Microsoft's "Query table definitions using the Web API"):
 * the model's tables as EntityMetadata, their columns as AttributeMetadata, read-only.
 * - `EntityDefinitions`, `EntityDefinitions(LogicalName='x')` or `(<MetadataId>)`;
 * - `…/Attributes`, `…/Attributes(LogicalName='y')` or `(<MetadataId>)`, each optionally cast to
 *   its derived type (`/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`), which keeps the columns
 *   of that type and allows their own properties and `$expand=OptionSet,GlobalOptionSet`.
 * Query options: `$select` (MetadataId, and `@odata.type` of columns, always come back), `$filter`
 * (comparisons, `and`, `or`, `not` over properties and complex paths such as
 * `RequiredLevel/Value`, enum literals such as `Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`),
 * `$expand` of `Attributes` (with its own `$select` and `$filter`) and `Keys` on a table. As in
 * Dataverse there is no paging; `$top`, `$orderby`, `$count` and the rest are refused (400).
 */

type DefinitionsResource = Extract<Resource, { kind: 'definitions' }>;

/** Query options a metadata query does not take. */
const REFUSED: ReadonlyArray<[keyof ODataRequest['query'], string]> = [
  ['top', '$top'], ['orderBy', '$orderby'], ['count', '$count'], ['skipToken', '$skiptoken'], ['apply', '$apply'], ['fetchXml', 'fetchXml'],
];

/** A type's properties a query may name, and what to call the type in errors. */
interface DefinitionType {
  readonly name: string;
  readonly properties: ReadonlySet<string>;
  /** Navigation properties `$expand` may name. */
  readonly navigation: ReadonlySet<string>;
}

const NAMESPACE = 'Microsoft.Dynamics.CRM';

/** EntityKeyMetadata's properties (model/definitions.ts keyDefinitions). */
const KEY_TYPE: DefinitionType = {
  name: `${NAMESPACE}.EntityKeyMetadata`,
  properties: new Set(['MetadataId', 'HasChanged', 'LogicalName', 'SchemaName', 'EntityLogicalName', 'DisplayName', 'KeyAttributes', 'EntityKeyIndexStatus', 'IsManaged']),
  navigation: new Set(),
};

/**
 * Answers a GET on EntityDefinitions. Throws 404 `0x80040217` for a table or column no key
 * matches (message: INF, Dataverse's wording is not documented), 404 for a cast to a type that is
 * not a derived AttributeMetadata type, 400 `0x80060888` for unknown properties in `$select`,
 * `$filter` or `$expand`, for functions and lambdas in `$filter`, and for the refused options.
 */
export function answerDefinitions(req: ODataRequest, model: Model, r: DefinitionsResource): HttpResponse {
  for (const [option, name] of REFUSED) {
    if (req.query[option] !== undefined) throw Errors.badQuery(`The query option '${name}' is not supported on metadata entities.`);
  }
  const root = `${req.serviceRoot}$metadata#EntityDefinitions`;
  if (!r.attributes) {
    const type = entityType(model);
    if (r.entity) {
      const entity = findEntity(model, r.entity);
      return json(200, { '@odata.context': `${root}${selection(req.query.select)}/$entity`, ...entityObject(entity, type, req.query.select, req.query.expand) });
    }
    const value = model.entities.filter((e) => matches(req.query.filter, entityDefinition(e), type))
      .map((e) => entityObject(e, type, req.query.select, req.query.expand));
    return json(200, { '@odata.context': `${root}${selection(req.query.select)}`, value });
  }
  const entity = findEntity(model, r.entity!);
  const cast = r.attributes.cast;
  if (cast !== undefined && !ATTRIBUTE_METADATA_TYPES.has(cast)) throw Errors.resourceNotFound(`${NAMESPACE}.${cast}`);
  const type = attributeType(cast);
  const context = `${root}(${entityDefinition(entity).MetadataId as string})/Attributes${cast ? `/${NAMESPACE}.${cast}` : ''}${selection(req.query.select)}`;
  const columns = entity.Attributes.filter((a) => cast === undefined || attributeMetadataType(a) === cast);
  if (r.attributes.key) {
    const a = findAttribute(entity, columns, r.attributes.key, cast);
    return json(200, { '@odata.context': `${context}/$entity`, ...attributeObject(entity, a, type, req.query.select, req.query.expand) });
  }
  const value = columns.filter((a) => matches(req.query.filter, attributeDefinition(entity, a), type))
    .map((a) => attributeObject(entity, a, type, req.query.select, req.query.expand));
  return json(200, { '@odata.context': context, value });
}

/** `(a,b)` for a `$select`, else nothing. */
function selection(select: readonly string[] | undefined): string {
  return select ? `(${select.join(',')})` : '';
}

/** EntityMetadata's properties (the same for every table). */
function entityType(model: Model): DefinitionType {
  const sample = model.entities[0];
  return { name: `${NAMESPACE}.EntityMetadata`, properties: new Set(sample ? Object.keys(entityDefinition(sample)) : []), navigation: new Set(['Attributes', 'Keys']) };
}

/** Base AttributeMetadata's properties (no cast), or those of the derived type `cast`. */
function attributeType(cast: string | undefined): DefinitionType {
  const base = ['MetadataId', 'HasChanged', 'LogicalName', 'SchemaName', 'EntityLogicalName', 'AttributeType', 'AttributeTypeName', 'AttributeOf', 'ColumnNumber',
    'DisplayName', 'Description', 'RequiredLevel', 'IsPrimaryId', 'IsPrimaryName', 'IsValidForCreate', 'IsValidForUpdate', 'IsValidForRead', 'IsCustomAttribute',
    'IsManaged', 'IsLogical', 'IsSearchable', 'IsFilterable', 'IsValidForAdvancedFind'];
  return {
    name: `${NAMESPACE}.${cast ?? 'AttributeMetadata'}`,
    properties: new Set([...base, ...(cast ? derivedProperties(cast) : [])]),
    navigation: new Set(cast && OPTION_SET_TYPES.has(cast) ? ['OptionSet', 'GlobalOptionSet'] : []),
  };
}

function notFound(what: string, key: DefinitionKey): ServiceError {
  const by = key.LogicalName !== undefined ? `LogicalName '${key.LogicalName}'` : `MetadataId ${key.MetadataId}`;
  return new ServiceError(404, '0x80040217', `Could not find ${what} with ${by}.`);
}

function findEntity(model: Model, key: DefinitionKey): EntityModel {
  const entity = key.LogicalName !== undefined
    ? model.byLogicalName.get(key.LogicalName)
    : model.entities.find((e) => entityDefinition(e).MetadataId === key.MetadataId);
  if (!entity) throw notFound('an entity', key);
  return entity;
}

function findAttribute(entity: EntityModel, columns: readonly AttributeModel[], key: DefinitionKey, cast: string | undefined): AttributeModel {
  const a = key.LogicalName !== undefined
    ? columns.find((c) => c.LogicalName === key.LogicalName)
    : columns.find((c) => attributeDefinition(entity, c).MetadataId === key.MetadataId);
  if (!a) throw notFound(`an attribute of '${entity.LogicalName}'${cast ? ` of type ${cast}` : ''}`, key);
  return a;
}

/** `definition` with only the selected properties (MetadataId and `@odata.type` always). */
function project(definition: Definition, type: DefinitionType, select: readonly string[] | undefined): Definition {
  if (!select) return definition;
  const out: Definition = {};
  if (definition['@odata.type'] !== undefined) out['@odata.type'] = definition['@odata.type'];
  for (const name of select) {
    if (name === '*') return definition;
    if (!type.properties.has(name)) throw unknownProperty(name, type);
  }
  for (const [name, value] of Object.entries(definition)) if (name === 'MetadataId' || select.includes(name)) out[name] = value;
  return out;
}

function unknownProperty(name: string, type: DefinitionType): ServiceError {
  return Errors.badQuery(`Could not find a property named '${name}' on type '${type.name}'.`);
}

/** The expand items, each checked against the type's navigation properties. */
function expansions(expand: readonly ExpandItem[] | undefined, type: DefinitionType): readonly ExpandItem[] {
  for (const item of expand ?? []) {
    if (!type.navigation.has(item.property) || item.ref) {
      throw Errors.badQuery(`Could not find a navigation property named '${item.property}' on type '${type.name}'${type.name.endsWith('.AttributeMetadata') ? '; OptionSet is expanded on a cast to the derived type, e.g. Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata' : ''}.`);
    }
    if (item.orderBy || item.top !== undefined) throw Errors.badQuery(`$orderby and $top are not supported on metadata entities ($expand=${item.property}).`);
  }
  return expand ?? [];
}

function entityObject(entity: EntityModel, type: DefinitionType, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined): Definition {
  const out = project(entityDefinition(entity), type, select);
  for (const item of expansions(expand, type)) {
    if (item.property === 'Keys') {
      out['Keys'] = keyDefinitions(entity).filter((k) => matches(item.filter, k, KEY_TYPE)).map((k) => project(k, KEY_TYPE, item.select));
      continue;
    }
    const columns = attributeType(undefined);
    out['Attributes'] = entity.Attributes.filter((a) => matches(item.filter, attributeDefinition(entity, a), columns))
      .map((a) => attributeObject(entity, a, columns, item.select, item.expand));
  }
  return out;
}

function attributeObject(entity: EntityModel, a: AttributeModel, type: DefinitionType, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined): Definition {
  const out = project(attributeDefinition(entity, a), type, select);
  for (const item of expansions(expand, type)) {
    // No column belongs to a global option set: each has its own (IsGlobal false).
    out[item.property] = item.property === 'OptionSet' ? optionSetDefinition(entity, a) ?? null : null;
  }
  return out;
}

/** Whether `definition` satisfies `filter` (no filter: always). */
function matches(filter: Expr | undefined, definition: Definition, type: DefinitionType): boolean {
  return filter === undefined || evaluate(filter, definition, type) === true;
}

/** The value of `e` on `definition`: a primitive, null, or (for a complex path) an object. */
function evaluate(e: Expr, definition: Definition, type: DefinitionType): unknown {
  switch (e.kind) {
    case 'literal': return e.value;
    case 'path': {
      if (!type.properties.has(e.segments[0]!)) throw unknownProperty(e.segments[0]!, type);
      let value: unknown = definition;
      for (const segment of e.segments) {
        if (value === null || typeof value !== 'object') return null;
        if (!(segment in value)) throw unknownProperty(segment, type);
        value = (value as Record<string, unknown>)[segment];
      }
      return value;
    }
    case 'compare': {
      const left = evaluate(e.left, definition, type);
      const right = evaluate(e.right, definition, type);
      switch (e.op) {
        case 'eq': return left === right;
        case 'ne': return left !== right;
        default: {
          if (left === null || right === null || typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string')) return false;
          const l = left as number | string;
          const r = right as number | string;
          return e.op === 'gt' ? l > r : e.op === 'ge' ? l >= r : e.op === 'lt' ? l < r : l <= r;
        }
      }
    }
    case 'and': return evaluate(e.left, definition, type) === true && evaluate(e.right, definition, type) === true;
    case 'or': return evaluate(e.left, definition, type) === true || evaluate(e.right, definition, type) === true;
    case 'not': return evaluate(e.operand, definition, type) !== true;
    default:
      throw Errors.badQuery('A $filter on metadata entities may compare properties with eq, ne, gt, ge, lt and le, and join them with and, or and not; functions, lambdas and arrays are not supported there.');
  }
}
