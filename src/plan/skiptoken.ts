import { Errors } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import type { SortKey, Value } from './types.js';
import { bodyValue } from './values.js';

/**
 * Keyset `$skiptoken`s (DESIGN.md §3): the token carries the previous page's last sort-key
 * values, so page N costs what page 1 costs. It is opaque to clients (digest §3.4): base64url of
 * `{"o":"<order signature>","v":[…values]}`; the signature ties a token to the `$orderby` it was
 * made for. A page of tracked changes adds `"w":<settled row version>` (plan/changes.ts), the
 * upper bound of the changes every page of the same answer reads.
 */

/** `versionnumber+,msdyn_copilotinteractionid+`: the sort keys' names and directions. */
export function orderSignature(orderBy: readonly SortKey[]): string {
  return orderBy.map((k) => `${k.attribute.LogicalName}${k.descending ? '-' : '+'}`).join(',');
}

/**
 * Makes the token for the row whose sort-key values are `values` (one per key, in order); with
 * `settled`, a page of tracked changes.
 */
export function encodeSkipToken(orderBy: readonly SortKey[], values: readonly Value[], settled?: number): string {
  return Buffer.from(JSON.stringify({ o: orderSignature(orderBy), v: values, ...(settled === undefined ? {} : { w: settled }) })).toString('base64url');
}

/**
 * A token's order signature and settled version, without checking its values (to tell which
 * kind of page it continues); undefined fields when the token is not one of ours.
 */
export function peekSkipToken(token: string): { order?: string; settled?: number } {
  try {
    const p = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; w?: unknown };
    return {
      order: typeof p?.o === 'string' ? p.o : undefined,
      settled: Number.isSafeInteger(p?.w) ? p.w as number : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * Reads a token made by encodeSkipToken for the same `$orderby` of `entity`. Throws 400
 * `0x80060888` when the token is malformed, was made for another order, or holds a value that is
 * not a valid value of its column (each value is checked as a request body value would be, so a
 * forged token cannot reach the database with, say, a non-GUID for a uniqueidentifier column).
 */
export function decodeSkipToken(entity: EntityModel, orderBy: readonly SortKey[], token: string): Value[] {
  const bad = () => Errors.badQuery('The $skiptoken is not valid for this query; use the @odata.nextLink the service returned.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { o?: unknown; v?: unknown };
  if (!p || typeof p !== 'object' || p.o !== orderSignature(orderBy) || !Array.isArray(p.v) || p.v.length !== orderBy.length) throw bad();
  const values = (p.v as unknown[]).map((v, i) => {
    if (v === null) return null;
    try {
      return bodyValue(entity, orderBy[i]!.attribute, v);
    } catch {
      throw bad();
    }
  });
  if (values[values.length - 1] === null) throw bad(); // the primary key is never null
  return values;
}
