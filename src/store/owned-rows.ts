import { OWNING_BUSINESS_UNIT, OWNING_TEAM, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, Model, RelationshipModel } from '../model/types.js';
import type { Value } from '../plan/types.js';
import { renderRemoveLink } from '../sql/render.js';
import type { Database, Executor } from './database.js';
import { nextVersion } from './execute.js';

/**
 * The rows a user owns, across every user-owned table, changed at once when the user moves to
 * another business unit (SetBusinessSystemUser): set-based UPDATEs over each table's `owninguser`
 * (one statement per table, rows of every state, retained ones too), all stamped with one new
 * row version, so that change tracking reports them.
 */

/** Where a moved user's rows go: to another owner (a user or team, in its unit), or to the user's new unit. */
export type OwnedRowsMove =
  | { readonly kind: 'assign'; readonly owner: string; readonly ownerTable: typeof SYSTEMUSER | typeof TEAM; readonly unit: string; readonly stamps: ReadonlyMap<string, Value> }
  | { readonly kind: 'unit'; readonly unit: string };

/**
 * Changes every row user `userId` owns (owninguser) as `move` says: `assign` makes `move.owner`
 * their owner (ownerid, owneridtype, owninguser or owningteam) and its unit their
 * owningbusinessunit, with `move.stamps` (modifiedon, modifiedby, modifiedonbehalfby by logical
 * name), as an assign does; `unit` only moves their owningbusinessunit (the owner's unit, which
 * Dataverse keeps). Runs in transaction `tx`; throws the database's errors.
 */
export async function moveOwnedRows(tx: Executor, db: Database, model: Model, userId: string, move: OwnedRowsMove): Promise<void> {
  let version: number | undefined;
  for (const entity of model.entities) {
    const owning = owningUser(entity);
    if (!owning) continue;
    const unit = stored(entity, OWNING_BUSINESS_UNIT)!;
    const set = new Map<AttributeModel, Value>([[unit, move.unit]]);
    if (move.kind === 'assign') {
      const team = move.ownerTable === TEAM;
      const owner = entity.attributesByName.get('ownerid')!;
      set.set(owner, move.owner);
      if (owner.TypeAttribute) set.set(owner.TypeAttribute, move.ownerTable);
      set.set(owning.ReferencingAttribute, team ? null : move.owner);
      const owningTeam = stored(entity, OWNING_TEAM);
      if (owningTeam) set.set(owningTeam, team ? move.owner : null);
      for (const [name, value] of move.stamps) {
        const a = stored(entity, name);
        if (a) set.set(a, value);
      }
    }
    version ??= await nextVersion(tx, db);
    for (const stmt of renderRemoveLink(db.dialect, owning, [userId], set, version)) await tx.run(stmt);
  }
}

/** `entity`'s stored column `name`, if any. */
function stored(entity: EntityModel, name: string): AttributeModel | undefined {
  const a = entity.attributesByName.get(name);
  return a?.IsStored ? a : undefined;
}

/**
 * The relationship of `entity`'s stored `owninguser` lookup to the user table (a user-owned
 * table's), if any, when the table also stores owningbusinessunit: the tables whose rows
 * moveOwnedRows changes.
 */
export function owningUser(entity: EntityModel): RelationshipModel | undefined {
  if (!stored(entity, 'owninguser') || !stored(entity, OWNING_BUSINESS_UNIT) || !entity.attributesByName.get('ownerid')) return undefined;
  for (const nav of entity.navigation.values()) {
    if (nav.kind === 'single' && !nav.intersect && nav.relationship.ReferencingAttribute.LogicalName === 'owninguser') return nav.relationship;
  }
  return undefined;
}
