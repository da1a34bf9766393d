import { deletePlan } from './delete.js';
import { activeRowGuard } from './write.js';
import { pkOf } from '../model/primary-key.js';
import { Errors } from '../errors.js';
import { DATASTATE, DATASTATE_ACTIVE, DATASTATE_RETAINED } from '../model/system-columns.js';
import type { AttributeModel, EdmType, EntityModel, Model } from '../model/types.js';
import type { FetchQuery } from '../odata/fetchxml.js';
import { planFetch, type FetchContext } from './fetch.js';
import { decodePagingCookie } from './paging-cookie.js';
import { MAX_PAGE_SIZE } from './read.js';
import type { Caller, DeletePlan, ReadPlan, UpdatePlan, Value } from './types.js';

/**
 * Plans of long-term retention (Dataverse "Long-term data retention", digest §6.7): marking rows
 * retained (`msft_datastate` = 1) and back, reading the rows a retention policy selects a page at a
 * time, and purging retained rows. The retention messages (src/messages/) and
 * `tessera retention run` (src/retention/run.ts) are built from these.
 */


/**
 * The table named `logicalName`, which must be enabled for retention (IsRetentionEnabled).
 * Throws 400 `0x80041102` for an unknown table and 400 `0x80040203` for one without retention.
 */
export function retentionTable(model: Model, logicalName: string): EntityModel {
  const entity = model.byLogicalName.get(logicalName);
  if (!entity) throw Errors.queryNoEntity(logicalName);
  return checkRetentionEnabled(entity);
}

/** Returns `entity` when it is enabled for retention; throws 400 `0x80040203` naming it otherwise. */
export function checkRetentionEnabled(entity: EntityModel): EntityModel {
  if (!entity.IsRetentionEnabled) {
    throw Errors.invalidArgument(`The table '${entity.LogicalName}' is not enabled for long-term retention (IsRetentionEnabled is false in its metadata).`);
  }
  return entity;
}

/**
 * A PageSize parameter: 1…5,000, default 5,000 (the FetchXML page limit). Throws 400 `0x80040203`
 * outside that range.
 */
export function retentionPageSize(value: unknown): number {
  if (value === undefined || value === null) return MAX_PAGE_SIZE;
  const n = value as number;
  if (n < 1 || n > MAX_PAGE_SIZE) throw Errors.invalidArgument(`PageSize must be between 1 and ${MAX_PAGE_SIZE}; ${n} is not.`);
  return n;
}

/**
 * Sets `msft_datastate` of one row to retained (1) or active (0), with a new versionnumber. Guarded
 * by the current state (active = 0 or null; retained = 1), so a row already in the target state
 * changes nothing; the executor tells that apart from a missing row. Nothing else is stamped:
 * marking is the platform's act, not an edit of the row (modifiedon stays).
 */
export function planDataState(entity: EntityModel, id: string, to: 'retained' | 'active'): UpdatePlan {
  const dataState = checkRetentionEnabled(entity).attributesByName.get(DATASTATE)!;
  // From active (the same guard as any update's) to retained, or from retained back.
  const from = to === 'retained' ? activeRowGuard(entity, id)!.values : [DATASTATE_RETAINED];
  const value = to === 'retained' ? DATASTATE_RETAINED : DATASTATE_ACTIVE;
  return {
    kind: 'update', entity, id, set: new Map([[dataState, value]]), references: [],
    guards: [{ attribute: dataState, values: from, fail: () => Errors.internal() }],
  };
}

/**
 * Deletes one retained row by `caller`, guarded by `msft_datastate` = 1 and the versionnumber it
 * was read with, so a row rolled back (or changed) since the read is left alone. Its many-to-many
 * links and referencing rows are treated as on any delete (delete.ts).
 */
export function planPurge(entity: EntityModel, id: string, version: number, caller: Caller): DeletePlan {
  const dataState = entity.attributesByName.get(DATASTATE)!;
  const versionnumber = entity.attributesByName.get('versionnumber')!;
  return deletePlan(entity, id, [
    { attribute: dataState, values: [DATASTATE_RETAINED], fail: () => Errors.internal() },
    { attribute: versionnumber, values: [version], fail: () => Errors.internal() },
  ], caller);
}

/**
 * A page of at most `pageSize` retained rows of `entity` with versionnumber ≤ `maxVersion`
 * (PurgeRetainedContent): their primary keys and versions, by primary key.
 */
export function planRetainedPage(entity: EntityModel, maxVersion: number, pageSize: number): ReadPlan {
  const pk = pkOf(entity);
  const versionnumber = entity.attributesByName.get('versionnumber')!;
  return {
    kind: 'read', entity, columns: [pk, versionnumber],
    filter: { kind: 'compare', op: 'le', attribute: versionnumber, value: maxVersion },
    orderBy: [{ attribute: pk, descending: false }], limit: pageSize, paged: true, count: false,
    lookupNames: [], expand: [], dataSource: 'retained',
  };
}

