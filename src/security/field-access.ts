import { Errors } from '../errors.js';
import {
  FIELDPERMISSION, FIELDSECURITYPROFILE, FieldPermissionType, readSecured, securedColumns, SYSTEM_ADMINISTRATOR_PROFILE_ID, TEAM_PROFILES, USER_PROFILES,
} from '../model/field-security.js';
import { pkOf } from '../model/primary-key.js';
import type { AttributeModel, EntityModel, Model, NavigationPropertyModel } from '../model/types.js';
import { restrict } from '../plan/navigation.js';
import { planRead } from '../plan/read.js';
import { sortColumnOf } from '../plan/sort-columns.js';
import type { ColumnPath, ExpandPlan, LinkedColumn, LinkStep, PlanExpr, ReadingPlan, RowJoin, SortKey, Value } from '../plan/types.js';
import type { Database } from '../store/database.js';
import { executeRead } from '../store/execute.js';

/**
 * What one caller may do with secured columns (Dataverse "Column-level security"): the union of
 * the field permissions of the field security profiles it holds, itself (systemuserprofiles) or
 * through a team it is a member of (teamprofiles); every secured column for a holder of the System
 * Administrator profile. A column that is not secured is not limited. Callers that are not checked
 * at all (the system user, System Administrators) have none (CallerAccess is not made for them).
 */
export class FieldAccess {
  /**
   * `all`: the caller holds the System Administrator profile; `grants`: per secured column, the
   * rights its profiles allow (absent: none).
   */
  constructor(private readonly all: boolean, private readonly grants: ReadonlyMap<AttributeModel, ColumnRights>) {}

  /** Whether the caller may do `right` with column `a` (read: every column but a secured one, Boolean excepted: readSecured). */
  may(a: AttributeModel, right: keyof ColumnRights): boolean {
    if (right === 'read' ? !readSecured(a) : !a.IsSecured) return true;
    return this.all || this.grants.get(a)?.[right] === true;
  }

  /** Whether some secured column is one the caller may not read: reads are then masked (maskRead). */
  masksAny(model: Model): boolean {
    return !this.all && model.entities.some((e) => securedColumns(e).some((a) => !this.may(a, 'read')));
  }

  /**
   * Refuses a write of `values` to a row of `entity` that sets a secured column the caller may not
   * create (a value other than the one it gets when left out, isDefault) or update (any value):
   * 403 `0x8004F502` / `0x8004F507` (Errors.securedColumn). Nothing is read: a table without
   * secured columns costs one cached lookup.
   */
  checkWrite(userId: string, entity: EntityModel, values: ReadonlyMap<AttributeModel, Value>, right: 'create' | 'update'): void {
    const secured = securedColumns(entity);
    if (!secured.length || this.all) return;
    for (const a of secured) {
      if (!values.has(a) || (right === 'create' && isDefault(a, values.get(a)!))) continue;
      if (!this.may(a, right)) throw Errors.securedColumn(userId, right, a.DisplayName, entity.DisplayName);
    }
  }
}

/**
 * Whether `value` is what a create gives column `a` when the body leaves it out: null, or a
 * Boolean's DefaultValue, a choice's DefaultFormValue (plan/write.ts sets these on every create), so
 * that a create without the column, or with the value it would get anyway, is not refused.
 */
function isDefault(a: AttributeModel, value: Value): boolean {
  if (value === null) return true;
  if (a.AttributeType === 'Boolean') return value === (a.DefaultValue ?? false);
  return a.AttributeType === 'Picklist' && a.DefaultFormValue !== undefined && value === a.DefaultFormValue;
}

/** The rights a caller's profiles give on one secured column (fieldpermission canread, cancreate, canupdate). */
export interface ColumnRights {
  readonly read: boolean;
  readonly create: boolean;
  readonly update: boolean;
}

/**
 * The field access of user `userId`, member of teams `teams`: the profiles linked to it or to one of
 * the teams (one read), then their field permissions (a second read, unless it holds the System
 * Administrator profile or none). A model without the profile tables gives no secured column to
 * anyone but the callers who are not checked. Run past the caller's privileges (`db` without
 * security). Throws the database's errors.
 */
