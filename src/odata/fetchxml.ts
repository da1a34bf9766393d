import { parseString } from 'xml2js';
import { Errors } from '../errors.js';
import { MAX_NESTING } from '../nesting.js';

/**
 * Parse stage of the FetchXML front end (`GET /<set>?fetchXml=…`, digest §3.8): the XML text
 * becomes a typed `FetchQuery`. Follows Dataverse's FetchXML reference (elements fetch, entity,
 * link-entity, attribute, all-attributes, order, filter, condition, value). Only syntax is checked
 * here — element nesting, attribute names, and the values of enumerated, boolean and numeric
 * attributes; table and column names are resolved against the model by plan/fetch.ts.
 *
 * Errors: 400 `0x80040203` naming the element and attribute for malformed XML, unknown elements,
 * attributes or operators and bad attribute values; 501 for valid FetchXML attributes whose
 * meaning Tessera does not implement (they would change the result, so they are not ignored).
 * Attributes that only tune Dataverse's SQL (`no-lock`, `latematerialize`, `options`, a filter's
 * `hint`) or describe UI (`uiname`, `visible`, …) are accepted and have no effect.
 */

/** `link-entity` `link-type` values (Dataverse link-entity reference). */
export const LINK_TYPES = ['inner', 'outer', 'any', 'not any', 'all', 'not all', 'exists', 'in', 'matchfirstrowusingcrossapply'] as const;
/** One `link-type` value. */
export type LinkType = (typeof LINK_TYPES)[number];

/** The link types that are conditions inside a `filter` element ("filter link types"). */
export const FILTER_LINK_TYPES: ReadonlySet<LinkType> = new Set(['any', 'not any', 'all', 'not all']);

/** `attribute` `aggregate` functions (aggregate queries). */
export const AGGREGATE_FUNCTIONS = ['count', 'countcolumn', 'sum', 'avg', 'min', 'max'] as const;
/** One `aggregate` value. */
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** `attribute` `dategrouping` values (aggregate queries). */
export const DATE_GROUPINGS = ['day', 'week', 'month', 'quarter', 'year', 'fiscal-period', 'fiscal-year'] as const;
/** One `dategrouping` value. */
export type DateGrouping = (typeof DATE_GROUPINGS)[number];

/**
 * Every `condition` operator of the FetchXML schema. `older-than-x-*` is accepted as a spelling
 * of Dataverse's `olderthan-x-*`.
 */
export const CONDITION_OPERATORS = [
  'eq', 'neq', 'ne', 'gt', 'ge', 'le', 'lt', 'like', 'not-like', 'in', 'not-in', 'between', 'not-between', 'null', 'not-null',
  'begins-with', 'not-begin-with', 'ends-with', 'not-end-with',
  'yesterday', 'today', 'tomorrow', 'last-seven-days', 'next-seven-days', 'last-week', 'this-week', 'next-week',
  'last-month', 'this-month', 'next-month', 'last-year', 'this-year', 'next-year', 'on', 'on-or-before', 'on-or-after',
  'last-x-hours', 'next-x-hours', 'last-x-days', 'next-x-days', 'last-x-weeks', 'next-x-weeks', 'last-x-months', 'next-x-months',
  'last-x-years', 'next-x-years',
  'olderthan-x-minutes', 'olderthan-x-hours', 'olderthan-x-days', 'olderthan-x-weeks', 'olderthan-x-months', 'olderthan-x-years',
  'older-than-x-minutes', 'older-than-x-hours', 'older-than-x-days', 'older-than-x-weeks', 'older-than-x-months', 'older-than-x-years',
  'eq-userid', 'ne-userid', 'eq-userteams', 'eq-useroruserteams', 'eq-useroruserhierarchy', 'eq-useroruserhierarchyandteams',
  'eq-businessid', 'ne-businessid', 'eq-userlanguage',
  'this-fiscal-year', 'this-fiscal-period', 'next-fiscal-year', 'next-fiscal-period', 'last-fiscal-year', 'last-fiscal-period',
  'last-x-fiscal-years', 'last-x-fiscal-periods', 'next-x-fiscal-years', 'next-x-fiscal-periods', 'in-fiscal-year', 'in-fiscal-period',
  'in-fiscal-period-and-year', 'in-or-before-fiscal-period-and-year', 'in-or-after-fiscal-period-and-year',
  'under', 'eq-or-under', 'not-under', 'above', 'eq-or-above', 'contain-values', 'not-contain-values',
] as const;
/** One `condition` `operator` value. */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** An `attribute` element: a column to return (or, in aggregate queries, to group or aggregate). */
export interface FetchAttribute {
  readonly name: string;
  readonly alias?: string;
  readonly aggregate?: AggregateFunction;
  readonly groupby?: boolean;
  readonly dategrouping?: DateGrouping;
  readonly usertimezone?: boolean;
  /** Aggregate `countcolumn` over distinct values. */
  readonly distinct?: boolean;
  /**
   * `rowaggregate="CountChildren"` (any case, as Dataverse reads it): the attribute returns the
   * number of the row's children in its table's hierarchy instead of the column (Dataverse "Query
   * hierarchical data", Retrieve the number of hierarchically related child records).
   */
  readonly rowaggregate?: 'CountChildren';
}

