import type { ChangesPlan } from '../plan/changes.js';
import { deletionOrder, formatDeltaToken, withVersions } from '../plan/changes.js';
import { encodeSkipToken } from '../plan/skiptoken.js';
import type { Database } from '../store/database.js';
import { COUNT_CAP, executeCount, executeDeletedIds, executeRead } from '../store/execute.js';
import { Errors } from '../errors.js';
import type { ODataRequest } from './request.js';
import { contextUrl, entityWriter, json, linkWith, nextLink, preferenceApplied, type HttpResponse } from './respond.js';

/**
 * Answers a page of changes (digest §10): `200` with `@odata.context` (`…#<set>(<select>)`, and
 * `/$delta` after it on delta answers), on the last page `@odata.deltaLink` (the request's URL
 * with `$deltatoken=<settled version>!<time>` in place of its `$deltatoken` and `$skiptoken`),
 * then `value`: the changed rows as on any read, then, on delta answers, each deleted row as
 * `{"@odata.context":"…#<set>/$deletedEntity","id":"<guid>","reason":"deleted"}`; other pages end
 * with `@odata.nextLink`. `Preference-Applied` names `odata.track-changes` when it was asked for.
 * Throws what Database.settledVersion throws (503 when writes stay open, 501 on SQL Server), and
 * 400 `0x80044352` for a token ahead of the database.
 */
export async function answerChanges(db: Database, req: ODataRequest, plan: ChangesPlan, now: Date): Promise<HttpResponse> {
  const settled = await settle(db, plan);
  const root = req.serviceRoot;
  const set = plan.entity.EntitySetName;
  const value: object[] = [];
  let next: string | undefined;
  let room = plan.limit;
  if (plan.phase === 'rows') {
    const read = withVersions(plan.read, plan.since, settled);
    const result = await executeRead(db, read);
    const write = entityWriter(read, result.columns, root, undefined, req.metadata);
    for (const row of result.rows) value.push(write(row));
    room -= result.rows.length;
    if (result.hasMore) next = nextLink(root, read, req.rawQuery, result.columns, result.rows[result.rows.length - 1]!, set, settled);
  }
  if (next === undefined && plan.since !== undefined) {
    const ids = await executeDeletedIds(db, plan.entity, plan.since, settled, plan.deletionsAfter, room + 1);
    const shown = ids.slice(0, room);
    for (const id of shown) value.push({ '@odata.context': `${root}$metadata#${set}/$deletedEntity`, id, reason: 'deleted' });
    if (ids.length > room) {
      // A page full of rows: the next starts the deletions (no sort key, so before any id).
      const token = shown.length ? encodeSkipToken(deletionOrder(plan.entity), [shown[shown.length - 1]!], settled) : encodeSkipToken([], [], settled);
      next = linkWith(root, set, req.rawQuery, ['skiptoken'], '$skiptoken', token);
    }
  }
  const body: Record<string, unknown> = { '@odata.context': `${contextUrl(root, plan.read, false)}${plan.since === undefined ? '' : '/$delta'}` };
  if (next === undefined) body['@odata.deltaLink'] = linkWith(root, set, req.rawQuery, ['skiptoken', 'deltatoken'], '$deltatoken', formatDeltaToken({ version: settled, made: now }));
  body['value'] = value;
  if (next !== undefined) body['@odata.nextLink'] = next;
  const applied = [req.prefer.trackChanges ? 'odata.track-changes' : undefined, preferenceApplied(plan.read, req.prefer.includeAnnotations)].filter(Boolean);
  return json(200, body, applied.length ? { 'Preference-Applied': applied.join(',') } : {}, req.metadata);
}

/**
 * `GET /<set>/$count?$deltatoken=…` (digest §10): how many changes the delta link would answer,
 * rows created or changed and rows deleted, as plain text, at most COUNT_CAP (5,000, as any
 * `$count`). Throws as answerChanges.
 */
export async function countChanges(db: Database, plan: ChangesPlan): Promise<HttpResponse> {
  const settled = await settle(db, plan);
  const read = withVersions(plan.read, plan.since, settled);
  const rows = await executeCount(db, { entity: plan.entity, filter: read.filter });
  const deleted = plan.since === undefined ? 0 : (await executeDeletedIds(db, plan.entity, plan.since, settled, undefined, COUNT_CAP)).length;
  return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: String(Math.min(COUNT_CAP, rows + deleted)) };
}

/**
 * The settled version a page reads up to: its skiptoken's, or the database's now. Throws 400
 * `0x80044352` when the `$deltatoken` is ahead of the database (restored from a backup, say):
 * the changes between cannot be told, so the client must sync anew.
 */
async function settle(db: Database, plan: ChangesPlan): Promise<number> {
  const settled = plan.settled ?? await db.settledVersion();
  if (plan.since !== undefined && plan.since > settled) throw Errors.expiredVersionStamp();
  return settled;
}
