import { SYSTEMUSER } from '../model/system-columns.js';
import { DepthMask, privilegesOf } from '../security/privileges.js';
import { boundUser, depthName, grantsOf, ROLE_PRIVILEGE } from './roles.js';
import type { Message } from './types.js';

/**
 * RetrieveUserPrivileges (Dataverse Web API function, bound to a user):
 * `GET /systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()` →
 * `{"RolePrivileges":[{"Depth":"Global","PrivilegeId":"…","BusinessUnitId":"…","PrivilegeName":"…"}, …]}`:
 * every privilege the user holds through its roles, at the widest depth any of them gives it, and
 * through its teams' roles, at Basic (Dataverse's RetrieveUserPrivileges remarks: team-inherited
 * privileges come back at Basic whatever their depth, the user's own roles' at theirs); the system
 * user and System Administrators: every privilege at Global; in name order. 404 for a user that
 * does not exist; the caller needs Read on it.
 */
export const message: Message = {
  Name: 'RetrieveUserPrivileges',
  Kind: 'Function',
  Binding: 'entity',
  BindingTable: SYSTEMUSER,
  Parameters: [],
  ReturnType: { Name: 'RetrieveUserPrivilegesResponse', Properties: [{ Name: 'RolePrivileges', Type: 'Collection(mscrm.RolePrivilege)' }], Uses: [ROLE_PRIVILEGE] },
  async invoke(ctx) {
    const userId = await boundUser(ctx, 'RetrieveUserPrivileges');
    const { masks, direct } = await grantsOf(ctx, userId, true);
    const held = privilegesOf(ctx.model).all.filter((p) => masks.get(p.id)).sort((a, b) => a.name.localeCompare(b.name));
    // Team-inherited privileges at Basic, the user's own roles' at their depth (unrestricted: no `direct`, every one Global).
    const depth = (id: string) => (direct ? Math.max(direct.get(id) ?? 0, DepthMask.Basic) : masks.get(id)!);
    return {
      RolePrivileges: held.map((p) => ({ Depth: depthName(depth(p.id)), PrivilegeId: p.id, BusinessUnitId: ctx.caller.businessunitid, PrivilegeName: p.name })),
    };
  },
};
