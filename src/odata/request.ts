import { Errors } from '../errors.js';
import type { Caller } from '../plan/types.js';
import { parseApply, type Transformation } from './apply.js';
import { parseExpand, type ExpandItem } from './expand.js';
import { parseFilter, parseOrderBy, parseSelect, type Expr } from './expression.js';
import { parsePrefer, type Preferences } from './prefer.js';
import { metadataLevel, type MetadataLevel } from './metadata-level.js';
import { parseFileTransfer, type FileTransfer } from './file-transfer.js';

/**
 * Parse stage: a plain HTTP request (method, path below the service root, query string, headers,
 * body) becomes an `ODataRequest`. Only syntax is checked here; names are resolved by plan/.
 *
 * URL shapes: digest §1.1 and §2; query options: §3. Values are URL-decoded liberally: `+` and
 * `%20` are spaces, quotes may be raw or `%27` (DESIGN.md §3).
 */

/** What the URL path addresses. Entity set names are not checked against the model here. */
export type Resource =
  | { kind: 'serviceDocument' }
  | { kind: 'metadata' }
  /** `$batch`: the body's parts are requests of their own (odata/batch.ts). */
  | { kind: 'batch' }
  | { kind: 'collection'; entitySet: string }
  /** `<set>/$count`, or `<set>(<id>)/<collection>/$count` (with `navigation`). */
  | { kind: 'count'; entitySet: string; navigation?: { id?: string; alternateKey?: string; name: string } }
  | { kind: 'entity'; entitySet: string; id: string; alternateKey?: undefined }
  /** A key segment that is not a GUID: an alternate key, or the parameters of a function call. */
  | { kind: 'entity'; entitySet: string; id?: undefined; alternateKey: string }
  /**
   * An operation call: `Name(params)` at the root (unbound), or `<set>[(<id>)]/<Namespace>.Name`
   * (bound). `qualified` tells whether the name carried the `Microsoft.Dynamics.CRM.` (or `mscrm.`)
   * namespace; `params` is the raw text inside a function's parentheses.
   */
  | { kind: 'operation'; name: string; segment: string; qualified: boolean; params?: string; binding?: { entitySet: string; id?: string; alternateKey?: string } }
  /**
   * `<set>(<id>)/<property>/$value`: a property's raw value as text (Dataverse "Retrieve the raw
   * value of a property"; OData Protocol §11.2.4.1).
   */
  | { kind: 'value'; entitySet: string; id?: string; alternateKey?: string; property: string }
  /** `<set>(<id>)/<navigation>[(<child id>)]/$ref`: the association itself (digest §2.2, §2.5). */
  | { kind: 'ref'; entitySet: string; id?: string; alternateKey?: string; navigation: string; childId?: string }
  /**
   * `<set>(<key>)/<navigation>[(<key>)]/<rest>`: a path that goes on past a navigation property
   * (OData URL Conventions §4.4, Addressing Navigation Properties). `navigationKey` names one row
   * of a collection-valued property (its raw key text); `rest` is the raw, still percent-encoded
   * remainder, addressed from the row the navigation leads to (empty for `<nav>(<key>)` itself).
   */
  | { kind: 'path'; entitySet: string; id?: string; alternateKey?: string; navigation: string; navigationKey?: string; rest: string }
  /**
   * `EntityDefinitions[(<key>)][/Attributes[(<key>)]][/Microsoft.Dynamics.CRM.<type>AttributeMetadata]`
   * and `GlobalOptionSetDefinitions[(<key>)][/Microsoft.Dynamics.CRM.<type>]`, the same for
   * `RelationshipDefinitions` (digest §8): table definitions, their columns (a column cast to its
   * derived type), global option sets, relationships.
   */
  | {
    kind: 'definitions'; set: DefinitionSet; key?: DefinitionKey; cast?: string;
    /** `…/Attributes[(<key>)][/<cast>[/OptionSet|/GlobalOptionSet]]` (the option set needs a key and a cast). */
    attributes?: { key?: DefinitionKey; cast?: string; optionSet?: 'OptionSet' | 'GlobalOptionSet' };
    /** `EntityDefinitions(<key>)/<OneToMany|ManyToOne|ManyToMany>Relationships[(<key>)]`. */
    relationships?: { property: 'OneToManyRelationships' | 'ManyToOneRelationships' | 'ManyToManyRelationships'; key?: DefinitionKey };
    /** `EntityDefinitions(<key>)/Keys[(<key>)]`. */
    keys?: { key?: DefinitionKey };
  };

