import type { Model } from '../model/types.js';
import { setsImages, withImages } from '../plan/images.js';
import type { InsertPlan } from '../plan/types.js';
import { nowUtc } from '../plan/values.js';
import { planCreate } from '../plan/write.js';
import { executeInsertStream } from '../store/execute.js';
import { atIndex, boundEntity, targetItems } from './targets.js';
import type { Message } from './types.js';

/** True when some table of `model` has Image columns (an item's row, or a row of its deep insert, may then set an image). */
function hasImages(model: Model): boolean {
  return model.entities.some((e) => e.ImageAttributes.length > 0);
}

/**
 * CreateMultiple (digest §6.3): `POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple`
 * `{"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.<table>", …}]}` → 200
 * `{"Ids":[…]}` in input order. Each item is planned exactly as a single Create; all rows go to the
 * database through the bulk path in one transaction (planned step by step, each step's rows
 * written while the next is planned), so any bad item leaves nothing written, and
 * the error names the item (`Targets[i]: …`). Items may carry related records and collection
 * binds as a single Create does (deep insert, digest §6.3); those are written around their item.
 * Image values (base64, in an item's row or its deep insert's) are taken as by a single Create
 * (plan/images.ts withImages, its 400s named by item): making a thumbnail is asynchronous, which the
 * streamed planning is not, so when the model has Image columns every item is planned, and its
 * images made ready, before the first row is written.
 */
export const message: Message = {
  Name: 'CreateMultiple',
  Kind: 'Action',
  Binding: 'entityset',
  Parameters: [{ Name: 'Targets', Type: 'Collection(mscrm.crmbaseentity)' }],
  ReturnType: { Name: 'CreateMultipleResponse', Properties: [{ Name: 'Ids', Type: 'Collection(Edm.Guid)' }] },
  async invoke(ctx, args) {
    const entity = boundEntity(ctx);
    const now = nowUtc();
    const targets = args['Targets'] as Array<Record<string, unknown>>;
    const itemAt = targetItems(ctx, entity, targets);
    // Errors are named inline rather than through atItem, whose closure per item is garbage;
    // itemAt names its own.
    const planItem = (i: number): InsertPlan => {
      const body = itemAt(i);
      try {
        return planCreate(ctx.model, entity, body, ctx.caller, undefined, now);
      } catch (err) {
        throw atIndex(i, err as Error);
      }
    };
    if (!hasImages(ctx.model)) {
      // Items are planned while the rows planned before them are written.
      return { Ids: await executeInsertStream(ctx.db, targets.length, planItem, atIndex) };
    }
    const plans: InsertPlan[] = [];
    let failed: Error | undefined;
    try {
      for (let i = 0; i < targets.length; i++) {
        const plan = planItem(i);
        plans.push(setsImages(plan) ? await withImages(plan, now).catch((err: Error) => { throw atIndex(i, err); }) : plan);
      }
    } catch (err) {
      failed = err as Error;
    }
    // The items before a failing one are still written (and rolled back), so that an earlier
    // item's failure in the database (a missing lookup target) is the answer, as when streamed.
    const planned = (i: number): InsertPlan => {
      if (i < plans.length) return plans[i]!;
      throw failed!;
    };
    return { Ids: await executeInsertStream(ctx.db, targets.length, planned, atIndex) };
  },
};
