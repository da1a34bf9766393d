import { randomUUID } from 'node:crypto';
import { Errors } from '../errors.js';
import { planAlternateKey, type AlternateKeyValue } from '../plan/keys.js';
import { canonicalGuid } from '../plan/values.js';
import { planUpdate, splitRecordUrl } from '../plan/write.js';
import { findByKey, writeIn } from '../store/execute.js';
import { atIndex, boundEntity, eachTarget } from './targets.js';
import type { Message } from './types.js';

/**
 * UpsertMultiple (digest §6.4): `POST /<set>/Microsoft.Dynamics.CRM.UpsertMultiple` → 204. Each
 * Target is identified by its primary key or by `"@odata.id": "<set>(<alternate key>)"`; it is
 * updated when the row exists and created otherwise (a new row gets the alternate key values),
 * with the same planning as a single upsert (PATCH without If-Match). One transaction.
 */
export const message: Message = {
  Name: 'UpsertMultiple',
  Kind: 'Action',
  Binding: 'entityset',
  Parameters: [{ Name: 'Targets', Type: 'Collection(mscrm.crmbaseentity)' }],
  async invoke(ctx, args) {
    const entity = boundEntity(ctx);
    const pk = entity.PrimaryIdAttribute;
    const items = eachTarget(ctx, entity, args['Targets'] as Array<Record<string, unknown>>, (item) => {
      const odataId = item['@odata.id'];
      if (typeof odataId === 'string') {
        const url = splitRecordUrl(odataId);
        if (!url || url.entitySet !== entity.EntitySetName) throw Errors.badQuery(`The @odata.id '${odataId}' does not address a record of '${entity.EntitySetName}'.`);
        const id = canonicalGuid(url.key);
        return id ? { item, id } : { item, key: planAlternateKey(entity, url.key) };
      }
      const raw = item[pk];
      const id = typeof raw === 'string' ? canonicalGuid(raw) : undefined;
      if (!id) throw Errors.badQuery(`Each record needs its primary key '${pk}' or an '@odata.id' with an alternate key.`);
      return { item, id };
    });
    await ctx.db.transaction(async (tx) => {
      for (const [i, target] of items.entries()) {
        let { item, id } = target as { item: Record<string, unknown>; id?: string; key?: AlternateKeyValue };
        const key = (target as { key?: AlternateKeyValue }).key;
        if (key) {
          id = await findByKey(tx, ctx.db, entity, key.key, key.values);
          if (!id) {
            // Create: the key values from the reference are written unless the body sets them.
            item = { ...item };
            key.key.KeyAttributes.forEach((a, j) => { if (!(a.PropertyName in item)) item[a.PropertyName] = key.values[j]; });
          }
        }
        try {
          await writeIn(tx, ctx.db, planUpdate(ctx.model, entity, id ?? randomUUID(), item, ctx.caller, undefined, undefined));
        } catch (err) {
          throw atIndex(i, err as Error);
        }
      }
    });
  },
};
