import { Errors } from '../errors.js';
import type { Model } from '../model/types.js';
import { parseFilter } from '../odata/expression.js';
import { rowKey, type HttpRequest } from '../odata/request.js';
import { planRead } from '../plan/read.js';
import { withSecurity, type Database } from '../store/database.js';
import { executeRead } from '../store/execute.js';

/**
 * The legacy image URL Dataverse writes in an image column's `<column>_url` companion (Dataverse
 * "Image columns", EntityImage_URL: `/Image/download.aspx?Entity=<table>&Attribute=<column>&Id=<image id>&Timestamp=<ticks>`,
 * the image id being the `<column>id` companion's value; `&Full=true` for the full-size image),
 * served at the organization's root beside the Web API. It is answered as the Web API request
 * for the image of the row that holds that image id:
 * `GET /api/data/v9.2/<EntitySetName>(<row id>)/<Attribute>/$value`, with `?size=full` for
 * `Full=true`, so it takes the same sign-in, privileges, column security and answers (204 for a
 * row without an image, or for Full=true on a column that keeps no full image). `Timestamp` is
 * the client's cache buster and is not checked. Parameter names are matched without regard to case.
 */

/** The path of the legacy image URL, matched without regard to case (as IIS serves it). */
const DOWNLOAD_PATH = /^\/Image\/download\.aspx$/i;

/**
 * Whether `url` (path and query as received) is an `Image/download.aspx` URL; the cheap test the
 * service makes before imageDownloadRequest.
 */
export function isImageDownload(url: string): boolean {
  const q = url.indexOf('?');
  return DOWNLOAD_PATH.test(q < 0 ? url : url.slice(0, q));
}

/**
 * The Web API request `req` (an isImageDownload URL) stands for: the same request with its URL
 * rewritten as described above. The row is found in `db` past the caller's checks (the rewritten
 * request applies them). Throws ServiceError: 405 for a method other than GET (or HEAD, which the
 * service answers as a GET); 400 `0x80060888` for a missing or repeated parameter, a `Full` other
 * than true/false, an `Id` that is not a GUID, or an `Attribute` that is not an Image column of the
 * table; 404 `0x8006088a` for an `Entity` that names no table, 404 `0x80040217` for an image id
 * no row holds (a replaced or removed image's).
 */
export async function imageDownloadRequest(model: Pick<Model, 'byLogicalName'>, db: Database, req: HttpRequest): Promise<HttpRequest> {
  if (req.method !== 'GET') throw Errors.methodNotAllowed(req.method, 'Image/download.aspx', ['GET']);
  const q = req.url.indexOf('?');
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))) {
    const key = name.toLowerCase();
    if (params.has(key)) throw Errors.badQuery(`Image/download.aspx: the parameter '${name}' is given more than once.`);
    params.set(key, value);
  }
  const required = (name: string): string => {
    const value = params.get(name.toLowerCase());
    if (!value) throw Errors.badQuery(`Image/download.aspx: the parameter '${name}' is missing.`);
    return value;
  };
  const logicalName = required('Entity');
  const entity = model.byLogicalName.get(logicalName.toLowerCase());
  if (!entity) throw Errors.resourceNotFound(logicalName);
  const column = required('Attribute').toLowerCase();
  if (!entity.ImageAttributes.some((a) => a.LogicalName === column)) {
    throw Errors.badQuery(`Image/download.aspx: '${column}' is not an image column of '${entity.LogicalName}'.`);
  }
  const { id } = rowKey(required('Id'));
  if (!id) throw Errors.badQuery(`Image/download.aspx: the Id '${params.get('id')}' is not a GUID.`);
  const full = (params.get('full') ?? 'false').toLowerCase();
  if (full !== 'true' && full !== 'false') throw Errors.badQuery(`Image/download.aspx: Full must be true or false, not '${params.get('full')}'.`);
  const holder = planRead(entity, { select: [entity.PrimaryIdAttribute], filter: parseFilter(`${column}id eq ${id}`) }, { returnRepresentation: false });
  const rowId = (await executeRead(withSecurity(db, undefined), holder)).rows[0]?.[0] as string | undefined;
  if (!rowId) throw Errors.recordNotFound(entity.LogicalName, id);
  const url = `/api/data/v9.2/${entity.EntitySetName}(${rowId})/${column}/$value${full === 'true' ? '?size=full' : ''}`;
  return { ...req, url };
}
