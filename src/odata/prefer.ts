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

/** Splits on commas that are not inside double quotes. */
function splitPreferences(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) { out.push(current); current = ''; continue; }
    current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** The preferences of a Prefer header value: lower-cased names, their arguments as sent ('' when none). */
function preferenceItems(value: string | undefined): Array<{ name: string; arg: string }> {
  return value ? splitPreferences(value).map((item) => {
    const eq = item.indexOf('=');
    return { name: (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase(), arg: eq < 0 ? '' : item.slice(eq + 1).trim() };
  }) : [];
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
    if (name === 'return' && arg.toLowerCase() === 'representation') prefs.returnRepresentation = true;
    else if (name === 'odata.maxpagesize') {
      const n = /^\d+$/.test(arg) ? Number(arg) : NaN;
      if (!(n >= 1 && n <= 5000)) throw Errors.badQuery(`The odata.maxpagesize preference must be a whole number from 1 to 5000; '${arg}' is not.`);
      prefs.maxPageSize = n;
    } else if (name === 'odata.include-annotations') prefs.includeAnnotations = arg;
    else if (name === 'odata.track-changes') prefs.trackChanges = true;
    else if (name === 'odata.continue-on-error') prefs.continueOnError = arg.toLowerCase() !== 'false';
  }
  return prefs;
}
