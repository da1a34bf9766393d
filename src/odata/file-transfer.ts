import { Errors } from '../errors.js';
import { header, type HttpRequest, type QueryOptions } from './request.js';

/**
 * What a request says about a file column transfer (Dataverse "Use file column data": upload in a
 * single request or in chunks, download in one request or by ranges), read from its headers, query
 * and raw body. Every member is absent when the request does not carry it.
 */
export interface FileTransfer {
  /** The bytes of an `application/octet-stream` body. */
  readonly bytes?: Uint8Array;
  /** `x-ms-transfer-mode: chunked`: the first request of a chunked upload. */
  readonly chunked: boolean;
  /** The file's name: the `x-ms-file-name` header, else the query parameter (the header wins, as Dataverse documents). */
  readonly fileName?: string;
  /** The `sessiontoken` query parameter of a chunk upload (the first request's Location). */
  readonly sessionToken?: string;
  /** `Content-Range: bytes <from>-<to>/<total>` of a chunk; `to` is `from - 1` for an empty chunk. */
  readonly contentRange?: { readonly from: number; readonly to: number; readonly total: number };
  /** `Range: bytes=<from>-[<to>]` of a download (`to` inclusive; absent: to the end). */
  readonly range?: { readonly from: number; readonly to?: number };
  /** The `size=full` query parameter dynamics-web-api sends with its downloads. */
  readonly size?: string;
}

/** Whether `t` asks for anything of a file column (so that a request to another column is refused). */
export function isFileTransfer(t: FileTransfer): boolean {
  return t.bytes !== undefined || t.chunked || t.fileName !== undefined || t.sessionToken !== undefined || t.contentRange !== undefined || t.range !== undefined || t.size !== undefined;
}

const CONTENT_RANGE = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/;
const RANGE = /^bytes=(\d{1,15})-(\d{0,15})$/;

/**
 * Reads the file transfer members of `req` (see FileTransfer). Throws 400 `0x80040203` for a
 * Content-Range or Range that is not one `bytes` range (RFC 9110 §14.4, §14.2: Dataverse takes
 * one range at a time) or whose end is before its start (but for the empty chunk `N-(N-1)/N` that
 * dynamics-web-api sends after a file whose size is a multiple of the chunk size).
 */
export function parseFileTransfer(req: HttpRequest, query: QueryOptions): FileTransfer {
  const contentRangeText = header(req.headers, 'content-range');
  const rangeText = header(req.headers, 'range');
  let contentRange: FileTransfer['contentRange'];
  if (contentRangeText !== undefined) {
    const m = CONTENT_RANGE.exec(contentRangeText.trim());
    const [from, to, total] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, -2, 0];
    if (!m || to < from - 1 || to >= total) throw Errors.invalidArgument(`The Content-Range header '${contentRangeText}' is not a range of the form 'bytes <first>-<last>/<size>' within the file.`);
    contentRange = { from, to, total };
  }
  let range: FileTransfer['range'];
  if (rangeText !== undefined) {
    const m = RANGE.exec(rangeText.trim());
    if (!m || (m[2] !== '' && Number(m[2]) < Number(m[1]))) throw Errors.invalidArgument(`The Range header '${rangeText}' is not one range of the form 'bytes=<first>-<last>'.`);
    range = { from: Number(m[1]), ...(m[2] === '' ? {} : { to: Number(m[2]) }) };
  }
  const named = header(req.headers, 'x-ms-file-name');
  return {
    bytes: req.bytes,
    chunked: header(req.headers, 'x-ms-transfer-mode')?.trim().toLowerCase() === 'chunked',
    fileName: named !== undefined && named.trim() !== '' ? named.trim() : query.custom?.get('x-ms-file-name'),
    sessionToken: query.custom?.get('sessiontoken'),
    contentRange,
    range,
    size: query.custom?.get('size'),
  };
}