export async function loadFieldAccess(model: Model, db: Database, userId: string, teams: readonly string[]): Promise<FieldAccess> {
  const profiles = model.byLogicalName.get(FIELDSECURITYPROFILE);
  const permissions = model.byLogicalName.get(FIELDPERMISSION);
  if (!profiles || !permissions) return new FieldAccess(false, new Map());
  const held: PlanExpr[] = [];
  const users = profiles.navigation.get(USER_PROFILES);
  if (users) held.push({ kind: 'exists', navigation: users, where: { kind: 'compare', op: 'eq', attribute: pkOf(users.target), value: userId } });
  const byTeams = profiles.navigation.get(TEAM_PROFILES);
  if (byTeams && teams.length) held.push({ kind: 'exists', navigation: byTeams, where: { kind: 'in', attribute: pkOf(byTeams.target), values: teams } });
  if (!held.length) return new FieldAccess(false, new Map());
  const condition = held.reduce((left, right) => ({ kind: 'or', left, right }));
  const ids = (await executeRead(db, restrict(planRead(profiles, { select: [profiles.PrimaryIdAttribute], top: 1_000_000 }, { returnRepresentation: false }), condition))).rows.map((r) => r[0] as string);
  if (ids.includes(SYSTEM_ADMINISTRATOR_PROFILE_ID)) return new FieldAccess(true, new Map());
  if (!ids.length) return new FieldAccess(false, new Map());
  const select = ['entityname', 'attributelogicalname', 'canread', 'cancreate', 'canupdate'];
  const read = restrict(planRead(permissions, { select, top: 1_000_000 }, { returnRepresentation: false }), { kind: 'in', attribute: permissions.attributesByName.get('fieldsecurityprofileid')!, values: ids });
  const grants = new Map<AttributeModel, ColumnRights>();
  const allowed = (v: unknown) => Number(v) === FieldPermissionType.Allowed;
  for (const [table, column, canRead, canCreate, canUpdate] of (await executeRead(db, read)).rows) {
    const a = model.byLogicalName.get(String(table))?.attributesByName.get(String(column));
    if (!a?.IsSecured) continue;
    // The most permissive profile wins (Dataverse: a user in several profiles has the union).
    const had = grants.get(a);
    grants.set(a, { read: !!had?.read || allowed(canRead), create: !!had?.create || allowed(canCreate), update: !!had?.update || allowed(canUpdate) });
  }
  return new FieldAccess(false, grants);
}

/**
 * `plan` as a caller who may read only the secured columns `readable` says sees it: every other
 * secured column is null wherever the plan uses it, as Dataverse takes it ("Use field security to
 * control access to field values", Dynamics 365 Customer Engagement developer guide: the value is
 * substituted with null when a filter is evaluated, so that IsNull matches it; aggregates over it
 * are SQL's over nulls; grouping puts it in the null group; ordering sorts it as null). So a
 * column it returns (its own, expanded rows', FetchXML link-entity columns) is masked
 * (ReadPlan.masked, ExpandPlan.masked, LinkedColumn.masked: read as NULL); a condition on it
 * becomes what it is on a null (hideExpr); a sort key, group or aggregated column on it is
 * marked masked (SortKey.masked, ColumnPath.masked) and read as a null of its type. Computed
 * sort columns (a choice's label rank, a link-entity's column) stand for the column they are
 * computed from. A step that joins on such a column (a FetchXML join on columns outside
 * relationships, model/column-links.ts, whose `from` or `to` is secured: hidesJoin) compares a
 * null, so it finds no row: an EXISTS on it is false (inner, exists, in and any links match
 * nothing, not any matches every row), a one-to-many join holds no row (inner drops the row, outer
 * reads nulls; aggregates count no joined row). Nothing is refused: the answer is the one a row
 * holding null would give.
 */
export function maskRead<P extends ReadingPlan>(plan: P, readable: (a: AttributeModel) => boolean): P {
  const unreadable = (a: AttributeModel) => !readable(underlyingColumn(a));
  const expr = (e: PlanExpr | undefined) => (e ? hideExpr(e, unreadable) : e);
  const steps = (path: readonly LinkStep[]) => path.map((s) => (s.where ? { ...s, where: expr(s.where) } : s));
  const sortKey = <K extends SortKey>(k: K): K => (unreadable(k.attribute) ? { ...k, masked: true } : k);
  const columnPath = (c: ColumnPath): ColumnPath => ({
    ...c,
    ...(c.conditions ? { conditions: c.conditions.map(expr) } : {}),
    ...(c.otherwise ? { otherwise: columnPath(c.otherwise) } : {}),
    ...(unreadable(c.attribute) ? { masked: true } : {}),
  });
  const masked = (list: readonly AttributeModel[]) => {
    const hidden = list.filter(unreadable);
    return hidden.length ? { masked: new Set(hidden) } : {};
  };
  const expansion = (e: ExpandPlan): ExpandPlan => ({
    ...e, filter: expr(e.filter), orderBy: e.orderBy.map(sortKey), ...masked(e.columns), expand: e.expand.map(expansion),
  });
  const p = plan as P & {
    filter?: PlanExpr; columns?: readonly AttributeModel[]; orderBy?: readonly SortKey[]; expand?: readonly ExpandPlan[];
    linked?: readonly LinkedColumn[]; joins?: readonly RowJoin[]; groupBy?: readonly { column: ColumnPath; lookupName?: ColumnPath }[]; aggregates?: readonly { column?: ColumnPath }[];
  };
  const out: Record<string, unknown> = { ...p };
  if (p.filter) out.filter = expr(p.filter);
  // A masked sort key of the read's own is also read as NULL in its select list (sql/render.ts).
  if (p.columns) Object.assign(out, masked([...p.columns, ...(p.orderBy ?? []).map((k) => k.attribute).filter((a) => a && !p.columns!.includes(a))]));
  if (p.orderBy) out.orderBy = p.orderBy.map((k) => (k.attribute ? sortKey(k) : k));
  if (p.joins) out.joins = p.joins.map((j) => ({ ...j, where: hidesJoin(j.navigation, unreadable) ? NO_ROW : expr(j.where), path: steps(j.path) }));
  if (p.groupBy) out.groupBy = p.groupBy.map((g) => ({ ...g, column: columnPath(g.column), ...(g.lookupName ? { lookupName: columnPath(g.lookupName) } : {}) }));
  if (p.aggregates) out.aggregates = p.aggregates.map((a) => (a.column ? { ...a, column: columnPath(a.column) } : a));
  if (p.expand?.length) out.expand = p.expand.map(expansion);
  if (p.linked?.length) out.linked = p.linked.map((l) => ({ ...l, path: steps(l.path), ...(unreadable(l.attribute) ? { masked: true } : {}) }));
  return out as P;
}

