import { Errors, ServiceError } from '../errors.js';
import { checkFileSize, requiredFileName, uploadMimeType } from '../plan/files.js';
import type { DataSource } from '../plan/types.js';
import { executeFindFile, type StoredFile } from '../store/files.js';
import { fileOf, openUpload, removeFile, store, type FileCell, type FileContext } from './cells.js';
import { downloadToken, readDownloadToken } from './download-tokens.js';
import { MAX_BLOCKS, type UploadSession, type UploadSessions } from './upload-sessions.js';

/**
 * Most bytes one DownloadBlock answers (4 MiB): Dataverse documents blocks "up to 4MB in length"
 * (DownloadBlockRequest.BlockLength); a longer BlockLength is refused, not cut short, so that a
 * client never reads a short block as the file's end.
 */
export const MAX_DOWNLOAD_BLOCK_BYTES = 4 * 1024 * 1024;

/** Where the file messages take the file name from, as requiredFileName's errors name it. */
const FILE_NAME_PARAMETER = 'the FileName parameter, not empty';

/**
 * The uploads by blocks of the file messages (Dataverse "Use file column data", "Use Dataverse
 * messages to upload a file": InitializeFileBlocksUpload, UploadBlock, CommitFileBlocksUpload):
 * uploads among the Service's UploadSessions, beside those of `PATCH` in chunks (FileColumns makes
 * the one instance, over its sessions). The file messages' downloads and DeleteFile, which hold no
 * state, are the functions below the class.
 */
export class BlockUploads {
  /** `sessions`: the Service's uploads under way (FileColumns'). */
  constructor(private readonly sessions: UploadSessions) {}

  /**
   * InitializeFileBlocksUpload (Dataverse "Use file column data", "Use Dataverse messages to upload
   * a file"): opens an upload of the file `fileName` to the cell, its bytes to come by
   * `uploadBlock`; its FileContinuationToken. The upload is one of the chunked uploads
   * (UploadSessions: the same limits, the same 15 minutes idle). Throws 400 `0x80040203` for a bad
   * file name (requiredFileName, for an Image column too), and what openUpload throws (404, 403, over a
   * limit).
   */
  async startBlocks(ctx: FileContext, cell: FileCell, fileName: string): Promise<string> {
    return openUpload(ctx, this.sessions, cell, requiredFileName(fileName, FILE_NAME_PARAMETER), 'blocks');
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
  const expired = () => Errors.invalidArgument('The FileContinuationToken is not one of a download (InitializeFileBlocksDownload) of this user, or its file has been replaced since; start the download again.');
  const t = readDownloadToken(token);
  if (!t || t.systemuserid !== ctx.caller.systemuserid) throw expired();
  const entity = ctx.model.byLogicalName.get(t.table);
  const column = entity?.attributesByName.get(t.column);
  if (!entity || !column || (column.AttributeType !== 'File' && column.AttributeType !== 'Image')) throw expired();
  const file = await fileOf(ctx, { entity, id: t.id, column }, { from: offset, count }, t.dataSource);
  if (file.fileattachmentid !== t.fileId) throw expired();
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
