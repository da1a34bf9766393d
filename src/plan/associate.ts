import { Errors } from '../errors.js';
import type { AttributeModel, EntityModel, ManyToManyNavigationModel, Model, NavigationPropertyModel } from '../model/types.js';
import { linkInsert, linkPair } from './links.js';
import { defaultTeamMembers, notAccessTeam, TEAM_ROLES } from './teams.js';
import type { AssociatePlan, Caller, DisassociatePlan, UpdatePlan } from './types.js';
import { planRowChange, planUpdate } from './write.js';

/**
 * Associate and disassociate (digest §2.5) as plans, whatever the relationship: through a
 * single-valued property the source row's lookup is set or cleared; through the collection of a
 * one-to-many relationship the related row's lookup; through a many-to-many one a row of the
 * intersect table is added or removed. Used by `$ref` requests and by deep insert's binds.
 */

/**
 * The conditional headers of a single-valued `$ref` write (RFC 9110 §13.1): `ifMatch` `*` or
 * versions (`W/"n"` without its quotes, as ODataRequest parses them), `ifNoneMatch` `*` or versions.
 */
export interface RowConditions {
  readonly ifMatch: '*' | readonly string[];
  readonly ifNoneMatch?: '*' | readonly string[];
}

/** No condition: any version of the row, which must exist. */
const ANY_VERSION: RowConditions = { ifMatch: '*' };

function bindUrl(entitySetName: string, id: string): string {
  return `/${entitySetName}(${id})`;
}

/** The lookup a one-to-many property writes; 400 when the system maintains it (createdby …). */
function writableLookup(nav: Exclude<NavigationPropertyModel, ManyToManyNavigationModel>): AttributeModel {
  const lookup = nav.relationship.ReferencingAttribute;
  if (!lookup.IsValidForUpdate) {
    throw Errors.badQuery(`The lookup '${lookup.LogicalName}' of '${nav.relationship.ReferencingEntity.LogicalName}' is maintained by the system and cannot be associated through '${nav.Name}'.`);
  }
  return lookup;
}

/**
 * Plans linking row `sourceId` of `nav.source` with row `targetId` of `nav.target`. A missing row
 * fails at execution with 404 `0x80040217`; a many-to-many pair linked already with 412
 * `0x80040237` "Cannot insert duplicate key.". Throws 400 for a lookup the system maintains, and
 * for a user and a default team (defaultTeamMembers; planDisassociate too).
 * `conditions` (If-Match: `*` or a version; If-None-Match: `*` or versions, see planRowChange)
 * condition the write of a single-valued property's lookup on the source row: a stale If-Match
 * version, an If-None-Match version the row is at, or If-None-Match `*` on an existing row fails
 * with 412 `0x80060882`. `target`: the table of row `targetId` (the `$ref`'s resolved row), which
 * for an owner's property (`ownerid`) is a user's or a team's; by default `nav.target`.
 */
export function planAssociate(model: Model, caller: Caller, nav: NavigationPropertyModel, sourceId: string, targetId: string, conditions: RowConditions = ANY_VERSION, target: EntityModel = nav.target): UpdatePlan | AssociatePlan {
  if (nav.intersect) {
    const references = defaultTeamMembers(nav, sourceId, targetId, caller, true, [{ entity: nav.source, id: sourceId }, { entity: nav.target, id: targetId }]);
    // An access team holds no security roles (notAccessTeam).
    return { kind: 'associate', link: linkInsert(nav, sourceId, targetId, nav.relationship.SchemaName === TEAM_ROLES ? references.map((r) => notAccessTeam(r, 'hold security roles')) : references) };
  }
  writableLookup(nav);
  if (nav.kind === 'single') return planRowChange(model, nav.source, sourceId, { [`${nav.Name}@odata.bind`]: bindUrl(target.EntitySetName, targetId) }, caller, conditions.ifMatch, conditions.ifNoneMatch);
  return planUpdate(model, nav.target, targetId, { [`${nav.Partner}@odata.bind`]: bindUrl(nav.source.EntitySetName, sourceId) }, caller, '*', undefined) as UpdatePlan;
}

/**
 * Plans unlinking: a single-valued property is cleared (`targetId` unused); the related row of a
 * collection (`targetId`) is unlinked from row `sourceId`: 404 `0x80040217` when either row does
 * not exist, or when they are not linked (Errors.notLinked). Throws 400 for a lookup the system maintains.
 * `conditions` condition the clearing of a single-valued property as planAssociate's do.
 */
export function planDisassociate(model: Model, caller: Caller, nav: NavigationPropertyModel, sourceId: string, targetId?: string, conditions: RowConditions = ANY_VERSION): UpdatePlan | DisassociatePlan {
  const missing = () => Errors.notLinked(nav.target.LogicalName, targetId!, nav.source.LogicalName, sourceId, nav.Name);
  if (nav.intersect) {
    const references = defaultTeamMembers(nav, sourceId, targetId, caller, false, [{ entity: nav.source, id: sourceId }, ...(targetId ? [{ entity: nav.target, id: targetId }] : [])]);
    return { kind: 'disassociate', entity: nav.intersect.entity, match: linkPair(nav, sourceId, targetId!), missing, references };
  }
  const lookup = writableLookup(nav);
  if (nav.kind === 'single') return planRowChange(model, nav.source, sourceId, { [`${nav.Name}@odata.bind`]: null }, caller, conditions.ifMatch, conditions.ifNoneMatch);
  const plan = planUpdate(model, nav.target, targetId!, { [`${nav.Partner}@odata.bind`]: null }, caller, '*', undefined) as UpdatePlan;
  return { ...plan, guards: [...plan.guards, { attribute: lookup, values: [sourceId], fail: missing }] };
}
