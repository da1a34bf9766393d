import { Errors } from '../errors.js';
import type { AttributeModel, EntityModel } from '../model/types.js';
import { imageCompanions } from '../model/images.js';
import { fileAnswer, uploadStartedAnswer } from '../odata/file-answer.js';
import { parseContentRange, parseRange, type ByteRange, type FileTransfer } from '../odata/file-transfer.js';
import type { ODataRequest } from '../odata/request.js';
import type { HttpResponse } from '../odata/respond.js';
import { checkFileSize, requiredFileName, uploadMimeType } from '../plan/files.js';
import { planRead } from '../plan/read.js';
import type { ByteSlice } from '../sql/file-attachments.js';
import { executeRead, executeWrite, executeWriteCheck } from '../store/execute.js';
import { executeReadFile, type StoredFile } from '../store/files.js';
import { BlockUploads } from './blocks.js';
import { fileOf, imageChange, openUpload, removeFile, store, writeCheck, type FileCell, type FileContext } from './cells.js';
import { THUMBNAIL_MIME_TYPE } from './thumbnail.js';
import { UploadSessions, type UploadLimits } from './upload-sessions.js';

/**
 * The chunk size Dataverse recommends in `x-ms-chunk-size` (4 MB), the default of
 * ServiceOptions.fileChunkSize (Dataverse "Use file column data", "Upload the file in chunks").
 */
export const DEFAULT_FILE_CHUNK_SIZE = 4 * 1024 * 1024;

/**
 * File columns over HTTP (Dataverse "Use file column data"): upload in one request or in chunks
 * (`PATCH /<set>(<id>)/<column>`), download whole or by ranges (`GET …/<column>` as base64 JSON,
 * `GET …/<column>/$value` as bytes), delete (`DELETE …/<column>`). One instance serves every
 * request of a Service and holds its uploads under way (UploadSessions), those of `PATCH` in
 * chunks and those of the file messages (`blocks`, files/blocks.ts) alike.
 */
export class FileColumns {
  private readonly sessions: UploadSessions;
  /** The uploads by blocks of the file messages, over the same UploadSessions (MessageContext.files). */
  readonly blocks: BlockUploads;

  /** `chunkSize`: the bytes per chunk the first request of a chunked upload recommends (`x-ms-chunk-size`); `limits`: UploadSessions'. */
  constructor(private readonly chunkSize: number = DEFAULT_FILE_CHUNK_SIZE, limits?: UploadLimits) {
    this.sessions = new UploadSessions(limits);
    this.blocks = new BlockUploads(this.sessions);
  }

  /**
   * Answers a request on File column `column` of row `id` (`raw`: its `$value`). Throws 404
   * `0x80040217` for a missing row or file, 405 for a method the column does not take, 400
   * `0x80040203` inside a `$batch`, and the errors of each transfer.
   */
  async answer(ctx: FileContext, req: ODataRequest, entity: EntityModel, id: string, column: AttributeModel, raw: boolean): Promise<HttpResponse> {
    const allowed = raw ? ['GET'] : ['GET', 'PATCH', 'DELETE'];
    if (!allowed.includes(req.method)) throw Errors.methodNotAllowed(req.method, `the file column '${column.LogicalName}'${raw ? ' value' : ''}`, allowed);
    // A $batch part's answer is text (odata/batch.ts); dynamics-web-api refuses file transfers in a batch too.
    if (req.inBatch) throw Errors.invalidArgument(`The file column '${column.LogicalName}' cannot be uploaded, downloaded or deleted inside a $batch; send the request on its own.`);
    const cell: FileCell = { entity, id, column };
    const image = column.AttributeType === 'Image';
    if (req.method === 'GET') return image ? this.downloadImage(ctx, req, cell, raw) : this.download(ctx, req, cell, raw);
    if (req.method === 'DELETE' && image) {
      await executeWrite(ctx.db, imageChange(ctx, cell, null));
      return { status: 204, headers: {} };
    }
    if (req.method === 'DELETE') {
      await removeFile(ctx, cell);
      return { status: 204, headers: {} };
    }
    const t = req.file;
    if (t.sessionToken !== undefined) return this.chunk(ctx, cell, t);
    if (t.chunked) return this.begin(ctx, req, cell, t);
    if (t.bytes === undefined) throw Errors.invalidArgument(`Send the file as the request body with Content-Type: application/octet-stream (or the file's MIME type), or start a chunked upload with the header x-ms-transfer-mode: chunked.`);
    const name = image ? t.fileName ?? column.LogicalName : requiredFileName(t.fileName);
    checkFileSize(column, t.bytes.length, ctx.db.dialect.maxBinaryBytes);
    await executeWriteCheck(ctx.db, writeCheck(ctx, cell));
    await store(ctx, cell, name, uploadMimeType(name, t.contentType), asBuffer(t.bytes));
    return { status: 204, headers: {} };
  }

