import { blockUploads } from './file-cells.js';
import type { Message } from './types.js';

/**
 * CommitFileBlocksUpload (unbound action; Dataverse Web API reference): `POST
 * /CommitFileBlocksUpload` `{"FileName":"<name>","MimeType":"<type>","BlockList":["<id>",…],
 * "FileContinuationToken":"<token>"}` → 200 `{"FileId","FileSizeInBytes"}`. Stores the blocks in
 * BlockList order as the column's file, as `PATCH …/<column>` stores one (the row stamped modified
 * with a new version; an Image column's image with its thumbnail), and ends the upload
 * (BlockUploads.commitBlocks). Throws 400 `0x80040203` for a token of no upload under way and a
 * BlockList naming a block not uploaded, 400 `0x80044a02` for a file over MaxSizeInKB, 403 when the
 * caller may not write the row.
 */
export const message: Message = {
  Name: 'CommitFileBlocksUpload',
  Kind: 'Action',
  Parameters: [
    { Name: 'FileName', Type: 'Edm.String' },
    { Name: 'MimeType', Type: 'Edm.String' },
    { Name: 'BlockList', Type: 'Collection(Edm.String)' },
    { Name: 'FileContinuationToken', Type: 'Edm.String' },
  ],
  ReturnType: {
    Name: 'CommitFileBlocksUploadResponse',
    Properties: [{ Name: 'FileId', Type: 'Edm.Guid' }, { Name: 'FileSizeInBytes', Type: 'Edm.Int64' }],
  },
  async invoke(ctx, args) {
    const { fileId, size } = await blockUploads(ctx).commitBlocks(ctx, args['FileContinuationToken'] as string, args['FileName'] as string, args['MimeType'] as string, args['BlockList'] as string[]);
    return { FileId: fileId, FileSizeInBytes: size };
  },
};
