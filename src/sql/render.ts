import type { AttributeModel, EntityKeyModel, EntityModel, NavigationPropertyModel } from '../model/types.js';
import type { CountPlan, DeletePlan, DisassociatePlan, ExpandPlan, Guard, InsertPlan, PlanExpr, ReadPlan, SortKey, UpdatePlan, Value } from '../plan/types.js';
import type { Dialect, Statement } from './dialect.js';

/**
 * Renders plans to parameterised SQL for any dialect. Identifiers come only from the model;
 * every value is a bound parameter (DESIGN.md §3).
 */

/** Collects parameters while a statement is rendered. */
class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  /** Adds a raw driver value and returns its placeholder. */
  add(v: unknown): string {
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

function table(d: Dialect, e: EntityModel): string {
  return d.quote(e.LogicalName);
}

function pkOf(e: EntityModel): AttributeModel {
  return e.attributesByName.get(e.PrimaryIdAttribute)!;
}

/**
 * `target.pk = source.lookup`: the row of `entity` (alias `target`) a lookup of the row `source`
 * points at; for a polymorphic lookup also `source.<type column> = '<entity>'`, so each of its
 * navigation properties reaches rows of its own table only.
 */
function renderLookupJoin(d: Dialect, lookup: AttributeModel, entity: EntityModel, source: string, target: string, p: Params): string {
  const join = `${target}.${col(d, pkOf(entity))} = ${source}.${col(d, lookup)}`;
  return lookup.TypeAttribute ? `${join} AND ${source}.${col(d, lookup.TypeAttribute)} = ${p.value(lookup.TypeAttribute, entity.LogicalName)}` : join;
}

/**
 * The condition linking a row of `nav`'s source table (SQL name or alias `source`) to a row of its
 * target table (alias `target`): for a single-valued property the lookup join; for the
 * collection of a one-to-many relationship `target.lookup = source.pk` (and, polymorphic,
 * `target.<type column> = '<source table>'`); for a many-to-many one, EXISTS a row of the intersect
 * table (alias `i<depth>`) holding both ids.
 */
function renderLink(d: Dialect, nav: NavigationPropertyModel, source: string, target: string, depth: number, p: Params): string {
  if (nav.intersect) {
    const i = d.quote(`i${depth}`);
    const { entity, own, other } = nav.intersect;
    return `EXISTS (SELECT 1 FROM ${table(d, entity)} ${i} WHERE ${i}.${col(d, own)} = ${source}.${col(d, pkOf(nav.source))} AND ${i}.${col(d, other)} = ${target}.${col(d, pkOf(nav.target))})`;
  }
  const lookup = nav.relationship.ReferencingAttribute;
  if (nav.kind === 'single') return renderLookupJoin(d, lookup, nav.target, source, target, p);
  const join = `${target}.${col(d, lookup)} = ${source}.${col(d, pkOf(nav.source))}`;
  return lookup.TypeAttribute ? `${join} AND ${target}.${col(d, lookup.TypeAttribute)} = ${p.value(lookup.TypeAttribute, nav.source.LogicalName)}` : join;
}

/**
 * Renders a filter expression (fully parenthesised where it combines). `scope` is the SQL name of
 * the table (or alias) the expression's columns belong to; conditions on related rows become
 * correlated EXISTS subqueries with aliases `f1`, `f2`, … (unqualified columns inside resolve to
 * the innermost table, which is always the one they belong to).
 */
export function renderExpr(d: Dialect, e: PlanExpr, p: Params, scope: string, depth = 1): string {
  switch (e.kind) {
    case 'compare': return `${col(d, e.attribute)} ${SQL_OP[e.op]} ${p.value(e.attribute, e.value)}`;
    case 'compareColumns': return `${col(d, e.left)} ${SQL_OP[e.op]} ${col(d, e.right)}`;
    case 'isNull': return `${col(d, e.attribute)} IS ${e.negate ? 'NOT ' : ''}NULL`;
    case 'in': return `${col(d, e.attribute)} IN (${e.values.map((v) => p.value(e.attribute, v)).join(', ')})`;
    case 'like': return d.like(col(d, e.attribute), p.add(e.pattern));
    case 'and': case 'or': return `(${renderExpr(d, e.left, p, scope, depth)} ${e.kind.toUpperCase()} ${renderExpr(d, e.right, p, scope, depth)})`;
    case 'not': return `NOT (${renderExpr(d, e.operand, p, scope, depth)})`;
    case 'const': return e.value ? '1 = 1' : '1 = 0';
    case 'exists': {
      const alias = d.quote(`f${depth}`);
      const link = renderLink(d, e.navigation, scope, alias, depth, p);
      const where = e.where ? ` AND ${renderExpr(d, e.where, p, alias, depth + 1)}` : '';
      return `EXISTS (SELECT 1 FROM ${table(d, e.navigation.target)} ${alias} WHERE ${link}${where})`;
    }
  }
}

/**
 * The keyset condition "sorts after `values`" for `keys` with Dataverse's null order (nulls first
 * ascending, last descending): an OR over each key position i of
 * (keys before i equal their values) AND (key i after its value).
 */
function renderAfter(d: Dialect, keys: readonly SortKey[], values: readonly Value[], p: Params): string {
  const disjuncts: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const { attribute, descending } = keys[i]!;
    const v = values[i]!;
    if (v === null && descending) continue; // nothing sorts after a null when nulls come last
    // Parameters are added in text order: positional placeholders depend on it.
    const parts = keys.slice(0, i).map((k, j) => (values[j] === null ? `${col(d, k.attribute)} IS NULL` : `${col(d, k.attribute)} = ${p.value(k.attribute, values[j]!)}`));
    const c = col(d, attribute);
    if (v === null) parts.push(`${c} IS NOT NULL`);
    else parts.push(descending ? `(${c} < ${p.value(attribute, v)} OR ${c} IS NULL)` : `${c} > ${p.value(attribute, v)}`);
    disjuncts.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return disjuncts.length ? `(${disjuncts.join(' OR ')})` : '1 = 0';
}

/**
 * The columns a read fetches: output columns, versionnumber (ETag), the sort keys (skiptoken) and
 * the type columns of polymorphic output lookups (their lookuplogicalname).
 */
export function fetchedColumns(plan: ReadPlan): AttributeModel[] {
  const out = [...plan.columns];
  const add = (a: AttributeModel | undefined) => { if (a && !out.includes(a)) out.push(a); };
  add(plan.entity.attributesByName.get('versionnumber'));
  for (const k of plan.orderBy) add(k.attribute);
  for (const a of plan.columns) add(a.TypeAttribute);
  return out;
}

function whereClause(conditions: string[]): string {
  return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * SELECT for a ReadPlan. Collections read `limit + 1` rows when paged, so one extra row tells
 * whether a next page exists; a retrieve by id is a plain primary-key lookup.
 */
export function renderRead(d: Dialect, plan: ReadPlan): Statement {
  const p = new Params(d);
  const outer = table(d, plan.entity);
  // Lookup names: a correlated scalar subquery per lookup (and target), after the fetched columns.
  // Aliased (`_name<n>` cannot be a column's logical name): PostgreSQL would otherwise name the
  // output after the target's column, and `ORDER BY "fullname"` would be ambiguous.
  const names = plan.lookupNames.map(({ attribute, target }, i) => {
    const name = target.attributesByName.get(target.PrimaryNameAttribute!)!;
    return `(SELECT ${d.quote('r')}.${col(d, name)} FROM ${table(d, target)} ${d.quote('r')} WHERE ${renderLookupJoin(d, attribute, target, outer, d.quote('r'), p)}) AS ${d.quote(`_name${i + 1}`)}`;
  });
  const expansions = plan.expand.map((e) => renderExpansion(d, e, outer, 1, p));
  const columns = [...fetchedColumns(plan).map((a) => col(d, a)), ...names, ...expansions].join(', ');
  const conditions: string[] = [];
  if (plan.id !== undefined) conditions.push(`${col(d, pkOf(plan.entity))} = ${p.value(pkOf(plan.entity), plan.id)}`);
  if (plan.filter) conditions.push(renderExpr(d, plan.filter, p, outer));
  if (plan.after) conditions.push(renderAfter(d, plan.orderBy, plan.after, p));
  const body = `${columns} FROM ${table(d, plan.entity)}${whereClause(conditions)}`;
  // A key is unique: no ORDER BY or LIMIT (with SQLite, a bound LIMIT costs more than the lookup).
  if (plan.id !== undefined) return { sql: `SELECT ${body}`, params: p.values };
  const order = plan.orderBy.map((k) => d.orderItem(col(d, k.attribute), k.descending)).join(', ');
  const limit = p.add(plan.paged ? plan.limit + 1 : plan.limit);
  return { sql: d.selectLimited(body, order, limit), params: p.values };
}

/** The columns an expansion returns (output columns and versionnumber), in order. */
export function expansionColumns(e: ExpandPlan): AttributeModel[] {
  const version = e.navigation.target.attributesByName.get('versionnumber');
  return version && !e.columns.includes(version) ? [...e.columns, version] : [...e.columns];
}

/**
 * One `$expand` item as a correlated JSON subquery: keys are the related table's property names
 * (lookups as `_x_value`) and nested navigation property names. `parent` is the SQL name of the
 * parent row's table or alias; parameters are added in text order (positional dialects).
 */
function renderExpansion(d: Dialect, e: ExpandPlan, parent: string, depth: number, p: Params): string {
  const target = e.navigation.target;
  const alias = d.quote(`e${depth}`);
  const pairs = expansionColumns(e).map((a) => ({ key: a.PropertyName, expr: `${alias}.${col(d, a)}`, json: false }));
  for (const child of e.expand) pairs.push({ key: child.navigation.Name, expr: renderExpansion(d, child, alias, depth + 1, p), json: true });
  const link = renderLink(d, e.navigation, parent, alias, depth, p);
  const filter = e.filter ? ` AND ${renderExpr(d, e.filter, p, alias, depth + 1)}` : '';
  const from = `${table(d, target)} ${alias} WHERE ${link}${filter}`;
  if (e.navigation.kind === 'single') return d.jsonSubquery({ pairs, from, single: true, orderBy: '' });
  const orderBy = e.orderBy.map((k) => d.orderItem(col(d, k.attribute), k.descending)).join(', ');
  return d.jsonSubquery({ pairs, from, single: false, orderBy, limit: p.add(e.limit) });
}

/** Counts matching rows, reading at most `cap + 1` of them (Dataverse caps counts at 5,000). */
export function renderCount(d: Dialect, plan: Pick<CountPlan, 'entity' | 'filter'>, cap: number): Statement {
  const p = new Params(d);
  const where = plan.filter ? ` WHERE ${renderExpr(d, plan.filter, p, table(d, plan.entity))}` : '';
  const inner = d.selectLimited(`1 AS ${d.quote('x')} FROM ${table(d, plan.entity)}${where}`, '', p.add(cap + 1));
  return { sql: `SELECT COUNT(*) AS ${d.quote('n')} FROM (${inner}) ${d.quote('c')}`, params: p.values };
}

/** INSERT of one row; `version` is the row's new versionnumber. */
export function renderInsert(d: Dialect, plan: InsertPlan, version: number): Statement {
  return renderInsertMany(d, [plan], [version])[0]!;
}

/**
 * INSERTs for rows of one table (the bulk path): the column list is the union of the rows'
 * columns (missing values are NULL) plus versionnumber. Multi-row VALUES split into as few
 * statements as the dialect's parameter limit allows (at most 1,000 rows each), in order; or, where
 * the dialect has `arrayCast` (PostgreSQL), one `INSERT … SELECT * FROM unnest(…)` with an array
 * parameter per column. `versions[i]` belongs to `plans[i]`.
 */
export function renderInsertMany(d: Dialect, plans: readonly InsertPlan[], versions: readonly number[]): Statement[] {
  if (!plans.length) return [];
  const entity = plans[0]!.entity;
  const versionAttribute = entity.attributesByName.get('versionnumber')!;
  const columns: AttributeModel[] = [];
  for (const plan of plans) for (const a of plan.values.keys()) if (!columns.includes(a)) columns.push(a);
  columns.push(versionAttribute);
  const value = (i: number, a: AttributeModel) => (a === versionAttribute ? versions[i]! : plans[i]!.values.get(a) ?? null);
  const into = `INSERT INTO ${table(d, entity)} (${columns.map((a) => col(d, a)).join(', ')})`;
  if (d.arrayCast && plans.length > 1) {
    const p = new Params(d);
    const arrays = columns.map((a) => `${p.add(plans.map((_, i) => d.toDb(a, value(i, a))))}::${d.arrayCast!(d.columnType(a))}`);
    return [{ sql: `${into} SELECT * FROM unnest(${arrays.join(', ')})`, params: p.values }];
  }
  const head = `${into} VALUES `;
  const perStatement = Math.max(1, Math.min(1000, Math.floor(d.maxParameters / columns.length)));
  const statements: Statement[] = [];
  for (let start = 0; start < plans.length; start += perStatement) {
    const p = new Params(d);
    const tuples: string[] = [];
    plans.slice(start, start + perStatement).forEach((plan, i) => {
      const cells = columns.map((a) => p.value(a, value(start + i, a)));
      tuples.push(`(${cells.join(', ')})`);
    });
    statements.push({ sql: head + tuples.join(', '), params: p.values });
  }
  return statements;
}

function keyAndGuards(d: Dialect, e: EntityModel, id: string, guards: readonly Guard[], p: Params): string {
  const conditions = [`${col(d, pkOf(e))} = ${p.value(pkOf(e), id)}`];
  for (const g of guards) {
    const c = col(d, g.attribute);
    if (!g.values.length) conditions.push('1 = 0');
    else if (g.values.length === 1) conditions.push(`${c} = ${p.value(g.attribute, g.values[0]!)}`);
    else conditions.push(`${c} IN (${g.values.map((v) => p.value(g.attribute, v)).join(', ')})`);
  }
  return whereClause(conditions);
}

/** UPDATE of one row by key with the plan's guards in the WHERE clause. */
export function renderUpdate(d: Dialect, plan: UpdatePlan, version: number): Statement {
  const p = new Params(d);
  const sets: string[] = [];
  for (const [a, v] of plan.set) sets.push(`${col(d, a)} = ${p.value(a, v)}`);
  const versionAttribute = plan.entity.attributesByName.get('versionnumber')!;
  sets.push(`${col(d, versionAttribute)} = ${p.value(versionAttribute, version)}`);
  return { sql: `UPDATE ${table(d, plan.entity)} SET ${sets.join(', ')}${keyAndGuards(d, plan.entity, plan.id, plan.guards, p)}`, params: p.values };
}

/** DELETE of one row by key with the plan's guards. */
export function renderDelete(d: Dialect, plan: DeletePlan): Statement {
  const p = new Params(d);
  return { sql: `DELETE FROM ${table(d, plan.entity)}${keyAndGuards(d, plan.entity, plan.id, plan.guards, p)}`, params: p.values };
}

/** DELETE of the intersect rows a DisassociatePlan names (one link, or every link of a row). */
export function renderDisassociate(d: Dialect, plan: DisassociatePlan): Statement {
  const p = new Params(d);
  return { sql: `DELETE FROM ${table(d, plan.entity)}${whereClause(plan.match.map((m) => `${col(d, m.attribute)} = ${p.value(m.attribute, m.id)}`))}`, params: p.values };
}

/** Reads the given columns of one row by key (used after a guarded write changed nothing). */
export function renderSelectById(d: Dialect, e: EntityModel, id: string, columns: readonly AttributeModel[]): Statement {
  const p = new Params(d);
  const list = columns.length ? columns.map((a) => col(d, a)).join(', ') : col(d, pkOf(e));
  return { sql: `SELECT ${list} FROM ${table(d, e)}${keyAndGuards(d, e, id, [], p)}`, params: p.values };
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

/** Reads the primary key of the row with the given alternate key values. */
export function renderSelectByKey(d: Dialect, e: EntityModel, key: EntityKeyModel, values: readonly Value[]): Statement {
  const p = new Params(d);
  const where = key.KeyAttributes.map((a, i) => `${col(d, a)} = ${p.value(a, values[i]!)}`).join(' AND ');
  return { sql: `SELECT ${col(d, pkOf(e))} FROM ${table(d, e)} WHERE ${where}`, params: p.values };
}
