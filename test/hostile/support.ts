// Shared helpers for the hostile-input tests: a seeded PRNG, a captured ClientHello, raw sockets
// held open on purpose, and a bounded wait for a socket to be closed by the other side.
import { createServer, connect as netConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Deterministic PRNG (mulberry32) so a failure can be replayed from its printed seed. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes a Node TLS client sends first, offering these ALPN protocols. */
export function captureClientHello(alpn: string[] | undefined): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.once('data', (d: Buffer) => {
        socket.destroy();
        server.close();
        resolve(d);
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const client = tlsConnect({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        ALPNProtocols: alpn,
        rejectUnauthorized: false,
      });
      client.on('error', () => undefined);
    });
  });
}

export interface HeldSocket {
  socket: Socket;
  /** Resolves when the peer closed it (or it errored), with what it sent and after how long. */
  closed: Promise<{ text: string; afterMs: number; error?: string }>;
}

/** Opens a raw connection, writes `first` (if any) and keeps it open until the peer closes it. */
export function holdOpen(host: string, port: number, first?: string | Buffer): Promise<HeldSocket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const started = Date.now();
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    const closed = new Promise<{ text: string; afterMs: number; error?: string }>((done) =>
      socket.on('close', () =>
        done({ text: Buffer.concat(received).toString('latin1'), afterMs: Date.now() - started, error }),
      ),
    );
    socket.once('connect', () => {
      if (first !== undefined) socket.write(first);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Waits for `p`, but at most `ms`; returns undefined on timeout. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 1024 / 10.24) / 100;
}
