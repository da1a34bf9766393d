import { Errors } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import { executeTotalCount } from '../store/execute.js';
import { ENTITY_RECORD_COUNT_COLLECTION, tableCounts } from './retention.js';
import type { Message } from './types.js';

/**
 * RetrieveTotalRecordCount (unbound function; Web API reference "RetrieveTotalRecordCount
 * Function", "RetrieveTotalRecordCountResponse", "EntityRecordCountCollection"):
 * `GET /RetrieveTotalRecordCount(EntityNames=['account','contact'])` (or `EntityNames=@p1` with
 * `@p1=["account","contact"]`, as dynamics-web-api sends it) →
 * `{"EntityRecordCountCollection":{"Count":2,"IsReadOnly":false,"Keys":["account","contact"],"Values":[n,m]}}`,
 * the tables in the order named (a name given twice once: the collection is a dictionary).
 *
 * Dataverse answers from a snapshot taken at most every 24 hours; Tessera counts live, with no
 * cap (unlike `$count`'s 5,000), one statement per table: the same rows `GET /<set>/$count` sees.
 * So retained rows (`msft_datastate` = 1) are not counted, and the caller's privileges apply as
 * on every read: without Read on a table, 403 `0x80040220`; with Read at Basic depth on a
 * user-owned table, the count of the rows it owns. Every table of the model may be named,
 * intersect tables too (their Read takes Read on both tables they link).
 * Throws 400 `0x80040203` for a name that is no table's logical name (observed on Dataverse:
 * "Entity <name> was not found in the CRM system."; nothing is counted), 400 `0x80060888` for a
 * missing or malformed EntityNames.
 */
export const message: Message = {
  Name: 'RetrieveTotalRecordCount',
  Kind: 'Function',
  Parameters: [{ Name: 'EntityNames', Type: 'Collection(Edm.String)' }],
  ReturnType: {
    Name: 'RetrieveTotalRecordCountResponse',
    Properties: [{ Name: 'EntityRecordCountCollection', Type: 'mscrm.EntityRecordCountCollection' }],
    Uses: [ENTITY_RECORD_COUNT_COLLECTION],
  },
  async invoke(ctx, args) {
    const entities: EntityModel[] = [];
    for (const name of new Set(args['EntityNames'] as string[])) {
      const entity = ctx.model.byLogicalName.get(name);
      if (!entity) throw Errors.invalidArgument(`Entity ${name} was not found in the CRM system.`);
      entities.push(entity);
    }
    const counts: Array<readonly [EntityModel, number]> = [];
    for (const entity of entities) counts.push([entity, await executeTotalCount(ctx.db, { entity })]);
    return { EntityRecordCountCollection: tableCounts(counts) };
  },
};
