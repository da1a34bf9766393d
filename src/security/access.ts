import { ROOT_BUSINESS_UNIT_ID, SYSTEM_ADMINISTRATOR_ID } from '../model/kept-ids.js';
import { Errors } from '../errors.js';
import { BUSINESSUNIT, businessUnitColumn, ROLE, ROLEPRIVILEGES, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import { hierarchyOf } from '../model/hierarchy.js';
import { intersectSteps } from '../model/intersect-links.js';
import type { AttributeModel, EntityModel, ManyToManyNavigationModel, Model, NavigationPropertyModel, RelationshipModel } from '../model/types.js';
import { linksRead } from '../plan/links.js';
import { restrict } from '../plan/navigation.js';
import { relinkSortKey } from '../plan/sort-columns.js';
import { planRead } from '../plan/read.js';
import { pkOf } from '../model/primary-key.js';
import type {
  AggregateGroup, AggregateValue, Caller, ColumnPath, ExpandPlan, Guard, InsertPlan, LinkedColumn, LinkStep, PlanExpr, PlanSecurity, ReadingPlan, ReadPlan, RelatedCheck, RowJoin, RowReference, SortKey, UpdatePlan, Value, WritePlan,
} from '../plan/types.js';
import { withSecurity, type Database } from '../store/database.js';
import { executeRead } from '../store/execute.js';
import { TEAM_MEMBERSHIP, TEAM_ROLES } from '../plan/teams.js';
import { FIELDSECURITYPROFILE, hasSecuredColumns, SYSTEM_ADMINISTRATOR_PROFILE_ID, TEAM_PROFILES } from '../model/field-security.js';
import { loadFieldAccess, maskRead, type FieldAccess } from './field-access.js';
import {
  AccessRight, DepthMask, privilegeName, privilegesOf, USER_ROLES,
  type AccessRightName, type PrivilegeIndex,
} from './privileges.js';

/**
 * What a caller may do, from the privileges its roles hold, its own and those of the teams it is a
 * member of (Dataverse "Security roles and privileges", "How access to a record is determined",
 * "Manage teams": a team's roles give their privileges to its members), and from the rows shared
 * with it or its teams (Dataverse "Sharing and assigning"). A privilege held at Local depth
 * reaches the rows of the caller's business unit, at Deep those of its unit and the units below,
 * at Global every row; one held through a team of another unit counts from the team's unit
 * ("Manage teams": a team belongs to one unit and may have members of others), so a member
 * reaches that unit's rows, not its own unit's; one held through a role of a unit that is neither
 * the caller's nor above it counts from the role's unit (Dataverse "modernized business units": a
 * role of a unit reaches that unit's rows), so giving oneself a team's role of another unit
 * reaches no more than the team did. One held at Basic depth reaches the rows the caller
 * owns (`ownerid`) or a team it is a member of owns, and the rows shared with either with the
 * matching access right (principalobjectaccess, sql/principal-object-access.ts). A share gives
 * nothing where the caller holds no privilege at all: "you can't give a user any rights that they
 * wouldn't have for that type of table, based on the role assigned to that user" (same page), so
 * a right shared on a table the caller has no privilege for is still 403 `0x80040220`.
 */

/**
 * How far a caller's privilege reaches, counted from its own business unit: not at all, the rows
 * it owns (Basic), the rows of its business unit (Local), of its unit and the units below (Deep),
 * or every row (Global, and Deep from the root unit, below which every unit is). Besides, the
 * roles of its teams of other units, and its roles of units off its line, reach from those units
 * (CallerAccess.awayUnits); 'units' is
 * the reach of a privilege held through those alone on a table whose rows have no owner.
 */
export type Reach = 'none' | 'own' | 'unit' | 'deep' | 'all' | 'units';

/**
 * A business unit a privilege reaches from, other than the caller's: the unit of a team of the
 * caller's that holds it, or of a role of another unit (TeamGrant), at Local (`deep` false: the unit's rows) or Deep depth (the
 * unit's and those of the units below it).
 */
export interface UnitReach {
  readonly unit: string;
  readonly deep: boolean;
}

/**
 * Where one row stands in the business unit tree, for checks made on one row outside SQL
 * (rowPlace): `units` is the row's unit followed by those above it, up to the root; undefined for
 * a table whose rows name no unit (every depth reaches them).
 */
export interface UnitPlace {
  readonly units?: readonly string[];
}

/**
 * Whether a privilege at `reach` counted from unit `from` (the caller's; unused at 'units',
 * where only `away` counts) and from the other units `away` reaches a row at `place`, owned by
 * one of the caller's principals or not (`owns`: at 'units' ownership reaches nothing, the
 * table's rows having no owner).
 */
function reaches(reach: Reach, from: string, away: readonly UnitReach[], owns: boolean, place: UnitPlace): boolean {
  if (reach === 'all' || reach === 'none') return reach === 'all';
  if (owns && reach !== 'units') return true;
  const units = place.units;
  if (!units) return true;
  const inUnit = (u: UnitReach) => (u.deep ? units.includes(u.unit) : units[0] === u.unit);
  return ((reach === 'unit' || reach === 'deep') && inUnit({ unit: from, deep: reach === 'deep' })) || away.some(inUnit);
}

/**
 * A caller's privileges, applied to plans (PlanSecurity): `grants` maps privilege ids to the
 * widest depth mask any of the caller's roles holds them at; `home` to the widest counted from the
 * caller's unit, and `away` to the units of its teams of other units that hold them (UserGrants).
 */
export class CallerAccess implements PlanSecurity {
  private readonly catalogue: PrivilegeIndex;
  private readonly grants: ReadonlyMap<string, number>;
  private readonly home: ReadonlyMap<string, number>;
  private readonly away: ReadonlyMap<string, readonly TeamGrant[]>;
  private readonly roleCount: number;
  /** The owners whose rows Basic depth reaches: the caller and the teams it is a member of. */
  private readonly principals: readonly string[];

  /** businessunit's hierarchical relationship (parentbusinessunitid), which Deep depth walks; undefined without the table. */
  private readonly units?: RelationshipModel;

  /** Whether some secured column is one the caller may not read (FieldAccess.masksAny): reads are then masked. */
  private readonly masks: boolean;

  /**
   * `held`: what the caller's roles and its teams' give (userGrants, read with the caller's unit);
   * `system`: the built-in system user's id, whose row users may not change; `fields`: what the
   * caller may do with secured columns (undefined: the model has none).
   */
  constructor(readonly model: Model, readonly caller: Caller, held: UserGrants, private readonly system: string, private readonly fields?: FieldAccess) {
    this.catalogue = privilegesOf(model);
    this.grants = held.masks;
    this.home = held.home ?? held.masks;
    this.away = held.away ?? new Map();
    this.roleCount = held.roles.size;
    const units = model.byLogicalName.get(BUSINESSUNIT);
    this.units = units && hierarchyOf(units);
    this.principals = [caller.systemuserid, ...held.teams];
    this.masks = fields?.masksAny(model) ?? false;
  }

  /**
   * How far the caller's `right` on `entity` reaches (a table without such a privilege: every row,
   * as for intersect tables). A table whose rows name no business unit (organization-owned) is
   * reached whole at any depth; Basic on a business-owned table (which no role holds it at) counts
   * as Local.
   */
  reach(entity: EntityModel, right: AccessRightName): Reach {
    const privilege = this.catalogue.byTable.get(entity)?.get(right);
    if (!privilege) return entity.IsIntersect || !this.catalogue.byTable.has(entity) ? 'all' : 'none';
    const reach = this.depthReach(entity, this.home.get(privilege.id) ?? 0, this.caller.businessunitid);
    const away = this.away.get(privilege.id);
    if (reach === 'all' || !away?.length) return reach;
    // Roles of teams of other units: each counted from its team's unit (Dataverse "Manage teams").
    const reached = away.map((g) => this.depthReach(entity, g.mask, g.unit));
    if (reached.includes('all')) return 'all';
    // Members get a team's privileges at Basic depth too (Dataverse "Security roles and privileges",
    // Member's privilege inheritance, whose default gives them directly at Basic): the rows the
    // caller and its teams own, wherever they are.
    if (reach !== 'none') return reach;
    return entity.OwnershipType === 'UserOwned' ? 'own' : 'units';
  }

  /**
   * The Reach of depth mask `mask` on `entity`, counted from unit `from`: as `reach` describes,
   * 'unit' and 'deep' then meaning `from`'s unit and those below it.
   */
  private depthReach(entity: EntityModel, mask: number, from: string): Reach {
    if (!mask) return 'none';
    if (mask >= DepthMask.Global) return 'all';
    if (mask < DepthMask.Local && entity.OwnershipType === 'UserOwned') return 'own';
    if (!this.unitColumn(entity) || !this.units) return 'all';
    // Every unit is below the root: Deep from it reaches what Global does, with no walk.
    if (mask >= DepthMask.Deep) return from === ROOT_BUSINESS_UNIT_ID ? 'all' : 'deep';
    return 'unit';
  }

  /**
   * The units other than the caller's that `right` on `entity` reaches from, through the roles of
   * the caller's teams of other units and its roles of other units (UserGrants.away) held at Local
   * or Deep depth (Basic on a business-owned table counting as Local, as `reach` counts it); one
   * held at Global is counted as the caller's own (UserGrants.home), so callers whose `reach` is
   * 'all' need not ask.
   */
  private awayUnits(entity: EntityModel, right: AccessRightName): UnitReach[] {
    const privilege = this.catalogue.byTable.get(entity)?.get(right);
    const away = privilege ? this.away.get(privilege.id) : undefined;
    if (!away?.length) return [];
    const out: UnitReach[] = [];
    for (const g of away) {
      const reach = this.depthReach(entity, g.mask, g.unit);
      if (reach === 'unit' || reach === 'deep') out.push({ unit: g.unit, deep: reach === 'deep' });
    }
    return out;
  }

  /**
   * The column naming the business unit of a row of `entity` (businessUnitColumn; the primary key
   * of the business unit table itself), undefined for a table whose rows name none.
   */
  private unitColumn(entity: EntityModel): AttributeModel | undefined {
    return businessUnitColumn(entity) ?? (entity.LogicalName === BUSINESSUNIT ? pkOf(entity) : undefined);
  }

  /**
   * The condition on the business unit column of `entity`'s rows that `reach` ('unit' or 'deep')
   * asks for: the caller's unit, or the caller's unit and those below it (a walk of businessunit's
   * hierarchy from the caller's unit, in the same statement); with `from`, counted from that unit.
   */
  private inUnits(entity: EntityModel, reach: 'unit' | 'deep', from = this.caller.businessunitid): PlanExpr {
    const attribute = this.unitColumn(entity)!;
    if (reach === 'unit') return { kind: 'compare', op: 'eq', attribute, value: from };
    return { kind: 'hierarchy', relationship: this.units!, id: from, direction: 'under', orEqual: true, attribute };
  }

  /**
   * The condition on `entity`'s rows that the units `right` reaches through the caller's teams of
   * other units ask for (awayUnits: each unit, or each unit and those below it); undefined for none.
   */
  private inAwayUnits(entity: EntityModel, right: AccessRightName): PlanExpr | undefined {
    return this.awayUnits(entity, right).map((u) => this.inUnits(entity, u.deep ? 'deep' : 'unit', u.unit))
      .reduce<PlanExpr | undefined>((left, right) => (left ? { kind: 'or', left, right } : right), undefined);
  }

  /**
   * Where row `id` of `entity` stands in the unit tree (UnitPlace: its unit and those above),
   * read past the caller's checks (for checks made outside SQL: sharing, RetrievePrincipalAccess)
   * in two reads: the row's unit, then the units above it. Throws the database's errors.
   */
  async rowPlace(db: Database, entity: EntityModel, id: string): Promise<UnitPlace> {
    const column = this.unitColumn(entity);
    if (!column || !this.units) return {};
    const trusted = withSecurity(db, undefined);
    const read = await executeRead(trusted, planRead(entity, { select: [column === pkOf(entity) ? column.LogicalName : `_${column.LogicalName}_value`] }, { returnRepresentation: false }, id));
    const unit = read.rows[0]?.[read.columns.indexOf(column)];
    if (typeof unit !== 'string') return { units: [] };
    const units = this.units.ReferencedEntity;
    const above = restrict(planRead(units, { select: [units.PrimaryIdAttribute], top: 1_000 }, { returnRepresentation: false }), { kind: 'hierarchy', relationship: this.units, id: unit, direction: 'above', orEqual: true });
    return { units: [unit, ...(await executeRead(trusted, above)).rows.map((r) => r[0] as string).filter((u) => u !== unit)] };
  }

  /** Whether a row owned by `ownerId` is the caller's at Basic depth: its own, or one of its teams'. */
  ownsThrough(ownerId: Value | undefined): boolean {
    return typeof ownerId === 'string' && this.principals.includes(ownerId);
  }

  /** Whether the caller holds the privilege of its own `name` (e.g. prvActOnBehalfOfAnotherUser). */
  holds(name: string): boolean {
    const privilege = this.catalogue.byName.get(name.toLowerCase());
    return !!privilege && (this.grants.get(privilege.id) ?? 0) > 0;
  }

  /** 403 `0x80040220` for a missing privilege `name` (on `entity`, when it guards a table). */
  missing(name: string, entity?: EntityModel): Error {
    const privilege = this.catalogue.byName.get(name.toLowerCase());
    return Errors.privilegeDenied(this.caller.systemuserid, this.roleCount, this.grants.size, name, privilege?.id ?? '', entity && { LogicalName: entity.LogicalName, DisplayName: entity.DisplayName ?? entity.LogicalName });
  }

  /** PlanSecurity.requireRead. */
  requireRead(entity: EntityModel): void {
    this.require(entity, 'Read');
  }

  /** The reach of `right` on `entity`; throws 403 `0x80040220` when the caller has none. */
  private require(entity: EntityModel, right: AccessRightName): Reach {
    const reach = this.reach(entity, right);
    if (reach === 'none') throw this.missing(privilegeName(entity, right), entity);
    return reach;
  }

  /** The owner column of a user-owned table. */
  private owner(entity: EntityModel): AttributeModel | undefined {
    return entity.OwnershipType === 'UserOwned' ? entity.attributesByName.get('ownerid') : undefined;
  }

  /** The condition on `entity`'s rows the caller may read: none when it reaches all; throws when it reaches none. */
  private readable(entity: EntityModel): PlanExpr | undefined {
    // An intersect table's rows are links: reading them takes Read on both tables they link.
    if (entity.IsIntersect) {
      for (const linked of linkedTables(this.model, entity)) this.require(linked, 'Read');
      return undefined;
    }
    const reach = this.require(entity, 'Read');
    return reach === 'all' ? undefined : this.reached(entity, 'Read', reach);
  }

  /**
   * The rows of `entity` `right` reaches at `reach` (not 'all'): on a user-owned table those the
   * caller or one of its teams owns, and those shared with the caller or its teams with `right`;
   * at Local and Deep also those of its units (inUnits), whoever owns them (access levels are
   * cumulative: Dataverse "Privilege depth"); and those of the units its teams of other units
   * reach from (inAwayUnits).
   */
  private reached(entity: EntityModel, right: AccessRightName, reach: Reach): PlanExpr {
    const owner = this.owner(entity);
    const owned: PlanExpr | undefined = owner && { kind: 'in', attribute: owner, values: this.principals };
    const home = reach === 'unit' || reach === 'deep' ? this.inUnits(entity, reach) : undefined;
    const away = this.inAwayUnits(entity, right);
    const units: PlanExpr | undefined = home && away ? { kind: 'or', left: home, right: away } : home ?? away;
    // Access levels are cumulative: Local and Deep reach the caller's own rows (and its teams') too.
    const mine: PlanExpr = owned && units ? { kind: 'or', left: owned, right: units } : (owned ?? units)!;
    if (!owner) return mine;
    return { kind: 'or', left: mine, right: { kind: 'shared', entity, principals: this.principals, rights: AccessRight[right] } };
  }

  /** `e` with every condition on related rows narrowed to the related rows the caller may read. */
  private expr(e: PlanExpr | undefined): PlanExpr | undefined {
    if (!e) return e;
    switch (e.kind) {
      case 'exists': {
        const own = this.readable(e.navigation.target);
        const where = this.expr(e.where);
        return { ...e, where: own && where ? { kind: 'and', left: own, right: where } : own ?? where };
      }
      case 'and': case 'or': {
        // Left spines of one kind may be long (FetchXML chains): walked in a loop.
        const rights: PlanExpr[] = [];
        let node: PlanExpr = e;
        for (; node.kind === e.kind; node = node.left) rights.push(this.expr(node.right)!);
        let out = this.expr(node)!;
        for (let i = rights.length - 1; i >= 0; i--) out = { kind: e.kind, left: out, right: rights[i]! };
        return out;
      }
      case 'not': return { kind: 'not', operand: this.expr(e.operand)! };
      // The joined row itself is one the caller may read (join narrows the joined rows); the
      // related rows its condition reaches are narrowed as any others.
      case 'joinedRow': return e.where ? { ...e, where: this.expr(e.where) } : e;
      default: return e;
    }
  }

  /**
   * `plan` narrowed to the rows the caller may read and, with `forRight`, to those it may change
   * with that right too (BulkRetain and PurgeRetainedContent read the rows they then write): a
   * row shared for reading only is one the caller reads but does not change.
   */
  private narrowed<P extends { readonly filter?: PlanExpr }>(plan: P, entity: EntityModel, forRight?: AccessRightName): P {
    const readable = this.readable(entity);
    // Without a read filter the right is required here (403 when the caller lacks it); with one, the write refuses later as before.
    const reach = forRight && (readable ? this.reach(entity, forRight) : this.require(entity, forRight));
    const changeable = forRight && reach && reach !== 'all' && reach !== 'none' ? this.reached(entity, forRight, reach) : undefined;
    const own: PlanExpr | undefined = readable && changeable ? { kind: 'and', left: readable, right: changeable } : readable ?? changeable;
    const secured = { ...plan, filter: this.expr(plan.filter) };
    return own ? restrict(secured, own) : secured;
  }

  /**
   * An expansion narrowed to the rows the caller may read, nested ones too. An owner's branch
   * (ExpandPlan.principal) to a table the caller may not read at all finds no row instead of
   * refusing the request: `$expand=ownerid` of user-owned rows needs no prvReadTeam, and a
   * team-owned row's owner is then null.
   */
  private expansion(e: ExpandPlan): ExpandPlan {
    if (e.principal && this.reach(e.navigation.target, 'Read') === 'none') return { ...e, filter: { kind: 'const', value: false }, expand: [] };
    return { ...this.narrowed(e, e.navigation.target), expand: e.expand.map((x) => this.expansion(x)) };
  }

  /** A linked column read through the rows the caller may read; a lookup's name (nameOf) as an implicit read (linkPath). */
  private linked(l: LinkedColumn): LinkedColumn {
    return { ...l, path: this.linkPath(l.path, l.nameOf !== undefined) };
  }

  /** A one-to-many join narrowed to the related rows the caller may read, its lookup path as linkPath narrows it. */
  private join(j: RowJoin): RowJoin {
    const own = this.readable(j.navigation.target);
    const where = this.expr(j.where);
    return { ...j, path: this.linkPath(j.path), where: own && where ? { kind: 'and', left: own, right: where } : own ?? where };
  }

  /**
   * Each step of a link path narrowed to the related rows the caller may read (Read required on
   * each table). With `implicit` (a read the service adds: a lookup's name, an order by an owner's
   * names), a step along an owner's branch (`ownerid` to teams) to a table the caller may not read
   * finds no row instead of refusing the request, as an `$expand=ownerid` does (expansion).
   */
  private linkPath(path: readonly LinkStep[], implicit = false): LinkStep[] {
    return path.map((step) => {
      const nav = step.navigation;
      if (implicit && nav.kind === 'single' && nav.principals && this.reach(nav.target, 'Read') === 'none') return { ...step, where: { kind: 'const', value: false } };
      const own = this.readable(step.navigation.target);
      const where = this.expr(step.where);
      return { ...step, where: own && where ? { kind: 'and', left: own, right: where } : own ?? where };
    });
  }

  /**
   * A grouped or aggregated column's path (AggregatePlan) narrowed as linkPath narrows a link
   * path: Read required on each table it reaches (403 `0x80040220`), and a step to a row the
   * caller may not read finds no row, so the value is null, as the same link-entity's column reads
   * in a query without aggregates (Dataverse aggregates the rows the caller may read).
   */
  private columnPath(c: ColumnPath): ColumnPath {
    if (!c.navs.length) return c;
    const steps = this.linkPath(c.navs.map((navigation, i) => ({ navigation, where: c.conditions?.[i] })));
    return { ...c, conditions: steps.map((s) => s.where) };
  }

  readsOwnOnly(entity: EntityModel): boolean {
    const reach = this.reach(entity, 'Read');
    return reach !== 'all' && reach !== 'none';
  }

  read<P extends ReadingPlan>(plan: P): P {
    const forRight = 'forRight' in plan ? plan.forRight : undefined;
    const out = this.narrowed(plan, plan.entity, forRight) as P & {
      expand?: readonly ExpandPlan[]; linked?: readonly LinkedColumn[]; joins?: readonly RowJoin[]; orderBy?: readonly SortKey[];
      groupBy?: readonly AggregateGroup[]; aggregates?: readonly AggregateValue[];
    };
    if ('kind' in plan && plan.kind === 'aggregate') {
      // Columns of related rows grouped or aggregated: read through the rows the caller may read, as
      // linked columns are (a grouped lookup's name, its FormattedValue, is not narrowed, as lookup names are not).
      out.groupBy = plan.groupBy.map((g) => ({ ...g, column: this.columnPath(g.column) }));
      out.aggregates = plan.aggregates.map((a) => (a.column ? { ...a, column: this.columnPath(a.column) } : a));
    }
    if (out.expand?.length) out.expand = out.expand.map((e) => this.expansion(e));
    if (out.linked?.length) out.linked = out.linked.map((l) => this.linked(l));
    if (out.joins?.length) out.joins = out.joins.map((j) => this.join(j));
    // Orders by link-entity columns read them as the linked columns are read: narrowed per step.
    if (out.orderBy?.length) out.orderBy = out.orderBy.map((k) => relinkSortKey(k, (path) => this.linkPath(path, true)));
    return this.masks ? maskRead(out, (a) => this.fields!.may(a, 'read')) : out;
  }

  /**
   * A guard that lets a write through only on a row of `entity` that `right` reaches at `reach`
   * (not 'all'): at Basic depth one the caller or one of its teams owns, at Local one of its
   * unit, at Deep one of its unit or a unit below (Guard.under), and at either one the caller or
   * its teams own (Guard.owners: access levels are cumulative); on a user-owned table also one
   * shared with the caller or its teams with `right`. Fails with the record-level refusal;
   * strict, so that no write path skips it.
   */
  private rowGuard(entity: EntityModel, id: string, right: AccessRightName, reach: Reach): Guard {
    const shared = this.owner(entity) ? { shared: { principals: this.principals, rights: AccessRight[right] } } : {};
    const away = this.awayUnits(entity, right);
    if (reach === 'own' && !away.length) return { attribute: this.owner(entity)!, values: this.principals, strict: true, fail: (owner) => this.denied(entity, id, owner, `${right}Access`), ...shared };
    const attribute = this.unitColumn(entity)!;
    const fail = (unit: Value) => this.denied(entity, id, null, `${right}Access`, unit);
    const owner = this.owner(entity);
    const owners = owner ? { owners: { attribute: owner, values: this.principals } } : {};
    return { attribute, ...this.within(this.unitsReached(reach, away)), strict: true, fail, ...shared, ...owners };
  }

  /**
   * The units a privilege at `reach` reaches rows of, besides the rows the caller and its teams
   * own: the caller's at Local or Deep (`reach` 'unit' or 'deep'), and `away`, those of its teams
   * of other units and its roles of other units (awayUnits). Empty at Basic without `away`.
   */
  private unitsReached(reach: Reach, away: readonly UnitReach[]): UnitReach[] {
    return [...reach === 'unit' || reach === 'deep' ? [{ unit: this.caller.businessunitid, deep: reach === 'deep' }] : [], ...away];
  }

  /**
   * The part of a Guard on a business unit column that `units` (unitsReached) make: the units
   * reached alone as its values, those reached with the units below them as Guard.under.
   */
  private within(units: readonly UnitReach[]): Pick<Guard, 'values' | 'under'> {
    const under = units.filter((u) => u.deep).map((u) => u.unit);
    return { values: units.filter((u) => !u.deep).map((u) => u.unit), ...under.length ? { under: { relationship: this.units!, ids: under } } : {} };
  }

  /**
   * The rights the caller holds on one row of `entity`, owned by `ownerId`, at `place` in the unit
   * tree (rowPlace: counted from the caller's unit and from its teams' of other units) and shared with the caller or its teams with the AccessRights flags
   * `sharedMask` (their union): each right of the table whose privilege reaches the row at its
   * depth, or that is shared with that right; none without the privilege, shared or not. In
   * AccessRights value order.
   */
  rightsOn(entity: EntityModel, ownerId: Value | undefined, sharedMask: number, place: UnitPlace): AccessRightName[] {
    const rights = [...this.catalogue.byTable.get(entity)?.keys() ?? []];
    return rights.filter((right) => {
      const reach = this.reach(entity, right);
      const away = this.awayUnits(entity, right);
      return reach !== 'none' && (reaches(reach, this.caller.businessunitid, away, this.ownsThrough(ownerId), place) || (sharedMask & AccessRight[right]) !== 0);
    }).sort((a, b) => AccessRight[a] - AccessRight[b]);
  }

  /** The ids of the caller and the teams it is a member of: the principals whose shares it holds. */
  get sharePrincipals(): readonly string[] {
    return this.principals;
  }

  /** `guards` and, when `right` on `entity` reaches only the caller's rows, the guard to its own row. */
  private guarded(entity: EntityModel, id: string, right: AccessRightName, guards: readonly Guard[]): readonly Guard[] {
    // First: a row the caller may not reach is refused before its version or state is told.
    const reach = this.require(entity, right);
    return this.guards(entity, reach) ? [this.rowGuard(entity, id, right, reach), ...guards] : guards;
  }

  /** Whether `reach` on `entity` takes a guard to the rows it reaches (rowGuard): not every row, and a column to guard. */
  private guards(entity: EntityModel, reach: Reach): boolean {
    return reach === 'own' ? this.owner(entity) !== undefined : reach === 'unit' || reach === 'deep' || reach === 'units';
  }

  /** `r` with the caller's AppendTo checked on its row: table level, and at Basic depth a guard to a row it owns. */
  private appendToRow(r: RowReference): RowReference {
    const reach = this.require(r.entity, 'AppendTo');
    return this.guards(r.entity, reach) ? { ...r, guards: [this.rowGuard(r.entity, r.id, 'AppendTo', reach), ...r.guards ?? []] } : r;
  }

  /**
   * The rows new lookups point at, checked for AppendTo on their tables (at Basic depth: rows the
   * caller owns). The owner a write sets is no such reference: that is Assign's.
   */
  private appendTo(entity: EntityModel, references: readonly RowReference[], owner: Value | undefined): RowReference[] {
    return references.map((r) => (this.isOwner(entity, r, owner) ? r : this.appendToRow(r)));
  }

  /** Whether reference `r` is the user or team `owner` that a write to `entity` makes its rows' owner. */
  private isOwner(entity: EntityModel, r: RowReference, owner: Value | undefined): boolean {
    return owner !== undefined && r.id === owner && (this.owner(entity)?.Targets.includes(r.entity.LogicalName) ?? false);
  }

  /** Whether `references` holds any lookup besides the owner `owner`. */
  private setsLookups(entity: EntityModel, references: readonly RowReference[], owner: Value | undefined): boolean {
    return references.some((r) => !this.isOwner(entity, r, owner));
  }

  /**
   * Checks a new row: Create, at its depth on the row's owner or unit (creatable); Assign when its owner is another user; Append when it sets lookups,
   * AppendTo on the rows they point at; the same for a deep insert's rows.
   */
  private insert(plan: InsertPlan): InsertPlan {
    const reach = this.require(plan.entity, 'Create');
    this.fields?.checkWrite(this.caller.systemuserid, plan.entity, plan.values, 'create');
    const ownerColumn = this.owner(plan.entity);
    const owner = ownerColumn ? plan.values.get(ownerColumn) : undefined;
    if (owner !== undefined && owner !== null && owner !== this.caller.systemuserid) this.require(plan.entity, 'Assign');
    // Related rows created with it (deep insert) are pointed at by its lookups: Append here, and
    // AppendTo there at its depth, checked on the stored related row (written first) as on any
    // row a lookup points at; a reference without guards would only ask that the row exists.
    if (plan.before?.length) this.require(plan.entity, 'Append');
    const related = (plan.before ?? []).map((p) => this.appendToRow({ entity: p.entity, id: p.id })).filter((r) => r.guards?.length);
    if (this.setsLookups(plan.entity, plan.references, owner)) this.require(plan.entity, 'Append');
    return {
      ...plan,
      references: this.creatable(plan, reach, [...this.appendTo(plan.entity, plan.references, owner), ...related]),
      ...(plan.before ? { before: plan.before.map((p) => this.insert(p)) } : {}),
      ...(plan.after ? { after: plan.after.map((p) => this.write(p)) } : {}),
    };
  }

  /**
   * `references` (those of new row `plan`) with the caller's Create checked on where the row goes,
   * at `reach` (its reach of Create on the table), as Dataverse's access levels decide which rows a
   * user may create ("How access to a record is determined", "Security roles and privileges"): at
   * Basic a row the caller or one of its teams owns, at Local one whose owner is in the caller's
   * unit, at Deep in its unit or a unit below, at Global any; a business-owned row (systemuser,
   * team, role) by its own `businessunitid` the same way. A privilege held through a team of another
   * unit, or a role of a unit off the caller's line, reaches from that unit (unitsReached, as for
   * Write and Read). Where the owner's unit must be read, the check is a guard on the owner's
   * (or the unit's) row reference, which the insert checks anyway (one read per distinct owner in a
   * bulk insert: RowReference.purpose keeps it apart from other checks of that row), walking the
   * tree at Deep (Guard.under). Nothing at Global, for the caller's own rows, or for the
   * business unit table (whose creation checks Append/AppendTo on the parent). Throws, or the
   * guard fails with, 403 `0x80048306` (`AccessRights: CreateAccess`; at Basic, found before any
   * read, naming the caller's unit as objectBusinessUnitId).
   */
  private creatable(plan: InsertPlan, reach: Reach, references: RowReference[]): RowReference[] {
    if (reach === 'all' || plan.entity.LogicalName === BUSINESSUNIT) return references;
    const where = this.newRowPlace(plan);
    if (!where) return references;
    const fail = (unit: Value) => this.denied(plan.entity, plan.id, where.owner, 'CreateAccess', unit);
    const units = this.unitsReached(reach, this.awayUnits(plan.entity, 'Create'));
    if (!units.length) throw fail(null);
    if (!where.row || (where.unit !== undefined && units.some((u) => u.unit === where.unit))) return references;
    const { entity, id, attribute } = where.row;
    // Every unit reached among the values too: an owner in one of them passes with no walk (passes()).
    const guard: Guard = { attribute, ...this.within(units), values: units.map((u) => u.unit), strict: true, fail };
    const at = references.findIndex((r) => r.entity === entity && r.id === id);
    const ref: RowReference = at >= 0 ? references[at]! : { entity, id };
    const checked: RowReference = { ...ref, guards: [guard, ...ref.guards ?? []], purpose: 'Create' };
    return at >= 0 ? references.map((r, i) => (i === at ? checked : r)) : [...references, checked];
  }

  /**
   * Where new row `plan` goes in the unit tree, for `creatable`: undefined for a row the caller or
   * one of its teams owns, or one naming no owner or unit (every depth creates it); else its owner
   * (null on a business-owned table), its unit when the plan holds it (business-owned), and the
   * row whose business unit column `attribute` tells its unit (`row`: the owner's, the unit's
   * own; none where the model keeps no units).
   */
  private newRowPlace(plan: InsertPlan): { owner: Value; unit?: string; row?: { entity: EntityModel; id: string; attribute: AttributeModel } } | undefined {
    const ownerColumn = this.owner(plan.entity);
    if (ownerColumn) {
      const owner = plan.values.get(ownerColumn);
      if (typeof owner !== 'string' || this.ownsThrough(owner)) return undefined;
      const u = plan.ownerUnit;
      const attribute = u && businessUnitColumn(u.owner);
      return { owner, ...u && attribute && this.units ? { row: { entity: u.owner, id: u.id, attribute } } : {} };
    }
    const column = businessUnitColumn(plan.entity);
    const unit = column && plan.values.get(column);
    if (typeof unit !== 'string' || !this.units) return undefined;
    const units = this.units.ReferencedEntity;
    return { owner: null, unit, row: { entity: units, id: unit, attribute: pkOf(units) } };
  }

  /**
   * Checks an update: Write on the row; Assign on it when it changes the owner; Append on it when
   * it sets lookups, AppendTo on the rows they point at; canupdate on the secured columns it sets. At Basic depth each is a guard to a row
   * the caller owns, checked in the UPDATE itself. An upsert's create is checked as a new row; a
   * caller without Write may still upsert a row that does not exist (the update then refuses
   * every row, with the missing privilege as its error).
   */
  private update(plan: UpdatePlan): UpdatePlan {
    let upsert = plan.upsert;
    if (upsert && !(upsert instanceof Error)) {
      try {
        upsert = this.insert(upsert);
      } catch (err) {
        upsert = err as Error;
      }
    }
    let guards = plan.guards;
    try {
      this.fields?.checkWrite(this.caller.systemuserid, plan.entity, plan.set, 'update');
    } catch (err) {
      // An upsert may create the row (its create is checked above, its refusal kept for a missing
      // row): the update's refusal stands only if the row exists.
      if (!upsert) throw err;
      guards = [{ attribute: pkOf(plan.entity), values: [], strict: true, fail: () => err as Error }, ...guards];
    }
    if (this.reach(plan.entity, 'Write') === 'none') {
      if (!upsert || upsert instanceof Error) this.require(plan.entity, 'Write');
      const missing = this.missing(privilegeName(plan.entity, 'Write'), plan.entity);
      guards = [{ attribute: pkOf(plan.entity), values: [], strict: true, fail: () => missing }, ...guards];
    } else guards = this.guarded(plan.entity, plan.id, 'Write', guards);
    const ownerColumn = this.owner(plan.entity);
    const owner = ownerColumn ? plan.set.get(ownerColumn) : undefined;
    if (owner === this.caller.systemuserid && this.reach(plan.entity, 'Assign') !== 'all') {
      // Oneself as owner: nothing more for a row the caller owns or creates; taking another's row
      // (a team's too) is Assign, at Basic depth of a row the caller or one of its teams owns.
      const reach = this.reach(plan.entity, 'Assign');
      const missing = reach === 'none' ? this.missing(privilegeName(plan.entity, 'Assign'), plan.entity) : undefined;
      // Without the privilege a share of AssignAccess gives nothing ("Sharing and assigning").
      guards = [missing
        ? { attribute: this.owner(plan.entity)!, values: [this.caller.systemuserid], strict: true, fail: () => missing }
        : this.rowGuard(plan.entity, plan.id, 'Assign', reach), ...guards];
    } else if (owner !== undefined) guards = this.guarded(plan.entity, plan.id, 'Assign', guards);
    if (this.setsLookups(plan.entity, plan.references, owner)) guards = this.guarded(plan.entity, plan.id, 'Append', guards);
    return { ...plan, guards, references: this.appendTo(plan.entity, plan.references, owner), ...(upsert !== undefined ? { upsert } : {}) };
  }

  write<P extends WritePlan>(plan: P): P {
    // The service's own row written with another (a new unit's default team): not the caller's to check.
    if (plan.kind === 'insert' && plan.trusted) return plan;
    switch (plan.kind) {
      case 'insert': return this.insert(plan) as P;
      case 'update':
        this.protect(plan.entity, plan.id);
        return this.update(plan) as P;
      case 'delete':
        this.protect(plan.entity, plan.id);
        return { ...plan, guards: this.guarded(plan.entity, plan.id, 'Delete', plan.guards) };
      case 'associate': {
        if (this.isMembership(plan.link.entity)) return { ...plan, link: { ...plan.link, references: plan.link.references.map((r) => this.joining(r, true)) } };
        // Linking two rows: AppendTo on both (at Basic depth, rows the caller owns).
        const references = plan.link.references.map((r) => this.assignedRole(this.appendToRow(r)));
        this.roleLinks(plan.link.references.map((r) => r.entity), plan.link.references);
        this.profileLinks(linkedTables(this.model, plan.link.entity), [...plan.link.values.values()], 'give');
        return { ...plan, link: { ...plan.link, references } };
      }
      case 'disassociate': {
        if (this.isMembership(plan.entity)) {
          this.require(this.model.byLogicalName.get(TEAM)!, 'Write');
          return { ...plan, references: plan.references?.map((r) => this.joining(r, false)) };
        }
        const entities = linkedTables(this.model, plan.entity);
        for (const entity of entities) this.require(entity, 'AppendTo');
        this.roleLinks(entities, []);
        this.profileLinks(entities, plan.match.map((m) => m.id), 'take');
        const references = plan.references?.map((r) => this.appendToRow(r));
        if (entities.some((e) => e.LogicalName === ROLE) && plan.match.some((m) => m.id === SYSTEM_ADMINISTRATOR_ID)) {
          throw Errors.notAdministrator(this.caller.systemuserid, 'take the System Administrator role');
        }
        return references ? { ...plan, references } : plan;
      }
    }
  }

  /**
   * Giving or taking a role is prvAssignRole (Dataverse), besides AppendTo; and only a System
   * Administrator gives the System Administrator role (a user may not give what it does not hold).
   */
  private roleLinks(entities: readonly EntityModel[], references: readonly RowReference[]): void {
    if (!entities.some((e) => e.LogicalName === ROLE)) return;
    this.require(this.model.byLogicalName.get(ROLE)!, 'Assign');
    if (references.some((r) => r.entity.LogicalName === ROLE && r.id === SYSTEM_ADMINISTRATOR_ID)) throw Errors.notAdministrator(this.caller.systemuserid, 'give the System Administrator role');
  }

  /**
   * Giving or taking a field security profile (systemuserprofiles, teamprofiles links, whichever
   * side or path makes them) is prvWriteFieldSecurityProfile besides AppendTo: in Dataverse a
   * profile's members are part of the profile, which only its editors change; and only a System
   * Administrator gives or takes the System Administrator profile (its id among `ids`, the linked
   * rows' ids), as roleLinks keeps the System Administrator role, so that no one reads every
   * secured column by linking itself. Throws 403 `0x80040220`.
   */
  private profileLinks(entities: readonly EntityModel[], ids: readonly Value[], verb: 'give' | 'take'): void {
    const profile = entities.find((e) => e.LogicalName === FIELDSECURITYPROFILE);
    if (!profile) return;
    this.require(profile, 'Write');
    if (ids.includes(SYSTEM_ADMINISTRATOR_PROFILE_ID)) throw Errors.notAdministrator(this.caller.systemuserid, `${verb} the System Administrator field security profile`);
  }

  /**
   * `r` with, when it names a role being given, the caller's Assign (prvAssignRole) checked on
   * the role's row at its depth: a guard to a role of its business unit at Local, of its unit or
   * one below at Deep (roleLinks checks the privilege is held at all). Other references as they are.
   */
  private assignedRole(r: RowReference): RowReference {
    if (r.entity.LogicalName !== ROLE) return r;
    const reach = this.require(r.entity, 'Assign');
    return this.guards(r.entity, reach) ? { ...r, guards: [...r.guards ?? [], this.rowGuard(r.entity, r.id, 'Assign', reach)] } : r;
  }

  /** Whether `intersect` is teammembership_association's intersect table (users and their teams). */
  private isMembership(intersect: EntityModel): boolean {
    return this.model.byLogicalName.get(TEAM)?.navigation.get(TEAM_MEMBERSHIP)?.intersect?.entity === intersect;
  }

  /**
   * A reference of a team membership change (`$ref` either way, AddMembersTeam, RemoveMembersTeam,
   * a link made or removed: `adding`), checked as Dataverse checks AddMembersTeam, whichever path
   * makes it: prvWriteTeam on the team at the caller's depth ("AddMembersTeam message
   * privileges"; a guard on the team's row, before the plan's default team guard); and, for a new
   * member, since the user gets the team's roles, what giving each of those roles directly takes
   * (a systemuserroles_association `$ref`: roleLinks, and prvAssignRole on the role's row at the
   * caller's depth, assignedRole and rolesAssignable; the AppendTo a direct link also takes on
   * both rows is not asked), and since the user gets the team's field security
   * profiles, what giving those takes (profileLinks). The team's roles and profiles are read in
   * the write's transaction (RowReference.related); the user reference is only checked to exist.
   */
  private joining(r: RowReference, adding: boolean): RowReference {
    if (r.entity.LogicalName !== TEAM) return r;
    const reach = this.require(r.entity, 'Write');
    const guarded = this.guards(r.entity, reach) ? { ...r, guards: [this.rowGuard(r.entity, r.id, 'Write', reach), ...r.guards ?? []] } : r;
    if (!adding) return guarded;
    const related: RelatedCheck[] = [];
    const roles = r.entity.navigation.get(TEAM_ROLES);
    if (roles?.intersect) {
      const role = roles.target;
      const assigns = this.reach(role, 'Assign') !== 'none';
      const refuse = (held: readonly Value[]): Error | undefined => {
        if (!held.length) return undefined;
        if (!assigns) return this.missing(privilegeName(role, 'Assign'), role);
        return held.includes(SYSTEM_ADMINISTRATOR_ID) ? Errors.notAdministrator(this.caller.systemuserid, 'give the System Administrator role') : undefined;
      };
      related.push({ read: linksRead(roles, r.id, [roles.intersect.other.LogicalName]), refuse });
      if (assigns) related.push(...this.rolesAssignable(roles, r.id));
    }
    const profiles = r.entity.navigation.get(TEAM_PROFILES);
    if (profiles?.intersect) {
      const refuse = (held: readonly Value[]): Error | undefined => {
        if (!held.length) return undefined;
        try {
          this.profileLinks([profiles.target], held, 'give');
          return undefined;
        } catch (err) {
          return err as Error;
        }
      };
      related.push({ read: linksRead(profiles, r.id, [profiles.intersect.other.LogicalName]), refuse });
    }
    return related.length ? { ...guarded, related } : guarded;
  }

  /**
   * The check that every role team `teamId` holds (through `roles`, teamroles_association from the
   * team) is one the caller's prvAssignRole reaches at its depth (a role of its business unit at
   * Local, of its unit or one below at Deep), as a direct assignment of the role checks its row
   * (assignedRole): one read of a held role outside the reach, refused with 403 `0x80048306`
   * (AssignAccess) for the first found. None when the privilege reaches every role.
   */
  private rolesAssignable(roles: ManyToManyNavigationModel, teamId: string): RelatedCheck[] {
    const right = 'Assign';
    const role = roles.target;
    const reach = this.reach(role, right);
    if (!this.guards(role, reach)) return [];
    const team = pkOf(roles.source);
    const heldBy = role.navigation.get(roles.Partner)!;
    const where: PlanExpr = {
      kind: 'and',
      left: { kind: 'exists', navigation: heldBy, where: { kind: 'compare', op: 'eq', attribute: team, value: teamId } },
      right: { kind: 'not', operand: this.reached(role, right, reach) },
    };
    const read = restrict(planRead(role, { select: [role.PrimaryIdAttribute], top: 1 }, { returnRepresentation: false }), where);
    return [{ read, refuse: (outside) => (outside.length ? this.denied(role, String(outside[0]), null, `${right}Access`) : undefined) }];
  }

  /** Users cannot change the SYSTEM user (the System Administrator role no caller changes: planUpdate, planDelete). */
  private protect(entity: EntityModel, id: string): void {
    if (entity.LogicalName === SYSTEMUSER && id === this.system) throw Errors.notAdministrator(this.caller.systemuserid, 'change the SYSTEM user');
  }

  /**
   * The widest depth mask the caller holds privilege `id` at counted from its own unit (0: not at
   * all), for "a user may not give what it does not hold" (AddPrivilegesRole): what it holds
   * through roles counted from other units (its teams of other units, roles of other units:
   * UserGrants.away) counts at Basic at most, as RetrieveUserPrivileges reports team privileges,
   * so that a Local held over another unit's rows does not mint a Local reaching the caller's.
   */
  depthOf(id: string): number {
    const home = this.home.get(id) ?? 0;
    return this.away.get(id)?.length ? Math.max(home, DepthMask.Basic) : home;
  }

  /**
   * 403 `0x80048306` for `right` on row `id` of `entity`, owned by `owner` (null where the check
   * was on its unit), in business unit `unit` (when known; else the caller's).
   */
  denied(entity: EntityModel, id: string, owner: Value, right: `${AccessRightName}Access`, unit?: Value): Error {
    return Errors.accessDenied(this.caller.systemuserid, typeof unit === 'string' ? unit : this.caller.businessunitid, entity.LogicalName, id, owner, right);
  }
}

/** The two tables an intersect table links. */
function linkedTables(model: Model, intersect: EntityModel): EntityModel[] {
  for (const entity of model.entities) {
    for (const nav of entity.navigation.values()) if (nav.intersect?.entity === intersect) return [nav.source, nav.target];
  }
  return [];
}

/**
 * A privilege a user holds, at below Global depth, through a role of a team of another business
 * unit than its own, counted from the team's unit (`unit`), or through a role of a unit that is
 * neither the user's nor above it (held itself or through a team of its unit), counted from the
 * role's unit (Dataverse "modernized business units"), not from the user's (Dataverse
 * "Manage teams": a team belongs to one unit and may have members of other units; "Security roles
 * and privileges": a team's roles give their privileges to its members, so a member reaches, at
 * Local depth, the rows of the team's unit). `mask`: the role's depth mask (DepthMask).
 */
export interface TeamGrant {
  readonly unit: string;
  readonly mask: number;
}

/**
 * What a user holds through its roles and its teams' roles: the roles' ids, each privilege's
 * widest depth mask, and the teams it is a member of.
 */
export interface UserGrants {
  readonly roles: ReadonlySet<string>;
  /** The ids of the teams the user is a member of (empty when `unrestricted`). */
  readonly teams: readonly string[];
  /** Privilege id → depth mask; every privilege at Global for the system user and System Administrators. */
  readonly masks: ReadonlyMap<string, number>;
  /** True for the system user and System Administrators: nothing is checked. */
  readonly unrestricted: boolean;
  /**
   * With userGrants' `direct`: privilege id → widest depth mask of the roles the user holds
   * itself, not through a team (RetrieveUserPrivileges reports team-inherited ones at Basic).
   */
  readonly direct?: ReadonlyMap<string, number>;
  /**
   * With userGrants' `unit`, when some privilege counts from another unit (`away`): privilege id →
   * widest depth mask of the roles counted from the user's unit (its own roles and those of its
   * teams in its unit, of its unit or one above it, and any held at Global depth, which no unit
   * bounds). Undefined: `masks` is that.
   */
  readonly home?: ReadonlyMap<string, number>;
  /** With `home`: privilege id → what the roles counted from other units hold it at, below Global (TeamGrant). */
  readonly away?: ReadonlyMap<string, readonly TeamGrant[]>;
}

/**
 * The privileges user `userId` holds through its roles (systemuserroles_association →
 * roleprivileges) and those of the teams it is a member of (teammembership_association →
 * teamroles_association; Dataverse "Manage teams": members get the team's roles' privileges), in
 * one read: the roles held, each outer-joined to its privileges, so that a role without
 * privileges still counts among `roles` (the roleCount of Dataverse's 0x80040220 message counts
 * the roles held, privileges or not); and a second read of the user's teams with their units
 * (UserGrants.teams), when the model has teams. The system user (`system`) and System
 * Administrators hold every privilege at Global depth. With `direct`, a third read of the user's
 * own roles gives UserGrants.direct. With `unit` (the user's business unit), the first read takes
 * only the roles of teams of that unit (or of none), each with its role's unit and whether that is
 * `unit` or above it (unitLine): a role of another unit counts from its own unit (UserGrants.away);
 * and when some team of the user is in another unit one more read takes those teams' roles with
 * the team each comes through: their depth is counted from the team's unit. Throws the
 * database's errors.
 */
export async function userGrants(model: Model, db: Database, userId: string, system: Caller, direct = false, unit?: string): Promise<UserGrants> {
  const grants = model.byLogicalName.get(ROLEPRIVILEGES);
  const role = model.byLogicalName.get(ROLE);
  const all = (): UserGrants => ({ roles: new Set(), teams: [], masks: new Map(privilegesOf(model).all.map((p) => [p.id, DepthMask.Global])), unrestricted: true });
  if (userId === system.systemuserid || !grants || !role) return all();
  const usersNav = role.navigation.get(USER_ROLES)!;
  const grantsNav = [...role.navigation.values()].find((n) => n.kind === 'collection' && !n.intersect && n.target === grants)!;
  const users = usersNav.target;
  const isUser: PlanExpr = { kind: 'compare', op: 'eq', attribute: users.attributesByName.get(users.PrimaryIdAttribute)!, value: userId };
  const own: PlanExpr = { kind: 'exists', navigation: usersNav, where: isUser };
  // A role of a team the user is a member of (with `unit`, of a team of that unit).
  const teamsNav = role.navigation.get(TEAM_ROLES);
  const members = teamsNav?.target.navigation.get(TEAM_MEMBERSHIP);
  const teamUnit = teamsNav && unit !== undefined ? businessUnitColumn(teamsNav.target) : undefined;
  const member: PlanExpr | undefined = members && { kind: 'exists', navigation: members, where: isUser };
  // Every team has a unit: businessunitid is required on create and never changes.
  const inUnit = teamUnit && member ? { kind: 'and', left: { kind: 'compare', op: 'eq', attribute: teamUnit, value: unit! }, right: member } satisfies PlanExpr : member;
  const held: PlanExpr = teamsNav && inUnit ? { kind: 'or', left: own, right: { kind: 'exists', navigation: teamsNav, where: inUnit } } : own;
  const line = unit !== undefined ? unitLine(model, role, unit) : undefined;
  const { rows, roleIds } = await roleGrants(db, role, grantsNav, held, undefined, line);
  const roles = new Set(roleIds);
  if (roles.has(SYSTEM_ADMINISTRATOR_ID)) return { ...all(), roles };
  const teams = teamsNav && member ? await userTeams(db, teamsNav.target, member, teamUnit) : [];
  const masks = new Map<string, number>();
  const home = new Map<string, number>();
  const byPrivilege = new Map<string, TeamGrant[]>();
  const widen = (into: Map<string, number>, privilege: string, mask: number) => into.set(privilege, Math.max(into.get(privilege) ?? 0, mask));
  /** A grant counted from `from` (undefined: the user's unit); Global reaches every row wherever it counts from. */
  const count = (r: RoleGrant, from: string | undefined) => {
    widen(masks, r.privilege, r.mask);
    if (from === undefined || r.mask >= DepthMask.Global) widen(home, r.privilege, r.mask);
    else byPrivilege.set(r.privilege, [...byPrivilege.get(r.privilege) ?? [], { unit: from, mask: r.mask }]);
  };
  // A role of the user's unit or of one above it counts from the user's unit (the copy of a parent
  // unit's role each unit below holds in Dataverse); a role of another unit counts from its own
  // unit (Dataverse "modernized business units": a role of a unit gives access to that unit's rows).
  for (const r of rows) count(r, r.unit === undefined || r.unit === null || r.unit === unit || r.onLine ? undefined : r.unit);
  const away = teams.filter((t) => t.unit !== null && t.unit !== unit);
  if (away.length && teamsNav) {
    // Roles of teams of other units, with the team each comes through: their depth is the team unit's.
    const unitOf = new Map(away.map((t) => [t.id, t.unit!]));
    const link = intersectSteps(model, role).find((step) => step.target === teamsNav.intersect!.entity && step.relationship.ReferencingAttribute === teamsNav.intersect!.own)!;
    const teamIn: PlanExpr = { kind: 'in', attribute: teamsNav.intersect!.other, values: [...unitOf.keys()] };
    const through = await roleGrants(db, role, grantsNav, { kind: 'exists', navigation: link, where: teamIn }, { navigation: link, where: teamIn, column: teamsNav.intersect!.other });
    if (through.roleIds.includes(SYSTEM_ADMINISTRATOR_ID)) return { ...all(), roles: new Set([...roles, ...through.roleIds]) };
    for (const id of through.roleIds) roles.add(id);
    for (const r of through.rows) count(r, unitOf.get(r.team!)!);
  }
  const split: Pick<UserGrants, 'home' | 'away'> = byPrivilege.size ? { home, away: byPrivilege } : {};
  const ownRoles = direct ? new Set(await linkedIds(db, users.navigation.get(usersNav.Partner)!, userId)) : undefined;
  const ownMasks = new Map<string, number>();
  if (ownRoles) for (const r of rows) if (ownRoles.has(r.role)) widen(ownMasks, r.privilege, r.mask);
  return { roles, teams: teams.map((t) => t.id), masks, unrestricted: false, ...(ownRoles ? { direct: ownMasks } : {}), ...split };
}

/**
 * How a role's read tells whether the role's unit is `unit` or one above it (roleGrants' `line`):
 * the role's business unit column, and a step from the role to its unit that finds a row only
 * when that unit is `unit` or above it (a walk of businessunit's hierarchy up from `unit`);
 * undefined when the model has no unit tree or the role table names no unit.
 */
function unitLine(model: Model, role: EntityModel, unit: string): UnitLine | undefined {
  const units = model.byLogicalName.get(BUSINESSUNIT);
  const tree = units && hierarchyOf(units);
  const column = businessUnitColumn(role);
  const navigation = column && [...role.navigation.values()].find((n) => n.kind === 'single' && n.relationship.ReferencingAttribute === column);
  if (!units || !tree || !column || !navigation) return undefined;
  return { column, step: { navigation, where: { kind: 'hierarchy', relationship: tree, id: unit, direction: 'above', orEqual: true } }, key: pkOf(units) };
}

/** See unitLine. */
interface UnitLine {
  readonly column: AttributeModel;
  readonly step: LinkStep;
  readonly key: AttributeModel;
}

/**
 * One privilege a role held gives (roleGrants): the role, the privilege and its depth mask, the
 * team it comes through when asked, and with a UnitLine the role's unit (`unit`, null for none)
 * and whether that unit is the user's or one above it (`onLine`).
 */
interface RoleGrant {
  readonly role: string;
  readonly privilege: string;
  readonly mask: number;
  readonly team?: string;
  readonly unit?: string | null;
  readonly onLine?: boolean;
}

/**
 * The roles of `role`'s table that `held` selects, each outer-joined to its privileges through
 * `grantsNav` (roleprivileges), in one read: the roles' ids (a role without privileges too) and
 * one RoleGrant per privilege. With `team`, each role is also inner-joined to its links of the
 * intersect step `team.navigation` meeting `team.where`, and each grant names the team (the link's
 * `team.column`): a role two teams hold gives its privileges once per team. With `line`, each
 * grant tells the role's unit and whether it is on the user's line of units (UnitLine), in the same read.
 */
async function roleGrants(db: Database, role: EntityModel, grantsNav: NavigationPropertyModel, held: PlanExpr, team?: { navigation: NavigationPropertyModel; where: PlanExpr; column: AttributeModel }, line?: UnitLine): Promise<{ roleIds: string[]; rows: RoleGrant[] }> {
  const grants = grantsNav.target;
  const joins: RowJoin[] = [...team ? [{ navigation: team.navigation, path: [], where: team.where, inner: true }] : [], { navigation: grantsNav, path: [], inner: false }];
  const join = { index: joins.length - 1, table: grants };
  const column = (name: string): LinkedColumn => ({ name, path: [], attribute: grants.attributesByName.get(name)!, join });
  const select = [role.PrimaryIdAttribute, ...line ? [`_${line.column.LogicalName}_value`] : []];
  const read: ReadPlan = {
    ...restrict(planRead(role, { select, top: 1_000_000 }, { returnRepresentation: false }), held),
    joins,
    linked: [
      ...team ? [{ name: '_team', path: [], attribute: team.column, join: { index: 0, table: team.navigation.target } }] : [],
      ...line ? [{ name: '_line', path: [line.step], attribute: line.key }] : [],
      column('privilegeid'), column('privilegedepthmask'),
    ],
  };
  const { rows, columns } = await executeRead(db, read);
  const at = columns.indexOf(pkOf(role));
  const unitAt = line ? columns.indexOf(line.column) : -1;
  const out: RoleGrant[] = [];
  // The linked columns come last in each row (executeRead), in their order; a null privilege for a role without privileges.
  for (const r of rows) {
    const [privilege, mask] = r.slice(-2) as [string | null, number | null];
    const extra = r.length - 3;
    if (!privilege) continue;
    out.push({
      role: r[at] as string, privilege, mask: Number(mask ?? 0),
      ...line ? { unit: r[unitAt] as string | null, onLine: r[extra] !== null } : {},
      ...team ? { team: r[line ? extra - 1 : extra] as string } : {},
    });
  }
  return { roleIds: [...new Set(rows.map((r) => r[at] as string))], rows: out };
}

/**
 * The rows of `team` (the team table) meeting `member` (the user's membership), with their
 * business unit (`unit`, the team's businessunitid; null without it), in one read.
 */
async function userTeams(db: Database, team: EntityModel, member: PlanExpr, unit: AttributeModel | undefined): Promise<Array<{ id: string; unit: string | null }>> {
  const select = [team.PrimaryIdAttribute, ...unit ? [`_${unit.LogicalName}_value`] : []];
  const { rows, columns } = await executeRead(db, restrict(planRead(team, { select, top: 1_000_000 }, { returnRepresentation: false }), member));
  const id = columns.indexOf(pkOf(team));
  const at = unit ? columns.indexOf(unit) : -1;
  return rows.map((r) => ({ id: r[id] as string, unit: at >= 0 ? (r[at] as string | null) : null }));
}

/** The ids of the rows linked to row `id` of `nav.source` through many-to-many `nav` (a user's teams, its own roles). */
async function linkedIds(db: Database, nav: NavigationPropertyModel, id: string): Promise<string[]> {
  if (!nav.intersect) return [];
  return (await executeRead(db, linksRead(nav, id, [nav.intersect.other.LogicalName]))).rows.map((r) => r[0] as string);
}

/**
 * The privileges `caller` holds (userGrants) as PlanSecurity; undefined when nothing needs
 * checking: the built-in system user (`system`), or a caller holding the System Administrator
 * role. One read, two with teams, three when the caller is in a team of another unit
 * (userGrants); when the model has secured columns, one or two more for the caller's field
 * security profiles (loadFieldAccess). Throws the database's errors.
 */
export async function loadAccess(model: Model, db: Database, caller: Caller, system: Caller): Promise<CallerAccess | undefined> {
  const held = await userGrants(model, db, caller.systemuserid, system, false, caller.businessunitid);
  if (held.unrestricted) return undefined;
  // What the caller may do with secured columns: read only when the model has some.
  const fields = hasSecuredColumns(model) ? await loadFieldAccess(model, db, caller.systemuserid, held.teams) : undefined;
  return new CallerAccess(model, caller, held, system.systemuserid, fields);
}
