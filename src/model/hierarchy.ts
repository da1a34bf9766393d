import type { ModelProblem } from './loader.js';
import type { DeclaredRelationship } from './relationships.js';
import type { EntityModel, RelationshipModel } from './types.js';

/**
 * Hierarchical relationships (Dataverse "Query hierarchical data"; OneToManyRelationshipMetadata
 * IsHierarchical): a table may mark one self-referential many-to-one lookup (account's
 * parentaccountid) as its hierarchy, which the hierarchy query functions (`Under`,
 * `UnderOrEqual`, `Above`, `AboveOrEqual`, `NotUnder`; FetchXML `under`, `eq-or-under`, `above`,
 * `eq-or-above`, `not-under`) walk, at most HIERARCHY_MAX_DEPTH levels from the row they name.
 */

/**
 * How many levels a hierarchy query walks from the row it names: Dataverse's default recursion
 * limit for the hierarchical condition operators ("Query hierarchical data", recursion limits: 100).
 */
export const HIERARCHY_MAX_DEPTH = 100;

/** hierarchyOf's answers, found once per table (null: none): every create and update asks. */
const hierarchies = new WeakMap<EntityModel, RelationshipModel | null>();

/** `entity`'s hierarchical relationship (a lookup of the table to itself), if it has one. */
export function hierarchyOf(entity: EntityModel): RelationshipModel | undefined {
  let found = hierarchies.get(entity);
  if (found === undefined) {
    found = null;
    for (const nav of entity.navigation.values()) {
      const r = nav.relationship;
      if (nav.kind === 'single' && r.RelationshipType === 'OneToManyRelationship' && r.IsHierarchical && r.ReferencingEntity === entity) found = r;
    }
    hierarchies.set(entity, found);
  }
  return found ?? undefined;
}

/**
 * The problems of the lookups `declared` (by `<table>.<column>`, with their JSON pointers) marks
 * IsHierarchical: a lookup whose Targets are not exactly its own table (Dataverse defines
 * hierarchies on self-referential relationships only), and every hierarchical lookup of a table
 * after its first (Dataverse allows one hierarchical relationship per table).
 */
export function hierarchyProblems(entities: readonly EntityModel[], declared: ReadonlyMap<string, DeclaredRelationship>): ModelProblem[] {
  const problems: ModelProblem[] = [];
  for (const e of entities) {
    let first: string | undefined;
    for (const a of e.Attributes) {
      const file = declared.get(`${e.LogicalName}.${a.LogicalName}`);
      if (!file?.IsHierarchical) continue;
      const problem = (reason: string) => problems.push({ file: e.source, pointer: `${file.pointer}/IsHierarchical`, reason });
      if (a.Targets.length !== 1 || a.Targets[0] !== e.LogicalName) problem(`a hierarchical relationship is one of a table with itself; '${a.LogicalName}' looks up ${a.Targets.map((t) => `'${t}'`).join(', ')}, not '${e.LogicalName}' alone`);
      else if (first !== undefined) problem(`'${e.LogicalName}' already has a hierarchical relationship, through '${first}'; a table has at most one`);
      else first = a.LogicalName;
    }
  }
  return problems;
}
