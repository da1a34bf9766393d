import type { AttributeModel, EntityModel } from '../model/types.js';
import type { ODataRequest } from './request.js';
import { json, type HttpResponse } from './respond.js';

/** What a download answers: the file's name, MIME type and size in bytes, and the bytes sent (all, or those of a range). */
export interface FileSlice {
  readonly filename: string;
  readonly mimetype: string;
  /** The whole file's size in bytes. */
  readonly filesizeinbytes: number;
  /** The bytes answered. */
  readonly bytes: Uint8Array;
  /** The first byte's offset in the file (0 for a whole file). */
  readonly from: number;
}

/** `text` as a header value: as it is when printable ASCII without quotes, else percent-encoded (Node refuses other characters in headers). */
function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) && !/["\\]/.test(text) ? text : encodeURIComponent(text);
}

/**
 * The answer to `GET …/<column>[/$value]` (Dataverse "Use file column data", "Download files"):
 * `file`'s bytes, 200 whole or 206 for a `ranged` request (then `x-ms-chunk-size`, `chunkSize`
 * bytes, and `Content-Range`), with `x-ms-file-name`, `x-ms-file-size`, `mimetype` and
 * `Content-Disposition: attachment; filename="…"` (as the v9.1 "File attributes" example answers
 * `$value`). `raw` (`$value`) answers the bytes; the column itself their base64 in `{"value": …}`
 * (as dynamics-web-api's downloadFile reads it).
 */
export function fileAnswer(req: ODataRequest, entity: EntityModel, id: string, column: AttributeModel, file: FileSlice, ranged: boolean, chunkSize: number, raw: boolean): HttpResponse {
  const headers: Record<string, string> = {
    'x-ms-file-name': headerText(file.filename),
    'x-ms-file-size': String(file.filesizeinbytes),
    mimetype: file.mimetype,
    'Content-Disposition': `attachment; filename="${headerText(file.filename)}"`,
  };
  if (ranged) {
    headers['x-ms-chunk-size'] = String(chunkSize);
    // RFC 9110 §14.4 keeps `bytes */<size>` for a 416; a 206 with no bytes (dynamics-web-api's
    // request one chunk past a file that fills its last chunk) names no range.
    if (file.bytes.length) headers['Content-Range'] = `bytes ${file.from}-${file.from + file.bytes.length - 1}/${file.filesizeinbytes}`;
  }
  const status = ranged ? 206 : 200;
  if (raw) return { status, headers: { ...headers, 'Content-Type': 'application/octet-stream' }, bytes: file.bytes };
  return json(status, { '@odata.context': `${req.serviceRoot}$metadata#${entity.EntitySetName}(${id})/${column.LogicalName}`, value: Buffer.from(file.bytes).toString('base64') }, headers, req.metadata);
}

/**
 * The answer to the first request of a chunked upload (Dataverse "Upload the file in chunks"): 200
 * with `Location` (the column's URL with `sessiontoken=<token>`), `Accept-Ranges: bytes` and
 * `x-ms-chunk-size` (`chunkSize` bytes).
 */
export function uploadStartedAnswer(req: ODataRequest, entity: EntityModel, id: string, column: AttributeModel, token: string, chunkSize: number): HttpResponse {
  return {
    status: 200,
    headers: {
      Location: `${req.serviceRoot}${entity.EntitySetName}(${id})/${column.LogicalName}?sessiontoken=${token}`,
      'Accept-Ranges': 'bytes',
      'x-ms-chunk-size': String(chunkSize),
    },
  };
}