  /**
   * `GET …/<column>[/$value]`: the file, whole (200) or the bytes of `Range` (206; a range past the
   * end answers the bytes there are, none past the last, as dynamics-web-api asks one chunk past a
   * file that fills its last chunk): fileAnswer.
   */
  private async download(ctx: FileContext, req: ODataRequest, cell: FileCell, raw: boolean): Promise<HttpResponse> {
    const range = parseRange(req.file.range);
    const file = await fileOf(ctx, cell, sliceOf(range));
    return this.answerFile(req, cell, file, range, raw);
  }

  /** fileAnswer for `file` (its bytes those of `range`, or all), as `GET …/<column>[/$value]` asked. */
  private answerFile(req: ODataRequest, cell: FileCell, file: StoredFile, range: ByteRange | undefined, raw: boolean): HttpResponse {
    const from = Math.min(range?.from ?? 0, file.filesizeinbytes);
    return fileAnswer(req, cell.entity, cell.id, cell.column, { ...file, bytes: file.body!, from }, range !== undefined, this.chunkSize, raw);
  }

  /**
   * `GET …/<image column>[/$value]` (Dataverse "Use image column data", "Download images"): the
   * thumbnail (JPEG, named `<image id>.jpg`), or with `?size=full` the full-size image, answered
   * as a file column's download (ranges too). 204 when the row has no image, and for `size=full`
   * when the column does not store full images or the image was stored without one, as Dataverse
   * answers; 404 `0x80040217` for a missing row.
   */
  private async downloadImage(ctx: FileContext, req: ODataRequest, cell: FileCell, raw: boolean): Promise<HttpResponse> {
    const { entity, id, column } = cell;
    const companion = imageCompanions(entity, column).id;
    const read = await executeRead(ctx.db, planRead(entity, { select: [column.LogicalName, companion.LogicalName] }, { returnRepresentation: false }, id));
    const row = read.rows[0];
    if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
    const thumbnail = row[read.columns.indexOf(column)];
    const range = parseRange(req.file.range);
    if (thumbnail === null || thumbnail === undefined) return { status: 204, headers: {} };
    if (req.file.size?.toLowerCase() === 'full') {
      const file = column.CanStoreFullImage ? await executeReadFile(ctx.db, entity, id, column, sliceOf(range)) : undefined;
      return file ? this.answerFile(req, cell, file, range, raw) : { status: 204, headers: {} };
    }
    const bytes = Buffer.from(String(thumbnail), 'base64');
    const body = range ? bytes.subarray(range.from, range.to === undefined ? undefined : range.to + 1) : bytes;
    const file: StoredFile = { fileattachmentid: String(row[read.columns.indexOf(companion)]), filename: `${String(row[read.columns.indexOf(companion)])}.jpg`, mimetype: THUMBNAIL_MIME_TYPE, filesizeinbytes: bytes.length, body };
    return this.answerFile(req, cell, file, range, raw);
  }

