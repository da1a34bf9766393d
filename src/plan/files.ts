import { Errors } from '../errors.js';
import { isOctetStream } from '../odata/file-transfer.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { ColumnValues } from './column-values.js';
import type { Caller, UpdatePlan } from './types.js';
import { planRowChange } from './write.js';
import { checkImageSize } from './images.js';

/** The read-only String column holding the name of File column `column`'s file (`<column>_name`). */
export function fileNameColumn(entity: EntityModel, column: AttributeModel): AttributeModel {
  return entity.attributesByName.get(`${column.LogicalName}_name`)!;
}

/**
 * Plans the change of row `id` that goes with storing a file in File column `column` (`file`: its
 * id and name) or deleting it (`file` null): the column takes the file's id and `<column>_name`
 * its name (Dataverse "Use file column data", "Behavior when retrieving"), the row is stamped
 * modified with a new version. The row must exist (404 `0x80040217` at execution) and the caller
 * may need the write privilege on it (checked by the executor); throws as planRowChange for a
 * table that cannot be written.
 */
export function planFileChange(model: Model, entity: EntityModel, id: string, column: AttributeModel, file: { id: string; name: string } | null, caller: Caller): UpdatePlan {
  const plan = planRowChange(model, entity, id, {}, caller, '*', undefined);
  const set = plan.set as ColumnValues;
  set.set(column, file?.id ?? null);
  set.set(fileNameColumn(entity, column), file?.name ?? null);
  return plan;
}

/** MIME types by file name extension; others are application/octet-stream. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain', csv: 'text/csv', htm: 'text/html', html: 'text/html', xml: 'application/xml', json: 'application/json',
  pdf: 'application/pdf', zip: 'application/zip', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The MIME type of a file named `name`, by its extension (Dataverse stores one with every file: fileattachment.mimetype). */
export function mimeTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot < 0 ? undefined : MIME_TYPES[name.slice(dot + 1).toLowerCase()]) ?? 'application/octet-stream';
}

/** RFC 9110 §5.6.2 token: one or more tchar. */
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
/** RFC 9110 §5.6.4 quoted-string, of visible ASCII, spaces and tabs only (no obs-text). */
const QUOTED = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"';
/** RFC 9110 §8.3.1 media-type: type "/" subtype, then parameters (`;` name=value, value a token or a quoted string), OWS around each `;`. */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED}))?)*$`);

/**
 * The MIME type stored with an upload named `name` whose body came with Content-Type `contentType`
 * (CommitFileBlocksUpload: its MimeType): that type (Microsoft's PowerPlatform-DataverseClient-Python
 * sends the file's own, e.g. application/pdf), else, for `application/octet-stream` or none,
 * mimeTypeOf(name). The one place every upload's MIME type is decided. Throws 400 `0x80040203` for
 * a type longer than the 255 characters fileattachment.mimetype holds, and for one that is no
 * media type of RFC 9110 §8.3.1 (`type/subtype`, tokens, optional parameters, visible ASCII: no
 * line break, NUL or non-ASCII letter, which the `mimetype` header of a download could not carry).
 */
export function uploadMimeType(name: string, contentType: string | undefined): string {
  if (contentType === undefined) return mimeTypeOf(name);
  if (contentType.length > 255) throw Errors.invalidArgument('The MIME type of the file is longer than 255 characters.');
  if (!MEDIA_TYPE.test(contentType)) throw Errors.invalidArgument('The MIME type of the file is not a media type (RFC 9110 §8.3.1: type/subtype, with optional ;name=value parameters, in visible ASCII).');
  return isOctetStream(contentType) ? mimeTypeOf(name) : contentType;
}

/** The largest file `column` takes, in bytes (MaxSizeInKB × 1,024). */
export function maxFileBytes(column: AttributeModel): number {
  return (column.MaxSizeInKB ?? 0) * 1024;
}

/**
 * Throws 400 `0x80044a02` when a file of `size` bytes is larger than `column` takes (MaxSizeInKB)
 * or than the database holds in one value (`databaseMax` bytes: Dialect.maxBinaryBytes); for an
 * Image column, checkImageSize's 400 `0x80072553`.
 */
export function checkFileSize(column: AttributeModel, size: number, databaseMax: number): void {
  if (column.AttributeType === 'Image') return checkImageSize(column, size);
  if (size > Math.min(maxFileBytes(column), databaseMax)) throw Errors.fileTooBig();
}

/**
 * The file name of an upload (`name`, sent as `source` says: by default the `x-ms-file-name`
 * header or query parameter of `PATCH …/<column>`); throws 400 `0x80040203` without one, for one
 * over 255 characters or holding a control character.
 */
export function requiredFileName(name: string | undefined, source = 'the x-ms-file-name header or query parameter'): string {
  if (name === undefined || name.trim() === '') throw Errors.invalidArgument(`An upload needs the file name: ${source}.`);
  if (name.length > 255) throw Errors.invalidArgument('The file name is longer than 255 characters.');
  // Control characters (NUL among them, which PostgreSQL text refuses) are no part of a file name on Windows, Dataverse's host.
  if (/[\u0000-\u001f\u007f]/.test(name)) throw Errors.invalidArgument('The file name holds a control character (such as NUL or a line break); name the file without one.');
  return name;
}
