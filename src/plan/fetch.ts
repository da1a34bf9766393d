import { defaultColumns } from '../model/images.js';
import { Errors, ServiceError } from '../errors.js';
import { columnLink, joinKind, joinTypeName } from '../model/column-links.js';
import { intersectSteps } from '../model/intersect-links.js';
import { pkOf } from '../model/primary-key.js';
import type { AttributeModel, EntityModel, Model, NavigationPropertyModel } from '../model/types.js';
import { annotationSet } from '../odata/annotations.js';
import type { Expr } from '../odata/expression.js';
import { FILTER_LINK_TYPES, type ConditionOperator, type FetchAttribute, type FetchCondition, type FetchFilter, type FetchLink, type FetchOrder, type FetchQuery, type FetchTable } from '../odata/fetchxml.js';
import type { Preferences } from '../odata/prefer.js';
import { compareValue, inValues, type ComparedValue } from './compare.js';
import { countsChildren, planChildCounts } from './fetch-child-counts.js';
import { likePattern } from './filter.js';
import { singleBranches } from './navigation.js';
import { decodePagingCookie } from './paging-cookie.js';
import { linkedSortKeys, sortColumnOf, sortKeysFor, unorderable } from './sort-columns.js';
import { planQueryFunction, valueParameters, type QueryFunctionContext } from './query-functions.js';
import { FISCAL_OPERATORS } from './fiscal-functions.js';
import type { FiscalCalendar } from './fiscal-calendar.js';
import { MAX_PAGE_SIZE, planLookupNames, retainedRows, type PlanContext } from './read.js';
import type { DataSource, JoinOrigin, LinkedColumn, LinkStep, PlanExpr, ReadPlan, RowJoin, SortKey, Value } from './types.js';
import { textValue } from './values.js';

/**
 * Plan stage of the FetchXML front end: a parsed `FetchQuery` becomes the same `ReadPlan` the
 * OData front end produces, so one renderer and one executor serve both (digest §3.8; Dataverse
 * FetchXML reference and "Join tables / Filter rows / Page results using FetchXml").
 *
 * What maps to what:
 * - `attribute` / `all-attributes` / none → output columns (the primary key is added unless
 *   `distinct`); `order` → sort keys (the root's, then those inside links; see rootOrder), the
 *   primary key (or, with `distinct`, every output column) appended so the order is total.
 * - `filter` (and/or, nested) and `condition` → PlanExpr; value operators use the same value code
 *   and comparisons as `$filter`, date and user operators the same query functions.
 * - `link-entity` follows a lookup relationship of the model (many-to-one: `from` = the target's
 *   primary key, `to` = the lookup; one-to-many: `from` = the child's lookup, `to` = the parent's
 *   primary key), or a step into or out of a many-to-many intersect table, whose id columns act as
 *   lookups (model/intersect-links.ts; Dataverse "Join tables using FetchXml", Many-to-many); or,
 *   where no relationship has its `from` and `to`, a step that compares those two columns
 *   (joinOnColumns, model/column-links.ts; "Join tables using FetchXml", No relationship): many-to-one
 *   when `from` is the target's primary key, one-to-many otherwise. Each link has a condition C: its own filters, and EXISTS for each inner, exists
 *   or in child link. An inner, exists or in link restricts its parent to rows where a linked row
 *   meets C (EXISTS; the parent row is returned once); outer and matchfirstrowusingcrossapply links
 *   restrict nothing. Filter link types inside a `filter`: any = EXISTS(C), not any = NOT
 *   EXISTS(C), and as Dataverse runs them whatever their names suggest (its FetchXML reference
 *   says so: invert the filters of `all` to test every linked row), all = EXISTS(linked row) AND
 *   NOT EXISTS(C), not all = EXISTS(C).
 * - Columns of many-to-one links come back as `<alias>.<attribute>` (LinkedColumn: a scalar
 *   subquery per column following the lookups; null when a step finds no row meeting its C).
 * - A one-to-many inner or outer link that returns rows, with or without columns, is joined
 *   (RowJoin: a row per related row meeting C; outer keeps a parent without one once), as
 *   Dataverse joins it ("Join tables using FetchXml"; link-entity reference: exists and in are
 *   inner returning the parent once); links below read from the joined row. Such reads page by
 *   skipping rows, without paging cookie (FetchPlan.pagingCookie); `distinct` collapses the
 *   repeated rows. Retention criteria (rowsOnce) keep links without columns as restrictions.
 * - An `attribute` with an `alias` (root or link) comes back under the alias alone (FetchPlan.aliased,
 *   LinkedColumn.aliased; "Select columns using FetchXml", Column aliases); names must be unique.
 * - `distinct` with link columns: distinct rows over root and link columns, ordered by the orders,
 *   then the root's output columns, then the link columns; paged by skipping rows, no paging cookie.
 * - A root `condition` with `entityname` tests a linked row's column as after an outer join:
 *   EXISTS(linked row meeting C and the condition), or, when the condition holds for null, also
 *   NOT EXISTS(linked row meeting C). On a joined link (or one below it) the linked row is the
 *   one each returned row pairs with (PlanExpr `joinedRow`), as Dataverse's WHERE after its joins
 *   tests it: `null` on the joined row's key keeps the parents without related rows. The
 *   conditions of one `and` filter naming one link reached through a one-to-many step that is not
 *   joined test one related row together (one EXISTS; FetchPlanner.filter). An inner joined link
 *   adds no EXISTS to the root's filter: its join restricts the rows already.
 * - `rowaggregate="CountChildren"` on the root's primary key counts each row's children in the
 *   table's hierarchy (ReadPlan.childCounts, fetch-child-counts.ts), answered under its alias.
 * - Paging: `top`; or `count` (page size, default and maximum 5,000) and `page`. A paging cookie of
 *   the previous page makes page N+1 a keyset seek after that page's last row; `page` without one
 *   (or with a cookie of another page, which Dataverse ignores) skips (page-1)*count rows.
 */

/** Dataverse's limit on `link-entity` elements per query (0x8004430D). */
export const MAX_LINK_ENTITIES = 15;

/** A planned FetchXML query: the read, the page it returns, and the parsed query it came from. */
export interface FetchPlan {
  readonly read: ReadPlan;
  /** The 1-based page this read returns (for the paging cookie). */
  readonly page: number;
  readonly query: FetchQuery;
  /** The root columns of `read.columns` answered under their own names (the others only under aliases). */
  readonly visible: readonly AttributeModel[];
  /** Root columns answered under an `alias` (link-entity ones are LinkedColumns named by theirs). */
  readonly aliased: readonly AliasedColumn[];
  /**
   * False for queries whose pages Dataverse answers without a paging cookie ("Page results using
   * FetchXml", Queries that don't support paging cookies): `distinct` with link-entity columns,
   * and columns of one-to-many links (ReadPlan.joins), paged by skipping rows. Dataverse's cookie
   * for these holds the root row's key alone, so the next page would skip the rest of a root row's
   * related rows (rappen/FetchXMLBuilder#616: "the paging cookie is based on the account ID … the
   * extra contacts are skipped"); its simple paging (`page` without cookie) is what stays exact. A plain `distinct` query keeps its cookie: the docs name no such
   * limit for it (only that it needs an order to page consistently), and its rows are ordered by
   * every returned column, so the last row's values are a keyset to seek after; so does one whose
   * joined links return no columns (its distinct rows are of root columns alone).
   */
  readonly pagingCookie: boolean;
}

/** What the FetchXML planner needs besides the query: the model, the caller and the clock. */
export interface FetchContext extends Omit<PlanContext, 'clock'> {
  /** The instant the query's date operators take as now. */
  readonly now: Date;
}