/** The condition of a step that finds no row (a join comparing a hidden column: hidesJoin). */
const NO_ROW: PlanExpr = Object.freeze({ kind: 'const', value: false });

/**
 * Whether step `nav` joins on a column `hidden` says is hidden (read as null): its lookup
 * (RelationshipModel.ReferencingAttribute) or the column that lookup's values name
 * (ReferencedAttribute). Only the steps of FetchXML joins on columns outside relationships
 * (model/column-links.ts) can, and only one-to-many ones (EXISTS, ReadPlan.joins): lookups and
 * primary keys cannot be secured (model/field-security.ts securableProblem), and a many-to-one
 * step (a link path's, a grouped column's) joins the target's key to a GUID column. A null equals
 * nothing, so such a step finds no row.
 */
export function hidesJoin(nav: NavigationPropertyModel, hidden: (a: AttributeModel) => boolean): boolean {
  return joinColumns(nav).some(hidden);
}

/** The columns step `nav` compares: its lookup and, when it names another column than the key, that column (none for an intersect step, whose columns are ids). */
function joinColumns(nav: NavigationPropertyModel): AttributeModel[] {
  if (nav.intersect) return [];
  const r = nav.relationship;
  return r.ReferencedAttribute ? [r.ReferencingAttribute, r.ReferencedAttribute] : [r.ReferencingAttribute];
}

/**
 * `e` evaluated with every column `hidden` says as null (SQL's three-valued logic, which the
 * rendered conditions follow): a comparison, In, Like of it is unknown (`const` null), IsNull
 * true (Is Not Null false), an inSelect false (it renders as `col IS NOT NULL AND …`), an EXISTS
 * through a step joining on it false (hidesJoin: no row equals a null); the conditions on related
 * rows too. `e` itself when it reads no hidden column.
 */
export function hideExpr(e: PlanExpr, hidden: (a: AttributeModel) => boolean): PlanExpr {
  let any = false;
  exprColumns(e, (a) => { any ||= hidden(a); });
  if (!any) return e;
  const unknown: PlanExpr = { kind: 'const', value: null };
  const walk = (x: PlanExpr): PlanExpr => {
    switch (x.kind) {
      case 'compare': case 'in': case 'like': case 'fiscalPeriod': return hidden(x.attribute) ? unknown : x;
      case 'compareColumns': return hidden(x.left) || hidden(x.right) ? unknown : x;
      case 'isNull': return hidden(x.attribute) ? { kind: 'const', value: !x.negate } : x;
      case 'inSelect': return hidden(x.attribute) ? { kind: 'const', value: false } : { ...x, where: walk(x.where) };
      case 'exists': if (hidesJoin(x.navigation, hidden)) return NO_ROW; return x.where ? { ...x, where: walk(x.where) } : x;
      case 'joinedRow': return x.where ? { ...x, where: walk(x.where) } : x;
      case 'and': case 'or': return { ...x, left: walk(x.left), right: walk(x.right) };
      case 'not': return { ...x, operand: walk(x.operand) };
      default: return x;
    }
  };
  return walk(e);
}

/**
 * The column whose value computed sort column `a` (plan/sort-columns.ts) is read from: a choice's
 * for its label rank, the linked row's for a link-entity order, the lookup for its related row's
 * name; `a` itself for a table's own column.
 */
function underlyingColumn(a: AttributeModel): AttributeModel {
  const sort = sortColumnOf(a);
  switch (sort?.kind) {
    case 'labelRank': return sort.choice;
    case 'linked': return sort.column;
    case 'lookupName': return sort.lookup;
    default: return a;
  }
}

/** Calls `visit` with every column expression `e` tests, in related rows' conditions and the columns their steps join on too. */
function exprColumns(e: PlanExpr, visit: (a: AttributeModel) => void): void {
  const stack: PlanExpr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    switch (x.kind) {
      case 'compare': case 'isNull': case 'in': case 'like': case 'fiscalPeriod': visit(x.attribute); break;
      case 'compareColumns': visit(x.left); visit(x.right); break;
      case 'inSelect': visit(x.attribute); stack.push(x.where); break;
      case 'exists':
        joinColumns(x.navigation).forEach(visit);
        if (x.where) stack.push(x.where);
        break;
      case 'joinedRow': if (x.where) stack.push(x.where); break;
      case 'and': case 'or': stack.push(x.left, x.right); break;
      case 'not': stack.push(x.operand); break;
      default: break;
    }
  }
}