/** The metadata entity sets Tessera serves. */
export type DefinitionSet = 'EntityDefinitions' | 'GlobalOptionSetDefinitions' | 'RelationshipDefinitions';

/**
 * A metadata entity's key: its MetadataId (a GUID), or its name — `LogicalName='x'` for tables,
 * columns and keys, `Name='x'` for option sets, `SchemaName='x'` for relationships. `property` is
 * the definition's property the key names, so a definition matches when `d[property] === value`.
 */
export interface DefinitionKey {
  readonly property: 'LogicalName' | 'Name' | 'SchemaName' | 'MetadataId';
  readonly value: string;
}

export interface QueryOptions {
  /** `$select` items as written, in order. */
  select?: string[];
  filter?: Expr;
  orderBy?: Array<{ expr: Expr; descending: boolean }>;
  /** `$top`, 0…5000. */
  top?: number;
  count?: boolean;
  /** `$skiptoken` as received (opaque; decoded by plan/). */
  skipToken?: string;
  /** `$deltatoken`, percent-decoded (a change tracking delta link's; read by plan/changes.ts). */
  deltaToken?: string;
  /** `$expand` items. */
  expand?: ExpandItem[];
  /** `$apply` transformations in order (aggregation, digest §3.7). */
  apply?: Transformation[];
  /** `$id`: the related row's URL on `DELETE …/<collection>/$ref?$id=…`. */
  id?: string;
  /** Parameter aliases (`@p1=…`), by name with the `@`, values decoded but not parsed. */
  aliases?: ReadonlyMap<string, string>;
  /**
   * Custom query options (names with neither `$` nor `@`: `x-ms-file-name`, `sessiontoken`,
   * `size`, `tag` …), by name, values decoded; OData says to ignore those a service does not know.
   */
  custom?: ReadonlyMap<string, string>;
  /** `fetchXml`: a FetchXML query as sent (parsed by odata/fetchxml.ts), digest §3.8. */
  fetchXml?: string;
  /**
   * `savedQuery=<guid>` / `userQuery=<guid>`: run the FetchXML of that savedquery (system view) or
   * userquery (saved view) row (digest §3; Dataverse "Retrieve and execute predefined queries").
   */
  predefinedQuery?: { option: 'savedQuery' | 'userQuery'; table: 'savedquery' | 'userquery'; id: string };
}

/** Input of the pipeline: plain values, no express types. Header names are lower case. */
export interface HttpRequest {
  method: string;
  /** Path and query as received, e.g. `/api/data/v9.2/accounts?$top=1`. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw body text, if any. */
  body?: string;
  /** The raw bytes of a body that is neither JSON nor multipart (a file column upload: http/app.ts), instead of `body`. */
  bytes?: Uint8Array;
  /** `scheme://host[:port]` the client used (from Host / X-Forwarded-*), for absolute links. */
  origin: string;
  /** The user the request's bearer token names (http/ signs in); absent: the service's own caller. */
  caller?: Caller;
}

/** Output of the parse stage. */
export interface ODataRequest {
  method: string;
  resource: Resource;
  query: QueryOptions;
  /** The raw query string (without `?`), kept to rebuild nextLinks. */
  rawQuery: string;
  prefer: Preferences;
  /**
   * `If-Match`: `*`, or the versions of its list of ETags (`W/"1", W/"2"`: RFC 9110 §13.1.1, one or
   * more, any of which the row may be at); undefined when absent.
   */
  ifMatch?: '*' | readonly string[];
  /**
   * `If-None-Match`: `*`, the versions of its list of ETags (`W/"1", W/"2"`: RFC 9110 §13.1.2, one
   * or more), or undefined (absent or `null`, which Dataverse treats as no condition).
   */
  ifNoneMatch?: '*' | readonly string[];
  body?: string;
  /** What the request says of a file column transfer (odata/file-transfer.ts). */
  file: FileTransfer;
  /** True for a part of a `$batch` (set by the service, not parsed). */
  inBatch?: boolean;
  /** Absolute service root ending in `/`, e.g. `http://localhost:8080/api/data/v9.2/`. */
  serviceRoot: string;
  /** The control information JSON answers carry: the `Accept` header's `odata.metadata` (metadata-level.ts). */
  metadata: MetadataLevel;
}

