import { Errors } from '../errors.js';
import type { AttributeModel } from '../model/types.js';
import { parseXmlElement, type XmlNode } from '../odata/fetchxml.js';
import type { SortKey, Value } from './types.js';
import { integerValue, textValue } from './values.js';

/**
 * FetchXML paging cookies in Dataverse's format (Dataverse "Page results using FetchXml", digest
 * §3.8, §11.3): the page's cookie is `<cookie page="N"><col last="…" first="…" />…</cookie>`, one
 * element per sort key (the primary key last) holding the page's last and first rows' values.
 * The response carries it as `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`:
 * `<cookie pagenumber="N+1" pagingcookie="<the cookie URL-encoded twice>" istracking="False" />`.
 * dynamics-web-api decodes that annotation twice, takes the inner cookie with the regular
 * expression `pagingcookie="(<cookie page="(\d+)".+<\/cookie>)`, XML-escapes `<>"'` (not `&`) and
 * sends it back in the fetch element's `paging-cookie` attribute with `page="N+1"`.
 *
 * So that every value survives that round trip, a value is written as text with `%`, `&`, `<`,
 * `>`, `"` and control characters percent-escaped (GUIDs as Dataverse writes them, `{UPPER}`), and
 * read back with decodeURIComponent; a null value is a missing `last`/`first` attribute.
 */

const ESCAPED = /[%&<>"\u0000-\u001f\u007f]/g;

function cookieText(a: AttributeModel, v: Value): string {
  if (a.EdmType === 'Edm.Guid') return `{${String(v).toUpperCase()}}`;
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v).replace(ESCAPED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` value for page `page` (1-based) of a read
 * ordered by `orderBy`, whose first and last rows have the sort-key values `first` and `last` (one
 * per key, in order).
 */
export function encodePagingCookie(orderBy: readonly SortKey[], page: number, first: readonly Value[], last: readonly Value[]): string {
  const attr = (name: string, a: AttributeModel, v: Value) => (v === null ? '' : ` ${name}="${cookieText(a, v)}"`);
  const keys = orderBy.map((k, i) => `<${k.attribute.LogicalName}${attr('last', k.attribute, last[i]!)}${attr('first', k.attribute, first[i]!)} />`);
  const cookie = `<cookie page="${page}">${keys.join('')}</cookie>`;
  return `<cookie pagenumber="${page + 1}" pagingcookie="${encodeURIComponent(encodeURIComponent(cookie))}" istracking="False" />`;
}

/**
 * The paging cookie (as encodePagingCookie) of page `page` of a read ordered by `orderBy`, from its
 * rows as read (`columns` are the read's fetched columns, which include every sort key, found by
 * name: the security stage may give a sort key a column object of its own, relinkSortKey);
 * undefined for an empty page.
 */
export function cookieOfRows(orderBy: readonly SortKey[], page: number, columns: readonly AttributeModel[], rows: ReadonlyArray<readonly Value[]>): string | undefined {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return undefined;
  const at = orderBy.map((k) => columns.findIndex((c) => c.LogicalName === k.attribute.LogicalName));
  const keys = (row: readonly Value[]) => at.map((i) => row[i]!);
  return encodePagingCookie(orderBy, page, keys(first), keys(last));
}

/** A paging cookie as read back: the page it was made for and that page's last sort-key values. */
export interface PagingCookie {
  readonly page: number;
  readonly last: readonly Value[];
}

/**
 * Reads a `paging-cookie` attribute value (the inner cookie; the whole annotation value is accepted
 * too) made by encodePagingCookie for the same order. Returns undefined for an empty cookie
 * (`<cookie page="1" />`, which Dataverse sends for queries it cannot page by cookie): the caller
 * falls back to simple paging. Throws 400 `0x80040203` for a cookie that is not XML, is not a
 * cookie, was made for another order, or holds a value that is not a value of its column (each
 * value is checked as a condition value is, so a forged cookie reaches the database only as
 * typed parameters).
 */
export function decodePagingCookie(orderBy: readonly SortKey[], text: string): PagingCookie | undefined {
  const bad = (why: string) => Errors.invalidArgument(`The paging-cookie is not valid for this query (${why}); send back the cookie of the previous page unchanged.`);
  let root: XmlNode = parseXmlElement(text, 'The paging-cookie');
  const wrapped = root.$?.['pagingcookie'];
  if (root['#name'] === 'cookie' && wrapped !== undefined) {
    let inner: string;
    try { inner = decodeURIComponent(decodeURIComponent(wrapped)); } catch { throw bad('the pagingcookie attribute is not URL-encoded'); }
    root = parseXmlElement(inner, 'The paging-cookie');
  }
  if (root['#name'] !== 'cookie') throw bad(`the root element is <${root['#name']}>, not <cookie>`);
  const page = Number(root.$?.['page']);
  if (!Number.isInteger(page) || page < 1) throw bad("its 'page' is not a page number");
  const keys = root.$$ ?? [];
  if (!keys.length) return undefined;
  if (keys.length !== orderBy.length) throw bad(`it has ${keys.length} sort keys; this query has ${orderBy.length}`);
  const last = orderBy.map(({ attribute: a }, i) => {
    const key = keys[i]!;
    if (key['#name'] !== a.LogicalName) throw bad(`sort key ${i + 1} is '${key['#name']}', not '${a.LogicalName}'`);
    const raw = key.$?.['last'];
    if (raw === undefined) return null;
    let decoded: string;
    try { decoded = decodeURIComponent(raw); } catch { throw bad(`the value of '${a.LogicalName}' is not escaped as the service writes it`); }
    const notOne = () => bad(`'${raw}' is not a value of '${a.LogicalName}'`);
    const { value } = textValue(a, decoded, notOne);
    // A row's sort key is within its column's type (a number past it, bound, would fail on PostgreSQL).
    if ((a.EdmType === 'Edm.Int32' || a.EdmType === 'Edm.Int64') && integerValue(a.EdmType, decoded.trim().replace(/^\+/, '')) === undefined) throw notOne();
    if (typeof value === 'number' && !Number.isFinite(value)) throw notOne();
    return value;
  });
  return { page, last };
}
