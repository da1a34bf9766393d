import type { AttributeModel, EdmType } from '../model/types.js';

/**
 * How much control information a JSON answer carries (OData JSON Format v4.0 §3.1), chosen by the
 * `odata.metadata` parameter of the request's `Accept` header:
 * - `minimal` (the default, and what Dataverse answers when none is asked for, digest §4.4):
 *   `@odata.context`, `@odata.etag`, `@odata.nextLink`, `@odata.count`, `@odata.deltaLink`;
 * - `none` (§3.1.3): only `@odata.nextLink`, `@odata.count` and `@odata.deltaLink` (at any level);
 * - `full` (§3.1.2): minimal's, and on every entity `@odata.type`, `@odata.id`,
 *   `@odata.editLink`, `<property>@odata.type` for values whose JSON form does not tell their
 *   type, and `<nav>@odata.associationLink` / `<nav>@odata.navigationLink` for each navigation
 *   property.
 */
export type MetadataLevel = 'none' | 'minimal' | 'full';

/** `odata.metadata` values, and the OData v3 `odata=` spellings that some clients still send (MS-ODATAJSON §2.1.5). */
const LEVELS: Record<string, MetadataLevel> = {
  none: 'none', minimal: 'minimal', full: 'full',
  nometadata: 'none', minimalmetadata: 'minimal', fullmetadata: 'full',
};

/**
 * The level the `Accept` header asks for: of its media ranges that a JSON answer satisfies
 * (`application/json`, `application/*`, `*\/*`), the one with the highest `q` (the first of equal
 * ones; RFC 9110 §12.5.1), read for `odata.metadata` (or v3's `odata`). `minimal` when the
 * header is absent, names no level, or names one this service does not know: an answer is always
 * sent, never 406.
 */
export function metadataLevel(accept: string | undefined): MetadataLevel {
  if (!accept) return 'minimal';
  let best: { q: number; level: MetadataLevel } | undefined;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((s) => s.trim());
    if (!/^(?:application\/json|application\/\*|\*\/\*)$/i.test(type)) continue;
    let q = 1;
    let level: MetadataLevel = 'minimal';
    for (const p of params) {
      const eq = p.indexOf('=');
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
      if (name === 'q') q = Number(value);
      else if (name === 'odata.metadata' || name === 'odata') level = LEVELS[value] ?? 'minimal';
    }
    if (q > 0 && (!best || q > best.q)) best = { q, level };
  }
  return best?.level ?? 'minimal';
}

/** The Content-Type of a JSON answer at `level`: `application/json; odata.metadata=<level>`. */
export function jsonContentType(level: MetadataLevel): string {
  return `application/json; odata.metadata=${level}`;
}

/** Control information that `none` keeps (OData JSON Format v4.0 §3.1.3), as a key or a key's `@…` suffix. */
const KEPT = new Set(['@odata.nextLink', '@odata.count', '@odata.deltaLink']);

/**
 * `body` without the control information `odata.metadata=none` leaves out (§3.1.3), at every
 * level of nesting: every `@odata.*` name and `<property>@odata.*` annotation but nextLink,
 * count and deltaLink. Kept too, as their content is the control information itself: an entity
 * reference's `@odata.id` (a `$ref` answer) and a deleted entity's `@odata.context`
 * (`…/$deletedEntity`, §15.4 of OData JSON Format v4.0). Instance annotations (`@Microsoft.…`,
 * `@OData.Community.…`) are not control information and stay. Returns a new value; `body` is
 * not changed.
 */
export function withoutControlInformation(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutControlInformation);
  // Only plain objects are walked: an instance of a class is a value (json-number.ts's numbers
  // written in plain notation).
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const at = key.indexOf('@odata.');
    if (at >= 0 && !KEPT.has(key.slice(at)) && !(key === '@odata.id') && !(key === '@odata.context' && String(value).endsWith('/$deletedEntity'))) continue;
    out[key] = withoutControlInformation(value);
  }
  return out;
}

/**
 * The `@odata.type` that `full` writes beside a property of type `edm` (OData JSON Format v4.0
 * §4.5.3, §7.1): the unqualified primitive type name for values whose JSON form does not tell
 * their type, undefined for Edm.String, Edm.Boolean, Edm.Int32 and Edm.Double (the JSON-native
 * ones, which OData's .NET library also writes bare).
 */
export function primitiveTypeAnnotation(a: Pick<AttributeModel, 'EdmType'>): string | undefined {
  return TYPE_ANNOTATED.has(a.EdmType) ? `#${a.EdmType.slice('Edm.'.length)}` : undefined;
}

const TYPE_ANNOTATED = new Set<EdmType>(['Edm.Guid', 'Edm.DateTimeOffset', 'Edm.Date', 'Edm.Decimal', 'Edm.Int64']);