/** An `order` element: by a column (`attribute`), or by an aggregate's `alias`. */
export interface FetchOrder {
  readonly attribute?: string;
  readonly alias?: string;
  /** Orders by a column of the link-entity with this alias or name. */
  readonly entityname?: string;
  readonly descending: boolean;
}

/**
 * A `condition` element. `value` is the attribute; `values` the `<value>` children (in, between,
 * …); `valueof` names another column to compare with; `entityname` the alias (or name) of the
 * link-entity whose column is tested. `aggregate`, `alias` and `rowaggregate` are kept for
 * aggregate queries.
 */
export interface FetchCondition {
  readonly kind: 'condition';
  readonly attribute: string;
  readonly operator: ConditionOperator;
  readonly value?: string;
  readonly values: readonly string[];
  readonly valueof?: string;
  readonly entityname?: string;
  readonly aggregate?: string;
  readonly alias?: string;
  readonly rowaggregate?: string;
}

/** A `filter` element: its conditions, nested filters and filter link-entities, combined by `type`. */
export interface FetchFilter {
  readonly kind: 'filter';
  readonly type: 'and' | 'or';
  readonly items: ReadonlyArray<FetchCondition | FetchFilter | FetchLink>;
}

/** What `entity` and `link-entity` share. */
export interface FetchTable {
  /** The table's LogicalName. */
  readonly name: string;
  readonly attributes: readonly FetchAttribute[];
  /** `all-attributes` is present. */
  readonly allAttributes: boolean;
  readonly orders: readonly FetchOrder[];
  /** `filter` children (Dataverse combines several with and). */
  readonly filters: readonly FetchFilter[];
  readonly links: readonly FetchLink[];
}

/** A `link-entity` element; `linkType` defaults to `inner`. */
export interface FetchLink extends FetchTable {
  readonly kind: 'link-entity';
  /** Column of the linked table. */
  readonly from?: string;
  /** Column of the parent table. */
  readonly to?: string;
  readonly alias?: string;
  readonly linkType: LinkType;
}

/** A whole `fetch` element. */
export interface FetchQuery {
  readonly entity: FetchTable;
  /** 1…5,000 rows, no paging. */
  readonly top?: number;
  /** Page size, 1…5,000. */
  readonly count?: number;
  /** 1-based page number. */
  readonly page?: number;
  /** The previous page's cookie, XML-decoded (`<cookie page="1">…</cookie>`). */
  readonly pagingCookie?: string;
  readonly distinct: boolean;
  readonly returnTotalRecordCount: boolean;
  readonly aggregate: boolean;
  readonly aggregateLimit?: number;
  /** `retained`: query long-term retained rows (Dataverse long-term data retention). */
  readonly datasource?: 'retained';
  /** `useraworderby`: choice columns sort by value rather than by label. */
  readonly useRawOrderBy: boolean;
}

/** One parsed XML element (xml2js with explicitChildren and preserveChildrenOrder). */
export interface XmlNode {
  readonly '#name': string;
  readonly $?: Record<string, string>;
  readonly $$?: XmlNode[];
  readonly _?: string;
}

/** How an XML attribute is treated: read, accepted without effect, or refused with 501. */
type Use = 'read' | 'ignore' | 'unsupported';

