import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, type AppOptions } from '../../src/http/app.js';
import { loadModel } from '../../src/model/loader.js';
import { Service, type ServiceOptions } from '../../src/service.js';
import type { Statement } from '../../src/sql/dialect.js';
import type { Database } from '../../src/store/database.js';
import { MssqlDatabase } from '../../src/store/mssql.js';
import { PostgresDatabase } from '../../src/store/postgres.js';
import { SqliteDatabase } from '../../src/store/sqlite.js';

/** A database engine the behaviour suite runs on; `create` makes a fresh, empty database. */
export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres' | 'mssql';
  create(): Promise<{ db: Database; drop(): Promise<void> }>;
}

/** Temp folders made by the suite, removed when the test process exits if nothing removed them before. */
const tempDirs = new Set<string>();
process.on('exit', () => { for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true }); });

/**
 * A new empty folder under the OS temp folder, named `<prefix>XXXXXX`, removed at the latest when
 * the test process exits (a test that fails before its own cleanup leaves nothing behind).
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dir = tempDir('tessera-db-');
    const db = new SqliteDatabase(join(dir, 'tessera.db'));
    return { db, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  },
};

function fresh(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** PostgreSQL: a new schema per server in the database of TESSERA_TEST_POSTGRES_URL. */
function postgres(url: string): TestDatabase {
  return {
    name: 'postgres',
    async create() {
      const schema = fresh('t');
      const admin = new PostgresDatabase(url, 1);
      await admin.run({ sql: `CREATE SCHEMA ${schema}`, params: [] });
      const db = new PostgresDatabase(`${url}${url.includes('?') ? '&' : '?'}schema=${schema}`, 4);
      return {
        db,
        drop: async () => {
          await db.close();
          await admin.run({ sql: `DROP SCHEMA ${schema} CASCADE`, params: [] });
          await admin.close();
        },
      };
    },
  };
}

/** SQL Server: a new database per server on the server of TESSERA_TEST_MSSQL_URL. */
function mssql(url: string): TestDatabase {
  return {
    name: 'mssql',
    async create() {
      const name = fresh('t');
      const admin = new MssqlDatabase(url);
      await admin.connect();
      await admin.run({ sql: `CREATE DATABASE [${name}]`, params: [] });
      const u = new URL(url.replace(/^sqlserver:/, 'mssql:'));
      u.pathname = `/${name}`;
      const db = new MssqlDatabase(u.toString());
      await db.connect();
      return {
        db,
        drop: async () => {
          await db.close();
          await admin.run({ sql: `ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${name}]`, params: [] });
          await admin.close();
        },
      };
    },
  };
}

/**
 * The databases the behaviour suite covers: SQLite always; PostgreSQL when
 * TESSERA_TEST_POSTGRES_URL is set; SQL Server when TESSERA_TEST_MSSQL_URL is set.
 */
export const DATABASES: readonly TestDatabase[] = [
  sqlite,
  ...(process.env['TESSERA_TEST_POSTGRES_URL'] ? [postgres(process.env['TESSERA_TEST_POSTGRES_URL'])] : []),
  ...(process.env['TESSERA_TEST_MSSQL_URL'] ? [mssql(process.env['TESSERA_TEST_MSSQL_URL'])] : []),
];

/** A running Tessera on a random port over a fresh SQLite file; `close()` removes everything. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `http://127.0.0.1:<port>/api/data/v9.2/` */
  root: string;
  service: Service;
  db: Database;
  close(): Promise<void>;
}

/** The shipped metadata folder. */
export const SHIPPED_METADATA = join(import.meta.dirname, '..', '..', '..', 'metadata');

/**
 * Starts the app as `tessera serve` does, on port 0, over a fresh database of `database`
 * (default SQLite). `metadata` defaults to the shipped folder; pass a folder to test other tables.
 */
export async function startServer(metadata = SHIPPED_METADATA, database: TestDatabase = sqlite, options: ServiceOptions & AppOptions = {}): Promise<TestServer> {
  const { db, drop } = await database.create();
  const log = { error: (obj: object, msg: string) => console.error(msg, obj) };
  const service = await Service.open(loadModel(metadata), db, log, options);
  const server: Server = await listen(service, 0, '127.0.0.1', options);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    root: `${origin}/api/data/v9.2/`,
    service,
    db,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await drop();
    },
  };
}

/** Copies the shipped metadata into a new temp folder (to add or break files in tests; removed at exit at the latest, see tempDir). */
export function copyMetadata(): string {
  const dir = tempDir('tessera-meta-');
  cpSync(SHIPPED_METADATA, dir, { recursive: true });
  return dir;
}

/**
 * Runs `fn` with a new temp folder holding a copy of the shipped metadata, and `work`, an empty
 * temp folder for other files; removes both afterwards, whatever `fn` does.
 */
export async function withMetadataCopy<T>(fn: (dir: string, work: string) => Promise<T> | T): Promise<T> {
  const dir = copyMetadata();
  const work = tempDir('tessera-work-');
  try {
    return await fn(dir, work);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

/** The built CLI (dist/src/cli.js). */
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.js');

/** Runs `tessera <args>` as a user would (20 s at most); its exit status, stdout and stderr. */
export function runCli(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20000 });
}

/** A parsed HTTP answer. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: any;
}

/** Sends one request with fetch; `body` objects are JSON-encoded. */
export async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * Records every statement `db.rows` runs from now on, in order, in the returned (live) list; clear
 * it with `list.length = 0` before the request under test.
 */
export function recordStatements(db: Database): Statement[] {
  const statements: Statement[] = [];
  const rows = db.rows.bind(db);
  db.rows = async (stmt: Statement) => { statements.push(stmt); return rows(stmt); };
  return statements;
}

/**
 * `s`'s answer to `method` `path` (under /api/data/v9.2/) with JSON `body`, run as the built-in
 * system user through the pipeline, bypassing HTTP sign-in (servers that require tokens);
 * `Prefer: return=representation`. The body parsed as JSON (undefined when empty).
 */
export async function asSystem(s: TestServer, method: string, path: string, body?: object): Promise<{ status: number; json: any }> {
  const r = await s.service.handle({ method, url: `/api/data/v9.2/${path}`, headers: { 'content-type': 'application/json', prefer: 'return=representation' }, body: body && JSON.stringify(body), origin: s.origin });
  return { status: r.status, json: r.body ? JSON.parse(r.body) : undefined };
}

/** Creates a row with `Prefer: return=representation` and returns its JSON; throws unless the answer is 201. */
export async function createRow(s: TestServer, set: string, body: object): Promise<any> {
  const r = await call('POST', `${s.root}${set}`, body, { Prefer: 'return=representation' });
  if (r.status !== 201) throw new Error(`POST ${set} answered ${r.status}: ${r.text}`);
  return r.json;
}