const API_PATH = /^\/api\/data\/v9\.([012])(?:\/(.*))?$/;
/** `GET /api/data/` without a version is the service document of the newest version (digest §1.1). */
const UNVERSIONED_ROOT = /^\/api\/data\/?$/;
/**
 * Dataverse endpoints beside the Web API that `dynamics-web-api` calls (its search, suggest,
 * autocomplete and background operation methods): Dataverse search (`/api/search/v1.0/query`,
 * `v2.0`, …; Dataverse "Search for Dataverse records") and background operations
 * (`/api/backgroundoperation/<id>`; Dataverse "Background operations"), by the feature's name.
 */
const OTHER_ENDPOINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/api\/search(?:\/|$)/i, 'Dataverse search'],
  [/^\/api\/backgroundoperation(?:\/|$)/i, 'Background operations'],
];

/**
 * The error for a path outside `/api/data/v9.x/`: 501 `0x0` naming the feature for a Dataverse
 * endpoint Tessera does not have (OTHER_ENDPOINTS), so that a client learns the feature is
 * missing, not that its URL is wrong; else 404 `0x8006088a` naming the path.
 */
function outsideApi(path: string): Error {
  const feature = OTHER_ENDPOINTS.find(([re]) => re.test(path))?.[1];
  return feature ? Errors.notImplemented(`${feature} (${path})`) : Errors.resourceNotFound(path);
}
const GUID_KEY = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A record's key segment text (inside the parentheses, percent-decoded): `{ id }` (lowercase) for
 * a GUID, in braces or not; else `{ alternateKey }`, the text as written (an alternate key or
 * `<primary key>=<id>`, which Service.keyedId reads).
 */
export function rowKey(key: string): { id: string; alternateKey?: undefined } | { id?: undefined; alternateKey: string } {
  const id = key.trim().replace(/^\{(.*)\}$/, '$1');
  return GUID_KEY.test(id) ? { id: id.toLowerCase() } : { alternateKey: key };
}

/** Options Dataverse itself rejects (digest §3, §13 #39). */
const REJECTED = new Set(['$skip', '$search', '$format', '$levels', '$compute', '$index', '$schemaversion']);
/** The predefined-query options, by the table holding their views. */
const PREDEFINED = new Map([['savedQuery', 'savedquery'], ['userQuery', 'userquery']] as const);
/** Dataverse's metadata entity sets (digest §8): valid URLs that Tessera does not serve yet (501). */
const METADATA_SETS = new Set(['EntityDefinitions', 'RelationshipDefinitions', 'GlobalOptionSetDefinitions', 'ManagedPropertyDefinitions']);
const SUPPORTED = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$skiptoken', '$deltatoken', '$expand', '$id', '$apply']);

/** Decodes one query-string component: `+` → space, then percent-decoding. Throws 400 on bad escapes. */
export function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw Errors.badQuery(`The query string contains an invalid percent-encoding: '${s}'.`);
  }
}

/** The first value of header `name` (lower case), or undefined. */
export function header(headers: HttpRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Parses `If-Match` / `If-None-Match` values: `*`, `W/"123"`, `"123"`; `null` means absent. */
function parseEtagHeader(value: string | undefined, name: string): '*' | string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '' || v === 'null') return undefined;
  if (v === '*') return '*';
  const m = /^(?:W\/)?"(\d+)"$/.exec(v);
  if (!m) throw Errors.badQuery(`The ${name} header value '${v}' is not a valid ETag.`);
  return m[1]!;
}