/** Query functions that implement FetchXML's date and user operators (digest §3.2). */
const FUNCTION_OPERATORS: Partial<Record<ConditionOperator, string>> = {
  on: 'On', 'on-or-after': 'OnOrAfter', 'on-or-before': 'OnOrBefore',
  today: 'Today', yesterday: 'Yesterday', tomorrow: 'Tomorrow', 'last-seven-days': 'Last7Days', 'next-seven-days': 'Next7Days',
  'last-week': 'LastWeek', 'this-week': 'ThisWeek', 'next-week': 'NextWeek', 'last-month': 'LastMonth', 'this-month': 'ThisMonth',
  'next-month': 'NextMonth', 'last-year': 'LastYear', 'this-year': 'ThisYear', 'next-year': 'NextYear',
  'last-x-hours': 'LastXHours', 'next-x-hours': 'NextXHours', 'last-x-days': 'LastXDays', 'next-x-days': 'NextXDays',
  'last-x-weeks': 'LastXWeeks', 'next-x-weeks': 'NextXWeeks', 'last-x-months': 'LastXMonths', 'next-x-months': 'NextXMonths',
  'last-x-years': 'LastXYears', 'next-x-years': 'NextXYears',
  'olderthan-x-minutes': 'OlderThanXMinutes', 'olderthan-x-hours': 'OlderThanXHours', 'olderthan-x-days': 'OlderThanXDays',
  'olderthan-x-weeks': 'OlderThanXWeeks', 'olderthan-x-months': 'OlderThanXMonths', 'olderthan-x-years': 'OlderThanXYears',
  'older-than-x-minutes': 'OlderThanXMinutes', 'older-than-x-hours': 'OlderThanXHours', 'older-than-x-days': 'OlderThanXDays',
  'older-than-x-weeks': 'OlderThanXWeeks', 'older-than-x-months': 'OlderThanXMonths', 'older-than-x-years': 'OlderThanXYears',
  'eq-userid': 'EqualUserId', 'ne-userid': 'NotEqualUserId', 'eq-userteams': 'EqualUserTeams', 'eq-useroruserteams': 'EqualUserOrUserTeams',
  'eq-useroruserhierarchy': 'EqualUserOrUserHierarchy', 'eq-useroruserhierarchyandteams': 'EqualUserOrUserHierarchyAndTeams',
  'eq-businessid': 'EqualBusinessId', 'ne-businessid': 'NotEqualBusinessId', 'eq-userlanguage': 'EqualUserLanguage',
  above: 'Above', 'eq-or-above': 'AboveOrEqual', under: 'Under', 'eq-or-under': 'UnderOrEqual', 'not-under': 'NotUnder',
  ...Object.fromEntries(FISCAL_OPERATORS),
};

const COMPARISONS: Partial<Record<ConditionOperator, 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'>> = {
  eq: 'eq', ne: 'ne', neq: 'ne', gt: 'gt', ge: 'ge', lt: 'lt', le: 'le',
};

function and(left: PlanExpr | undefined, right: PlanExpr | undefined): PlanExpr | undefined {
  if (!left) return right;
  if (!right) return left;
  return { kind: 'and', left, right };
}

function not(operand: PlanExpr): PlanExpr {
  return { kind: 'not', operand };
}

/** Whether `e` is true for a row whose tested column is null (three-valued: undefined = unknown). */
function holdsForNull(e: PlanExpr): boolean | undefined {
  switch (e.kind) {
    case 'isNull': return !e.negate;
    case 'const': return e.value ?? undefined;
    case 'not': { const v = holdsForNull(e.operand); return v === undefined ? undefined : !v; }
    case 'and': {
      const l = holdsForNull(e.left), r = holdsForNull(e.right);
      return l === false || r === false ? false : l === true && r === true ? true : undefined;
    }
    case 'or': {
      const l = holdsForNull(e.left), r = holdsForNull(e.right);
      return l === true || r === true ? true : l === false && r === false ? false : undefined;
    }
    default: return undefined;
  }
}

/** Whether a lookup step follows a polymorphic lookup (its rows are read through a table-specific lookup path, not yet). */
function polymorphic(step: LinkStep): boolean {
  return !step.navigation.intersect && step.navigation.relationship.ReferencingAttribute.TypeAttribute !== undefined && !ownerBranch(step.navigation);
}

/**
 * Whether `nav` is an owner's property to one of its tables (`ownerid` to users, or to teams;
 * OneToManyNavigationModel.principals): a link-entity to a named table follows that table's
 * branch, with the owner's type condition (sql/render.ts stepValue), so it reads and orders
 * through it as through a one-target lookup.
 */
function ownerBranch(nav: NavigationPropertyModel): boolean {
  return nav.kind === 'single' && nav.principals !== undefined;
}

/**
 * The step of link `alias` that joins the rows of `target` whose column `from` equals the column
 * `to` of its parent's row, where no relationship of the model has them (Dataverse "Join tables
 * using FetchXml", No relationship; model/column-links.ts). Throws 400 `0x80040203` when `from` or
 * `to` is left out (no relationship to take it from), for a File or Image column (which the docs
 * say `from` and `to` cannot use), and for columns of different kinds (joinKind: Dataverse
 * converts one to the other, which its docs warn may fail for some values; here the query is
 * refused, not confirmed against Dataverse); 501 for a polymorphic lookup column (its type column
 * would be left out of the comparison).
 */
function joinOnColumns(alias: string, parent: EntityModel, to: AttributeModel | undefined, target: EntityModel, from: AttributeModel | undefined): NavigationPropertyModel {
  if (!from || !to) {
    throw Errors.invalidArgument(`Invalid FetchXML: the link-entity '${alias}' needs both 'from' and 'to': no relationship connects '${parent.LogicalName}' and '${target.LogicalName}'.`);
  }
  const where = `the link-entity '${alias}' from '${target.LogicalName}.${from.LogicalName}' to '${parent.LogicalName}.${to.LogicalName}'`;
  for (const a of [from, to]) {
    if (!joinKind(a)) throw Errors.invalidArgument(`Invalid FetchXML: ${where} cannot join on '${a.LogicalName}', a column of type ${a.AttributeType}.`);
    if (a.TypeAttribute) throw Errors.notImplemented(`Joining on the polymorphic lookup '${a.LogicalName}' outside its relationships (${where})`);
  }
  if (joinKind(from) !== joinKind(to)) {
    throw Errors.invalidArgument(`Invalid FetchXML: ${where} joins columns of different types (${joinTypeName(from)} and ${joinTypeName(to)}); the columns must be of the same type.`);
  }
  return columnLink(alias, parent, to, target, from);
}

/** Tests of root conditions naming one link (`entityname`), planned on its table, to be reached together (FetchPlanner.filter). */
interface LinkedTests {
  readonly linked: ReachableLink;
  readonly tests: PlanExpr[];
}

/** A link-entity reachable from the root through entity-level links, for `entityname` conditions. */
export interface ReachableLink {
  readonly link: FetchLink;
  readonly table: EntityModel;
  readonly path: readonly LinkStep[];
}

/** Which names a condition's `entityname` may use, and what they mean. */
export interface Scope {
  /** Names of the table the filter belongs to (its alias, or the root entity's name). */
  readonly own: ReadonlySet<string>;
  /** Root scope only: links by alias (and by name when the link has no alias). */
  readonly links?: ReadonlyMap<string, ReachableLink>;
}

/** One link as FetchPlanner.walkLinks visits it. */
export interface VisitedLink {
  /** The link's table. */
  readonly table: EntityModel;
  /** The lookup steps from the root to this link's row, each with its link condition. */
  readonly path: readonly LinkStep[];
  /** The alias registerLinks gave the link. */
  readonly alias: string;
  /** True when this link and every link above it are inner: the root's EXISTS restrictions require each step's row to meet its condition. */
  readonly enforced: boolean;
  /**
   * True when some step has a condition the root's restrictions do not require (an outer link
   * with a filter): a column here reads null where a related row fails its link's condition.
   */
  readonly conditional: boolean;
  /** The link-entity this one is nested in (undefined under the root entity). */
  readonly parent?: VisitedLink;
}

