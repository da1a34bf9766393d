import { Errors } from '../errors.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { annotationSet } from '../odata/annotations.js';
import { invalid, type DateGrouping, type FetchAttribute, type FetchOrder, type FetchQuery } from '../odata/fetchxml.js';
import type { Preferences } from '../odata/prefer.js';
import { planAggregate, type AggregateSpec } from './aggregate.js';
import { MAX_PAGE_SIZE } from './read.js';
import { FetchPlanner, linkedColumnName, pageOffset, type FetchContext, type LinkOrigin, type VisitedLink } from './fetch.js';
import type { AggregateFunction, AggregatePlan, ColumnPath, DatePart } from './types.js';
import { isFiscalPart } from './fiscal-calendar.js';
import { unorderable } from './sort-columns.js';
import { countsChildren } from './fetch-child-counts.js';

/**
 * The FetchXML front end of aggregation: `<fetch aggregate="true">` becomes an AggregateSpec for
 * planAggregate, the builder `$apply` uses too, so one renderer, executor and response serve both
 * (Dataverse "Aggregate data using FetchXml"; digest §3.7, §3.8).
 *
 * What maps to what:
 * - `<attribute groupby="true" alias="a">` → a group-by column named `a` (without an alias: the
 *   column's own name, `<link alias>_x002e_<column>` for link-entity columns); with
 *   `dategrouping="day|week|month|quarter|year"` the group is that part of the date, a number
 *   (sql/date-part.ts), in UTC whatever `usertimezone` says (no user time zones here);
 * - `<attribute aggregate="sum|avg|min|max|count|countcolumn" alias="b">` → an aggregate named `b`;
 *   `countcolumn` with `distinct="true"` is countdistinct; `count` counts rows whatever its column;
 * - attributes of many-to-one `link-entity` elements → columns reached through the lookups
 *   (ColumnPath with navigation properties); inner links restrict the rows as in plain queries;
 *   one-to-many inner and outer links (many-to-many ones through their intersect table too) join a
 *   row per related row as in plain queries (AggregatePlan.joins), each an input row, and their
 *   attributes read the joined row (ColumnPath.join), as Dataverse's joins multiply the rows it
 *   aggregates ("Aggregate data using FetchXml"; link-entity reference, link-type); the columns of
 *   an outer link with a filter of its own (or below one) are null where no related row meets it
 *   (ColumnPath.conditions), as its left outer join leaves them, so they group as null;
 * - `filter`, `condition` (also on links by `entityname`) → the rows aggregated, planned as in plain
 *   FetchXML queries; `<order alias>` → the output order; `<order attribute>` naming a grouped
 *   column of its entity or link-entity → its groups (orders inside links after the entity's), and for a column grouped by several date parts, coarsest first
 *   (COARSEST_FIRST, each in the order's direction); `top` → most groups;
 *   `aggregatelimit` → a lower input-row limit (it cannot raise the service's).
 */

/** Output name of an unaliased group-by column: its property name, or linkedColumnName across a link. */
function defaultName(attribute: AttributeModel, link: VisitedLink | undefined): string {
  return link ? linkedColumnName(link.alias, attribute) : attribute.PropertyName;
}

/** One `attribute` of an aggregate query, checked: a group or an aggregate of `column`. */
type Output =
  | { kind: 'group'; alias: string; column: ColumnPath; name: string; datePart?: DatePart; link?: VisitedLink }
  | { kind: 'aggregate'; alias: string; fn: AggregateFunction; column: ColumnPath };

/**
 * The date part a `dategrouping` value groups `attribute` by (Dataverse "Aggregate data using
 * FetchXml", Grouping by parts of a date; `where` names the attribute in errors). Throws 400
 * `0x80040203` when the column is no DateTime (Dataverse documents no code of its own for this).
 * `fiscal-period` and `fiscal-year` count in the organization's fiscal calendar, which the
 * service reads for such a query (plan/fiscal-uses.ts). `usertimezone` needs no check: every
 * caller's time zone is UTC here, so the user's time zone and UTC group alike.
 */
function datePartOf(grouping: DateGrouping, attribute: AttributeModel, where: string): DatePart {
  if (attribute.AttributeType !== 'DateTime') throw invalid(`${where} has dategrouping="${grouping}", but it is ${attribute.AttributeType}; only DateTime columns group by parts of a date.`);
  return grouping;
}

/**
 * The date parts from the coarsest to the finest, the order an `<order attribute>` sorts a
 * column's several date groups in. Chronological when each part is counted within the one before
 * it: the calendar parts (year, quarter, month, week, day) and the fiscal ones each among
 * themselves (a fiscal period's value holds its fiscal year). Mixed, a calendar part without the
 * year sorts by its calendar number inside a fiscal year: with fiscal-year and month, a fiscal
 * year starting in April lists January–March (its end) before April. Group by year too for the
 * dates' order.
 */
