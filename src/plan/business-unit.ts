import { Errors } from '../errors.js';
import { HIERARCHY_MAX_DEPTH, hierarchyOf } from '../model/hierarchy.js';
import { pkOf } from '../model/primary-key.js';
import { BUSINESSUNIT } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, RelationshipModel } from '../model/types.js';
import { restrict } from './navigation.js';
import { planRead } from './read.js';
import type { Guard, RowReference, Value } from './types.js';

/**
 * The rules of the business unit table (Dataverse BusinessUnit table, "Business units"): the
 * root unit, made at start (security/business-units.ts), has no parent and is never disabled nor
 * deleted; every other unit has a parent (parentbusinessunitid, the table's hierarchy, which the
 * hierarchy loop check keeps free of loops, plan/hierarchy-loops.ts), and is deleted only once
 * disabled and without child units.
 */

/** The required message of planCreate's checkRequired, for parentbusinessunitid. */
const PARENT = 'parentbusinessunitid';

function parentRequired(): Error {
  return Errors.invalidArgument(`The attribute '${PARENT}' of '${BUSINESSUNIT}' is required and was not provided: a business unit other than the root has a parent business unit.`);
}

/**
 * Refuses a Create of a business unit without a parent (`values`, the planned row): 400
 * `0x80040203` (Dataverse makes every unit but the root a child of another; its exact error is
 * not documented). Does nothing for another table.
 */
export function checkBusinessUnitCreate(entity: EntityModel, values: ReadonlyMap<AttributeModel, Value>): void {
  if (entity.LogicalName !== BUSINESSUNIT) return;
  const parent = entity.attributesByName.get(PARENT);
  if (parent && (values.get(parent) ?? null) === null) throw parentRequired();
}

/**
 * `references` (a new row's) with, on a new business unit's reference to its parent, the check
 * that the unit stays fewer than HIERARCHY_MAX_DEPTH levels below the root: the depth Deep
 * privileges and the hierarchy query functions walk (sql/render.ts renderHierarchy), so that no
 * unit is out of a Deep reach that should hold it. A related read (RowReference.related) of the
 * parent and its ancestors, in the write's transaction; 400 `0x80040203` when they are
 * HIERARCHY_MAX_DEPTH or more (Dataverse documents no such bound: not confirmed); and a guard
 * that the parent is not disabled (underDisabledUnit). Both under the table's lock (serialized).
 * Others as they are.
 */
export function businessUnitDepthCheck(entity: EntityModel, values: ReadonlyMap<AttributeModel, Value>, references: readonly RowReference[]): RowReference[] {
  const relationship = entity.LogicalName === BUSINESSUNIT ? hierarchyOf(entity) : undefined;
  const parent = relationship && values.get(relationship.ReferencingAttribute);
  if (typeof parent !== 'string') return [...references];
  const pk = pkOf(entity);
  const read = restrict(planRead(entity, { select: [pk.LogicalName], top: HIERARCHY_MAX_DEPTH + 1 }, { returnRepresentation: false }), {
    kind: 'hierarchy', relationship: relationship!, id: parent, direction: 'above', orEqual: true,
  });
  // The new unit is one level below its parent, which is as many levels below the root as it has ancestors.
  const refuse = (above: readonly Value[]) => (above.length >= HIERARCHY_MAX_DEPTH ? businessUnitTooDeep(`a new business unit under ${parent}`, above.length) : undefined);
  // Under the table's lock, which a disabling takes before it walks the units below (store/business-unit-update.ts).
  const check = { read, refuse, serialized: true };
  const disabled = entity.attributesByName.get('isdisabled');
  const enabled = disabled ? [{ attribute: disabled, values: [true], except: true, fail: () => underDisabledUnit(`A new business unit`, parent) }] : [];
  return references.map((r) => (r.entity === entity && r.id === parent ? { ...r, guards: [...r.guards ?? [], ...enabled], related: [...(r.related ? [r.related].flat() : []), check] } : r));
}

/**
 * 400 `0x80040203`: `unit` (`A new business unit`, `Business unit <id>`) would be an enabled
 * unit under disabled unit `parent`: every unit below a disabled unit is disabled (its disabling
 * disabled them, store/business-unit-update.ts). Dataverse documents neither the refusal nor its
 * code: not confirmed.
 */
export function underDisabledUnit(unit: string, parent: string): Error {
  return Errors.invalidArgument(`${unit} cannot be enabled under business unit ${parent}, which is disabled: disable it first, or enable ${parent}.`);
}

/**
 * 400 `0x80040203`: a unit would be `levels` levels below the root, more than the
 * HIERARCHY_MAX_DEPTH - 1 that Deep depth and the hierarchy functions reach (businessUnitDepthCheck
 * on create, store/business-unit-update.ts on a move); `unit` names it for the message (`business
 * unit <id>`, `a new business unit under <id>`). Dataverse documents no such bound: not confirmed.
 */
export function businessUnitTooDeep(unit: string, levels: number): Error {
  return Errors.invalidArgument(`A business unit is at most ${HIERARCHY_MAX_DEPTH - 1} levels below the root business unit; ${unit} would be ${levels} levels below it.`);
}

/**
 * Refuses an update of business unit `id` (`root`: the root unit's id) that `set` gives a parent
 * on the root, takes the parent of another unit away, or disables the root: 400 `0x80040203`
 * (the root has no parent; Dataverse's RootBusinessUnitCannotBeDisabled, "Root Business unit
 * cannot be disabled.", whose code is not documented). Does nothing for another table.
 */
export function checkBusinessUnitUpdate(entity: EntityModel, id: string, set: ReadonlyMap<AttributeModel, Value>, root: string): void {
  if (entity.LogicalName !== BUSINESSUNIT) return;
  const parent = entity.attributesByName.get(PARENT);
  const moved = parent ? set.get(parent) : undefined;
  if (id === root && typeof moved === 'string') throw Errors.invalidArgument('The root business unit has no parent business unit.');
  if (id !== root && moved === null) throw parentRequired();
  const disabled = entity.attributesByName.get('isdisabled');
  if (id === root && disabled && set.get(disabled) === true) throw Errors.invalidArgument('Root Business unit cannot be disabled.');
}

/**
 * The guards of a delete of business unit `id`: the root is refused at once (it is never
 * disabled: 400 `0x80041d60`, BusinessUnitIsNotDisabledAndCannotBeDeleted); another unit must be
 * disabled (isdisabled true), else the same error, checked in the DELETE itself. Empty for
 * another table.
 */
export function businessUnitDeleteGuards(entity: EntityModel, id: string, root: string): Guard[] {
  if (entity.LogicalName !== BUSINESSUNIT) return [];
  if (id === root) throw Errors.businessUnitNotDisabled();
  const disabled = entity.attributesByName.get('isdisabled');
  return disabled ? [{ attribute: disabled, values: [true], fail: () => Errors.businessUnitNotDisabled() }] : [];
}

/**
 * The error a Restrict delete of `relationship` answers instead of 405 `0x80040227`: 400
 * `0x80041d61` (BusinessUnitHasChildAndCannotBeDeleted) when child units point at the unit
 * deleted; undefined for another relationship.
 */
export function restrictedDeleteError(relationship: RelationshipModel): Error | undefined {
  return relationship.ReferencedEntity.LogicalName === BUSINESSUNIT && relationship.ReferencingEntity.LogicalName === BUSINESSUNIT ? Errors.businessUnitHasChild() : undefined;
}