/**
 * Where the SQL of a plain query reaches a link's rows from (FetchPlanner.linkedColumns): the read's
 * row, or (`join`) the row of the nearest one-to-many join at or above the link; then the
 * many-to-one steps of `path`. `enforced` and `conditional` are VisitedLink's, counted from there:
 * a joined row meets its link's condition, which holds EXISTS for its inner children.
 */
export interface LinkOrigin {
  readonly join?: JoinOrigin;
  readonly path: readonly LinkStep[];
  readonly enforced: boolean;
  readonly conditional: boolean;
}

/**
 * Plans the parts of one FetchXML query that plain and aggregate queries share: tables, columns,
 * links, filters and conditions. One instance per request.
 */
export class FetchPlanner {
  private readonly aliases = new Map<FetchLink, string>();
  private readonly navigations = new Map<FetchLink, NavigationPropertyModel>();
  private readonly conditions = new Map<FetchLink, PlanExpr | undefined>();
  /** The links registerLinks found to return rows (inner, outer or matchfirstrowusingcrossapply, below such links only). */
  private readonly returning = new Set<FetchLink>();
  /** Set by linkedColumns: where each link's rows are read from (by visit and by link), and the one-to-many joins of the read. */
  private readonly origins = new Map<VisitedLink, LinkOrigin>();
  private readonly linkOrigins = new Map<FetchLink, LinkOrigin>();
  readonly joins: RowJoin[] = [];
  /** The link of each join, by index (its visit, and the link itself). */
  private readonly joinedLinks: VisitedLink[] = [];
  private readonly joinedFetchLinks: FetchLink[] = [];
  /** The links joined with an inner join (origin): the join restricts their parent rows, no EXISTS needed. */
  private readonly innerJoined = new Set<FetchLink>();
  private readonly functions: QueryFunctionContext;

  /**
   * A planner for one query on `model`; `context` gives date and user operators the caller and the
   * clock. With `rowsOnce`, one-to-many links without columns or orders restrict their parent
   * (EXISTS, each parent row once) instead of joining it to each related row (see joinsRows).
   */
  constructor(readonly model: Model, context: FetchContext, private readonly rowsOnce = false) {
    this.functions = { caller: context.caller, now: context.now, model, fiscal: context.fiscal };
  }

  /** The organization's fiscal calendar the query is planned with (undefined when the service did not read it), for fiscal date groupings. */
  get fiscalCalendar(): FiscalCalendar | undefined {
    return this.functions.fiscal;
  }

  /** The table a FetchXML `name` denotes; 0x80041102 when there is none. */
  table(name: string): EntityModel {
    const e = this.model.byLogicalName.get(name);
    if (!e) throw Errors.queryNoEntity(name);
    return e;
  }

  /**
   * The query's root table, which must be the table of the entity set it is sent to (`entity`);
   * 0x80041102 for an unknown table, 400 `0x80040203` for another table.
   */
  root(query: FetchQuery, entity: EntityModel): EntityModel {
    const root = this.table(query.entity.name);
    if (root !== entity) {
      throw Errors.invalidArgument(`Invalid FetchXML: the entity '${root.LogicalName}' of the query is not the table of the entity set '${entity.EntitySetName}' ('${entity.LogicalName}').`);
    }
    return root;
  }

  /** A readable stored column of `table`; 0x80041103 when there is none. */
  column(table: EntityModel, name: string): AttributeModel {
    const a = table.attributesByName.get(name);
    if (a && !a.IsStored && a.AttributeOf) {
      throw Errors.notImplemented(`The computed column '${table.LogicalName}.${name}' in FetchXML (ask for '${a.AttributeOf}' with the FormattedValue annotation instead)`);
    }
    if (!a || !a.IsStored || !a.IsValidForRead) throw Errors.queryNoAttribute(table.LogicalName, name);
    return a;
  }

  /**
   * Checks the link tree before anything is planned: at most 15 links, unique aliases (a link
   * without one is named `<table><n>`), link types in their place (filter link types only inside
   * a filter), columns and orders only where links return them.
   */
  registerLinks(table: FetchTable, returnsColumns = true): void {
    const visit = (link: FetchLink, filterItem: boolean, columnsHere: boolean) => {
      if (this.aliases.size >= MAX_LINK_ENTITIES) throw Errors.tooManyLinkEntities();
      const filterType = FILTER_LINK_TYPES.has(link.linkType);
      if (filterItem && !filterType) throw Errors.invalidArgument(`Invalid FetchXML: a <link-entity> inside a <filter> must have the link-type any, not any, all or not all; '${link.linkType}' is not.`);
      if (!filterItem && filterType) throw Errors.invalidArgument(`Invalid FetchXML: the link-type '${link.linkType}' is only valid for a <link-entity> inside a <filter>.`);
      const alias = link.alias ?? `${link.name}${[...this.aliases.keys()].filter((l) => l.name === link.name).length + 1}`;
      if ([...this.aliases.values()].includes(alias)) throw Errors.invalidArgument(`Invalid FetchXML: the link-entity alias '${alias}' is used more than once.`);
      this.aliases.set(link, alias);
      const returns = columnsHere && (link.linkType === 'inner' || link.linkType === 'outer' || link.linkType === 'matchfirstrowusingcrossapply');
      if (returns) this.returning.add(link);
      if ((link.attributes.length || link.allAttributes) && !returns) {
        throw Errors.invalidArgument(`Invalid FetchXML: the link-entity '${alias}' (link-type '${link.linkType}') cannot return columns.`);
      }
      if (link.orders.length && !returns) throw Errors.notImplemented(`Ordering by columns of the link-entity '${alias}' (link-type '${link.linkType}')`);
      this.registerLinks(link, returns);
    };
    for (const link of table.links) visit(link, false, returnsColumns);
    const walkFilter = (f: FetchFilter) => {
      for (const item of f.items) {
        if (item.kind === 'filter') walkFilter(item);
        else if (item.kind === 'link-entity') visit(item, true, false);
      }
    };
    for (const f of table.filters) walkFilter(f);
  }

  /** Whether registerLinks found that `link` returns rows, so that its columns can be returned and ordered by. */
  returnsRows(link: FetchLink): boolean {
    return this.returning.has(link);
  }

  /**
   * The link whose column a root `<order>` orders by: the link returning rows whose alias (or, when
   * it has none, whose table name) `o.entityname` is; undefined for an order of the root's own
   * column (no entityname, or the root's name). Dataverse's order reference: entityname names a
   * link-entity's alias so that its order applies in the entity's place rather than last.
   * `visited` are the links walked (walkRows). Throws 400 `0x80040203` for a name that is no such link.
   */
  orderedLink(root: EntityModel, o: FetchOrder, visited: ReadonlyMap<FetchLink, VisitedLink>): VisitedLink | undefined {
    if (o.entityname === undefined || o.entityname === root.LogicalName) return undefined;
    const returning = [...visited].filter(([link]) => this.returnsRows(link));
    const link = (returning.find(([, v]) => v.alias === o.entityname) ?? returning.find(([l]) => l.alias === undefined && l.name === o.entityname))?.[1];
    if (!link) throw Errors.invalidArgument(`Invalid FetchXML: the <order> on '${o.attribute ?? o.alias}' names the entity '${o.entityname}', which is no link-entity of this query that returns rows (an alias of an inner or outer link-entity).`);
    return link;
  }

  /** The alias registerLinks gave a link. */
  alias(link: FetchLink): string {
    return this.aliases.get(link)!;
  }

