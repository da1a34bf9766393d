import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { MaxPartsExceededError, MultipartParseError, parseMultipart } from '@remix-run/multipart-parser';
import { Errors } from '../errors.js';
import { jsonContentType } from './metadata-level.js';
import type { HttpResponse } from './respond.js';

/**
 * OData 4.0 `$batch` in its multipart/mixed form (OData Part 1 §11.7; digest §7): the request's
 * parts, each an HTTP request (`application/http`) or a change set (a nested multipart/mixed of
 * such requests, all or nothing), are read here and replayed by the service through the pipeline;
 * their answers are written back as one multipart/mixed body.
 */

/** One request of a batch, as written in its part. */
export interface BatchPart {
  readonly method: string;
  /**
   * Path and query (`/api/data/v9.2/…?…`), an absolute URL's origin dropped; in a change set it
   * may start with a `$<Content-ID>` reference to an earlier request of the set.
   */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The part's `Content-ID` (change sets). */
  readonly contentId?: string;
}

/** A request on its own, or a change set: requests that succeed or fail together. */
export type BatchItem = { readonly request: BatchPart } | { readonly changeSet: readonly BatchPart[] };

/** An item's answer: a request's, or a change set's (one per request; a failed set is its failure alone). */
export type BatchAnswer = { readonly response: HttpResponse; readonly contentId?: string } | { readonly changeSet: ReadonlyArray<{ readonly response: HttpResponse; readonly contentId?: string }> };

/** Dataverse's limit on requests in one batch (digest §7). */
export const MAX_BATCH_PARTS = 1000;

/**
 * Most characters of answer bodies one `$batch` collects before it runs no further request: its
 * answer is one string, which past a few hundred MB JavaScript cannot build, and the requests
 * answered by then (change sets committed) must still be told as they were.
 */
export const MAX_BATCH_ANSWER_CHARS = 64 * 1024 * 1024;

/** The characters of answer bodies `answer` adds to a `$batch` answer. */
export function answerChars(answer: BatchAnswer): number {
  const responses = 'response' in answer ? [answer.response] : answer.changeSet.map((r) => r.response);
  return responses.reduce((n, r) => n + (r.body?.length ?? 0), 0);
}

/**
 * Reads the items of a `$batch` request body. `contentType` must be `multipart/mixed` with a
 * boundary (quoted or not); lines may end in CRLF or, as dynamics-web-api may send them, LF.
 * Throws 400 `0x80060888` for a body that is not such a message, a part that is neither
 * `application/http` nor a change set or holds no request line, a GET or HEAD in a change set, a
 * Content-ID used twice in one change set (OData's reader refuses that too), a `$<Content-ID>`
 * reference outside one, and more than 1,000 requests. (A part that is itself a
 * `$batch` is refused by the service, which knows the URL once it is parsed.)
 */
export function parseBatch(contentType: string | undefined, body: string | undefined): BatchItem[] {
  const items: BatchItem[] = [];
  let requests = 0;
  for (const part of multipartParts(contentType, body ?? '')) {
    const type = part.headers['content-type'] ?? '';
    if (/^multipart\/mixed/i.test(type)) {
      const changeSet = multipartParts(type, part.text).map((p) => requestOf(p.text, p.headers, true));
      // A HEAD is a GET without content (Service.answer), and reads no more belong in a change set.
      const read = changeSet.find((r) => r.method === 'GET' || r.method === 'HEAD');
      if (read) throw Errors.badQuery(`A change set cannot hold a ${read.method} request; send it outside the change set.`);
      const seen = new Set<string>();
      for (const { contentId } of changeSet) {
        if (contentId === undefined) continue;
        if (seen.has(contentId)) throw Errors.badQuery(`The Content-ID '${contentId}' is used more than once in a change set; each request of a change set needs its own.`);
        seen.add(contentId);
      }
      requests += changeSet.length;
      items.push({ changeSet });
    } else {
      requests++;
      items.push({ request: requestOf(part.text, part.headers, false) });
    }
  }
  if (requests > MAX_BATCH_PARTS) throw Errors.badQuery(`A $batch holds at most ${MAX_BATCH_PARTS} requests.`);
  if (!items.length) throw Errors.badQuery('The $batch body holds no request.');
  return items;
}