/**
 * Parses `If-Match` or `If-None-Match`: `*`, or a comma-separated list of ETags (RFC 9110 §13.1.1,
 * §13.1.2), each as parseEtagHeader reads one, into their versions; an empty value or `null` means
 * absent. A list of empty elements only (`,`) is a list of no ETags (the grammar is `#entity-tag`):
 * `[]`, which an If-Match no row passes (412) and an If-None-Match every row passes. Throws 400 for
 * an element that is no ETag, or `*` inside a list.
 */
function parseEtagList(value: string | undefined, name: string): '*' | string[] | undefined {
  const v = value?.trim();
  if (v === undefined || v === '' || v === 'null' || v === '*') return parseEtagHeader(v, name) as '*' | undefined;
  const versions = v.split(',').map((e) => parseEtagHeader(e, name)).filter((e) => e !== undefined);
  if (versions.includes('*')) throw Errors.badQuery(`The ${name} header value '${v}' is not a valid ETag list: '*' stands alone.`);
  return versions;
}

const NAMESPACES = ['Microsoft.Dynamics.CRM.', 'mscrm.'];
/** The segments that end a resource path (OData URL Conventions §4.5, §4.8, §4.15). */
const SYSTEM_SEGMENTS: ReadonlySet<string> = new Set(['$count', '$ref', '$value']);
const SEGMENT = /^([A-Za-z_][A-Za-z0-9_.]*)(?:\((.*)\))?$/s;

/** Splits `Namespace.Name` into the bare name and whether it was qualified with our namespace. */
function operationName(name: string): { name: string; qualified: boolean } {
  const ns = NAMESPACES.find((n) => name.startsWith(n));
  return ns ? { name: name.slice(ns.length), qualified: true } : { name, qualified: false };
}

/** A metadata entity's key predicate: `<name>='x'` or a MetadataId; 400 for anything else. */
function definitionKey(key: string, segment: string, name: 'LogicalName' | 'Name' | 'SchemaName'): DefinitionKey {
  const named = new RegExp(`^\\s*${name}\\s*=\\s*'((?:[^']|'')*)'\\s*$`).exec(key);
  if (named) return { property: name, value: named[1]!.replace(/''/g, "'") };
  const id = key.trim().replace(/^\{(.*)\}$/, '$1');
  if (GUID_KEY.test(id)) return { property: 'MetadataId', value: id.toLowerCase() };
  throw Errors.badQuery(`The key of '${segment}' must be ${name}='<name>' or a MetadataId.`);
}

/** A cast segment `Microsoft.Dynamics.CRM.<type>`: the bare type name; 404 for anything else. */
function castOf(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  if (!NAMESPACES.some((n) => segment.startsWith(n))) throw Errors.resourceNotFound(segment);
  return operationName(segment).name;
}

/** The property a metadata entity set's named key uses. */
const KEY_NAME: Readonly<Record<DefinitionSet, 'LogicalName' | 'Name' | 'SchemaName'>> = {
  EntityDefinitions: 'LogicalName', GlobalOptionSetDefinitions: 'Name', RelationshipDefinitions: 'SchemaName',
};