  /**
   * The navigation property a link follows, from the lookup relationships of the model and the
   * steps into and out of many-to-many intersect tables (intersectSteps); where none has its
   * `from` and `to`, a join on those columns (joinOnColumns). `from` or `to` may be left out when
   * only one relationship connects the two tables. Throws 0x80041102 / 0x80041103 for unknown
   * names, 400 when several relationships fit, and what joinOnColumns throws.
   */
  navigation(parent: EntityModel, link: FetchLink): NavigationPropertyModel {
    const known = this.navigations.get(link);
    if (known) return known;
    const target = this.table(link.name);
    const from = link.from !== undefined ? this.column(target, link.from) : undefined;
    const to = link.to !== undefined ? this.column(parent, link.to) : undefined;
    // Many-to-many properties have no lookup to join on: FetchXML reaches their rows through the
    // intersect table, whose id columns act as lookups (intersectSteps).
    // An owner (ownerid) offers each of its tables' properties (singleBranches).
    const candidates = [...[...parent.navigation.values()].flatMap(singleBranches), ...intersectSteps(this.model, parent)].filter((nav) => {
      if (nav.target !== target || nav.intersect) return false;
      const rel = nav.relationship;
      if (nav.kind === 'single') return (!from || from === pkOf(target)) && (!to || to === rel.ReferencingAttribute);
      return (!from || from === rel.ReferencingAttribute) && (!to || to === pkOf(parent));
    });
    const alias = this.alias(link);
    if (!candidates.length) {
      const nav = joinOnColumns(alias, parent, to, target, from);
      this.navigations.set(link, nav);
      return nav;
    }
    if (candidates.length > 1) {
      throw Errors.invalidArgument(`Invalid FetchXML: the link-entity '${alias}' needs 'from' and 'to'; several relationships connect '${parent.LogicalName}' and '${target.LogicalName}'.`);
    }
    this.navigations.set(link, candidates[0]!);
    return candidates[0]!;
  }

  /**
   * The condition C a row of `link`'s table must meet to count as linked: its filters, and EXISTS
   * for each inner, exists or in child link. Undefined when there is none.
   */
  linkCondition(parent: EntityModel, link: FetchLink): PlanExpr | undefined {
    if (this.conditions.has(link)) return this.conditions.get(link);
    const c = this.ownCondition(parent, link);
    this.conditions.set(link, c);
    return c;
  }

  /** linkCondition as the links joined so far (innerJoined) leave it, not cached. */
  private ownCondition(parent: EntityModel, link: FetchLink): PlanExpr | undefined {
    const nav = this.navigation(parent, link);
    const own = new Set([this.alias(link), link.name]);
    return and(this.filters(nav.target, link.filters, { own }), this.restrictions(nav.target, link.links));
  }

  /**
   * The condition on root rows: the root's filters (conditions may name reachable links by
   * `entityname`) and EXISTS for each inner, exists or in link of the root that is not joined
   * inner (an inner join already keeps only the rows with a related row meeting its condition).
   * Call it after the links are walked (walkRows), which decides the joins.
   */
  rootFilter(root: EntityModel, query: FetchQuery, reachable: ReadonlyMap<string, ReachableLink>): PlanExpr | undefined {
    return and(
      this.filters(root, query.entity.filters, { own: new Set([root.LogicalName]), links: reachable }),
      this.restrictions(root, query.entity.links),
    );
  }

  /** EXISTS for each inner, exists or in link among `links` (outer links restrict nothing), but those joined inner (innerJoined). */
  restrictions(table: EntityModel, links: readonly FetchLink[]): PlanExpr | undefined {
    let out: PlanExpr | undefined;
    for (const link of links) {
      if (link.linkType !== 'inner' && link.linkType !== 'exists' && link.linkType !== 'in') continue;
      if (this.innerJoined.has(link)) continue;
      out = and(out, { kind: 'exists', navigation: this.navigation(table, link), where: this.linkCondition(table, link) });
    }
    return out;
  }

  /** Several `filter` elements of one table, combined with and. */
  filters(table: EntityModel, filters: readonly FetchFilter[], scope: Scope): PlanExpr | undefined {
    return filters.reduce<PlanExpr | undefined>((acc, f) => and(acc, this.filter(table, f, scope)), undefined);
  }

  /**
   * One `filter` element: its items combined with its type; undefined when it has none. In an
   * `and` filter, the conditions naming one link whose rows are reached through a one-to-many step
   * that is not joined (sharesRow) test one related row together, at the place of the first (as a
   * WHERE after Dataverse's join tests each joined row): `c.a = 1 AND c.b = 2` is one EXISTS of a
   * related row meeting both, not one EXISTS each, which two different rows could meet.
   */
  filter(table: EntityModel, f: FetchFilter, scope: Scope): PlanExpr | undefined {
    const parts: Array<PlanExpr | LinkedTests> = [];
    for (const item of f.items) {
      if (item.kind === 'condition') {
        const e = this.conditionTest(table, item, scope);
        const group = 'linked' in e && f.type === 'and' && this.sharesRow(e.linked)
          ? parts.find((p): p is LinkedTests => 'linked' in p && p.linked === e.linked) : undefined;
        if (group) group.tests.push(...(e as LinkedTests).tests);
        else parts.push(e);
        continue;
      }
      const e = item.kind === 'filter' ? this.filter(table, item, scope) : this.filterLink(table, item);
      if (e) parts.push(e);
    }
    if (!parts.length) return undefined;
    return parts.map((p) => ('linked' in p ? this.reachLinked(p.linked, p.tests.reduce((left, right) => ({ kind: 'and', left, right }))) : p))
      .reduce((left, right) => ({ kind: f.type, left, right }));
  }

  /**
   * Whether the conditions naming `linked` must be tested on one related row together (see
   * filter): its rows are reached through a one-to-many step that is not joined (a link without
   * columns read once per parent: matchfirstrowusingcrossapply, retention criteria), where one
   * EXISTS per condition could be met by different rows. Joined rows and lookups (one row each)
   * need no grouping.
   */
  private sharesRow(linked: ReachableLink): boolean {
    const origin = this.linkOrigins.get(linked.link);
    return (origin ? origin.path : linked.path).some((step) => step.navigation.kind !== 'single');
  }

  /** A filter link type (any, not any, all, not all) as a condition on the parent row. */
  filterLink(table: EntityModel, link: FetchLink): PlanExpr {
    const navigation = this.navigation(table, link);
    const c = this.linkCondition(table, link);
    switch (link.linkType) {
      case 'any': return { kind: 'exists', navigation, where: c };
      case 'not any': return not({ kind: 'exists', navigation, where: c });
      // Not what the names say, but what Dataverse does: all = linked rows exist and none meets C,
      // not all = any (FetchXML reference, link-entity "Filter Link Types").
      case 'all': return { kind: 'and', left: { kind: 'exists', navigation }, right: c ? not({ kind: 'exists', navigation, where: c }) : { kind: 'const', value: false } };
      default: return { kind: 'exists', navigation, where: c };
    }
  }

  /**
   * A condition's test: on `table`'s own row (a PlanExpr), or (`entityname`) on a linked row, to be
   * reached by reachLinked. 400 for an `entityname` that is no link returning rows, 501 for one
   * inside a link-entity's filter and for conditions on aggregates.
   */
  private conditionTest(table: EntityModel, c: FetchCondition, scope: Scope): PlanExpr | LinkedTests {
    if (c.aggregate !== undefined || c.rowaggregate !== undefined || (c.alias !== undefined && !c.attribute)) {
      throw Errors.notImplemented('Conditions on aggregates in FetchXML');
    }
    if (c.entityname === undefined || scope.own.has(c.entityname)) return this.test(table, c);
    const linked = scope.links?.get(c.entityname);
    if (!linked) {
      if (!scope.links) throw Errors.notImplemented(`A condition with entityname '${c.entityname}' inside a link-entity`);
      throw Errors.invalidArgument(`Invalid FetchXML: the condition on '${c.attribute}' names the entity '${c.entityname}', which is no link-entity of this query that returns rows (an alias of an inner or outer link-entity).`);
    }
    return { linked, tests: [this.test(linked.table, c)] };
  }

