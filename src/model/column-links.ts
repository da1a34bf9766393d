import { stepCascade } from './intersect-links.js';
import { pkOf } from './primary-key.js';
import type { AttributeModel, AttributeType, EntityModel, OneToManyNavigationModel, RelationshipModel } from './types.js';

/**
 * The step of a FetchXML `link-entity` whose `from` and `to` columns are no relationship of the
 * model (Dataverse "Join tables using FetchXml", No relationship: `from` and `to` may name columns
 * that are not part of a defined relationship, e.g. an account's `name` matched with a contact's
 * `fullname`; the rows joined are those whose two columns are equal). It is a plain one-to-many
 * navigation model, so the planner joins, filters, reads and secures through it as through a
 * lookup:
 * - `from` is the linked table's primary key: a single-valued step (each parent row meets at most
 *   one linked row), whose "lookup" is the parent's `to` column;
 * - otherwise a collection-valued step (a parent row may meet several linked rows), whose "lookup"
 *   is the linked table's `from` column and whose referenced column is the parent's `to`
 *   (RelationshipModel.ReferencedAttribute, read with sourceKey).
 * Such steps are made per query; they are no navigation properties of the tables.
 */

/**
 * The kinds of column a join compares: two columns join when they are of one kind, compared as the
 * database stores them (sql/types.ts): GUIDs (ids and lookups), text (case-insensitive on every
 * database, as Dataverse compares), numbers (whole, decimal, floating point and choice values),
 * yes/no, date-times, and dates (DateOnly, stored as dates, apart from date-times). File and
 * Image columns have no kind: Dataverse's join reference lists them among the types `from` and
 * `to` cannot use.
 */
const KINDS: Partial<Record<AttributeType, string>> = {
  Uniqueidentifier: 'guid', Lookup: 'guid', Owner: 'guid', Customer: 'guid',
  String: 'text', Memo: 'text', EntityName: 'text',
  Integer: 'number', BigInt: 'number', Decimal: 'number', Money: 'number', Double: 'number', Picklist: 'number', State: 'number', Status: 'number',
  Boolean: 'boolean',
};

/** The kind of value `a` holds for joins (KINDS), undefined for a type no join may use. */
export function joinKind(a: AttributeModel): string | undefined {
  if (a.AttributeType === 'DateTime') return a.DateTimeBehavior === 'DateOnly' ? 'date' : 'datetime';
  return KINDS[a.AttributeType];
}

/**
 * The type of `a` as a join error names it: its AttributeType, and for a DateTime column its
 * DateTimeBehavior (`DateTime (DateOnly)`, `DateTime (UserLocal)`: UserLocal when the metadata
 * leaves it out), which decides whether it holds a date or a date-time (joinKind).
 */
export function joinTypeName(a: AttributeModel): string {
  return a.AttributeType === 'DateTime' ? `DateTime (${a.DateTimeBehavior ?? 'UserLocal'})` : a.AttributeType;
}

/**
 * The step that joins the rows of `target` whose column `from` equals the column `to` of a row of
 * `parent` (see above), named `name`: the link's alias (or generated name), which messages about
 * the step show as a navigation property's name (an aggregate's column path `<alias>/<column>`).
 * The columns must be of one joinKind and neither a polymorphic lookup (the caller checks both;
 * the step compares the ids alone).
 */
export function columnLink(name: string, parent: EntityModel, to: AttributeModel, target: EntityModel, from: AttributeModel): OneToManyNavigationModel {
  const single = from === pkOf(target);
  const relationship: RelationshipModel = Object.freeze({
    RelationshipType: 'OneToManyRelationship',
    SchemaName: name,
    ...(single
      ? { ReferencedEntity: target, ReferencingEntity: parent, ReferencingAttribute: to, ReferencedAttribute: from }
      : { ReferencedEntity: parent, ReferencingEntity: target, ReferencingAttribute: from, ReferencedAttribute: to }),
    ReferencingEntityNavigationPropertyName: name,
    ReferencedEntityNavigationPropertyName: name,
    CascadeConfiguration: stepCascade('RemoveLink'),
    IsHierarchical: false,
  });
  return Object.freeze({ Name: name, kind: single ? 'single' : 'collection', relationship, source: parent, target, Partner: name });
}
