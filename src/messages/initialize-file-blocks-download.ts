import { Errors } from '../errors.js';
import { startDownload } from '../files/blocks.js';
import { retainedRows } from '../plan/read.js';
import { fileCell } from './file-cells.js';
import type { Message } from './types.js';

/**
 * InitializeFileBlocksDownload (unbound action; Dataverse Web API reference, "Use file column
 * data", "Use Dataverse messages to download a file"): `POST /InitializeFileBlocksDownload`
 * `{"Target":{…},"FileAttributeName":"<column>"}` → 200 `{"FileContinuationToken","FileSizeInBytes",
 * "FileName","IsChunkingSupported"}` (always true: any range can be read), the token DownloadBlock
 * takes (startDownload). An Image column answers its full image. Throws 404 `0x80040217` for a
 * missing row or no file (an image stored without its full size), 403 when the caller may not
 * read the row, 400 `0x80040203` for a column that is not a file or image column. `DataSource`
 * `retained` (Dataverse: for a row moved to long-term retention) reads the retained rows, as
 * FetchXML's `datasource="retained"` does (a retained row is 404 without it, an active one with
 * it), and the token's DownloadBlocks read them too; 400 `0x80040203` for another value or a table
 * not enabled for retention (retainedRows).
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
    const cell = fileCell(ctx, args['Target'], args['FileAttributeName'] as string);
    const asked = args['DataSource'];
    if (asked !== undefined && asked !== null && asked !== 'retained') throw Errors.invalidArgument(`DataSource '${String(asked)}' is not one Tessera knows: leave it out, or send 'retained' to read a row under long-term retention.`);
    const { token, file } = await startDownload(ctx, cell, asked === 'retained' ? retainedRows(cell.entity, 'DataSource "retained"') : undefined);
    return { FileContinuationToken: token, FileSizeInBytes: file.filesizeinbytes, FileName: file.filename, IsChunkingSupported: true };
  },
};
