import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { openDatabase } from '../src/store/open.js';
import type { Database, Executor } from '../src/store/database.js';
import { serveProcess, type ServeProcess } from './support/serve-process.js';
import { SHIPPED_METADATA, tempDir } from './support/server.js';
import { tcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/** The database URLs `tessera serve` is run on: a fresh SQLite file, and a fresh PostgreSQL schema when TESSERA_TEST_POSTGRES_URL is set. */
function databases(): Array<{ name: string; url: () => { url: string; drop(): Promise<void> } }> {
  const postgres = process.env['TESSERA_TEST_POSTGRES_URL'];
  return [
    { name: 'sqlite', url: () => {
      const dir = tempDir('tessera-serve-');
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

    it('abandons a request still unanswered at --shutdown-timeout after SIGTERM: closes its connection without an answer, logs it and exits 1', async () => {
      const { url, drop } = database.url();
      const s = await serveProcess('--metadata', SHIPPED_METADATA, '--database', url, '--no-watch', '--shutdown-timeout', '1');
      try {
        const c = rawConnection(s.port);
        // A request whose body never comes: in progress for ever, whatever the database.
        c.socket.write('POST /api/data/v9.2/msdyn_copilotinteractions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n');
        await c.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
        s.child.kill('SIGTERM');
        await c.ended;
        expect((await c.until(/^[^]*$/))[0], 'nothing but the 100 Continue').to.equal('HTTP/1.1 100 Continue\r\n\r\n');
        expect(await s.exited, 'exit code').to.equal(1);
        expect(s.lines.join('\n')).to.match(/abandoned POST \/api\/data\/v9\.2\/msdyn_copilotinteractions after \d+ ms, unanswered/);
      } finally {
        s.child.kill('SIGKILL');
        await drop();
      }
    });
  });
}

/** A `$batch` body of one change set that creates a row for each of `names`. */
function changeSetCreating(root: string, names: readonly string[]): { body: string; contentType: string } {
  const cs = `changeset_${randomUUID()}`;
  const parts = names.map((name, i) => `--${cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ${i + 1}\r\n\r\nPOST ${root}msdyn_copilotinteractions HTTP/1.1\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ msdyn_name: name })}\r\n`).join('');
  const b = `batch_${randomUUID()}`;
  return { body: `--${b}\r\nContent-Type: multipart/mixed; boundary=${cs}\r\n\r\n${parts}--${cs}--\r\n--${b}--\r\n`, contentType: `multipart/mixed; boundary=${b}` };
}

/** A CreateMultiple body of `count` rows named `<prefix> <i>`. */
function createMultiple(prefix: string, count: number): string {
  return JSON.stringify({ Targets: Array.from({ length: count }, (_, i) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_name: `${prefix} ${i}` })) });
}

