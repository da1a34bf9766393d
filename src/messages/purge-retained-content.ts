import type { EntityModel } from '../model/types.js';
import { planPurge, planRetainedPage, retentionPageSize, retentionTable } from '../plan/retention.js';
import { executeGuarded, executeRead } from '../store/execute.js';
import { ENTITY_COUNT_PROPERTY, ENTITY_RECORD_COUNT_COLLECTION, tableCounts, takesRetained } from './retention.js';
import type { Message, MessageContext } from './types.js';

/**
 * PurgeRetainedContent (digest §6.7), an unbound action: deletes retained rows (`msft_datastate`
 * = 1) whose versionnumber is at most MaxVersionToPurge — in Dataverse, the rows already copied
 * to the data lake. `POST /PurgeRetainedContent` `{"EntityName":"<table>"?, "MaxVersionToPurge":n,
 * "PageSize":n?, "OperationId":"<guid>"?}` → `{"EntityCountCollection":{…,"Values":[deleted]},
 * "HasMoreRecords":bool}`. One page of PageSize rows (default and maximum 5,000) is deleted in one
 * transaction per table; call again while HasMoreRecords is true. Without EntityName (Nullable in
 * Dataverse's declaration) the page spans the retention-enabled tables in LogicalName order, each
 * table that had rows to purge counted. A row rolled back or changed between the read and the
 * delete is kept. OperationId is accepted and has no effect.
 * Throws 400 for an unknown table or one without retention, and for a PageSize outside 1…5,000.
 */
export const message: Message = {
  Name: 'PurgeRetainedContent',
  Kind: 'Action',
  Parameters: [
    { Name: 'EntityName', Type: 'Edm.String', Optional: true },
    { Name: 'PageSize', Type: 'Edm.Int32', Optional: true },
    { Name: 'OperationId', Type: 'Edm.Guid', Optional: true },
    { Name: 'MaxVersionToPurge', Type: 'Edm.Int64' },
  ],
  ReturnType: {
    Name: 'PurgeRetainedContentResponse',
    Properties: [ENTITY_COUNT_PROPERTY, { Name: 'HasMoreRecords', Type: 'Edm.Boolean' }],
    Uses: [ENTITY_RECORD_COUNT_COLLECTION],
  },
  takes: takesRetained,
  async invoke(ctx, args) {
    const name = args['EntityName'] as string | null | undefined;
    const max = args['MaxVersionToPurge'] as number;
    if (name != null) {
      const entity = retentionTable(ctx.model, name);
      const { purged, hasMore } = await purgePage(ctx, entity, max, retentionPageSize(args['PageSize']));
      return { EntityCountCollection: tableCounts([[entity, purged]]), HasMoreRecords: hasMore };
    }
    const tables = ctx.model.entities.filter((e) => e.IsRetentionEnabled).sort((a, b) => a.LogicalName.localeCompare(b.LogicalName));
    const counts: Array<[EntityModel, number]> = [];
    let room = retentionPageSize(args['PageSize']);
    for (const [i, entity] of tables.entries()) {
      // The page is full: more when a table not yet reached still has a row to purge.
      if (room === 0) return { EntityCountCollection: tableCounts(counts), HasMoreRecords: await anyToPurge(ctx, tables.slice(i), max) };
      const { read, purged, hasMore } = await purgePage(ctx, entity, max, room);
      if (read) counts.push([entity, purged]);
      if (hasMore) return { EntityCountCollection: tableCounts(counts), HasMoreRecords: true };
      room -= read;
    }
    return { EntityCountCollection: tableCounts(counts), HasMoreRecords: false };
  },
};

/**
 * Deletes up to `limit` retained rows of `entity` at most at version `max`, in one transaction:
 * `read` rows were found, `purged` deleted (rows the caller may not delete are left retained: its
 * Delete at Basic depth reaches its own), `hasMore` when more than `limit` were there.
 */
async function purgePage(ctx: MessageContext, entity: EntityModel, max: number, limit: number): Promise<{ read: number; purged: number; hasMore: boolean }> {
  const plan = planRetainedPage(entity, max, limit);
  const result = await executeRead(ctx.db, { ...plan, forRight: 'Delete' });
  const [pk, version] = plan.columns.map((a) => result.columns.indexOf(a));
  const { changed } = await executeGuarded(ctx.db, result.rows.map((row) => planPurge(entity, row[pk!] as string, row[version!] as number, ctx.caller)));
  return { read: result.rows.length, purged: changed, hasMore: result.hasMore };
}

/** Whether one of `tables` has a retained row at most at version `max` the caller may delete. */
async function anyToPurge(ctx: MessageContext, tables: readonly EntityModel[], max: number): Promise<boolean> {
  for (const entity of tables) {
    if ((await executeRead(ctx.db, { ...planRetainedPage(entity, max, 1), forRight: 'Delete' })).rows.length) return true;
  }
  return false;
}
