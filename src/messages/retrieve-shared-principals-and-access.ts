import { Errors } from '../errors.js';
import { PRINCIPAL_KEY } from '../model/system-columns.js';
import { planRead } from '../plan/read.js';
import { executeRead } from '../store/execute.js';
import { readShares } from '../store/shares.js';
import { accessRightsText, PRINCIPAL_ACCESS, sharedTable, shareTarget } from './sharing.js';
import type { Message } from './types.js';

/**
 * RetrieveSharedPrincipalsAndAccess (Dataverse Web API function, unbound):
 * `GET /RetrieveSharedPrincipalsAndAccess(Target=@t)?@t={'@odata.id':'accounts(<id>)'}` →
 * `{"PrincipalAccesses":[{"AccessMask":"ReadAccess, WriteAccess","Principal":{"@odata.type":
 * "#Microsoft.Dynamics.CRM.systemuser","ownerid":"<id>","systemuserid":"<id>"}}, …]}`: the users
 * and teams the row is shared with and the rights each holds through its share (not through its
 * roles), in principal id order; empty when it is shared with none. The caller needs Read on the row
 * (403 `0x80040220` without prvRead, `0x80048306` for a row its depth does not reach); 404
 * `0x80040217` for a row that does not exist; 400 for a table whose rows are not shared.
 */
export const message: Message = {
  Name: 'RetrieveSharedPrincipalsAndAccess',
  Kind: 'Function',
  Parameters: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }],
  ReturnType: { Name: 'RetrieveSharedPrincipalsAndAccessResponse', Properties: [{ Name: 'PrincipalAccesses', Type: 'Collection(mscrm.PrincipalAccess)' }], Uses: [PRINCIPAL_ACCESS] },
  takes: sharedTable,
  async invoke(ctx, args) {
    const { entity, id } = shareTarget(ctx.model, args['Target']);
    // Read as the caller: a row it may not read is refused, one that does not exist is 404.
    const read = await executeRead(ctx.db, planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id));
    if (!read.rows.length) throw Errors.recordNotFound(entity.LogicalName, id);
    const shares = await readShares(ctx.db, ctx.db, entity, id);
    return {
      PrincipalAccesses: shares.map((s) => ({
        AccessMask: accessRightsText(s.accessrightsmask),
        Principal: { '@odata.type': `#Microsoft.Dynamics.CRM.${s.principaltypecode}`, [PRINCIPAL_KEY]: s.principalid, [`${s.principaltypecode}id`]: s.principalid },
      })),
    };
  },
};
