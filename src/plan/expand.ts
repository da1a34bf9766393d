import { Errors } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import type { ExpandItem } from '../odata/expand.js';
import { planFilter, resolveProperty } from './filter.js';
import type { QueryFunctionContext } from './query-functions.js';
import type { ExpandPlan, SortKey } from './types.js';
import { sortKeysFor } from './sort-columns.js';

/** Dataverse's limit on `$expand` items per request (digest §3.6). */
export const MAX_EXPANSIONS = 15;
/** Most related rows one collection-valued expansion answers per parent (digest §3.6). */
export const MAX_CHILDREN = 5000;

const ONLY_SELECT_AND_FILTER = 'Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.';

/**
 * The key of an expanded row's `i`th lookup name (ExpandPlan.annotated) in its JSON and in the
 * decoded row: `$` is in no property or navigation property name.
 */
export function expandedLookupNameKey(i: number): string {
  return `$name${i + 1}`;
}

/** Whether `items` nest an `$expand` inside one of them (which, with `odata.maxpagesize`, pages every expanded collection). */
export function hasNestedExpand(items: readonly ExpandItem[]): boolean {
  return items.some((item) => (item.expand?.length ?? 0) > 0);
}

/**
 * Resolves `$expand` items against `entity` (digest §3.6): navigation property names, nested
 * `$select` (primary key always added), and for collection-valued properties `$filter`,
 * `$orderby` (primary key appended) and `$top` (without it, at most MAX_CHILDREN rows and a link to
 * the rest, see ExpandPlan.rest). With `pageSize` (`odata.maxpagesize` of a request that nests
 * an `$expand`), every collection-valued expansion is paged at that size, with the link to the
 * rest, and takes no `$top` or `$orderby` (digest §3.6: "paging is applied to each expanded
 * collection"). A single-valued expansion takes `$select`,
 * `$filter` (the related row is null unless it matches: "Only $select and $filter clause can be
 * provided … on many-to-one relationship", digest §3.6) and a nested `$expand`, or is
 * `<property>/$ref` (the related row's primary key alone). Throws 400
 * `0x80060888` for unknown properties, options not allowed there, `$ref` on a collection, and more
 * than 15 expansions.
 */
export function planExpand(entity: EntityModel, items: readonly ExpandItem[], ctx: QueryFunctionContext, pageSize?: number, count = { n: 0 }): ExpandPlan[] {
  return items.map((item) => {
    if (++count.n > MAX_EXPANSIONS) throw Errors.badQuery(`At most ${MAX_EXPANSIONS} navigation properties can be expanded in one request.`);
    const navigation = entity.navigation.get(item.property);
    if (!navigation) throw Errors.propertyNotFound(item.property, entity.LogicalName);
    const target = navigation.target;
    const pk = target.attributesByName.get(target.PrimaryIdAttribute)!;
    if (item.ref) {
      if (navigation.kind !== 'single') throw Errors.badQuery('Expand with $ref is only supported on lookup type navigation property.');
      return { navigation, columns: [pk], ref: true, orderBy: [], limit: 1, expand: [] };
    }
    if ((navigation.kind === 'single' || pageSize !== undefined) && (item.orderBy || item.top !== undefined)) throw Errors.badQuery(ONLY_SELECT_AND_FILTER);
    const columns = item.select ? item.select.map((name) => resolveProperty(target, name)) : [...target.attributesByProperty.values()];
    if (!columns.includes(pk)) columns.push(pk);
    const orderBy: SortKey[] = [];
    for (const o of item.orderBy ?? []) {
      if (o.expr.kind !== 'path' || o.expr.segments.length !== 1) throw Errors.badQuery('$orderby items inside $expand must be column names.');
      for (const key of sortKeysFor(ctx.model, target, resolveProperty(target, o.expr.segments[0]!), o.descending)) {
        if (!orderBy.some((k) => k.attribute === key.attribute)) orderBy.push(key);
      }
    }
    if (!orderBy.some((k) => k.attribute === pk)) orderBy.push({ attribute: pk, descending: false });
    return {
      navigation,
      columns: [...new Set(columns)],
      selectList: item.select,
      filter: item.filter ? planFilter(target, item.filter, ctx) : undefined,
      orderBy,
      limit: item.top ?? (pageSize ?? MAX_CHILDREN) + 1,
      expand: item.expand ? planExpand(target, item.expand, ctx, pageSize, count) : [],
      ...(navigation.kind === 'collection' && item.top === undefined ? { rest: item.query ?? '' } : {}),
    };
  });
}
