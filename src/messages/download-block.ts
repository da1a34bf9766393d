import { Errors } from '../errors.js';
import { downloadBlock } from '../files/blocks.js';
import type { Message } from './types.js';

/**
 * DownloadBlock (unbound action; Dataverse Web API reference): `POST /DownloadBlock`
 * `{"Offset":<n>,"BlockLength":<n>,"FileContinuationToken":"<token>"}` → 200 `{"Data":"<base64>"}`:
 * the file's bytes from Offset (0-based), BlockLength of them or fewer where the file ends (none
 * past its end), read by the database as a range download is (downloadBlock). Throws 400
 * `0x80040203` for a negative Offset or BlockLength, a BlockLength over 4 MiB (MAX_DOWNLOAD_BLOCK_BYTES), and for a token of no download of the
 * caller's or of a file since replaced; 404 `0x80040217` for a file or row since deleted.
 */
export const message: Message = {
  Name: 'DownloadBlock',
  Kind: 'Action',
  Parameters: [
    { Name: 'Offset', Type: 'Edm.Int64' },
    { Name: 'BlockLength', Type: 'Edm.Int64' },
    { Name: 'FileContinuationToken', Type: 'Edm.String' },
  ],
  ReturnType: { Name: 'DownloadBlockResponse', Properties: [{ Name: 'Data', Type: 'Edm.Binary' }] },
  async invoke(ctx, args) {
    const offset = Number(args['Offset']);
    const length = Number(args['BlockLength']);
    if (offset < 0 || length < 0) throw Errors.invalidArgument('Offset and BlockLength cannot be negative.');
    const bytes = await downloadBlock(ctx, args['FileContinuationToken'] as string, offset, length);
    return { Data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  },
};
