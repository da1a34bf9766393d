import type { Message } from './types.js';

/**
 * WhoAmI (unbound function): `GET /WhoAmI()` → `{"BusinessUnitId","UserId","OrganizationId"}` of
 * the caller (the built-in system user until authentication exists).
 */
export const message: Message = {
  Name: 'WhoAmI',
  Kind: 'Function',
  Parameters: [],
  ReturnType: {
    Name: 'WhoAmIResponse',
    Properties: [{ Name: 'BusinessUnitId', Type: 'Edm.Guid' }, { Name: 'UserId', Type: 'Edm.Guid' }, { Name: 'OrganizationId', Type: 'Edm.Guid' }],
  },
  async invoke(ctx) {
    return { BusinessUnitId: ctx.caller.businessunitid, UserId: ctx.caller.systemuserid, OrganizationId: ctx.caller.organizationid };
  },
};
