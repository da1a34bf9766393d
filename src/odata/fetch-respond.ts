import { pkOf } from '../model/primary-key.js';
import type { AttributeModel } from '../model/types.js';
import type { FetchPlan } from '../plan/fetch.js';
import { cookieOfRows } from '../plan/paging-cookie.js';
import type { ReadResult } from '../store/execute.js';
import { TERMS, type AnnotationSet } from './annotations.js';
import type { MetadataLevel } from './metadata-level.js';
import { collectionHead, columnSlots, entityWriter, json, preferenceApplied, slotAnnotations, writeProperty, type HttpResponse } from './respond.js';

/**
 * Respond stage of the FetchXML front end (digest §3.8; Dataverse "Use FetchXML with Web API" and
 * "Page results using FetchXml"): rows as for OData reads (`@odata.etag`, lookups as `_x_value`,
 * annotations when asked for) except that null columns are left out. Link-entity columns follow
 * as `<alias>_x002e_<attribute>` (linkedColumnName), or under their attribute `alias`, and are
 * always answered as aliased values (writeAliased): Dataverse returns every link-entity column as
 * an AliasedValue ("Select columns using FetchXml", Column aliases: link columns are named
 * `<link alias>.<column>`, the Web API's `_x002e_`), so each carries
 * `@OData.Community.Display.V1.AttributeName`, and a linked lookup its GUID under that name (no
 * `_x_value`) with `lookuplogicalname` and its target's name as FormattedValue
 * (LinkedColumn.nameOf) but no `associatednavigationproperty`. Root columns with an `alias` are
 * answered under it (writeAliased) too, and child counts (`rowaggregate="CountChildren"`,
 * ReadPlan.childCounts) as integers under their alias, with the primary key's logical name as
 * their AttributeName annotation when asked for. While more rows follow the page, and only when asked for with
 * `Prefer: odata.include-annotations`, the body carries `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`
 * (not for queries without paging cookies, FetchPlan.pagingCookie) and
 * `@Microsoft.Dynamics.CRM.morerecords: true`; both are absent on the last page.
 */

/**
 * Writes the column `a` answered under its attribute `alias` (Dataverse "Select columns using
 * FetchXml", Column aliases, Web API): the value under the alias, a lookup's GUID too (not as
 * `_x_value`); when asked for, `<alias>@OData.Community.Display.V1.AttributeName` (the column's
 * logical name), its FormattedValue and, for a lookup, `lookuplogicalname` (no
 * `associatednavigationproperty`: an alias is no navigation property). Nothing for null values.
 */
function writeAliased(out: Record<string, unknown>, ann: AnnotationSet | undefined, a: AttributeModel, alias: string, v: unknown, lookupName: unknown, target?: string): void {
  if (v === null || v === undefined) return;
  if (ann?.attributeName) out[`${alias}@${TERMS.attributeName}`] = a.LogicalName;
  writeProperty(out, ann && { ...ann, associatedNavigationProperty: false }, a, alias, v, lookupName, target);
}

/**
 * Builds the 200 response of a FetchXML read; `includeAnnotations` is the Prefer value, echoed in
 * Preference-Applied; `metadata` the request's odata.metadata level (metadata-level.ts).
 */
export function fetchResponse(serviceRoot: string, plan: FetchPlan, result: ReadResult, includeAnnotations: string | undefined, metadata: MetadataLevel = 'minimal'): HttpResponse {
  const read = plan.read;
  const ann = read.annotations;
  const body = collectionHead(serviceRoot, read, result);
  if (result.hasMore) {
    const cookie = plan.pagingCookie ? cookieOfRows(read.orderBy, plan.page, result.columns, result.rows) : undefined;
    if (cookie && ann?.fetchXmlPagingCookie) body[`@${TERMS.fetchXmlPagingCookie}`] = cookie;
    if ((cookie || !plan.pagingCookie) && ann?.moreRecords) body[`@${TERMS.moreRecords}`] = true;
  }
  // Columns read only to be answered under an alias are left out of the entity itself, and a
  // user's row carries the attributes the fetch names, without principal's ownerid.
  const write = entityWriter({ ...read, columns: read.columns.filter((a) => plan.visible.includes(a)) }, result.columns, serviceRoot, undefined, metadata, false);
  const aliased = plan.aliased.map(({ alias, attribute }) => ({ alias, attribute, slots: columnSlots(read, result.columns, attribute) }));
  const all = (read.linked ?? []).map((l, k) => ({ l, i: result.columns.length + read.lookupNames.length + read.expand.length + k }));
  // A lookup's name: an owner has one per table it may point at, the row's answering (the others null).
  const linked = all.filter(({ l }) => l.nameOf === undefined).map(({ l, i }) => ({ l, i, names: all.filter((n) => n.l.nameOf === l.name) }));
  const counted = result.columns.length + read.lookupNames.length + read.expand.length + all.length;
  const counts = (read.childCounts ?? []).map((c, k) => ({ name: c.name, key: pkOf(read.entity).LogicalName, i: counted + k }));
  body['value'] = result.rows.map((row) => {
    const out = write(row);
    for (const key of Object.keys(out)) if (out[key] === null) delete out[key];
    for (const { alias, attribute, slots } of aliased) {
      if (slots.i < 0) continue;
      const { formatted, target } = slotAnnotations(slots, row);
      writeAliased(out, ann, attribute, alias, row[slots.i], formatted, target);
    }
    for (const { l, i, names } of linked) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      const named = names.find((n) => row[n.i] !== null && row[n.i] !== undefined);
      // The table whose name answered is the row's (lookuplogicalname of a polymorphic owner).
      writeAliased(out, ann, l.attribute, l.name, v, named && row[named.i], named && l.attribute.Targets.length > 1 ? named.l.path[named.l.path.length - 1]!.navigation.target.LogicalName : undefined);
    }
    // Child counts (rowaggregate="CountChildren"): an integer under the alias, named after the key.
    for (const { name, key, i } of counts) {
      if (ann?.attributeName) out[`${name}@${TERMS.attributeName}`] = key;
      out[name] = row[i];
    }
    return out;
  });
  const applied = preferenceApplied(read, includeAnnotations);
  return json(200, body, applied ? { 'Preference-Applied': applied } : {}, metadata);
}
