import { defaultColumns } from '../model/images.js';
import { Errors } from '../errors.js';
import { PRINCIPAL } from '../model/system-columns.js';
import type { EntityModel, NavigationPropertyModel, OneToManyNavigationModel } from '../model/types.js';
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
 * the rest, see ExpandPlan.rest), with their options for links (ExpandPlan.query). With
 * `pageSize` (`odata.maxpagesize` of a request that nests an `$expand`), every collection-valued
 * expansion is paged at that size, with the link to the rest, and takes no `$top` or `$orderby`
 * (digest §3.6: "paging is applied to each expanded collection"). A single-valued expansion takes
 * `$select`, `$filter` (the related row is null unless it matches: "Only $select and $filter
 * clause can be provided … on many-to-one relationship", digest §3.6) and a nested `$expand`, or
 * is `<property>/$ref` (the related row's primary key alone). Throws 400 `0x80060888` for unknown
 * properties, options not allowed there, `$ref` on a collection, and more than 15 expansions.
 */
export function planExpand(entity: EntityModel, items: readonly ExpandItem[], ctx: QueryFunctionContext, pageSize?: number, count = { n: 0 }): ExpandPlan[] {
  return items.flatMap((item) => {
    if (++count.n > MAX_EXPANSIONS) throw Errors.badQuery(`At most ${MAX_EXPANSIONS} navigation properties can be expanded in one request.`);
    const navigation = entity.navigation.get(item.property);
    if (!navigation) throw Errors.propertyNotFound(item.property, entity.LogicalName);
    if (navigation.kind === 'single' && navigation.principals) return planPrincipal(navigation.principals, item, ctx, pageSize, count);
    return [planItem(navigation, item, ctx, pageSize, count)];
  });
}

/**
 * The expansions of an owner's property (`ownerid`; see ExpandPlan.principal): one per table it
 * leads to. Its type, `principal`, has the one property `ownerid`, the row's key: a `$select`
 * names only it (each table's primary key), anything else is 400 `0x80060888`.
 */
function planPrincipal(principals: ReadonlyMap<EntityModel, OneToManyNavigationModel>, item: ExpandItem, ctx: QueryFunctionContext, pageSize: number | undefined, count: { n: number }): ExpandPlan[] {
  const unknown = item.select?.find((name) => name !== 'ownerid');
  if (unknown !== undefined) throw Errors.propertyNotFound(unknown, PRINCIPAL);
  const before = count.n;
  return [...principals.values()].map((navigation, i) => {
    const select = item.select && [navigation.target.PrimaryIdAttribute];
    // The item's nested expansions count once against MAX_EXPANSIONS, not once per table.
    const plan = planItem(navigation, { ...item, select }, ctx, pageSize, i ? { n: before } : count);
    return { ...plan, selectList: item.select, principal: true, ...(i ? { key: `${navigation.Name}$${navigation.target.LogicalName}` } : {}) };
  });
}

/** Where an expansion's rows are read in its parent's (nested expansions): the property's name, or ExpandPlan.key. */
export function expansionKey(e: ExpandPlan): string {
  return e.key ?? e.navigation.Name;
}

/** One `$expand` item through `navigation` (planExpand). */
function planItem(navigation: NavigationPropertyModel, item: ExpandItem, ctx: QueryFunctionContext, pageSize: number | undefined, count: { n: number }): ExpandPlan {
  const target = navigation.target;
  const pk = target.attributesByName.get(target.PrimaryIdAttribute)!;
  if (item.ref) {
    if (navigation.kind !== 'single') throw Errors.badQuery('Expand with $ref is only supported on lookup type navigation property.');
    return { navigation, columns: [pk], ref: true, orderBy: [], limit: 1, expand: [] };
  }
  if ((navigation.kind === 'single' || pageSize !== undefined) && (item.orderBy || item.top !== undefined)) throw Errors.badQuery(ONLY_SELECT_AND_FILTER);
  const columns = item.select ? item.select.map((name) => resolveProperty(target, name)) : defaultColumns(target);
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
    ...(navigation.kind === 'collection' ? { query: item.query ?? '' } : {}),
    ...(navigation.kind === 'collection' && item.top === undefined ? { rest: true } : {}),
  };
}

/**
 * The expansions of a collection read of an entity set, `linked` (ExpandPlan.linked) when no item
 * nests an `$expand`: Dataverse answers each parent's single-level expanded collection with
 * `<nav>@odata.nextLink`, the related collection without paging (digest §3.6; "Join tables using
 * OData", single `$expand` on collection-valued navigation properties); not for a single row or
 * the related rows of one (`<set>(<id>)/<nav>?$expand=…`), which its examples answer without.
 */
export function linkCollections(expand: readonly ExpandPlan[]): readonly ExpandPlan[] {
  if (expand.some((e) => e.expand.length)) return expand;
  return expand.map((e) => (e.navigation.kind === 'collection' ? { ...e, linked: true } : e));
}

/**
 * Most rows, the top-level ones and every expanded one, that one answer may hold at worst. A
 * collection-valued expansion reached through a many-to-one or many-to-many step repeats its rows
 * under every parent that shares the related row (`createdby($expand=lk_…_createdby)` lists the
 * user's rows once per row they created), so the worst case multiplies and, unbounded, a short
 * URL could build an answer larger than the server's memory.
 */
export const MAX_ANSWER_ROWS = 50_000;

/**
 * Bounds the worst-case size of an answer of at most `limit` top-level rows with expansions
 * `expand` (see MAX_ANSWER_ROWS). Only trees holding a shared collection (a collection-valued
 * expansion below a single-valued or many-to-many one) are touched; collections reached only
 * through one-to-many steps hold each related row once, so their size is the data's. Over the
 * bound, a paged read answers fewer rows per page (server-driven paging: the `@odata.nextLink`
 * continues; OData Part 1 §11.2.6.7); then, or for `$top`, the shared collections without their
 * own `$top` answer a smaller first page each, with their `<nav>@odata.nextLink` to the rest (as
 * Dataverse pages expanded collections, digest §3.6), and if that is not enough every collection
 * without its own `$top`. Throws 400 `0x80060888` when the `$top` values alone break the bound.
 */
export function boundExpansions(limit: number, paged: boolean, expand: readonly ExpandPlan[]): { limit: number; expand: readonly ExpandPlan[] } {
  if (!holdsShared(expand, false)) return { limit, expand };
  const total = (rows: number, cap: number, all: boolean) => rows * (1 + worstRows(expand, cap, false, all));
  if (total(limit, Infinity, false) <= MAX_ANSWER_ROWS) return { limit, expand };
  const rows = paged ? Math.max(1, Math.min(limit, Math.floor(MAX_ANSWER_ROWS / (1 + worstRows(expand, Infinity, false, false))))) : limit;
  if (total(rows, Infinity, false) <= MAX_ANSWER_ROWS) return { limit: rows, expand };
  // The shared collections paged first; when the one-to-many levels above them are what is too
  // large, every collection without its own $top.
  const all = total(rows, 1, false) > MAX_ANSWER_ROWS;
  if (all && total(rows, 1, true) > MAX_ANSWER_ROWS) {
    throw Errors.badQuery(`This $expand could answer more than ${MAX_ANSWER_ROWS.toLocaleString('en-US')} rows: lower the $top of the collections it expands, or expand fewer levels.`);
  }
  let low = 1;
  let high = MAX_CHILDREN;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (total(rows, mid, all) <= MAX_ANSWER_ROWS) low = mid;
    else high = mid - 1;
  }
  return { limit: rows, expand: capCollections(expand, low, false, all) };
}

