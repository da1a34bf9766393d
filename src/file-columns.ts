import { randomBytes, randomUUID } from 'node:crypto';
import { Errors } from './errors.js';
import type { AttributeModel, EntityModel, Model } from './model/types.js';
import type { FileTransfer } from './odata/file-transfer.js';
import type { ODataRequest } from './odata/request.js';
import { json, type HttpResponse } from './odata/respond.js';
import { planFileChange } from './plan/files.js';
import { planRead } from './plan/read.js';
import type { Caller } from './plan/types.js';
import { nowUtc } from './plan/values.js';
import type { Database } from './store/database.js';
import { executeRead } from './store/execute.js';
import { executeDeleteFile, executeReadFile, executeStoreFile, type StoredFile } from './store/files.js';

/**
 * The chunk size Dataverse recommends in `x-ms-chunk-size` (4 MB), the default of
 * ServiceOptions.fileChunkSize (Dataverse "Use file column data", "Upload the file in chunks").
 */
export const DEFAULT_FILE_CHUNK_SIZE = 4 * 1024 * 1024;

/** Milliseconds a chunked upload may rest between two chunks before its session is forgotten. */
const SESSION_IDLE_MS = 15 * 60 * 1000;

/** Most chunked uploads open at once (each holds its chunks in memory until its last one). */
const MAX_SESSIONS = 100;

/** What a request on a file column runs with: the model, the database (with the caller's privileges) and the caller. */
export interface FileContext {
  readonly model: Model;
  readonly db: Database;
  readonly caller: Caller;
}

/** A chunked upload under way: where it goes, what it received. */
interface UploadSession {
  readonly entity: EntityModel;
  readonly id: string;
  readonly column: AttributeModel;
  readonly fileName: string;
  readonly systemuserid: string;
  readonly chunks: Buffer[];
  received: number;
  total?: number;
  /** Committed: only the empty chunk dynamics-web-api sends after a file that fills its last chunk may follow. */
  done: boolean;
  used: number;
}

/** MIME types by file name extension; others are application/octet-stream. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain', csv: 'text/csv', htm: 'text/html', html: 'text/html', xml: 'application/xml', json: 'application/json',
  pdf: 'application/pdf', zip: 'application/zip', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The MIME type of a file named `name`, by its extension (Dataverse stores one with every file: fileattachment.mimetype). */
function mimeTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot < 0 ? undefined : MIME_TYPES[name.slice(dot + 1).toLowerCase()]) ?? 'application/octet-stream';
}

/** `text` as a header value: as it is when printable ASCII without quotes, else percent-encoded (Node refuses other characters in headers). */
function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) && !/["\\]/.test(text) ? text : encodeURIComponent(text);
}

/**
 * File columns over HTTP (Dataverse "Use file column data"): upload in one request or in chunks
 * (`PATCH /<set>(<id>)/<column>`), download whole or by ranges (`GET …/<column>` as base64 JSON,
 * `GET …/<column>/$value` as bytes), delete (`DELETE …/<column>`). Holds the chunked uploads under
 * way, in memory: one instance serves every request of a Service (sessions do not survive a
 * restart or a reload, and are not shared between servers).
 */
export class FileColumns {
  private readonly sessions = new Map<string, UploadSession>();

  /** `chunkSize`: the bytes per chunk the first request of a chunked upload recommends (`x-ms-chunk-size`). */
  constructor(private readonly chunkSize: number = DEFAULT_FILE_CHUNK_SIZE) {}

  /**
   * Answers a request on File column `column` of row `id` (`raw`: its `$value`). Throws 404
   * `0x80040217` for a missing row or file, 405 for a method the column does not take, and the
   * errors of each transfer.
   */
  async answer(ctx: FileContext, req: ODataRequest, entity: EntityModel, id: string, column: AttributeModel, raw: boolean): Promise<HttpResponse> {
    const allowed = raw ? ['GET'] : ['GET', 'PATCH', 'DELETE'];
    if (!allowed.includes(req.method)) throw Errors.methodNotAllowed(req.method, `the file column '${column.LogicalName}'${raw ? ' value' : ''}`, allowed);
    if (req.method === 'GET') return this.download(ctx, req, entity, id, column, raw);
    if (req.method === 'DELETE') {
      await this.fileOf(ctx, entity, id, column, false);
      await executeDeleteFile(ctx.db, planFileChange(ctx.model, entity, id, column, null, ctx.caller), column);
      return { status: 204, headers: {} };
    }
    const t = req.file;
    if (t.sessionToken !== undefined) return this.chunk(ctx, entity, id, column, t);
    if (t.chunked) return this.begin(ctx, req, entity, id, column, t);
    if (t.bytes === undefined) throw Errors.invalidArgument(`Send the file as the request body with Content-Type: application/octet-stream, or start a chunked upload with the header x-ms-transfer-mode: chunked.`);
    const name = requiredName(t);
    if (t.bytes.length > maxBytes(column)) throw Errors.fileTooBig();
    await this.store(ctx, entity, id, column, name, Buffer.from(t.bytes));
    return { status: 204, headers: {} };
  }

