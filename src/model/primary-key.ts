import type { AttributeModel, EntityModel } from './types.js';

/**
 * The primary key column of `entity` (its `PrimaryIdAttribute`; the loader guarantees it exists,
 * as a stored Uniqueidentifier).
 */
export function pkOf(entity: EntityModel): AttributeModel {
  return entity.attributesByName.get(entity.PrimaryIdAttribute)!;
}
