import { businessUnitColumn, DATASTATE, DATASTATE_RETAINED } from '../model/system-columns.js';
import { HIERARCHY_MAX_DEPTH } from '../model/hierarchy.js';
import { pkOf, sourceKey } from '../model/primary-key.js';
import type { AttributeModel, EntityKeyModel, EntityModel, NavigationPropertyModel, RelationshipModel } from '../model/types.js';
import type { AggregatePlan, AggregateValue, ChildCount, ColumnPath, CountPlan, DataSource, DatePart, DeletePlan, DisassociatePlan, ExpandPlan, Guard, InsertPlan, JoinOrigin, OwnerUnit, LinkStep, PlanExpr, ReadPlan, RowJoin, SortKey, UpdatePlan, Value } from '../plan/types.js';
import { Errors } from '../errors.js';
import type { Dialect, Statement } from './dialect.js';
import { datePartSql } from './date-part.js';
import { fiscalPartSql } from './fiscal-part.js';
import { isFiscalPart } from '../plan/fiscal-calendar.js';
import { groupChain } from '../nesting.js';
import { sortColumnOf } from '../plan/sort-columns.js';
import { expandedLookupNameKey, expansionKey } from '../plan/expand.js';
import { shareCondition } from './principal-object-access.js';
import { joinedColumnAlias, joinedColumnOf, joinedColumns, stepLookup, type JoinedColumns } from './joined-columns.js';

/**
 * Renders plans to parameterised SQL for any dialect. Identifiers come only from the model;
 * every value is a bound parameter (DESIGN.md §3).
 */

/** Collects parameters while a statement is rendered. */
/** The bound values of one statement being rendered, numbered in the order added (dialect placeholders). */
export class Params {
  readonly values: unknown[] = [];
  /**
   * Common table expressions the statement must open with (`name(columns) AS (…)`), where the
   * dialect wants them at its head (Dialect.recursiveWith); see withCommonTables.
   */
  readonly commonTables: string[] = [];
  /** How many common table expressions the statement has named (`h-1`, `h-2`, …), hoisted or not. */
  named = 0;
  /** The most levels a bounded walk of the statement may recurse (0: none); see withCommonTables. */
  deepest = 0;
  constructor(private readonly dialect: Dialect) {}
  /**
   * Adds a raw driver value and returns its placeholder. Throws 400 past the dialect's
   * maxParameters: a query made of that many values (long In lists) cannot run as one statement.
   */
  add(v: unknown): string {
    if (this.values.length === this.dialect.maxParameters) {
      throw Errors.badQuery(`The query holds more than ${this.dialect.maxParameters.toLocaleString('en-US')} values, more than one statement on this database takes; send fewer (In lists, FetchXML in conditions).`);
    }
    this.values.push(v);
    return this.dialect.placeholder(this.values.length);
  }
  /** Adds a canonical value of column `a`. */
  value(a: AttributeModel, v: Value): string {
    return this.add(this.dialect.toDb(a, v));
  }
}

const SQL_OP = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function col(d: Dialect, a: AttributeModel): string {
  return d.quote(a.LogicalName);
}

/**
 * A column of the row `scope` (SQL name or alias of its table) as SQL: the column itself, or a
 * computed sort column (plan/sort-columns.ts): a choice's label rank, a CASE over its values; a
 * lookup's name, the related row's primary name by a scalar subquery per target (for a polymorphic
 * lookup, each on the row's type column; the target names are logical names, identifiers, so they
 * are written as literals and add no parameter), with the collation of a string column (SQLite
 * gives a subquery none); a link-entity's column, its scalar subqueries (renderLinked, binding its
 * steps' conditions in `p`), or their choice's label rank.
 */
function columnTerm(d: Dialect, a: AttributeModel, scope: string, p?: Params): string {
  const sort = sortColumnOf(a);
  if (!sort) return `${scope}.${col(d, a)}`;
  if (sort.kind === 'labelRank') return rankCase(`${scope}.${col(d, sort.choice)}`, sort.ranks);
  if (sort.kind === 'linked') {
    const term = renderLinked(d, sort.path, sort.column, scope, p, sort.join);
    return sort.ranks ? rankCase(term, sort.ranks) : `${term}${collationOf(d, sort.column)}`;
  }
  const r = d.quote('nm');
  const { lookup } = sort;
  const reads = sort.targets.map(({ entity, name: primary }) => {
    const typed = lookup.TypeAttribute ? ` AND ${scope}.${col(d, lookup.TypeAttribute)} = '${entity.LogicalName}'` : '';
    return `(SELECT ${r}.${col(d, primary)} FROM ${table(d, entity)} ${r} WHERE ${r}.${col(d, pkOf(entity))} = ${scope}.${col(d, lookup)}${typed}${andVisible(d, entity)})`;
  });
  return `${reads.length === 1 ? reads[0] : `COALESCE(${reads.join(', ')})`}${collationOf(d, a)}`;
}

/** A choice's label rank: a CASE over the values of `term`. Whole numbers only: nothing to bind or escape. */
function rankCase(term: string, ranks: ReadonlyMap<number, number>): string {
  return `CASE ${term}${[...ranks].map(([value, rank]) => ` WHEN ${value} THEN ${rank}`).join('')} END`;
}

/** The COLLATE clause of column `a`'s type (a string column's), to give a subquery reading it the column's comparison. */
function collationOf(d: Dialect, a: AttributeModel): string {
  return /\sCOLLATE\s+\S+$/i.exec(d.columnType(a))?.[0] ?? '';
}

/**
 * A sort key's term: the bare column (the read's own table), or a computed sort column of `scope`'s
 * row (its parameters in `p`); a masked key's (SortKey.masked) is null (nullOf).
 */
function sortTerm(d: Dialect, k: SortKey, scope: string, p?: Params): string {
  const term = sortColumnOf(k.attribute) ? columnTerm(d, k.attribute, scope, p) : col(d, k.attribute);
  return k.masked ? nullOf(term) : term;
}

/**
 * Null of the type of `term`: what a secured column the caller may not read is wherever a query
 * uses it (Dataverse, "Use field security to control access to field values": its value is taken
 * as null). Typed, as PostgreSQL wants a type for SUM or AVG of a null.
 */
function nullOf(term: string): string {
  return `CASE WHEN 1 = 0 THEN ${term} END`;
}

/** A fetched column of a read of `scope`: the bare column, or a computed sort column under its logical name. */
function fetchedTerm(d: Dialect, a: AttributeModel, scope: string, p?: Params): string {
  return sortColumnOf(a) ? `${columnTerm(d, a, scope, p)} AS ${col(d, a)}` : col(d, a);
}

function table(d: Dialect, e: EntityModel): string {
  return d.quote(e.LogicalName);
}

/**
 * The row an expression or join condition reads columns of: the SQL name or alias of its table,
 * or, for a joined row (ReadPlan.joins), how each of its columns is read from its join's derived
 * table (joinedRowColumns).
 */
type Row = string | ((a: AttributeModel) => string);

/** Column `a` of `row`, qualified: `<table or alias>.<column>`, or the joined row's column. */
function columnOf(d: Dialect, row: Row, a: AttributeModel): string {
  return typeof row === 'string' ? `${row}.${col(d, a)}` : row(a);
}


/**
 * `target.pk = source.lookup`: the row of `entity` (alias `target`) a lookup of the row `source`
 * points at; for a polymorphic lookup also `source.<type column> = '<entity>'`, so each of its
 * navigation properties reaches rows of its own table only.
 */
function renderLookupJoin(d: Dialect, lookup: AttributeModel, entity: EntityModel, source: Row, target: string, p: Params): string {
  const join = `${target}.${col(d, pkOf(entity))} = ${columnOf(d, source, lookup)}`;
  return lookup.TypeAttribute ? `${join} AND ${columnOf(d, source, lookup.TypeAttribute)} = ${p.value(lookup.TypeAttribute, entity.LogicalName)}` : join;
}

/**
 * The condition linking a row of `nav`'s source table (SQL name or alias `source`) to a row of its
 * target table (alias `target`): for a single-valued property the lookup join; for the
 * collection of a one-to-many relationship `target.lookup = source.pk` (`source.<to column>` for a
 * FetchXML join on columns, sourceKey) (and, polymorphic,
 * `target.<type column> = '<source table>'`); for a many-to-many one, EXISTS a row of the intersect
 * table (alias `i<depth>`) holding both ids.
 */