/** The segments of an `EntityDefinitions`, `GlobalOptionSetDefinitions` or `RelationshipDefinitions` path (see Resource `definitions`). */
function definitionsPath(set: DefinitionSet, segments: readonly string[], key: string | undefined): Resource {
  const served = set === 'EntityDefinitions'
    ? 'EntityDefinitions(<key>)/Attributes[(<key>)][/<cast>[/OptionSet]], /Keys[(<key>)] and /<relationship collection>[(<key>)]'
    : `${set}[(<key>)][/<cast>]`;
  const unserved = () => Errors.notImplemented(`The metadata path '${segments.join('/')}' (only ${served} is served)`);
  const own = key === undefined ? undefined : definitionKey(key, segments[0]!, KEY_NAME[set]);
  if (segments.length === 1) return { kind: 'definitions', set, key: own };
  if (set !== 'EntityDefinitions') {
    if (segments.length > 2 || !segments[1]!.includes('.')) throw unserved();
    return { kind: 'definitions', set, key: own, cast: castOf(segments[1]) };
  }
  const attributes = SEGMENT.exec(segments[1]!);
  const collection = attributes?.[1];
  if (own && segments.length === 2 && (collection === 'OneToManyRelationships' || collection === 'ManyToOneRelationships' || collection === 'ManyToManyRelationships')) {
    return {
      kind: 'definitions', set, key: own,
      relationships: { property: collection, key: attributes![2] === undefined ? undefined : definitionKey(attributes![2], segments[1]!, 'SchemaName') },
    };
  }
  if (own && segments.length === 2 && collection === 'Keys') {
    return { kind: 'definitions', set, key: own, keys: { key: attributes![2] === undefined ? undefined : definitionKey(attributes![2], segments[1]!, 'LogicalName') } };
  }
  if (!own || !attributes || collection !== 'Attributes' || segments.length > 4) throw unserved();
  const column = attributes[2] === undefined ? undefined : definitionKey(attributes[2], segments[1]!, 'LogicalName');
  const optionSet = segments[3];
  if (optionSet !== undefined && ((optionSet !== 'OptionSet' && optionSet !== 'GlobalOptionSet') || !column)) throw unserved();
  return { kind: 'definitions', set, key: own, attributes: { key: column, cast: castOf(segments[2]), ...(optionSet ? { optionSet } : {}) } };
}

/**
 * What `path` (the URL path after the service root, still percent-encoded) addresses. Throws 404
 * `0x8006088a` for a segment that cannot be there (an empty one, `a//b`, too), 400 for malformed
 * keys and encodings (Errors.pathSyntax for an unclosed parenthesis), 501 for paths this service
 * does not serve.
 */
