import { defaultColumns } from '../model/images.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import { annotationSet } from '../odata/annotations.js';
import type { QueryOptions } from '../odata/request.js';
import type { Preferences } from '../odata/prefer.js';
import { planFilter, resolveProperty } from './filter.js';
import { Errors } from '../errors.js';
import { decodeSkipToken } from './skiptoken.js';
import { sortKeysFor } from './sort-columns.js';
import { boundExpansions, hasNestedExpand, planExpand } from './expand.js';
import type { Caller, CountPlan, DataSource, ExpandPlan, ReadPlan, SortKey } from './types.js';
import type { QueryFunctionContext } from './query-functions.js';
import type { FiscalCalendar } from './fiscal-calendar.js';

/** The model and caller a read is planned for. */
export interface PlanContext {
  readonly model: Model;
  readonly caller: Caller;
  /** The time date query functions and operators take as now (`Today`, `LastXHours`…). */
  readonly clock: () => Date;
  /** The organization's fiscal calendar, for the fiscal query functions (QueryFunctionContext.fiscal). */
  readonly fiscal?: FiscalCalendar;
}

/** What query functions need of a plan context: the caller, now (the system clock without one) and the fiscal calendar. */
export function functionContext(context?: PlanContext): QueryFunctionContext {
  return { caller: context?.caller, now: context ? context.clock() : new Date(), model: context?.model, fiscal: context?.fiscal };
}

/** Dataverse's page size limit and default (digest §3.4). */
export const MAX_PAGE_SIZE = 5000;

/**
 * The output columns for `$select` (digest §3.1): the named properties in order, then the primary
 * key if it was not named; every readable stored column when `$select` is absent.
 * Throws 400 "Could not find a property named …" for an unknown or unreadable name.
 */
export function planSelect(entity: EntityModel, select: readonly string[] | undefined): AttributeModel[] {
  if (!select) return defaultColumns(entity);
  const columns: AttributeModel[] = [];
  for (const name of select) {
    const a = resolveProperty(entity, name);
    if (!columns.includes(a)) columns.push(a);
  }
  const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
  if (!columns.includes(pk)) columns.push(pk);
  return columns;
}

/**
 * The output lookups' targets that have a primary name: their names are read for FormattedValue
 * (a polymorphic lookup's per target; the row's own target answers).
 */
export function planLookupNames(model: Model, columns: readonly AttributeModel[]): ReadPlan['lookupNames'] {
  return columns.flatMap((attribute) => attribute.Targets.flatMap((t) => {
    const target = model.byLogicalName.get(t);
    return target?.PrimaryNameAttribute ? [{ attribute, target }] : [];
  }));
}

/**
 * The expansions of an annotated response, each marked `annotated` (ExpandPlan.annotated) with
 * the lookup names FormattedValue needs, nested ones too; `<nav>/$ref` expansions answer no columns.
 */
function annotateExpansions(model: Model, expand: readonly ExpandPlan[], formattedValue: boolean): ExpandPlan[] {
  return expand.map((e) => (e.ref ? e : {
    ...e,
    annotated: { lookupNames: formattedValue ? planLookupNames(model, e.columns) : [] },
    expand: annotateExpansions(model, e.expand, formattedValue),
  }));
}

/** Whether `expand` holds a collection-valued expansion, at any depth. */
function expandsCollection(expand: readonly ExpandPlan[]): boolean {
  return expand.some((e) => e.navigation.kind === 'collection' || expandsCollection(e.expand));
}

/** `$orderby` as sort keys; a lookup sorts by the related row's primary name (plan/lookup-name.ts). */
function planOrderBy(entity: EntityModel, query: QueryOptions, model?: Model): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of query.orderBy ?? []) {
    if (item.expr.kind !== 'path' || item.expr.segments.length !== 1) {
      throw Errors.badQuery('$orderby items must be column names, optionally followed by asc or desc.');
    }
    const attribute = resolveProperty(entity, item.expr.segments[0]!);
    for (const key of sortKeysFor(model, entity, attribute, item.descending)) {
      if (!keys.some((k) => k.attribute === key.attribute)) keys.push(key);
    }
  }
  const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
  if (!keys.some((k) => k.attribute === pk)) keys.push({ attribute: pk, descending: false });
  return keys;
}

