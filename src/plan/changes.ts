import { Errors } from '../errors.js';
import { pkOf } from '../model/primary-key.js';
import type { EntityModel } from '../model/types.js';
import type { Preferences } from '../odata/prefer.js';
import type { QueryOptions } from '../odata/request.js';
import { planRead, type PlanContext } from './read.js';
import { decodeSkipToken, orderSignature, peekSkipToken } from './skiptoken.js';
import type { ReadPlan, SortKey } from './types.js';

/**
 * Change tracking (digest §10; Dataverse "Use change tracking to synchronize data with external
 * systems"): `GET /<set>?$select=…` with `Prefer: odata.track-changes` answers every row and, on
 * its last page, an `@odata.deltaLink` whose `$deltatoken` names the point the answer was read
 * at; GETting that link answers the rows created or changed since, then the rows deleted since,
 * and a new delta link.
 *
 * The point is a row version, the settled version (Database.settledVersion): every write holding
 * a version up to it has ended. An answer reads the changes in (since, settled], the rows ordered
 * by versionnumber (Dataverse returns changes in version order) and the primary key, then the
 * deletions by id; every page of one answer carries the same settled version in its skiptoken,
 * so a write made while a client pages is left to the next delta, never lost.
 */

/** The options Dataverse refuses beside change tracking (digest §10), with `$apply` and `$count`. */
const REFUSED = [['filter', '$filter'], ['orderBy', '$orderby'], ['expand', '$expand'], ['top', '$top'], ['apply', '$apply'], ['count', '$count']] as const;

/** Days a delta token stays valid when the organization row does not say (Dataverse's default). */
export const DEFAULT_EXPIRE_CHANGE_TRACKING_DAYS = 7;

/**
 * A delta token: `<settled version>!<MM/dd/yyyy HH:mm:ss>`, the time (UTC) it was made; the form
 * of Dataverse's tokens (digest §10), whose version part is opaque to clients too.
 */
