import type { ServiceError } from '../errors.js';
import type { Model } from '../model/types.js';
import { encodeSkipToken } from '../plan/skiptoken.js';
import type { ExpandPlan, ReadPlan, Value } from '../plan/types.js';
import { Formatter, TERMS } from './annotations.js';

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
}

export const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal';

/** A JSON response with OData's content type. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** The error envelope `{"error":{"code","message"}}` with the error's status (digest §5.1). */
export function errorResponse(err: ServiceError): HttpResponse {
  return json(err.status, err.toJSON());
}

/** `ETag` / `@odata.etag` value for a row version. */
export function etag(version: Value): string {
  return `W/"${version}"`;
}

/** The context URL's select items: the columns, then each expansion with its own (`<nav>,<nav>/$ref()` for references, as Dataverse writes them). */
function selectTree(selectList: readonly string[] | undefined, expand: readonly ExpandPlan[]): string[] {
  return [...(selectList ?? []), ...expand.flatMap((e) => (e.ref ? [e.navigation.Name, `${e.navigation.Name}/$ref()`] : [`${e.navigation.Name}(${selectTree(e.selectList, e.expand).join(',')})`]))];
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
 * An expanded row as OData JSON: `@odata.etag`, its columns in plan order, then nested
 * expansions; for `<nav>/$ref` its `@odata.id` alone (digest §3.6).
 */
function expandedEntity(e: ExpandPlan, row: Record<string, unknown> | null, serviceRoot: string): Record<string, unknown> | null {
  if (!row) return null;
  const target = e.navigation.target;
  if (e.ref) return { '@odata.id': entityId(serviceRoot, target.EntitySetName, row[target.PrimaryIdAttribute] as string) };
  const out: Record<string, unknown> = {};
  if (row['versionnumber'] !== null && row['versionnumber'] !== undefined) out['@odata.etag'] = etag(row['versionnumber'] as Value);
  for (const a of e.columns) out[a.PropertyName] = row[a.PropertyName];
  for (const child of e.expand) out[child.navigation.Name] = expandedValue(child, row[child.navigation.Name], serviceRoot);
  return out;
}

function expandedValue(e: ExpandPlan, v: unknown, serviceRoot: string): unknown {
  if (e.navigation.kind === 'single') return expandedEntity(e, v as Record<string, unknown> | null, serviceRoot);
  return (v as Array<Record<string, unknown>>).map((r) => expandedEntity(e, r, serviceRoot));
}

/** The absolute URL of one row, as sent in `OData-EntityId` (digest §2.1). */
export function entityId(serviceRoot: string, entitySetName: string, id: string): string {
  return `${serviceRoot}${entitySetName}(${id})`;
}

const FORMATTER = new Formatter();

/**
 * Turns fetched rows into entity objects: `@odata.context` first when given (single-entity
 * responses; `serviceRoot` makes the `@odata.id` of `<nav>/$ref` expansions), then `@odata.etag`, then the plan's output columns in order, each preceded by the
 * annotations the plan asks for, in Dataverse's order (digest §4.1): for a lookup
 * `associatednavigationproperty`, `lookuplogicalname`, `FormattedValue` (the target's primary
 * name); for choices, booleans, numbers and dates their `FormattedValue`. Annotations are left out
 * for null values. Built once per response, applied per row.
 */
export function entityWriter(plan: ReadPlan, fetched: readonly unknown[], serviceRoot: string, context?: string): (row: readonly Value[]) => Record<string, unknown> {
  const versionIndex = fetched.indexOf(plan.entity.attributesByName.get('versionnumber'));
  const ann = plan.annotations;
  const outputs = plan.columns.map((a) => {
    const names = plan.lookupNames.flatMap((l, j) => (l.attribute === a ? [fetched.length + j] : []));
    return { a, name: a.PropertyName, i: fetched.indexOf(a), names, typeIndex: a.TypeAttribute ? fetched.indexOf(a.TypeAttribute) : -1 };
  });
  const expansions = plan.expand.map((e, j) => ({ e, i: fetched.length + plan.lookupNames.length + j }));
  return (row) => {
    const out: Record<string, unknown> = context === undefined ? {} : { '@odata.context': context };
    out['@odata.etag'] = etag(row[versionIndex]!);
    for (const { a, name, i, names, typeIndex } of outputs) {
      const v = row[i];
      if (ann && v !== null && v !== undefined) {
        if (a.Targets.length) {
          // A polymorphic lookup's target is the row's type column (digest §1.5).
          const target = typeIndex >= 0 ? row[typeIndex] as string : a.Targets[0]!;
          if (ann.associatedNavigationProperty) out[`${name}@${TERMS.associatedNavigationProperty}`] = a.NavigationPropertyName ?? `${a.LogicalName}_${target}`;
          if (ann.lookupLogicalName) out[`${name}@${TERMS.lookupLogicalName}`] = target;
          const formatted = names.map((j) => row[j]).find((n) => n !== null && n !== undefined);
          if (ann.formattedValue && formatted !== undefined) out[`${name}@${TERMS.formattedValue}`] = formatted;
        } else if (ann.formattedValue) {
          const f = FORMATTER.format(a, v);
          if (f !== undefined) out[`${name}@${TERMS.formattedValue}`] = f;
        }
      }
      out[name] = v;
    }
    for (const { e, i } of expansions) out[e.navigation.Name] = expandedValue(e, row[i], serviceRoot);
    return out;
  };
}

/** The `Preference-Applied` header for a read: maxpagesize and include-annotations as applied. */
export function preferenceApplied(plan: ReadPlan, includeAnnotations: string | undefined): string | undefined {
  const applied: string[] = [];
  if (plan.annotations && includeAnnotations) applied.push(`odata.include-annotations=${includeAnnotations}`);
  if (plan.maxPageSizeApplied !== undefined) applied.push(`odata.maxpagesize=${plan.maxPageSizeApplied}`);
  return applied.length ? applied.join(',') : undefined;
}

/**
 * The `@odata.nextLink` for a page whose last row is `lastRow`: the request's own URL (`path`
 * below the service root, default the entity set) with every option kept and `$skiptoken`
 * replaced (digest §3.4, §13 #12).
 */
export function nextLink(serviceRoot: string, plan: ReadPlan, rawQuery: string, fetched: readonly unknown[], lastRow: readonly Value[], path = plan.entity.EntitySetName): string {
  const values = plan.orderBy.map((k) => lastRow[fetched.indexOf(k.attribute)]!);
  const kept = rawQuery.split('&').filter((p) => p && !/^(\$|%24)skiptoken=/i.test(p));
  kept.push(`$skiptoken=${encodeSkipToken(plan.orderBy, values)}`);
  return `${serviceRoot}${path}?${kept.join('&')}`;
}

/** The service document: every entity set (digest §1.2). */
export function serviceDocument(serviceRoot: string, model: Model): HttpResponse {
  return json(200, {
    '@odata.context': `${serviceRoot}$metadata`,
    value: model.entities.map((e) => ({ name: e.EntitySetName, kind: 'EntitySet', url: e.EntitySetName })),
  });
}
