import { Errors } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import { annotationSet } from '../odata/annotations.js';
import type { AggregateExpr, PathExpr, Transformation } from '../odata/apply.js';
import type { Preferences } from '../odata/prefer.js';
import type { QueryOptions } from '../odata/request.js';
import { planAggregate, type AggregateSpec } from './aggregate.js';
import { planFilter, resolveChain } from './filter.js';
import type { QueryFunctionContext } from './query-functions.js';
import type { AggregateFunction, AggregatePlan, ColumnPath, PlanExpr } from './types.js';
import { unorderable } from './sort-columns.js';

/**
 * The OData front end of aggregation: a parsed `$apply` (odata/apply.ts) and the query options
 * that may accompany it become an AggregateSpec for planAggregate, following Dataverse's rules
 * (digest §3.7; Dataverse "Aggregate data using OData", 2024-07):
 * - any number of `filter(…)` first, then one `groupby(…)` or `aggregate(…)`, last;
 * - grouping by a lookup path names the output `<target table>_<column>` (`contact_fullname`);
 * - grouping by a date-time column is not supported;
 * - `$orderby` may name grouped properties only; aggregate aliases answer Dataverse's
 *   "The query node SingleValueOpenPropertyAccess is not supported.";
 * - `$filter` restricts the rows that are aggregated, as Dataverse's translation to a query does
 *   (OData's own order would apply it to the groups); `$top` limits the groups;
 * - `$select`, `$expand`, `$count` and `$skiptoken` cannot be combined with `$apply`.
 */

const FUNCTIONS: Record<Extract<AggregateExpr, { kind: 'method' }>['method'], AggregateFunction> = {
  sum: 'sum', average: 'avg', min: 'min', max: 'max', countdistinct: 'countdistinct',
};
const INCOMPATIBLE = [['select', '$select'], ['expand', '$expand'], ['count', '$count'], ['skipToken', '$skiptoken']] as const;

/** The output name Dataverse gives a grouped property: its own name, or `<target table>_<name>` across a lookup. */
function groupAlias(c: ColumnPath): string {
  const last = c.navs[c.navs.length - 1];
  return last ? `${last.target.LogicalName}_${c.attribute.PropertyName}` : c.attribute.PropertyName;
}

function pathText(p: PathExpr): string {
  return p.segments.join('/');
}

type FilterTransformation = Extract<Transformation, { kind: 'filter' }>;

/** Splits the transformations into the leading filters and the final groupby/aggregate. */
function shape(transformations: readonly Transformation[]): { filters: FilterTransformation[]; last: Exclude<Transformation, FilterTransformation> } {
  const last = transformations[transformations.length - 1]!;
  const filters = transformations.slice(0, -1).map((t) => {
    if (t.kind !== 'filter') throw Errors.badQuery(`In $apply only filter(…) may come before the final groupby(…) or aggregate(…); '${t.kind}' at position ${t.pos} is followed by more.`);
    return t;
  });
  if (last.kind === 'filter') throw Errors.badQuery('$apply must end with groupby(…) or aggregate(…); to filter rows alone, use $filter.');
  return { filters, last };
}

/**
 * Plans `GET /<set>?$apply=…` on `entity`. `link` restricts the rows further (a collection reached
 * through a navigation property); `maxRecords` is the service's input-row limit; `ctx` gives query
 * functions in filters the caller and the time. Throws ServiceError 400 for transformations in an
 * order Dataverse does not take, unknown properties, date-time groupings, `$orderby` on anything but
 * a grouped property, options that cannot accompany `$apply`, and everything planAggregate refuses.
 */
export function planApply(entity: EntityModel, query: QueryOptions, prefer: Preferences, ctx: QueryFunctionContext, maxRecords: number, link?: PlanExpr): AggregatePlan {
  for (const [option, name] of INCOMPATIBLE) {
    if (query[option] !== undefined) throw Errors.badQuery(`The query option '${name}' cannot be combined with $apply.`);
  }
  const { filters, last } = shape(query.apply!);
  const conditions: PlanExpr[] = [
    ...(link ? [link] : []),
    ...(query.filter ? [planFilter(entity, query.filter, ctx)] : []),
    ...filters.map((f) => planFilter(entity, f.condition, ctx)),
  ];
  const filter = conditions.reduce<PlanExpr | undefined>((all, c) => (all ? { kind: 'and', left: all, right: c } : c), undefined);
  const properties = last.kind === 'groupby' ? last.properties : [];
  const groupBy = properties.map((p) => {
    const column = resolveChain(entity, p);
    if (column.attribute.AttributeType === 'DateTime') throw Errors.badQuery(`groupby with datetime values is not supported ('${pathText(p)}').`);
    const refused = unorderable(column.attribute, 'grouped');
    if (refused) throw Errors.badQuery(refused);
    return { alias: groupAlias(column), column };
  });
  const expressions = (last.kind === 'groupby' ? last.aggregate : last.expressions) ?? [];
  const aggregates = expressions.map((e) => (e.kind === 'count'
    ? { alias: e.alias, fn: 'count' as const }
    : { alias: e.alias, fn: FUNCTIONS[e.method], column: resolveChain(entity, e.path) }));
  const orderBy = (query.orderBy ?? []).map(({ expr, descending }) => {
    if (expr.kind !== 'path') throw Errors.badQuery('$orderby items must be grouped properties, optionally followed by asc or desc.');
    const i = properties.findIndex((p) => pathText(p) === pathText(expr));
    if (i >= 0) return { alias: groupBy[i]!.alias, descending };
    if (expressions.some((e) => e.alias === pathText(expr))) throw Errors.badQuery('The query node SingleValueOpenPropertyAccess is not supported.');
    throw Errors.badQuery(`$orderby with $apply can only name grouped properties; '${pathText(expr)}' is not grouped.`);
  });
  const spec: AggregateSpec = { entity, groupBy, aggregates, filter, orderBy, top: query.top, annotations: annotationSet(prefer.includeAnnotations) };
  return planAggregate(spec, maxRecords);
}
