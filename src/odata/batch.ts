import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { MaxPartsExceededError, MultipartParseError, parseMultipart } from '@remix-run/multipart-parser';
import { Errors } from '../errors.js';
import type { HttpResponse } from './respond.js';

/**
 * OData 4.0 `$batch` in its multipart/mixed form (OData Part 1 §11.7; digest §7): the request's
 * parts, each an HTTP request (`application/http`), are read here and replayed one by one through
 * the pipeline by the service; their answers are written back as one multipart/mixed body.
 * Change sets (a nested multipart/mixed part, all or nothing) are not supported yet: they need one
 * transaction across requests.
 */

/** One request of a batch, as written in its part. */
export interface BatchPart {
  readonly method: string;
  /** Path and query (`/api/data/v9.2/…?…`), an absolute URL's origin dropped. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Dataverse's limit on requests in one batch (digest §7). */
export const MAX_BATCH_PARTS = 1000;

/**
 * Reads the parts of a `$batch` request body. `contentType` must be `multipart/mixed` with a
 * boundary (quoted or not); lines may end in CRLF or, as dynamics-web-api may send them, LF.
 * Throws 400 `0x80060888` for a body that is not such a message, a part that is not
 * `application/http` or holds no request line, a `$<Content-ID>` reference (meaningful only in
 * change sets) and more than 1,000 parts; 501 for a change set.
 */
export function parseBatch(contentType: string | undefined, body: string | undefined): BatchPart[] {
  const boundary = /^multipart\/mixed\s*;(?:.*;)?\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!boundary) throw Errors.badQuery('A $batch request must have the Content-Type multipart/mixed with a boundary.');
  const delimiter = `--${boundary[1] ?? boundary[2]!}`;
  // Line endings made CRLF, and any preamble before the first delimiter dropped (RFC 2046 §5.1.1;
  // dynamics-web-api starts with a blank line).
  const all = (body ?? '').replace(/\r?\n/g, '\r\n');
  const text = all.slice(Math.max(0, all.indexOf(delimiter)));
  const parts: BatchPart[] = [];
  try {
    const options = { boundary: boundary[1] ?? boundary[2]!, maxParts: MAX_BATCH_PARTS, maxFileSize: text.length * 3 + 1, maxTotalSize: text.length * 3 + 1 };
    for (const part of parseMultipart(Buffer.from(text, 'utf8'), options)) {
      const type = part.headers['content-type'] ?? '';
      if (/^multipart\/mixed/i.test(type)) throw Errors.notImplemented('A change set in $batch');
      if (!/^application\/http/i.test(type)) throw Errors.badQuery(`A $batch part must have the Content-Type application/http; '${type}' is not.`);
      parts.push(requestOf(part.text));
    }
  } catch (err) {
    if (err instanceof MaxPartsExceededError) throw Errors.badQuery(`A $batch holds at most ${MAX_BATCH_PARTS} requests.`);
    if (err instanceof MultipartParseError) throw Errors.badQuery(`The $batch body is not a multipart/mixed message: ${err.message}.`);
    throw err;
  }
  if (!parts.length) throw Errors.badQuery('The $batch body holds no request.');
  return parts;
}

/** The request an `application/http` part holds: request line, headers, blank line, body. */
function requestOf(message: string): BatchPart {
  const end = message.indexOf('\r\n\r\n');
  const head = (end < 0 ? message : message.slice(0, end)).replace(/^(\r\n)+/, '').split('\r\n');
  // The target as written; spaces a client left unencoded are encoded.
  const line = /^([A-Z]+) (.+) HTTP\/1\.[01]$/.exec(head[0] ?? '');
  if (!line) throw Errors.badQuery(`A $batch part must start with a request line such as 'GET /api/data/v9.2/accounts HTTP/1.1'; '${head[0] ?? ''}' is not one.`);
  const target = line[2]!.trim().replace(/ /g, '%20');
  if (target.startsWith('$')) throw Errors.badQuery(`Content-ID Reference: '${target.split('/')[0]}' does not exist in the batch context.`);
  if (/\/\$batch(?:\?|$)/.test(target)) throw Errors.badQuery('A $batch cannot hold another $batch.');
  const headers: Record<string, string> = {};
  for (const h of head.slice(1)) {
    const colon = h.indexOf(':');
    if (colon > 0) headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const body = end < 0 ? '' : message.slice(end + 4).replace(/(\r\n)+$/, '');
  return { method: line[1]!, url: /^https?:\/\//i.test(target) ? pathOf(target) : target, headers, ...(body ? { body } : {}) };
}

/** Path and query of an absolute URL, as sent (not re-encoded). */
function pathOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? '/' : url.slice(slash);
}

/**
 * The `$batch` answer for the parts' answers, in order: `multipart/mixed` with a
 * `batchresponse_<uuid>` boundary, each answer an `application/http` part with its status line,
 * headers and body (digest §7).
 */
export function batchResponse(answers: readonly HttpResponse[], status = 200): HttpResponse {
  const boundary = `batchresponse_${randomUUID()}`;
  const parts = answers.map((a) => {
    const head = [`HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}`, ...Object.entries(a.headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    return `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n${head}\r\n\r\n${a.body ?? ''}\r\n`;
  });
  return { status, headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` }, body: `${parts.join('')}--${boundary}--\r\n` };
}
