import { Errors } from '../errors.js';
import { shortIdentifier } from '../model/schema.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { JoinOrigin, LinkStep, SortKey } from './types.js';

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
  | { readonly kind: 'labelRank'; readonly choice: AttributeModel; readonly ranks: ReadonlyMap<number, number> }
  /**
   * `column` of the row reached through the lookups of `path` (a FetchXML link-entity order; its
   * steps carry only the conditions the security stage adds, relinkSortKey): null where a step
   * finds no row; with `ranks`, the rank of the choice's label instead of its value; with `join`,
   * the path starts from that joined row (ReadPlan.joins) and may be empty.
   */
  | { readonly kind: 'linked'; readonly path: readonly LinkStep[]; readonly column: AttributeModel; readonly ranks?: ReadonlyMap<number, number>; readonly join?: JoinOrigin };

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
  const ranks = optionRanks(choice);
  const column = computedColumn(choice, choice, rankType(ranks));
  computed.set(column, { kind: 'labelRank', choice, ranks });
  labelRanks.set(choice, column);
  return column;
}

/** Each option value of a choice column with the place of its label among the labels (lower-cased; equal labels by value). */
function optionRanks(choice: AttributeModel): ReadonlyMap<number, number> {
  const options = [...choice.OptionSet!.Options].sort((a, b) => {
    const [x, y] = [a.Label.toLowerCase(), b.Label.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : a.Value - b.Value;
  });
  return new Map(options.map((o, i) => [o.Value, i]));
}

/** The type of a label rank column: whole numbers from 0 to the number of labels less one. */
function rankType(ranks: ReadonlyMap<number, number>): Partial<AttributeModel> {
  return { AttributeType: 'Integer', EdmType: 'Edm.Int32', MinValue: 0, MaxValue: Math.max(0, ranks.size - 1), MaxLength: undefined };
}

/**
 * Why rows cannot be sorted or grouped by `attribute` (`use`: `sorted` or `grouped`), or undefined
 * when they can: an Image column's value is its thumbnail as base64 text (Dataverse "Image
 * columns"), no order or grouping a client could mean, and a keyset page token would carry it
 * whole. Callers raise it as their front end's 400.
 */
export function unorderable(attribute: AttributeModel, use: 'sorted' | 'grouped'): string | undefined {
  return attribute.AttributeType === 'Image' ? `Rows cannot be ${use} by the image column '${attribute.LogicalName}'.` : undefined;
}

/**
 * The sort keys for ordering by `attribute` of `entity`, in either direction:
 * - a lookup whose targets have a primary name (with `model` given): that name, then the lookup
 *   value, so rows pointing at different records of one name stay apart and keyset paging is exact;
 * - with `labels` (FetchXML without `useraworderby`), a choice column: its label's rank, then
 *   the value;
 * - else the column itself.
 * Throws 400 `0x80060888` for an Image column (unorderable).
 */
export function sortKeysFor(model: Model | undefined, entity: EntityModel, attribute: AttributeModel, descending: boolean, labels = false): SortKey[] {
  const refused = unorderable(attribute, 'sorted');
  if (refused) throw Errors.badQuery(refused);
  let first: AttributeModel | undefined;
  if (model && attribute.Targets.length && attribute.IsStored) first = lookupNameColumn(model, entity, attribute);
  else if (labels && attribute.OptionSet && CHOICES.has(attribute.AttributeType)) first = labelRankColumn(attribute);
  return first ? [{ attribute: first, descending }, { attribute, descending }] : [{ attribute, descending }];
}

/**
 * `key` with its link-entity column (a `linked` sort column, linkedSortKeys) read through
 * `relink(path)` instead of its path: the same column name, other step conditions (the security
 * stage narrows each step to the rows the caller may read). Other keys are returned as they are.
 */
export function relinkSortKey(key: SortKey, relink: (path: readonly LinkStep[]) => readonly LinkStep[]): SortKey {
  const sort = computed.get(key.attribute);
  if (sort?.kind !== 'linked') return key;
  const column = Object.freeze({ ...key.attribute });
  computed.set(column, { ...sort, path: relink(sort.path) });
  return { ...key, attribute: column };
}

/**
 * The sort keys for a FetchXML order by `attribute` of the row reached through the lookups of
 * `path` (a link-entity's, its steps without conditions; from the row of `join` when given, else
 * from the read's row), returned in sort keys named after `name`
 * (`<alias>_x002e_<column>`, the name its column would be returned under), by the rules of
 * sortKeysFor: a one-target lookup whose target has a primary name by that name, then the value; a
 * choice by its label's rank unless `labels` is false, then the value; else the value. Dataverse
 * orders link-entity columns by the same rules ("Order rows using FetchXml"). The columns are new
 * on every call; sort keys of one query are told apart by their LogicalName. An owner (`ownerid`)
 * orders by its user's name, then its team's, then the value: rows owned by teams come together
 * (first ascending), where Dataverse interleaves the names. Throws 501 for another polymorphic
 * lookup (Dataverse orders it by the name of whichever table each row points at).
 */
export function linkedSortKeys(model: Model, path: readonly LinkStep[], name: string, attribute: AttributeModel, descending: boolean, labels: boolean, join?: JoinOrigin): SortKey[] {
  const linked = (from: AttributeModel, logicalName: string, sort: SortColumn & { kind: 'linked' }, changes: Partial<AttributeModel> = {}): SortKey => {
    const column = computedColumn(from, from, { LogicalName: shortIdentifier(logicalName), PropertyName: logicalName, AttributeOf: undefined, ...changes });
    computed.set(column, join ? { ...sort, join } : sort);
    return { attribute: column, descending };
  };
  const keys: SortKey[] = [];
  const table = path.length ? path[path.length - 1]!.navigation.target : join!.table;
  const navigation = attribute.NavigationPropertyName ? table.navigation.get(attribute.NavigationPropertyName) : undefined;
  const owner = navigation?.kind === 'single' && navigation.principals;
  if (attribute.Targets.length > 1 && !owner) throw Errors.notImplemented(`Ordering by the polymorphic lookup '${table.LogicalName}.${attribute.LogicalName}' of a link-entity`);
  if (navigation?.kind === 'single' && !navigation.intersect && (owner || model.byLogicalName.has(attribute.Targets[0]!))) {
    // An owner: the user's name, then the team's (each null for a row the other owns).
    for (const [i, branch] of (owner ? [...owner.values()] : [navigation]).entries()) {
      const target = branch.target;
      if (!target.PrimaryNameAttribute) continue;
      const primary = target.attributesByName.get(target.PrimaryNameAttribute)!;
      keys.push(linked(primary, `${name}${i ? target.LogicalName : ''}name`, { kind: 'linked', path: [...path, { navigation: branch }], column: primary }));
    }
  } else if (labels && attribute.OptionSet && CHOICES.has(attribute.AttributeType)) {
    const ranks = optionRanks(attribute);
    keys.push(linked(attribute, `${name}rank`, { kind: 'linked', path, column: attribute, ranks }, rankType(ranks)));
  }
  keys.push(linked(attribute, name, { kind: 'linked', path, column: attribute }));
  return keys;
}
