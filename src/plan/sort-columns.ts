import { shortIdentifier } from '../model/schema.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { SortKey } from './types.js';

/**
 * What Dataverse sorts lookup and choice columns by ("Ordering lookup and choice columns" in Query
 * data using the Web API → Order rows, and in FetchXML → Order rows):
 * - a lookup sorts by the primary name of the related row, not by the GUID stored (Web API and
 *   FetchXML);
 * - a choice sorts by its label in FetchXML unless `useraworderby` is set, by its value in the
 *   Web API.
 * Each is a computed column of the table (named as Dataverse's companions, `<column>name`), which
 * render reads with SQL (sql/render.ts): a scalar subquery per lookup target, or the rank of the
 * choice's label. Sort, keyset `$skiptoken` and paging cookie then treat it as any other column.
 */

/** What a computed sort column stands for. */
export type SortColumn =
  /** The primary name of the row `lookup` points at, read from whichever target it is in. */
  | { readonly kind: 'lookupName'; readonly lookup: AttributeModel; readonly targets: ReadonlyArray<{ readonly entity: EntityModel; readonly name: AttributeModel }> }
  /** The place of a choice's label among its options' labels (0, 1, …), case-insensitively, by value. */
  | { readonly kind: 'labelRank'; readonly choice: AttributeModel; readonly ranks: ReadonlyMap<number, number> };

/** Choice column types, stored as whole numbers. */
const CHOICES = new Set(['Picklist', 'State', 'Status']);

const computed = new WeakMap<AttributeModel, SortColumn>();
const lookupNames = new WeakMap<AttributeModel, AttributeModel>();
const labelRanks = new WeakMap<AttributeModel, AttributeModel>();

/** What the computed sort column `column` stands for; undefined for the table's own columns. */
export function sortColumnOf(column: AttributeModel): SortColumn | undefined {
  return computed.get(column);
}

/**
 * A computed column's model: not stored, not writable, never in a write's values. Its LogicalName,
 * `<column>name`, is the SQL alias it is read under (sql/render.ts): past IDENTIFIER_MAX it is
 * shortened with a hash (shortIdentifier), as PostgreSQL would cut it to the name of the column
 * itself (63 characters) and find the alias ambiguous.
 */
function computedColumn(from: AttributeModel, of: AttributeModel, changes: Partial<AttributeModel>): AttributeModel {
  return Object.freeze({
    ...from,
    LogicalName: shortIdentifier(`${of.LogicalName}name`),
    SchemaName: `${of.SchemaName}Name`,
    DisplayName: `${of.DisplayName} name`,
    Description: '',
    RequiredLevel: 'None',
    IsValidForCreate: false,
    IsValidForUpdate: false,
    OptionSet: undefined,
    TypeAttribute: undefined,
    NavigationPropertyName: undefined,
    AttributeOf: of.LogicalName,
    IsPrimaryId: false,
    IsPrimaryName: false,
    IsSystemSupplied: true,
    IsStored: false,
    PropertyName: `${of.LogicalName}name`,
    ColumnNumber: -1, // not a column of the table's rows
    ...changes,
  } as AttributeModel);
}

/**
 * The computed column holding the primary name of the row `lookup` (a column of `entity`) points
 * at: the String column with `AttributeOf` the lookup the metadata declares, else one made here,
 * as long as the longest of the targets' primary names. Undefined when no target of the lookup has
 * a primary name in `model`. The same object for the same lookup on every call.
 */
export function lookupNameColumn(model: Model, entity: EntityModel, lookup: AttributeModel): AttributeModel | undefined {
  const known = lookupNames.get(lookup);
  if (known) return known;
  const targets = lookup.Targets.flatMap((t) => {
    const target = model.byLogicalName.get(t);
    const name = target?.PrimaryNameAttribute ? target.attributesByName.get(target.PrimaryNameAttribute) : undefined;
    return target && name ? [{ entity: target, name }] : [];
  });
  if (!targets.length) return undefined;
  const declared = entity.Attributes.find((a) => a.AttributeOf === lookup.LogicalName && a.AttributeType === 'String' && !a.IsStored);
  const column = declared ?? computedColumn(targets[0]!.name, lookup, { MaxLength: Math.max(...targets.map((t) => t.name.MaxLength ?? 0)) });
  computed.set(column, { kind: 'lookupName', lookup, targets });
  lookupNames.set(lookup, column);
  return column;
}

/**
 * The computed column holding the rank of a choice column's label among its options' labels
 * (compared lower-cased, equal labels by value): a whole number from 0, null where the choice is.
 * The same object for the same choice on every call.
 */
export function labelRankColumn(choice: AttributeModel): AttributeModel {
  const known = labelRanks.get(choice);
  if (known) return known;
  const options = [...choice.OptionSet!.Options].sort((a, b) => {
    const [x, y] = [a.Label.toLowerCase(), b.Label.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : a.Value - b.Value;
  });
  const column = computedColumn(choice, choice, {
    AttributeType: 'Integer', EdmType: 'Edm.Int32', MinValue: 0, MaxValue: Math.max(0, options.length - 1), MaxLength: undefined,
  });
  computed.set(column, { kind: 'labelRank', choice, ranks: new Map(options.map((o, i) => [o.Value, i])) });
  labelRanks.set(choice, column);
  return column;
}

/**
 * The sort keys for ordering by `attribute` of `entity`, in either direction:
 * - a lookup whose targets have a primary name (with `model` given): that name, then the lookup
 *   value, so rows pointing at different records of one name stay apart and keyset paging is exact;
 * - with `labels` (FetchXML without `useraworderby`), a choice column: its label's rank, then
 *   the value;
 * - else the column itself.
 */
export function sortKeysFor(model: Model | undefined, entity: EntityModel, attribute: AttributeModel, descending: boolean, labels = false): SortKey[] {
  let first: AttributeModel | undefined;
  if (model && attribute.Targets.length && attribute.IsStored) first = lookupNameColumn(model, entity, attribute);
  else if (labels && attribute.OptionSet && CHOICES.has(attribute.AttributeType)) first = labelRankColumn(attribute);
  return first ? [{ attribute: first, descending }, { attribute, descending }] : [{ attribute, descending }];
}