  /**
   * `test` (planned on `linked`'s table) as a condition on the root row, as after an outer join:
   * the column is null when no linked row meets the link's conditions. A link read from a joined
   * row (linkedColumns) is tested on the row each result row pairs with, as Dataverse's WHERE after
   * its joins tests it; others on any linked row (EXISTS).
   */
  private reachLinked(linked: ReachableLink, test: PlanExpr): PlanExpr {
    const origin = this.linkOrigins.get(linked.link);
    const join = origin?.join;
    const path = join ? origin.path : linked.path;
    if (join && !path.length && test.kind === 'isNull' && test.attribute === pkOf(linked.table)) {
      // The joined row's own key: null exactly where an outer join found no related row.
      const paired: PlanExpr = { kind: 'joinedRow', join };
      return test.negate ? paired : not(paired);
    }
    const reach = (leaf: PlanExpr | undefined): PlanExpr => {
      const where = path.reduceRight<PlanExpr | undefined>((w, step) => ({ kind: 'exists', navigation: step.navigation, where: and(step.where, w) }), leaf);
      return join ? { kind: 'joinedRow', join, ...(where ? { where } : {}) } : where!;
    };
    const found = reach(test);
    return holdsForNull(test) === true ? { kind: 'or', left: found, right: not(reach(undefined)) } : found;
  }

  /** One condition's operator on a column of `table`. */
  test(table: EntityModel, c: FetchCondition): PlanExpr {
    const a = this.column(table, c.attribute);
    const op = c.operator;
    const where = `the condition on '${table.LogicalName}.${a.LogicalName}' (operator '${op}')`;
    const value = (text: string) => textValue(a, text, () => Errors.invalidArgument(`Invalid FetchXML: the value '${text}' of ${where} is not a valid ${a.AttributeType} value.`));
    const single = (): string => {
      const v = c.value ?? (c.values.length === 1 ? c.values[0] : undefined);
      if (v === undefined) throw Errors.invalidArgument(`Invalid FetchXML: ${where} needs a value.`);
      return v;
    };
    const list = (): string[] => {
      const values = c.values.length ? [...c.values] : c.value !== undefined ? [c.value] : [];
      if (!values.length) throw Errors.invalidArgument(`Invalid FetchXML: ${where} needs <value> elements.`);
      return values;
    };
    const string = () => {
      if (a.EdmType !== 'Edm.String') throw Errors.invalidArgument(`Invalid FetchXML: ${where} needs a string column; '${a.LogicalName}' is ${a.AttributeType}.`);
    };
    if (c.valueof !== undefined) return this.columns(table, a, c, where);
    const comparison = COMPARISONS[op];
    if (comparison) {
      const { value: v, fraction } = value(single());
      return compareValue(a, comparison, v, fraction);
    }
    switch (op) {
      case 'null': case 'not-null': return { kind: 'isNull', attribute: a, negate: op === 'not-null' };
      case 'like': case 'not-like': {
        string();
        const pattern = single();
        if (pattern.includes('\u0000')) throw Errors.invalidArgument(`Invalid FetchXML: the value of ${where} contains the NUL character.`);
        const e: PlanExpr = { kind: 'like', attribute: a, pattern: likePattern(pattern, `the like pattern of ${where}`) };
        return op === 'like' ? e : not(e);
      }
      case 'begins-with': case 'not-begin-with': case 'ends-with': case 'not-end-with': {
        string();
        const text = likePattern(String(value(single()).value), `the ${op} value of ${where}`);
        const e: PlanExpr = { kind: 'like', attribute: a, pattern: op.endsWith('begin-with') || op === 'begins-with' ? `${text}%` : `%${text}` };
        return op.startsWith('not-') ? not(e) : e;
      }
      case 'in': case 'not-in': {
        const e = inValues(a, list().map(value));
        return op === 'in' ? e : not(e);
      }
      case 'between': case 'not-between': {
        const values = list();
        if (values.length !== 2) throw Errors.invalidArgument(`Invalid FetchXML: ${where} needs exactly two <value> elements.`);
        const [low, high] = values.map(value) as [ComparedValue, ComparedValue];
        const e: PlanExpr = { kind: 'and', left: compareValue(a, 'ge', low.value, low.fraction), right: compareValue(a, 'le', high.value, high.fraction) };
        return op === 'between' ? e : not(e);
      }
      case 'contain-values': case 'not-contain-values': {
        const e = inValues(a, list().map(value));
        return op === 'contain-values' ? e : not(e);
      }
      default: return this.queryFunction(table, a, c, where);
    }
  }

  /** `valueof`: a comparison with another column of the same row (comparison operators only). */
  columns(table: EntityModel, a: AttributeModel, c: FetchCondition, where: string): PlanExpr {
    if (c.valueof!.includes('.')) throw Errors.notImplemented(`Comparing with a column of a link-entity (valueof '${c.valueof}') in ${where}`);
    const op = COMPARISONS[c.operator];
    if (!op) throw Errors.invalidArgument(`Invalid FetchXML: ${where} cannot use valueof; only eq, ne, gt, ge, lt and le compare two columns.`);
    const b = this.column(table, c.valueof!);
    if (a.EdmType !== b.EdmType) throw Errors.invalidArgument(`Invalid FetchXML: ${where} compares '${a.LogicalName}' (${a.EdmType}) with '${b.LogicalName}' (${b.EdmType}); the columns must have the same type.`);
    return { kind: 'compareColumns', op, left: a, right: b };
  }

  /** Date and user operators through the `$filter` query function of the same meaning. */
  queryFunction(table: EntityModel, a: AttributeModel, c: FetchCondition, where: string): PlanExpr {
    const name = FUNCTION_OPERATORS[c.operator];
    if (!name) throw Errors.notImplemented(`The FetchXML condition operator '${c.operator}'`);
    const literal = (text: string): Expr => ({ kind: 'literal', literal: 'string', value: text, raw: text, pos: 0 });
    const params = new Map<string, Expr>([['PropertyName', literal(a.LogicalName)]]);
    const parameters = valueParameters(name);
    const text = c.value ?? c.values[0];
    if (parameters.length === 2) {
      // The two-valued operators are the fiscal ones: period, then year.
      const values = [...(c.value === undefined ? [] : [c.value]), ...c.values];
      if (values.length !== 2) throw Errors.invalidArgument(`Invalid FetchXML: ${where} needs two <value> elements, the fiscal period and the fiscal year.`);
      parameters.forEach((p, i) => params.set(p, literal(values[i]!.trim())));
    } else if (parameters.length === 1) {
      if (text === undefined) throw Errors.invalidArgument(`Invalid FetchXML: ${where} needs a value.`);
      if (c.values.length + (c.value === undefined ? 0 : 1) > 1) throw Errors.invalidArgument(`Invalid FetchXML: ${where} takes one value.`);
      params.set(parameters[0]!, literal(text.trim()));
    } else if ([c.value, ...c.values].some((v) => v !== undefined && v.trim() !== '')) {
      // Any value, the attribute's or a <value> element's (not only the first), else it would be ignored.
      throw Errors.invalidArgument(`Invalid FetchXML: ${where} takes no value.`);
    }
    try {
      return planQueryFunction(table, { kind: 'function', name: `Microsoft.Dynamics.CRM.${name}`, params, pos: 0 }, this.functions, () => a);
    } catch (err) {
      if (err instanceof ServiceError && err.status === 400) throw Errors.invalidArgument(`Invalid FetchXML: ${where}: ${err.message.replace(/^Microsoft\.Dynamics\.CRM\.\w+: /, '')}`);
      throw err;
    }
  }

