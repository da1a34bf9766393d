import { blockUploads } from './file-cells.js';
import type { Message } from './types.js';

/**
 * UploadBlock (unbound action; Dataverse Web API reference): `POST /UploadBlock`
 * `{"BlockId":"<id>","BlockData":"<base64>","FileContinuationToken":"<token>"}` → 204. Keeps the
 * bytes as one block of the upload InitializeFileBlocksUpload opened; blocks may come in any order
 * (CommitFileBlocksUpload orders them), a block id sent again replaces its block
 * (BlockUploads.uploadBlock). Throws 400 `0x80040203` for a token of no upload under way, an empty
 * BlockId and over the upload limits; 400 `0x80044a02` when the blocks would make a file larger than
 * the column's MaxSizeInKB (an Image column's: `0x80072553`).
 */
export const message: Message = {
  Name: 'UploadBlock',
  Kind: 'Action',
  Parameters: [
    { Name: 'BlockId', Type: 'Edm.String' },
    { Name: 'BlockData', Type: 'Edm.Binary' },
    { Name: 'FileContinuationToken', Type: 'Edm.String' },
  ],
  async invoke(ctx, args) {
    blockUploads(ctx).uploadBlock(ctx, args['FileContinuationToken'] as string, args['BlockId'] as string, args['BlockData'] as Buffer);
  },
};
