import type { AttributeModel, EntityModel, NavigationPropertyModel } from './types.js';

/**
 * The primary key column of `entity` (its `PrimaryIdAttribute`; the loader guarantees it exists,
 * as a stored Uniqueidentifier).
 */
export function pkOf(entity: EntityModel): AttributeModel {
  return entity.attributesByName.get(entity.PrimaryIdAttribute)!;
}

/**
 * The column of `nav.source` that the rows of a collection-valued step are found by: its primary
 * key, or for the step of a FetchXML join on columns (model/column-links.ts) the relationship's
 * referenced column, its `to` column (RelationshipModel.ReferencedAttribute, Dataverse's
 * OneToManyRelationshipMetadata.ReferencedAttribute). Only for collection-valued steps: a
 * single-valued one is found by its source's lookup, and its ReferencedAttribute is a column of
 * its target; throws an Error (a fault of the caller, not of the request) for one.
 */
export function sourceKey(nav: NavigationPropertyModel): AttributeModel {
  if (nav.kind !== 'collection') throw new Error(`sourceKey: '${nav.Name}' is a single-valued step; its rows are found by its lookup`);
  return (!nav.intersect && nav.relationship.ReferencedAttribute) || pkOf(nav.source);
}
