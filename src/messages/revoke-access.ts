import { changeShare, principalOf, sharedTable, shareTarget } from './sharing.js';
import type { Message } from './types.js';

/**
 * RevokeAccess (Dataverse Web API action, unbound): `POST /RevokeAccess` with
 * `{"Target":{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<pk>":"<id>"},"Revokee":
 * {"@odata.type":"Microsoft.Dynamics.CRM.team","teamid":"<id>"}}` → 204: the row is no longer
 * shared with the user or team (Target and Revokee are crmbaseentity, no return value). Revoking a
 * share that does not exist changes nothing. The caller needs ShareAccess on the row (403
 * `0x80040220` / `0x80048306`); 404 `0x80040217` for a row or principal that does not exist; 400
 * `0x80040203` for a Revokee that is no user or team, or a table whose rows are not shared.
 */
export const message: Message = {
  Name: 'RevokeAccess',
  Kind: 'Action',
  Parameters: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }, { Name: 'Revokee', Type: 'mscrm.crmbaseentity' }],
  takes: sharedTable,
  async invoke(ctx, args) {
    const target = shareTarget(ctx.model, args['Target']);
    const principal = principalOf(ctx.model, args['Revokee'], 'Revokee');
    await changeShare(ctx, target, principal, 0, false);
  },
};
