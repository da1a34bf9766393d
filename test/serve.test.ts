import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { openDatabase } from '../src/store/open.js';
import { serveProcess } from './support/serve-process.js';
import { SHIPPED_METADATA } from './support/server.js';

/** The database URLs `tessera serve` is run on: a fresh SQLite file, and a fresh PostgreSQL schema when TESSERA_TEST_POSTGRES_URL is set. */
function databases(): Array<{ name: string; url: () => { url: string; drop(): Promise<void> } }> {
  const postgres = process.env['TESSERA_TEST_POSTGRES_URL'];
  return [
    { name: 'sqlite', url: () => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-serve-'));
      return { url: `sqlite:${join(dir, 'db.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    } },
    ...(postgres ? [{ name: 'postgres', url: () => {
      const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      return {
        url: `${postgres}${postgres.includes('?') ? '&' : '?'}schema=${schema}`,
        drop: async () => {
          const db = await openDatabase(postgres);
          await db.run({ sql: `DROP SCHEMA IF EXISTS ${schema} CASCADE`, params: [] }).finally(() => db.close());
        },
      };
    } }] : []),
  ];
}

/**
 * A raw HTTP/1.1 connection to `port`: `until(pattern)` waits until what it received matches
 * `pattern` and returns the match (throwing if the connection closes first); `ended` resolves
 * when it is closed.
 */
function rawConnection(port: number): { socket: Socket; until(pattern: RegExp): Promise<RegExpExecArray>; ended: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
    for (const w of waiters.splice(0)) w();
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let closed = false;
  void ended.then(() => { closed = true; for (const w of waiters.splice(0)) w(); });
  const until = async (pattern: RegExp) => {
    for (;;) {
      const m = pattern.exec(data);
      if (m) return m;
      if (closed) throw new Error(`the connection closed before ${pattern} came; it received: ${data}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, until, ended };
}

/** Whether a new connection to `port` is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

for (const database of databases()) {
  describe(`tessera serve [${database.name}]`, function () {
    this.timeout(60000);

    it('answers a request in progress when stopped (SIGTERM) with Connection: close, closes that keep-alive connection, and exits 0', async () => {
      const { url, drop } = database.url();
      const s = await serveProcess('--metadata', SHIPPED_METADATA, '--database', url, '--no-watch');
      try {
        const c = rawConnection(s.port);
        const body = JSON.stringify({ msdyn_name: 'in flight at SIGTERM' });
        // The request's head, asking to be told it may send its body: the 100 answer says the server has it in progress.
        c.socket.write(`POST /api/data/v9.2/msdyn_copilotinteractions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`);
        await c.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
        s.child.kill('SIGTERM');
        // Stopped: no new connection is taken any more.
        while (await accepts(s.port)) await delay(20);
        c.socket.write(body);
        const [head] = await c.until(/HTTP\/1\.1 204 [^]*?\r\n\r\n/);
        expect(head, 'the answer tells the client that the connection closes').to.match(/\r\nConnection: close\r\n/i);
        await c.ended;
        expect(await s.exited, 'exit code').to.equal(0);
      } finally {
        s.child.kill('SIGKILL');
        await drop();
      }
    });
  });
}