const FETCH_ATTRIBUTES: Record<string, Use> = {
  version: 'ignore', mapping: 'read', 'output-format': 'ignore', count: 'read', page: 'read', 'paging-cookie': 'read', top: 'read',
  distinct: 'read', aggregate: 'read', aggregatelimit: 'read', returntotalrecordcount: 'read', datasource: 'read',
  'no-lock': 'read', latematerialize: 'read', options: 'ignore', useraworderby: 'read',
  'utc-offset': 'unsupported', 'min-active-row-version': 'unsupported',
};
const ENTITY_ATTRIBUTES: Record<string, Use> = { name: 'read', enableprefiltering: 'ignore', prefilterparametername: 'ignore' };
const LINK_ATTRIBUTES: Record<string, Use> = {
  name: 'read', from: 'read', to: 'read', alias: 'read', 'link-type': 'read', intersect: 'read', visible: 'read',
  enableprefiltering: 'ignore', prefilterparametername: 'ignore',
};
const ATTRIBUTE_ATTRIBUTES: Record<string, Use> = {
  name: 'read', alias: 'read', aggregate: 'read', groupby: 'read', dategrouping: 'read', usertimezone: 'read', distinct: 'read',
  build: 'ignore', addedby: 'ignore', rowaggregate: 'read',
};
const ORDER_ATTRIBUTES: Record<string, Use> = { attribute: 'read', alias: 'read', descending: 'read', entityname: 'read' };
const FILTER_ATTRIBUTES: Record<string, Use> = {
  type: 'read', hint: 'ignore', isquickfindfields: 'ignore', overridequickfindrecordlimitenabled: 'ignore', overridequickfindrecordlimitdisabled: 'ignore',
};
const CONDITION_ATTRIBUTES: Record<string, Use> = {
  attribute: 'read', operator: 'read', value: 'read', valueof: 'read', entityname: 'read', aggregate: 'read', alias: 'read', rowaggregate: 'read',
  column: 'unsupported', uiname: 'ignore', uitype: 'ignore', uihidden: 'ignore',
};
const VALUE_ATTRIBUTES: Record<string, Use> = { uiname: 'ignore', uitype: 'ignore' };


/** 400 `0x80040203` for a FetchXML mistake: `Invalid FetchXML: <message>`. */
export function invalid(message: string): Error {
  return Errors.invalidArgument(`Invalid FetchXML: ${message}`);
}

/** Reads an element's XML attributes, refusing names the element does not have. */
function attributesOf(node: XmlNode, known: Record<string, Use>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.$ ?? {})) {
    const use = known[name];
    if (use === undefined) throw invalid(`the element <${node['#name']}> has no attribute '${name}'.`);
    if (use === 'unsupported') throw Errors.notImplemented(`The FetchXML attribute '${name}' of <${node['#name']}>`);
    if (use === 'read') out[name] = value;
  }
  return out;
}

function required(node: XmlNode, attrs: Record<string, string>, name: string): string {
  const v = attrs[name];
  if (v === undefined || v.trim() === '') throw invalid(`the element <${node['#name']}> needs the attribute '${name}'.`);
  return v.trim();
}

function boolean(node: XmlNode, attrs: Record<string, string>, name: string): boolean | undefined {
  const v = attrs[name];
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw invalid(`the attribute '${name}' of <${node['#name']}> must be true or false; '${v}' is not.`);
}

