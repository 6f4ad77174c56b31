// Shared helpers for the hostile-input tests: a seeded PRNG, a captured ClientHello, raw sockets
// held open on purpose, a bounded wait for a socket to be closed by the other side, and the echo
// app's responses read for the XFCC it saw.
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

/** A response of the echo app (test/proxy/harness.ts) as an XFCC test reads it. */
export interface EchoResponse {
  status: number;
  /** Every XFCC value the app saw, in the headers or the trailers. */
  xfcc: string[];
}

/** Splits Content-Length-framed HTTP/1.1 responses (the echo app sets one on every answer). */
export function parseEchoResponses(text: string): EchoResponse[] {
  const out: EchoResponse[] = [];
  let rest = text;
  for (let guard = 0; guard < 20; guard++) {
    const end = rest.indexOf('\r\n\r\n');
    const m = /^HTTP\/1\.1 (\d{3})/.exec(rest);
    if (end === -1 || m === null) break;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    rest = rest.slice(end + 4 + length);
    const seen =
      m[1] === '200' ? (JSON.parse(body) as { rawHeaders: string[]; rawTrailers: string[] }) : undefined;
    out.push({
      status: Number(m[1]),
      xfcc: [...xfccOf(seen?.rawHeaders ?? []), ...xfccOf(seen?.rawTrailers ?? [])],
    });
  }
  return out;
}

function xfccOf(raw: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase().replace(/_/g, '-') === 'x-forwarded-client-cert') values.push(raw[i + 1]!);
  }
  return values;
}
