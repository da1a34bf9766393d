import type { ServiceError } from '../errors.js';
import { PRINCIPAL_TABLES } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import { encodeSkipToken } from '../plan/skiptoken.js';
import { expandedLookupNameKey, expansionKey } from '../plan/expand.js';
import { fiscalPeriodLabel, fiscalYearLabel } from '../plan/fiscal-calendar.js';
import { DEFINITION_SETS } from './csdl-definitions.js';
import { NAMESPACE } from './csdl.js';
import type { AggregatePlan, ExpandPlan, ReadPlan, Value } from '../plan/types.js';
import type { AggregateRow } from '../store/execute.js';
import { errorAnnotations, Formatter, TERMS, type AnnotationSet } from './annotations.js';
import { includeAnnotationsOf } from './prefer.js';
import { jsonValue, rewritesValues, stringifyJson } from './json-number.js';
import { header, type HttpRequest } from './request.js';
import { jsonContentType, metadataLevel, primitiveTypeAnnotation, withoutControlInformation, type MetadataLevel } from './metadata-level.js';

/**
 * Respond stage: plan results become OData JSON responses (digest §2, §3, §4.2).
 * Control information order: `@odata.context`, `@odata.count`, `value`, `@odata.nextLink`;
 * each entity starts with `@odata.etag` = `W/"<versionnumber>"`.
 */

/** Output of the pipeline: plain values, no express types. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
  /** Content in bytes (a file column's `$value`), sent instead of `body`. */
  bytes?: Uint8Array;
  /**
   * Not sent: the absolute URL of the row a write answered with a body (`Prefer:
   * return=representation`) created or changed. Dataverse sends no OData-EntityId then (digest
   * §2.1), yet a later request of the same `$batch` change set may name that row by Content-ID.
   */
  rowUrl?: string;
}

/** The Content-Type of JSON answers by default: OData JSON with minimal metadata, as Dataverse sends (digest §13, behaviour 1). */
export const JSON_CONTENT_TYPE = jsonContentType('minimal');

/**
 * A JSON response with OData's content type for `metadata` (the request's `odata.metadata`,
 * metadata-level.ts); at `none` the control information that level leaves out is removed here,
 * so that no answer has to know the level to leave it out. Edm.Decimal values made by jsonValue
 * are written in plain notation (stringifyJson).
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}, metadata: MetadataLevel = 'minimal'): HttpResponse {
  const shown = metadata === 'none' ? withoutControlInformation(body) : body;
  return { status, headers: { 'Content-Type': jsonContentType(metadata), ...headers }, body: stringifyJson(shown) };
}

/**
 * Starts an entity's object at `odata.metadata=full` (OData JSON Format v4.0 §4.5): `@odata.type`,
 * then, when its key `id` is known, `@odata.id` (the absolute entity id, as OData-EntityId) and
 * after `@odata.etag` (written by `etagThen`) `@odata.editLink` (relative to the service root).
 */
function fullHead(out: Record<string, unknown>, entity: EntityModel, serviceRoot: string, id: string | undefined, etagThen: () => void): void {
  out['@odata.type'] = `#Microsoft.Dynamics.CRM.${entity.LogicalName}`;
  if (id !== undefined) out['@odata.id'] = entityId(serviceRoot, entity.EntitySetName, id);
  etagThen();
  if (id !== undefined) out['@odata.editLink'] = `${entity.EntitySetName}(${id})`;
}

/**
 * The navigation links `odata.metadata=full` writes for every navigation property of an entity
 * (OData JSON Format v4.0 §8.1, §8.2): `<nav>@odata.associationLink` (`…/<nav>/$ref`) and
 * `<nav>@odata.navigationLink`, both absolute. Nothing without the entity's key.
 */
function fullLinks(out: Record<string, unknown>, entity: EntityModel, serviceRoot: string, id: string | undefined): void {
  if (id === undefined) return;
  const self = entityId(serviceRoot, entity.EntitySetName, id);
  for (const name of entity.navigation.keys()) {
    out[`${name}@odata.associationLink`] = `${self}/${name}/$ref`;
    out[`${name}@odata.navigationLink`] = `${self}/${name}`;
  }
}

/** At `odata.metadata=full`, the `@odata.type` of a non-null value of `a` that JSON does not tell (primitiveTypeAnnotation). */
function writeValueType(out: Record<string, unknown>, a: AttributeModel, name: string, v: unknown): void {
  if (v === null || v === undefined) return;
  const type = primitiveTypeAnnotation(a);
  if (type) out[`${name}@odata.type`] = type;
}

