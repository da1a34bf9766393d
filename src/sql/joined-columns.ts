import { Errors } from '../errors.js';
import { pkOf, sourceKey } from '../model/primary-key.js';
import { shortIdentifier } from '../model/schema.js';
import type { AttributeModel, NavigationPropertyModel } from '../model/types.js';
import { sortColumnOf } from '../plan/sort-columns.js';
import type { ColumnPath, JoinOrigin, LinkedColumn, PlanExpr, RowJoin, SortKey } from '../plan/types.js';

/**
 * The columns a statement reads from the rows of its one-to-many joins (ReadPlan.joins,
 * AggregatePlan.joins), by join index: each join's derived table selects them beside its key, so
 * that a joined row's column is a column of the join, not a scalar subquery by primary key per row
 * and column. A read of a joined row's own column takes that column; one that follows lookups from
 * the joined row takes the first lookup (the steps after it read other tables). The key itself is
 * the join's `_k` and needs nothing.
 */
export type JoinedColumns = ReadonlyMap<number, readonly AttributeModel[]>;

/**
 * What reads joined rows: linked columns, sort keys, the joins' own parent paths, aggregate
 * inputs, and a filter's conditions on joined rows (PlanExpr `joinedRow`).
 */
export interface JoinedReads {
  readonly linked?: readonly LinkedColumn[];
  readonly orderBy?: readonly SortKey[];
  readonly joins?: readonly RowJoin[];
  readonly paths?: readonly (ColumnPath | undefined)[];
  readonly filter?: PlanExpr;
}

/**
 * The column of a joined row that reading `attribute` through the lookups `path` from the row of
 * `join` starts with (see JoinedColumns); undefined for the join's key.
 */
export function joinedColumnOf(join: JoinOrigin, path: readonly NavigationPropertyModel[], attribute: AttributeModel): AttributeModel | undefined {
  if (path.length) return stepLookup(path[0]!);
  return attribute === pkOf(join.table) ? undefined : attribute;
}

/**
 * The name a join's derived table selects a joined row's column under: `_c_<logical name>`, which no
 * column of the read's own table has (logical names start with a letter), so that the outer query's
 * unqualified columns stay the read's own; `_k` and `_f` (key and lookup) cannot be such a name.
 * Past 63 characters it is shortened with a hash (shortIdentifier): PostgreSQL would cut two long
 * names sharing their first 60 characters to one, an ambiguous column.
 */
export function joinedColumnAlias(a: AttributeModel): string {
  return shortIdentifier(`_c_${a.LogicalName}`);
}

/** The JoinedColumns of the reads `r`, each column once per join, in the order first read. */
export function joinedColumns(r: JoinedReads): JoinedColumns {
  const out = new Map<number, AttributeModel[]>();
  const add = (join: JoinOrigin | undefined, path: readonly NavigationPropertyModel[], attribute: AttributeModel) => {
    const c = join && joinedColumnOf(join, path, attribute);
    if (!c) return;
    const list = out.get(join.index) ?? [];
    if (!list.includes(c)) list.push(c);
    out.set(join.index, list);
  };
  const navs = (steps: readonly { navigation: NavigationPropertyModel }[]) => steps.map((s) => s.navigation);
  for (const l of r.linked ?? []) add(l.join, navs(l.path), l.attribute);
  for (const k of r.orderBy ?? []) {
    const sort = sortColumnOf(k.attribute);
    if (sort?.kind === 'linked') add(sort.join, navs(sort.path), sort.column);
  }
  for (const j of r.joins ?? []) add(j.parent, navs(j.path), sourceKey(j.navigation));
  for (let c of r.paths ?? []) for (; c; c = c.otherwise) add(c.join, c.navs, c.attribute);
  if (r.filter) for (const [join, a] of joinedRowReads(r.filter)) add(join, [], a);
  return out;
}

/**
 * The columns of joined rows that the `joinedRow` conditions in `filter` read from their row
 * (sql/render.ts reads them from the join's derived table): the tested columns, and for a condition
 * on a row a lookup points at, the lookup (and its type column). Columns inside the subqueries of
 * related rows are those rows' own. Walks iteratively: FetchXML chains of conditions are long.
 */
function joinedRowReads(filter: PlanExpr): Array<[JoinOrigin, AttributeModel]> {
  const out: Array<[JoinOrigin, AttributeModel]> = [];
  const stack: Array<[PlanExpr, JoinOrigin | undefined]> = [[filter, undefined]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [e, join] = top;
    const read = (...columns: Array<AttributeModel | undefined>) => { if (join) for (const a of columns) if (a) out.push([join, a]); };
    switch (e.kind) {
      case 'compare': case 'isNull': case 'in': case 'like': case 'inSelect': case 'fiscalPeriod': read(e.attribute); break;
      case 'compareColumns': read(e.left, e.right); break;
      case 'exists': {
        const nav = e.navigation;
        if (nav.intersect || nav.kind !== 'single') read(sourceKey(nav));
        else read(nav.relationship.ReferencingAttribute, nav.relationship.ReferencingAttribute.TypeAttribute);
        if (e.where) stack.push([e.where, undefined]);
        break;
      }
      case 'joinedRow': if (e.where) stack.push([e.where, e.join]); break;
      case 'and': case 'or': stack.push([e.right, join], [e.left, join]); break;
      case 'not': stack.push([e.operand, join]); break;
      case 'const': break;
      case 'shared': if (join) read(pkOf(e.entity)); break;
      case 'hierarchy': read(e.attribute ?? pkOf(e.relationship.ReferencingEntity)); break;
    }
  }
  return out;
}

/**
 * The lookup column a step of a linked column or column path follows: single-valued navigation
 * properties of one-target lookups, and an owner's property to one of its tables (`ownerid`'s
 * branch, OneToManyNavigationModel.principals; rendered with its type condition, stepValue), only
 * (FetchXML link-entity columns and `$apply`/aggregate paths). The plan stage refuses the others
 * (501); this repeats the check so a plan built elsewhere cannot join on the wrong table.
 */
export function stepLookup(nav: NavigationPropertyModel): AttributeModel {
  if (nav.intersect || (nav.relationship.ReferencingAttribute.TypeAttribute && !(nav.kind === 'single' && nav.principals))) {
    throw Errors.notImplemented(`Columns read through the navigation property '${nav.Name}' (many-to-many or polymorphic)`);
  }
  return nav.relationship.ReferencingAttribute;
}
