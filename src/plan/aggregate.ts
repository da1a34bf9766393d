import { Errors } from '../errors.js';
import { singleBranches } from './navigation.js';
import type { AttributeType, EntityModel } from '../model/types.js';
import type { AnnotationSet } from '../odata/annotations.js';
import { isFiscalPart, type FiscalCalendar } from './fiscal-calendar.js';
import type { AggregateFunction, AggregateGroup, AggregatePage, AggregatePlan, AggregateSortKey, AggregateValue, ColumnPath, DatePart, PlanExpr, RowJoin } from './types.js';

/**
 * The front-end-neutral builder of aggregate plans. OData's `$apply` (plan/apply.ts) and FetchXML's
 * `<fetch aggregate="true">` both describe what to group and aggregate as an AggregateSpec of model
 * objects; planAggregate checks it and returns the AggregatePlan that sql/, store/ and respond share.
 */

/** Dataverse's limit on the rows an aggregate query may read (digest §3.7, §9). */
export const AGGREGATE_RECORD_LIMIT = 50000;

/**
 * What to aggregate, named by model objects (no front-end syntax):
 * - `groupBy`: the grouping columns in order, each with its output name: a column of the table
 *   (a lookup groups by its id, output conventionally `_x_value`), or a column of a row reached
 *   through single-valued navigation properties (`createdby/fullname`; FetchXML's link-entity
 *   attributes: the link's `to` lookup gives the navigation property,
 *   `entity.navigation.get(lookup.NavigationPropertyName)`). With `datePart` (a DateTime column
 *   only; FetchXML's `dategrouping`) the group is that part of the column's date, a number;
 *   `fiscal` is the organization's fiscal calendar a `fiscal-period`/`fiscal-year` part is counted
 *   in (read by the service for such a query, plan/fiscal-uses.ts), ignored for other parts.
 * - `aggregates`: each with its output name; `column` is required except for `count`, which
 *   counts rows and ignores a column (FetchXML names one anyway). FetchXML's
 *   `aggregate="countcolumn" distinct="true"` is `countdistinct`.
 * - `filter`: which rows are aggregated (a planned `$filter` or FetchXML filter).
 * - `orderBy`: output names (group-by or aggregate aliases), most significant first.
 * - `top`: most groups returned.
 * - `page`: FetchXML's `count` and `page` on an aggregate query: `size` groups per page, the
 *   page's first group at `skip` (in the complete output order); one more group is read to tell
 *   whether more follow. Not with `top`.
 * - `recordLimit`: a lower limit on input rows for this query (FetchXML's `aggregatelimit`); it
 *   cannot raise the service's limit.
 * - `annotations`: the instance annotations asked for; with FormattedValue, grouped lookups also
 *   read their target's primary name.
 */
export interface AggregateSpec {
  readonly entity: EntityModel;
  readonly groupBy: ReadonlyArray<{ readonly alias: string; readonly column: ColumnPath; readonly datePart?: DatePart; readonly fiscal?: FiscalCalendar }>;
  readonly aggregates: ReadonlyArray<{ readonly alias: string; readonly fn: AggregateFunction; readonly column?: ColumnPath }>;
  readonly filter?: PlanExpr;
  readonly orderBy?: ReadonlyArray<{ readonly alias: string; readonly descending: boolean }>;
  readonly top?: number;
  readonly page?: AggregatePage;
  readonly recordLimit?: number;
  readonly annotations?: AnnotationSet;
  /** One-to-many joins of the rows (FetchXML one-to-many link-entities, AggregatePlan.joins); column paths may start from their rows. */
  readonly joins?: readonly RowJoin[];
}

const NUMERIC = new Set<AttributeType>(['Integer', 'BigInt', 'Decimal', 'Double', 'Money']);

