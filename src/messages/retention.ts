import { Errors } from '../errors.js';
import type { EntityModel, Model } from '../model/types.js';
import { parseFetchXml } from '../odata/fetchxml.js';
import { checkRetentionEnabled, planCriteria, planDataState, retentionPageSize } from '../plan/retention.js';
import type { PlanContext } from '../plan/read.js';
import type { ReadPlan } from '../plan/types.js';
import { executeGuarded } from '../store/execute.js';
import { fiscalContext } from '../store/organization-fiscal.js';
import { fetchNamesFiscal } from '../plan/fiscal-uses.js';
import { dataCollection, dataCollectionType } from './data-collection.js';
import { entityObjectReference } from './targets.js';
import type { ComplexTypeDefinition, Message, Arguments, MessageContext, RecordReference } from './types.js';

/**
 * What the five retention messages share (digest §6.7): the EntityRecordCountCollection they
 * return and the `Target` record parameter of Retain and RollbackRetain. Not a message itself.
 */

/**
 * `EntityRecordCountCollection` (Dataverse Web API ComplexType): rows affected per table, as
 * parallel `Keys` (table logical names) and `Values` (counts), with `Count` entries.
 */
export const ENTITY_RECORD_COUNT_COLLECTION: ComplexTypeDefinition = dataCollectionType('EntityRecordCountCollection', 'Edm.String', 'Edm.Int64');

/** The tables the retention messages take (Message.takes): those with long-term retention enabled. */
export function takesRetained(entity: EntityModel): boolean {
  return entity.IsRetentionEnabled;
}

/** The `EntityCountCollection` property of a response type. */
export const ENTITY_COUNT_PROPERTY = { Name: 'EntityCountCollection', Type: 'mscrm.EntityRecordCountCollection' } as const;

/** An EntityRecordCountCollection value with one table and its count of rows. */
export function entityCounts(entity: EntityModel, count: number): Record<string, unknown> {
  return tableCounts([[entity, count]]);
}

/** An EntityRecordCountCollection value with each table of `counts` and its count of rows, in order. */
export function tableCounts(counts: ReadonlyArray<readonly [EntityModel, number]>): Record<string, unknown> {
  return dataCollection(counts.map(([e, n]) => [e.LogicalName, n] as const));
}

/**
 * The record a `Target` parameter names: an entity object
 * `{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<primary key>":"<guid>"}` of a
 * retention-enabled table. Throws 400 `0x80040203` for a missing or unknown `@odata.type`, a
 * missing or malformed key, and a table without retention.
 */
export function retentionTarget(model: Model, value: unknown): RecordReference {
  const { entity, id } = entityObjectReference(model, value, 'Target');
  return { entity: checkRetentionEnabled(entity), id };
}

/**
 * The read of one BulkRetain page from its arguments (`EntityName`, `FetchXml`, `PageSize`,
 * `PagingCookie`; see planCriteria): the active rows the criteria selects that the caller may
 * change (its Write right; at Basic depth, its own rows), and the page's number. ValidateRetentionConfig
 * checks a criteria with it too. Fiscal operators follow the organization's fiscal settings, read
 * for a criteria that has one (store/organization-fiscal.ts). Throws the 400s of parseFetchXml,
 * retentionPageSize and planCriteria, and the database's errors.
 */
export async function bulkRetainRead(ctx: MessageContext, args: Arguments): Promise<{ read: ReadPlan; page: number }> {
  const query = parseFetchXml(args['FetchXml'] as string);
  // The organization's fiscal calendar, read as a FetchXML query reads it, when a fiscal operator needs it.
  const { fiscal } = await fiscalContext<PlanContext>({ model: ctx.model, caller: ctx.caller, clock: ctx.clock }, ctx.db, fetchNamesFiscal(query));
  const context = { model: ctx.model, caller: ctx.caller, now: ctx.clock(), fiscal };
  const { read, page } = planCriteria(ctx.model, (args['EntityName'] as string | null | undefined) ?? undefined, query, context, retentionPageSize(args['PageSize']), (args['PagingCookie'] as string | null | undefined) ?? undefined);
  return { read: { ...read, forRight: 'Write' }, page };
}

/**
 * Retain (`to` = retained) or RollbackRetain (`to` = active), unbound actions:
 * `POST /<Name>` `{"Target":{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<pk>":"<guid>"},
 * "OperationId":"<guid>"?}` → `{"EntityCountCollection":{…,"Keys":["<table>"],"Values":[n]}}`,
 * n = 1 when the row changed state and 0 when it was in that state already. OperationId (the
 * retention operation, "not currently used" in Dataverse) is accepted and has no effect.
 * Throws 404 `0x80040217` for a missing row and the errors of retentionTarget.
 */
export function dataStateMessage(name: 'Retain' | 'RollbackRetain', to: 'retained' | 'active'): Message {
  return {
    Name: name,
    Kind: 'Action',
    Parameters: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }, { Name: 'OperationId', Type: 'Edm.Guid', Optional: true }],
    ReturnType: { Name: `${name}Response`, Properties: [ENTITY_COUNT_PROPERTY], Uses: [ENTITY_RECORD_COUNT_COLLECTION] },
    takes: takesRetained,
    async invoke(ctx, args) {
      const { entity, id } = retentionTarget(ctx.model, args['Target']);
      const { changed, missing } = await executeGuarded(ctx.db, [planDataState(entity, id, to)]);
      if (missing.length) throw Errors.recordNotFound(entity.LogicalName, id);
      return { EntityCountCollection: entityCounts(entity, changed) };
    },
  };
}