const COARSEST_FIRST: readonly DatePart[] = ['fiscal-year', 'fiscal-period', 'year', 'quarter', 'month', 'week', 'day'];

/** The rank of a group's date part in COARSEST_FIRST (a group that is no date part: 0). */
function coarseness(part: DatePart | undefined): number {
  return part ? COARSEST_FIRST.indexOf(part) : 0;
}

/**
 * Checks one `attribute` element of an aggregate query on `table` (reached through `link`, if any)
 * and returns what it contributes. Throws 400 for an attribute that is neither groupby nor
 * aggregate, or both, or has rowaggregate (fetch-child-counts.ts); an aggregate without alias; `distinct` on anything but countcolumn;
 * `dategrouping` without groupby or on a column that is no DateTime, a DateTime group without
 * `dategrouping` (datePartOf).
 */
function output(planner: FetchPlanner, table: EntityModel, x: FetchAttribute, link: VisitedLink | undefined, origin?: LinkOrigin): Output {
  const where = `the attribute '${link ? `${link.alias}.` : ''}${x.name}'`;
  if (countsChildren(x)) throw invalid(`${where} has rowaggregate, which an aggregate query cannot use; each attribute is grouped or aggregated.`);
  if (x.groupby && x.aggregate !== undefined) throw invalid(`${where} has both groupby and aggregate; an attribute of an aggregate query is either grouped or aggregated.`);
  if (!x.groupby && x.aggregate === undefined) {
    // Dataverse's own text (QueryBuilder), with the column named.
    throw invalid(`An attribute can not be requested when an aggregate operation has been specified and its neither groupby nor aggregate (${where}).`);
  }
  if (x.distinct && x.aggregate !== 'countcolumn') throw invalid(`${where} has distinct="true", which only applies to aggregate="countcolumn".`);
  if (x.dategrouping !== undefined && !x.groupby) throw invalid(`${where} has dategrouping, which needs groupby="true".`);
  const attribute = planner.column(table, x.name);
  // Conditions the origin does not enforce (an outer link with a filter, or below one) make the
  // column null where a related row fails them; enforced ones hold for every row aggregated.
  const conditions = origin?.conditional ? { conditions: origin.path.map((s) => s.where) } : {};
  const column: ColumnPath = { navs: origin ? origin.path.map((s) => s.navigation) : [], attribute, ...(origin?.join ? { join: origin.join } : {}), ...conditions };
  if (x.aggregate === undefined) {
    const refused = unorderable(attribute, 'grouped');
    if (refused) throw invalid(`${where}: ${refused}`);
    // Dataverse groups a date-time only by a part of it (MarkMpn/Sql4Cds#98: a groupby on a datetime
    // column without dategrouping is refused), as $apply refuses groupby on date-times.
    if (x.dategrouping === undefined && attribute.AttributeType === 'DateTime') {
      throw invalid(`${where} groups by a DateTime column without dategrouping; group by a part of the date (dategrouping="day", "week", "month", "quarter" or "year").`);
    }
    const datePart = x.dategrouping === undefined ? undefined : datePartOf(x.dategrouping, attribute, where);
    return { kind: 'group', alias: x.alias ?? defaultName(attribute, link), column, name: x.name, ...(datePart ? { datePart } : {}), ...(link ? { link } : {}) };
  }
  if (x.alias === undefined || x.alias.trim() === '') throw invalid(`${where} has aggregate="${x.aggregate}" but no alias; every aggregate needs an alias, which names it in the results.`);
  const fn: AggregateFunction = x.aggregate === 'countcolumn' && x.distinct ? 'countdistinct' : x.aggregate;
  return { kind: 'aggregate', alias: x.alias, fn, column };
}

/**
 * The group orders of one `<order>` of an aggregate query, inside the root entity (`link`
 * undefined) or inside the link-entity `link`: an `alias` names any groupby or aggregate attribute
 * of the query (aliases are unique across it), an `attribute` a column of that entity or link
 * grouped by (for several date parts of it: coarsest first, COARSEST_FIRST, each in the order's
 * direction). Dataverse orders the groups by alias ("Aggregate data using FetchXml", Grouping;
 * order reference: alias), and applies the orders inside link-entities after the entity's (order
 * reference, entityname). Throws 400 `0x80040203` for an `attribute` that names no such group.
 */
