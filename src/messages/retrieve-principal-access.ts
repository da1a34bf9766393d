import { Errors } from '../errors.js';
import { SYSTEMUSER } from '../model/system-columns.js';
import { planRead } from '../plan/read.js';
import { CallerAccess } from '../security/access.js';
import { SYSTEM_CALLER } from '../security/callers.js';
import { AccessRight, privilegesOf } from '../security/privileges.js';
import { executeRead } from '../store/execute.js';
import { boundUser, grantsOf } from './roles.js';
import type { Message, RecordReference } from './types.js';

/** Dataverse's AccessRights flags enumeration, as `$metadata` declares it. */
const ACCESS_RIGHTS = {
  Name: 'AccessRights',
  IsFlags: true,
  Members: [{ Name: 'None', Value: 0 }, ...Object.entries(AccessRight).map(([name, value]) => ({ Name: `${name}Access`, Value: value }))],
};

/**
 * RetrievePrincipalAccess (Dataverse Web API function, bound to a user):
 * `GET /systemusers(<id>)/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(<id>)'}`
 * → `{"AccessRights":"ReadAccess, WriteAccess, …"}` (the flags' names, comma-separated, as OData
 * writes a flags enumeration; `None` when none): what that user may do to the record, by the
 * depth of each privilege of its roles and its teams' roles (Basic: the records it or one of its
 * teams owns, Dataverse "How access to a record is determined"). The caller needs Read on the
 * user and on the record (403 otherwise); 404 for either not existing.
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
    const { entity, id } = args['Target'] as RecordReference;
    const owner = entity.OwnershipType === 'UserOwned' ? entity.attributesByName.get('ownerid') : undefined;
    const read = planRead(entity, { select: [owner?.PropertyName ?? entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id);
    const [row] = (await executeRead(ctx.db, read)).rows;
    if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
    const ownerId = owner ? row[read.columns.indexOf(owner)] : undefined;
    const held = await grantsOf(ctx, userId);
    const access = new CallerAccess(ctx.model, { ...SYSTEM_CALLER, systemuserid: userId }, held.masks, held.roles.size, SYSTEM_CALLER.systemuserid, held.teams);
    const rights = [...privilegesOf(ctx.model).byTable.get(entity)?.keys() ?? []];
    const granted = rights.filter((right) => {
      const reach = held.unrestricted ? 'all' : access.reach(entity, right);
      return reach === 'all' || (reach === 'own' && access.ownsThrough(ownerId));
    }).sort((a, b) => AccessRight[a] - AccessRight[b]);
    return { AccessRights: granted.length ? granted.map((r) => `${r}Access`).join(', ') : 'None' };
  },
};