  /**
   * Walks the links that return rows (entity-level, from the root) depth first, parents before
   * children, calling `visit` for each (see VisitedLink). Returns every link reachable for
   * `entityname` conditions, by alias (and by name when the link has no alias).
   */
  walkLinks(root: EntityModel, links: readonly FetchLink[], visit: (link: FetchLink, visited: VisitedLink) => void): Map<string, ReachableLink> {
    const reachable = new Map<string, ReachableLink>();
    const walk = (parent: EntityModel, link: FetchLink, before: VisitedLink | undefined) => {
      const navigation = this.navigation(parent, link);
      const table = navigation.target;
      const where = this.linkCondition(parent, link);
      const path = [...(before?.path ?? []), { navigation, where }];
      // An inner link below inner links only is required by the root's EXISTS restrictions.
      const enforced = (before?.enforced ?? true) && link.linkType === 'inner';
      const conditional = (before?.conditional ?? false) || (where !== undefined && !enforced);
      const entry = { link, table, path };
      reachable.set(this.alias(link), entry);
      if (link.alias === undefined && !reachable.has(link.name)) reachable.set(link.name, entry);
      const visited = { table, path, alias: this.alias(link), enforced, conditional, parent: before };
      visit(link, visited);
      for (const child of link.links) walk(table, child, visited);
    };
    for (const link of links) walk(root, link, undefined);
    return reachable;
  }

  /** Whether `link` returns rows and it or a link-entity below it asks for columns or orders. */
  carriesRows(link: FetchLink): boolean {
    if (!this.returning.has(link)) return false;
    return link.attributes.length > 0 || link.allAttributes || link.orders.length > 0 || link.links.some((l) => this.carriesRows(l));
  }

  /**
   * Whether `link`, when one-to-many, is joined (its parent row returned once per related row):
   * an `inner` or `outer` link that returns rows, with or without columns (Dataverse link-entity
   * reference, link-type: `exists` and `in` are `inner` except that they return the parent at most
   * once), and any link that carries rows (carriesRows; origin refuses matchfirstrowusingcrossapply).
   * With `rowsOnce`, only links that carry rows; the others restrict their parent as `exists` does.
   */
  private joinsRows(link: FetchLink): boolean {
    if (this.carriesRows(link)) return true;
    return !this.rowsOnce && this.returning.has(link) && (link.linkType === 'inner' || link.linkType === 'outer');
  }

  /**
   * Where `visit`'s rows are read from (see LinkOrigin), given its parent's origin; adds a join
   * (this.joins) for a one-to-many link that joinsRows (Dataverse "Join tables using FetchXml",
   * link-type: inner and outer return the parent row once per related row, where `exists`, `in`
   * and matchfirstrowusingcrossapply return it once). The join is inner when the link and every
   * link above it are; below an outer one it is outer, and the parent's condition (EXISTS of its
   * inner children) keeps the inner link's meaning. Throws 501 for a one-to-many
   * matchfirstrowusingcrossapply link that carries rows.
   */
  private origin(link: FetchLink, visit: VisitedLink): LinkOrigin {
    const above = visit.parent ? this.origins.get(visit.parent)! : { path: [], enforced: true, conditional: false };
    const step = visit.path[visit.path.length - 1]!;
    const many = step.navigation.kind !== 'single';
    if (!many || !this.joinsRows(link)) {
      const enforced = above.enforced && link.linkType === 'inner';
      return { join: above.join, path: [...above.path, step], enforced, conditional: above.conditional || (step.where !== undefined && !enforced) };
    }
    if (above.path.some(polymorphic)) throw Errors.notImplemented(`The one-to-many link-entity '${visit.alias}' below a link-entity through a polymorphic lookup`);
    if (link.linkType === 'matchfirstrowusingcrossapply') {
      throw Errors.notImplemented(`Columns of the one-to-many link-entity '${visit.alias}' with link-type 'matchfirstrowusingcrossapply' (one related row per parent row)`);
    }
    this.joins.push({ navigation: step.navigation, ...(above.join ? { parent: above.join } : {}), path: above.path, where: step.where, inner: visit.enforced });
    this.joinedLinks.push(visit);
    this.joinedFetchLinks.push(link);
    if (visit.enforced) {
      this.innerJoined.add(link);
      // Straight below an inner joined parent, this inner join keeps only the parent rows that
      // have a related row meeting its condition: the EXISTS of the same rows in the parent's join
      // condition would test again what the join tests.
      if (above.join && !above.path.length && this.joins[above.join.index]!.inner) this.rejoin(above.join.index);
    }
    return { join: { index: this.joins.length - 1, table: visit.table }, path: [], enforced: true, conditional: false };
  }

  /** Join `index` with its link's condition as the links joined inner since leave it (ownCondition). */
  private rejoin(index: number): void {
    const j = this.joins[index]!;
    const where = this.ownCondition(j.navigation.source, this.joinedFetchLinks[index]!);
    this.joins[index] = { ...j, where };
  }

  /**
   * Walks the links as walkLinks does, deciding for each where its rows are read from (origin: the
   * read's row, or a one-to-many join it adds to this.joins) before calling `visit` with it.
   * Returns what walkLinks returns and each link's visit. Throws what origin throws.
   */
  walkRows(root: EntityModel, links: readonly FetchLink[], visit: (link: FetchLink, visited: VisitedLink, origin: LinkOrigin) => void): { reachable: Map<string, ReachableLink>; visited: Map<FetchLink, VisitedLink> } {
    const visited = new Map<FetchLink, VisitedLink>();
    const reachable = this.walkLinks(root, links, (link, v) => {
      visited.set(link, v);
      const origin = this.origin(link, v);
      this.origins.set(v, origin);
      this.linkOrigins.set(link, origin);
      visit(link, v, origin);
    });
    return { reachable, visited };
  }

  /**
   * The columns of the links that return rows, as LinkedColumns (from the read's row, or from the
   * row of a one-to-many join, this.joins), and every link reachable for `entityname` conditions
   * (see walkLinks). Throws 501 for columns read through a polymorphic lookup.
   */
  linkedColumns(root: EntityModel, links: readonly FetchLink[]): { columns: LinkedColumn[]; reachable: Map<string, ReachableLink>; visited: Map<FetchLink, VisitedLink> } {
    const columns: LinkedColumn[] = [];
    const { reachable, visited } = this.walkRows(root, links, (link, visit, origin) => {
      const { table, alias } = visit;
      // checkAggregate has refused aggregate, groupby and dategrouping outside aggregate queries.
      const attributes = link.allAttributes ? defaultColumns(table).map((attribute) => ({ attribute, alias: undefined }))
        : link.attributes.map((x) => ({ attribute: this.column(table, x.name), alias: columnAlias(x) }));
      if (attributes.length && origin.path.some(polymorphic)) {
        throw Errors.notImplemented(`Columns of the link-entity '${alias}' through a polymorphic lookup`);
      }
      for (const x of attributes) {
        const name = x.alias ?? linkedColumnName(alias, x.attribute);
        if (!columns.some((c) => c.name === name)) {
          columns.push({ name, path: origin.path, attribute: x.attribute, ...(origin.join ? { join: origin.join } : {}), ...(x.alias !== undefined ? { aliased: true } : {}) });
        }
      }
    });
    return { columns, reachable, visited };
  }

  /**
   * The sort keys that make the order of a read with joins total: each joined row's primary key,
   * ascending, named `<alias>_x002e_<key>` (to follow the orders asked for and the root's key).
   */
  joinKeys(): SortKey[] {
    return this.joinedLinks.flatMap((visit, index) => {
      const pk = pkOf(visit.table);
      return linkedSortKeys(this.model, [], linkedColumnName(visit.alias, pk), pk, false, false, { index, table: visit.table });
    });
  }