  /**
   * `GET …/<column>[/$value]`: the file, whole (200) or the bytes of `Range` (206; a range past the
   * end answers the bytes there are, none past the last, as dynamics-web-api asks one chunk past a
   * file that fills its last chunk), with `x-ms-file-name`, `x-ms-file-size` and `mimetype`. `$value`
   * answers the bytes; the column itself their base64 in `{"value": …}`, with Content-Disposition
   * (as dynamics-web-api's downloadFile reads it).
   */
  private async download(ctx: FileContext, req: ODataRequest, entity: EntityModel, id: string, column: AttributeModel, raw: boolean): Promise<HttpResponse> {
    const file = await this.fileOf(ctx, entity, id, column, true);
    const body = file.body!;
    const range = req.file.range;
    const from = Math.min(range?.from ?? 0, body.length);
    const to = Math.min(range?.to ?? body.length - 1, body.length - 1);
    const slice = Buffer.from(body.buffer, body.byteOffset + from, Math.max(0, to - from + 1));
    const headers: Record<string, string> = {
      'x-ms-file-name': headerText(file.filename),
      'x-ms-file-size': String(file.filesizeinbytes),
      mimetype: file.mimetype,
      'Access-Control-Expose-Headers': 'x-ms-file-size; x-ms-file-name; x-ms-chunk-size; mimetype',
    };
    if (range) {
      headers['x-ms-chunk-size'] = String(this.chunkSize);
      headers['Content-Range'] = slice.length ? `bytes ${from}-${to}/${body.length}` : `bytes */${body.length}`;
    }
    const status = range ? 206 : 200;
    if (raw) return { status, headers: { ...headers, 'Content-Type': 'application/octet-stream' }, bytes: slice };
    const answer = json(status, { '@odata.context': `${req.serviceRoot}$metadata#${entity.EntitySetName}(${id})/${column.LogicalName}`, value: slice.toString('base64') }, headers, req.metadata);
    answer.headers['Content-Disposition'] = `attachment; filename="${headerText(file.filename)}"`;
    return answer;
  }

  /**
   * The file of `column` of row `id`, read as the caller may read the row: 404 `0x80040217` when
   * the row does not exist (or the caller's 403) and Errors.noFile when the column holds none.
   */
  private async fileOf(ctx: FileContext, entity: EntityModel, id: string, column: AttributeModel, content: boolean): Promise<StoredFile> {
    const read = await executeRead(ctx.db, planRead(entity, { select: [column.LogicalName] }, { returnRepresentation: false }, id));
    const row = read.rows[0];
    if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
    const file = row[read.columns.indexOf(column)] === null ? undefined : await executeReadFile(ctx.db, entity, id, column, content);
    if (!file) throw Errors.noFile(column.LogicalName, id);
    return file;
  }

  /**
   * The first request of a chunked upload (`x-ms-transfer-mode: chunked`, the name in
   * `x-ms-file-name`): checks the row exists and the caller may write it, opens a session and
   * answers 200 with `Location` (this column's URL with `sessiontoken`), `x-ms-chunk-size` and
   * `Accept-Ranges: bytes`, as Dataverse does.
   */
  private async begin(ctx: FileContext, req: ODataRequest, entity: EntityModel, id: string, column: AttributeModel, t: FileTransfer): Promise<HttpResponse> {
    const fileName = requiredName(t);
    ctx.db.security?.write(planFileChange(ctx.model, entity, id, column, null, ctx.caller));
    const read = await executeRead(ctx.db, planRead(entity, { select: [entity.PrimaryIdAttribute] }, { returnRepresentation: false }, id));
    if (!read.rows.length) throw Errors.recordNotFound(entity.LogicalName, id);
    this.forgetIdle();
    if (this.sessions.size >= MAX_SESSIONS) throw Errors.invalidArgument(`Too many chunked uploads are under way (${MAX_SESSIONS}); finish one first.`);
    const token = randomBytes(24).toString('base64url');
    this.sessions.set(token, { entity, id, column, fileName, systemuserid: ctx.caller.systemuserid, chunks: [], received: 0, done: false, used: Date.now() });
    return {
      status: 200,
      headers: {
        Location: `${req.serviceRoot}${entity.EntitySetName}(${id})/${column.LogicalName}?sessiontoken=${token}`,
        'Accept-Ranges': 'bytes',
        'x-ms-chunk-size': String(this.chunkSize),
        'Access-Control-Expose-Headers': 'x-ms-chunk-size',
      },
    };
  }