/**
 * The error envelope `{"error":{"code","message"}}` with the error's status (digest §5.1), and
 * the error annotations (errorAnnotations) that the `odata.include-annotations` preference in
 * `headers`, the failed request's, selects. A 503 (a conflict with concurrent writes, which the
 * client may simply send again) says when: `Retry-After: 1` (RFC 9110 §10.2.3). Its Content-Type
 * names the `odata.metadata` level the request's `Accept` asks for (metadataLevel), as every other
 * answer to it would: the envelope has no control information that a level would change.
 */
export function errorResponse(err: ServiceError, headers: HttpRequest['headers'] = {}): HttpResponse {
  const body = err.toJSON(errorAnnotations(err.code, err.message, includeAnnotationsOf(header(headers, 'prefer'))));
  return json(err.status, body, { ...err.headers, ...(err.status === 503 ? { 'Retry-After': '1' } : {}) }, metadataLevel(header(headers, 'accept')));
}

/** `ETag` / `@odata.etag` value for a row version. */
export function etag(version: Value): string {
  return `W/"${version}"`;
}

/** The context URL's select items: the columns, then each expansion with its own (`<nav>,<nav>/$ref()` for references, as Dataverse writes them). */
function selectTree(selectList: readonly string[] | undefined, expand: readonly ExpandPlan[]): string[] {
  // An owner's expansions (one per table it leads to) are one item of the request.
  const items = expand.filter((e) => e.key === undefined);
  return [...(selectList ?? []), ...items.flatMap((e) => (e.ref ? [e.navigation.Name, `${e.navigation.Name}/$ref()`] : [`${e.navigation.Name}(${selectTree(e.selectList, e.expand).join(',')})`]))];
}

/**
 * `<root>$metadata#<set>[(<select>,<nav>(<select>)…)][/$entity]`: the context URL echoes the
 * selected columns and the expansion tree (digest §2.2, §3.1, §3.6).
 */
export function contextUrl(serviceRoot: string, plan: ReadPlan, single: boolean): string {
  const items = selectTree(plan.selectList, plan.expand);
  const select = items.length ? `(${items.join(',')})` : '';
  return `${serviceRoot}$metadata#${plan.entity.EntitySetName}${select}${single ? '/$entity' : ''}`;
}

/**
 * An expanded row as OData JSON: `@odata.etag`, its columns in plan order, each preceded by the
 * annotations `ann` asks for as at the top level (writeProperty; digest §4.1: Dataverse annotates
 * expanded rows too), then nested expansions; for `<nav>/$ref` its `@odata.id` alone (digest §3.6).
 */
function expandedEntity(e: ExpandPlan, row: Record<string, unknown> | null, serviceRoot: string, ann: AnnotationSet | undefined, full: boolean): Record<string, unknown> | null {
  if (!row) return null;
  const target = e.navigation.target;
  const id = row[target.PrimaryIdAttribute] as string;
  if (e.ref) return { '@odata.id': entityId(serviceRoot, target.EntitySetName, id) };
  // A user or team under an owner's property typed principal names its type (OData JSON §4.5.3).
  const out: Record<string, unknown> = e.principal && !full ? { '@odata.type': `#${NAMESPACE}.${target.LogicalName}` } : {};
  const writeEtag = () => {
    if (row['versionnumber'] !== null && row['versionnumber'] !== undefined) out['@odata.etag'] = etag(row['versionnumber'] as Value);
  };
  if (full) fullHead(out, target, serviceRoot, id ?? undefined, writeEtag);
  else writeEtag();
  if (!ann || !e.annotated) {
    for (const a of e.columns) {
      if (full) writeValueType(out, a, a.PropertyName, row[a.PropertyName]);
      out[a.PropertyName] = jsonValue(a, row[a.PropertyName]);
    }
  } else {
    const names = e.annotated.lookupNames;
    for (const a of e.columns) {
      const formatted = names.map((l, i) => (l.attribute === a ? row[expandedLookupNameKey(i)] : null)).find((n) => n !== null && n !== undefined);
      // A polymorphic lookup's table is its type column's value (undefined: writeProperty's default).
      const table = a.TypeAttribute ? (row[a.TypeAttribute.PropertyName] as string | null) ?? undefined : undefined;
      if (full) writeValueType(out, a, a.PropertyName, row[a.PropertyName]);
      writeProperty(out, ann, a, a.PropertyName, row[a.PropertyName], formatted, table);
    }
  }
  writePrincipalKey(out, target, e.columns);
  if (full) fullLinks(out, target, serviceRoot, id ?? undefined);
  for (const child of e.expand) writeExpansion(out, child, row[expansionKey(child)], serviceRoot, target, id, ann, full);
  return out;
}