  /**
   * The first request of a chunked upload (`x-ms-transfer-mode: chunked`, the name in
   * `x-ms-file-name`): checks the row exists and the caller may write that row (executeWriteCheck,
   * before any byte is held), opens a session and
   * answers uploadStartedAnswer.
   */
  private async begin(ctx: FileContext, req: ODataRequest, cell: FileCell, t: FileTransfer): Promise<HttpResponse> {
    const { entity, id, column } = cell;
    const fileName = column.AttributeType === 'Image' ? t.fileName ?? column.LogicalName : requiredFileName(t.fileName);
    const token = await openUpload(ctx, this.sessions, cell, fileName, 'chunks');
    return uploadStartedAnswer(req, entity, id, column, token, this.chunkSize);
  }

  /**
   * One chunk of a chunked upload (`PATCH <Location>` with `Content-Range: bytes a-b/total` and the
   * bytes): chunks come in order; 206 until the last, which stores the file (204) and ends the
   * session. Throws 400 `0x80040203` for an unknown or expired session (or another caller's, or
   * another row's) and a chunk out of order or of another length than its range, 400 `0x80044a02`
   * for a file larger than the column or the database takes (checkFileSize, from the first chunk's
   * Content-Range size).
   */
  private async chunk(ctx: FileContext, cell: FileCell, t: FileTransfer): Promise<HttpResponse> {
    const token = t.sessionToken!;
    const range = t.contentRange === undefined ? undefined : parseContentRange(t.contentRange);
    if (!range) throw Errors.invalidArgument('Each chunk of a chunked upload needs a Content-Range header: bytes <first>-<last>/<size>.');
    const bytes = t.bytes === undefined ? Buffer.alloc(0) : asBuffer(t.bytes);
    const session = this.sessions.find(token, ctx.caller.systemuserid);
    if (!session && bytes.length === 0 && range.from === range.total && this.sessions.finishedWith(token, ctx.caller.systemuserid, range.total)) return { status: 204, headers: {} };
    if (!session || session.mode !== 'chunks' || session.entity !== cell.entity || session.id !== cell.id || session.column !== cell.column) {
      throw Errors.invalidArgument('The sessiontoken is not one of an upload of this file column under way, or it has expired; start the upload again.');
    }
    checkFileSize(cell.column, range.total, ctx.db.dialect.maxBinaryBytes);
    if (session.total !== undefined && range.total !== session.total) throw Errors.invalidArgument(`The Content-Range size ${range.total} differs from the size of the earlier chunks (${session.total}).`);
    if (range.from !== session.received) throw Errors.invalidArgument(`The chunk starts at byte ${range.from}; the next byte of this upload is ${session.received}. Send the chunks in order.`);
    if (range.to - range.from + 1 !== bytes.length) throw Errors.invalidArgument(`The Content-Range names ${range.to - range.from + 1} bytes; the chunk has ${bytes.length}.`);
    session.total = range.total;
    this.sessions.add(session, bytes);
    if (session.received < range.total) return { status: 206, headers: {} };
    // The whole file is held, counted against the limits, until it is stored (or fails to be).
    const content = Buffer.concat(session.chunks);
    session.chunks.length = 0;
    this.sessions.take(token);
    try {
      await store(ctx, cell, session.fileName, session.mimetype, content);
    } finally {
      this.sessions.release(session);
    }
    this.sessions.finish(token, ctx.caller.systemuserid, range.total);
    return { status: 204, headers: {} };
  }

}

/** The ByteSlice a download of `range` reads (all bytes without one). */
function sliceOf(range: ByteRange | undefined): 'all' | ByteSlice {
  return range ? { from: range.from, count: range.to === undefined ? Number.MAX_SAFE_INTEGER : range.to - range.from + 1 } : 'all';
}

/** `bytes` as a Buffer over the same memory (the body express read is one already): no copy of a chunk or a file. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
