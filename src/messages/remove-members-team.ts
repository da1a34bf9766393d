import { membersMessage } from './team-members.js';
import type { Message } from './types.js';

/**
 * RemoveMembersTeam (Dataverse Web API action, bound to a team):
 * `POST /teams(<id>)/Microsoft.Dynamics.CRM.RemoveMembersTeam` with
 * `{"Members":[{"@odata.type":"Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"}, …]}` → 204.
 * The users stop being members of the team; a user who is none is left as is. Errors:
 * team-members.ts changeMembers.
 */
export const message: Message = membersMessage('RemoveMembersTeam', false);