const postgresUrl = process.env['TESSERA_TEST_POSTGRES_URL'];
if (postgresUrl) {
  describe('tessera serve when PostgreSQL fails [postgres]', function () {
    this.timeout(60000);
    const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const withSchema = (url: string, extra = '') => `${url}${url.includes('?') ? '&' : '?'}schema=${schema}${extra}`;
    let proxy: TcpProxy;
    let s: ServeProcess;
    let admin: Database;
    const post = (path: string, body: string, contentType = 'application/json') => fetch(`${s.root}${path}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
    const named = async (prefix: string) => Number((await admin.rows({ sql: `SELECT count(*) FROM ${schema}.msdyn_copilotinteraction WHERE msdyn_name LIKE $1`, params: [`${prefix} %`] }))[0]![0]);
    const expectUnavailable = async (r: Response, code = '0x80044150') => {
      expect(r.status).to.equal(503);
      expect(r.headers.get('retry-after')).to.equal('1');
      const text = await r.text();
      expect(JSON.parse(text).error.code, text).to.equal(code);
      expect(text).to.not.contain('    at ');
    };

    /**
     * Runs `send` while this test holds an EXCLUSIVE lock on the table, so that the write it starts
     * waits inside PostgreSQL; once a session waits for the lock, `act(pid, tx)` is run (e.g.
     * pg_terminate_backend on it from the lock's session `tx`), then the lock is released. Resolves
     * with what `send` resolved with; throws (releasing the lock) when `send` settles before any
     * session waited.
     */
    async function whileWaiting<T>(send: () => Promise<T>, act: (pid: number, tx: Executor) => Promise<unknown>): Promise<T> {
      let sent: Promise<T> | undefined;
      await admin.transaction(async (tx) => {
        await tx.run({ sql: `LOCK TABLE ${schema}.msdyn_copilotinteraction IN EXCLUSIVE MODE`, params: [] });
        let settled = false;
        sent = send().finally(() => { settled = true; });
        for (;;) {
          const waiting = await tx.rows({ sql: 'SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))', params: [] });
          if (waiting.length) {
            for (const [pid] of waiting) await act(Number(pid), tx);
            break;
          }
          if (settled) throw new Error(`the request was answered without waiting for the lock: ${String(await sent.catch((err: unknown) => err))}`);
          await delay(10);
        }
      });
      return sent!;
    }

    const terminate = (pid: number, tx: Executor) => tx.rows({ sql: 'SELECT pg_terminate_backend($1)', params: [pid] });

    /** A proxy to the test's PostgreSQL server, and the URL that reaches that server through it (with the test's schema and `extra`). */
    async function proxied(extra: string): Promise<{ proxy: TcpProxy; url: string }> {
      const target = new URL(postgresUrl!);
      const p = await tcpProxy(target.hostname, Number(target.port || 5432));
      const through = new URL(postgresUrl!);
      through.hostname = '127.0.0.1';
      through.port = String(p.port);
      return { proxy: p, url: withSchema(through.toString(), extra) };
    }

    before(async () => {
      const { proxy: p, url } = await proxied('&connect_timeout=1');
      proxy = p;
      s = await serveProcess('--metadata', SHIPPED_METADATA, '--database', url, '--no-watch');
      admin = await openDatabase(postgresUrl);
    });
    after(async () => {
      await s?.stop();
      await proxy?.close();
      await admin?.run({ sql: `DROP SCHEMA IF EXISTS ${schema} CASCADE`, params: [] }).finally(() => admin.close());
    });

    it('answers 503 0x80044150 with Retry-After while PostgreSQL cannot be reached, and serves again once it can, without a restart', async () => {
      expect((await fetch(`${s.root}msdyn_copilotinteractions?$top=1`)).status).to.equal(200);
      await proxy.cut();
      try {
        await expectUnavailable(await fetch(`${s.root}msdyn_copilotinteractions?$top=1`));
        await expectUnavailable(await post('msdyn_copilotinteractions', JSON.stringify({ msdyn_name: 'outage 1' })));
      } finally {
        await proxy.restore();
      }
      expect((await fetch(`${s.root}msdyn_copilotinteractions?$top=1`)).status).to.equal(200);
      expect((await post('msdyn_copilotinteractions', JSON.stringify({ msdyn_name: 'outage 2' }))).status).to.equal(204);
      expect(await named('outage'), 'only the create sent once it was back').to.equal(1);
    });

    it('answers 503 once connect_timeout has passed when PostgreSQL takes connections but never answers, then serves again', async () => {
      await proxy.hang();
      try {
        await expectUnavailable(await fetch(`${s.root}msdyn_copilotinteractions?$top=1`));
      } finally {
        await proxy.restore();
      }
      expect((await fetch(`${s.root}msdyn_copilotinteractions?$top=1`)).status).to.equal(200);
    });

    it('answers 503 and writes nothing when the session of a 1,000-row CreateMultiple is killed (pg_terminate_backend), and keeps serving', async () => {
      const r = await whileWaiting(() => post('msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple', createMultiple('killed bulk', 1000)), terminate);
      await expectUnavailable(r);
      expect(await named('killed bulk')).to.equal(0);
      expect((await post('msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple', createMultiple('next bulk', 1000))).status).to.equal(200);
      expect(await named('next bulk')).to.equal(1000);
    });

    it('answers a $batch change set whose session is killed 503, writing none of it, and keeps serving', async () => {
      const killed = changeSetCreating(s.root, ['killed set 1', 'killed set 2', 'killed set 3']);
      const r = await whileWaiting(() => post('$batch', killed.body, killed.contentType), terminate);
      const text = await r.text();
      expect(text).to.match(/HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(text).to.contain('"code":"0x80044150"');
      expect(text).to.not.contain('    at ');
      expect(await named('killed set')).to.equal(0);
      const next = changeSetCreating(s.root, ['next set 1', 'next set 2']);
      expect((await post('$batch', next.body, next.contentType)).status).to.equal(200);
      expect(await named('next set')).to.equal(2);
    });

    it('answers 503 0x80044151 (SQL timeout expired) for a statement PostgreSQL cancels, writing nothing', async () => {
      const r = await whileWaiting(() => post('msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple', createMultiple('cancelled bulk', 1000)), (pid, tx) => tx.rows({ sql: 'SELECT pg_cancel_backend($1)', params: [pid] }));
      await expectUnavailable(r, '0x80044151');
      expect(await named('cancelled bulk')).to.equal(0);
    });

    it('answers 503 0x80044151 once query_timeout has passed when PostgreSQL stops answering on an open connection (a network partition), keeps nothing of it, and serves again once the network is back', async () => {
      const { proxy: partitioned, url } = await proxied('&query_timeout=2000');
      const own = await serveProcess('--metadata', SHIPPED_METADATA, '--database', url, '--no-watch');
      const create = (name: string) => fetch(`${own.root}msdyn_copilotinteractions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ msdyn_name: name }) });
      try {
        // A pooled connection is open through the proxy: the next request takes it.
        expect((await fetch(`${own.root}msdyn_copilotinteractions?$top=1`)).status).to.equal(200);
        await partitioned.stall();
        try {
          await expectUnavailable(await create('partitioned 1'), '0x80044151');
        } finally {
          await partitioned.restore();
        }
        // The connection given up on was dropped, not pooled again: the next request is served.
        expect((await create('partitioned 2')).status).to.equal(204);
        expect(await named('partitioned'), 'only the create sent once the network was back').to.equal(1);
      } finally {
        await own.stop();
        await partitioned.close();
      }
    });

    it('abandons a request whose transaction still waits in PostgreSQL at --shutdown-timeout after SIGTERM: ends its session, so nothing of it is kept, answers nothing, and exits 1', async () => {
      const own = await serveProcess('--metadata', SHIPPED_METADATA, '--database', withSchema(postgresUrl), '--no-watch', '--shutdown-timeout', '1');
      try {
        const answered = await whileWaiting(
          () => fetch(`${own.root}msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: createMultiple('abandoned', 1000) })
            .then((r) => r.status, (err: unknown) => err),
          async (pid) => {
            own.child.kill('SIGTERM');
            expect(await own.exited, 'exit code').to.equal(1);
            // Its session ends while this test still holds the lock it waited for: ended by
            // Tessera, not left waiting until the lock is released. (Asked outside the lock's
            // transaction, whose view of pg_stat_activity is fixed at its first look.)
            while ((await admin.rows({ sql: 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', params: [pid] })).length) await delay(10);
          },
        );
        expect(answered, 'no answer: the connection closed').to.be.an('error');
        expect(await named('abandoned')).to.equal(0);
        expect(own.lines.join('\n')).to.match(/abandoned POST \/api\/data\/v9\.2\/msdyn_copilotinteractions\/Microsoft\.Dynamics\.CRM\.CreateMultiple after \d+ ms/);
      } finally {
        own.child.kill('SIGKILL');
      }
    });

    it('answers a request whose transaction waits in PostgreSQL at SIGTERM once it commits, then exits 0', async () => {
      const own = await serveProcess('--metadata', SHIPPED_METADATA, '--database', withSchema(postgresUrl), '--no-watch');
      try {
        const r = await whileWaiting(
          () => fetch(`${own.root}msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: createMultiple('at sigterm', 1000) }),
          async () => {
            own.child.kill('SIGTERM');
            while (await accepts(own.port)) await delay(20);
          },
        );
        expect(r.status).to.equal(200);
        expect(r.headers.get('connection')).to.equal('close');
        expect(await own.exited).to.equal(0);
        expect(await named('at sigterm')).to.equal(1000);
      } finally {
        own.child.kill('SIGKILL');
      }
    });
  });
}
