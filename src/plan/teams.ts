import { Errors } from '../errors.js';
import { nameGuid } from '../model/kept-ids.js';
import { SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { EntityModel, ManyToManyNavigationModel, NavigationPropertyModel } from '../model/types.js';
import { linkInsert } from './links.js';
import type { Caller, Guard, InsertPlan, RowReference } from './types.js';

/**
 * Teams (Dataverse Team table, "Manage teams"): each business unit has a default team, named as
 * the unit and made with it, whose members are the unit's users. Tessera has the one root unit,
 * so there is one default team (security/teams.ts keeps it); this module names it and refuses what
 * Dataverse refuses on it: deleting it and changing its members by hand.
 */

/** The many-to-many relationship (and navigation property on both sides) of users and their teams. */
export const TEAM_MEMBERSHIP = 'teammembership_association';
/** The many-to-many relationship (and navigation property on both sides) of teams and their roles. */
export const TEAM_ROLES = 'teamroles_association';

/** Dataverse's teamtype of an owner team (Team table, TeamType choices: Owner 0, Access 1, …). */
export const OWNER_TEAM = 0;
/** Dataverse's teamtype of an access team. */
export const ACCESS_TEAM = 1;

/**
 * `ref`, when it names a team, guarded not to be an access team (Dataverse "Manage teams": access
 * teams don't own records and don't have security roles): checked where the write reads the
 * referenced row, failing with 400 `0x80040203` saying the team cannot `what` ("own records",
 * "hold security roles"). Other references are returned as they are.
 */
export function notAccessTeam(ref: RowReference, what: string): RowReference {
  const type = ref.entity.LogicalName === TEAM ? ref.entity.attributesByName.get('teamtype') : undefined;
  if (!type) return ref;
  return { ...ref, guards: [...ref.guards ?? [], { attribute: type, values: [ACCESS_TEAM], except: true, fail: () => Errors.invalidArgument(`The team with id ${ref.id} is an access team, which cannot ${what}; use an owner team.`) }] };
}

/** The id of business unit `businessunitid`'s default team: derived from the unit's, the same on every start. */
export function defaultTeamId(businessunitid: string): string {
  return nameGuid(`team:default:${businessunitid}`);
}

/**
 * Refuses deleting a business unit's default team: 400 `0x80048307` (Errors.defaultTeamNotDeletable),
 * at once for the default team of `caller`'s unit, and for another unit's by a guard on its
 * isdefault, checked in the DELETE (the team goes only with its unit, store/business-unit-delete.ts).
 * Empty for another table.
 */
export function defaultTeamDeleteGuards(entity: EntityModel, id: string, caller: Caller): Guard[] {
  if (entity.LogicalName !== TEAM) return [];
  if (id === defaultTeamId(caller.businessunitid)) throw Errors.defaultTeamNotDeletable(id);
  const isDefault = entity.attributesByName.get('isdefault');
  return isDefault ? [{ attribute: isDefault, values: [true], except: true, fail: () => Errors.defaultTeamNotDeletable(id) }] : [];
}

/**
 * Refuses linking (`adding`) or unlinking a user and a default team through `nav` (either side
 * of teammembership_association, from row `sourceId` to `targetId`): 400 `0x8004830B` /
 * `0x8004830C` (Errors.defaultTeamMembers), as AddMembersTeam and RemoveMembersTeam answer there
 * (Dataverse "Manage teams": a default team's members are its business unit's users, changed only
 * by moving users between units). At once for the default team of `caller`'s unit; for any other
 * team `references` (the link's rows) come back with a guard on the team's isdefault, checked
 * where the write reads the team, after the caller's checks on it (security/access.ts), so that a
 * team the caller may not change is refused as such before its kind is told. Other navigation
 * properties' references are returned as they are.
 */
export function defaultTeamMembers(nav: NavigationPropertyModel, sourceId: string, targetId: string | undefined, caller: Caller, adding: boolean, references: RowReference[]): RowReference[] {
  if (nav.relationship.SchemaName !== TEAM_MEMBERSHIP) return references;
  const teamId = nav.source.LogicalName === TEAM ? sourceId : targetId;
  const team = defaultTeamId(caller.businessunitid);
  if (teamId === team) throw Errors.defaultTeamMembers(team, adding);
  return references.map((ref) => {
    const isDefault = ref.entity.LogicalName === TEAM ? ref.entity.attributesByName.get('isdefault') : undefined;
    if (!isDefault) return ref;
    return { ...ref, guards: [...ref.guards ?? [], { attribute: isDefault, values: [true], except: true, fail: () => Errors.defaultTeamMembers(ref.id, adding) }] };
  });
}

/** teammembership_association on `entity` when it is the user table (source: a user, target: a team) and the model has teams. */
export function membershipOfUsers(entity: EntityModel): ManyToManyNavigationModel | undefined {
  const nav = entity.LogicalName === SYSTEMUSER ? entity.navigation.get(TEAM_MEMBERSHIP) : undefined;
  return nav?.intersect ? nav : undefined;
}

/** teammembership_association on team table `teams` (source: a team, target: its members), when the model has it. */
export function teamMembers(teams: EntityModel): ManyToManyNavigationModel | undefined {
  const nav = teams.navigation.get(TEAM_MEMBERSHIP);
  return nav?.intersect ? nav : undefined;
}

/**
 * The link making user `userId` a member of team `teamId` through `nav` (membershipOfUsers): an
 * insert of the intersect row that reads neither row first, past the caller's privileges on the
 * team (the default team's membership of a new user, written with the user, and at start for
 * users without it).
 */
export function membershipLink(nav: ManyToManyNavigationModel, userId: string, teamId: string): InsertPlan {
  return linkInsert(nav, userId, teamId, []);
}
