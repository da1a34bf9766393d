import type { NavigationPropertyModel } from '../model/types.js';
import type { PlanExpr } from './types.js';

/** `plan` with its filter narrowed to the rows that also meet `link` (a read or count of related rows). */
export function restrict<T extends { readonly filter?: PlanExpr }>(plan: T, link: PlanExpr): T {
  return { ...plan, filter: plan.filter ? { kind: 'and', left: link, right: plan.filter } : link };
}

/**
 * The condition on rows of `nav.target` that selects the rows related to row `id` of `nav.source`
 * (for `GET <set>(<id>)/<nav>` and its `$ref` and `$count`, digest §2.2): for the collection of a
 * one-to-many relationship, their lookup holds `id` (and, polymorphic, their type column names the
 * source table); otherwise (the row a lookup points at, rows linked through an intersect table,
 * or any relationship of a retention-enabled source table) a visible row of the source table with
 * that id is related to them through the partner property. `nav` is a navigation property of the
 * model (EntityModel.navigation, found by its name in a URL): the lookup holds the source's key,
 * never another column, as the steps of FetchXML joins on columns (model/column-links.ts, made per
 * query and in no table's navigation) may.
 */
export function relatedTo(nav: NavigationPropertyModel, id: string): PlanExpr {
  // From a table whose rows can be hidden (retention), only through the partner, whose EXISTS
  // reads the source row as every read does: a retained row has no visible related rows.
  if (!nav.intersect && nav.kind === 'collection' && !nav.source.IsRetentionEnabled) {
    const lookup = nav.relationship.ReferencingAttribute;
    const link: PlanExpr = { kind: 'compare', op: 'eq', attribute: lookup, value: id };
    if (!lookup.TypeAttribute) return link;
    return { kind: 'and', left: link, right: { kind: 'compare', op: 'eq', attribute: lookup.TypeAttribute, value: nav.source.LogicalName } };
  }
  const partner = nav.target.navigation.get(nav.Partner)!;
  const pk = nav.source.attributesByName.get(nav.source.PrimaryIdAttribute)!;
  return { kind: 'exists', navigation: partner, where: { kind: 'compare', op: 'eq', attribute: pk, value: id } };
}

/**
 * The properties a read through `nav` tries in turn for the one row it leads to: an owner's
 * (`ownerid`, typed principal) leads to a user or a team, so each table's property
 * (OneToManyNavigationModel.principals: users first); any other property is itself alone.
 */
export function singleBranches(nav: NavigationPropertyModel): readonly NavigationPropertyModel[] {
  return nav.kind === 'single' && nav.principals ? [...nav.principals.values()] : [nav];
}
