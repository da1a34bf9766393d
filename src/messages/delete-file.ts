import { deleteFileById } from '../files/blocks.js';
import type { Message } from './types.js';

/**
 * DeleteFile (unbound action; Dataverse Web API reference, "Use file column data", "Delete
 * files"): `POST /DeleteFile` `{"FileId":"<guid>"}` → 204. FileId is the value the File column
 * holds; the file goes and the column and its `_name` become null, as `DELETE …/<column>` does
 * (deleteFileById: the caller's write privilege on the row, the row stamped modified). Throws 404
 * `0x80040217` for an id no File column holds, 403 when the caller may not write the row.
 */
export const message: Message = {
  Name: 'DeleteFile',
  Kind: 'Action',
  Parameters: [{ Name: 'FileId', Type: 'Edm.Guid' }],
  async invoke(ctx, args) {
    await deleteFileById(ctx, args['FileId'] as string);
  },
};
