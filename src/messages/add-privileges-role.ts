import { Errors } from '../errors.js';
import { deletePlan } from '../plan/delete.js';
import { boundRole, changeRole, grantPlan, ROLE_PRIVILEGE, rolePrivilege } from './roles.js';
import type { Message } from './types.js';
import { rolePrivilegeId } from '../security/privileges.js';

/**
 * AddPrivilegesRole (Dataverse Web API action, bound to a role):
 * `POST /roles(<id>)/Microsoft.Dynamics.CRM.AddPrivilegesRole` with
 * `{"Privileges":[{"PrivilegeId":"<id>","Depth":"Global"}, …]}` (or `PrivilegeName` instead of the
 * id; Depth as a member name or its number) → 204. The role then holds each privilege at that
 * depth; a privilege it held already takes the new depth. All or nothing; 400 for an unknown
 * privilege, one given twice, or a depth it cannot have, 404 for a role that does not exist; the caller needs
 * prvWriteRole.
 */
export const message: Message = {
  Name: 'AddPrivilegesRole',
  Kind: 'Action',
  Binding: 'entity',
  BindingTable: 'role',
  Parameters: [{ Name: 'Privileges', Type: 'Collection(mscrm.RolePrivilege)', ComplexType: ROLE_PRIVILEGE }],
  async invoke(ctx, args) {
    const { role, id } = boundRole(ctx, 'AddPrivilegesRole');
    const items = (args['Privileges'] as Array<Record<string, unknown>>).map((item, i) => rolePrivilege(ctx, item, i));
    const first = new Map<string, number>();
    items.forEach(({ privilege }, i) => {
      const earlier = first.get(privilege.id);
      if (earlier !== undefined) throw Errors.invalidArgument(`Privileges[${i}]: ${privilege.name} is given at Privileges[${earlier}] already.`);
      first.set(privilege.id, i);
    });
    await changeRole(ctx, role, id, async (held, grants, run) => {
      for (const { privilege, mask } of items) {
        const rowId = rolePrivilegeId(id, privilege.id);
        if (held.has(rowId)) await run(deletePlan(grants, rowId, [], ctx.caller));
        await run(grantPlan(ctx, grants, id, privilege, mask));
      }
    });
  },
};