export interface DeltaToken {
  readonly version: number;
  readonly made: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The `$deltatoken` text of `token`, percent-encoded as Dataverse writes it (`%21`, `%2f`, `%20`, `%3a`). */
export function formatDeltaToken(token: DeltaToken): string {
  const t = token.made;
  const text = `${token.version}!${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${t.getUTCFullYear()} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  return encodeURIComponent(text).replace(/!/g, '%21').replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
}

const TOKEN = /^(\d{1,15})!(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)$/;

/** How far ahead of the clock a token's time may be (clocks of several servers differ a little), in ms. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Reads a `$deltatoken` (already percent-decoded). Throws 400 `0x80060888` for text that is not a
 * token or whose time is ahead of `now` by more than CLOCK_SKEW_MS, and 400 `0x80044352`
 * (ExpiredVersionStamp, Dataverse's error for a token older than the organization's
 * ExpireChangeTrackingInDays) when it was made more than `expireDays` days before `now`.
 */
export function parseDeltaToken(text: string, now: Date, expireDays: number): DeltaToken {
  const m = TOKEN.exec(text);
  const made = m ? new Date(Date.UTC(Number(m[4]), Number(m[2]) - 1, Number(m[3]), Number(m[5]), Number(m[6]), Number(m[7]))) : undefined;
  if (!m || !made || Number.isNaN(made.getTime()) || pad(made.getUTCMonth() + 1) !== m[2] || pad(made.getUTCDate()) !== m[3]) {
    throw Errors.badQuery(`The $deltatoken '${text}' is not valid; use the @odata.deltaLink the service returned.`);
  }
  if (made.getTime() - now.getTime() > CLOCK_SKEW_MS) throw Errors.badQuery(`The $deltatoken '${text}' was not made by this service; use the @odata.deltaLink the service returned.`);
  if (now.getTime() - made.getTime() > expireDays * 86_400_000) throw Errors.expiredVersionStamp();
  return { version: Number(m[1]), made };
}

/**
 * One page of a change tracking answer. `read` reads the changed rows (its `$select`, page size
 * and annotations; the version bounds are added by withVersions once `settled` is known); in the
 * `deletions` phase the page has gone past the rows. A delta answer (`since` given) continues
 * with the deletions: the ids after `deletionsAfter` of the rows deleted or retained in
 * (since, settled].
 */
export interface ChangesPlan {
  readonly kind: 'changes';
  readonly entity: EntityModel;
  /** The `$deltatoken`'s version; undefined for the first answer, which has every row. */
  readonly since?: number;
  /** From the skiptoken on later pages; undefined on a first page (ask the database). */
  readonly settled?: number;
  readonly read: ReadPlan;
  readonly phase: 'rows' | 'deletions';
  readonly deletionsAfter?: string;
  /** Page size: rows and deletions together. */
  readonly limit: number;
}

/** The sort of a change page's rows: versionnumber, then the primary key. */
export function changeOrder(entity: EntityModel): SortKey[] {
  return [{ attribute: entity.attributesByName.get('versionnumber')!, descending: false }, { attribute: pkOf(entity), descending: false }];
}

/** The sort of a change page's deletions: the id. */
export function deletionOrder(entity: EntityModel): SortKey[] {
  return [{ attribute: pkOf(entity), descending: false }];
}

/**
 * Whether a collection read asks for changes: `Prefer: odata.track-changes`, a `$deltatoken`, or
 * a skiptoken of a change page (a client following nextLink may not repeat the Prefer header).
 */
export function asksForChanges(query: QueryOptions, prefer: Preferences): boolean {
  return prefer.trackChanges === true || query.deltaToken !== undefined || (query.skipToken !== undefined && peekSkipToken(query.skipToken).settled !== undefined);
}

/**
 * Plans a page of changes of `entity`. Throws 400 `0x80072491` when the table does not track
 * changes; 400 `0x80060888` for `$filter`, `$orderby`, `$expand`, `$top`, `$apply` or `$count`
 * beside it (Dataverse: 'The "$filter" query parameter isn't supported when Change Tracking is
 * enabled.'), a bad `$deltatoken` or skiptoken; 400 `0x80044352` for an expired token (see
 * parseDeltaToken). `$select` applies as on any read.
 */
export function planChanges(entity: EntityModel, query: QueryOptions, prefer: Preferences, context: PlanContext, expireDays: number): ChangesPlan {
  if (!entity.ChangeTrackingEnabled) throw Errors.changeTrackingNotEnabled(entity.LogicalName);
  for (const [option, name] of REFUSED) {
    if (query[option] !== undefined) throw Errors.badQuery(`The "${name}" query parameter isn't supported when Change Tracking is enabled.`);
  }
  const since = query.deltaToken === undefined ? undefined : parseDeltaToken(query.deltaToken, context.clock(), expireDays).version;
  const { skipToken, ...rest } = query;
  const base = planRead(entity, rest, prefer, undefined, context);
  const limit = base.limit;
  const rowOrder = changeOrder(entity);
  const read = { ...base, orderBy: rowOrder, maxPageSizeApplied: prefer.maxPageSize };
  if (skipToken === undefined) return { kind: 'changes', entity, since, read, phase: 'rows', limit };
  const { order, settled } = peekSkipToken(skipToken);
  const bad = () => Errors.badQuery('The $skiptoken is not valid for this query; use the @odata.nextLink the service returned.');
  if (settled === undefined || settled < 0 || (since !== undefined && settled < since)) throw bad();
  if (order === orderSignature(rowOrder)) {
    return { kind: 'changes', entity, since, settled, read: { ...read, after: decodeSkipToken(entity, rowOrder, skipToken) }, phase: 'rows', limit };
  }
  if (since === undefined) throw bad();
  // The deletions from their start (an empty sort key) or after the id the token carries.
  if (order === '' && decodeSkipToken(entity, [], skipToken).length === 0) return { kind: 'changes', entity, since, settled, read, phase: 'deletions', limit };
  if (order !== orderSignature(deletionOrder(entity))) throw bad();
  const [after] = decodeSkipToken(entity, deletionOrder(entity), skipToken);
  return { kind: 'changes', entity, since, settled, read, phase: 'deletions', deletionsAfter: after as string, limit };
}

/** `rows` bounded to the versions in (since, settled]. */
export function withVersions(rows: ReadPlan, since: number | undefined, settled: number): ReadPlan {
  const attribute = rows.entity.attributesByName.get('versionnumber')!;
  const upTo = { kind: 'compare', op: 'le', attribute, value: settled } as const;
  const filter = since === undefined ? upTo : { kind: 'and', left: { kind: 'compare', op: 'gt', attribute, value: since }, right: upTo } as const;
  return { ...rows, filter };
}