  /**
   * The sort keys of an order by a column of a link-entity that returns rows (`<order>` inside it,
   * or with its alias as `entityname`), by linkedSortKeys' rules (choices by label unless
   * `labels` is false), read from the link's origin (the read's row or a joined one, LinkOrigin).
   * The link's conditions are left out of the keys where they hold for every row returned (its
   * link and those above it up to the origin are inner: the root's EXISTS, or the join, requires
   * them); where they do not restrict the rows (an outer link with a filter, or below one) the
   * keys keep them, so that they order by the value the column is returned with: null where no
   * linked row meets them, first ascending and last descending, as Dataverse's left outer join with
   * the filter in its ON clause sorts (link-entity reference; "Order rows using FetchXml").
   * Throws 0x80041103 for an unknown column, 400 for an order by alias, and 501 for a step
   * through a one-to-many link that is not joined (it returns no columns) or a polymorphic lookup.
   */
  linkSortKeys(visit: VisitedLink, o: FetchOrder, labels: boolean): SortKey[] {
    if (o.attribute === undefined) throw Errors.invalidArgument(`Invalid FetchXML: an <order> by alias ('${o.alias}') is only valid in aggregate queries.`);
    const attribute = this.column(visit.table, o.attribute);
    const refused = unorderable(attribute, 'sorted');
    if (refused) throw Errors.invalidArgument(`Invalid FetchXML: ${refused}`);
    const origin = this.origins.get(visit);
    if (!origin) throw new Error('linkSortKeys: linkedColumns has not visited the link');
    if (origin.path.some((s) => s.navigation.kind !== 'single')) throw Errors.notImplemented(`Ordering by columns of the one-to-many link-entity '${visit.alias}', which returns no columns`);
    if (origin.path.some((s) => s.navigation.intersect || polymorphic(s))) {
      throw Errors.notImplemented(`Ordering by columns of the link-entity '${visit.alias}' through a polymorphic lookup`);
    }
    const path = origin.conditional ? origin.path : origin.path.map((s) => ({ navigation: s.navigation }));
    return linkedSortKeys(this.model, path, linkedColumnName(visit.alias, attribute), attribute, o.descending, labels, origin.join);
  }
}

/**
 * For the FormattedValue of link-entity lookup columns (as of the root's, planLookupNames): the
 * primary name of the row each one-target lookup points at, one step further along its path; for
 * an owner (`ownerid`), one per table it may point at (`<name>@name`, `<name>@name@team`), of
 * which the row's answers (the others are null: sql/render.ts stepValue).
 */
function linkedLookupNames(linked: readonly LinkedColumn[]): LinkedColumn[] {
  return linked.flatMap((c) => {
    const table = c.path.length ? c.path[c.path.length - 1]!.navigation.target : c.join!.table;
    const nav = c.attribute.NavigationPropertyName ? table.navigation.get(c.attribute.NavigationPropertyName) : undefined;
    if (!nav || nav.kind !== 'single' || nav.intersect || (c.attribute.Targets.length !== 1 && !nav.principals)) return [];
    return singleBranches(nav).flatMap((branch, i) => {
      const target = branch.target;
      if (!target.PrimaryNameAttribute) return [];
      return [{ name: `${c.name}@name${i ? `@${target.LogicalName}` : ''}`, path: [...c.path, { navigation: branch }], attribute: target.attributesByName.get(target.PrimaryNameAttribute)!, nameOf: c.name, ...(c.join ? { join: c.join } : {}) }];
    });
  });
}

/** A root column answered under an `alias` of its `<attribute>` instead of its own name. */
export interface AliasedColumn {
  readonly alias: string;
  readonly attribute: AttributeModel;
}

/**
 * The `alias` of an `<attribute>` outside aggregate queries (Dataverse "Select columns using
 * FetchXml", Column aliases: the name the column is returned under); undefined without one. 400
 * `0x80040203` for an empty alias or one holding `@` or `.`, which would read as an annotation or
 * as a link-entity column.
 */
function columnAlias(x: FetchAttribute): string | undefined {
  if (x.alias === undefined) return undefined;
  if (x.alias.trim() === '' || /[@.]/.test(x.alias)) throw Errors.invalidArgument(`Invalid FetchXML: the alias '${x.alias}' of the attribute '${x.name}' is not a valid column name.`);
  return x.alias;
}

/**
 * Output columns of the root entity: `all-attributes` or none → every readable column. `columns`
 * are all that are read (the primary key added unless `distinct`); `visible` those answered under
 * their own names (the unaliased ones and the primary key); `aliased` those answered under an
 * alias (a column may be both, and aliased more than once).
 */
function rootColumns(planner: FetchPlanner, entity: EntityModel, query: FetchQuery): { columns: AttributeModel[]; visible: AttributeModel[]; aliased: AliasedColumn[] } {
  const t = query.entity;
  const pk = pkOf(entity);
  const add = (list: AttributeModel[], a: AttributeModel) => { if (!list.includes(a)) list.push(a); };
  if (t.allAttributes || !t.attributes.length) {
    const all = defaultColumns(entity);
    if (!query.distinct) add(all, pk);
    return { columns: all, visible: all, aliased: [] };
  }
  const columns: AttributeModel[] = [];
  const visible: AttributeModel[] = [];
  const aliased: AliasedColumn[] = [];
  for (const x of t.attributes) {
    if (countsChildren(x)) continue; // a child count (planChildCounts), not the column
    const attribute = planner.column(entity, x.name);
    const alias = columnAlias(x);
    add(columns, attribute);
    if (alias === undefined) add(visible, attribute);
    else if (!aliased.some((c) => c.alias === alias)) aliased.push({ alias, attribute });
  }
  if (!query.distinct) { add(columns, pk); add(visible, pk); }
  return { columns, visible, aliased };
}

/**
 * Each column returned must have a unique name (Dataverse "Select columns using FetchXml", Column
 * aliases): 400 `0x80040203` for an alias that another aliased column of another attribute uses,
 * or that is the name (logical or Web API property name) of a column returned without alias.
 */
function checkUniqueNames(planner: FetchPlanner, query: FetchQuery, visible: readonly AttributeModel[], linked: readonly LinkedColumn[]): void {
  const taken = new Set<string>();
  for (const a of visible) { taken.add(a.LogicalName); taken.add(a.PropertyName); }
  for (const c of linked) if (!c.aliased) taken.add(c.name);
  const seen = new Map<string, string>();
  const walk = (t: FetchTable, where: string) => {
    for (const x of t.attributes) {
      if (x.alias === undefined) continue;
      // A child count is another column than its attribute's.
      const named = `${where}${x.name}${countsChildren(x) ? ' (rowaggregate)' : ''}`;
      const other = seen.get(x.alias);
      if (taken.has(x.alias) || (other !== undefined && other !== named)) {
        throw Errors.invalidArgument(`Invalid FetchXML: the alias '${x.alias}' of the attribute '${where}${x.name}' is the name of another column of the results; each column returned must have a unique name.`);
      }
      seen.set(x.alias, named);
    }
    for (const link of t.links) walk(link, `${planner.alias(link)}.`);
  };
  walk(query.entity, '');
}

/**
 * The sort keys of a query (Dataverse "Order rows using FetchXml"): the root's orders in document
 * order (one naming a link's alias as `entityname` orders by that link's column there), then the
 * orders inside links, link by link, parents before children; then the primary key (with
 * `distinct`, every output column) so that the order is total. A column already ordered by is not
 * ordered by again; with one-to-many joins, each joined row's primary key after the root's. `visited`
 * are the links that return rows (linkedColumns); 400 for an `entityname` that is none of them.
 */
function rootOrder(planner: FetchPlanner, entity: EntityModel, query: FetchQuery, columns: readonly AttributeModel[], visited: ReadonlyMap<FetchLink, VisitedLink>): SortKey[] {
  const keys: SortKey[] = [];
  const labels = !query.useRawOrderBy;
  const add = (more: readonly SortKey[]) => {
    for (const key of more) if (!keys.some((k) => k.attribute.LogicalName === key.attribute.LogicalName)) keys.push(key);
  };
  const returning = [...visited].filter(([link]) => planner.returnsRows(link));
  for (const o of query.entity.orders) {
    const link = planner.orderedLink(entity, o, visited);
    if (link) {
      add(planner.linkSortKeys(link, o, labels));
      continue;
    }
    if (o.attribute === undefined) throw Errors.invalidArgument(`Invalid FetchXML: an <order> by alias ('${o.alias}') is only valid in aggregate queries.`);
    const attribute = planner.column(entity, o.attribute);
    const refused = unorderable(attribute, 'sorted');
    if (refused) throw Errors.invalidArgument(`Invalid FetchXML: ${refused}`);
    add(sortKeysFor(planner.model, entity, attribute, o.descending, labels));
  }
  for (const [link, visit] of returning) for (const o of link.orders) add(planner.linkSortKeys(visit, o, labels));
  // A total order: the primary key, then each joined row's; with distinct (no primary key) every
  // output column (the linked ones follow in renderRead).
  for (const attribute of query.distinct ? columns : [pkOf(entity)]) {
    if (!keys.some((k) => k.attribute === attribute)) keys.push({ attribute, descending: false });
  }
  if (!query.distinct) add(planner.joinKeys());
  return keys;
}

