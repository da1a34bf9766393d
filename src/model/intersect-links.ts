import { CASCADE_ACTIONS } from './schema.js';
import type { CascadeDelete, CascadeType, EntityModel, ManyToManyRelationshipModel, Model, OneToManyNavigationModel, RelationshipModel } from './types.js';

/**
 * The steps a FetchXML query takes through the intersect table of a many-to-many relationship
 * (Dataverse "Join tables using FetchXml", Many-to-many relationships: the query links the
 * intersect entity, `<link-entity name="systemuserroles" from="systemuserid" to="systemuserid"
 * intersect="true">`, and inside it the other table, `<link-entity name="role" from="roleid"
 * to="roleid">`). Each id column of an intersect table acts as a lookup of the table whose ids it
 * holds, so each side of the relationship gets:
 * - a collection-valued step from the side's table to the intersect rows holding its id (a
 *   one-to-many relationship whose referencing attribute is that id column), and
 * - a single-valued step from an intersect row to the side's row.
 * They are plain one-to-many navigation models, so the planner joins, filters and reads through
 * them as through lookups, and security narrows the rows of the far table as for other links. They
 * are not navigation properties of the tables (`$metadata` and OData URLs do not know them): the
 * Web API reaches many-to-many rows through the relationship's own collection-valued properties.
 */

/** Steps by the table they start from, per model (built once per model, on first use). */
const cache = new WeakMap<Model, ReadonlyMap<EntityModel, readonly OneToManyNavigationModel[]>>();

/**
 * The cascade configuration of a step that is no relationship of the model (an intersect step, a
 * FetchXML join on columns, model/column-links.ts): `Delete` as given, no other action cascades.
 */
export function stepCascade(remove: CascadeDelete): RelationshipModel['CascadeConfiguration'] {
  return Object.freeze({
    ...Object.fromEntries(CASCADE_ACTIONS.map((action) => [action, 'NoCascade'])) as Record<(typeof CASCADE_ACTIONS)[number], CascadeType>,
    Delete: remove,
  });
}

/** The cascade configuration of an intersect step: an intersect row goes with either row it links, nothing else cascades. */
const CASCADE = stepCascade('Cascade');

/** The two steps of one side (`side` 1 or 2) of `m`: into its intersect rows, and from an intersect row back to the side's row. */
function sideSteps(m: ManyToManyRelationshipModel, side: 1 | 2): [OneToManyNavigationModel, OneToManyNavigationModel] {
  const entity = side === 1 ? m.Entity1 : m.Entity2;
  const column = side === 1 ? m.Entity1IntersectAttribute : m.Entity2IntersectAttribute;
  const intersect = m.IntersectEntity;
  const relationship: RelationshipModel = Object.freeze({
    RelationshipType: 'OneToManyRelationship', SchemaName: m.SchemaName, ReferencedEntity: entity, ReferencingEntity: intersect, ReferencingAttribute: column,
    ReferencingEntityNavigationPropertyName: column.LogicalName, ReferencedEntityNavigationPropertyName: intersect.LogicalName, CascadeConfiguration: CASCADE, IsHierarchical: false,
  });
  const into: OneToManyNavigationModel = Object.freeze({ Name: intersect.LogicalName, kind: 'collection', relationship, source: entity, target: intersect, Partner: column.LogicalName });
  const back: OneToManyNavigationModel = Object.freeze({ Name: column.LogicalName, kind: 'single', relationship, source: intersect, target: entity, Partner: intersect.LogicalName });
  return [into, back];
}

/**
 * The intersect steps that start from `table` (see above): for a table in many-to-many
 * relationships, one collection-valued step into each relationship's intersect table per side it
 * is on (two for a relationship of the table with itself); for an intersect table, the two
 * single-valued steps to the rows it links. Empty for other tables.
 */
export function intersectSteps(model: Model, table: EntityModel): readonly OneToManyNavigationModel[] {
  let steps = cache.get(model);
  if (!steps) {
    const bySource = new Map<EntityModel, OneToManyNavigationModel[]>();
    const seen = new Set<ManyToManyRelationshipModel>();
    for (const e of model.entities) {
      for (const nav of e.navigation.values()) {
        if (!nav.intersect || seen.has(nav.relationship)) continue;
        seen.add(nav.relationship);
        for (const step of [...sideSteps(nav.relationship, 1), ...sideSteps(nav.relationship, 2)]) {
          const list = bySource.get(step.source) ?? [];
          list.push(step);
          bySource.set(step.source, list);
        }
      }
    }
    steps = bySource;
    cache.set(model, steps);
  }
  return steps.get(table) ?? [];
}
