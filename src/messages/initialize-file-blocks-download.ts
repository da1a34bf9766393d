import { Errors } from '../errors.js';
import { startDownload } from '../files/transfer.js';
import { fileCell } from './file-cells.js';
import type { Message } from './types.js';

/**
 * InitializeFileBlocksDownload (unbound action; Dataverse Web API reference, "Use file column
 * data", "Use Dataverse messages to download a file"): `POST /InitializeFileBlocksDownload`
 * `{"Target":{…},"FileAttributeName":"<column>"}` → 200 `{"FileContinuationToken","FileSizeInBytes",
 * "FileName","IsChunkingSupported"}` (always true: any range can be read), the token DownloadBlock
 * takes (startDownload). An Image column answers its full image. Throws 404 `0x80040217` for a
 * missing row or no file (an image stored without its full size), 403 when the caller may not
 * read the row, 400 `0x80040203` for a column that is not a file or image column; `DataSource`
 * (Dataverse's `retained`, for rows moved to long-term retention) is 501: Tessera keeps retained
 * rows in place, where a download without it reads them.
 */
export const message: Message = {
  Name: 'InitializeFileBlocksDownload',
  Kind: 'Action',
  Parameters: [
    { Name: 'Target', Type: 'mscrm.crmbaseentity' },
    { Name: 'FileAttributeName', Type: 'Edm.String' },
    { Name: 'DataSource', Type: 'Edm.String', Optional: true },
  ],
  ReturnType: {
    Name: 'InitializeFileBlocksDownloadResponse',
    Properties: [
      { Name: 'FileContinuationToken', Type: 'Edm.String' },
      { Name: 'FileSizeInBytes', Type: 'Edm.Int64' },
      { Name: 'FileName', Type: 'Edm.String' },
      { Name: 'IsChunkingSupported', Type: 'Edm.Boolean' },
    ],
  },
  async invoke(ctx, args) {
    if (args['DataSource'] !== undefined && args['DataSource'] !== null) throw Errors.notImplemented('The DataSource parameter of InitializeFileBlocksDownload (retained rows stay in place: leave it out)');
    const { token, file } = await startDownload(ctx, fileCell(ctx, args['Target'], args['FileAttributeName'] as string));
    return { FileContinuationToken: token, FileSizeInBytes: file.filesizeinbytes, FileName: file.filename, IsChunkingSupported: true };
  },
};
