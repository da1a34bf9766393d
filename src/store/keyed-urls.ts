import { Errors } from '../errors.js';
import type { Model } from '../model/types.js';
import { namedPrimaryKey, planAlternateKey } from '../plan/keys.js';
import { canonicalGuid } from '../plan/values.js';
import { BIND_SUFFIX, isObject, splitRecordUrl } from '../plan/write.js';
import type { Database, Executor } from './database.js';
import { findByKey } from './execute.js';

/**
 * Record URLs that name their row by an alternate key — `/contacts(emailaddress1='a@b.c')`,
 * `/sample_things(key1='a',key2=1)` (Dataverse: "Use an alternate key to reference a record") —
 * are looked up here, before planning, and rewritten to the row's id URL `/<set>(<id>)`, so the
 * (synchronous, database-free) plan stage only ever sees ids. A URL of an unknown entity set, or
 * with a GUID or named primary key, is left as it is for the plan stage to judge.
 */



/** Calls `visit` on every `@odata.bind` URL of a body (strings and arrays, at any depth of a deep insert). */
function eachBind(v: unknown, visit: (url: string) => void): void {
  if (Array.isArray(v)) { for (const x of v) eachBind(x, visit); return; }
  if (!isObject(v)) return;
  for (const k in v) {
    const x = v[k];
    if (!k.endsWith(BIND_SUFFIX)) {
      if (typeof x === 'object' && x !== null) eachBind(x, visit); // a deep insert's records
    } else if (typeof x === 'string') visit(x);
    else if (Array.isArray(x)) for (const u of x) if (typeof u === 'string') visit(u);
  }
}

/** A copy of `v` with the `@odata.bind` URLs in `ids` replaced. */
function rewriteBinds(v: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteBinds(x, ids));
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!k.endsWith(BIND_SUFFIX)) out[k] = rewriteBinds(x, ids);
    else if (typeof x === 'string') out[k] = ids.get(x) ?? x;
    else out[k] = Array.isArray(x) ? x.map((u) => (typeof u === 'string' ? ids.get(u) ?? u : u)) : x;
  }
  return out;
}

/**
 * The id URL of the row a record URL names by alternate key; the URL itself when it does not use
 * one. Throws 404 `0x80040217` "A record with the specified key values does not exist in <table>
 * entity" when no row has the key, 400 when the predicate is no key of the table.
 */
export async function resolveKeyedUrl(ex: Executor, db: Database, model: Model, url: string): Promise<string> {
  const parts = splitRecordUrl(url);
  const entity = parts ? model.byEntitySetName.get(parts.entitySet) : undefined;
  if (!parts || !entity || canonicalGuid(parts.key.replace(/^'(.*)'$/, '$1')) || namedPrimaryKey(entity, parts.key)) return url;
  const { key, values } = planAlternateKey(entity, parts.key);
  const id = await findByKey(ex, db, entity, key, values);
  if (!id) throw Errors.keyNotFound(entity.LogicalName);
  return `/${entity.EntitySetName}(${id})`;
}

/**
 * `body` with every `@odata.bind` URL that uses an alternate key rewritten to its row's id URL
 * (the same object when there is none). Errors as for resolveKeyedUrl.
 */
export async function resolveKeyedBinds<T>(ex: Executor, db: Database, model: Model, body: T): Promise<T> {
  const urls = new Set<string>();
  eachBind(body, (url) => urls.add(url));
  const ids = new Map<string, string>();
  for (const url of urls) {
    const resolved = await resolveKeyedUrl(ex, db, model, url);
    if (resolved !== url) ids.set(url, resolved);
  }
  return ids.size ? rewriteBinds(body, ids) as T : body;
}
