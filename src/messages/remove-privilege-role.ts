import { deletePlan } from '../plan/delete.js';
import { rolePrivilegeId } from '../security/privileges.js';
import { boundRole, changeRole, privilegeById } from './roles.js';
import type { Message } from './types.js';

/**
 * RemovePrivilegeRole (Dataverse Web API action, bound to a role):
 * `POST /roles(<id>)/Microsoft.Dynamics.CRM.RemovePrivilegeRole` with `{"PrivilegeId":"<id>"}`
 * → 204: the role no longer holds the privilege (nothing changes when it did not). 400 for a
 * privilege that does not exist, 404 for a role that does not exist; the caller needs prvWriteRole.
 */
export const message: Message = {
  Name: 'RemovePrivilegeRole',
  Kind: 'Action',
  Binding: 'entity',
  BindingTable: 'role',
  Parameters: [{ Name: 'PrivilegeId', Type: 'Edm.Guid' }],
  async invoke(ctx, args) {
    const { role, id } = boundRole(ctx, 'RemovePrivilegeRole');
    const rowId = rolePrivilegeId(id, privilegeById(ctx, args['PrivilegeId'] as string, '').id);
    await changeRole(ctx, role, id, async (held, grants, run) => {
      if (held.has(rowId)) await run(deletePlan(grants, rowId, [], ctx.caller));
    });
  },
};
