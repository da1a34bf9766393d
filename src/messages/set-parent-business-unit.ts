import { BUSINESSUNIT } from '../model/system-columns.js';
import type { UpdatePlan } from '../plan/types.js';
import { planUpdate } from '../plan/write.js';
import { executeWrite } from '../store/execute.js';
import { boundRow } from './roles.js';
import { typedKeyIn } from './team-members.js';
import type { Message } from './types.js';

/**
 * SetParentBusinessUnit (SDK SetParentBusinessUnitRequest: BusinessUnitId, ParentId; Dataverse
 * "Business units": a unit moves with its child units): as a Web API action bound to a business
 * unit, as SetParentSystemUser is bound to a user, `POST /businessunits(<id>)/Microsoft.Dynamics.CRM.SetParentBusinessUnit`
 * with `{"Parent":{"@odata.type":"Microsoft.Dynamics.CRM.businessunit","businessunitid":"<id>"}}`
 * → 204. Dataverse's Web API reference documents no such action: its shape follows the SDK
 * message and SetParentSystemUser's (not confirmed). It is the update a
 * `PATCH /businessunits(<id>) {"parentbusinessunitid@odata.bind":"/businessunits(<parent>)"}`
 * makes, with its checks: prvReadBusinessUnit on the unit (404 for a unit that does not exist or
 * the caller cannot read), prvWriteBusinessUnit on it and prvAppendBusinessUnit /
 * prvAppendToBusinessUnit as for any lookup, at the caller's depth; 404 `0x80040217` for a Parent
 * that does not exist; 400 `0x80040507` for a Parent that is the unit or below it; 400
 * `0x80040203` for a Parent on the root unit, a Parent without a businessunitid, or a move that
 * puts a unit more than 99 levels below the root (store/business-unit-update.ts).
 * prvReparentBusinessUnit, which Dataverse also asks, is not a privilege of Tessera.
 */
export const message: Message = {
  Name: 'SetParentBusinessUnit',
  Kind: 'Action',
  Binding: 'entity',
  BindingTable: BUSINESSUNIT,
  Parameters: [{ Name: 'Parent', Type: `mscrm.${BUSINESSUNIT}` }],
  async invoke(ctx, args) {
    const id = await boundRow(ctx, BUSINESSUNIT, 'SetParentBusinessUnit');
    const parent = typedKeyIn(args['Parent'] as Record<string, unknown>, BUSINESSUNIT, ['businessunitid'], 'Parent', 'business unit');
    const units = ctx.model.byLogicalName.get(BUSINESSUNIT)!;
    const body = { 'parentbusinessunitid@odata.bind': `/${units.EntitySetName}(${parent})` };
    await executeWrite(ctx.db, planUpdate(ctx.model, units, id, body, ctx.caller, '*', undefined) as UpdatePlan);
  },
};