function groupOrders(o: FetchOrder, groups: ReadonlyArray<Output & { kind: 'group' }>, root: EntityModel, link: VisitedLink | undefined): NonNullable<AggregateSpec['orderBy']>[number][] {
  if (o.alias !== undefined) return [{ alias: o.alias, descending: o.descending }];
  const grouped = groups.filter((g) => g.link === link && g.name === o.attribute);
  if (!grouped.length) {
    const owner = link ? `the link-entity '${link.alias}'` : `'${root.LogicalName}'`;
    throw invalid(`in an aggregate query an <order> names the alias of a groupby or aggregate attribute; '${o.attribute}' is no groupby attribute of ${owner}.`);
  }
  // A column grouped by several parts of its date orders by its date: the coarsest part first.
  return grouped.sort((a, b) => coarseness(a.datePart) - coarseness(b.datePart)).map((g) => ({ alias: g.alias, descending: o.descending }));
}

/**
 * Plans `GET /<set>?fetchXml=<fetch aggregate="true">…` on `entity` with the service's input-row
 * limit `maxRecords`. `countOption` is the URL's `$count=true`.
 *
 * Throws 400 `0x80040203` for a query that does not fit the entity set, `all-attributes`,
 * attributes that are neither grouped nor aggregated (or both), aggregates without alias,
 * misplaced `distinct` or `dategrouping`, an `<order attribute>` that names no group-by column of
 * its entity or link-entity, `dategrouping` on a column that is no DateTime; 400 `0x80060888` for what planAggregate refuses (a function on a column type it does
 * not take, a repeated alias, an order by an unknown alias); everything plain FetchXML planning
 * refuses for names, filters and links (an `<order entityname>` that names no link returning
 * rows, FetchPlanner.orderedLink); and 501 for counting aggregate results, retained data, and
 * `dategrouping` by fiscal periods when `context` has no fiscal calendar; `top` with `count` or `page` is 400 `0x80040203`, as in plain queries.
 * `count` and `page` page the groups (AggregateSpec.page). The record limit itself (0x8004E023) is raised by executeAggregate.
 */
export function planFetchAggregate(entity: EntityModel, query: FetchQuery, context: FetchContext, prefer: Preferences, countOption: boolean, maxRecords: number): AggregatePlan {
  if (!query.aggregate) throw new Error('planFetchAggregate: the query is not aggregate="true"');
  if (query.datasource === 'retained') throw Errors.notImplemented('Aggregating long-term retained data (datasource="retained" with aggregate="true")');
  const paged = query.count !== undefined || query.page !== undefined;
  if (query.top !== undefined && paged) throw Errors.invalidArgument(`The top attribute can't be specified with paging attribute ${query.page !== undefined ? 'page' : 'count'}`);
  if (query.returnTotalRecordCount || countOption) throw Errors.notImplemented('A total record count of aggregate results (returntotalrecordcount or $count with aggregate="true")');
  const planner = new FetchPlanner(context.model, context);
  const root = planner.root(query, entity);
  const allAttributes = (alias?: string) => invalid(`<all-attributes>${alias ? ` in the link-entity '${alias}'` : ''} cannot be used in an aggregate query; name each column with groupby or aggregate.`);
  if (query.entity.allAttributes) throw allAttributes();
  planner.registerLinks(query.entity);
  const outputs = query.entity.attributes.map((x) => output(planner, root, x, undefined));
  const linkOrders: Array<[FetchOrder, VisitedLink]> = [];
  const { reachable, visited } = planner.walkRows(root, query.entity.links, (link, visited, origin) => {
    if (link.allAttributes) throw allAttributes(visited.alias);
    for (const o of link.orders) linkOrders.push([o, visited]);
    for (const x of link.attributes) outputs.push(output(planner, visited.table, x, visited, origin));
  });
  const groups = outputs.flatMap((o) => (o.kind === 'group' ? [o] : []));
  const orderBy = [
    // An order naming a link's alias (entityname) orders by that link's group in the entity's place.
    ...query.entity.orders.flatMap((o) => groupOrders(o, groups, root, planner.orderedLink(root, o, visited))),
    ...linkOrders.flatMap(([o, link]) => groupOrders(o, groups, root, link)),
  ];
  const spec: AggregateSpec = {
    entity: root,
    groupBy: groups.map(({ alias, column, datePart }) => ({ alias, column, datePart, ...(isFiscalPart(datePart) ? { fiscal: planner.fiscalCalendar } : {}) })),
    aggregates: outputs.flatMap((o) => (o.kind === 'aggregate' ? [{ alias: o.alias, fn: o.fn, column: o.column }] : [])),
    filter: planner.rootFilter(root, query, reachable),
    orderBy,
    // Pages of groups are skipped over ("simple paging"): a paging cookie is not used here.
    ...(paged ? { page: { size: query.count ?? MAX_PAGE_SIZE, skip: pageOffset(query.page ?? 1, query.count ?? MAX_PAGE_SIZE) } } : { top: query.top }),
    recordLimit: query.aggregateLimit,
    annotations: annotationSet(prefer.includeAnnotations),
    joins: planner.joins,
  };
  return planAggregate(spec, maxRecords);
}
