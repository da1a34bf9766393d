import { pkOf } from '../model/primary-key.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { Dialect, Statement } from './dialect.js';
import { Params } from './render.js';

/**
 * The files of File columns (Dataverse's FileAttachment table: "Use file column data",
 * "Relationship to FileAttachment table"; fileattachment EntityType): one row per stored file,
 * keyed by its id (the value the row's File column holds), naming the row (`objecttypecode` its
 * table's logical name, `objectid` its id) and column (`regardingfieldname`) it belongs to, with
 * its name, MIME type, size in bytes, content (BLOB / bytea / VARBINARY(MAX)) and creation time.
 */
export const FILE_ATTACHMENTS = 'tessera_fileattachment';

/** A stored file's description (the content apart). */
export interface FileAttachment {
  readonly fileattachmentid: string;
  readonly filename: string;
  readonly mimetype: string;
  /** Size in bytes. */
  readonly filesizeinbytes: number;
}

const q = (d: Dialect, ...names: string[]) => names.map((n) => d.quote(n)).join(', ');

/** The columns of `sample` (any table: all have them) whose types the attachment table borrows. */
function borrowed(sample: EntityModel): { id: AttributeModel; size: AttributeModel; created: AttributeModel } {
  return { id: pkOf(sample), size: sample.attributesByName.get('versionnumber')!, created: sample.attributesByName.get('createdon')! };
}

/**
 * Whether rows of `entity` may have files in FILE_ATTACHMENTS: it has a File column, or an Image
 * column (whose full-size images are kept there as Dataverse keeps them in FileAttachment).
 */
export function hasAttachments(entity: EntityModel): boolean {
  return entity.Attributes.some((a) => a.AttributeType === 'File' || a.AttributeType === 'Image');
}

/** The first table of `model` whose rows may have files (hasAttachments; then the model needs FILE_ATTACHMENTS), or undefined. */
export function firstTableWithFiles(model: Model): EntityModel | undefined {
  return model.entities.find(hasAttachments);
}

/**
 * CREATE TABLE and index of FILE_ATTACHMENTS, the id, size and time columns typed as `sample`'s
 * primary key, versionnumber (a 64-bit integer) and createdon. Run when the table is missing and
 * the model has a File column; one file per row and column (the unique index).
 */
export function createFileAttachmentsTable(d: Dialect, sample: EntityModel): string[] {
  const { id, size, created } = borrowed(sample);
  const name = d.name === 'mssql' ? 'NVARCHAR(128)' : 'VARCHAR(128)';
  const text = d.name === 'mssql' ? 'NVARCHAR(255)' : 'VARCHAR(255)';
  const t = d.quote(FILE_ATTACHMENTS);
  return [
    `CREATE TABLE ${t} (${d.quote('fileattachmentid')} ${d.columnType(id)} NOT NULL PRIMARY KEY, ${d.quote('objecttypecode')} ${name} NOT NULL, `
      + `${d.quote('objectid')} ${d.columnType(id)} NOT NULL, ${d.quote('regardingfieldname')} ${name} NOT NULL, ${d.quote('filename')} ${text} NOT NULL, `
      + `${d.quote('mimetype')} ${text} NOT NULL, ${d.quote('filesizeinbytes')} ${d.columnType(size)} NOT NULL, ${d.quote('body')} ${d.binaryType} NOT NULL, `
      + `${d.quote('createdon')} ${d.columnType(created)} NOT NULL)`,
    d.createUniqueIndex(d.quote(`ux_${FILE_ATTACHMENTS}_regarding`), t, [q(d, 'objecttypecode', 'objectid', 'regardingfieldname')]),
  ];
}

/**
 * The statements that store `file` (content `body`, created at `createdOn`, canonical UTC) as the
 * file of column `column` of row `id` of `entity`, replacing the one it had.
 */
export function renderStoreFile(d: Dialect, entity: EntityModel, id: string, column: AttributeModel, file: FileAttachment, body: Uint8Array, createdOn: string): Statement[] {
  const { id: key, size, created } = borrowed(entity);
  const p = new Params(d);
  const values = [p.value(key, file.fileattachmentid), p.add(entity.LogicalName), p.value(key, id), p.add(column.LogicalName), p.add(file.filename), p.add(file.mimetype),
    p.value(size, file.filesizeinbytes), p.add(body), p.value(created, createdOn)];
  return [
    renderDeleteFiles(d, entity, [id], column),
    {
      sql: `INSERT INTO ${d.quote(FILE_ATTACHMENTS)} (${q(d, 'fileattachmentid', 'objecttypecode', 'objectid', 'regardingfieldname', 'filename', 'mimetype', 'filesizeinbytes', 'body', 'createdon')}) `
        + `VALUES (${values.join(', ')})`,
      params: p.values,
    },
  ];
}