/**
 * Writes expansion `e` of the row `parent`(`parentId`) into `out`: the related row (or null), or
 * the array of related rows; past a page of them (MAX_CHILDREN, or the `odata.maxpagesize` of a
 * nested `$expand`; read when the item has no `$top`), the first page and `<nav>@odata.nextLink`:
 * the related collection with the item's options and a `$skiptoken` after the page's last row,
 * so that it answers the rows "that weren't included" (digest §3.6; Dataverse "Join tables using
 * OData", nested `$expand` on collection-valued navigation properties). A `linked` expansion
 * (ExpandPlan.linked) answers `<nav>@odata.nextLink` without a `$skiptoken` when no row was left out.
 */
function writeExpansion(out: Record<string, unknown>, e: ExpandPlan, v: unknown, serviceRoot: string, parent: EntityModel, parentId: string, ann: AnnotationSet | undefined, full: boolean): void {
  const name = e.navigation.Name;
  if (e.navigation.kind === 'single') {
    // An owner's expansions (one per table) answer one property: the row one of them found.
    if (e.principal && v === null && out[name] !== undefined) return;
    out[name] = expandedEntity(e, v as Record<string, unknown> | null, serviceRoot, ann, full);
    return;
  }
  const rows = v as Array<Record<string, unknown>>;
  const page = e.limit - 1;
  const more = e.rest && rows.length > page;
  out[name] = (more ? rows.slice(0, page) : rows).map((r) => expandedEntity(e, r, serviceRoot, ann, full));
  if (!more && !e.linked) return;
  const query = [e.query];
  if (more) {
    const last = rows[page - 1]!;
    query.push(`$skiptoken=${encodeSkipToken(e.orderBy, e.orderBy.map((k) => last[k.attribute.PropertyName] as Value))}`);
  }
  const search = query.filter(Boolean).join('&');
  out[`${name}@odata.nextLink`] = `${entityId(serviceRoot, parent.EntitySetName, parentId)}/${name}${search ? `?${search}` : ''}`;
}

/**
 * The absolute URL of one row, as sent in `OData-EntityId` (digest §2.1). `key` is the key as
 * text, a GUID or an alternate key's decoded predicate (`uniquename='Grüße'`); characters a URL
 * cannot hold as they are (non-ASCII, controls, spaces, `%`, `#`, `?`, `/`) are percent-encoded
 * (RFC 3986 §2.1), so the URL is also a valid header value.
 */
export function entityId(serviceRoot: string, entitySetName: string, key: string): string {
  return `${serviceRoot}${entitySetName}(${URL_SAFE_KEY.test(key) ? key : encodeURI(key).replace(/[#?/]/g, encodeURIComponent)})`;
}