/** Refuses what belongs to aggregate queries (aggregate="true" queries are planned by planFetchAggregate). */
function checkAggregate(query: FetchQuery): void {
  if (query.aggregate) throw new Error('planFetch: aggregate="true" queries are planned by planFetchAggregate (plan/fetch-aggregate.ts)');
  const walk = (t: FetchTable) => {
    for (const a of t.attributes) {
      if (a.aggregate !== undefined || a.groupby !== undefined || a.dategrouping !== undefined) {
        throw Errors.invalidArgument(`Invalid FetchXML: the attribute '${a.name}' uses aggregate, groupby or dategrouping, which need aggregate="true" on <fetch>.`);
      }
    }
    t.links.forEach(walk);
  };
  walk(query.entity);
}

/** The rows a query reads: `datasource="retained"` needs a retention-enabled table (400 otherwise). */
function dataSourceOf(entity: EntityModel, query: FetchQuery): DataSource | undefined {
  return query.datasource === 'retained' ? retainedRows(entity, 'datasource="retained"') : undefined;
}

/**
 * The rows FetchXML `page` (1-based) of `size` rows skips. Throws 400 `0x80040203` past 2^53 rows:
 * the offset is no exact number there, and past the databases' 64-bit OFFSET it is their error.
 */
export function pageOffset(page: number, size: number): number {
  const offset = (page - 1) * size;
  if (!Number.isSafeInteger(offset)) throw Errors.invalidArgument(`Invalid FetchXML: page ${page} of ${size} rows starts past the last row a query can reach.`);
  return offset;
}

/**
 * Plans a FetchXML query read through the entity set of `entity`. `options.count` is the URL's
 * `$count=true`, which Dataverse treats as `returntotalrecordcount="true"`.
 *
 * Throws 400 `0x80041102` / `0x80041103` for unknown tables and columns, 400 `0x80040203` for a
 * query that does not fit the entity set, `top` with paging attributes, bad condition values,
 * misplaced link types, bad paging cookies and joins on columns of different types (joinOnColumns),
 * 400 `0x8004430D` for more than 15 link-entities,
 * and 501 for valid FetchXML Tessera does not implement (
 * joins on a polymorphic lookup outside its relationships, columns of one-to-many matchfirstrowusingcrossapply links,
 * one-to-many links below a polymorphic lookup,
 * `distinct` with link orders or a total count). 400 `0x80040203` for an attribute alias that is not unique among
 * the returned column names (checkUniqueNames) or holds `@` or `.`; the 400s and 501 of
 * `rowaggregate` (planChildCounts).
 * `datasource="retained"` reads the retained rows of a retention-enabled table (Dataverse
 * "Long-term data retention"); 400 on a table without retention. `options.rowsOnce` (retention criteria,
 * which mark rows) plans one-to-many links without columns as restrictions, each row at most once
 * (FetchPlanner).
 */
export function planFetch(entity: EntityModel, query: FetchQuery, context: FetchContext, prefer: Preferences, options: { readonly count?: boolean; readonly rowsOnce?: boolean } = {}): FetchPlan {
  const { count: countOption = false, rowsOnce = false } = options;
  checkAggregate(query);
  const planner = new FetchPlanner(context.model, context, rowsOnce);
  const root = planner.root(query, entity);
  const count = query.returnTotalRecordCount || countOption;
  if (query.top !== undefined) {
    const paging = query.page !== undefined ? 'page' : query.count !== undefined ? 'count' : count ? 'returntotalrecordcount' : undefined;
    if (paging) throw Errors.invalidArgument(`The top attribute can't be specified with paging attribute ${paging}`);
  }
  planner.registerLinks(query.entity);
  const { columns, visible, aliased } = rootColumns(planner, entity, query);
  const { columns: linked, reachable, visited } = planner.linkedColumns(entity, query.entity.links);
  checkUniqueNames(planner, query, visible, linked);
  const childCounts = planChildCounts(entity, query, (table, name) => planner.column(table, name));
  // Distinct rows over root and link columns, and rows joined to their one-to-many related rows:
  // no keyset of the root's to seek after, so pages skip rows (FetchPlan.pagingCookie). Distinct
  // rows of root columns alone (joined rows without columns) are ordered by all of them, a keyset.
  const pagingCookie = query.distinct ? !linked.length : !planner.joins.length;
  if (query.distinct && count) throw Errors.notImplemented('A total record count with distinct="true"');
  const filter = planner.rootFilter(entity, query, reachable);
  const orderBy = rootOrder(planner, entity, query, columns, visited);
  if (query.distinct && orderBy.some((k) => sortColumnOf(k.attribute)?.kind === 'linked')) throw Errors.notImplemented('distinct="true" with orders by link-entity columns');
  const size = query.top ?? query.count ?? MAX_PAGE_SIZE;
  const page = query.page ?? 1;
  let after: readonly Value[] | undefined;
  let offset: number | undefined;
  if (query.top === undefined && page > 1) {
    const cookie = query.pagingCookie !== undefined && pagingCookie ? decodePagingCookie(orderBy, query.pagingCookie) : undefined;
    // Dataverse ignores the cookie of any page but the previous one ("simple paging").
    if (cookie && cookie.page === page - 1) after = cookie.last;
    else offset = pageOffset(page, size);
  }
  const annotations = annotationSet(prefer.includeAnnotations);
  if (annotations?.formattedValue) linked.push(...linkedLookupNames(linked));
  const read: ReadPlan = {
    kind: 'read',
    entity,
    columns,
    selectList: query.entity.allAttributes || !query.entity.attributes.length ? undefined : contextColumns(columns, visible),
    filter,
    orderBy,
    limit: size,
    paged: query.top === undefined,
    after,
    offset,
    count,
    annotations,
    lookupNames: annotations?.formattedValue ? planLookupNames(context.model, columns) : [],
    expand: [],
    linked: linked.length ? linked : undefined,
    childCounts: childCounts.length ? childCounts : undefined,
    joins: planner.joins.length ? planner.joins : undefined,
    distinct: query.distinct || undefined,
    dataSource: dataSourceOf(entity, query),
  };
  return { read, page, query, visible, aliased, pagingCookie };
}

/**
 * The select list of a FetchXML result's `@odata.context`: each column read, in order, by its Web
 * API property name (a lookup as `_x_value`) where it is answered under its own name, and by its
 * logical name where only aliases answer it, as Dataverse lists them ("Select columns using
 * FetchXml", Column aliases: `createdby` aliased `whocreated` is listed as `createdby`, unaliased as
 * `_createdby_value`).
 */
function contextColumns(columns: readonly AttributeModel[], visible: readonly AttributeModel[]): string[] {
  return columns.map((a) => (visible.includes(a) ? a.PropertyName : a.LogicalName));
}

/**
 * The property name of a link-entity column in a FetchXML result: `<alias>_x002e_<column>`, the
 * Web API's encoding of `<alias>.<column>` (a `.` cannot be in an OData property name), which
 * clients such as dynamics-web-api turn back into an object per alias (digest §11.5).
 */
export function linkedColumnName(alias: string, attribute: AttributeModel): string {
  return `${alias}_x002e_${attribute.LogicalName}`;
}
