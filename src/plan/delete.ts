import type { EntityModel, NavigationPropertyModel } from '../model/types.js';
import { ColumnValues } from './column-values.js';
import type { Caller, DeletePlan, DisassociatePlan, Guard, ReferencingRows } from './types.js';
import { nowUtc } from './values.js';

/**
 * Deletes as plans (digest §2.4): the row, its many-to-many links, and what its delete does to the
 * rows whose lookups name it, by each relationship's CascadeConfiguration.Delete (Dataverse docs,
 * "Configure table relationship cascading behavior": RemoveLink clears their lookup, Restrict
 * refuses the delete, Cascade deletes them too).
 */

/** The links of row `id` in every many-to-many relationship of its table, removed when it is deleted. */
export function linksOf(nav: Iterable<NavigationPropertyModel>, id: string): DisassociatePlan[] {
  const out: DisassociatePlan[] = [];
  for (const n of nav) if (n.intersect) out.push({ kind: 'disassociate', entity: n.intersect.entity, match: [{ attribute: n.intersect.own, id }] });
  return out;
}

/**
 * What deleting a row of `entity` does to the rows of each one-to-many relationship whose
 * referenced table it is; the rows a RemoveLink clears are stamped as modified by `caller` at
 * `now` (canonical UTC). A Cascade plans its rows' deletes the same way, when they are found.
 */
export function referencingRows(entity: EntityModel, caller: Caller, now = nowUtc()): ReferencingRows[] {
  const out: ReferencingRows[] = [];
  for (const nav of entity.navigation.values()) {
    if (nav.intersect || nav.kind !== 'collection') continue;
    const { relationship } = nav;
    switch (relationship.CascadeConfiguration.Delete) {
      case 'Restrict':
        out.push({ behavior: 'Restrict', relationship });
        break;
      case 'Cascade': {
        const target = relationship.ReferencingEntity;
        out.push({ behavior: 'Cascade', relationship, deleteOf: (id) => deletePlan(target, id, [], caller, now) });
        break;
      }
      case 'RemoveLink': {
        const referencing = relationship.ReferencingEntity;
        const lookup = relationship.ReferencingAttribute;
        const set = new ColumnValues(referencing).set(lookup, null);
        if (lookup.TypeAttribute) set.set(lookup.TypeAttribute, null);
        const modifiedOn = referencing.attributesByName.get('modifiedon');
        const modifiedBy = referencing.attributesByName.get('modifiedby');
        if (modifiedOn?.IsStored) set.set(modifiedOn, now);
        if (modifiedBy?.IsStored) set.set(modifiedBy, caller.systemuserid);
        out.push({ behavior: 'RemoveLink', relationship, set });
        break;
      }
    }
  }
  return out;
}

/**
 * The delete of row `id` of `entity` under `guards` (none: whatever its values), with its
 * many-to-many links and its referencing rows (see referencingRows).
 */
export function deletePlan(entity: EntityModel, id: string, guards: readonly Guard[], caller: Caller, now = nowUtc()): DeletePlan {
  return { kind: 'delete', entity, id, guards, links: linksOf(entity.navigation.values(), id), referencing: referencingRows(entity, caller, now) };
}