function renderLink(d: Dialect, nav: NavigationPropertyModel, source: Row, target: string, depth: number, p: Params): string {
  if (nav.intersect) {
    const i = d.quote(`i${depth}`);
    const { entity, own, other } = nav.intersect;
    return `EXISTS (SELECT 1 FROM ${table(d, entity)} ${i} WHERE ${i}.${col(d, own)} = ${columnOf(d, source, pkOf(nav.source))} AND ${i}.${col(d, other)} = ${target}.${col(d, pkOf(nav.target))})`;
  }
  const lookup = nav.relationship.ReferencingAttribute;
  if (nav.kind === 'single') return renderLookupJoin(d, lookup, nav.target, source, target, p);
  const join = `${target}.${col(d, lookup)} = ${columnOf(d, source, sourceKey(nav))}`;
  return lookup.TypeAttribute ? `${join} AND ${target}.${col(d, lookup.TypeAttribute)} = ${p.value(lookup.TypeAttribute, nav.source.LogicalName)}` : join;
}

/**
 * The rows of a retention-enabled table a read sees (see DataSource): active ones,
 * `("msft_datastate" IS NULL OR "msft_datastate" <> 1)`, or retained ones, `"msft_datastate" = 1`.
 * Undefined for tables without retention. The one place retained rows are hidden: every SELECT of
 * a table (reads, counts, aggregates, expansions, EXISTS, link and lookup-name subqueries) adds it.
 * Unqualified, like filter columns: it always stands where its table is the innermost FROM. The
 * value is the engine's constant, not user input, so it is written as a literal.
 */
function visibleRows(d: Dialect, e: EntityModel, source: DataSource = 'active'): string | undefined {
  if (!e.IsRetentionEnabled) return undefined;
  const c = d.quote(DATASTATE);
  return source === 'retained' ? `${c} = ${DATASTATE_RETAINED}` : `(${c} IS NULL OR ${c} <> ${DATASTATE_RETAINED})`;
}

/** ` AND <visibleRows>` for subqueries on a related table, or nothing. */
function andVisible(d: Dialect, e: EntityModel): string {
  const v = visibleRows(d, e);
  return v ? ` AND ${v}` : '';
}

/**
 * Renders a filter expression (fully parenthesised where it combines). `scope` is the SQL name of
 * the table (or alias) the expression's columns belong to, whose columns are then written
 * unqualified, or a joined row's columns (Row); conditions on related rows become subqueries with
 * aliases `f1`, `f2`, … — through a lookup `lookup IN (SELECT pk …)`, found once; through a
 * collection a correlated EXISTS — (unqualified columns inside resolve to the innermost table,
 * which is always the one they belong to).
 */
