import type { DataSource } from '../plan/types.js';
import { canonicalGuid } from '../plan/values.js';

/**
 * The FileContinuationToken of a download by the file messages (Dataverse's
 * InitializeFileBlocksDownload answers one, DownloadBlock takes it): it names the file, the row and
 * column holding it, and the caller it was given to. The token is kept by nobody: it is the
 * base64url of those names, behind `d.`, so it holds no memory and outlives a restart. It grants
 * nothing: each DownloadBlock reads the file as its caller may read the row, and a token of another
 * caller, or of a file since replaced or deleted, is refused.
 */
export interface DownloadToken {
  /** The table's logical name. */
  readonly table: string;
  /** The row's id. */
  readonly id: string;
  /** The File (or Image) column's logical name. */
  readonly column: string;
  /** The id of the file the download began with (fileattachmentid). */
  readonly fileId: string;
  /** The caller the token was given to. */
  readonly systemuserid: string;
  /** `retained` when the download reads a retained row (InitializeFileBlocksDownload's DataSource); absent for active rows. */
  readonly dataSource?: DataSource;
}

const PREFIX = 'd.';

/** The token text of `t`. */
export function downloadToken(t: DownloadToken): string {
  const parts = [t.table, t.id, t.column, t.fileId, t.systemuserid, ...(t.dataSource === 'retained' ? ['retained'] : [])];
  return PREFIX + Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The DownloadToken `text` holds, or undefined when it is no such token (any other text, an upload's token among them). */
export function readDownloadToken(text: string): DownloadToken | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || (parts.length !== 5 && parts.length !== 6) || !parts.every((p) => typeof p === 'string')) return undefined;
  const [table, id, column, fileId, systemuserid, source] = parts as string[];
  const guid = canonicalGuid(id!);
  const file = canonicalGuid(fileId!);
  if (!guid || !file || (source !== undefined && source !== 'retained')) return undefined;
  return { table: table!, id: guid, column: column!, fileId: file, systemuserid: systemuserid!, ...(source ? { dataSource: 'retained' as const } : {}) };
}