function integer(node: XmlNode, attrs: Record<string, string>, name: string, min: number, max: number): number | undefined {
  const v = attrs[name];
  if (v === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw invalid(`the attribute '${name}' of <${node['#name']}> must be a whole number from ${min} to ${max}; '${v}' is not.`);
  return n;
}

function oneOf<T extends string>(node: XmlNode, attrs: Record<string, string>, name: string, values: readonly T[]): T | undefined {
  const v = attrs[name];
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw invalid(`the attribute '${name}' of <${node['#name']}> cannot be '${v}'; it is one of ${values.map((x) => `'${x}'`).join(', ')}.`);
  return v as T;
}

/** Refuses text where the schema has none (only `<value>` holds text). */
function noText(node: XmlNode): void {
  if (node._ !== undefined && node._.trim() !== '') throw invalid(`the element <${node['#name']}> cannot contain text ('${node._.trim().slice(0, 40)}').`);
}

function children(node: XmlNode): XmlNode[] {
  noText(node);
  return node.$$ ?? [];
}

function unexpected(child: XmlNode, parent: XmlNode): Error {
  return invalid(`the element <${child['#name']}> is not allowed inside <${parent['#name']}>.`);
}

function parseAttribute(node: XmlNode): FetchAttribute {
  const a = attributesOf(node, ATTRIBUTE_ATTRIBUTES);
  children(node).forEach((c) => { throw unexpected(c, node); });
  return {
    name: required(node, a, 'name'),
    alias: a['alias'],
    aggregate: oneOf(node, a, 'aggregate', AGGREGATE_FUNCTIONS),
    groupby: boolean(node, a, 'groupby'),
    dategrouping: oneOf(node, a, 'dategrouping', DATE_GROUPINGS),
    usertimezone: boolean(node, a, 'usertimezone'),
    distinct: boolean(node, a, 'distinct'),
    rowaggregate: rowAggregate(node, a),
  };
}

/** An `attribute`'s `rowaggregate`: `CountChildren` in any case (the only value), 400 for others. */
function rowAggregate(node: XmlNode, attrs: Record<string, string>): 'CountChildren' | undefined {
  const v = attrs['rowaggregate'];
  if (v === undefined) return undefined;
  if (v.trim().toLowerCase() !== 'countchildren') throw invalid(`the attribute 'rowaggregate' of <${node['#name']}> cannot be '${v}'; it is 'CountChildren'.`);
  return 'CountChildren';
}

function parseOrder(node: XmlNode): FetchOrder {
  const a = attributesOf(node, ORDER_ATTRIBUTES);
  children(node).forEach((c) => { throw unexpected(c, node); });
  if (a['attribute'] === undefined && a['alias'] === undefined) throw invalid("the element <order> needs the attribute 'attribute' (or 'alias' in aggregate queries).");
  return { attribute: a['attribute'], alias: a['alias'], entityname: a['entityname'], descending: boolean(node, a, 'descending') ?? false };
}

function parseCondition(node: XmlNode): FetchCondition {
  const a = attributesOf(node, CONDITION_ATTRIBUTES);
  const values = children(node).map((c) => {
    if (c['#name'] !== 'value') throw unexpected(c, node);
    attributesOf(c, VALUE_ATTRIBUTES);
    if (c.$$?.length) throw invalid('the element <value> holds text only.');
    return c._ ?? '';
  });
  const operator = a['operator'];
  if (operator === undefined) throw invalid("the element <condition> needs the attribute 'operator'.");
  if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) throw invalid(`the condition operator '${operator}' is not valid.`);
  if (a['attribute'] === undefined && a['alias'] === undefined) throw invalid("the element <condition> needs the attribute 'attribute'.");
  return {
    kind: 'condition', attribute: (a['attribute'] ?? '').trim(), operator: operator as ConditionOperator, value: a['value'], values,
    valueof: a['valueof'], entityname: a['entityname'], aggregate: a['aggregate'], alias: a['alias'], rowaggregate: a['rowaggregate'],
  };
}

function nested(node: XmlNode, depth: number): number {
  if (depth > MAX_NESTING) throw invalid(`<${node['#name']}> elements nest more than ${MAX_NESTING} levels deep.`);
  return depth + 1;
}

function parseFilter(node: XmlNode, depth: number): FetchFilter {
  const next = nested(node, depth);
  const a = attributesOf(node, FILTER_ATTRIBUTES);
  const items = children(node).map((c) => {
    switch (c['#name']) {
      case 'condition': return parseCondition(c);
      case 'filter': return parseFilter(c, next);
      case 'link-entity': return parseLink(c, next);
      default: throw unexpected(c, node);
    }
  });
  return { kind: 'filter', type: oneOf(node, a, 'type', ['and', 'or'] as const) ?? 'and', items };
}

/** The children every table element may have (attribute, all-attributes, order, filter, link-entity). */
function parseTableBody(node: XmlNode, name: string, depth: number): FetchTable {
  const attributes: FetchAttribute[] = [];
  const orders: FetchOrder[] = [];
  const filters: FetchFilter[] = [];
  const links: FetchLink[] = [];
  let allAttributes = false;
  for (const c of children(node)) {
    switch (c['#name']) {
      case 'attribute': attributes.push(parseAttribute(c)); break;
      case 'all-attributes':
        attributesOf(c, {});
        children(c).forEach((x) => { throw unexpected(x, c); });
        allAttributes = true;
        break;
      case 'order': orders.push(parseOrder(c)); break;
      case 'filter': filters.push(parseFilter(c, depth)); break;
      case 'link-entity': links.push(parseLink(c, depth)); break;
      default: throw unexpected(c, node);
    }
  }
  return { name, attributes, allAttributes, orders, filters, links };
}