/** Key text that needs no encoding: GUIDs and plain ASCII predicates. */
const URL_SAFE_KEY = /^[A-Za-z0-9\-._~'(),=:@!$&*+;]*$/;

const FORMATTER = new Formatter();

/**
 * Writes property `name` with value `v` of column `a` into `out`, preceded by the annotations `ann`
 * asks for, in Dataverse's order (digest §4.1): for a lookup `associatednavigationproperty`,
 * `lookuplogicalname` (`target`, the row's target table for a polymorphic lookup, else its only
 * target; neither annotation for a polymorphic lookup whose target is unknown), `FormattedValue` (`lookupName`, the target's primary name, when known); for choices,
 * booleans, numbers and dates their `FormattedValue`. No annotations for null values. The value
 * itself is written as jsonValue makes it (Edm.Decimal in plain notation, Edm.Int64 exactly).
 */
export function writeProperty(out: Record<string, unknown>, ann: AnnotationSet | undefined, a: AttributeModel, name: string, v: unknown, lookupName?: unknown, target = a.Targets.length === 1 ? a.Targets[0] : undefined): void {
  if (ann && v !== null && v !== undefined) {
    if (a.Targets.length) {
      // A polymorphic lookup's table is known only from its type column: without it, no guess.
      if (ann.associatedNavigationProperty && target !== undefined) out[`${name}@${TERMS.associatedNavigationProperty}`] = a.NavigationPropertyName ?? `${a.LogicalName}_${target}`;
      if (ann.lookupLogicalName && target !== undefined) out[`${name}@${TERMS.lookupLogicalName}`] = target;
      if (ann.formattedValue && lookupName !== null && lookupName !== undefined) out[`${name}@${TERMS.formattedValue}`] = lookupName;
    } else if (ann.formattedValue) {
      const f = FORMATTER.format(a, v);
      if (f !== undefined) out[`${name}@${TERMS.formattedValue}`] = f;
    }
  }
  out[name] = jsonValue(a, v);
}

/** Where a row of a read holds an output column: its value, its lookup's target names, its polymorphic lookup's type column (-1: none). */
export interface ColumnSlots {
  readonly i: number;
  readonly names: readonly number[];
  readonly typeIndex: number;
}

/** The ColumnSlots of column `a` in rows of `plan` whose fetched columns are `fetched` (the lookup names follow them). */
export function columnSlots(plan: ReadPlan, fetched: readonly unknown[], a: AttributeModel): ColumnSlots {
  const names = plan.lookupNames.flatMap((l, j) => (l.attribute === a ? [fetched.length + j] : []));
  return { i: fetched.indexOf(a), names, typeIndex: a.TypeAttribute ? fetched.indexOf(a.TypeAttribute) : -1 };
}

/**
 * What `row` holds for a column's annotations (slots from columnSlots): the lookup's target name
 * (from whichever target's name subquery found the row) and a polymorphic lookup's target table,
 * the row's type column (digest §1.5; undefined: writeProperty's default).
 */
export function slotAnnotations(slots: Pick<ColumnSlots, 'names' | 'typeIndex'>, row: readonly Value[]): { formatted: unknown; target: string | undefined } {
  const target = slots.typeIndex >= 0 ? row[slots.typeIndex] as string | null : undefined;
  return { formatted: slots.names.map((j) => row[j]).find((n) => n !== null && n !== undefined), target: target ?? undefined };
}

/**
 * Turns fetched rows into entity objects: `@odata.context` first when given (single-entity
 * responses; `serviceRoot` makes the `@odata.id` of `<nav>/$ref` expansions), then `@odata.etag`,
 * then the plan's output columns in order, each preceded by the annotations the plan asks for (see
 * writeProperty). DISTINCT reads (no versionnumber fetched) have no ETag. At `metadata` `full`
 * each entity, expanded ones too, also carries its type, id, edit link, value types and
 * navigation links (fullHead, writeValueType, fullLinks; `none` is handled by `json`). With
 * `principalKey` (OData reads; not FetchXML, which answers the attributes it names), a user's or
 * team's row also carries `ownerid` (writePrincipalKey). Built once per response, applied per row.
 */
export function entityWriter(plan: ReadPlan, fetched: readonly unknown[], serviceRoot: string, context?: string, metadata: MetadataLevel = 'minimal', principalKey = true): (row: readonly Value[]) => Record<string, unknown> {
  const versionIndex = fetched.indexOf(plan.entity.attributesByName.get('versionnumber'));
  const ann = plan.annotations;
  const full = metadata === 'full';
  const outputs = plan.columns.map((a) => ({ a, name: a.PropertyName, ...columnSlots(plan, fetched, a), rewrite: rewritesValues(a) }));
  const expansions = plan.expand.map((e, j) => ({ e, i: fetched.length + plan.lookupNames.length + j }));
  const idIndex = fetched.indexOf(plan.entity.attributesByName.get(plan.entity.PrimaryIdAttribute));
  const principal = principalKey && PRINCIPAL_TABLES.has(plan.entity.LogicalName);
  return (row) => {
    const out: Record<string, unknown> = context === undefined ? {} : { '@odata.context': context };
    const id = idIndex >= 0 ? row[idIndex] as string : undefined;
    const writeEtag = () => {
      if (versionIndex >= 0) out['@odata.etag'] = etag(row[versionIndex]!);
    };
    if (full) fullHead(out, plan.entity, serviceRoot, id, writeEtag);
    else writeEtag();
    if (!ann && !full) {
      // No annotations asked for (the common case): values only.
      for (const { a, name, i, rewrite } of outputs) out[name] = rewrite ? jsonValue(a, row[i]) : row[i];
    } else for (const { a, name, i, names, typeIndex } of outputs) {
      if (full) writeValueType(out, a, name, row[i]);
      const { formatted, target } = slotAnnotations({ names, typeIndex }, row);
      writeProperty(out, ann, a, name, row[i], formatted, target);
    }
    if (principal) writePrincipalKey(out, plan.entity, plan.columns);
    if (full) fullLinks(out, plan.entity, serviceRoot, id);
    for (const { e, i } of expansions) writeExpansion(out, e, row[i], serviceRoot, plan.entity, id as string, ann, full);
    return out;
  };
}

/**
 * Writes `ownerid` beside the primary key of a user or team row (PRINCIPAL_TABLES) whose `columns`
 * hold the key: their entity types derive from `principal`, whose key `ownerid` is the row's id
 * (digest §1.3: "expanded users show both systemuserid and ownerid"). Does nothing for another
 * table.
 */
function writePrincipalKey(out: Record<string, unknown>, entity: EntityModel, columns: readonly AttributeModel[]): void {
  if (!PRINCIPAL_TABLES.has(entity.LogicalName) || !columns.some((a) => a.IsPrimaryId)) return;
  out['ownerid'] = out[entity.PrimaryIdAttribute];
}

/** Writes a plain number under `name`: counts and date parts, which have no column type; with FormattedValue asked for, the number as the locale writes it (`2,024`). */
function writeNumber(out: Record<string, unknown>, ann: AnnotationSet | undefined, name: string, v: number): void {
  writeLabelled(out, ann, name, v, FORMATTER.formatNumber(v));
}

/** Writes number `v` as `name`, with `label` as its FormattedValue when annotations ask for it. */
function writeLabelled(out: Record<string, unknown>, ann: AnnotationSet | undefined, name: string, v: number, label: string): void {
  if (ann?.formattedValue) out[`${name}@${TERMS.formattedValue}`] = label;
  out[name] = v;
}

/**
 * The response body of an aggregate (digest §3.7; Dataverse "Aggregate data using OData"):
 * `@odata.context` is `<root>$metadata#<set>` without a select list, and each group is an object
 * without `@odata.etag` or `@odata.id` holding its own table's group values, then the aggregates,
 * then the group values read across lookups (`contact_fullname`), the order of Dataverse's
 * examples. Null values are left out, as Dataverse leaves out null group values. With
 * FormattedValue asked for, aggregates carry one too (counts as numbers, the others formatted like
 * their column). A group by a date part (FetchXML `dategrouping`) is its number (month 3, year
 * 2023), formatted as a number (`2,023`), as Dataverse's example of date grouping shows it; a
 * fiscal year is its name (2023, formatted `FY2023`), a fiscal period `100 · year + period`
 * (202301, formatted `Quarter 1 FY2023`; plan/fiscal-calendar.ts fiscalPeriodLabel). A page of groups (`plan.page`) that has more after it carries
 * `@Microsoft.Dynamics.CRM.morerecords: true` when annotations ask for it, as FetchXML pages do.
 */
export function aggregateBody(serviceRoot: string, plan: AggregatePlan, all: readonly AggregateRow[]): Record<string, unknown> {
  const ann = plan.annotations;
  // A page of groups was read with one group more, which only tells that more follow.
  const more = plan.page !== undefined && all.length > plan.page.size;
  const rows = more ? all.slice(0, plan.page!.size) : all;
  const own = plan.groupBy.flatMap((g, i) => (g.column.navs.length ? [] : [i]));
  const related = plan.groupBy.flatMap((g, i) => (g.column.navs.length ? [i] : []));
  const value = rows.map((row) => {
    const out: Record<string, unknown> = {};
    const group = (i: number) => {
      const g = plan.groupBy[i]!;
      const v = row.groups[i];
      if (v === null) return;
      if (g.datePart === 'fiscal-year') writeLabelled(out, ann, g.alias, v as number, fiscalYearLabel(v as number));
      else if (g.datePart === 'fiscal-period') writeLabelled(out, ann, g.alias, v as number, fiscalPeriodLabel(g.fiscal!, Math.floor((v as number) / 100), (v as number) % 100));
      else if (g.datePart) writeNumber(out, ann, g.alias, v as number);
      else writeProperty(out, ann, g.column.attribute, g.alias, v, row.lookupNames[i]);
    };
    own.forEach(group);
    plan.aggregates.forEach((a, i) => {
      const v = row.aggregates[i];
      if (v === null || v === undefined) return;
      // Sums, averages, minimums and maximums are of their column's type (Edm.Decimal: plain notation; Edm.Int64: exact).
      if (a.fn === 'sum' || a.fn === 'avg' || a.fn === 'min' || a.fn === 'max') writeProperty(out, ann, a.column!.attribute, a.alias, v);
      else writeNumber(out, ann, a.alias, v as number);
    });
    related.forEach(group);
    return out;
  });
  return { '@odata.context': `${serviceRoot}$metadata#${plan.entity.EntitySetName}`, ...(more && ann?.moreRecords ? { [`@${TERMS.moreRecords}`]: true } : {}), value };
}

/**
 * The control information that starts a collection response (digest §3.5, §4.2): `@odata.context`,
 * `@odata.count` with `$count=true`, and the total count annotations when asked for
 * (`totalrecordcount` is -1 without a count).
 */
export function collectionHead(serviceRoot: string, plan: ReadPlan, result: { count?: number; countLimitExceeded?: boolean }): Record<string, unknown> {
  const body: Record<string, unknown> = { '@odata.context': contextUrl(serviceRoot, plan, false) };
  if (result.count !== undefined) body['@odata.count'] = result.count;
  if (plan.annotations?.totalRecordCount) body[`@${TERMS.totalRecordCount}`] = result.count ?? -1;
  if (plan.annotations?.totalRecordCountLimitExceeded) body[`@${TERMS.totalRecordCountLimitExceeded}`] = result.countLimitExceeded ?? false;
  return body;
}

/** The `Preference-Applied` header for a read: maxpagesize and include-annotations as applied. */
export function preferenceApplied(plan: Pick<ReadPlan, 'annotations' | 'maxPageSizeApplied'>, includeAnnotations: string | undefined): string | undefined {
  const applied: string[] = [];
  if (plan.annotations && includeAnnotations) applied.push(`odata.include-annotations=${includeAnnotations}`);
  if (plan.maxPageSizeApplied !== undefined) applied.push(`odata.maxpagesize=${plan.maxPageSizeApplied}`);
  return applied.length ? applied.join(',') : undefined;
}

/**
 * The request's own URL (`path` below the service root) with every option kept but `drop`ped
 * ones (matched by name, `$` written as such or as `%24`), and `name=value` added last; `value`
 * is written as given (already URL-safe).
 */
export function linkWith(serviceRoot: string, path: string, rawQuery: string, drop: readonly string[], name: string, value: string): string {
  const dropped = new RegExp(`^(?:\\$|%24)(?:${drop.join('|')})=`, 'i');
  const kept = rawQuery.split('&').filter((p) => p && !dropped.test(p));
  kept.push(`${name}=${value}`);
  return `${serviceRoot}${path}?${kept.join('&')}`;
}

/**
 * The `@odata.nextLink` for a page whose last row is `lastRow`: the request's own URL (`path`
 * below the service root, default the entity set) with every option kept and `$skiptoken`
 * replaced (digest §3.4, §13 #12); `settled` for a page of tracked changes (plan/changes.ts).
 */
export function nextLink(serviceRoot: string, plan: ReadPlan, rawQuery: string, fetched: readonly unknown[], lastRow: readonly Value[], path = plan.entity.EntitySetName, settled?: number): string {
  const values = plan.orderBy.map((k) => lastRow[fetched.indexOf(k.attribute)]!);
  return linkWith(serviceRoot, path, rawQuery, ['skiptoken'], '$skiptoken', encodeSkipToken(plan.orderBy, values, settled));
}

/** The service document: every entity set, the metadata sets (EntityDefinitions …) last (digest §1.2); `metadata` as for `json`. */
export function serviceDocument(serviceRoot: string, model: Model, metadata: MetadataLevel = 'minimal'): HttpResponse {
  return json(200, {
    '@odata.context': `${serviceRoot}$metadata`,
    value: [...model.entities.map((e) => e.EntitySetName), ...Object.keys(DEFINITION_SETS)].map((name) => ({ name, kind: 'EntitySet', url: name })),
  }, {}, metadata);
}
