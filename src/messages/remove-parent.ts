import { Errors } from '../errors.js';
import { SYSTEMUSER } from '../model/system-columns.js';
import { executeWrite } from '../store/execute.js';
import { managerUpdate } from './set-parent-system-user.js';
import { entityObjectReference } from './targets.js';
import type { Message } from './types.js';

/**
 * RemoveParent (Dataverse Web API action, unbound; SDK RemoveParentRequest: "removes the parent for
 * a system user (user) record"): `POST /RemoveParent` with
 * `{"Target":{"@odata.type":"Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"}}` → 204.
 * The user no longer has a manager (`parentsystemuserid` null); the users who report to it keep
 * doing so. Written as a PATCH of the manager by the caller would be (prvWriteUser, prvAppendUser).
 * Errors: 400 `0x80040203` for a Target without `@odata.type`/`systemuserid` or of another table;
 * 404 `0x80040217` for a user that does not exist; 403 without the privileges.
 */
export const message: Message = {
  Name: 'RemoveParent',
  Kind: 'Action',
  Parameters: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }],
  takes: (entity) => entity.LogicalName === SYSTEMUSER,
  async invoke(ctx, args) {
    const { entity, id } = entityObjectReference(ctx.model, args['Target'], 'Target');
    if (entity.LogicalName !== SYSTEMUSER) throw Errors.invalidArgument(`Target must be a systemuser; RemoveParent removes a user's manager, and '${entity.LogicalName}' is another table.`);
    await executeWrite(ctx.db, managerUpdate(ctx, id, null));
  },
};