export function parsePath(path: string): Resource {
  if (path === '') return { kind: 'serviceDocument' };
  const raw = path.split('/');
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  const segments = raw.map((s) => {
    try { return decodeURIComponent(s); } catch { throw Errors.badQuery(`The URL segment '${s}' has an invalid percent-encoding.`); }
  });
  // ODL reads a segment with a `(` as `name(…)`: one that does not end with the `)` is a syntax error.
  if (segments.some((s) => s.includes('(') && !s.endsWith(')'))) throw Errors.pathSyntax();
  const first = segments[0]!;
  if (first === '$metadata' && segments.length === 1) return { kind: 'metadata' };
  if (first === '$batch' && segments.length === 1) return { kind: 'batch' };
  const m = SEGMENT.exec(first);
  if (!m) throw Errors.resourceNotFound(first);
  // An empty segment (`<nav>//<property>`; one trailing slash was dropped above) names nothing
  // in the model: 404 as for any segment not found, rather than a path this service may not serve.
  if (segments.includes('', 1)) throw Errors.resourceNotFound('');
  const name = m[1]!;
  const key = m[2];
  if (Object.hasOwn(KEY_NAME, name)) return definitionsPath(name as DefinitionSet, segments, key);
  if (METADATA_SETS.has(name)) throw Errors.notImplemented(`The metadata entity set '${name}'`);
  if (name.includes('.')) {
    // A namespace-qualified root segment: only unbound operations could be meant.
    if (segments.length > 1) throw Errors.resourceNotFound(first);
    const op = operationName(name);
    if (!op.qualified) throw Errors.resourceNotFound(first);
    return { kind: 'operation', ...op, segment: first, params: key };
  }
  if (segments.length === 2 && segments[1] === '$count' && key === undefined) return { kind: 'count', entitySet: name };
  if (segments.length === 2 && segments[1] !== '$count') {
    const second = SEGMENT.exec(segments[1]!);
    const op = second ? operationName(second[1]!) : undefined;
    if (second && op && (op.qualified || !second[1]!.includes('.'))) {
      // A key that is no GUID: an alternate key of a set, or (the service tells) a function call's parameters.
      return { kind: 'operation', ...op, segment: segments[1]!, params: second[2], binding: { entitySet: name, ...(key === undefined ? {} : rowKey(key)) } };
    }
    throw Errors.resourceNotFound(segments[1]!);
  }
  if (segments.length === 3 && segments[2] === '$ref' && key !== undefined) {
    // `<set>(<id>)/<nav>/$ref` or `<set>(<id>)/<nav>(<child id>)/$ref` (digest §2.5).
    const nav = SEGMENT.exec(segments[1]!);
    const child = nav?.[2] === undefined ? undefined : rowKey(nav[2]);
    if (!nav || (child && child.id === undefined)) throw Errors.badQuery(`'${segments.join('/')}' is not a valid $ref path; a related record's key must be a GUID.`);
    return { kind: 'ref', entitySet: name, ...rowKey(key), navigation: nav[1]!, childId: child?.id };
  }
  if (segments.length === 3 && segments[2] === '$count' && key !== undefined) {
    // `<set>(<id>)/<collection>/$count` (digest §2.2).
    const nav = SEGMENT.exec(segments[1]!);
    if (!nav || nav[2] !== undefined) throw Errors.badQuery(`'${segments.join('/')}' is not a valid $count path; it is <set>(<key>)/<collection-valued navigation property>/$count.`);
    return { kind: 'count', entitySet: name, navigation: { ...rowKey(key), name: nav[1]! } };
  }
  if (segments.length === 3 && segments[2] === '$value' && key !== undefined && key !== '' && SEGMENT.exec(segments[1]!)?.[2] === undefined) {
    return { kind: 'value', entitySet: name, ...rowKey(key), property: segments[1]! };
  }
  // Segments after a function call (`WhoAmI()/…`, never a key: keys are not empty) or an operation.
  if (segments.length > 1 && key === '') throw Errors.resourceNotFound(segments[1]!);
  // Past a cast or an operation (a dotted name; a key may hold dots of its own).
  if (segments.length > 2 && SEGMENT.exec(segments[1]!)?.[1]!.includes('.')) throw Errors.resourceNotFound(segments[2]!);
  const nav = segments.length > 2 && key !== undefined ? SEGMENT.exec(segments[1]!) : null;
  if (nav) return { kind: 'path', entitySet: name, ...rowKey(key!), navigation: nav[1]!, navigationKey: nav[2], rest: raw.slice(2).join('/') };
  // A path ends with `$count`, `$ref` or `$value`: the segment after one is not found, as is a
  // second segment that is no name at all.
  if (segments.length > 2 && SYSTEM_SEGMENTS.has(segments[1]!)) throw Errors.resourceNotFound(segments[2]!);
  if (segments.length > 2 && !SEGMENT.test(segments[1]!)) throw Errors.resourceNotFound(segments[1]!);
  if (segments.length > 1) {
    throw Errors.notImplemented(`The path '${segments.join('/')}'`);
  }
  if (key === undefined) return { kind: 'collection', entitySet: name };
  return { kind: 'entity', entitySet: name, ...rowKey(key) };
}

