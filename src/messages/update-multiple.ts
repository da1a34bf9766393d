import { Errors } from '../errors.js';
import { canonicalGuid } from '../plan/values.js';
import { planUpdate } from '../plan/write.js';
import type { UpdatePlan } from '../plan/types.js';
import { writeIn } from '../store/execute.js';
import { boundEntity, eachTarget } from './targets.js';
import type { Message } from './types.js';

/**
 * UpdateMultiple (digest §6.4): `POST /<set>/Microsoft.Dynamics.CRM.UpdateMultiple` with Targets
 * identified by their primary key → 204. Each item is planned exactly as a single update with
 * `If-Match: *` (update only: a missing row fails the whole request with 404 `0x80040217`
 * "<table> With Ids = <id> Do Not Exist"); all run in one transaction.
 */
export const message: Message = {
  Name: 'UpdateMultiple',
  Kind: 'Action',
  Binding: 'entityset',
  Parameters: [{ Name: 'Targets', Type: 'Collection(mscrm.crmbaseentity)' }],
  async invoke(ctx, args) {
    const entity = boundEntity(ctx);
    const plans = eachTarget(ctx, entity, args['Targets'] as Array<Record<string, unknown>>, (item) => {
      const raw = item[entity.PrimaryIdAttribute];
      const id = typeof raw === 'string' ? canonicalGuid(raw) : undefined;
      if (!id) throw Errors.badQuery(`Each record needs its primary key '${entity.PrimaryIdAttribute}' as a GUID.`);
      return planUpdate(ctx.model, entity, id, item, ctx.caller, '*', undefined) as UpdatePlan;
    });
    await ctx.db.transaction(async (tx) => {
      for (const plan of plans) await writeIn(tx, ctx.db, plan, () => Errors.recordsNotFound(entity.LogicalName, plan.id));
    });
  },
};
