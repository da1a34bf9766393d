import { Errors } from '../errors.js';
import { setsImages } from '../plan/images.js';
import { nowUtc } from '../plan/values.js';
import { planCreate } from '../plan/write.js';
import { executeInsertStream } from '../store/execute.js';
import { atIndex, boundEntity, targetItems } from './targets.js';
import type { Message } from './types.js';

/**
 * CreateMultiple (digest §6.3): `POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple`
 * `{"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.<table>", …}]}` → 200
 * `{"Ids":[…]}` in input order. Each item is planned exactly as a single Create; all rows go to the
 * database through the bulk path in one transaction (planned step by step, each step's rows
 * written while the next is planned), so any bad item leaves nothing written, and
 * the error names the item (`Targets[i]: …`). Items may carry related records and collection
 * binds as a single Create does (deep insert, digest §6.3); those are written around their item.
 * An image value, in an item's own row or any row of its deep insert, is refused with 501.
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
    // Images become thumbnails asynchronously, which the bulk path's synchronous planning cannot
    // wait for: an item that sets one, in its own row or a deep insert's, is refused.
    const images = entity.ImageAttributes;
    // Items are planned while the rows planned before them are written.
    // Errors are named inline rather than through atItem, whose closure per item is garbage.
    const ids = await executeInsertStream(ctx.db, targets.length, (i) => {
      const item = itemAt(i);
      try {
        const plan = planCreate(ctx.model, entity, item, ctx.caller, undefined, now);
        // Only items of a table with Image columns, or with related rows, are looked at: a bulk
        // load of plain rows does no work per row here.
        if ((images.length || plan.before || plan.after) && setsImages(plan)) throw Errors.notImplemented('An image column value in CreateMultiple (create the rows, then set their images)');
        return plan;
      } catch (err) {
        throw atIndex(i, err as Error);
      }
    }, atIndex);
    return { Ids: ids };
  },
};