function parseQuery(raw: string): QueryOptions {
  const query: QueryOptions = {};
  if (!raw) return query;
  const options = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    if (options.has(name)) throw Errors.badQuery(`The query parameter '${name}' is specified more than once.`);
    options.set(name, value);
    if (REJECTED.has(name)) throw Errors.badQuery(`The query parameter '${name}' is not supported.`);
    if (name.startsWith('@')) {
      if (!/^@[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw Errors.badQuery(`'${name}' is not a valid parameter alias name.`);
      query.aliases = new Map([...(query.aliases ?? []), [name, value]]);
    } else if (name.startsWith('$') && !SUPPORTED.has(name)) throw Errors.badQuery(`The query parameter '${name}' is not supported.`);
    else if (!name.startsWith('$')) query.custom = new Map([...(query.custom ?? []), [name, value]]);
  }
  // Second pass: $filter, $orderby and $apply may use aliases defined anywhere in the query (digest §3).
  for (const [name, value] of options) {
    switch (name) {
      case '$select': query.select = parseSelect(value); break;
      case '$filter': query.filter = parseFilter(value, query.aliases); break;
      case '$orderby': query.orderBy = parseOrderBy(value, query.aliases); break;
      case '$top': {
        const v = value.trim();
        if (!/^\d+$/.test(v) || Number(v) > 5000) throw Errors.badQuery(`The $top query option must be a whole number from 0 to 5000; '${value}' is not.`);
        query.top = Number(v);
        break;
      }
      case '$count': {
        const v = value.trim();
        if (v !== 'true' && v !== 'false') throw Errors.badQuery(`The $count query option must be true or false; '${value}' is not.`);
        query.count = v === 'true';
        break;
      }
      case '$skiptoken': query.skipToken = value; break;
      case '$deltatoken': query.deltaToken = value; break;
      case '$expand': query.expand = parseExpand(value, query.aliases); break;
      case '$id': query.id = value; break;
      case '$apply': query.apply = parseApply(value, query.aliases); break;
      case 'fetchXml': query.fetchXml = value; break;
      case 'savedQuery': case 'userQuery': {
        if (query.predefinedQuery) throw Errors.badQuery('The savedQuery and userQuery query options cannot be combined.');
        const id = value.trim().replace(/^\{(.*)\}$/, '$1');
        if (!GUID_KEY.test(id)) throw Errors.badQuery(`The ${name} query option must be the id (a GUID) of a ${PREDEFINED.get(name)}; '${value}' is not.`);
        query.predefinedQuery = { option: name, table: PREDEFINED.get(name)!, id: id.toLowerCase() };
        break;
      }
      default: break; // aliases, and custom query options (e.g. `tag`) which OData says to ignore
    }
  }
  return query;
}

/**
 * The service root `root` (`<scheme>://<host>/api/data/v9.x/`, its host from the request's Host or
 * X-Forwarded-Host header), checked to be an absolute URL with that path: a host with spaces, a
 * port that is no number, user info, a path, a query or a fragment (`a b`, `x:y`, `u@h`, `a/b`)
 * would make `@odata.context`, `@odata.id` and RetrieveCurrentOrganization's endpoints point
 * elsewhere or fail to parse. Throws 400 `0x80060888` for such a host (Dataverse's front end
 * refuses an invalid host name with 400 before the service sees the request).
 */
function checkedServiceRoot(root: string): string {
  let url: URL | undefined;
  try {
    url = new URL(root);
  } catch {
    url = undefined;
  }
  if (!url || url.username || url.password || url.search || url.hash || !root.endsWith(url.pathname) || !/^\/api\/data\/v9\.[012]\/$/.test(url.pathname)) {
    throw Errors.badQuery(`The host of the request URL, '${root.replace(/^[a-z]+:\/\//, '').replace(/\/api\/data\/v9\.[012]\/$/, '')}', is not a valid host name.`);
  }
  return root;
}

/**
 * Parses one request. Throws ServiceError: 404 `0x8006088a` for paths outside the API or with an
 * unknown shape, 400 `0x80060888` for syntax errors and options Dataverse rejects (`$skip`,
 * `$search`, `$format` …), for a Host that makes no URL (checkedServiceRoot) and for a
 * `savedQuery`/`userQuery` that is not a GUID, 501 for valid constructs not implemented yet
 * (ManagedPropertyDefinitions, paths deeper than `<set>(<id>)/<navigation>[/$ref|/$count]`).
 */
export function parseRequest(req: HttpRequest): ODataRequest {
  const q = req.url.indexOf('?');
  const pathPart = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  const m = UNVERSIONED_ROOT.test(pathPart) ? [pathPart, '2', ''] : API_PATH.exec(pathPart);
  if (!m) throw outsideApi(pathPart);
  const serviceRoot = checkedServiceRoot(`${req.origin}/api/data/v9.${m[1]}/`);
  const resource = parsePath(m[2] ?? '');
  const query = parseQuery(rawQuery);
  return {
    method: req.method.toUpperCase(),
    resource,
    query,
    rawQuery,
    prefer: parsePrefer(header(req.headers, 'prefer')),
    ifMatch: parseEtagList(header(req.headers, 'if-match'), 'If-Match'),
    ifNoneMatch: parseEtagList(header(req.headers, 'if-none-match'), 'If-None-Match'),
    body: req.body,
    file: parseFileTransfer(req, query),
    serviceRoot,
    metadata: metadataLevel(header(req.headers, 'accept')),
  };
}
