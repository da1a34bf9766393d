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
 * "<table> With Ids = <id> Do Not Exist"); all run in one transaction. Of Targets with the same
 * key only the first is applied, as Dataverse does ("Duplicate records in UpdateMultiple Targets
 * parameter", bulk operations doc).
 */
export const message: Message = {
  Name: 'UpdateMultiple',
  Kind: 'Action',
  Binding: 'entityset',
  Parameters: [{ Name: 'Targets', Type: 'Collection(mscrm.crmbaseentity)' }],
  async invoke(ctx, args) {
    const entity = boundEntity(ctx);
    const seen = new Set<string>();
    const plans = eachTarget(ctx, entity, args['Targets'] as Array<Record<string, unknown>>, (item) => {
      const raw = item[entity.PrimaryIdAttribute];
      const id = typeof raw === 'string' ? canonicalGuid(raw) : undefined;
      if (!id) throw Errors.badQuery(`Each record needs its primary key '${entity.PrimaryIdAttribute}' as a GUID.`);
      // "The operation is performed on the first record only" of those with one key (bulk operations doc).
      if (seen.has(id)) return undefined;
      seen.add(id);
      return planUpdate(ctx.model, entity, id, item, ctx.caller, '*', undefined) as UpdatePlan;
    }).filter((plan) => plan !== undefined);
    // Rows are written in id order, so concurrent requests over the same rows lock them in one
    // order instead of deadlocking (each item writes its own row: the order changes nothing else).
    plans.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await ctx.db.transaction(async (tx) => {
      for (const plan of plans) await writeIn(tx, ctx.db, plan, () => Errors.recordsNotFound(entity.LogicalName, plan.id));
    });
  },
};
