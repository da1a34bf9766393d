import { SqliteDatabase } from './sqlite.js';
import type { Database } from './database.js';

/** The default database URL: an embedded SQLite file under ./data. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/tessera.db';

/** Thrown for a database URL that names no supported engine; the message is one line for users. */
export class DatabaseUrlError extends Error {}

/**
 * Opens the database a URL names. `sqlite:<path>` (or `sqlite::memory:`) is supported;
 * `postgres://…` and `mssql://…` are reserved for the server dialects.
 * Throws DatabaseUrlError for anything else, and the driver's error when the file cannot be opened.
 */
export function openDatabase(url: string): Database {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new DatabaseUrlError(`the database URL '${url}' has no file path (e.g. sqlite:./data/tessera.db)`);
    return new SqliteDatabase(path);
  }
  if (/^(postgres|postgresql|mssql|sqlserver):\/\//.test(url)) {
    throw new DatabaseUrlError(`the database URL '${url}' names a server database; this build supports sqlite:<path> only`);
  }
  throw new DatabaseUrlError(`the database URL '${url}' is not recognised; use sqlite:<path>`);
}
