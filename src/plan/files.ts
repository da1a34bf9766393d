import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { ColumnValues } from './column-values.js';
import type { Caller, UpdatePlan } from './types.js';
import { planRowChange } from './write.js';

/** The read-only String column holding the name of File column `column`'s file (`<column>_name`). */
export function fileNameColumn(entity: EntityModel, column: AttributeModel): AttributeModel {
  return entity.attributesByName.get(`${column.LogicalName}_name`)!;
}

/**
 * Plans the change of row `id` that goes with storing a file in File column `column` (`file`: its
 * id and name) or deleting it (`file` null): the column takes the file's id and `<column>_name`
 * its name (Dataverse "Use file column data", "Behavior when retrieving"), the row is stamped
 * modified with a new version. The row must exist (404 `0x80040217` at execution) and the caller
 * may need the write privilege on it (checked by the executor); throws as planRowChange for a
 * table that cannot be written.
 */
export function planFileChange(model: Model, entity: EntityModel, id: string, column: AttributeModel, file: { id: string; name: string } | null, caller: Caller): UpdatePlan {
  const plan = planRowChange(model, entity, id, {}, caller, '*', undefined);
  const set = plan.set as ColumnValues;
  set.set(column, file?.id ?? null);
  set.set(fileNameColumn(entity, column), file?.name ?? null);
  return plan;
}
