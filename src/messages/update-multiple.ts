import { Errors } from '../errors.js';
import { planUpdate } from '../plan/write.js';
import type { UpdatePlan } from '../plan/types.js';
import { renderLockRows } from '../sql/render.js';
import { writeIn } from '../store/execute.js';
import { atIndex, atItem, boundEntity, eachTarget, keyedTarget, targetId } from './targets.js';
import type { Message } from './types.js';

/**
 * UpdateMultiple (digest §6.4): `POST /<set>/Microsoft.Dynamics.CRM.UpdateMultiple` with Targets
 * identified by their primary key or an `@odata.id` with an alternate key (404 `0x80040217` when
 * no row has it) → 204. Each item is planned exactly as a single update with
 * `If-Match: *` (update only: a missing row fails the whole request with 404 `0x80040217`
 * "<table> With Ids = <id> Do Not Exist"); all run in one transaction, in item order. Of Targets with the same
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
    const targets = eachTarget(ctx, entity, args['Targets'] as Array<Record<string, unknown>>, (item, index) => ({ ...keyedTarget(entity, item), index }));
    await ctx.db.transaction(async (tx) => {
      const plans: Array<{ readonly index: number; readonly plan: UpdatePlan }> = [];
      // "The operation is performed on the first record only" of those naming one row (bulk
      // operations doc), whichever keys (its id, an alternate key) they use.
      const rows = new Set<string>();
      for (const target of targets) {
        const id = await targetId(tx, ctx.db, entity, target);
        if (!id) throw atIndex(target.index, Errors.keyNotFound(entity.LogicalName));
        if (rows.has(id)) continue;
        rows.add(id);
        plans.push({ index: target.index, plan: atItem(target.index, () => planUpdate(ctx.model, entity, id, target.item, ctx.caller, '*', undefined) as UpdatePlan) });
      }
      // Rows are written in item order, as Dataverse processes items (a later item may take a key
      // value an earlier one frees), after all are locked in id order, so that concurrent requests
      // over the same rows wait for each other instead of deadlocking (renderLockRows).
      for (const stmt of renderLockRows(ctx.db.dialect, entity, plans.map(({ plan }) => plan.id))) await tx.rows(stmt);
      for (const { index, plan } of plans) {
        // A missing row is named by its id, as Dataverse does; every other refusal by its item.
        const missing = Errors.recordsNotFound(entity.LogicalName, plan.id);
        try {
          await writeIn(tx, ctx.db, plan, () => missing);
        } catch (err) {
          throw err === missing ? err : atIndex(index, err as Error);
        }
      }
    });
  },
};
