import { Errors } from '../errors.js';
import { header, type HttpRequest, type QueryOptions } from './request.js';

/**
 * What a request says about a file column transfer (Dataverse "Use file column data": upload in a
 * single request or in chunks, download in one request or by ranges), read from its headers, query
 * and raw body. Every member is absent when the request does not carry it. `Range` and
 * `Content-Range` are kept as sent and parsed only by a File column's handler (parseRange,
 * parseContentRange): on any other request they mean nothing to the service.
 */
export interface FileTransfer {
  /** The bytes of a body that is not JSON (HttpRequest.bytes). */
  readonly bytes?: Uint8Array;
  /** With `bytes`: the body's Content-Type as sent (trimmed), if any. */
  readonly contentType?: string;
  /** `x-ms-transfer-mode: chunked`: the first request of a chunked upload. */
  readonly chunked: boolean;
  /** The file's name: the `x-ms-file-name` header, else the query parameter (the header wins, as Dataverse documents). */
  readonly fileName?: string;
  /** The `sessiontoken` query parameter of a chunk upload (the first request's Location). */
  readonly sessionToken?: string;
  /** The `Content-Range` header, unparsed (parseContentRange). */
  readonly contentRange?: string;
  /** The `Range` header, unparsed (parseRange). */
  readonly range?: string;
  /** The `size=full` query parameter dynamics-web-api sends with its downloads. */
  readonly size?: string;
}

/** A chunk's place in the file: bytes `from`…`to` (inclusive; `to` is `from - 1` for an empty chunk) of `total`. */
export interface ContentRange {
  readonly from: number;
  readonly to: number;
  readonly total: number;
}

/** The bytes a download asks for: `from`…`to` (inclusive; absent: to the end). */
export interface ByteRange {
  readonly from: number;
  readonly to?: number;
}

/** Whether Content-Type `contentType` is `application/octet-stream` (with any parameters). */
export function isOctetStream(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/octet-stream\s*(;|$)/i.test(contentType);
}

/**
 * Whether `t` asks for anything of a file column (so that a request to another column is refused):
 * an octet-stream body, a file name, a session token, a Content-Range, a `bytes` Range (another unit
 * is none: RFC 9110 §14.2, ignored), `size`. A body of another type is the media type's 415.
 */
export function isFileTransfer(t: FileTransfer): boolean {
  return (t.bytes !== undefined && isOctetStream(t.contentType)) || t.chunked || t.fileName !== undefined || t.sessionToken !== undefined || t.contentRange !== undefined
    || (t.range !== undefined && /^\s*bytes\s*=/i.test(t.range)) || t.size !== undefined;
}

const CONTENT_RANGE = /^bytes (\d{1,15})-(-?\d{1,15})\/(\d{1,15})$/;
const RANGE = /^bytes=(\d{1,15})-(\d{0,15})(?:\/\d{1,15})?$/;

/**
 * `Content-Range: bytes <from>-<to>/<total>` of a chunk (RFC 9110 §14.4), also the empty file's
 * `bytes 0--1/0` (dynamics-web-api's setFileChunk for an empty file) and `bytes *` `/0`. Throws 400
 * `0x80040203` for any other form, or a range outside the file or ending before its start (but
 * for the empty chunk `N-(N-1)/N` that dynamics-web-api sends after a file whose size is a multiple
 * of the chunk size).
 */
export function parseContentRange(text: string): ContentRange {
  const trimmed = text.trim();
  if (trimmed === 'bytes */0') return { from: 0, to: -1, total: 0 };
  const m = CONTENT_RANGE.exec(trimmed);
  const [from, to, total] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, -2, 0];
  if (!m || to < from - 1 || to >= total) throw Errors.invalidArgument(`The Content-Range header '${text}' is not a range of the form 'bytes <first>-<last>/<size>' within the file.`);
  return { from, to, total };
}

/**
 * The one byte range of a download's `Range: bytes=<from>-[<to>]` (also the v9.1 documentation's
 * `bytes=<from>-<to>/<size>`), or undefined for a Range the download does not use, which is then
 * answered whole: another unit, several ranges, a suffix range (`bytes=-500`) or a last byte
 * before the first (RFC 9110 §14.2: a server may ignore Range; Dataverse takes one range at a time).
 */
export function parseRange(text: string | undefined): ByteRange | undefined {
  const m = text === undefined ? null : RANGE.exec(text.trim());
  if (!m || (m[2] !== '' && Number(m[2]) < Number(m[1]))) return undefined;
  return { from: Number(m[1]), ...(m[2] === '' ? {} : { to: Number(m[2]) }) };
}

/**
 * Reads the file transfer members of `req` and its parsed `query` (see FileTransfer). Throws 400
 * `0x80060888` for a `size` other than `full` (case aside), the one value Dataverse documents
 * ("Use image column data"), rather than answering the thumbnail as if it had not been sent.
 */
export function parseFileTransfer(req: HttpRequest, query: QueryOptions): FileTransfer {
  const named = header(req.headers, 'x-ms-file-name');
  const size = query.custom?.get('size');
  if (size !== undefined && size.trim().toLowerCase() !== 'full') throw Errors.badQuery(`The query parameter size takes only 'full' (the full-size image); '${size}' is not.`);
  return {
    bytes: req.bytes,
    contentType: req.bytes === undefined ? undefined : header(req.headers, 'content-type')?.trim() || undefined,
    chunked: header(req.headers, 'x-ms-transfer-mode')?.trim().toLowerCase() === 'chunked',
    fileName: named !== undefined && named.trim() !== '' ? named.trim() : query.custom?.get('x-ms-file-name'),
    sessionToken: query.custom?.get('sessiontoken'),
    contentRange: header(req.headers, 'content-range'),
    range: header(req.headers, 'range'),
    size,
  };
}
