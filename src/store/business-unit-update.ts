import { HIERARCHY_MAX_DEPTH, hierarchyOf } from '../model/hierarchy.js';
import { pkOf } from '../model/primary-key.js';
import { BUSINESSUNIT, TEAM } from '../model/system-columns.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { businessUnitTooDeep } from '../plan/business-unit.js';
import { restrict } from '../plan/navigation.js';
import { planRead } from '../plan/read.js';
import { defaultTeamId } from '../plan/teams.js';
import type { PlanExpr, UpdatePlan, Value } from '../plan/types.js';
import { renderRead, renderUpdate } from '../sql/render.js';
import type { Database, Executor } from './database.js';

/**
 * What an update of a business unit does besides its own row (Dataverse "Business units"), run
 * by writeIn in the update's transaction once the row is written, past the caller's privileges
 * (the caller's right to change the unit is what is checked), so that all of it or none is done:
 * 1. A move (parentbusinessunitid set, by PATCH or SetParentBusinessUnit): the deepest unit of
 *    the moved subtree must stay at most HIERARCHY_MAX_DEPTH - 1 levels below the root, as a new
 *    unit must (plan/business-unit.ts businessUnitDepthCheck): else 400 `0x80040203`
 *    (businessUnitTooDeep), and the transaction is undone. The loop check ran before the update
 *    (plan/hierarchy-loops.ts), holding the table's lock, so the walks end.
 * 2. A new name: the unit's default team takes it (Dataverse keeps the default team named as its
 *    unit), stamped modified as the unit is.
 * 3. Disabled (isdisabled set to true): every unit below it that is not disabled is disabled too,
 *    stamped as the unit, each with a new row version (Dataverse disables a unit's child units
 *    with it). Enabling a unit leaves the units below it as they are.
 * `versions(n)` reserves n row versions in the transaction. Does nothing for another table.
 */
export async function afterBusinessUnitUpdate(tx: Executor, db: Database, plan: UpdatePlan, versions: (count: number) => Promise<number[]>): Promise<void> {
  const units = plan.entity;
  if (units.LogicalName !== BUSINESSUNIT) return;
  const hierarchy = hierarchyOf(units);
  const value = (name: string) => {
    const a = units.attributesByName.get(name);
    return a ? plan.set.get(a) : undefined;
  };
  const moved = hierarchy && typeof plan.set.get(hierarchy.ReferencingAttribute) === 'string';
  const disabled = value('isdisabled') === true;
  const below = moved || disabled ? await unitsBelow(tx, db, units, plan.id) : [];
  if (moved) await checkDepth(tx, db, units, plan.id, below);
  const name = value(units.PrimaryNameAttribute ?? 'name');
  const teams = teamsOf(units);
  if (typeof name === 'string' && teams) {
    const set = stampsFrom(plan, teams);
    set.set(teams.attributesByName.get(teams.PrimaryNameAttribute ?? 'name')!, name);
    const [version] = await versions(1);
    await tx.run(renderUpdate(db.dialect, { kind: 'update', entity: teams, id: defaultTeamId(plan.id), set, guards: [], references: [] }, version!));
  }
  const flag = units.attributesByName.get('isdisabled');
  const enabled = disabled && flag ? below.filter((u) => u.disabled !== true) : [];
  if (!enabled.length) return;
  const reserved = await versions(enabled.length);
  const set = stampsFrom(plan, units);
  set.set(flag!, true);
  for (const [i, unit] of enabled.entries()) {
    await tx.run(renderUpdate(db.dialect, { kind: 'update', entity: units, id: unit.id, set, guards: [], references: [] }, reserved[i]!));
  }
}

/** The team table, as the business unit table's teams lead to it; undefined in a model without teams. */
function teamsOf(units: EntityModel): EntityModel | undefined {
  for (const nav of units.navigation.values()) {
    if (nav.kind === 'collection' && !nav.intersect && nav.target.LogicalName === TEAM) return nav.target;
  }
  return undefined;
}

/** A unit below the one updated: its id, its parent's and whether it is disabled. */
interface UnitBelow {
  readonly id: string;
  readonly parent: string;
  readonly disabled: Value;
}

/** The modified stamps (modifiedon, modifiedby, modifiedonbehalfby) `plan` sets, as columns of `entity`. */
function stampsFrom(plan: UpdatePlan, entity: EntityModel): Map<AttributeModel, Value> {
  const set = new Map<AttributeModel, Value>();
  for (const [a, v] of plan.set) {
    const same = ['modifiedon', 'modifiedby', 'modifiedonbehalfby'].includes(a.LogicalName) ? entity.attributesByName.get(a.LogicalName) : undefined;
    if (same?.IsStored) set.set(same, v);
  }
  return set;
}

/** Reads `read`'s first columns (`columns`, in order) in the transaction, past the caller's privileges. */
async function rowsOf(tx: Executor, db: Database, units: EntityModel, columns: readonly string[], where: PlanExpr): Promise<Value[][]> {
  const read = restrict(planRead(units, { select: [...columns], top: 1_000_000 }, { returnRepresentation: false }), where);
  const attributes = read.columns;
  return (await tx.rows(renderRead(db.dialect, read))).map((r) => attributes.map((a, i) => db.dialect.fromDb(a, r[i])));
}

/** Every unit below unit `id` (a walk of the whole subtree, unbounded as a loop check's). */
async function unitsBelow(tx: Executor, db: Database, units: EntityModel, id: string): Promise<UnitBelow[]> {
  const relationship = hierarchyOf(units)!;
  const parent = `_${relationship.ReferencingAttribute.LogicalName}_value`;
  const columns = [pkOf(units).LogicalName, parent, ...(units.attributesByName.has('isdisabled') ? ['isdisabled'] : [])];
  const rows = await rowsOf(tx, db, units, columns, { kind: 'hierarchy', relationship, id, direction: 'under', orEqual: false, unbounded: true });
  return rows.map((r) => ({ id: r[0] as string, parent: r[1] as string, disabled: r[2] ?? null }));
}

/**
 * Refuses (businessUnitTooDeep) a move that puts a unit of the subtree of unit `id` (`below`, the
 * units under it) HIERARCHY_MAX_DEPTH or more levels below the root: the unit's new depth (its
 * ancestors, walked after the update) plus the subtree's height.
 */
async function checkDepth(tx: Executor, db: Database, units: EntityModel, id: string, below: readonly UnitBelow[]): Promise<void> {
  const relationship = hierarchyOf(units)!;
  const above = await rowsOf(tx, db, units, [pkOf(units).LogicalName], { kind: 'hierarchy', relationship, id, direction: 'above', orEqual: false });
  const level = new Map<string, number>([[id, above.length]]);
  let deepest: [string, number] = [id, above.length];
  // Parents come before their children once their own level is known; the walk answers them in any order.
  for (let pending = [...below]; pending.length;) {
    const next = pending.filter((u) => !level.has(u.parent));
    for (const u of pending) {
      const parent = level.get(u.parent);
      if (parent === undefined) continue;
      level.set(u.id, parent + 1);
      if (parent + 1 > deepest[1]) deepest = [u.id, parent + 1];
    }
    if (next.length === pending.length) break;
    pending = next;
  }
  if (deepest[1] >= HIERARCHY_MAX_DEPTH) throw businessUnitTooDeep(`business unit ${deepest[0]}`, deepest[1]);
}
