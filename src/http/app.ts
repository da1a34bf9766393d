import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Errors, ServiceError } from '../errors.js';
import { errorResponse, JSON_CONTENT_TYPE, type HttpResponse } from '../odata/respond.js';
import type { HttpRequest } from '../odata/request.js';
import type { Caller } from '../plan/types.js';
import type { Identity } from '../security/identity.js';
import type { Authenticator } from './authentication.js';
import { serviceProtection, type ServiceProtectionLimits } from './service-protection.js';

/** What the HTTP layer needs from the pipeline: `Service` satisfies it. */
export interface RequestHandler {
  handle(req: HttpRequest): Promise<HttpResponse>;
  /** The caller a verified token's identity stands for (Service.signIn); throws ServiceError. */
  signIn(identity: Identity): Promise<Caller>;
}

/** HTTP options. */
export interface AppOptions {
  /** Largest accepted request body in bytes (413 `0x8004418A` above it). Default 32 MiB. */
  maxBodyBytes?: number;
  /**
   * Browser origins allowed to call the API across origins (CORS), e.g.
   * `['https://app.example.com']`; `['*']` allows any. Default none: no CORS headers, and a
   * preflight OPTIONS is answered 405 like any other unsupported method.
   */
  corsOrigins?: readonly string[];
  /**
   * Dataverse's service protection limits (429 with Retry-After), e.g. DATAVERSE_LIMITS; default
   * none. The limits count per signed-in user; without `authentication`, every request is the
   * built-in system user's, so they are the server's.
   */
  serviceProtection?: ServiceProtectionLimits;
  /**
   * Checks every request's bearer token (createAuthenticator) and runs it as the user the token
   * names; without a valid one it is answered 401 with `WWW-Authenticate`. Default none: every
   * request runs as the built-in system user and `Authorization` is ignored.
   */
  authentication?: Authenticator;
}

/**
 * The response headers a browser script may read across origins: Dataverse's list (digest §4.4),
 * so that `dynamics-web-api` in a browser reads ids, ETags and paging preferences, and those of
 * file column transfers (a chunked upload's Location and chunk size, a download's file name, size
 * and MIME type: Dataverse "Use file column data"), which its uploadFile and downloadFile read.
 * Sent as one comma-separated list (Fetch §3.2.6 parses it so) on every cross-origin answer.
 */
const EXPOSED_HEADERS = ['Preference-Applied', 'OData-EntityId', 'Location', 'ETag', 'OData-Version', 'Content-Encoding', 'Transfer-Encoding', 'Content-Length', 'Retry-After', 'Allow',
  'x-ms-file-name', 'x-ms-file-size', 'x-ms-chunk-size', 'mimetype', 'Accept-Ranges'];

function send(res: Response, out: HttpResponse): void {
  res.status(out.status);
  for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
  const content = out.bytes ?? out.body;
  if (content === undefined) res.end();
  else res.end(content);
}

/** Whether a body declared with Content-Type `contentType` is read as bytes: one is declared, and it is neither JSON (`…/json`, `…+json`) nor multipart. */
function isBinaryBody(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]!.trim().toLowerCase();
  return !!type && !/^(multipart\/|[^/]+\/([^;]+\+)?json$)/.test(type);
}

/** `scheme://host[:port]` as the client sees it, honouring `X-Forwarded-Proto` / `X-Forwarded-Host`. */
function origin(req: Request): string {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const proto = first(req.headers['x-forwarded-proto']) ?? req.protocol;
  const host = first(req.headers['x-forwarded-host']) ?? req.headers.host ?? 'localhost';
  return `${proto}://${host}`;
}

/**
 * The express app: CORS when `options.corsOrigins` allows any origin, bearer token sign-in when
 * `options.authentication` is set (401 otherwise), service protection limits per user
 * when `options.serviceProtection` sets them, a body reader with a size limit (text for JSON and
 * multipart bodies and bodies without a Content-Type, bytes otherwise: isBinaryBody), then one handler that hands every request to the pipeline (DESIGN.md §1, http/). Body-reading failures are answered in Dataverse's
 * error envelope: 413 over the limit, 400 for undecodable bodies.
 */
