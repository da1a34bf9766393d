import { Errors } from '../errors.js';

/**
 * The `Prefer` preferences Tessera understands (OData v4.0 Part 1 §8.2.8; digest §4.3).
 * Several preferences may come comma-separated in one header or in several headers.
 */
export interface Preferences {
  /** `return=representation`: answer writes with the row (POST 201, PATCH 200). */
  returnRepresentation: boolean;
  /** `odata.maxpagesize=N`, 1…5000. */
  maxPageSize?: number;
  /** `odata.include-annotations="…"` as sent (not applied yet; echoed only once supported). */
  includeAnnotations?: string;
  /** `odata.track-changes`: the client asks for a delta link (digest §10). */
  trackChanges?: boolean;
  /** `odata.continue-on-error`: a `$batch` runs every part, whatever fails (digest §7). */
  continueOnError?: boolean;
}

/**
 * Splits on `separator` where it is not inside a quoted-string (RFC 9110 §5.6.4: double quotes,
 * with `\` escaping the next character); parts trimmed, empty ones kept.
 */
function splitOutsideQuotes(value: string, separator: ',' | ';'): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let escaped = false;
  for (const ch of value) {
    if (escaped) escaped = false;
    else if (quoted && ch === '\\') escaped = true;
    else if (ch === '"') quoted = !quoted;
    else if (ch === separator && !quoted) { out.push(current); current = ''; continue; }
    current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim());
}

/** `word` (RFC 9110 §5.6: a token or a quoted-string) as its text, quotes and escapes removed. */
function unquote(word: string): string {
  return /^".*"$/s.test(word) ? word.slice(1, -1).replace(/\\(.)/gs, '$1') : word;
}

/**
 * The preferences of a Prefer header value (RFC 7240 §2: `token [= word] *( ; parameter )`,
 * several comma-separated): lower-cased names, their arguments as sent ('' when none). A
 * preference's `;` parameters are its own, not preferences: none of those Tessera understands
 * takes any, so they are dropped (`return=representation;odata.include-annotations="*"` is
 * `return=representation`). A preference given more than once counts by its first instance alone
 * (RFC 7240 §2): `return=minimal, return=representation` is `return=minimal`.
 */
function preferenceItems(value: string | undefined): Array<{ name: string; arg: string }> {
  const seen = new Set<string>();
  return value ? splitOutsideQuotes(value, ',').map((item) => {
    const head = splitOutsideQuotes(item, ';')[0]!;
    const eq = head.indexOf('=');
    return { name: (eq < 0 ? head : head.slice(0, eq)).trim().toLowerCase(), arg: eq < 0 ? '' : head.slice(eq + 1).trim() };
  }).filter((p) => p.name && !seen.has(p.name) && seen.add(p.name)) : [];
}

/**
 * The `odata.include-annotations` value of a Prefer header value as sent, undefined when absent.
 * Unlike parsePrefer it never throws, so that the answer to any failed request, a bad Prefer
 * header's own included, can carry the error annotations asked for.
 */
export function includeAnnotationsOf(value: string | undefined): string | undefined {
  return preferenceItems(value).find((p) => p.name === 'odata.include-annotations')?.arg;
}

/**
 * Parses the Prefer header (undefined when absent). Unknown preferences are ignored, as the HTTP
 * Prefer RFC 7240 §2 requires. Throws 400 for an `odata.maxpagesize` that is not 1…5000
 * (Dataverse's page limit, digest §3.4).
 */
export function parsePrefer(value: string | undefined): Preferences {
  const prefs: Preferences = { returnRepresentation: false };
  for (const { name, arg } of preferenceItems(value)) {
    if (name === 'return' && unquote(arg).toLowerCase() === 'representation') prefs.returnRepresentation = true;
    else if (name === 'odata.maxpagesize') {
      const n = /^\d+$/.test(unquote(arg)) ? Number(unquote(arg)) : NaN;
      if (!(n >= 1 && n <= 5000)) throw Errors.badQuery(`The odata.maxpagesize preference must be a whole number from 1 to 5000; '${arg}' is not.`);
      prefs.maxPageSize = n;
    } else if (name === 'odata.include-annotations') prefs.includeAnnotations = arg;
    else if (name === 'odata.track-changes') prefs.trackChanges = true;
    else if (name === 'odata.continue-on-error') prefs.continueOnError = arg.toLowerCase() !== 'false';
  }
  return prefs;
}