/**
 * The highest versionnumber among the retained rows of `entity` (one row, one column, undefined
 * rows when there are none): what a purge after marking may go up to.
 */
export function planLatestRetained(entity: EntityModel): ReadPlan {
  const versionnumber = entity.attributesByName.get('versionnumber')!;
  return {
    kind: 'read', entity, columns: [versionnumber],
    orderBy: [{ attribute: versionnumber, descending: true }, { attribute: pkOf(entity), descending: false }],
    limit: 1, paged: false, count: false, lookupNames: [], expand: [], dataSource: 'retained',
  };
}

/** A value of each Edm type, as a previous page's last row may hold in a sort key (laterPageRead). */
const SORT_VALUE: Readonly<Record<EdmType, Value>> = {
  'Edm.String': '', 'Edm.Int32': 0, 'Edm.Int64': 0, 'Edm.Decimal': 0, 'Edm.Double': 0, 'Edm.Boolean': false,
  'Edm.DateTimeOffset': '2000-01-01T00:00:00Z', 'Edm.Date': '2000-01-01', 'Edm.Guid': '00000000-0000-0000-0000-000000000000',
  'Edm.Binary': '',
};

/**
 * `read` (a criteria's first page, planCriteria) as a later page runs it: after a previous page
 * whose last row holds a value in every sort key, the keyset seek that binds the most values
 * (one per key and per equality on the keys before it; a null binds none, sql/render.ts
 * renderAfter). What the values are does not matter: ValidateRetentionConfig renders it, so that
 * a criteria whose later pages hold more values than one statement takes is reported invalid
 * rather than failing BulkRetain on its second page.
 */
export function laterPageRead(read: ReadPlan): ReadPlan {
  return { ...read, after: read.orderBy.map((k) => SORT_VALUE[k.attribute.EdmType]) };
}

/** The FetchXML attributes a retention criteria cannot use: BulkRetain pages it itself. */
const NOT_IN_CRITERIA: ReadonlyArray<[keyof FetchQuery, string]> = [
  ['top', 'top'], ['count', 'count'], ['page', 'page'], ['pagingCookie', 'paging-cookie'],
  ['distinct', 'distinct="true"'], ['datasource', 'datasource'], ['aggregate', 'aggregate="true"'],
];

/**
 * Plans a retention policy's criteria (FetchXML) on the table `entityName` (when given, it must be
 * the criteria's entity): the active rows that match, in the criteria's order (primary key last),
 * as pages of `pageSize` primary keys. `pagingCookie` (a cookie BulkRetain returned) continues
 * after the previous page's last row.
 * Throws 400 for an unknown or non-retention table, a mismatching EntityName, criteria that page,
 * aggregate, use distinct or read retained rows, bad paging cookies, and every FetchXML planning
 * error (see planFetch).
 */
export function planCriteria(
  model: Model, entityName: string | undefined, query: FetchQuery, context: FetchContext, pageSize: number, pagingCookie?: string,
): { read: ReadPlan; page: number } {
  const entity = retentionTable(model, query.entity.name);
  if (entityName !== undefined && entityName !== entity.LogicalName) {
    throw Errors.invalidArgument(`EntityName '${entityName}' is not the entity of the criteria ('${entity.LogicalName}').`);
  }
  for (const [key, name] of NOT_IN_CRITERIA) {
    if (query[key] !== undefined && query[key] !== false) throw Errors.invalidArgument(`A retention criteria cannot use ${name} on <fetch>: BulkRetain pages the matching rows itself (PageSize, PagingCookie).`);
  }
  // BulkRetain marks rows: one-to-many links without columns keep their meaning of a restriction
  // (each row once; Dataverse documents nothing else for criteria), and rows joined to their
  // one-to-many related rows for their columns would name a row once per related row.
  const planned = planFetch(entity, query, context, { returnRepresentation: false }, { rowsOnce: true }).read;
  if (planned.joins) throw Errors.notImplemented('Columns or orders of a one-to-many link-entity in a retention criteria (BulkRetain marks rows, so a row per related row has no meaning there)');
  const cookie = pagingCookie ? decodePagingCookie(planned.orderBy, pagingCookie) : undefined;
  const read: ReadPlan = {
    ...planned, columns: [pkOf(entity)], selectList: undefined, limit: pageSize, paged: true, count: false,
    after: cookie?.last, offset: undefined, annotations: undefined, lookupNames: [], linked: undefined,
  };
  return { read, page: (cookie?.page ?? 0) + 1 };
}