/** Whether `expand`, below a many-to-one or many-to-many step when `below`, holds a shared collection. */
function holdsShared(expand: readonly ExpandPlan[], below: boolean): boolean {
  return expand.some((e) => (below && e.navigation.kind === 'collection') || holdsShared(e.expand, below || sharing(e)));
}

/** Whether the rows below expansion `e` may repeat under several of its parents. */
function sharing(e: ExpandPlan): boolean {
  return e.navigation.kind === 'single' || e.navigation.intersect !== undefined;
}

/** Whether collection expansion `e` (below a sharing step when `below`) is paged at the cap: it has no `$top` of its own, and is shared or `all` are. */
function capped(e: ExpandPlan, below: boolean, all: boolean): boolean {
  return e.navigation.kind === 'collection' && e.rest === true && (below || all);
}

/** The most rows `expand` may add under one parent row, the collections `capped` answering at most `cap` rows. */
function worstRows(expand: readonly ExpandPlan[], cap: number, below: boolean, all: boolean): number {
  let rows = 0;
  for (const e of expand) {
    const each = e.navigation.kind === 'single' ? 1 : capped(e, below, all) ? Math.min(e.limit, cap + 1) : e.limit;
    rows += each * (1 + worstRows(e.expand, cap, below || sharing(e), all));
  }
  return rows;
}

/** `expand` with its collections `capped` paged at `cap` rows. */
function capCollections(expand: readonly ExpandPlan[], cap: number, below: boolean, all: boolean): ExpandPlan[] {
  return expand.map((e) => ({
    ...e,
    ...(capped(e, below, all) ? { limit: Math.min(e.limit, cap + 1) } : {}),
    expand: capCollections(e.expand, cap, below || sharing(e), all),
  }));
}
