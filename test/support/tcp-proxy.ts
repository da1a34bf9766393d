import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy started by tcpProxy. */
export interface TcpProxy {
  /** The port it listens on, on 127.0.0.1 (the same after restore). */
  readonly port: number;
  /** Drops every connection and refuses new ones, as a stopped server does (ECONNREFUSED). */
  cut(): Promise<void>;
  /** Drops every connection and takes new ones without ever answering, as a server that stopped responding does. */
  hang(): Promise<void>;
  /**
   * Stops forwarding in both directions on the connections it has, keeping them open, and takes
   * new ones without answering, as a network partition does: what either side sends meanwhile,
   * its closing included, is held back until restore.
   */
  stall(): Promise<void>;
  /** Forwards new connections again, on the same port, and what stalled connections held back. */
  restore(): Promise<void>;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to `host:port`, standing in for a database server that goes away and
 * comes back (a stopped PostgreSQL is not a thing a test may do to a shared one): see TcpProxy.
 */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  let forwarding = true;
  let stalled = false;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  };
  /** Sends what `from` receives to `to`, its end and close too; a paused `from` (stall) holds it all back, unread. */
  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => { if (!stalled) from.resume(); });
      }
    });
    from.once('end', () => to.end());
    from.once('close', () => to.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (!forwarding) return;
    const upstream = connect(port, host);
    track(upstream);
    relay(client, upstream);
    relay(upstream, client);
  });
  const listen = (on: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const drop = () => { for (const s of sockets) s.destroy(); };
  const stop = () => new Promise<void>((resolve) => { drop(); if (server.listening) server.close(() => resolve()); else resolve(); });
  await listen(0);
  const own = (server.address() as { port: number }).port;
  return {
    port: own,
    cut: stop,
    async hang() {
      forwarding = false;
      drop();
    },
    async stall() {
      forwarding = false;
      stalled = true;
      for (const s of sockets) s.pause();
    },
    async restore() {
      forwarding = true;
      stalled = false;
      for (const s of sockets) s.resume();
      if (!server.listening) await listen(own);
    },
    close: stop,
  };
}
