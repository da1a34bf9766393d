import { membersMessage } from './team-members.js';
import type { Message } from './types.js';

/**
 * AddMembersTeam (Dataverse Web API action, bound to a team):
 * `POST /teams(<id>)/Microsoft.Dynamics.CRM.AddMembersTeam` with
 * `{"Members":[{"@odata.type":"Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"}, …]}` → 204.
 * The users become members of the team (teammembership_association); a member already is left as
 * is. Errors: team-members.ts changeMembers.
 */
export const message: Message = membersMessage('AddMembersTeam', true);
