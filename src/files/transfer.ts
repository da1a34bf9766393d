import { randomUUID } from 'node:crypto';
import { Errors, ServiceError } from '../errors.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import { fileAnswer, uploadStartedAnswer } from '../odata/file-answer.js';
import { parseContentRange, parseRange, type ByteRange, type FileTransfer } from '../odata/file-transfer.js';
import type { ODataRequest } from '../odata/request.js';
import type { HttpResponse } from '../odata/respond.js';
import { checkFileSize, mimeTypeOf, planFileChange, requiredFileName, uploadMimeType } from '../plan/files.js';
import { planRead } from '../plan/read.js';
import type { Caller } from '../plan/types.js';
import { nowUtc } from '../plan/values.js';
import type { Database } from '../store/database.js';
import { executeRead, executeWrite, executeWriteCheck } from '../store/execute.js';
import { planRowChange } from '../plan/write.js';
import type { DataSource, UpdatePlan } from '../plan/types.js';
import { imageCompanions } from '../model/images.js';
import { THUMBNAIL_MIME_TYPE } from './thumbnail.js';
import type { ByteSlice } from '../sql/file-attachments.js';
import { executeDeleteFile, executeFindFile, executeReadFile, executeStoreFile, type StoredFile } from '../store/files.js';
import { withImages } from '../plan/images.js';
import { downloadToken, readDownloadToken } from './download-tokens.js';
import { MAX_BLOCKS, UploadSessions, type UploadLimits, type UploadSession } from './upload-sessions.js';

/**
 * The chunk size Dataverse recommends in `x-ms-chunk-size` (4 MB), the default of
 * ServiceOptions.fileChunkSize (Dataverse "Use file column data", "Upload the file in chunks").
 */
export const DEFAULT_FILE_CHUNK_SIZE = 4 * 1024 * 1024;

/**
 * Most bytes one DownloadBlock answers (4 MiB): Dataverse documents blocks "up to 4MB in length"
 * (DownloadBlockRequest.BlockLength); a longer BlockLength is refused, not cut short, so that a
 * client never reads a short block as the file's end.
 */
export const MAX_DOWNLOAD_BLOCK_BYTES = 4 * 1024 * 1024;

/** Where the file messages take the file name from, as requiredFileName's errors name it. */
const FILE_NAME_PARAMETER = 'the FileName parameter, not empty';

/** What a request on a file column runs with: the model, the database (with the caller's privileges) and the caller. */
export interface FileContext {
  readonly model: Model;
  readonly db: Database;
  readonly caller: Caller;
}

/** A File (or Image) column of a row: its table, the row's id, the column. */
export interface FileCell {
  readonly entity: EntityModel;
  readonly id: string;
  readonly column: AttributeModel;
}

/**
 * File columns over HTTP (Dataverse "Use file column data"): upload in one request or in chunks
 * (`PATCH /<set>(<id>)/<column>`), download whole or by ranges (`GET …/<column>` as base64 JSON,
 * `GET …/<column>/$value` as bytes), delete (`DELETE …/<column>`), and the uploads by blocks of the
 * file messages (startBlocks, uploadBlock, commitBlocks; their downloads and DeleteFile are the
 * functions below the class). One instance serves every request of a Service and holds its
 * chunked uploads (UploadSessions).
 */
export class FileColumns {
  private readonly sessions: UploadSessions;

  /** `chunkSize`: the bytes per chunk the first request of a chunked upload recommends (`x-ms-chunk-size`); `limits`: UploadSessions'. */
  constructor(private readonly chunkSize: number = DEFAULT_FILE_CHUNK_SIZE, limits?: UploadLimits) {
    this.sessions = new UploadSessions(limits);
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
    const token = await this.open(ctx, cell, fileName, 'chunks');
    return uploadStartedAnswer(req, entity, id, column, token, this.chunkSize);
  }