/** The column types each function accepts; undefined = any column. */
const ACCEPTS: Record<AggregateFunction, { types?: ReadonlySet<AttributeType>; what: string }> = {
  sum: { types: NUMERIC, what: 'a number column (Integer, BigInt, Decimal, Double, Money)' },
  avg: { types: NUMERIC, what: 'a number column (Integer, BigInt, Decimal, Double, Money)' },
  min: { types: new Set([...NUMERIC, 'DateTime']), what: 'a number or date-time column' },
  max: { types: new Set([...NUMERIC, 'DateTime']), what: 'a number or date-time column' },
  count: { what: 'no column' },
  countcolumn: { what: 'any column' },
  countdistinct: { what: 'any column' },
};

/** The path as the user wrote it, for messages: `createdby/fullname`. */
function pathName(c: ColumnPath): string {
  return [...c.navs.map((n) => n.Name), c.attribute.PropertyName].join('/');
}

/**
 * Checks that a column path starts at `entity` (or at the table of the join it names, one of
 * `joins`), follows single-valued navigation properties leaving the table it is at only and ends
 * in a stored column.
 */
function checkPath(entity: EntityModel, c: ColumnPath, joins: readonly RowJoin[]): void {
  if (c.join && joins[c.join.index]?.navigation.target !== c.join.table) throw new Error('planAggregate: a column path starts from a join the aggregate does not have');
  let table = c.join?.table ?? entity;
  for (const nav of c.navs) {
    // A navigation property of the table, or a step out of an intersect table (model/intersect-links.ts).
    if (nav.source !== table) throw Errors.propertyNotFound(nav.Name, table.LogicalName);
    if (nav.kind !== 'single') throw Errors.badQuery(`'${nav.Name}' is a collection-valued navigation property; aggregates can only follow lookups.`);
    if (nav.relationship.ReferencingAttribute.TypeAttribute && !nav.principals) throw Errors.notImplemented(`Aggregating through the polymorphic lookup '${nav.Name}'`);
    table = nav.target;
  }
  if (table.attributesByName.get(c.attribute.LogicalName) !== c.attribute || !c.attribute.IsStored) {
    throw Errors.propertyNotFound(c.attribute.PropertyName, table.LogicalName);
  }
}

/**
 * For a grouped lookup with one target that has a primary name: the path to that name; for an
 * owner (`ownerid`, a user or a team): the user's name, otherwise the team's (ColumnPath.otherwise).
 */
function lookupNameOf(entity: EntityModel, c: ColumnPath): ColumnPath | undefined {
  const a = c.attribute;
  if (!a.NavigationPropertyName) return undefined;
  const owner = c.navs.length ? c.navs[c.navs.length - 1]!.target : c.join?.table ?? entity;
  const nav = owner.navigation.get(a.NavigationPropertyName);
  if (!nav || (a.Targets.length !== 1 && !(nav.kind === 'single' && nav.principals))) return undefined;
  const paths = singleBranches(nav).flatMap((branch) => {
    const name = branch.target.PrimaryNameAttribute ? branch.target.attributesByName.get(branch.target.PrimaryNameAttribute) : undefined;
    return name?.IsStored ? [{ navs: [...c.navs, branch], attribute: name, ...(c.join ? { join: c.join } : {}), ...(c.conditions ? { conditions: c.conditions } : {}) }] : [];
  });
  return paths.reduceRight<ColumnPath | undefined>((otherwise, path) => (otherwise ? { ...path, otherwise } : path), undefined);
}

/**
 * Builds the AggregatePlan for `spec` with the service's input-row limit `maxRecords` (default
 * AGGREGATE_RECORD_LIMIT). Output order: `spec.orderBy`, then every group-by column not named there,
 * ascending (nulls first, as Dataverse sorts). Throws ServiceError 400: no group-by column and no
 * aggregate; an empty or repeated output name; a column path that does not belong to the table, goes
 * through a collection-valued navigation property or ends in a computed column; a date part of a
 * column that is no DateTime; a function applied
 * to a column type it does not take (sum/avg: numbers; min/max: numbers and date-times; count: no
 * column needed; countcolumn/countdistinct: any column); an aggregate other than count without a
 * column; an unknown alias in `orderBy`; a `top` or `recordLimit` that is not a whole number ≥ 0/≥ 1.
 * Throws ServiceError 501 for a `fiscal-period`/`fiscal-year` group without its `fiscal` calendar
 * (a path that does not read the organization's fiscal settings).
 */
