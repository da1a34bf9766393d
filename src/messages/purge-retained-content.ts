import { planPurge, planRetainedPage, retentionPageSize, retentionTable } from '../plan/retention.js';
import { executeGuarded, executeRead } from '../store/execute.js';
import { ENTITY_COUNT_PROPERTY, ENTITY_RECORD_COUNT_COLLECTION, entityCounts, takesRetained } from './retention.js';
import type { Message } from './types.js';

/**
 * PurgeRetainedContent (digest §6.7), an unbound action: deletes retained rows (`msft_datastate`
 * = 1) whose versionnumber is at most MaxVersionToPurge — in Dataverse, the rows already copied
 * to the data lake. `POST /PurgeRetainedContent` `{"EntityName":"<table>", "MaxVersionToPurge":n,
 * "PageSize":n?, "OperationId":"<guid>"?}` → `{"EntityCountCollection":{…,"Values":[deleted]},
 * "HasMoreRecords":bool}`. One page of PageSize rows (default and maximum 5,000) is deleted in one
 * transaction; call again while HasMoreRecords is true. A row rolled back or changed between the
 * read and the delete is kept. OperationId is accepted and has no effect.
 * Throws 400 for an unknown table or one without retention, and for a PageSize outside 1…5,000.
 */
export const message: Message = {
  Name: 'PurgeRetainedContent',
  Kind: 'Action',
  Parameters: [
    { Name: 'EntityName', Type: 'Edm.String' },
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
    const entity = retentionTable(ctx.model, args['EntityName'] as string);
    const read = planRetainedPage(entity, args['MaxVersionToPurge'] as number, retentionPageSize(args['PageSize']));
    // Rows the caller may not delete are left retained (its Delete at Basic depth: its own).
    const result = await executeRead(ctx.db, { ...read, forRight: 'Delete' });
    const [pk, version] = read.columns.map((a) => result.columns.indexOf(a));
    const { changed } = await executeGuarded(ctx.db, result.rows.map((row) => planPurge(entity, row[pk!] as string, row[version!] as number, ctx.caller)));
    return { EntityCountCollection: entityCounts(entity, changed), HasMoreRecords: result.hasMore };
  },
};
