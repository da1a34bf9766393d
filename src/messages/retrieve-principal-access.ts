import { Errors } from '../errors.js';
import { SYSTEMUSER } from '../model/system-columns.js';
import { planRead } from '../plan/read.js';
import { CallerAccess } from '../security/access.js';
import { callerOf, SYSTEM_CALLER } from '../security/callers.js';
import { withSecurity } from '../store/database.js';
import { privilegesOf } from '../security/privileges.js';
import { sharedMask } from '../store/shares.js';
import { ACCESS_RIGHTS, accessRightsText, maskOf, ownerOf } from './sharing.js';
import { executeRead } from '../store/execute.js';
import { boundUser, grantsOf } from './roles.js';
import type { Message, RecordReference } from './types.js';

/**
 * RetrievePrincipalAccess (Dataverse Web API function, bound to a user):
 * `GET /systemusers(<id>)/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(<id>)'}`
 * → `{"AccessRights":"ReadAccess, WriteAccess, …"}` (the flags' names, comma-separated, as OData
 * writes a flags enumeration; `None` when none): what that user may do to the record, by the
 * depth of each privilege of its roles and its teams' roles, a team's counted from the team's
 * business unit (Basic: the records it or one of its
 * teams owns, or that are shared with either with that right; Dataverse "How access to a record is
 * determined", "Sharing and assigning": a shared right counts only where the user holds the
 * privilege at some depth). The caller needs Read on the user and on the record (403 otherwise);
 * 404 for either not existing.
 */
export const message: Message = {
  Name: 'RetrievePrincipalAccess',
  Kind: 'Function',
  Binding: 'entity',
  BindingTable: SYSTEMUSER,
  Parameters: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }],
  ReturnType: { Name: 'RetrievePrincipalAccessResponse', Properties: [{ Name: 'AccessRights', Type: 'mscrm.AccessRights' }], Enums: [ACCESS_RIGHTS] },
  async invoke(ctx, args) {
    const userId = await boundUser(ctx, 'RetrievePrincipalAccess');
    const target = args['Target'] as RecordReference;
    const { entity, id } = target;
    const read = planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id);
    if (!(await executeRead(ctx.db, read)).rows.length) throw Errors.recordNotFound(entity.LogicalName, id);
    const ownerId = await ownerOf(ctx.db, ctx.db, target);
    const user = await callerOf(ctx.model, withSecurity(ctx.db, undefined), userId, SYSTEM_CALLER);
    const held = await grantsOf(ctx, userId, false, user.businessunitid);
    const access = new CallerAccess(ctx.model, user, held, SYSTEM_CALLER.systemuserid);
    const shared = await sharedMask(ctx.db, ctx.db, entity, id, access.sharePrincipals);
    const granted = held.unrestricted ? [...privilegesOf(ctx.model).byTable.get(entity)?.keys() ?? []] : access.rightsOn(entity, ownerId, shared, await access.rowPlace(ctx.db, entity, id));
    return { AccessRights: accessRightsText(maskOf(granted)) };
  },
};