export function planAggregate(spec: AggregateSpec, maxRecords = AGGREGATE_RECORD_LIMIT): AggregatePlan {
  const { entity } = spec;
  if (!spec.groupBy.length && !spec.aggregates.length) throw Errors.badQuery('An aggregate query needs at least one group-by column or aggregate.');
  const seen = new Set<string>();
  const named = (alias: string) => {
    if (!alias) throw Errors.badQuery('Every group-by column and aggregate needs an output name (alias).');
    if (seen.has(alias)) throw Errors.badQuery(`The output name '${alias}' is used twice in the aggregate query.`);
    seen.add(alias);
  };
  const groupBy: AggregateGroup[] = spec.groupBy.map(({ alias, column, datePart, fiscal }) => {
    named(alias);
    checkPath(entity, column, spec.joins ?? []);
    if (datePart) {
      if (column.attribute.AttributeType !== 'DateTime') throw Errors.badQuery(`Grouping by the ${datePart} of a date needs a DateTime column; '${pathName(column)}' is ${column.attribute.AttributeType}.`);
      if (isFiscalPart(datePart) && !fiscal) throw Errors.notImplemented(`Grouping by ${datePart} here (the organization's fiscal year settings are not read for it)`);
      return { alias, column, datePart, ...(isFiscalPart(datePart) ? { fiscal } : {}) };
    }
    const lookupName = spec.annotations?.formattedValue ? lookupNameOf(entity, column) : undefined;
    return lookupName ? { alias, column, lookupName } : { alias, column };
  });
  const aggregates: AggregateValue[] = spec.aggregates.map(({ alias, fn, column }) => {
    named(alias);
    if (fn === 'count') return { alias, fn };
    if (!column) throw Errors.badQuery(`The aggregate '${alias}' (${fn}) needs a column.`);
    checkPath(entity, column, spec.joins ?? []);
    const accepts = ACCEPTS[fn];
    if (accepts.types && !accepts.types.has(column.attribute.AttributeType)) {
      throw Errors.badQuery(`The aggregate function '${fn}' needs ${accepts.what}; '${pathName(column)}' is ${column.attribute.AttributeType}.`);
    }
    return { alias, fn, column };
  });
  const orderBy: AggregateSortKey[] = (spec.orderBy ?? []).map(({ alias, descending }) => {
    const group = groupBy.findIndex((g) => g.alias === alias);
    if (group >= 0) return { output: 'group', index: group, descending };
    const aggregate = aggregates.findIndex((a) => a.alias === alias);
    if (aggregate >= 0) return { output: 'aggregate', index: aggregate, descending };
    throw Errors.badQuery(`The aggregate query has no output named '${alias}' to order by.`);
  });
  groupBy.forEach((_, index) => {
    if (!orderBy.some((k) => k.output === 'group' && k.index === index)) orderBy.push({ output: 'group', index, descending: false });
  });
  if (spec.top !== undefined && !(Number.isInteger(spec.top) && spec.top >= 0)) throw Errors.badQuery(`The number of groups to return must be a whole number ≥ 0; ${spec.top} is not.`);
  if (spec.recordLimit !== undefined && !(Number.isInteger(spec.recordLimit) && spec.recordLimit >= 1)) throw Errors.badQuery(`The aggregate record limit must be a whole number ≥ 1; ${spec.recordLimit} is not.`);
  return {
    kind: 'aggregate',
    entity,
    groupBy,
    aggregates,
    filter: spec.filter,
    orderBy,
    ...(spec.page ? { top: spec.page.size + 1, page: spec.page } : { top: spec.top }),
    recordLimit: Math.min(spec.recordLimit ?? maxRecords, maxRecords),
    annotations: spec.annotations,
    ...(spec.joins?.length ? { joins: spec.joins } : {}),
  };
}
