import type { ChangesPlan } from '../plan/changes.js';
import { deletionOrder, formatDeltaToken, withVersions } from '../plan/changes.js';
import { encodeSkipToken } from '../plan/skiptoken.js';
import type { Database } from '../store/database.js';
import { executeCount, executeDeletedIds, executeRead } from '../store/execute.js';
import type { ODataRequest } from './request.js';
import { contextUrl, entityWriter, json, linkWith, nextLink, preferenceApplied, type HttpResponse } from './respond.js';

/** Where a page that ends with a full page of rows starts the deletions: before every id. */
const BEFORE_ANY_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Answers a page of changes (digest §10): `200` with `@odata.context` (`…#<set>(<select>)`, and
 * `/$delta` after it on delta answers), on the last page `@odata.deltaLink` (the request's URL
 * with `$deltatoken=<settled version>!<time>` in place of its `$deltatoken` and `$skiptoken`),
 * then `value`: the changed rows as on any read, then, on delta answers, each deleted row as
 * `{"@odata.context":"…#<set>/$deletedEntity","id":"<guid>","reason":"deleted"}`; other pages end
 * with `@odata.nextLink`. `Preference-Applied` names `odata.track-changes` when it was asked for.
 * Throws what Database.settledVersion throws (503 when writes stay open, 501 on SQL Server).
 */
export async function answerChanges(db: Database, req: ODataRequest, plan: ChangesPlan, now: Date): Promise<HttpResponse> {
  const settled = plan.settled ?? await db.settledVersion();
  const root = req.serviceRoot;
  const set = plan.entity.EntitySetName;
  const value: object[] = [];
  let next: string | undefined;
  let room = plan.limit;
  if (plan.phase === 'rows') {
    const read = withVersions(plan.read, plan.since, settled);
    const result = await executeRead(db, read);
    const write = entityWriter(read, result.columns, root);
    for (const row of result.rows) value.push(write(row));
    room -= result.rows.length;
    if (result.hasMore) next = nextLink(root, read, req.rawQuery, result.columns, result.rows[result.rows.length - 1]!, set, settled);
  }
  if (next === undefined && plan.since !== undefined) {
    const ids = await executeDeletedIds(db, plan.entity, plan.since, settled, plan.deletionsAfter, room + 1);
    const shown = ids.slice(0, room);
    for (const id of shown) value.push({ '@odata.context': `${root}$metadata#${set}/$deletedEntity`, id, reason: 'deleted' });
    if (ids.length > room) {
      const token = encodeSkipToken(deletionOrder(plan.entity), [shown.length ? shown[shown.length - 1]! : BEFORE_ANY_ID], settled);
      next = linkWith(root, set, req.rawQuery, ['skiptoken'], '$skiptoken', token);
    }
  }
  const body: Record<string, unknown> = { '@odata.context': `${contextUrl(root, plan.read, false)}${plan.since === undefined ? '' : '/$delta'}` };
  if (next === undefined) body['@odata.deltaLink'] = linkWith(root, set, req.rawQuery, ['skiptoken', 'deltatoken'], '$deltatoken', formatDeltaToken({ version: settled, made: now }));
  body['value'] = value;
  if (next !== undefined) body['@odata.nextLink'] = next;
  const applied = [req.prefer.trackChanges ? 'odata.track-changes' : undefined, preferenceApplied(plan.read, req.prefer.includeAnnotations)].filter(Boolean);
  return json(200, body, applied.length ? { 'Preference-Applied': applied.join(',') } : {});
}

/**
 * `GET /<set>/$count?$deltatoken=…` (digest §10): how many changes the delta link would answer,
 * rows created or changed and rows deleted, as plain text.
 */
export async function countChanges(db: Database, plan: ChangesPlan): Promise<HttpResponse> {
  const settled = plan.settled ?? await db.settledVersion();
  const read = withVersions(plan.read, plan.since, settled);
  const rows = await executeCount(db, { entity: plan.entity, filter: read.filter });
  const deleted = plan.since === undefined ? 0 : (await executeDeletedIds(db, plan.entity, plan.since, settled, undefined, plan.limit)).length;
  return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: String(rows + deleted) };
}