/**
 * Plans `GET /<set>` (and, with `id`, `GET /<set>(<id>)`). Paging: `$top` returns at most N rows
 * and no nextLink; otherwise pages of `Prefer: odata.maxpagesize` (default and maximum 5,000)
 * continue with a keyset `$skiptoken`. Throws 400 for unknown properties, bad literals and
 * foreign skiptokens (and boundExpansions' 400); 501 for constructs not implemented yet. An
 * `$expand` whose worst case passes MAX_ANSWER_ROWS is bounded (boundExpansions: smaller pages,
 * paged shared collections). `one` (default: with `id`) plans at most one row, unpaged: a
 * single-valued navigation property's row is read without `id`. With `context`, FormattedValue
 * annotations of lookups (the target's primary name) are planned too, and query functions such
 * as EqualUserId know the caller.
 */
export function planRead(entity: EntityModel, query: QueryOptions, prefer: Preferences, id?: string, context?: PlanContext, one = id !== undefined): ReadPlan {
  const columns = planSelect(entity, query.select);
  const annotations = annotationSet(prefer.includeAnnotations);
  // A nested $expand pages every expanded collection at odata.maxpagesize (digest §3.6).
  const expansionPageSize = query.expand && hasNestedExpand(query.expand) ? prefer.maxPageSize : undefined;
  const planned = query.expand ? planExpand(entity, query.expand, functionContext(context), expansionPageSize) : [];
  const annotated = annotations && context ? annotateExpansions(context.model, planned, annotations.formattedValue === true) : planned;
  const paged = !one && query.top === undefined;
  // The page size was applied to the rows, or to expanded collections (of a single row, or under `$top`, too).
  const maxPageSizeApplied = paged || (expansionPageSize !== undefined && expandsCollection(planned)) ? prefer.maxPageSize : undefined;
  const bounded = boundExpansions(one ? 1 : query.top ?? prefer.maxPageSize ?? MAX_PAGE_SIZE, paged, annotated);
  const expand = bounded.expand;
  // `<lookup>/$ref` returns the lookup's `_x_value` beside the reference (digest §3.6).
  for (const e of expand) {
    const lookup = e.ref && e.navigation.kind === 'single' ? e.navigation.relationship.ReferencingAttribute : undefined;
    if (lookup && !columns.includes(lookup)) columns.push(lookup);
  }
  const lookupNames = annotations?.formattedValue && context ? planLookupNames(context.model, columns) : [];
  if (id !== undefined) {
    for (const option of ['filter', 'orderBy', 'top', 'count', 'skipToken', 'deltaToken', 'apply'] as const) {
      if (query[option] !== undefined) throw Errors.badQuery(`The query option '$${option.toLowerCase()}' cannot be used when retrieving a single record.`);
    }
    const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
    return { kind: 'read', entity, columns, selectList: query.select, orderBy: [{ attribute: pk, descending: false }], limit: 1, paged: false, count: false, id, maxPageSizeApplied, annotations, lookupNames, expand };
  }
  const orderBy = planOrderBy(entity, query, context?.model);
  return {
    kind: 'read',
    entity,
    columns,
    selectList: query.select,
    filter: query.filter ? planFilter(entity, query.filter, functionContext(context)) : undefined,
    orderBy,
    limit: one ? 1 : bounded.limit,
    paged,
    after: query.skipToken !== undefined ? decodeSkipToken(entity, orderBy, query.skipToken) : undefined,
    count: query.count === true,
    maxPageSizeApplied,
    annotations,
    lookupNames,
    expand,
  };
}

/**
 * Plans `GET /<set>/$count`; only `$filter` may accompany it (a `$deltatoken` is counted by
 * odata/changes.ts countChanges, on entity sets only).
 */
export function planCount(entity: EntityModel, query: QueryOptions, context?: PlanContext): CountPlan {
  for (const option of ['select', 'orderBy', 'top', 'count', 'skipToken', 'deltaToken', 'expand', 'apply'] as const) {
    if (query[option] !== undefined) throw Errors.badQuery(`The query option '$${option.toLowerCase()}' cannot be used with /$count.`);
  }
  return { kind: 'count', entity, filter: query.filter ? planFilter(entity, query.filter, functionContext(context)) : undefined };
}

/**
 * The DataSource of a read of `entity`'s retained rows (Dataverse "Long-term data retention":
 * FetchXML `datasource="retained"`, InitializeFileBlocksDownload's `DataSource`). Throws 400
 * `0x80040203` for a table not enabled for long-term retention (`asked`: how the read asked, for the message).
 */
export function retainedRows(entity: EntityModel, asked: string): DataSource {
  if (!entity.IsRetentionEnabled) throw Errors.invalidArgument(`The table '${entity.LogicalName}' is not enabled for long-term retention, so it has no retained rows (${asked}).`);
  return 'retained';
}
