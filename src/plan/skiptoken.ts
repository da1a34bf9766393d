import { Errors } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import type { SortKey, Value } from './types.js';
import { bodyValue } from './values.js';

/**
 * Keyset `$skiptoken`s (DESIGN.md §3): the token carries the previous page's last sort-key
 * values, so page N costs what page 1 costs. It is opaque to clients (digest §3.4): base64url of
 * `{"o":"<order signature>","v":[…values]}`; the signature ties a token to the `$orderby` it was
 * made for.
 */

function signature(orderBy: readonly SortKey[]): string {
  return orderBy.map((k) => `${k.attribute.LogicalName}${k.descending ? '-' : '+'}`).join(',');
}

/** Makes the token for the row whose sort-key values are `values` (one per key, in order). */
export function encodeSkipToken(orderBy: readonly SortKey[], values: readonly Value[]): string {
  return Buffer.from(JSON.stringify({ o: signature(orderBy), v: values })).toString('base64url');
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
  if (!p || typeof p !== 'object' || p.o !== signature(orderBy) || !Array.isArray(p.v) || p.v.length !== orderBy.length) throw bad();
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
