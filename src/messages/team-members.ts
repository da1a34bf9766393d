import { Errors } from '../errors.js';
import { SYSTEMUSER, TEAM } from '../model/system-columns.js';
import { planAssociate, planDisassociate } from '../plan/associate.js';
import { linksRead } from '../plan/links.js';
import { planRead } from '../plan/read.js';
import { defaultTeamId, teamMembers } from '../plan/teams.js';
import type { UpdatePlan } from '../plan/types.js';
import { canonicalGuid } from '../plan/values.js';
import { planUpdate } from '../plan/write.js';
import { InTransaction, withSecurity } from '../store/database.js';
import { executeRead, writeIn } from '../store/execute.js';
import type { Message, MessageContext, ParameterDefinition } from './types.js';

/**
 * What AddMembersTeam and RemoveMembersTeam share (Dataverse Web API actions bound to a team,
 * parameter `Members`, Collection(mscrm.systemuser), not nullable): the bound team, the users the
 * body names, and the writes of teammembership_association links in one transaction. A call takes
 * the caller's Write privilege on the team (prvWriteTeam), checked by stamping the team's
 * modifiedon/modifiedby in the same transaction, which also answers 404 for a team that does not
 * exist; each link is then written with the caller's checks, those of a `$ref` of
 * teammembership_association (security/access.ts: a new member gets the team's roles, which takes
 * what giving them does).
 */

/** The `Members` parameter: the users, as systemuser entity objects (`{"systemuserid":"<id>"}`). */
const MEMBERS: ParameterDefinition = { Name: 'Members', Type: 'Collection(mscrm.systemuser)' };

/**
 * The declaration of AddMembersTeam (`adding`) or RemoveMembersTeam: an action bound to a team
 * entity, parameter Members, no return value (Dataverse Web API reference); invoke: changeMembers.
 */
export function membersMessage(name: string, adding: boolean): Message {
  return {
    Name: name,
    Kind: 'Action',
    Binding: 'entity',
    BindingTable: TEAM,
    Parameters: [MEMBERS],
    async invoke(ctx, args) {
      await changeMembers(ctx, name, args['Members'] as Array<Record<string, unknown>>, adding);
    },
  };
}

/**
 * The id of the user an action parameter of type mscrm.systemuser names: an entity object with
 * `systemuserid`, or `ownerid`, its principal key, a GUID (canonical). Throws 400 `0x80040203`
 * naming `where` (e.g. `Members[2]`) for an object without one.
 */
export function userIdOf(user: Record<string, unknown>, where: string): string {
  return keyIn(user, ['systemuserid', 'ownerid'], where, 'user');
}

/**
 * The id an entity object parameter names by the first of `keys` it holds (the table's primary
 * key, then others), a GUID (canonical). Throws 400 `0x80040203` naming `where` and `what` (the
 * row's kind, e.g. `business unit`) for an object without one.
 */
export function keyIn(record: Record<string, unknown>, keys: readonly string[], where: string, what: string): string {
  const raw = keys.map((k) => record[k]).find((v) => v !== undefined);
  const id = typeof raw === 'string' ? canonicalGuid(raw) : undefined;
  if (!id) throw Errors.invalidArgument(`${where}: give the ${what}'s ${keys[0]} as a GUID.`);
  return id;
}

/**
 * The id of a row of `table` an entity object parameter (`where`) names by the first of `keys`
 * (keyIn), refusing one whose `@odata.type` names another table, as principalOf refuses a
 * principal of another table: 400 `0x80040203`.
 */
export function typedKeyIn(record: Record<string, unknown>, table: string, keys: readonly string[], where: string, what: string): string {
  const type = record['@odata.type'];
  if (type !== undefined && (typeof type !== 'string' || type.replace(/^#?Microsoft\.Dynamics\.CRM\./, '') !== table)) {
    throw Errors.invalidArgument(`${where} must be a ${what} (Microsoft.Dynamics.CRM.${table}), not '${String(type)}'.`);
  }
  return keyIn(record, keys, where, what);
}

/** The user ids of `Members` (userIdOf each item), each once. */
function memberIds(members: readonly Record<string, unknown>[]): string[] {
  return [...new Set(members.map((m, i) => userIdOf(m, `Members[${i}]`)))];
}

/**
 * Adds (`adding`) or removes the users `Members` names to or from the team the call is bound to
 * (`/teams(<id>)/Microsoft.Dynamics.CRM.<name>`), all or nothing. A user who is a member already
 * (adding) or is none (removing) is left as is. Throws 404 for another binding, a team or a user
 * that does not exist, 400 `0x8004830B`/`0x8004830C` for the default team (its members are the
 * business unit's users), 403 without prvWriteTeam, and when adding to a team with roles 403
 * `0x80040220` without prvAssignRole, or (Errors.notAdministrator, 403 `0x80040220`) for a
 * team holding System Administrator, unless the caller is one.
 */
async function changeMembers(ctx: MessageContext, name: string, members: readonly Record<string, unknown>[], adding: boolean): Promise<void> {
  const team = ctx.binding?.entity;
  const teamId = ctx.binding?.id;
  const users = ctx.model.byLogicalName.get(SYSTEMUSER)!;
  const nav = team?.LogicalName === TEAM ? teamMembers(team) : undefined;
  if (!team || !teamId || !nav) throw Errors.resourceNotFound(`Microsoft.Dynamics.CRM.${name}`);
  const ids = memberIds(members);
  if (teamId === defaultTeamId(ctx.caller.businessunitid)) throw Errors.defaultTeamMembers(teamId, adding);
  await ctx.db.transaction(async (tx) => {
    await writeIn(tx, ctx.db, planUpdate(ctx.model, team, teamId, {}, ctx.caller, '*', undefined) as UpdatePlan);
    const trusted = new InTransaction(withSecurity(ctx.db, undefined), tx);
    const linked = new Set((await executeRead(trusted, linksRead(nav, teamId, [nav.intersect.other.LogicalName]))).rows.map((r) => r[0] as string));
    for (const userId of ids) {
      const found = await executeRead(trusted, planRead(users, { select: [users.PrimaryIdAttribute] }, { returnRepresentation: false }, userId));
      if (!found.rows.length) throw Errors.recordNotFound(SYSTEMUSER, userId);
      // Each link is checked as a $ref of it is (security/access.ts: prvWriteTeam, and the team's roles for a new member).
      if (adding && !linked.has(userId)) await writeIn(tx, ctx.db, planAssociate(ctx.model, ctx.caller, nav, teamId, userId));
      else if (!adding && linked.has(userId)) await writeIn(tx, ctx.db, planDisassociate(ctx.model, ctx.caller, nav, teamId, userId));
    }
  });
}