export function renderExpr(d: Dialect, e: PlanExpr, p: Params, scope: Row, depth = 1): string {
  // A column of the expression's row: unqualified for its table's own, else the Row's.
  const own = (a: AttributeModel) => (typeof scope === 'string' ? col(d, a) : scope(a));
  switch (e.kind) {
    case 'compare': {
      const fold = foldedText(d, e.attribute, [e.value]);
      if (fold) return `${fold}(${own(e.attribute)}) ${SQL_OP[e.op]} ${p.add((e.value as string).toLowerCase())}`;
      return `${own(e.attribute)} ${SQL_OP[e.op]} ${p.value(e.attribute, e.value)}`;
    }
    case 'compareColumns': return `${own(e.left)} ${SQL_OP[e.op]} ${own(e.right)}`;
    case 'isNull': return `${own(e.attribute)} IS ${e.negate ? 'NOT ' : ''}NULL`;
    case 'fiscalPeriod': return `${fiscalPartSql(d, 'period', own(e.attribute), e.attribute, e.calendar)} = ${p.add(e.period)}`;
    case 'in': {
      const fold = foldedText(d, e.attribute, e.values);
      if (fold) return `${fold}(${own(e.attribute)}) IN (${e.values.map((v) => p.add(typeof v === 'string' ? v.toLowerCase() : v)).join(', ')})`;
      return `${own(e.attribute)} IN (${e.values.map((v) => p.value(e.attribute, v)).join(', ')})`;
    }
    case 'like': {
      const fold = foldedText(d, e.attribute, [e.pattern]);
      return fold ? d.like(`${fold}(${own(e.attribute)})`, p.add(e.pattern.toLowerCase())) : d.like(own(e.attribute), p.add(e.pattern));
    }
    case 'and': case 'or': {
      // The left spine of same-kind nodes is one chain (FetchXML filters and combined conditions
      // nest to the left), walked in a loop and grouped by groupChain: a 1,000-term chain stays
      // within the JS stack and SQLite's expression depth limit (1,000). Operands render in order.
      const operands: PlanExpr[] = [];
      let node: PlanExpr = e;
      for (; node.kind === e.kind; node = node.left) operands.push(node.right);
      operands.push(node);
      const op = e.kind.toUpperCase();
      return groupChain(operands.reverse().map((o) => renderExpr(d, o, p, scope, depth)), (left, right) => `(${left} ${op} ${right})`);
    }
    case 'not': return `NOT (${renderExpr(d, e.operand, p, scope, depth)})`;
    case 'const': return e.value === null ? '1 = NULL' : e.value ? '1 = 1' : '1 = 0';
    case 'exists': {
      const alias = d.quote(`f${depth}`);
      const nav = e.navigation;
      if (nav.kind === 'single') {
        // Through a lookup: the rows it may point at are found once, uncorrelated, not once per
        // row of `scope`: rows sharing a related row would repeat the search below it (a lookup
        // then a collection, `createdby/lk_…_createdby/any(…)`, would cost rows × rows). A null
        // lookup is false, never unknown, so that NOT keeps such rows as NOT EXISTS does.
        const lookup = nav.relationship.ReferencingAttribute;
        const type = lookup.TypeAttribute ? ` AND ${columnOf(d, scope, lookup.TypeAttribute)} = ${p.value(lookup.TypeAttribute, nav.target.LogicalName)}` : '';
        const conditions = [visibleRows(d, nav.target), e.where ? renderExpr(d, e.where, p, alias, depth + 1) : undefined].filter((c) => c !== undefined);
        const inner = `SELECT ${alias}.${col(d, pkOf(nav.target))} FROM ${table(d, nav.target)} ${alias}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
        const ref = columnOf(d, scope, lookup);
        return `(${ref} IS NOT NULL${type} AND ${ref} IN (${inner}))`;
      }
      const link = renderLink(d, e.navigation, scope, alias, depth, p);
      const where = e.where ? ` AND ${renderExpr(d, e.where, p, alias, depth + 1)}` : '';
      return `EXISTS (SELECT 1 FROM ${table(d, e.navigation.target)} ${alias} WHERE ${link}${andVisible(d, e.navigation.target)}${where})`;
    }
    case 'joinedRow': {
      // The joined row's key is null exactly where the join found no row; the columns the
      // condition reads are the join's (its derived table selects them, JoinedColumns). True or
      // false, never unknown, as the EXISTS it stands for: NOT of it keeps a row whose column is null.
      const key = joinKey(d, e.join.index);
      if (!e.where) return `${key} IS NOT NULL`;
      return `CASE WHEN ${key} IS NOT NULL AND ${renderExpr(d, e.where, p, joinedRowColumns(d, e.join), depth)} THEN 1 ELSE 0 END = 1`;
    }
    // The share table's alias is numbered by depth as the related tables' are, so nested ones differ.
    case 'shared': return shareCondition(d, p, e.entity, columnOf(d, scope, pkOf(e.entity)), e.principals, e.rights, `s${depth}`);
    case 'hierarchy': return `${own(e.attribute ?? pkOf(e.relationship.ReferencingEntity))} IN (${renderHierarchy(d, e, p)})`;
    case 'inSelect': {
      // Uncorrelated, found once. Two-valued, so that NOT and all() keep what it does not match: a
      // null column is false, and so is a null selected value (`1033 IN (NULL)` would be unknown).
      const alias = d.quote(`f${depth}`);
      const selected = `${alias}.${col(d, e.select)}`;
      const conditions = [visibleRows(d, e.table), renderExpr(d, e.where, p, alias, depth + 1), `${selected} IS NOT NULL`].filter((c) => c !== undefined);
      const ref = own(e.attribute);
      return `(${ref} IS NOT NULL AND ${ref} IN (SELECT ${selected} FROM ${table(d, e.table)} ${alias} WHERE ${conditions.join(' AND ')}))`;
    }
  }
}

/**
 * The primary keys of the rows a `hierarchy` condition matches, as a SELECT over a recursive
 * common table expression `"h-<n>"` (a name no table has: logical names have no hyphen, and a
 * table named `h1` would be hidden by an `h1`): row `id` at level 0, then level by level the rows
 * whose lookup holds a found row's key (`under`), or the row a found row's lookup holds (`above`,
 * whose column `hlink` carries that lookup's value to the next level). Bounded walks carry their
 * level (`hlevel`) and stop HIERARCHY_MAX_DEPTH levels away, which also ends a walk round a loop
 * (rows written before the writes refused loops); level 0 is left out unless `orEqual`. An
 * unbounded walk (a loop check) joins its levels by UNION where the dialect allows it
 * (not Dialect.recursiveWith.unionAllOnly), which drops the rows found before, so it goes as deep as the
 * hierarchy and ends at a loop; elsewhere it is bounded at the dialect's most levels. Rows of the
 * whole table are walked, retained ones too: which rows the read returns is its own condition's
 * business. The expression stands in the SELECT, or at the statement's head (Params.commonTables)
 * where the dialect wants it there; Params.deepest keeps the most levels a walk may take.
 */
function renderHierarchy(d: Dialect, e: Extract<PlanExpr, { kind: 'hierarchy' }>, p: Params): string {
  const t = e.relationship.ReferencingEntity;
  const pk = pkOf(t);
  const under = e.direction === 'under';
  const [name, id, link, level, r] = [`h-${++p.named}`, 'hid', 'hlink', 'hlevel', 'hr'].map((n) => d.quote(n)) as [string, string, string, string, string];
  const row = (a: AttributeModel) => `${r}.${col(d, a)}`;
  // Undefined: an unbounded walk by UNION, with no level.
  const bound = e.unbounded ? d.recursiveWith.unionAllOnly?.most : HIERARCHY_MAX_DEPTH;
  const union = bound === undefined;
  if (!union) p.deepest = Math.max(p.deepest, bound);
  // Down: the next level's rows point at a found row's key; up: a found row's lookup (hlink) points at them.
  const columns = [id, ...(under ? [] : [link]), ...(union ? [] : [level])];
  const values = (next: string) => [row(pk), ...(under ? [] : [row(e.relationship.ReferencingAttribute)]), ...(union ? [] : [next])].join(', ');
  const joined = under ? `${row(e.relationship.ReferencingAttribute)} = ${name}.${id}` : `${row(pk)} = ${name}.${link}`;
  const start = `SELECT ${values('0')} FROM ${table(d, t)} ${r} WHERE ${row(pk)} = ${p.value(pk, e.id)}`;
  const step = `SELECT ${values(`${name}.${level} + 1`)} FROM ${table(d, t)} ${r} JOIN ${name} ON ${joined}${union ? '' : ` WHERE ${name}.${level} < ${bound}`}`;
  const cte = `${name}(${columns.join(', ')}) AS (${start} ${union ? 'UNION' : 'UNION ALL'} ${step})`;
  const self = e.orEqual ? '' : union ? ` WHERE ${id} <> ${p.value(pk, e.id)}` : ` WHERE ${level} > 0`;
  const select = `SELECT ${id} FROM ${name}${self}`;
  if (!d.recursiveWith.atStatementHead) return `${d.recursiveWith.keyword} ${cte} ${select}`;
  p.commonTables.push(cte);
  return select;
}

/**
 * `sql`, a whole statement, opened with the common table expressions hoisted to its head
 * (Params.commonTables), if any, and ended with the dialect's option that lets its walks recurse
 * as deep as they are bounded (Dialect.recursiveWith.option), if it has one and a walk.
 */
function withCommonTables(d: Dialect, p: Params, sql: string): string {
  const option = p.deepest && d.recursiveWith.option ? d.recursiveWith.option(p.deepest) : '';
  return `${p.commonTables.length ? `${d.recursiveWith.keyword} ${p.commonTables.join(', ')} ` : ''}${sql}${option}`;
}

/**
 * The dialect's fold function when a text comparison of `a` with `values` needs it: the dialect
 * folds A–Z alone (Dialect.foldFunction) and a value holds a character outside ASCII, whose case
 * the database would not fold. Undefined otherwise, so that comparisons of ASCII text keep their
 * indexes (a folded column is compared row by row).
 */
function foldedText(d: Dialect, a: AttributeModel, values: readonly Value[]): string | undefined {
  if (!d.foldFunction || a.EdmType !== 'Edm.String') return undefined;
  return values.some((v) => typeof v === 'string' && /[^\x00-\x7f]/.test(v)) ? d.foldFunction : undefined;
}

/**
 * The keyset condition "sorts after `values`" for `keys` with Dataverse's null order (nulls first
 * ascending, last descending): an OR over each key position i of
 * (keys before i equal their values) AND (key i after its value).
 */
function renderAfter(d: Dialect, keys: readonly SortKey[], values: readonly Value[], p: Params, scope: string): string {
  const disjuncts: string[] = [];
  // Each use of a key renders its term anew: a term may bind parameters of its own (a link-entity
  // column's conditions), and parameters are added in text order, as positional placeholders need.
  const term = (i: number) => sortTerm(d, keys[i]!, scope, p);
  for (let i = 0; i < keys.length; i++) {
    const { attribute, descending } = keys[i]!;
    const v = values[i]!;
    if (v === null && descending) continue; // nothing sorts after a null when nulls come last
    const parts = keys.slice(0, i).map((k, j) => (values[j] === null ? `${term(j)} IS NULL` : `${term(j)} = ${p.value(k.attribute, values[j]!)}`));
    if (v === null) parts.push(`${term(i)} IS NOT NULL`);
    else if (descending) parts.push(`(${term(i)} < ${p.value(attribute, v)} OR ${term(i)} IS NULL)`);
    else parts.push(`${term(i)} > ${p.value(attribute, v)}`);
    disjuncts.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return disjuncts.length ? `(${disjuncts.join(' OR ')})` : '1 = 0';
}

/**
 * The columns a read fetches: output columns, versionnumber (ETag; not for DISTINCT reads, where
 * it would make every row distinct), the sort keys (skiptoken) and the type columns of polymorphic
 * output lookups (their lookuplogicalname).
 */
export function fetchedColumns(plan: ReadPlan): AttributeModel[] {
  const out = [...plan.columns];
  const add = (a: AttributeModel | undefined) => { if (a && !out.includes(a)) out.push(a); };
  if (!plan.distinct) add(plan.entity.attributesByName.get('versionnumber'));
  for (const k of plan.orderBy) add(k.attribute);
  for (const a of plan.columns) add(a.TypeAttribute);
  return out;
}

function whereClause(conditions: string[]): string {
  return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/** The visible-rows condition and the filter of a count or aggregate over `scope`. */
function rootConditions(d: Dialect, plan: { entity: EntityModel; filter?: PlanExpr; dataSource?: DataSource }, p: Params, scope: string): string[] {
  const conditions: string[] = [];
  const visible = visibleRows(d, plan.entity, plan.dataSource);
  if (visible) conditions.push(visible);
  if (plan.filter) conditions.push(renderExpr(d, plan.filter, p, scope));
  return conditions;
}

/**
 * SELECT for a ReadPlan. Collections read `limit + 1` rows when paged, so one extra row tells
 * whether a next page exists; a retrieve by id is a plain primary-key lookup.
 */
export function renderRead(d: Dialect, plan: ReadPlan): Statement {
  const p = new Params(d);
  const outer = table(d, plan.entity);
  // Parameters are added in text order (positional dialects): the fetched columns' first.
  // A secured column the caller may not read is NULL (ReadPlan.masked).
  const fetched = fetchedColumns(plan).map((a) => (plan.masked?.has(a) ? `NULL AS ${col(d, a)}` : fetchedTerm(d, a, outer, p)));
  // Lookup names: a correlated scalar subquery per lookup (and target), after the fetched columns.
  // Aliased (`_name<n>` cannot be a column's logical name): PostgreSQL would otherwise name the
  // output after the target's column, and `ORDER BY "fullname"` would be ambiguous.
  const names = plan.lookupNames.map((l, i) => `${renderLookupName(d, l, outer, 'r', p)} AS ${d.quote(`_name${i + 1}`)}`);
  const expansions = plan.expand.map((e) => renderExpansion(d, e, outer, 1, p));
  // Named, so that an ORDER BY column of the read's table cannot be taken for a linked column.
  const linked = (plan.linked ?? []).map((l, i) => `${l.masked ? 'NULL' : renderLinked(d, l.path, l.attribute, outer, p, l.join)} AS ${d.quote(`linked${i + 1}`)}`);
  const counts = (plan.childCounts ?? []).map((c, i) => `${renderChildCount(d, c, outer, plan.dataSource)} AS ${d.quote(`children${i + 1}`)}`);
  const columns = [...fetched, ...names, ...expansions, ...linked, ...counts].join(', ');
  // The joined rows' parameters follow the columns' and come before the conditions' (text order).
  const from = `${table(d, plan.entity)}${renderJoins(d, plan, p, joinedColumns(plan))}`;
  const conditions: string[] = [];
  if (plan.id !== undefined) conditions.push(`${col(d, pkOf(plan.entity))} = ${p.value(pkOf(plan.entity), plan.id)}`);
  const visible = visibleRows(d, plan.entity, plan.dataSource);
  if (visible) conditions.push(visible);
  if (plan.filter) conditions.push(renderExpr(d, plan.filter, p, outer));
  if (plan.after) conditions.push(renderAfter(d, plan.orderBy, plan.after, p, outer));
  const body = `${columns} FROM ${from}${whereClause(conditions)}`;
  // A key is unique: no ORDER BY or LIMIT (with SQLite, a bound LIMIT costs more than the lookup).
  if (plan.id !== undefined) return { sql: withCommonTables(d, p, `SELECT ${body}`), params: p.values };
  // DISTINCT with linked columns: they complete the order, by their output names (PostgreSQL wants
  // a DISTINCT's ORDER BY terms in its select list, and re-rendered they would bind new parameters).
  const distinctLinked = plan.distinct ? (plan.linked ?? []).map((_, i) => d.orderItem(d.quote(`linked${i + 1}`), false)) : [];
  // A DISTINCT's masked key by its output name, which the select list reads as NULL
  // (ReadPlan.masked): PostgreSQL wants a DISTINCT's ORDER BY terms in its select list.
  const orderBy = () => [...plan.orderBy.map((k) => d.orderItem(k.masked && plan.distinct ? col(d, k.attribute) : sortTerm(d, k, outer, p), k.descending)), ...distinctLinked].join(', ');
  const order = orderBy();
  const limit = p.add(plan.paged ? plan.limit + 1 : plan.limit);
  const offset = plan.offset ? p.add(plan.offset) : undefined;
  if (d.computesColumnsBeforeLimit && expansions.length && !plan.distinct && !plan.joins?.length) {
    // The page's rows first (the derived table keeps the table's name, so every column term and
    // correlated expansion reads it as before), then their expansions: built for every row the
    // filter matches, they cost as much as the whole result, however small the page. Not with
    // joins: the page reads the table alone, and its `*` would not keep the joined rows apart
    // (their parameters, added with `from`, would precede nothing in the text). The ORDER BY is
    // in the text twice, so its terms are rendered, and their parameters added, twice.
    const page = d.selectLimited(`* FROM ${table(d, plan.entity)}${whereClause(conditions)}`, order, limit, { offset });
    return { sql: withCommonTables(d, p, `SELECT ${columns} FROM (${page}) AS ${outer} ORDER BY ${orderBy()}`), params: p.values };
  }
  return { sql: withCommonTables(d, p, d.selectLimited(body, order, limit, { distinct: plan.distinct, offset })), params: p.values };
}

/**
 * The primary name of the row lookup `attribute` of the row `outer` points at in `target`, as a
 * correlated scalar subquery (null when the lookup is empty or points at another table); `alias`
 * names the target's table inside it.
 */
function renderLookupName(d: Dialect, { attribute, target }: ReadPlan['lookupNames'][number], outer: string, alias: string, p: Params): string {
  const name = target.attributesByName.get(target.PrimaryNameAttribute!)!;
  return `(SELECT ${d.quote(alias)}.${col(d, name)} FROM ${table(d, target)} ${d.quote(alias)} WHERE ${renderLookupJoin(d, attribute, target, outer, d.quote(alias), p)}${andVisible(d, target)})`;
}

/**
 * The number of rows of the table whose hierarchical lookup holds the key of row `outer`
 * (ChildCount), as a correlated scalar subquery over the rows of `source`, aliased `h-children` (a
 * name no table has: logical names have no hyphen, so the outer table is never hidden by it):
 * `(SELECT COUNT(*) FROM t "h-children" WHERE "h-children".parentid = <outer>.id AND <visible
 * rows>)`. An index on the lookup makes it one seek per row. The relationship is the table's
 * hierarchical one of the model (model/hierarchy.ts), whose lookup holds the parent's key: never
 * the step of a FetchXML join on columns (model/column-links.ts), which is no relationship of the
 * model.
 */
function renderChildCount(d: Dialect, { relationship }: ChildCount, outer: string, source: DataSource | undefined): string {
  const t = relationship.ReferencingEntity;
  const lookup = relationship.ReferencingAttribute;
  const alias = d.quote('h-children');
  const visible = visibleRows(d, t, source);
  return `(SELECT COUNT(*) FROM ${table(d, t)} ${alias} WHERE ${alias}.${col(d, lookup)} = ${outer}.${col(d, pkOf(t))}${visible ? ` AND ${visible}` : ''})`;
}

/**
 * A linked column as nested scalar subqueries, one per lookup step, innermost first:
 * `(SELECT "l2"."x" FROM t2 "l2" WHERE "l2".pk = (SELECT "l1".fk FROM t1 "l1" WHERE "l1".pk =
 * <outer>.fk AND <step 1 condition>) AND <step 2 condition>)`. Each level reads one table, so the
 * steps' unqualified conditions resolve to it; a primary-key lookup per step. With `join`, the
 * path starts from that joined row instead of `outer`'s: the column itself, or the first lookup,
 * as the join's derived table selects it (`"lj<n>"."_c_<column>"`, JoinedColumns; the key alone
 * for its primary key). `p` binds the steps' conditions, in text order; only a path without
 * conditions may be rendered without it.
 */
function renderLinked(d: Dialect, path: readonly LinkStep[], attribute: AttributeModel, outer: string, p?: Params, join?: JoinOrigin): string {
  let ref: string;
  if (join) {
    ref = joinedRead(d, join, path.map((s) => s.navigation), attribute);
    if (!path.length) return ref;
  } else {
    ref = stepValue(d, outer, path[0]!.navigation);
  }
  path.forEach((step, i) => {
    const target = step.navigation.target;
    const alias = d.quote(`l${i + 1}`);
    const next = path[i + 1];
    const value = next ? stepValue(d, alias, next.navigation) : `${alias}.${col(d, attribute)}`;
    if (step.where && !p) throw new Error('renderLinked: a step with a condition needs parameters');
    const where = step.where ? ` AND ${renderExpr(d, step.where, p!, alias)}` : '';
    ref = `(SELECT ${value} FROM ${table(d, target)} ${alias} WHERE ${alias}.${col(d, pkOf(target))} = ${ref}${andVisible(d, target)}${where})`;
  });
  return ref;
}

/**
 * The value of row `scope`'s lookup that step `nav` follows (stepLookup): the column; for an
 * owner's branch (`ownerid` to users, or to teams), the column where its type column names that
 * branch's table, else null (`CASE WHEN "owneridtype" = 'team' THEN "ownerid" END`), so that a
 * step to one table never meets a row of the other. The table name is the model's, not the
 * request's.
 */
function stepValue(d: Dialect, scope: string, nav: NavigationPropertyModel): string {
  const lookup = stepLookup(nav);
  const column = `${scope}.${col(d, lookup)}`;
  return lookup.TypeAttribute ? `CASE WHEN ${scope}.${col(d, lookup.TypeAttribute)} = '${nav.target.LogicalName}' THEN ${column} END` : column;
}

/**
 * What reading `attribute` through the lookups `path` from the row of `join` starts with: the
 * column the join's derived table selects (`"lj<n>"."_c_<column>"`, JoinedColumns), or its key.
 */
function joinedRead(d: Dialect, join: JoinOrigin, path: readonly NavigationPropertyModel[], attribute: AttributeModel): string {
  const c = joinedColumnOf(join, path, attribute);
  return c ? `${d.quote(`lj${join.index + 1}`)}.${d.quote(joinedColumnAlias(c))}` : joinKey(d, join.index);
}

/** The columns of the row of `join`, as its derived table selects them (a Row for renderExpr). */
function joinedRowColumns(d: Dialect, join: JoinOrigin): Row {
  return (a) => joinedRead(d, join, [], a);
}

/**
 * The primary key of the row of join `index` (0-based) of a read: `"lj<n>"."_k"` (a name no column
 * has: logical names start with a letter), the column renderJoins selects it as.
 */
function joinKey(d: Dialect, index: number): string {
  return `${d.quote(`lj${index + 1}`)}.${d.quote('_k')}`;
}

/**
 * The joins of a read (ReadPlan.joins) as SQL after its table: for each, `[LEFT] JOIN (SELECT pk
 * AS "_k", lookup AS "_f"[, <column> AS "_c_<column>" …] FROM <related table> "lt<n>" WHERE
 * <visible rows> [AND <type column> = '<parent table>'] AND <condition>) "lj<n>" ON "lj<n>"."_f" =
 * <the parent row's key>`, with the columns the statement reads from the joined rows (`columns`,
 * JoinedColumns: one read of the row it joins, not a subquery per row and column), where the
 * parent row's key is `outer`'s primary key, or a parent join's `_k`, followed through the join's
 * lookup path (renderLinked); for a FetchXML join on columns (model/column-links.ts) the parent's
 * `to` column (sourceKey) instead of its key, and `_f` the linked table's `from` column. The derived table reads one table, so the condition's unqualified
 * columns resolve to it, and the outer query's unqualified columns stay the read's own (no joined
 * column bears a logical name). Empty when there are none. Parameters in text order.
 */
function renderJoins(d: Dialect, plan: Pick<ReadPlan, 'entity' | 'joins'>, p: Params, columns: JoinedColumns): string {
  const outer = table(d, plan.entity);
  return (plan.joins ?? []).map((j: RowJoin, i) => {
    const { navigation: nav } = j;
    // The plan stage joins one-to-many relationships only; many-to-many ones have no lookup to join on.
    if (nav.intersect) throw Errors.notImplemented(`Joining the rows of the many-to-many navigation property '${nav.Name}'`);
    const target = nav.target;
    const lookup = nav.relationship.ReferencingAttribute;
    const t = d.quote(`lt${i + 1}`);
    const conditions = [visibleRows(d, target)];
    if (lookup.TypeAttribute) conditions.push(`${col(d, lookup.TypeAttribute)} = ${p.value(lookup.TypeAttribute, nav.source.LogicalName)}`);
    if (j.where) conditions.push(renderExpr(d, j.where, p, t));
    const selected = (columns.get(i) ?? []).map((c) => `, ${t}.${col(d, c)} AS ${d.quote(joinedColumnAlias(c))}`).join('');
    const rows = `SELECT ${t}.${col(d, pkOf(target))} AS ${d.quote('_k')}, ${t}.${col(d, lookup)} AS ${d.quote('_f')}${selected} FROM ${table(d, target)} ${t}${whereClause(conditions.filter((c) => c !== undefined))}`;
    const key = sourceKey(nav);
    const parentKey = j.path.length || j.parent ? renderLinked(d, j.path, key, outer, p, j.parent) : `${outer}.${col(d, key)}`;
    const alias = d.quote(`lj${i + 1}`);
    return ` ${j.inner ? 'JOIN' : 'LEFT JOIN'} (${rows}) ${alias} ON ${alias}.${d.quote('_f')} = ${parentKey}`;
  }).join('');
}

/**
 * The columns an expansion returns, in order: output columns, versionnumber (ETag), for a
 * collection that may link to the rest (ExpandPlan.rest) its sort keys, which that link's
 * `$skiptoken` carries, and in an annotated response the polymorphic lookups' type columns.
 */
export function expansionColumns(e: ExpandPlan): AttributeModel[] {
  const out = [...e.columns];
  const add = (a: AttributeModel | undefined) => { if (a && !out.includes(a)) out.push(a); };
  add(e.navigation.target.attributesByName.get('versionnumber'));
  if (e.rest) for (const k of e.orderBy) add(k.attribute);
  if (e.annotated) for (const a of e.columns) add(a.TypeAttribute);
  return out;
}

/**
 * One `$expand` item as a correlated JSON subquery: keys are the related table's property names
 * (lookups as `_x_value`) and nested navigation property names. `parent` is the SQL name of the
 * parent row's table or alias; parameters are added in text order (positional dialects).
 */
function renderExpansion(d: Dialect, e: ExpandPlan, parent: string, depth: number, p: Params): string {
  const target = e.navigation.target;
  const alias = d.quote(`e${depth}`);
  const pairs = expansionColumns(e).map((a) => ({ key: a.PropertyName, expr: e.masked?.has(a) ? 'NULL' : columnTerm(d, a, alias), json: false }));
  e.annotated?.lookupNames.forEach((l, i) => pairs.push({ key: expandedLookupNameKey(i), expr: renderLookupName(d, l, alias, `r${depth}`, p), json: false }));
  for (const child of e.expand) pairs.push({ key: expansionKey(child), expr: renderExpansion(d, child, alias, depth + 1, p), json: true });
  const link = renderLink(d, e.navigation, parent, alias, depth, p);
  const filter = e.filter ? ` AND ${renderExpr(d, e.filter, p, alias, depth + 1)}` : '';
  const from = `${table(d, target)} ${alias} WHERE ${link}${andVisible(d, target)}${filter}`;
  if (e.navigation.kind === 'single') return d.jsonSubquery({ pairs, from, single: true, orderBy: '' });
  const orderBy = e.orderBy.map((k) => d.orderItem(sortTerm(d, k, alias), k.descending)).join(', ');
  return d.jsonSubquery({ pairs, from, single: false, orderBy, limit: p.add(e.limit) });
}

/**
 * Counts matching rows, reading at most `cap + 1` of them (Dataverse caps counts at 5,000), or,
 * without a cap, all of them (RetrieveTotalRecordCount) with the dialect's countAll; with joins
 * (ReadPlan.joins), the combinations of a row and its joined rows, as the read returns them.
 */
export function renderCount(d: Dialect, plan: Pick<CountPlan, 'entity' | 'filter' | 'dataSource'> & Pick<ReadPlan, 'joins'>, cap?: number): Statement {
  const p = new Params(d);
  const from = `${table(d, plan.entity)}${renderJoins(d, plan, p, joinedColumns({ joins: plan.joins, filter: plan.filter }))}`;
  const where = whereClause(rootConditions(d, plan, p, table(d, plan.entity)));
  if (cap === undefined) return { sql: withCommonTables(d, p, `SELECT ${d.countAll ?? 'COUNT(*)'} AS ${d.quote('n')} FROM ${from}${where}`), params: p.values };
  const inner = d.selectLimited(`1 AS ${d.quote('x')} FROM ${from}${where}`, '', p.add(cap + 1));
  return { sql: withCommonTables(d, p, `SELECT COUNT(*) AS ${d.quote('n')} FROM (${inner}) ${d.quote('c')}`), params: p.values };
}

/**
 * The value of `c` for a row of `scope` (the SQL name of the planned table): the column itself, or
 * a scalar subquery per navigation property (aliases `j1`, `j2`, …) down to the related row's
 * column, with the collation the column declares (SQLite gives a subquery none, so it would group
 * and sort `DataA` apart from `dataa`); NULL when a lookup on the way is empty, or (ColumnPath.conditions)
 * a step's row fails its condition, bound in `p` (needed then). With `otherwise`, COALESCE of
 * both paths' values.
 */
function pathValue(d: Dialect, c: ColumnPath, scope: string, p?: Params, depth = 1): string {
  if (c.masked) return nullOf(pathValue(d, { ...c, masked: undefined }, scope, p, depth));
  if (c.otherwise) return `COALESCE(${pathValue(d, { ...c, otherwise: undefined }, scope, p, depth)}, ${pathValue(d, c.otherwise, scope, p, depth)})`;
  // From a joined row (its key, or its columns the join's derived table selects), or through steps with conditions
  // (null where a step's row fails its own): as a read's linked columns are, binding them in `p`.
  if (c.join || c.conditions) {
    const steps = c.navs.map((navigation, i) => (c.conditions?.[i] ? { navigation, where: c.conditions[i] } : { navigation }));
    return `${renderLinked(d, steps, c.attribute, scope, p, c.join)}${collationOf(d, c.attribute)}`;
  }
  const [nav, ...rest] = c.navs;
  if (!nav) return `${scope}.${col(d, c.attribute)}`;
  const alias = d.quote(`j${depth}`);
  const value = pathValue(d, { navs: rest, attribute: c.attribute }, alias, undefined, depth + 1);
  const collation = depth === 1 ? collationOf(d, c.attribute) : '';
  return `(SELECT ${value} FROM ${table(d, nav.target)} ${alias} WHERE ${alias}.${col(d, pkOf(nav.target))} = ${stepValue(d, scope, nav)}${andVisible(d, nav.target)})${collation}`;
}

const WHOLE_NUMBERS = new Set(['Integer', 'BigInt']);
const FIXED_POINT = new Set(['Decimal', 'Money']);

/**
 * One aggregate over the input column `v` (an `s`.`aN` reference; unused by `count`), computed
 * alike on every database: whole numbers are summed and averaged exactly and rounded to a float
 * once (Dialect.exactWholeSum; a float sum of each value rounded at every step lost the last
 * digits once partial sums passed 2^53: 15484873225535492 for 15484873225535494), or on SQLite as
 * floats with its compensated summation (its integer SUM raises "integer overflow" past 2^63);
 * answers are JavaScript numbers either way. Decimal and Money sums are rounded to the column's
 * Precision (SQLite holds them as floats, whose sum of 0.1 and 0.2 is 0.30000000000000004 where
 * PostgreSQL's numeric says 0.3) and averages are that sum divided as a float, one IEEE division
 * on every database (numeric division differed in the last digit).
 */
function aggregateFunction(d: Dialect, a: AggregateValue, v: string): string {
  const type = a.column?.attribute.AttributeType ?? '';
  const whole = (fn: 'SUM' | 'AVG') => (d.exactWholeSum === undefined ? `${fn}(CAST(${v} AS ${d.floatType}))`
    : `CAST(${fn}(${d.exactWholeSum ? `CAST(${v} AS ${d.exactWholeSum})` : v}) AS ${d.floatType})`);
  const sum = WHOLE_NUMBERS.has(type) ? whole('SUM')
    : FIXED_POINT.has(type) ? `ROUND(SUM(${v}), ${a.column!.attribute.Precision!})` : `SUM(${v})`;
  switch (a.fn) {
    case 'count': return 'COUNT(*)';
    case 'countcolumn': return `COUNT(${v})`;
    case 'countdistinct': return `COUNT(DISTINCT ${v})`;
    case 'sum': return sum;
    case 'avg': return WHOLE_NUMBERS.has(type) ? whole('AVG')
      : FIXED_POINT.has(type) ? `CAST(${sum} AS ${d.floatType}) / NULLIF(COUNT(${v}), 0)` : `AVG(${v})`;
    default: return `${a.fn.toUpperCase()}(${v})`;
  }
}

/**
 * One SELECT for an AggregatePlan that also enforces its record limit: the input subquery `s`
 * reads at most `recordLimit + 1` matching rows (with joins, ReadPlan.joins' way, each
 * combination of a row and its joined rows; the group values `gN` — for a date part, the
 * number datePartSql computes, or the date itself for a fiscal part, which the outer query
 * computes (fiscalPartSql) —, lookup names `nN` and
 * aggregate inputs `aN`; joined rows' columns from the joins' derived tables, other related columns
 * through scalar subqueries), the outer query groups them,
 * and a window `SUM(COUNT(*)) OVER ()` adds the number of input rows to every group. When it
 * exceeds the limit the aggregates are incomplete and the executor raises the limit error;
 * otherwise they cover every matching row. Result columns: the group values, then the lookup names
 * (for the groups that have one, in order), the aggregates, the input row count.
 */
export function renderAggregate(d: Dialect, plan: AggregatePlan): Statement {
  const p = new Params(d);
  const from = table(d, plan.entity);
  const s = d.quote('s');
  // Input columns by their SQL; a value needed twice (a lookup path and its name) is read once.
  // One that binds parameters is read on its own: the same text may bind other values (SQLite's
  // `?`), and a copy left out would leave its parameters behind.
  const inputs = new Map<string, { value: string; name: string }>();
  const input = (name: string, c: ColumnPath, datePart?: DatePart) => {
    const bound = p.values.length;
    const path = pathValue(d, c, from, p);
    const value = datePart && !isFiscalPart(datePart) ? datePartSql(d, datePart, path, c.attribute) : path;
    const key = p.values.length > bound ? `${value}\u0000${name}` : value;
    if (!inputs.has(key)) inputs.set(key, { value, name: d.quote(name) });
    return `${s}.${inputs.get(key)!.name}`;
  };
  // A fiscal part is computed by the outer query from the date read as it is: its SQL repeats the
  // date, which must then bind no parameter (a linked column's path may).
  const keys = plan.groupBy.map((g, i) => (isFiscalPart(g.datePart)
    ? fiscalPartSql(d, g.datePart === 'fiscal-year' ? 'year' : 'yearPeriod', input(`g${i}`, g.column), g.column.attribute, g.fiscal!)
    : input(`g${i}`, g.column, g.datePart)));
  plan.groupBy.forEach((g, i) => { if (g.lookupName) keys.push(input(`n${i}`, g.lookupName)); });
  const values = plan.aggregates.map((a, i) => `${aggregateFunction(d, a, a.column ? input(`a${i}`, a.column) : '')} AS ${d.quote(`v${i}`)}`);
  // The joined rows' parameters follow the inputs' and come before the conditions' (text order).
  const paths = [...plan.groupBy.flatMap((g) => [g.column, g.lookupName]), ...plan.aggregates.map((a) => a.column)];
  const joins = renderJoins(d, plan, p, joinedColumns({ joins: plan.joins, paths, filter: plan.filter }));
  const where = whereClause(rootConditions(d, plan, p, from));
  const list = [...inputs.values()].map(({ value, name }) => `${value} AS ${name}`);
  const rows = d.selectLimited(`${list.length ? list.join(', ') : `1 AS ${d.quote('x')}`} FROM ${from}${joins}${where}`, '', p.add(plan.recordLimit + 1));
  const columns = [...keys, ...values, `SUM(COUNT(*)) OVER () AS ${d.quote('total')}`].join(', ');
  const grouping = [...new Set(keys)];
  const body = `${columns} FROM (${rows}) ${s}${grouping.length ? ` GROUP BY ${grouping.join(', ')}` : ''}`;
  const order = plan.orderBy.map((k) => d.orderItem(k.output === 'group' ? keys[k.index]! : d.quote(`v${k.index}`), k.descending)).join(', ');
  if (plan.top !== undefined) {
    const limit = p.add(plan.top);
    return { sql: withCommonTables(d, p, d.selectLimited(body, order, limit, plan.page?.skip ? { offset: p.add(plan.page.skip) } : undefined)), params: p.values };
  }
  return { sql: withCommonTables(d, p, `SELECT ${body}${order ? ` ORDER BY ${order}` : ''}`), params: p.values };
}

/** INSERT of one row; `version` is the row's new versionnumber. */
export function renderInsert(d: Dialect, plan: InsertPlan, version: number): Statement {
  return renderInsertMany(d, [plan], [version])[0]!;
}

/**
 * INSERTs for rows of one table (the bulk path): the column list is the union of the rows'
 * columns (missing values are NULL) plus versionnumber. Multi-row VALUES split into as few
 * statements as the dialect's parameter limit allows (at most 1,000 rows each), in order; or, where
 * the dialect has `copy` (PostgreSQL) and there is more than one row, one `COPY … FROM STDIN`
 * with the rows as its data (`Statement.copy`: the rows alone, without the format's header and
 * trailer). `versions[i]` belongs to `plans[i]`. Where the
 * dialect has `namedPlaceholder` (SQLite), a column whose value is the same in every row of a
 * statement is bound once, by name, from a plain object ending the params.
 */
export function renderInsertMany(d: Dialect, plans: readonly InsertPlan[], versions: readonly number[]): Statement[] {
  if (!plans.length) return [];
  const entity = plans[0]!.entity;
  const versionAttribute = entity.attributesByName.get('versionnumber')!;
  const columns = columnUnion(entity, plans);
  columns.push(versionAttribute);
  const into = `INSERT INTO ${table(d, entity)} (${columns.map((a) => col(d, a)).join(', ')})`;
  if (d.copy && plans.length > 1) {
    const copy = d.copy.encodeRows(columns, plans.length, rowCells(d, columns, plans, versions, 0, plans.length, true));
    return [{ sql: `COPY ${table(d, entity)} (${columns.map((a) => col(d, a)).join(', ')}) FROM STDIN${d.copy.options}`, params: [], copy }];
  }
  const width = columns.length;
  const perStatement = Math.max(1, Math.min(1000, Math.floor(d.maxParameters / width)));
  const statements: Statement[] = [];
  for (let start = 0; start < plans.length; start += perStatement) {
    const count = Math.min(perStatement, plans.length - start);
    const cells = rowCells(d, columns, plans, versions, start, count, false);
    // A value every row of the statement has (stamped system columns, defaults) is bound once.
    const shared = new Array<boolean>(width).fill(d.namedPlaceholder !== undefined && count > 1);
    for (let c = 0; c < width; c++) {
      const first = cells[c];
      for (let k = width + c; shared[c] && k < cells.length; k += width) shared[c] = cells[k] === first;
    }
    const named: Record<string, unknown> = {};
    const perRow: number[] = [];
    for (let c = 0; c < width; c++) {
      if (shared[c]) named[sharedName(c)] = d.toDb(columns[c]!, cells[c] as Value);
      else perRow.push(c);
    }
    // Sized for the named values' object too; indexed loops, as this runs for every value.
    const params: unknown[] = new Array(count * perRow.length + (perRow.length < width ? 1 : 0));
    let p = 0;
    for (let k = 0; k < cells.length; k += width) {
      for (let r = 0; r < perRow.length; r++) {
        const c = perRow[r]!;
        params[p++] = d.toDb(columns[c]!, cells[k + c] as Value);
      }
    }
    if (perRow.length < width) params[p] = named;
    statements.push({ sql: valuesSql(d, into, shared, count), params });
  }
  return statements;
}

/**
 * The values of rows `start … start + count − 1` of `plans`, row by row: `cells[i × width + c]`
 * is row start + i's value of `columns[c]` (null where unset), as the driver takes it when
 * `toDb`; the last column is versionnumber, taken from `versions`.
 */
function rowCells(d: Dialect, columns: readonly AttributeModel[], plans: readonly InsertPlan[], versions: readonly number[], start: number, count: number, toDb: boolean): unknown[] {
  const width = columns.length;
  const last = width - 1;
  const cells = new Array<unknown>(count * width);
  for (let i = 0, k = 0; i < count; i++, k += width) {
    const values = plans[start + i]!.values;
    if (toDb) for (let c = 0; c < last; c++) cells[k + c] = d.toDb(columns[c]!, values.get(columns[c]!) ?? null);
    else for (let c = 0; c < last; c++) cells[k + c] = values.get(columns[c]!) ?? null;
    cells[k + last] = versions[start + i]!;
  }
  return cells;
}

/**
 * The columns any of `plans` sets, in the order they are first met (so a statement's column list
 * keeps the body's order); a fresh array. A mark per ColumnNumber, not a Set: this visits every
 * value of a bulk write.
 */
function columnUnion(entity: EntityModel, plans: readonly InsertPlan[]): AttributeModel[] {
  const marked = new Uint8Array(entity.Attributes.length);
  const columns: AttributeModel[] = [];
  const add = (_: Value, a: AttributeModel) => {
    if (marked[a.ColumnNumber] === 0) {
      marked[a.ColumnNumber] = 1;
      columns.push(a);
    }
  };
  // forEach, not for…of: a key iterator allocates a result object per key and row.
  for (const plan of plans) plan.values.forEach(add);
  return columns;
}

/** The named parameter that binds the shared value of a multi-row INSERT's column `c` (0-based). */
const sharedName = (c: number): string => `s${c}`;

/** Recently rendered multi-row INSERT texts, by dialect, head, shared columns and row count (see valuesSql). */
const valuesTexts = new WeakMap<Dialect, Map<string, string>>();
const VALUES_TEXTS = 64;

/**
 * `<into> VALUES (…), (…)` with `rows` tuples of one placeholder per column: the dialect's named
 * placeholder for the columns marked in `shared`, a positional one for the others. A bulk message
 * sends the same shape again and again: the text is kept, so it is built once and the driver's
 * statement cache finds it by the very same string.
 */
function valuesSql(d: Dialect, into: string, shared: readonly boolean[], rows: number): string {
  let texts = valuesTexts.get(d);
  if (!texts) valuesTexts.set(d, (texts = new Map()));
  const key = `${rows} ${shared.map((s) => (s ? 1 : 0)).join('')} ${into}`;
  let sql = texts.get(key);
  if (sql === undefined) {
    const tuples: string[] = [];
    for (let i = 0, n = 0; i < rows; i++) tuples.push(`(${shared.map((s, c) => (s ? d.namedPlaceholder!(sharedName(c)) : d.placeholder(++n))).join(', ')})`);
    sql = `${into} VALUES ${tuples.join(', ')}`;
    if (texts.size >= VALUES_TEXTS) texts.clear();
    texts.set(key, sql);
  }
  return sql;
}

function keyAndGuards(d: Dialect, e: EntityModel, id: string, guards: readonly Guard[], p: Params): string {
  const conditions = [`${col(d, pkOf(e))} = ${p.value(pkOf(e), id)}`];
  for (const g of guards) {
    // A null among the values allows a null column: `(c IS NULL OR c IN (…))`; with `except`,
    // forbids it: `(c IS NOT NULL AND c NOT IN (…))`, and a column left null passes otherwise.
    const c = col(d, g.attribute);
    const not = g.except ? 'NOT ' : '';
    const present = g.values.filter((v) => v !== null);
    let test = !present.length ? undefined
      : present.length === 1 ? `${c} ${g.except ? '<>' : '='} ${p.value(g.attribute, present[0]!)}`
        : `${c} ${not}IN (${present.map((v) => p.value(g.attribute, v)).join(', ')})`;
    const nullListed = present.length < g.values.length;
    for (const id of g.under?.ids ?? []) {
      const walk = `${c} IN (${renderHierarchy(d, { kind: 'hierarchy', relationship: g.under!.relationship, id, direction: 'under', orEqual: true }, p)})`;
      test = test ? `(${test} OR ${walk})` : walk;
    }
    if (g.owners?.values.length) {
      const owned = `${col(d, g.owners.attribute)} IN (${g.owners.values.map((v) => p.value(g.owners!.attribute, v)).join(', ')})`;
      test = test ? `(${test} OR ${owned})` : owned;
    }
    if (g.shared) conditions.push(`(${test ?? '1 = 0'} OR ${shareCondition(d, p, e, p.value(pkOf(e), id), g.shared.principals, g.shared.rights)})`);
    else if (!g.except) conditions.push(nullListed ? (test ? `(${c} IS NULL OR ${test})` : `${c} IS NULL`) : test ?? '1 = 0');
    else if (nullListed) conditions.push(test ? `(${c} IS NOT NULL AND ${test})` : `${c} IS NOT NULL`);
    else if (test) conditions.push(`(${c} IS NULL OR ${test})`);
  }
  return whereClause(conditions);
}

/**
 * UPDATE of one row by key with the plan's guards in the WHERE clause; `version` is its new row
 * version, unless the dialect takes one as the row is written (Dialect.rowVersionOnUpdate).
 */
export function renderUpdate(d: Dialect, plan: UpdatePlan, version: number): Statement {
  const p = new Params(d);
  const sets: string[] = [];
  for (const [a, v] of plan.set) sets.push(`${col(d, a)} = ${p.value(a, v)}`);
  if (plan.ownerUnit) sets.push(ownerUnitSet(d, plan.ownerUnit, p));
  const versionAttribute = plan.entity.attributesByName.get('versionnumber')!;
  sets.push(`${col(d, versionAttribute)} = ${d.rowVersionOnUpdate ?? p.value(versionAttribute, version)}`);
  const where = keyAndGuards(d, plan.entity, plan.id, plan.guards, p);
  return { sql: withCommonTables(d, p, `UPDATE ${table(d, plan.entity)} SET ${sets.join(', ')}${where}`), params: p.values };
}

/** `column = (SELECT <owner's unit> FROM <owner's table> WHERE <key> = id)`: OwnerUnit as a SET item. */
function ownerUnitSet(d: Dialect, u: OwnerUnit, p: Params): string {
  const unit = businessUnitColumn(u.owner)!;
  const pk = pkOf(u.owner);
  return `${col(d, u.column)} = (SELECT ${col(d, unit)} FROM ${table(d, u.owner)} WHERE ${col(d, pk)} = ${p.value(pk, u.id)})`;
}

/**
 * UPDATE of the new rows `ids` of `entity` (at most the dialect's maxParameters) setting business
 * unit column `u.column` of each from its own owner's row: `u.owner`'s unit where its key equals
 * the row's `u.via` (InsertPlan.ownerUnit: rows made for another owner, all of table `u.owner`).
 * One statement for a bulk step's rows, run in the insert's transaction once they are written;
 * a row whose owner does not exist gets null (the insert's reference check refuses it first).
 */
export function renderOwnerUnits(d: Dialect, entity: EntityModel, ids: readonly string[], u: Pick<OwnerUnit, 'column' | 'owner' | 'via'>): Statement {
  const p = new Params(d);
  const pk = pkOf(entity);
  const ownerPk = pkOf(u.owner);
  const unit = `(SELECT ${col(d, businessUnitColumn(u.owner)!)} FROM ${table(d, u.owner)} WHERE ${table(d, u.owner)}.${col(d, ownerPk)} = ${table(d, entity)}.${col(d, u.via)})`;
  return { sql: `UPDATE ${table(d, entity)} SET ${col(d, u.column)} = ${unit} WHERE ${col(d, pk)} IN (${ids.map((id) => p.value(pk, id)).join(', ')})`, params: p.values };
}

/** DELETE of one row by key with the plan's guards. */
export function renderDelete(d: Dialect, plan: DeletePlan): Statement {
  const p = new Params(d);
  const where = keyAndGuards(d, plan.entity, plan.id, plan.guards, p);
  return { sql: withCommonTables(d, p, `DELETE FROM ${table(d, plan.entity)}${where}`), params: p.values };
}

/** DELETE of the intersect rows a DisassociatePlan names (one link, or every link of a row). */
export function renderDisassociate(d: Dialect, plan: DisassociatePlan): Statement {
  const p = new Params(d);
  return { sql: `DELETE FROM ${table(d, plan.entity)}${whereClause(plan.match.map((m) => `${col(d, m.attribute)} = ${p.value(m.attribute, m.id)}`))}`, params: p.values };
}

/** Most ids one statement of a set-based delete names (`IN (…)`), kept well under every dialect's parameter limit. */
function idsPerStatement(d: Dialect): number {
  return Math.min(1000, d.maxParameters - 20);
}

/** `ids` in slices of idsPerStatement (one statement's `IN (…)` list each). */
export function idSlices(d: Dialect, ids: readonly string[]): string[][] {
  const per = idsPerStatement(d);
  const out: string[][] = [];
  for (let start = 0; start < ids.length; start += per) out.push(ids.slice(start, start + per));
  return out;
}

/**
 * The condition that the lookup of `relationship` names one of `ids` of its referenced table (for
 * a polymorphic lookup, also that its type column names that table).
 */
function referencingAny(d: Dialect, relationship: RelationshipModel, ids: readonly string[], p: Params): string {
  const lookup = relationship.ReferencingAttribute;
  const conditions = [`${col(d, lookup)} IN (${ids.map((id) => p.value(lookup, id)).join(', ')})`];
  const type = lookup.TypeAttribute;
  if (type) conditions.push(`${col(d, type)} = ${p.value(type, relationship.ReferencedEntity.LogicalName)}`);
  return conditions.join(' AND ');
}

/**
 * UPDATEs of every row whose lookup of `relationship` names one of `ids` (a RemoveLink on their
 * delete; the rows a user owns when it moves to another unit, store/owned-rows.ts): `set` (the
 * cleared lookup and the stamps; the new owner or unit) and row version `version`; one statement
 * per slice of ids.
 */
export function renderRemoveLink(d: Dialect, relationship: RelationshipModel, ids: readonly string[], set: ReadonlyMap<AttributeModel, Value>, version: number): Statement[] {
  const e = relationship.ReferencingEntity;
  const versionAttribute = e.attributesByName.get('versionnumber')!;
  return idSlices(d, ids).map((slice) => {
    const p = new Params(d);
    const sets = [...set].map(([a, v]) => `${col(d, a)} = ${p.value(a, v)}`);
    sets.push(`${col(d, versionAttribute)} = ${p.value(versionAttribute, version)}`);
    return { sql: `UPDATE ${table(d, e)} SET ${sets.join(', ')} WHERE ${referencingAny(d, relationship, slice, p)}`, params: p.values };
  });
}

/** SELECTs of one primary key of a row whose lookup of `relationship` names one of `ids` (a Restrict's check), one per slice of ids. */
export function renderAnyReferencing(d: Dialect, relationship: RelationshipModel, ids: readonly string[]): Statement[] {
  const e = relationship.ReferencingEntity;
  return idSlices(d, ids).map((slice) => {
    const p = new Params(d);
    const where = referencingAny(d, relationship, slice, p);
    return { sql: d.selectLimited(`${col(d, pkOf(e))} FROM ${table(d, e)} WHERE ${where}`, '', p.add(1)), params: p.values };
  });
}

/** DELETEs of the rows whose lookup of `relationship` names one of `ids` (a Cascade), answering their primary keys; one per slice of ids. */
export function renderDeleteReferencing(d: Dialect, relationship: RelationshipModel, ids: readonly string[]): Statement[] {
  const e = relationship.ReferencingEntity;
  return idSlices(d, ids).map((slice) => {
    const p = new Params(d);
    return { sql: d.deleteReturning(table(d, e), referencingAny(d, relationship, slice, p), col(d, pkOf(e))), params: p.values };
  });
}

/** DELETEs of the rows of `e` whose `attribute` is one of `ids` (the many-to-many links of deleted rows), one per slice of ids. */
export function renderDeleteWhereIn(d: Dialect, e: EntityModel, attribute: AttributeModel, ids: readonly string[]): Statement[] {
  return idSlices(d, ids).map((slice) => {
    const p = new Params(d);
    return { sql: `DELETE FROM ${table(d, e)} WHERE ${col(d, attribute)} IN (${slice.map((id) => p.value(attribute, id)).join(', ')})`, params: p.values };
  });
}

/**
 * UPDATE that gives every row of `e` whose `attribute` is null the value `value`: a column a
 * migration added to a table with rows (a row's business unit, service.ts), every row retained or
 * not. The row versions are left alone, as for a column added by the metadata (SQL Server's
 * rowversion moves anyway).
 */
export function renderFillMissing(d: Dialect, e: EntityModel, attribute: AttributeModel, value: Value): Statement {
  const p = new Params(d);
  const column = col(d, attribute);
  return { sql: `UPDATE ${table(d, e)} SET ${column} = ${p.value(attribute, value)} WHERE ${column} IS NULL`, params: p.values };
}

/**
 * Reads the given columns of one row by key (after a guarded write changed nothing, or to check a
 * row exists). With `reference`, the row is one a lookup or link is about to point at: a row reads
 * cannot see (retained) counts as missing, and the row is locked as a foreign key check locks it
 * (Dialect.keyShareLock), so that no delete removes it before the write commits.
 */
export function renderSelectById(d: Dialect, e: EntityModel, id: string, columns: readonly AttributeModel[], reference = false): Statement {
  const p = new Params(d);
  const list = columns.length ? columns.map((a) => col(d, a)).join(', ') : col(d, pkOf(e));
  const from = `${table(d, e)}${reference ? d.keyShareLock.hint : ''}`;
  return { sql: `SELECT ${list} FROM ${from}${keyAndGuards(d, e, id, [], p)}${reference ? `${andVisible(d, e)}${d.keyShareLock.suffix}` : ''}`, params: p.values };
}

/**
 * The statement that makes the transaction take its turn at writes to `e` that must read the table
 * first (Dialect.tableLock), or undefined where writes take turns already.
 */
export function renderTableLock(d: Dialect, e: EntityModel): Statement | undefined {
  return d.tableLock?.(table(d, e));
}

/**
 * SELECTs that return the ids among `ids` whose rows exist (a row per id) and lock those rows until
 * the transaction ends, in id order (Dialect.rowLock; no lock where writes take turns already,
 * SQLite), split to the dialect's parameter limit and taken in id order across the statements
 * too. Rows locked so before a write of many rows changes any make concurrent writes over the
 * same rows wait for each other rather than deadlock, whatever order each then writes them in.
 */
export function renderLockRows(d: Dialect, e: EntityModel, ids: readonly string[]): Statement[] {
  const pk = pkOf(e);
  const sorted = [...new Set(ids)].sort();
  const out: Statement[] = [];
  const per = Math.min(1000, d.maxParameters);
  for (let start = 0; start < sorted.length; start += per) {
    const p = new Params(d);
    const list = sorted.slice(start, start + per).map((id) => p.value(pk, id)).join(', ');
    out.push({ sql: `SELECT ${col(d, pk)} FROM ${table(d, e)}${d.rowLock?.tableHint ?? ''} WHERE ${col(d, pk)} IN (${list}) ORDER BY ${col(d, pk)}${d.rowLock?.suffix ?? ''}`, params: p.values });
  }
  return out;
}

/**
 * SELECTs that return the ids among `ids` that already exist (a row per id, any order), split to
 * the dialect's parameter limit.
 */
export function renderExistingIds(d: Dialect, e: EntityModel, ids: readonly string[]): Statement[] {
  const pk = pkOf(e);
  const out: Statement[] = [];
  const per = Math.min(1000, d.maxParameters - 1);
  for (let start = 0; start < ids.length; start += per) {
    const p = new Params(d);
    const list = ids.slice(start, start + per).map((id) => p.value(pk, id)).join(', ');
    out.push({ sql: d.selectLimited(`${col(d, pk)} FROM ${table(d, e)} WHERE ${col(d, pk)} IN (${list})`, '', p.add(1)), params: p.values });
  }
  return out;
}

/**
 * Reads the primary key of the row with the given alternate key values, compared as the key's
 * unique index compares them: with the column's own equality (NOCASE on SQLite, which folds A–Z
 * alone; citext on PostgreSQL; the `_CI_AS` collation on SQL Server). So it finds at most one row,
 * and the very row that an insert of the same values would collide with: on SQLite `Émile` and
 * `émile` may both be keys, and each reaches its own row. See renderSelectByFoldedKey for a key
 * that matches no row so.
 */
export function renderSelectByKey(d: Dialect, e: EntityModel, key: EntityKeyModel, values: readonly Value[]): Statement {
  const p = new Params(d);
  const where = key.KeyAttributes.map((a, i) => `${col(d, a)} = ${p.value(a, values[i]!)}`).join(' AND ');
  return { sql: `SELECT ${col(d, pkOf(e))} FROM ${table(d, e)} WHERE ${where}`, params: p.values };
}

/**
 * Where the column's own equality folds A–Z only (SQLite) and a key value holds other letters:
 * at most two of the rows whose key matches as `$filter`'s `eq` compares (foldedText, lower-cased
 * both sides, without the index), in primary key order, so that `contacts(firstname='émile')`
 * still finds the only row keyed `Émile`, as on a database whose index folds every letter
 * (Dataverse's SQL Server collation), and a second row tells that the value names no single row.
 * Undefined where no fold applies: there renderSelectByKey's answer is the whole answer.
 */
export function renderSelectByFoldedKey(d: Dialect, e: EntityModel, key: EntityKeyModel, values: readonly Value[]): Statement | undefined {
  const folds = key.KeyAttributes.map((a, i) => foldedText(d, a, [values[i]!]));
  if (folds.every((f) => f === undefined)) return undefined;
  const p = new Params(d);
  const where = key.KeyAttributes.map((a, i) => {
    const fold = folds[i];
    return fold ? `${fold}(${col(d, a)}) = ${p.add((values[i] as string).toLowerCase())}` : `${col(d, a)} = ${p.value(a, values[i]!)}`;
  }).join(' AND ');
  const limit = p.add(2);
  return { sql: d.selectLimited(`${col(d, pkOf(e))} FROM ${table(d, e)} WHERE ${where}`, col(d, pkOf(e)), limit), params: p.values };
}
