import { PRINCIPAL_TABLES } from '../model/system-columns.js';
import type { EntityModel } from '../model/types.js';
import { ColumnValues, stampModified } from './column-values.js';
import type { Caller, DeleteEffects, DeletePlan, Guard, ReferencingRows } from './types.js';
import { nowUtc } from './values.js';

/**
 * Deletes as plans (digest §2.4): the row, its many-to-many links, and what its delete does to the
 * rows whose lookups name it, by each relationship's CascadeConfiguration.Delete (Dataverse docs,
 * "Configure table relationship cascading behavior": RemoveLink clears their lookup, Restrict
 * refuses the delete, Cascade deletes them too).
 */

/**
 * What deleting rows of `entity` does: its many-to-many links go, and the rows of each one-to-many
 * relationship whose referenced table it is are deleted, counted or cleared; the rows a
 * RemoveLink clears are stamped as modified by `caller` at `now` (canonical UTC).
 */
function deleteEffects(entity: EntityModel, caller: Caller, now: string): DeleteEffects {
  const links: Array<DeleteEffects['links'][number]> = [];
  const referencing: ReferencingRows[] = [];
  for (const nav of entity.navigation.values()) {
    if (nav.intersect) {
      links.push({ entity: nav.intersect.entity, attribute: nav.intersect.own });
      continue;
    }
    if (nav.kind !== 'collection') continue;
    const { relationship } = nav;
    const behavior = relationship.CascadeConfiguration.Delete;
    if (behavior !== 'RemoveLink') {
      referencing.push({ behavior, relationship });
      continue;
    }
    const table = relationship.ReferencingEntity;
    const lookup = relationship.ReferencingAttribute;
    const set = new ColumnValues(table).set(lookup, null);
    if (lookup.TypeAttribute) set.set(lookup.TypeAttribute, null);
    stampModified(table, set, caller, now);
    referencing.push({ behavior, relationship, set });
  }
  return { links, referencing, ...sharesOf(entity) };
}

/**
 * The shares a delete of rows of `entity` takes with them (DeleteEffects.shares): those of the rows
 * of a user-owned table, those with a user or team when user-owned rows exist to share (every
 * user-owned table's `createdby` leads back to users, its `ownerid` to teams).
 */
function sharesOf(entity: EntityModel): Pick<DeleteEffects, 'shares'> {
  if (entity.OwnershipType === 'UserOwned') return { shares: 'object' };
  const shared = PRINCIPAL_TABLES.has(entity.LogicalName) && [...entity.navigation.values()].some((n) => n.target.OwnershipType === 'UserOwned');
  return shared ? { shares: 'principal' } : {};
}

/**
 * The delete of row `id` of `entity` under `guards` (none: whatever its values) by `caller`, with
 * the effects of deleting rows of `entity` and of every table its Cascade relationships reach.
 */
export function deletePlan(entity: EntityModel, id: string, guards: readonly Guard[], caller: Caller, now = nowUtc()): DeletePlan {
  const effects = new Map<EntityModel, DeleteEffects>();
  const pending = [entity];
  for (let table = pending.pop(); table; table = pending.pop()) {
    if (effects.has(table)) continue;
    const own = deleteEffects(table, caller, now);
    effects.set(table, own);
    for (const r of own.referencing) if (r.behavior === 'Cascade') pending.push(r.relationship.ReferencingEntity);
  }
  return { kind: 'delete', entity, id, guards, effects, deletedOn: now };
}
