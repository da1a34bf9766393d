import { randomUUID } from 'node:crypto';
import { Errors } from '../errors.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import { imageCompanions } from '../model/images.js';
import { mimeTypeOf, planFileChange } from '../plan/files.js';
import { withImages } from '../plan/images.js';
import { planRead } from '../plan/read.js';
import type { Caller, DataSource, UpdatePlan } from '../plan/types.js';
import { nowUtc } from '../plan/values.js';
import { planRowChange } from '../plan/write.js';
import type { ByteSlice } from '../sql/file-attachments.js';
import type { Database } from '../store/database.js';
import { executeRead, executeWrite, executeWriteCheck } from '../store/execute.js';
import { executeDeleteFile, executeReadFile, executeStoreFile, type StoredFile } from '../store/files.js';
import type { UploadSessions } from './upload-sessions.js';

/*
 * The file of one cell (a File or Image column of a row), as every way of transferring files does
 * it (files/transfer.ts over HTTP, files/blocks.ts for the file messages): read it as the caller may
 * read the row, store one, remove it, check an upload may begin.
 */

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
 * Opens an upload (one of `sessions`) of the file `fileName` to the cell, its bytes coming in
 * `mode`, once the row exists and the caller may write it (executeWriteCheck, before any byte is
 * held); its token.
 * Throws 404 `0x80040217` for a missing row, the caller's 403, and UploadSessions.start's 400.
 */
export async function openUpload(ctx: FileContext, sessions: UploadSessions, cell: FileCell, fileName: string, mode: 'chunks' | 'blocks'): Promise<string> {
  await executeWriteCheck(ctx.db, writeCheck(ctx, cell));
  return sessions.start({ ...cell, fileName, mimetype: mimeTypeOf(fileName), systemuserid: ctx.caller.systemuserid, mode });
}

/**
 * Deletes the file of the cell (File column): the column and its name cleared, the row stamped
 * modified with a new version; with `only`, only while the column holds the file `only.id` (else
 * `only.missing()` is thrown). Throws the caller's 403 (checked first), 404 `0x80040217` for a
 * missing row and Errors.noFile for a column without a file.
 */
export async function removeFile(ctx: FileContext, cell: FileCell, only?: { id: string; missing: () => Error }): Promise<void> {
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
export async function fileOf(ctx: FileContext, cell: FileCell, content?: 'all' | ByteSlice, dataSource?: DataSource): Promise<StoredFile> {
  const { entity, id, column } = cell;
  const read = await executeRead(ctx.db, { ...planRead(entity, { select: [column.LogicalName] }, { returnRepresentation: false }, id), dataSource });
  const row = read.rows[0];
  if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
  const file = row[read.columns.indexOf(column)] === null ? undefined : await executeReadFile(ctx.db, entity, id, column, content);
  if (!file) throw Errors.noFile(column.LogicalName, id);
  return file;
}

/** A change of the cell's row whose privileges an upload checks before it starts (executeWriteCheck). */
export function writeCheck(ctx: FileContext, cell: FileCell): UpdatePlan {
  return cell.column.AttributeType === 'Image' ? imageChange(ctx, cell, null) : planFileChange(ctx.model, cell.entity, cell.id, cell.column, null, ctx.caller);
}

/**
 * The update of the cell's row that sets its Image column to `bytes` (null: removes the image);
 * withImages makes the thumbnail when it runs. The column is planned as a null (its checks are a
 * body value's) and the bytes handed over as they are (UpdatePlan.sentImages), not as base64 text.
 */
export function imageChange(ctx: FileContext, cell: FileCell, bytes: Buffer | null): UpdatePlan {
  const plan = planRowChange(ctx.model, cell.entity, cell.id, { [cell.column.LogicalName]: null }, ctx.caller, '*', undefined);
  return bytes === null ? plan : { ...plan, sentImages: new Map([[cell.column, bytes]]) };
}

/**
 * Stores `bytes` as the file `name` (MIME type `mimetype`) of the cell, a new file id, the row's
 * columns set (executeStoreFile); for an Image column, as its image (imageChange, made ready here
 * to learn its image id). Returns the file's id (an Image column's: its new `<column>id`).
 */
export async function store(ctx: FileContext, cell: FileCell, name: string, mimetype: string, bytes: Buffer): Promise<string> {
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
