import { existsSync } from 'node:fs';
import { ServiceError } from '../errors.js';
import { MssqlDatabase } from './mssql.js';
import { PostgresDatabase } from './postgres.js';
import { SqliteDatabase } from './sqlite.js';
import type { Database } from './database.js';
import { DatabaseUrlError } from './url-error.js';

/** The default database URL: an embedded SQLite file under ./data. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/tessera.db';

export { DatabaseUrlError };

/** The driver's reason for a failed connection, e.g. `ECONNREFUSED: connect ECONNREFUSED 192.0.2.10:5432` (behind a 503 ServiceError, its cause). */
export function databaseReason(err: unknown): string {
  if (err instanceof ServiceError && err.cause !== undefined) return databaseReason(err.cause);
  const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  const inner = e.errors?.map((x) => x.message).filter(Boolean).join('; ');
  return [e.code, inner || e.message].filter(Boolean).join(': ') || String(err);
}

/**
 * Opens the database a URL names and checks that it answers. The URL picks the dialect:
 * `sqlite:<path>` (or `sqlite::memory:`), `postgres://…` / `postgresql://…` (optional
 * `?schema=`, created when missing, `connect_timeout=<seconds>` and `query_timeout=<ms>`, see url-timeouts.ts), `mssql://…` / `sqlserver://…`. Throws DatabaseUrlError for an unknown URL and for a
 * server that cannot be reached (host, port and the driver's reason in one line).
 * With `create: false` (`migrate --dry-run`) nothing is created: a SQLite file that does not exist
 * is read as an empty database (in memory), a PostgreSQL schema that does not exist is left so
 * (its catalog then shows no tables).
 */
export async function openDatabase(url: string, { create = true }: { create?: boolean } = {}): Promise<Database> {
  let db: Database;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new DatabaseUrlError(`the database URL '${url}' has no file path (e.g. sqlite:./data/tessera.db)`);
    return new SqliteDatabase(!create && path !== ':memory:' && !existsSync(path) ? ':memory:' : path);
  }
  if (/^postgres(ql)?:\/\//.test(url)) db = new PostgresDatabase(url);
  else if (/^(mssql|sqlserver):\/\//.test(url)) db = new MssqlDatabase(url);
  else throw new DatabaseUrlError(`the database URL '${url}' is not recognised; use sqlite:<path>, postgres://… or mssql://…`);
  try {
    if (db instanceof MssqlDatabase) await db.connect();
    await db.rows({ sql: 'SELECT 1 AS one', params: [] });
    if (db instanceof PostgresDatabase && create) await db.ensureSchema();
  } catch (err) {
    await db.close().catch(() => undefined);
    const u = new URL(url.replace(/^sqlserver:/, 'mssql:'));
    throw new DatabaseUrlError(`cannot connect to ${db.dialect.name} at ${u.hostname}:${u.port || (db.dialect.name === 'postgres' ? 5432 : 1433)}: ${databaseReason(err)}`);
  }
  return db;
}
