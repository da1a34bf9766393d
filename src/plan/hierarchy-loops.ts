import { Errors } from '../errors.js';
import { hierarchyOf } from '../model/hierarchy.js';
import { pkOf } from '../model/primary-key.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { restrict } from './navigation.js';
import { planRead } from './read.js';
import type { RowReference, UpdatePlan, Value } from './types.js';

/**
 * Writes that would close a loop in a hierarchy (model/hierarchy.ts): Dataverse refuses a parent
 * that is the row itself or one of its descendants (web service error AccountLoopBeingCreated,
 * `0x80040507`, "Creating this parental association would create a loop in Accounts hierarchy";
 * Tessera answers it for every hierarchical table, naming the table).
 */

/** 400 `0x80040507`: setting the hierarchical lookup of row `id` of `entity` to `parent` would make a loop. */
function loop(entity: EntityModel, id: string, parent: string): Error {
  return Errors.hierarchyLoop(entity.DisplayCollectionName, id, parent);
}

/**
 * The check of a write that sets the hierarchical lookup of row `id` of `entity` to `values`'
 * value: a parent that is the row itself is refused at once (400 `0x80040507`); on an update (not
 * `created`: nothing points at a new row yet), a RowReference to the parent whose related read,
 * run in the write's transaction once it holds the table's lock (RowReference.related.serialized:
 * two concurrent moves, a under b and b under a, take turns, so the second sees the first's), finds
 * row `id` among the parent and its ancestors (all of them: a walk without the query functions'
 * HIERARCHY_MAX_DEPTH bound, a loop closed further up is one too), and then
 * refuses the write with the same error. Undefined when
 * the table has no hierarchy or the write leaves the lookup alone or empties it.
 */
export function hierarchyLoopCheck(entity: EntityModel, id: string, values: ReadonlyMap<AttributeModel, Value>, created: boolean): RowReference | undefined {
  const relationship = hierarchyOf(entity);
  const parent = relationship && values.get(relationship.ReferencingAttribute);
  if (typeof parent !== 'string') return undefined;
  if (parent === id) throw loop(entity, id, parent);
  if (created) return undefined;
  const pk = pkOf(entity);
  const read = restrict(planRead(entity, { select: [pk.LogicalName], top: 1 }, { returnRepresentation: false }), {
    kind: 'and',
    left: { kind: 'compare', op: 'eq', attribute: pk, value: id },
    right: { kind: 'hierarchy', relationship: relationship!, id: parent, direction: 'above', orEqual: true, unbounded: true },
  });
  return { entity, id: parent, related: { read, refuse: (found) => (found.length ? loop(entity, id, parent) : undefined), serialized: true } };
}

/**
 * Whether one of `plans` (a bulk request's updates of `entity`) sets the table's hierarchical
 * lookup, emptying it included: whether a move makes a loop then depends on the moves written
 * before it, so the request's items are written in request order, as Dataverse processes them,
 * and a loop is named by the item that closes it.
 */
export function movesInHierarchy(entity: EntityModel, plans: ReadonlyArray<Pick<UpdatePlan, 'set'>>): boolean {
  const parent = hierarchyOf(entity)?.ReferencingAttribute;
  return parent !== undefined && plans.some((plan) => plan.set.has(parent));
}