function parseLink(node: XmlNode, depth: number): FetchLink {
  const next = nested(node, depth);
  const a = attributesOf(node, LINK_ATTRIBUTES);
  boolean(node, a, 'intersect');
  boolean(node, a, 'visible');
  return {
    ...parseTableBody(node, required(node, a, 'name'), next),
    kind: 'link-entity',
    from: a['from']?.trim() || undefined,
    to: a['to']?.trim() || undefined,
    alias: a['alias']?.trim() || undefined,
    linkType: oneOf(node, a, 'link-type', LINK_TYPES) ?? 'inner',
  };
}

function parseFetchElement(node: XmlNode): FetchQuery {
  const a = attributesOf(node, FETCH_ATTRIBUTES);
  if (a['mapping'] !== undefined && a['mapping'] !== 'logical') throw invalid(`the attribute 'mapping' of <fetch> must be 'logical'; '${a['mapping']}' is not.`);
  for (const hint of ['no-lock', 'latematerialize', 'useraworderby']) boolean(node, a, hint);
  const entities = children(node);
  if (entities.length !== 1 || entities[0]!['#name'] !== 'entity') throw invalid('the element <fetch> must contain exactly one <entity> element.');
  const entity = entities[0]!;
  const e = attributesOf(entity, ENTITY_ATTRIBUTES);
  return {
    entity: parseTableBody(entity, required(entity, e, 'name'), 1),
    top: integer(node, a, 'top', 1, 5000),
    count: integer(node, a, 'count', 1, 5000),
    page: integer(node, a, 'page', 1, Number.MAX_SAFE_INTEGER),
    pagingCookie: a['paging-cookie']?.trim() || undefined,
    distinct: boolean(node, a, 'distinct') ?? false,
    useRawOrderBy: boolean(node, a, 'useraworderby') ?? false,
    returnTotalRecordCount: boolean(node, a, 'returntotalrecordcount') ?? false,
    aggregate: boolean(node, a, 'aggregate') ?? false,
    aggregateLimit: integer(node, a, 'aggregatelimit', 1, 50000),
    datasource: oneOf(node, a, 'datasource', ['retained'] as const),
  };
}

/** A leading XML declaration, which may only stand at the very start of a document. */
const XML_DECLARATION = /^\s*<\?xml[^>]*\?>/;
/** The wrapper element that makes a second root or text outside the root visible to the parser. */
const WRAPPER = 'tessera-fetchxml-document';

/**
 * Parses XML text into an element tree with xml2js (sax in strict mode: no DTD, no external
 * entities). Throws 400 `0x80040203` for malformed XML, with the parser's line and column.
 */
export function parseXmlElement(text: string, what: string): XmlNode {
  // xml2js stops at the first root element; wrapping the text lets a second root (or text after
  // the root) be seen and refused.
  const body = text.replace(XML_DECLARATION, '');
  let root: XmlNode | undefined;
  let error: Error | undefined;
  parseString(`<${WRAPPER}>${body}</${WRAPPER}>`, { explicitChildren: true, preserveChildrenOrder: true, explicitArray: true, async: false, strict: true }, (err, doc: Record<string, XmlNode> | null) => {
    if (err) { error = err; return; }
    root = doc?.[WRAPPER];
  });
  if (error) throw Errors.invalidArgument(`${what} is not well-formed XML: ${error.message.split('\n').join(' ').replace(/\s+/g, ' ').trim()}.`);
  const top = root?.$$ ?? [];
  if (root?._?.trim() || top.length !== 1) throw Errors.invalidArgument(`${what} must be one XML element.`);
  return top[0]!;
}

/**
 * Parses the `fetchXml` query option into a FetchQuery. Throws 400 `0x80040203` ("Invalid
 * FetchXML: …") naming the element and attribute at fault, and 501 for attributes whose meaning
 * is not implemented (`utc-offset`, `min-active-row-version`, a condition's `column`).
 */
export function parseFetchXml(text: string): FetchQuery {
  const root = parseXmlElement(text, 'The fetchXml value');
  if (root['#name'] !== 'fetch') throw invalid(`the root element must be <fetch>, not <${root['#name']}>.`);
  return parseFetchElement(root);
}