  /**
   * One chunk of a chunked upload (`PATCH <Location>` with `Content-Range: bytes a-b/total` and the
   * bytes): chunks come in order; 206 until the last, which stores the file (204). Throws 400
   * `0x80040203` for an unknown or expired session (or another caller's, or another row's) and a
   * chunk out of order or of another length than its range, 400 `0x80044a02` for a file larger than
   * the column takes.
   */
  private async chunk(ctx: FileContext, entity: EntityModel, id: string, column: AttributeModel, t: FileTransfer): Promise<HttpResponse> {
    this.forgetIdle();
    const session = this.sessions.get(t.sessionToken!);
    if (!session || session.entity !== entity || session.id !== id || session.column !== column || session.systemuserid !== ctx.caller.systemuserid) {
      throw Errors.invalidArgument('The sessiontoken is not one of an upload of this file column under way, or it has expired; start the upload again.');
    }
    const range = t.contentRange;
    if (!range) throw Errors.invalidArgument('Each chunk of a chunked upload needs a Content-Range header: bytes <first>-<last>/<size>.');
    const bytes = Buffer.from(t.bytes ?? new Uint8Array());
    if (session.done) {
      if (bytes.length === 0 && range.from === session.total) return { status: 204, headers: {} };
      throw Errors.invalidArgument('This upload is complete; start another to change the file.');
    }
    if (range.total > maxBytes(column)) throw Errors.fileTooBig();
    if (session.total !== undefined && range.total !== session.total) throw Errors.invalidArgument(`The Content-Range size ${range.total} differs from the size of the earlier chunks (${session.total}).`);
    if (range.from !== session.received) throw Errors.invalidArgument(`The chunk starts at byte ${range.from}; the next byte of this upload is ${session.received}. Send the chunks in order.`);
    if (range.to - range.from + 1 !== bytes.length) throw Errors.invalidArgument(`The Content-Range names ${range.to - range.from + 1} bytes; the chunk has ${bytes.length}.`);
    session.total = range.total;
    session.chunks.push(bytes);
    session.received += bytes.length;
    session.used = Date.now();
    if (session.received < range.total) return { status: 206, headers: {} };
    try {
      await this.store(ctx, entity, id, column, session.fileName, Buffer.concat(session.chunks));
    } catch (err) {
      this.sessions.delete(t.sessionToken!);
      throw err;
    }
    session.done = true;
    session.chunks.length = 0;
    return { status: 204, headers: {} };
  }

  /** Stores `bytes` as the file `name` of `column` of row `id`, a new file id, the row's columns set (executeStoreFile). */
  private async store(ctx: FileContext, entity: EntityModel, id: string, column: AttributeModel, name: string, bytes: Buffer): Promise<void> {
    const fileId = randomUUID();
    const plan = planFileChange(ctx.model, entity, id, column, { id: fileId, name }, ctx.caller);
    await executeStoreFile(ctx.db, plan, column, { fileattachmentid: fileId, filename: name, mimetype: mimeTypeOf(name), filesizeinbytes: bytes.length }, bytes, nowUtc());
  }

  /** Forgets the sessions idle for longer than SESSION_IDLE_MS. */
  private forgetIdle(): void {
    const now = Date.now();
    for (const [token, s] of this.sessions) if (now - s.used > SESSION_IDLE_MS) this.sessions.delete(token);
  }
}

/** The largest file `column` takes, in bytes (MaxSizeInKB × 1,024). */
function maxBytes(column: AttributeModel): number {
  return (column.MaxSizeInKB ?? 0) * 1024;
}

/** The file name of an upload; throws 400 `0x80040203` without one (the header or the query parameter `x-ms-file-name`). */
function requiredName(t: FileTransfer): string {
  if (t.fileName === undefined || t.fileName.trim() === '') throw Errors.invalidArgument('An upload needs the file name: the x-ms-file-name header or query parameter.');
  if (t.fileName.length > 255) throw Errors.invalidArgument('The file name is longer than 255 characters.');
  return t.fileName;
}
