import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { SortKey } from './types.js';

/**
 * Ordering by a lookup column. Dataverse sorts such rows by the primary name of the related row,
 * not by the GUID stored ("Ordering lookup and choice columns" in both Query data using the Web
 * API → Order rows and FetchXML → Order rows). The name is a computed column of the lookup's table
 * (Dataverse's `<lookup>name`, e.g. `createdbyname`): the one the metadata declares (a String
 * column with `AttributeOf` the lookup), else one made here. Render reads it with a scalar
 * subquery per target (sql/render.ts), so sort, keyset `$skiptoken` and paging cookie treat it as
 * any other column.
 */

/** What a lookup-name column stands for: the lookup, and the targets whose primary name it reads. */
export interface LookupName {
  readonly lookup: AttributeModel;
  readonly targets: ReadonlyArray<{ readonly entity: EntityModel; readonly name: AttributeModel }>;
}

const names = new WeakMap<AttributeModel, LookupName>();
const made = new WeakMap<AttributeModel, AttributeModel>();

/** The lookup and targets a lookup-name column (from lookupNameColumn) reads; undefined for other columns. */
export function lookupNameOf(column: AttributeModel): LookupName | undefined {
  return names.get(column);
}

/**
 * The computed column holding the primary name of the row `lookup` (a column of `entity`) points
 * at: a String column, not stored, `AttributeOf` the lookup, at most as long as the longest of its
 * targets' primary names. Undefined when no target of the lookup has a primary name in `model`.
 * The same object for the same lookup on every call.
 */
export function lookupNameColumn(model: Model, entity: EntityModel, lookup: AttributeModel): AttributeModel | undefined {
  const known = made.get(lookup);
  if (known) return known;
  const targets = lookup.Targets.flatMap((t) => {
    const target = model.byLogicalName.get(t);
    const name = target?.PrimaryNameAttribute ? target.attributesByName.get(target.PrimaryNameAttribute) : undefined;
    return target && name ? [{ entity: target, name }] : [];
  });
  if (!targets.length) return undefined;
  const declared = entity.Attributes.find((a) => a.AttributeOf === lookup.LogicalName && a.AttributeType === 'String' && !a.IsStored);
  const column: AttributeModel = declared ?? Object.freeze({
    ...targets[0]!.name,
    LogicalName: `${lookup.LogicalName}name`,
    SchemaName: `${lookup.SchemaName}Name`,
    DisplayName: `${lookup.DisplayName} name`,
    Description: '',
    RequiredLevel: 'None',
    IsValidForCreate: false,
    IsValidForUpdate: false,
    MaxLength: Math.max(...targets.map((t) => t.name.MaxLength ?? 0)),
    AttributeOf: lookup.LogicalName,
    IsPrimaryId: false,
    IsPrimaryName: false,
    IsSystemSupplied: true,
    IsStored: false,
    PropertyName: `${lookup.LogicalName}name`,
    ColumnNumber: -1, // not a column of the table's rows: never in a write's values
  });
  names.set(column, { lookup, targets });
  made.set(lookup, column);
  return column;
}

/**
 * The sort keys for ordering by `attribute` of `entity`: the column itself, or for a lookup whose
 * targets have a primary name (with `model` given), that name first and then the lookup value, so
 * rows pointing at different records of the same name stay apart and keyset paging stays exact.
 */
export function sortKeysFor(model: Model | undefined, entity: EntityModel, attribute: AttributeModel, descending: boolean): SortKey[] {
  const name = model && attribute.Targets.length ? lookupNameColumn(model, entity, attribute) : undefined;
  return name ? [{ attribute: name, descending }, { attribute, descending }] : [{ attribute, descending }];
}