/**
 * DELETE of the files of rows `ids` of `entity`: of column `column` only, or of all its columns.
 * At most idsPerStatement ids per call (render.ts idSlices; one parameter each).
 */
export function renderDeleteFiles(d: Dialect, entity: EntityModel, ids: readonly string[], column?: AttributeModel): Statement {
  const key = pkOf(entity);
  const p = new Params(d);
  const where = [`${d.quote('objecttypecode')} = ${p.add(entity.LogicalName)}`];
  if (column) where.push(`${d.quote('regardingfieldname')} = ${p.add(column.LogicalName)}`);
  where.push(`${d.quote('objectid')} IN (${ids.map((id) => p.value(key, id)).join(', ')})`);
  return { sql: `DELETE FROM ${d.quote(FILE_ATTACHMENTS)} WHERE ${where.join(' AND ')}`, params: p.values };
}

/**
 * SELECT of the row and column the file `fileId` belongs to: one row (objecttypecode, objectid,
 * regardingfieldname) or none. `sample`: any table of the model whose rows may have files
 * (hasAttachments), whose primary key types the id.
 */
export function renderFindFile(d: Dialect, sample: EntityModel, fileId: string): Statement {
  return byFileId(d, sample, fileId, `SELECT ${q(d, 'objecttypecode', 'objectid', 'regardingfieldname')} FROM`);
}

/** DELETE of the file `fileId` (none when no file has that id). `sample`: as renderFindFile's. */
export function renderDeleteFileById(d: Dialect, sample: EntityModel, fileId: string): Statement {
  return byFileId(d, sample, fileId, 'DELETE FROM');
}

/** `<head> FILE_ATTACHMENTS WHERE fileattachmentid = <fileId>`, the id typed as `sample`'s primary key. */
function byFileId(d: Dialect, sample: EntityModel, fileId: string, head: string): Statement {
  const p = new Params(d);
  return { sql: `${head} ${d.quote(FILE_ATTACHMENTS)} WHERE ${d.quote('fileattachmentid')} = ${p.value(borrowed(sample).id, fileId)}`, params: p.values };
}

/** Bytes of a file to read: `count` bytes from offset `from` (0-based; fewer where the file ends). */
export interface ByteSlice {
  readonly from: number;
  readonly count: number;
}

/** Most bytes one slice reads, and one more than its furthest start (PostgreSQL's substring takes 32-bit integers). */
const MAX_SLICE = 2 ** 31 - 1;

/**
 * SELECT of the file of column `column` of row `id` of `entity`: one row (fileattachmentid,
 * filename, mimetype, filesizeinbytes, and with `content` the bytes: `'all'` of them, or only those
 * of a ByteSlice, cut by the database so that a range of a large file reads that range) or none.
 */
export function renderSelectFile(d: Dialect, entity: EntityModel, id: string, column: AttributeModel, content?: 'all' | ByteSlice): Statement {
  const p = new Params(d);
  const columns = [q(d, 'fileattachmentid', 'filename', 'mimetype', 'filesizeinbytes')];
  if (content === 'all') columns.push(d.quote('body'));
  // Both bounds fit PostgreSQL's 32-bit integers (a start past any file it can hold reads nothing either way).
  else if (content) columns.push(d.byteSlice(d.quote('body'), p.add(Math.min(content.from, MAX_SLICE - 1) + 1), p.add(Math.min(content.count, MAX_SLICE))));
  return {
    sql: `SELECT ${columns.join(', ')} FROM ${d.quote(FILE_ATTACHMENTS)} WHERE ${d.quote('objecttypecode')} = ${p.add(entity.LogicalName)} `
      + `AND ${d.quote('objectid')} = ${p.value(pkOf(entity), id)} AND ${d.quote('regardingfieldname')} = ${p.add(column.LogicalName)}`,
    params: p.values,
  };
}
