import type { AttributeModel, ManyToManyNavigationModel } from '../model/types.js';
import { ColumnValues } from './column-values.js';
import { restrict } from './navigation.js';
import { planRead } from './read.js';
import { sequentialGuid } from './sequential-guid.js';
import type { InsertPlan, ReadPlan, RowReference } from './types.js';

/**
 * The rows of a many-to-many relationship's intersect table (links): the insert of one, and the
 * read of a row's links. Kept apart from associate.ts so that the modules write.ts imports
 * (teams.ts) can make links without importing write.ts back.
 */

/** The intersect columns of a many-to-many property's source and target, with their ids. */
export function linkPair(nav: ManyToManyNavigationModel, sourceId: string, targetId: string): Array<{ attribute: AttributeModel; id: string }> {
  return [{ attribute: nav.intersect.own, id: sourceId }, { attribute: nav.intersect.other, id: targetId }];
}

/**
 * The insert of the intersect row linking row `sourceId` of `nav.source` with `targetId` of
 * `nav.target`, checking that the `references` exist (none: the caller knows they do).
 */
export function linkInsert(nav: ManyToManyNavigationModel, sourceId: string, targetId: string, references: readonly RowReference[]): InsertPlan {
  const { entity } = nav.intersect;
  const id = sequentialGuid();
  const values = new ColumnValues(entity).set(entity.attributesByName.get(entity.PrimaryIdAttribute)!, id);
  for (const { attribute, id: value } of linkPair(nav, sourceId, targetId)) values.set(attribute, value);
  return { kind: 'insert', entity, id, values, references, idGiven: false };
}

/** The most links linksRead reads: every link of a row, in one unpaged read. */
const ALL_LINKS = 1_000_000;

/**
 * The read of every link of row `id` of `nav.source` through `nav` (rows of its intersect table
 * whose `own` column holds `id`), with the intersect table's columns `select` (logical names) in
 * that order: e.g. `[nav.intersect.other.LogicalName]` for the linked rows' ids. Unpaged; the
 * caller runs it with or without the caller's privileges.
 */
export function linksRead(nav: ManyToManyNavigationModel, id: string, select: readonly string[]): ReadPlan {
  const { entity, own } = nav.intersect;
  return restrict(planRead(entity, { select: [...select], top: ALL_LINKS }, { returnRepresentation: false }), { kind: 'compare', op: 'eq', attribute: own, value: id });
}
