import { HIERARCHY_MAX_DEPTH, hierarchyOf } from '../model/hierarchy.js';
import { pkOf } from '../model/primary-key.js';
import { BUSINESSUNIT, TEAM } from '../model/system-columns.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { businessUnitTooDeep, underDisabledUnit } from '../plan/business-unit.js';
import { restrict } from '../plan/navigation.js';
import { planRead } from '../plan/read.js';
import { defaultTeamId } from '../plan/teams.js';
import type { PlanExpr, UpdatePlan, Value } from '../plan/types.js';
import { CallerAccess } from '../security/access.js';
import { renderRead, renderTableLock, renderUpdate } from '../sql/render.js';
import { InTransaction, type Database, type Executor } from './database.js';
import { executeRead } from './execute.js';

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
 *    stamped as the unit, each with a new row version (Dataverse's CRM 3.0 SDK says a unit's
 *    child units are disabled with it: not confirmed for Dataverse), under the table's lock,
 *    once the caller's Write is found to reach each of them (checkWritable, 403 `0x80048306`).
 *    Enabling a unit leaves the units below it as they are.
 * A move (1) under a disabled unit of a unit that stays enabled is refused (underDisabledUnit,
 * 400 `0x80040203`), so that every unit below a disabled one stays disabled.
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
  const parent = hierarchy && plan.set.get(hierarchy.ReferencingAttribute);
  const moved = typeof parent === 'string';
  const disabled = value('isdisabled') === true;
  // A disabling takes the table's lock that moves (the loop check) and creates take, so that no
  // unit gets under the disabled one unseen by the walk below.
  const lock = disabled ? renderTableLock(db.dialect, units) : undefined;
  if (lock) await tx.rows(lock);
  const below = moved || disabled ? await unitsBelow(tx, db, units, plan.id) : [];
  if (moved) {
    await checkDepth(tx, db, units, plan.id, below);
    await checkParentEnabled(tx, db, units, plan.id, parent);
  }
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
  await checkWritable(tx, db, units, enabled.map((u) => u.id));
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
 * Refuses (underDisabledUnit, 400 `0x80040203`) a move of unit `id` under unit `parent` when the
 * parent is disabled and the unit, once written, is not: every unit below a disabled one is disabled.
 */
async function checkParentEnabled(tx: Executor, db: Database, units: EntityModel, id: string, parent: string): Promise<void> {
  if (!units.attributesByName.has('isdisabled')) return;
  const rows = await rowsOf(tx, db, units, [pkOf(units).LogicalName, 'isdisabled'], { kind: 'in', attribute: pkOf(units), values: [id, parent] });
  const disabled = new Map(rows.map((r) => [r[0] as string, r[1] === true]));
  if (disabled.get(parent) && !disabled.get(id)) throw underDisabledUnit(`Business unit ${id}`, parent);
}

/**
 * Refuses a disabling that reaches units `ids` (below the unit written) unless the caller's
 * prvWriteBusinessUnit (and Read) reaches each, as a write of each would: 403 `0x80048306`
 * (WriteAccess) for the first out of its depth (a Local writer disables its own unit only when no
 * enabled unit is below it). One read, as the caller, in the transaction; nothing for a caller
 * nothing is checked for.
 */
async function checkWritable(tx: Executor, db: Database, units: EntityModel, ids: readonly string[]): Promise<void> {
  const access = db.security;
  if (!(access instanceof CallerAccess) || access.reach(units, 'Write') === 'all') return;
  const pk = pkOf(units);
  const read = restrict(planRead(units, { select: [pk.LogicalName], top: 1_000_000 }, { returnRepresentation: false }), { kind: 'in', attribute: pk, values: [...ids] });
  const reached = new Set((await executeRead(new InTransaction(db, tx), { ...read, forRight: 'Write' })).rows.map((r) => r[0]));
  const out = ids.find((id) => !reached.has(id));
  if (out) throw access.denied(units, out, null, 'WriteAccess');
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