/** The parts of a multipart/mixed message: each part's headers (lower-case names) and text. */
function multipartParts(contentType: string | undefined, body: string): Array<{ headers: Record<string, string | undefined>; text: string }> {
  const m = /^multipart\/mixed\s*;(?:.*;)?\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) throw Errors.badQuery('A $batch request, and a change set in it, must have the Content-Type multipart/mixed with a boundary.');
  const boundary = m[1] ?? m[2]!;
  // Line endings made CRLF, and any preamble before the first delimiter dropped (RFC 2046 §5.1.1;
  // dynamics-web-api starts with a blank line).
  const all = body.replace(/\r?\n/g, '\r\n');
  const text = all.slice(Math.max(0, all.indexOf(`--${boundary}`)));
  const limit = text.length * 3 + 1;
  try {
    return [...parseMultipart(Buffer.from(text, 'utf8'), { boundary, maxParts: MAX_BATCH_PARTS, maxFileSize: limit, maxTotalSize: limit })]
      .map((p) => ({ headers: { ...p.headers }, text: p.text }));
  } catch (err) {
    if (err instanceof MaxPartsExceededError) throw Errors.badQuery(`A $batch holds at most ${MAX_BATCH_PARTS} requests.`);
    if (err instanceof MultipartParseError) throw Errors.badQuery(`The $batch body is not a multipart/mixed message: ${err.message}.`);
    throw err;
  }
}

/** Longest URL a `$batch` request may have: Dataverse's limit inside a batch (digest §9; 32 KB outside one). */
export const MAX_BATCH_URL_CHARS = 64 * 1024;

/**
 * The request an `application/http` part holds: request line, headers, blank line, body.
 * `inChangeSet` allows a `$<Content-ID>` reference as the target.
 */
function requestOf(message: string, partHeaders: Record<string, string | undefined>, inChangeSet: boolean): BatchPart {
  const type = partHeaders['content-type'] ?? '';
  if (!/^application\/http/i.test(type)) throw Errors.badQuery(`A $batch part must have the Content-Type application/http; '${type}' is not.`);
  const end = message.indexOf('\r\n\r\n');
  const head = (end < 0 ? message : message.slice(0, end)).replace(/^(\r\n)+/, '').split('\r\n');
  const line = /^([A-Z]+) (.+) HTTP\/1\.[01]$/.exec(head[0] ?? '');
  if (!line) throw Errors.badQuery(`A $batch part must start with a request line such as 'GET /api/data/v9.2/accounts HTTP/1.1'; '${head[0] ?? ''}' is not one.`);
  // The target as written; spaces a client left unencoded are encoded.
  const target = line[2]!.trim().replace(/ /g, '%20');
  if (target.length > MAX_BATCH_URL_CHARS) throw Errors.badQuery(`A $batch request's URL may be at most ${MAX_BATCH_URL_CHARS.toLocaleString('en-US')} characters long; '${target.slice(0, 60)}…' has ${target.length.toLocaleString('en-US')}.`);
  if (target.startsWith('$') && !inChangeSet) throw Errors.badQuery(`Content-ID Reference: '${target.split('/')[0]}' does not exist in the batch context.`);
  const headers: Record<string, string> = {};
  for (const h of head.slice(1)) {
    const colon = h.indexOf(':');
    if (colon > 0) headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const body = end < 0 ? '' : message.slice(end + 4).replace(/(\r\n)+$/, '');
  const contentId = partHeaders['content-id'] ?? headers['content-id'];
  return {
    method: line[1]!, url: /^https?:\/\//i.test(target) ? pathOf(target) : target, headers,
    ...(body ? { body } : {}), ...(contentId ? { contentId } : {}),
  };
}

/** Path and query of an absolute URL, as sent (not re-encoded). */
function pathOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? '/' : url.slice(slash);
}