  /**
   * Opens an upload of the file `fileName` to the cell, its bytes coming in `mode`, once the row
   * exists and the caller may write it (executeWriteCheck, before any byte is held); its token.
   * Throws 404 `0x80040217` for a missing row, the caller's 403, and UploadSessions.start's 400.
   */
  private async open(ctx: FileContext, cell: FileCell, fileName: string, mode: 'chunks' | 'blocks'): Promise<string> {
    await executeWriteCheck(ctx.db, writeCheck(ctx, cell));
    return this.sessions.start({ ...cell, fileName, mimetype: mimeTypeOf(fileName), systemuserid: ctx.caller.systemuserid, mode });
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

  /**
   * InitializeFileBlocksUpload (Dataverse "Use file column data", "Use Dataverse messages to upload
   * a file"): opens an upload of the file `fileName` to the cell, its bytes to come by
   * `uploadBlock`; its FileContinuationToken. The upload is one of the chunked uploads
   * (UploadSessions: the same limits, the same 15 minutes idle). Throws 400 `0x80040203` for a bad
   * file name (requiredFileName, for an Image column too), and what `open` throws (404, 403, over a
   * limit).
   */
  async startBlocks(ctx: FileContext, cell: FileCell, fileName: string): Promise<string> {
    return this.open(ctx, cell, requiredFileName(fileName, FILE_NAME_PARAMETER), 'blocks');
  }

  /**
   * UploadBlock: keeps `bytes` as block `blockId` of the upload of `token` (a block sent again
   * replaces the earlier one). Throws 400 `0x80040203` for a token that is no upload of the
   * caller's by blocks under way (unknown, expired, committed, another caller's, a `PATCH`
   * upload's), an empty block id or one over MAX_BLOCK_ID_LENGTH characters, and over a limit
   * (UploadSessions.addBlock: a block counts its id and BLOCK_OVERHEAD_BYTES too, so empty blocks,
   * which are taken, are not free); 400 `0x80044a02` (an
   * Image column: `0x80072553`) when the blocks held would make a file larger than the column or
   * the database takes (checkFileSize).
   */
  uploadBlock(ctx: FileContext, token: string, blockId: string, bytes: Buffer): void {
    const session = this.blockSession(ctx, token);
    checkFileSize(session.column, session.received - (session.blocks.get(blockId)?.length ?? 0) + bytes.length, ctx.db.dialect.maxBinaryBytes);
    this.sessions.addBlock(session, blockId, bytes);
  }

  /**
   * CommitFileBlocksUpload: stores the blocks of `blockList`, in its order (a block may be named
   * more than once; blocks it does not name are dropped), as the file `fileName` of MIME type
   * `mimeType` (uploadMimeType: `application/octet-stream` or empty means the name's), as the
   * single-request upload does (for an Image column, as its image: thumbnail, companions, full
   * image); the upload then ends, whether the file is stored or not (it is taken out of the
   * uploads under way before the store begins, so of two commits sent at once one is stored and
   * the other refused with 400; a failed store is not put back: start again). Returns the new file's id (an
   * Image column's: its image id, `<column>id`) and its size in bytes. Throws the 400 `0x80040203`
   * of uploadBlock for the token, and (the upload still open) for a bad file name, a BlockList
   * naming a block not uploaded or more than MAX_BLOCKS blocks, a MIME type over 255 characters, a
   * file larger than the uploads under way may hold (UploadSessions.checkFits), and checkFileSize's
   * 400, all checked on the sum of the blocks' sizes before they are put together; what
   * storing throws (403 when the caller may no longer write the row, 404 when it is gone).
   */
  async commitBlocks(ctx: FileContext, token: string, fileName: string, mimeType: string, blockList: readonly string[]): Promise<{ fileId: string; size: number }> {
    const session = this.blockSession(ctx, token);
    const name = requiredFileName(fileName, FILE_NAME_PARAMETER);
    if (blockList.length > MAX_BLOCKS) throw Errors.invalidArgument(`The BlockList names ${blockList.length} blocks; a file is committed from at most ${MAX_BLOCKS}.`);
    // The size is summed and checked before the blocks are put together: a BlockList may name one block many times.
    let size = 0;
    const blocks = blockList.map((blockId, i) => {
      const block = session.blocks.get(blockId);
      if (!block) throw Errors.invalidArgument(`BlockList[${i}] '${blockId}' is no block uploaded with this FileContinuationToken.`);
      size += block.length;
      return block;
    });
    const mimetype = uploadMimeType(name, mimeType === '' ? undefined : mimeType);
    checkFileSize(session.column, size, ctx.db.dialect.maxBinaryBytes);
    this.sessions.checkFits(size);
    const content = Buffer.concat(blocks, size);
    // Taken out before the first await: a second commit of this upload is refused (400), not stored too.
    this.sessions.take(token);
    try {
      return { fileId: await store(ctx, session, name, mimetype, content), size: content.length };
    } finally {
      this.sessions.release(session);
    }
  }

  /** The caller's open upload by blocks of `token`; 400 `0x80040203` when there is none. */
  private blockSession(ctx: FileContext, token: string): UploadSession {
    const session = this.sessions.find(token, ctx.caller.systemuserid);
    if (!session || session.mode !== 'blocks') throw Errors.invalidArgument('The FileContinuationToken is not one of an upload under way (InitializeFileBlocksUpload), or it has expired; start the upload again.');
    return session;
  }
}

/**
 * InitializeFileBlocksDownload (Dataverse "Use file column data", "Use Dataverse messages to
 * download a file"): the file of the cell (an Image column's full image), read as the caller may
 * read the row (among the retained rows with `dataSource` `retained`, as other retained reads), and
 * the FileContinuationToken DownloadBlock takes (files/download-tokens.ts; it carries the data
 * source). Throws 404 `0x80040217` for a missing row (a retained row without `retained`, an
 * active one with it) or a column without a file (or an image stored without its full size), the caller's 403.
 */
export async function startDownload(ctx: FileContext, cell: FileCell, dataSource?: DataSource): Promise<{ token: string; file: StoredFile }> {
  const file = await fileOf(ctx, cell, undefined, dataSource);
  const token = downloadToken({ table: cell.entity.LogicalName, id: cell.id, column: cell.column.LogicalName, fileId: file.fileattachmentid, systemuserid: ctx.caller.systemuserid, dataSource });
  return { token, file };
}

/**
 * DownloadBlock: `count` bytes from `offset` (0-based; fewer, or none, where the file ends) of the
 * file of download `token`, read as the caller may read the row. Throws 400 `0x80040203` for a
 * `count` over MAX_DOWNLOAD_BLOCK_BYTES, a token that is no download's, another caller's, or one whose file has since been replaced; 404
 * `0x80040217` for a row or file since deleted (fileOf); the caller's 403.
 */
export async function downloadBlock(ctx: FileContext, token: string, offset: number, count: number): Promise<Uint8Array> {
  if (count > MAX_DOWNLOAD_BLOCK_BYTES) throw Errors.invalidArgument(`BlockLength ${count} is more than the ${MAX_DOWNLOAD_BLOCK_BYTES} bytes (4 MB) one block may have; download the file in blocks of at most that.`);
  const t = readDownloadToken(token);
  const entity = t && t.systemuserid === ctx.caller.systemuserid ? ctx.model.byLogicalName.get(t.table) : undefined;
  const column = entity?.attributesByName.get(t!.column);
  const expired = () => Errors.invalidArgument('The FileContinuationToken is not one of a download (InitializeFileBlocksDownload) of this user, or its file has been replaced since; start the download again.');
  if (!entity || !column || (column.AttributeType !== 'File' && column.AttributeType !== 'Image')) throw expired();
  const file = await fileOf(ctx, { entity, id: t!.id, column }, { from: offset, count }, t!.dataSource);
  if (file.fileattachmentid !== t!.fileId) throw expired();
  return file.body!;
}

/**
 * DeleteFile: deletes the file `fileId` (the value its File column holds), as `DELETE …/<column>`
 * does (removeFile), but only that file: the column is cleared only while it still holds `fileId`
 * (a guard of the write), so a file stored in its place meanwhile stays. Throws 404 `0x80040217`
 * when no File column holds a file of that id (an Image column's full image is removed with its
 * image, not by its id), also when it was replaced before the delete ran or its row is one the
 * caller cannot read (Dataverse documents no answer for that: Tessera does not tell the row), and
 * what removeFile throws (403 when the caller reads the row but may not write it).
 */
export async function deleteFileById(ctx: FileContext, fileId: string): Promise<void> {
  const missing = () => Errors.recordNotFound('fileattachment', fileId);
  const cell = await executeFindFile(ctx.db, ctx.model, fileId);
  if (!cell || cell.column.AttributeType !== 'File') throw missing();
  // A row the caller cannot read hides its files: the id is answered as one no file has (not a 403 naming the row).
  try {
    await fileOf(ctx, cell);
  } catch (err) {
    throw err instanceof ServiceError && (err.status === 403 || err.status === 404) ? missing() : err;
  }
  await removeFile(ctx, cell, { id: fileId, missing });
}

/**
 * Deletes the file of the cell (File column): the column and its name cleared, the row stamped
 * modified with a new version; with `only`, only while the column holds the file `only.id` (else
 * `only.missing()` is thrown). Throws the caller's 403 (checked first), 404 `0x80040217` for a
 * missing row and Errors.noFile for a column without a file.
 */
async function removeFile(ctx: FileContext, cell: FileCell, only?: { id: string; missing: () => Error }): Promise<void> {
  const { entity, id, column } = cell;
  const plan = planFileChange(ctx.model, entity, id, column, null, ctx.caller);
  await executeWriteCheck(ctx.db, plan);
  await fileOf(ctx, cell);
  const guarded = only ? { ...plan, guards: [...plan.guards, { attribute: column, values: [only.id], fail: only.missing }] } : plan;
  await executeDeleteFile(ctx.db, guarded, column, only?.id);
}

/**
 * The file of the cell (with the content `content` asks: executeReadFile), read as the caller may
 * read the row, among the rows of `dataSource` (default the active ones): 404 `0x80040217` when the
 * row does not exist there (or the caller's 403) and Errors.noFile when the column holds none.
 */
async function fileOf(ctx: FileContext, cell: FileCell, content?: 'all' | ByteSlice, dataSource?: DataSource): Promise<StoredFile> {
  const { entity, id, column } = cell;
  const read = await executeRead(ctx.db, { ...planRead(entity, { select: [column.LogicalName] }, { returnRepresentation: false }, id), dataSource });
  const row = read.rows[0];
  if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
  const file = row[read.columns.indexOf(column)] === null ? undefined : await executeReadFile(ctx.db, entity, id, column, content);
  if (!file) throw Errors.noFile(column.LogicalName, id);
  return file;
}

/** A change of the cell's row whose privileges an upload checks before it starts (executeWriteCheck). */
function writeCheck(ctx: FileContext, cell: FileCell): UpdatePlan {
  return cell.column.AttributeType === 'Image' ? imageChange(ctx, cell, null) : planFileChange(ctx.model, cell.entity, cell.id, cell.column, null, ctx.caller);
}

/** The ByteSlice a download of `range` reads (all bytes without one). */
function sliceOf(range: ByteRange | undefined): 'all' | ByteSlice {
  return range ? { from: range.from, count: range.to === undefined ? Number.MAX_SAFE_INTEGER : range.to - range.from + 1 } : 'all';
}

/**
 * The update of the cell's row that sets its Image column to `bytes` (null: removes the image);
 * withImages makes the thumbnail when it runs. The column is planned as a null (its checks are a
 * body value's) and the bytes handed over as they are (UpdatePlan.sentImages), not as base64 text.
 */
function imageChange(ctx: FileContext, cell: FileCell, bytes: Buffer | null): UpdatePlan {
  const plan = planRowChange(ctx.model, cell.entity, cell.id, { [cell.column.LogicalName]: null }, ctx.caller, '*', undefined);
  return bytes === null ? plan : { ...plan, sentImages: new Map([[cell.column, bytes]]) };
}

/**
 * Stores `bytes` as the file `name` (MIME type `mimetype`) of the cell, a new file id, the row's
 * columns set (executeStoreFile); for an Image column, as its image (imageChange, made ready here
 * to learn its image id). Returns the file's id (an Image column's: its new `<column>id`).
 */
async function store(ctx: FileContext, cell: FileCell, name: string, mimetype: string, bytes: Buffer): Promise<string> {
  if (cell.column.AttributeType === 'Image') {
    const plan = await withImages(imageChange(ctx, cell, bytes));
    await executeWrite(ctx.db, plan);
    return String(plan.set.get(imageCompanions(cell.entity, cell.column).id));
  }
  const fileId = randomUUID();
  const plan = planFileChange(ctx.model, cell.entity, cell.id, cell.column, { id: fileId, name }, ctx.caller);
  await executeStoreFile(ctx.db, plan, cell.column, { fileattachmentid: fileId, filename: name, mimetype, filesizeinbytes: bytes.length }, bytes, nowUtc());
  return fileId;
}

/** `bytes` as a Buffer over the same memory (the body express read is one already): no copy of a chunk or a file. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
