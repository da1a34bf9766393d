import { cookieOfRows } from '../plan/paging-cookie.js';
import { planDataState } from '../plan/retention.js';
import { executeGuarded, executeRead } from '../store/execute.js';
import { bulkRetainRead, ENTITY_COUNT_PROPERTY, ENTITY_RECORD_COUNT_COLLECTION, entityCounts, takesRetained } from './retention.js';
import type { Message } from './types.js';

/**
 * BulkRetain (digest §6.7), an unbound action: marks one page of the rows a retention criteria
 * selects. `POST /BulkRetain` `{"EntityName":"<table>"?, "FetchXml":"<fetch>…</fetch>",
 * "PageSize":n?, "PagingCookie":"…"?, "OperationId":"<guid>"?}` →
 * `{"EntityCountCollection":{…,"Keys":["<table>"],"Values":[marked]}, "FailedRecords":n,
 * "HasMoreRecords":bool, "PagingCookie":"…"|null}`.
 *
 * The FetchXml is planned as a FetchXML query of the active rows (planCriteria), in its own order
 * with the primary key last; the page's PageSize rows (default and maximum 5,000) are marked in one
 * transaction. While HasMoreRecords is true, PagingCookie continues after the page's last row, so
 * calling again with it until HasMoreRecords is false marks every matching row once. FailedRecords
 * counts rows of the page that were retained or deleted by someone else between read and mark.
 * OperationId is accepted and has no effect. Errors: those of bulkRetainRead (all 400), and 400
 * for a criteria of more values than one statement on the database takes.
 */
export const message: Message = {
  Name: 'BulkRetain',
  Kind: 'Action',
  Parameters: [
    { Name: 'EntityName', Type: 'Edm.String', Optional: true },
    { Name: 'FetchXml', Type: 'Edm.String' },
    { Name: 'PageSize', Type: 'Edm.Int32', Optional: true },
    { Name: 'OperationId', Type: 'Edm.Guid', Optional: true },
    { Name: 'PagingCookie', Type: 'Edm.String', Optional: true },
  ],
  ReturnType: {
    Name: 'BulkRetainResponse',
    Properties: [
      ENTITY_COUNT_PROPERTY,
      { Name: 'FailedRecords', Type: 'Edm.Int32' },
      { Name: 'HasMoreRecords', Type: 'Edm.Boolean' },
      { Name: 'PagingCookie', Type: 'Edm.String', Nullable: true },
    ],
    Uses: [ENTITY_RECORD_COUNT_COLLECTION],
  },
  takes: takesRetained,
  async invoke(ctx, args) {
    const { read, page } = await bulkRetainRead(ctx, args);
    const result = await executeRead(ctx.db, read);
    const pk = result.columns.indexOf(read.columns[0]!);
    const { changed } = await executeGuarded(ctx.db, result.rows.map((row) => planDataState(read.entity, row[pk] as string, 'retained')));
    return {
      EntityCountCollection: entityCounts(read.entity, changed),
      FailedRecords: result.rows.length - changed,
      HasMoreRecords: result.hasMore,
      PagingCookie: result.hasMore ? cookieOfRows(read.orderBy, page, result.columns, result.rows) ?? null : null,
    };
  },
};
