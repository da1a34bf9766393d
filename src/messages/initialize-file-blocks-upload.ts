import { blockUploads, fileCell } from './file-cells.js';
import type { Message } from './types.js';

/**
 * InitializeFileBlocksUpload (unbound action; Dataverse Web API reference, "Use file column
 * data", "Use Dataverse messages to upload a file"): `POST /InitializeFileBlocksUpload`
 * `{"Target":{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<key>":"<guid>"},
 * "FileAttributeName":"<column>","FileName":"<name>"}` → 200 `{"FileContinuationToken"}`, the
 * token UploadBlock and CommitFileBlocksUpload take. Opens an upload to a File or Image column
 * (BlockUploads.startBlocks): the row must exist (404 `0x80040217`) and the caller may write it
 * (403, before any byte is held); 400 `0x80040203` for a column that is not a file or image column
 * (file-cells.ts), a bad file name, or over the limits of uploads under way.
 */
export const message: Message = {
  Name: 'InitializeFileBlocksUpload',
  Kind: 'Action',
  Parameters: [
    { Name: 'Target', Type: 'mscrm.crmbaseentity' },
    { Name: 'FileName', Type: 'Edm.String' },
    { Name: 'FileAttributeName', Type: 'Edm.String' },
  ],
  ReturnType: { Name: 'InitializeFileBlocksUploadResponse', Properties: [{ Name: 'FileContinuationToken', Type: 'Edm.String' }] },
  async invoke(ctx, args) {
    const cell = fileCell(ctx, args['Target'], args['FileAttributeName'] as string);
    return { FileContinuationToken: await blockUploads(ctx).startBlocks(ctx, cell, args['FileName'] as string) };
  },
};