/**
 * `request` with its `$<Content-ID>` references — at the start of its URL (`PATCH $1`,
 * `PUT $1/name`) and where its JSON body holds a record URL (`"x@odata.bind":"$1"`,
 * `{"@odata.id":"$2"}`; other strings, `"$1"` included, are data and stay as sent)
 * — replaced by the URLs of the change set's earlier requests (`urls`: Content-ID → the absolute
 * URL of the row it created or changed, its OData-EntityId). Throws 400 for a reference to none of
 * them (digest §7).
 */
export function withReferences(request: BatchPart, urls: ReadonlyMap<string, string>): BatchPart {
  const resolve = (id: string) => {
    const url = urls.get(id);
    if (url === undefined) throw Errors.badQuery(`Content-ID Reference: '$${id}' does not exist in the batch context.`);
    return url;
  };
  const m = /^\$([^/?]+)(.*)$/.exec(request.url);
  const url = m ? `${pathOf(resolve(m[1]!))}${m[2]}` : request.url;
  // In the body's text, not through JSON.parse: a number past 2^53 must reach the request as sent.
  const body = request.body
    ?.replace(BIND_LIST, (_, head: string, list: string) => `${head}${list.replace(REFERENCE, (__, id: string) => JSON.stringify(resolve(id)))}]`)
    .replace(BIND_VALUE, (_, head: string, id: string) => `${head}${JSON.stringify(resolve(id))}`);
  return { ...request, url, ...(body !== undefined ? { body } : {}) };
}

/** A JSON member name ending in `@odata.bind` or being `@odata.id`, and its colon. */
const RECORD_URL_MEMBER = String.raw`("(?:[^"\\]|\\.)*@odata\.(?:bind|id)"\s*:\s*)`;
/** Such a member whose value is a reference, `"$<Content-ID>"`: the value is replaced. */
const BIND_VALUE = new RegExp(`${RECORD_URL_MEMBER}"\\$([^"/?]+)"`, 'g');
/** Such a member whose value is an array (a collection bind), up to its `]`: its references are replaced. */
const BIND_LIST = new RegExp(`${RECORD_URL_MEMBER.slice(0, -1)}\\[)([^\\]]*)\\]`, 'g');
/** A reference among a bind array's items. */
const REFERENCE = /"\$([^"/?]+)"/g;

/** The Content-Types of OData JSON answers, one per odata.metadata level. */
const JSON_TYPES = new Set((['none', 'minimal', 'full'] as const).map(jsonContentType));

/**
 * One `application/http` part of an answer. A failed request's part also carries `REQ_ID: <uuid>`,
 * as Dataverse's do (digest §7), so that a client can quote the failure; a JSON body's type adds
 * `; odata.streaming=true`, as Dataverse's batch parts do (digest §1.5).
 */
function httpPart(boundary: string, response: HttpResponse, contentId?: string): string {
  const type = response.headers['Content-Type'];
  const own = type !== undefined && JSON_TYPES.has(type) ? { ...response.headers, 'Content-Type': `${type}; odata.streaming=true` } : response.headers;
  const headers = response.status >= 400 ? { REQ_ID: randomUUID(), ...own } : own;
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n${contentId ? `Content-ID: ${contentId}\r\n` : ''}\r\n${head}\r\n\r\n${response.body ?? ''}\r\n`;
}

/**
 * The `$batch` answer for the items' answers, in order: `multipart/mixed` with a
 * `batchresponse_<uuid>` boundary; a request's answer is an `application/http` part with its
 * status line, headers and body; a change set's a nested `changesetresponse_<uuid>` multipart of
 * its requests' answers, with their Content-IDs (digest §7).
 */
export function batchResponse(answers: readonly BatchAnswer[], status = 200): HttpResponse {
  const boundary = `batchresponse_${randomUUID()}`;
  const parts = answers.map((a) => {
    if ('response' in a) return httpPart(boundary, a.response, a.contentId);
    const inner = `changesetresponse_${randomUUID()}`;
    const body = `${a.changeSet.map((r) => httpPart(inner, r.response, r.contentId)).join('')}--${inner}--\r\n`;
    return `--${boundary}\r\nContent-Type: multipart/mixed; boundary=${inner}\r\n\r\n${body}`;
  });
  return { status, headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` }, body: `${parts.join('')}--${boundary}--\r\n` };
}
