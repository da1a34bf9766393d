import { Errors } from '../errors.js';
import type { BlockUploads } from '../files/blocks.js';
import type { FileCell } from '../files/cells.js';
import { entityObjectReference } from './targets.js';
import type { MessageContext } from './types.js';

/**
 * The cell the file messages InitializeFileBlocksUpload and InitializeFileBlocksDownload name:
 * the row of `Target` (an entity object, `{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<primary
 * key>":"<guid>"}`) and its File or Image column `FileAttributeName` (logical name). Throws 400
 * `0x80040203` for a Target that names no row (entityObjectReference) and a name that is no File
 * or Image column of its table (Dataverse's own answer for that is not documented).
 */
export function fileCell(ctx: MessageContext, target: unknown, attributeName: string): FileCell {
  const { entity, id } = entityObjectReference(ctx.model, target, 'Target');
  const column = entity.attributesByName.get(attributeName);
  if (!column || (column.AttributeType !== 'File' && column.AttributeType !== 'Image')) {
    throw Errors.invalidArgument(`FileAttributeName '${attributeName}' is not a file or image column of the table '${entity.LogicalName}'.`);
  }
  return { entity, id, column };
}

/**
 * The Service's uploads by blocks from `ctx` (MessageContext.files). Throws 501 `0x0` (Errors.notImplemented)
 * where the context has none (a context that serves no HTTP request, such as `tessera retention
 * run`, which sends no file message).
 */
export function blockUploads(ctx: MessageContext): BlockUploads {
  if (!ctx.files) throw Errors.notImplemented('Uploading files by blocks outside the Web API');
  return ctx.files;
}
