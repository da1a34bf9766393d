import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/http/app.js';
import { loadModel } from '../../src/model/loader.js';
import { Service } from '../../src/service.js';
import { SqliteDatabase } from '../../src/store/sqlite.js';

/** A running Tessera on a random port over a fresh SQLite file; `close()` removes everything. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `http://127.0.0.1:<port>/api/data/v9.2/` */
  root: string;
  service: Service;
  /** The temporary folder holding the database file (and the metadata copy). */
  dir: string;
  close(): Promise<void>;
}

/** The shipped metadata folder. */
export const SHIPPED_METADATA = join(import.meta.dirname, '..', '..', '..', 'metadata');

/**
 * Starts the app as `tessera serve` does, on port 0, with a new database file in a temp folder.
 * `metadata` defaults to the shipped folder; pass a folder to test other tables.
 */
export async function startServer(metadata = SHIPPED_METADATA): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  const db = new SqliteDatabase(join(dir, 'tessera.db'));
  const log = { error: (obj: object, msg: string) => console.error(msg, obj) };
  const service = await Service.open(loadModel(metadata), db, log);
  const server: Server = await new Promise((resolve) => {
    const s = createApp(service).listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    root: `${origin}/api/data/v9.2/`,
    service,
    dir,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Copies the shipped metadata into a new temp folder (to add or break files in tests). */
export function copyMetadata(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-meta-'));
  cpSync(SHIPPED_METADATA, dir, { recursive: true });
  return dir;
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