export function createApp(handler: RequestHandler, options: AppOptions = {}): express.Express {
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  const origins = options.corsOrigins ?? [];
  if (origins.length) {
    // Preflights are answered here (204); the allowed request headers are those the browser asks for.
    // (GET and HEAD, like POST, are CORS-safelisted methods: no preflight asks for them.)
    app.use(cors({ origin: origins.includes('*') ? '*' : [...origins], methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'], exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }));
  }
  const auth = options.authentication;
  if (auth) {
    app.use((req: Request, res: Response, next: NextFunction) => {
      auth.authenticate(req.headers.authorization).then((identity) => handler.signIn(identity)).then((caller) => {
        res.locals['caller'] = caller;
        next();
      }, next);
    });
  }
  // Limits count per signed-in user (Dataverse: per user per web server).
  if (options.serviceProtection) app.use(serviceProtection(options.serviceProtection, (res) => (res.locals['caller'] as Caller | undefined)?.systemuserid ?? 'system'));
  // A body declared as anything but JSON or multipart (a \$batch) is bytes, read as they are under
  // the same limit: a file column upload's (Dataverse "Use file column data": application/octet-stream,
  // or the file's own type as Microsoft's Python client sends); elsewhere the pipeline refuses them (415).
  const readBytes = express.raw({ type: (req) => isBinaryBody(req.headers['content-type']), limit });
  const readText = express.text({ type: () => true, limit, defaultCharset: 'utf-8' });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') next();
    else readBytes(req, res, (err?: unknown) => (err ? next(err) : Buffer.isBuffer(req.body) ? next() : readText(req, res, next)));
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body as Buffer : undefined;
    const body = typeof req.body === 'string' && req.body.length ? req.body : undefined;
    // A response that cannot be sent (a header value Node refuses) is a 500, never a crash.
    handler.handle({ method: req.method, url: req.originalUrl, headers: req.headers, body, bytes, origin: origin(req), caller: res.locals['caller'] as Caller | undefined })
      .then((out) => send(res, out))
      .catch(next);
  });
  app.use((err: { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    let e: ServiceError;
    if (err instanceof ServiceError) e = err;
    else if (err.type === 'entity.too.large') e = Errors.tooLarge(limit);
    else if (err.status && err.status >= 400 && err.status < 500) e = Errors.badQuery(`The request body could not be read (${err.type ?? 'bad request'}).`);
    else e = Errors.internal();
    const out = errorResponse(e, req.headers);
    out.headers['OData-Version'] = '4.0';
    if (e.status === 401 && auth) out.headers['WWW-Authenticate'] = auth.challenge;
    send(res, out);
  });
  return app;
}

/**
 * Dataverse accepts URLs up to 32,768 characters (digest §1.1); Node's default limit on the
 * request line plus headers is 16 KiB, so the server allows 64 KiB.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Answers what Node's HTTP parser refuses before there is a request (Node's own answer is a bare
 * status line) with Dataverse's error JSON, and closes the connection: 431 for a request line and
 * headers over MAX_HEADER_BYTES (a URL past Dataverse's 32,768 characters, digest §9, gets a hint
 * at `$batch`), 408 when the request did not arrive in time, 400 for anything else that is not HTTP.
 */
function refuseUnparsable(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, `The URL and headers exceed ${MAX_HEADER_BYTES.toLocaleString('en-US')} bytes; send a longer query as a request in a $batch.`]
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request did not arrive in time.']
      : [400, 'The request is not valid HTTP/1.1.'];
  const body = JSON.stringify(new ServiceError(status, '0x80060888', message).toJSON());
  // Closed once written, as Node's own handler does: a client that never closes its side must
  // not keep the socket.
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\nOData-Version: 4.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
}

/**
 * The answers each server started by listen has not finished yet, with when their request came
 * (performance.now(), ms); stopServing marks them, and lists those left at its deadline.
 */
const unfinished = new WeakMap<Server, Map<ServerResponse, number>>();

/** The servers stopServing is stopping. */
const stopping = new WeakSet<Server>();

/** Makes `res` the last answer on its connection (RFC 9112 §9.6): Node closes the connection once it is sent. */
function lastOnConnection(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}

/** A request stopServing gave up on at its deadline: its method and URL, and how long it had run (ms). */
export interface AbandonedRequest {
  readonly method: string;
  readonly url: string;
  readonly runningMs: number;
}

/**
 * Stops a server started by listen, as a SIGTERM asks (a deployment replacing the process): it
 * takes no new connections and closes the idle ones at once, and each request in progress, or
 * arriving on a keep-alive connection before that connection closes, is still answered, with
 * `Connection: close`, its connection then closed. Without that, clients that keep sending on
 * their open keep-alive connections (any pooling client under load) were served on and on after a
 * SIGTERM, so the process did not exit while they did. Requests still unanswered `deadlineMs`
 * after the call (default: no deadline) are abandoned: every connection left is closed at once,
 * answering nothing more (a response already begun is cut off, never completed with something
 * else), and they are listed. Resolves once every connection has closed, with the abandoned
 * requests (none when all were answered); the work they started is the caller's to end
 * (Database.abandon).
 */
export function stopServing(server: Server, deadlineMs = Infinity): Promise<AbandonedRequest[]> {
  stopping.add(server);
  const answers = unfinished.get(server) ?? new Map<ServerResponse, number>();
  let abandoned: AbandonedRequest[] = [];
  let deadline: NodeJS.Timeout | undefined;
  const closed = new Promise<AbandonedRequest[]>((resolve) => server.close(() => {
    clearTimeout(deadline);
    resolve(abandoned);
  }));
  for (const res of answers.keys()) lastOnConnection(res);
  server.closeIdleConnections();
  if (Number.isFinite(deadlineMs)) {
    deadline = setTimeout(() => {
      const now = performance.now();
      abandoned = [...answers].map(([res, since]) => ({ method: res.req.method ?? '', url: res.req.url ?? '', runningMs: Math.round(now - since) }));
      server.closeAllConnections();
    }, deadlineMs);
  }
  return closed;
}

/** An HTTP server for the app, listening on `port` (0 = any) and `host` (default: all interfaces); stop it with stopServing. */
export function listen(handler: RequestHandler, port: number, host?: string, options: AppOptions = {}): Promise<Server> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, createApp(handler, options));
  server.on('clientError', refuseUnparsable);
  const answers = new Map<ServerResponse, number>();
  unfinished.set(server, answers);
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (stopping.has(server)) lastOnConnection(res);
    answers.set(res, performance.now());
    res.once('close', () => answers.delete(res));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
