import type { FetchPlan } from '../plan/fetch.js';
import { cookieOfRows } from '../plan/paging-cookie.js';
import type { ReadResult } from '../store/execute.js';
import { TERMS } from './annotations.js';
import type { MetadataLevel } from './metadata-level.js';
import { collectionHead, entityWriter, json, preferenceApplied, writeProperty, type HttpResponse } from './respond.js';

/**
 * Respond stage of the FetchXML front end (digest §3.8; Dataverse "Use FetchXML with Web API" and
 * "Page results using FetchXml"): rows as for OData reads (`@odata.etag`, lookups as `_x_value`,
 * annotations when asked for) except that null columns are left out, and link-entity columns
 * follow as `<alias>_x002e_<attribute>` (linkedColumnName), their lookups' names as FormattedValue
 * (LinkedColumn.nameOf) as the root's. While more rows follow the page, and only when asked for with
 * `Prefer: odata.include-annotations`, the body carries `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`
 * and `@Microsoft.Dynamics.CRM.morerecords: true`; both are absent on the last page.
 */

/**
 * Builds the 200 response of a FetchXML read; `includeAnnotations` is the Prefer value, echoed in
 * Preference-Applied; `metadata` the request's odata.metadata level (metadata-level.ts).
 */
export function fetchResponse(serviceRoot: string, plan: FetchPlan, result: ReadResult, includeAnnotations: string | undefined, metadata: MetadataLevel = 'minimal'): HttpResponse {
  const read = plan.read;
  const ann = read.annotations;
  const body = collectionHead(serviceRoot, read, result);
  const cookie = result.hasMore ? cookieOfRows(read.orderBy, plan.page, result.columns, result.rows) : undefined;
  if (cookie) {
    if (ann?.fetchXmlPagingCookie) body[`@${TERMS.fetchXmlPagingCookie}`] = cookie;
    if (ann?.moreRecords) body[`@${TERMS.moreRecords}`] = true;
  }
  const write = entityWriter(read, result.columns, serviceRoot, undefined, metadata);
  const all = (read.linked ?? []).map((l, k) => ({ l, i: result.columns.length + read.lookupNames.length + read.expand.length + k }));
  const linked = all.filter(({ l }) => l.nameOf === undefined).map(({ l, i }) => ({ l, i, name: all.find((n) => n.l.nameOf === l.name)?.i }));
  body['value'] = result.rows.map((row) => {
    const out = write(row);
    for (const key of Object.keys(out)) if (out[key] === null) delete out[key];
    for (const { l, i, name } of linked) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      writeProperty(out, ann, l.attribute, l.name, v, name === undefined ? undefined : row[name]);
    }
    return out;
  });
  const applied = preferenceApplied(read, includeAnnotations);
  return json(200, body, applied ? { 'Preference-Applied': applied } : {}, metadata);
}
