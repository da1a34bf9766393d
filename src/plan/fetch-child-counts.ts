import { Errors } from '../errors.js';
import { hierarchyOf } from '../model/hierarchy.js';
import { pkOf } from '../model/primary-key.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { invalid, type FetchAttribute, type FetchQuery, type FetchTable } from '../odata/fetchxml.js';
import type { ChildCount } from './types.js';

/**
 * FetchXML `<attribute name="<primary key>" rowaggregate="CountChildren" alias="…"/>` (Dataverse
 * "Query hierarchical data", Retrieve the number of hierarchically related child records; FetchXML
 * reference, attribute: rowaggregate): each returned row carries, under the alias, the number of
 * rows whose hierarchical lookup points at it, its direct children, counted whatever the caller
 * may read (the docs' note: the count includes rows the user may not read). Dataverse allows it
 * only on the primary key of a table with a hierarchical relationship, and only on the query's
 * entity (inside a link-entity it fails with an unexpected error, markcarrington.dev "Inside
 * FetchXML pt 7 – rowaggregate"): Tessera answers 400 there.
 */

/** Whether `x` asks for a child count rather than a column. */
export function countsChildren(x: FetchAttribute): boolean {
  return x.rowaggregate !== undefined;
}

/**
 * The child counts a plain (non-aggregate) FetchXML query asks for on its entity `entity`;
 * `column` resolves a column name as the planner does (0x80041103 for an unknown one). Throws 400
 * `0x80040203` for `rowaggregate` on a column that is not the primary key, on a table without a
 * hierarchical relationship, without an alias (not confirmed: Dataverse's examples always name
 * one), or inside a link-entity; 501 with `distinct="true"` (the count would take part in which
 * rows are distinct, and their keyset order would no longer be total).
 */
export function planChildCounts(entity: EntityModel, query: FetchQuery, column: (table: EntityModel, name: string) => AttributeModel): ChildCount[] {
  refuseInLinks(query.entity.links);
  const counts: ChildCount[] = [];
  for (const x of query.entity.attributes) {
    if (!countsChildren(x)) continue;
    const attribute = column(entity, x.name);
    const where = `the attribute '${x.name}' with rowaggregate="CountChildren"`;
    const relationship = hierarchyOf(entity);
    if (!relationship) throw invalid(`${where}: the table '${entity.LogicalName}' has no hierarchical relationship, so its rows have no children to count.`);
    const lookup = relationship.ReferencingAttribute;
    if (attribute !== pkOf(entity)) {
      throw invalid(`${where}: rowaggregate is only supported on the primary key of the hierarchy relationship ${pkOf(entity).LogicalName} <- ${lookup.LogicalName} of '${entity.LogicalName}'.`);
    }
    if (x.alias === undefined || x.alias.trim() === '') throw invalid(`${where} needs an alias, which names the count in the results.`);
    if (query.distinct) throw Errors.notImplemented('rowaggregate="CountChildren" with distinct="true"');
    if (!counts.some((c) => c.name === x.alias)) counts.push({ name: x.alias, relationship });
  }
  return counts;
}

/** 400 for `rowaggregate` on an attribute of any link-entity below `links`. */
function refuseInLinks(links: readonly FetchTable[]): void {
  for (const link of links) {
    const x = link.attributes.find(countsChildren);
    if (x) throw invalid(`the attribute '${x.name}' of the link-entity '${link.name}' has rowaggregate; rowaggregate="CountChildren" is only supported on the attributes of the query's entity.`);
    refuseInLinks(link.links);
  }
}
